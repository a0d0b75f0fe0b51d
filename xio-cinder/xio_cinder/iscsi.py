# Copyright 2026 Cinder backends team
#
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

"""X-IO ISE iSCSI driver: connection info for the iSCSI transport."""

import ipaddress

from cinder.common import constants
from cinder import exception
from cinder import interface
from oslo_log import log as logging

from xio_cinder import common
from xio_cinder import options

LOG = logging.getLogger(__name__)


@interface.volumedriver
class XIOISCSIDriver(common.XIOBaseVolumeDriver):
    """X-IO ISE iSCSI volume driver (ISE firmware 3.1.0 or later)."""

    STORAGE_PROTOCOL = constants.ISCSI
    _host_suffix = 'iscsi'
    _initiator_word = 'an iSCSI initiator name'
    # An ISE answers SendTargets on a data port with the portals of its
    # own subnet; ISE data networks are /24 (see README).
    DATA_SUBNET_PREFIX = 24

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.configuration:
            self.configuration.append_config_values(options.iscsi_opts)

    @staticmethod
    def get_driver_options():
        return (common.XIOBaseVolumeDriver.get_driver_options() +
                options.iscsi_opts)

    def do_setup(self, context):
        self._required('iscsi_ip_address')
        super().do_setup(context)

    def _initiators(self, connector):
        initiator = (connector or {}).get('initiator')
        return [initiator] if initiator else []

    def _portals(self, connector):
        """(portal, iqn) of iscsi_ip_address, then its subnet's others."""
        wanted = self.configuration.iscsi_ip_address
        port = self.configuration.safe_get('target_port') or 3260
        ports = [p for c in self.client.list_controllers()
                 for p in c.iscsi_ports]
        chosen = [p for p in ports if p[0] == wanted]
        if not chosen or not chosen[0][1]:
            raise exception.InvalidConfigurationValue(
                option='iscsi_ip_address', value='%s (not an iSCSI port of '
                'this ISE; its ports are %s)' % (
                    wanted, ', '.join(p[0] for p in ports) or 'none'))
        result = [('%s:%s' % (wanted, port), chosen[0][1])]
        if connector.get('multipath'):
            subnet = ipaddress.ip_network('%s/%d' % (
                wanted, self.DATA_SUBNET_PREFIX), strict=False)
            for ip, iqn in ports:
                if ip != wanted and iqn and ipaddress.ip_address(
                        ip) in subnet:
                    result.append(('%s:%s' % (ip, port), iqn))
        return result

    @common.array_errors('attach volume')
    def initialize_connection(self, volume, connector):
        _host, alloc = self._present(volume, connector)
        try:
            portals = self._portals(connector)
            chap = self.client.get_chap()
        except Exception:
            self._unpresent(volume, connector)
            raise
        data = {
            'target_discovered': False,
            'target_portal': portals[0][0],
            'target_iqn': portals[0][1],
            'target_lun': alloc.lun,
            'volume_id': volume.id,
        }
        if connector.get('multipath'):
            data['target_portals'] = [p for p, _i in portals]
            data['target_iqns'] = [i for _p, i in portals]
            data['target_luns'] = [alloc.lun] * len(portals)
        if chap is not None and chap.enabled:
            data['auth_method'] = 'CHAP'
            data['auth_username'] = chap.username
            data['auth_password'] = chap.password
        LOG.debug('ISE volume %(vol)s is LUN %(lun)s of %(iqn)s',
                  {'vol': volume.name, 'lun': alloc.lun,
                   'iqn': data['target_iqn']})
        return {'driver_volume_type': 'iscsi', 'data': data}

    @common.array_errors('detach volume')
    def terminate_connection(self, volume, connector, **kwargs):
        self._unpresent(volume, connector)
