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
"""PureFCDriver: FlashArray volumes over Fibre Channel."""

from cinder import exception
from cinder.i18n import _
from cinder import interface
from oslo_log import log as logging

from pure_cinder import common

LOG = logging.getLogger(__name__)


def _zone_manager():
    # Imported on use: the module pulls in cinder.volume.manager, which
    # needs cinder's objects registered (true inside cinder-volume).
    from cinder.zonemanager import utils
    return utils


def _plain_wwn(wwn):
    return wwn.replace(':', '').lower()


@interface.volumedriver
class PureFCDriver(common.PureBaseVolumeDriver):
    """Pure Storage FlashArray volumes over Fibre Channel (REST 2.x).

    Version history:
      1.0.0 - REST 2.x client, per-compute-host host objects, zoning hooks,
              manage/unmanage, revert, multiattach, QoS, thin stats.
    """

    VERSION = '1.0.0'
    CI_WIKI_NAME = 'Pure_Storage_CI'
    STORAGE_PROTOCOL = 'FC'

    def _initiators(self, connector):
        wwpns = connector.get('wwpns')
        if not wwpns:
            raise exception.InvalidConnectorException(missing='wwpns')
        upper = [_plain_wwn(w).upper() for w in wwpns]
        expression = ' or '.join("wwns='%s' and is_local" % w for w in upper)
        return expression, {'wwns': upper}

    def _target_wwns(self):
        for refresh in (False, True):
            wwns = [_plain_wwn(p['wwn']) for p in self._ports(refresh)
                    if p.get('wwn') and not p.get('nqn')]
            if wwns:
                return wwns
        raise common.PureDriverException(reason=_(
            'the array reports no Fibre Channel target ports'))

    def _zoning_data(self, connector):
        targets = self._target_wwns()
        initiators = [_plain_wwn(w) for w in connector['wwpns']]
        return targets, {i: list(targets) for i in initiators}

    @common.array_errors('attach volume')
    def initialize_connection(self, volume, connector):
        self._initiators(connector)
        _host, lun, name, _chap = self._locked_attach(volume, connector)
        targets, target_map = self._zoning_data(connector)
        info = {'driver_volume_type': 'fibre_channel',
                'data': {'target_discovered': True,
                         'target_lun': lun,
                         'target_luns': [lun] * len(targets),
                         'target_wwn': targets,
                         'target_wwns': targets,
                         'initiator_target_map': target_map,
                         'discard': True,
                         'addressing_mode': 'SAM2',
                         'wwn': self._wwn(volume, name),
                         'volume_id': volume.id}}
        _zone_manager().add_fc_zone(info)
        return info

    @common.array_errors('detach volume')
    def terminate_connection(self, volume, connector, **kwargs):
        host_is_idle = self._detach_any(volume, connector)
        info = {'driver_volume_type': 'fibre_channel', 'data': {}}
        if host_is_idle and connector and connector.get('wwpns'):
            # Zones go only when the host has nothing left on the array.
            targets, target_map = self._zoning_data(connector)
            info['data'] = {'target_wwn': targets,
                            'initiator_target_map': target_map}
            _zone_manager().remove_fc_zone(info)
        return info
