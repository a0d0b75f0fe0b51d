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

"""X-IO ISE Fibre Channel driver: connection info for the FC transport."""

from cinder.common import constants
from cinder import interface
from oslo_log import log as logging

from xio_cinder import common

LOG = logging.getLogger(__name__)


def _zone_manager_utils():
    # Imported when used: it imports cinder.volume.manager, which needs
    # cinder's objects registered (true in cinder-volume, not at import).
    from cinder.zonemanager import utils
    return utils


@interface.volumedriver
class XIOFCDriver(common.XIOBaseVolumeDriver):
    """X-IO ISE Fibre Channel volume driver (ISE firmware 2.8.0 or later)."""

    STORAGE_PROTOCOL = constants.FC
    _host_suffix = 'fc'
    _initiator_word = 'FC WWPNs'

    def _initiators(self, connector):
        return [w.lower() for w in (connector or {}).get('wwpns') or []]

    def _target_map(self, connector):
        targets = [w for c in self.client.list_controllers() for w in c.wwns]
        # Every initiator may reach every ISE port (protocol.rst P26).
        return targets, {i: list(targets) for i in
                         self._initiators(connector)}

    @common.array_errors('attach volume')
    def initialize_connection(self, volume, connector):
        _host, alloc = self._present(volume, connector)
        try:
            targets, initiator_map = self._target_map(connector)
        except Exception:
            self._unpresent(volume, connector)
            raise
        info = {'driver_volume_type': 'fibre_channel',
                'data': {'target_discovered': True,
                         'target_lun': alloc.lun,
                         'target_wwn': targets,
                         'initiator_target_map': initiator_map,
                         'volume_id': volume.id}}
        _zone_manager_utils().add_fc_zone(info)
        return info

    @common.array_errors('detach volume')
    def terminate_connection(self, volume, connector, **kwargs):
        host_removed = self._unpresent(volume, connector)
        info = {'driver_volume_type': 'fibre_channel', 'data': {}}
        if host_removed:
            # The host has no volumes left: its zones can go.
            targets, initiator_map = self._target_map(connector)
            info['data'] = {'target_wwn': targets,
                            'initiator_target_map': initiator_map}
            _zone_manager_utils().remove_fc_zone(info)
        return info
