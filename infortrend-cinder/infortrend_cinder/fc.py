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
"""InfortrendCLIFCDriver: EonStor DS volumes over Fibre Channel.

Target WWPNs of the FC host channels, the initiator-target map (through
the fabric's lookup service when there is one), maps per initiator WWPN
and FC zoning: the FC connection info.
"""

from cinder.common import constants
from cinder import coordination
from cinder import exception
from cinder import interface
from cinder.volume import driver
from cinder.zonemanager import utils as fczm_utils

from infortrend_cinder import client
from infortrend_cinder import common

FC_CHANNEL_TYPES = ('FIBRE', 'Fibre')


@interface.volumedriver
class InfortrendCLIFCDriver(common.InfortrendBaseVolumeDriver,
                            driver.FibreChannelDriver):
    """Fibre Channel driver for Infortrend EonStor DS over the raidcmd CLI."""

    STORAGE_PROTOCOL = constants.FC

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup_service = fczm_utils.create_lookup_service()

    def _fc_targets(self, multipath):
        """{(ch, tid): target WWPN} on the usable FC channels."""
        usable = {(slot, ch): tid for slot, ch, tid, _ in
                  self._host_channels(FC_CHANNEL_TYPES)
                  if multipath or slot == 'A'}
        targets = {}
        for row in self.client.show_wwn():
            slot_id = row.get('ID', '')
            slot = 'B' if slot_id.startswith('BID:') else 'A'
            key = (slot, int(row['CH']))
            if key in usable:
                targets[(int(row['CH']), usable[key])] = row['WWPN'].lower()
        if not targets:
            raise exception.VolumeBackendAPIException(
                data='No FC host channel among '
                     'infortrend_slots_a_channels_id / _b_')
        return targets

    def _fc_multipath(self, connector):
        return bool(connector.get('multipath')) or bool(
            self._conf('infortrend_fc_multipath'))

    @common.array_errors('attach volume')
    def initialize_connection(self, volume, connector):
        part_id = self._part_id(volume)
        wwpns = [client.wwpn(w, 'connector wwpns')
                 for w in connector.get('wwpns') or []]
        if not wwpns:
            raise exception.InvalidInput(reason='connector has no wwpns')
        targets = self._fc_targets(self._fc_multipath(connector))
        itmap = self._initiator_target_map(wwpns, targets,
                                           self.lookup_service)
        pairs = []
        for init in wwpns:
            for (ch, tid), wwn in sorted(targets.items()):
                if wwn in itmap.get(init.lower(), []):
                    pairs.append((ch, tid, init))
        lun = self._map_wwpns(part_id, pairs)
        used_targets = sorted({targets[(ch, tid)] for ch, tid, _ in pairs})
        info = {'driver_volume_type': 'fibre_channel',
                'data': {'target_discovered': True,
                         'target_lun': lun,
                         'target_wwn': used_targets,
                         'initiator_target_map': itmap,
                         'volume_id': volume.id}}
        fczm_utils.add_fc_zone(info)
        return info

    @coordination.synchronized(common.MAPS_LOCK)
    def _map_wwpns(self, part_id, pairs):
        """The LUN of part_id on every (ch, tid, wwpn) pair, mapped."""
        maps = self.client.show_map()
        have = {}
        for row in maps:
            if row['ID'] == part_id:
                have[(int(row['Ch']), int(row['Target']),
                      row.get('Host-ID', '').upper())] = int(row['LUN'])
        luns = {have.get(p) for p in pairs}
        if len(luns) == 1 and None not in luns:
            return luns.pop()
        return self._map_fc(part_id, pairs, maps)

    def _map_fc(self, part_id, pairs, maps):
        used = self._used_luns(maps)
        channels = {(ch, tid) for ch, tid, _ in pairs}
        for lun in range(self.max_lun):
            if any(lun in used.get(c, ()) for c in channels):
                continue
            made = []
            try:
                for ch, tid, init in pairs:
                    self.client.create_map(part_id, ch, tid, lun, wwn=init)
                    made.append((ch, tid))
                return lun
            except client.CLIError as exc:
                self._unmap(part_id, sorted(set(made)), lun)
                if exc.rc not in (client.RC_EXISTS, client.RC_RAID_FAIL):
                    raise
        raise exception.VolumeBackendAPIException(
            data='No LUN free on FC channels for partition %s' % part_id)

    @staticmethod
    def _initiator_target_map(wwpns, targets, lookup_service):
        target_wwns = sorted(set(targets.values()))
        if lookup_service is not None:
            mapping = lookup_service.get_device_mapping_from_network(
                wwpns, target_wwns)
            itmap = {}
            for fabric in mapping.values():
                for init in fabric['initiator_port_wwn_list']:
                    itmap.setdefault(init.lower(), []).extend(
                        t.lower() for t in fabric['target_port_wwn_list'])
            return itmap
        return {w.lower(): list(target_wwns) for w in wwpns}

    @common.array_errors('detach volume')
    def terminate_connection(self, volume, connector, **kwargs):
        info = {'driver_volume_type': 'fibre_channel', 'data': {}}
        part_id = self._part_id(volume, required=False)
        if part_id is None:
            return info
        if not connector:
            self._unmap_all(part_id)
            return info
        wwpns = [client.wwpn(w, 'connector wwpns')
                 for w in connector.get('wwpns') or []]
        if not self._unmap_wwpns(part_id, wwpns):
            # Zones go only when the host has nothing left on the array.
            targets = self._fc_targets(True)
            info['data'] = {'target_wwn': sorted(set(targets.values())),
                            'initiator_target_map':
                                self._initiator_target_map(
                                    wwpns, targets, None)}
        fczm_utils.remove_fc_zone(info)
        return info

    @coordination.synchronized(common.MAPS_LOCK)
    def _unmap_wwpns(self, part_id, wwpns):
        """Their maps of part_id; whether they keep maps of others."""
        maps = self.client.show_map()
        for init in wwpns:
            self._delete_host_maps(part_id, maps, init)
        mine = {w.upper() for w in wwpns}
        return any(r['ID'] != part_id and r.get('Host-ID', '').upper() in mine
                   for r in maps)
