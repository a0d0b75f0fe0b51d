#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.
"""PureISCSIDriver: FlashArray volumes over iSCSI."""

import ipaddress

from cinder import exception
from cinder.i18n import _
from cinder import interface
from oslo_log import log as logging

from pure_cinder import common

LOG = logging.getLogger(__name__)


def _portal_address(portal):
    """The IP of "ip:3260" or "[v6]:3260"."""
    host = portal.rsplit(':', 1)[0]
    return ipaddress.ip_address(host.strip('[]'))


@interface.volumedriver
class PureISCSIDriver(common.PureBaseVolumeDriver):
    """Pure Storage FlashArray volumes over iSCSI (REST 2.x).

    Version history:
      1.0.0 - REST 2.x client, per-compute-host host objects, CHAP,
              manage/unmanage, revert, multiattach, QoS, thin stats.
    """

    VERSION = '1.0.0'
    CI_WIKI_NAME = 'Pure_Storage_CI'
    STORAGE_PROTOCOL = 'iSCSI'

    def _initiators(self, connector):
        if not connector.get('initiator'):
            raise exception.InvalidConnectorException(missing='initiator')
        iqn = connector['initiator']
        return "iqns='%s' and is_local" % iqn, {'iqns': [iqn]}

    def _iscsi_portals(self):
        network = self._iscsi_network()
        # The default 0.0.0.0/0 means "every portal", IPv6 ones included.
        every = network.prefixlen == 0

        def wanted(portal):
            return every or _portal_address(portal) in network

        for refresh in (False, True):
            portals = [(p['portal'], p['iqn']) for p in self._ports(refresh)
                       if p.get('iqn') and p.get('portal') and
                       wanted(p['portal'])]
            if portals:
                return portals
        raise common.PureDriverException(reason=_(
            'the array has no iSCSI port inside pure_iscsi_cidr=%s')
            % self.configuration.pure_iscsi_cidr)

    @common.array_errors('attach volume')
    def initialize_connection(self, volume, connector):
        self._initiators(connector)
        _host, lun, name, chap = self._locked_attach(volume, connector)
        portals = self._iscsi_portals()
        data = {
            'target_discovered': False,
            'discard': True,
            'addressing_mode': 'SAM2',
            'target_portal': portals[0][0],
            'target_iqn': portals[0][1],
            'target_lun': lun,
            'target_portals': [p for p, _iqn in portals],
            'target_iqns': [iqn for _p, iqn in portals],
            'target_luns': [lun] * len(portals),
            'wwn': self._wwn(volume, name),
            'volume_id': volume.id,
        }
        if chap:
            # What the host holds, not what use_chap_auth says now.
            data.update(auth_method='CHAP', auth_username=chap[0],
                        auth_password=chap[1])
        return {'driver_volume_type': 'iscsi', 'data': data}

    @common.array_errors('detach volume')
    def terminate_connection(self, volume, connector, **kwargs):
        self._detach_any(volume, connector)
