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
"""InfortrendCLIISCSIDriver: EonStor DS volumes over iSCSI.

Initiator entries, the choice of iSCSI host channels and MCS groups,
target IQNs and portals: the iSCSI connection info.
"""

from cinder.common import constants
from cinder import coordination
from cinder import exception
from cinder import interface
from cinder.volume import driver

from infortrend_cinder import client
from infortrend_cinder import common

ISCSI_CHANNEL_TYPES = ('NETWORK', 'LAN')


@interface.volumedriver
class InfortrendCLIISCSIDriver(common.InfortrendBaseVolumeDriver,
                               driver.ISCSIDriver):
    """iSCSI driver for Infortrend EonStor DS over the raidcmd CLI."""

    STORAGE_PROTOCOL = constants.ISCSI

    def _portals(self):
        portals = {}
        port = self._conf('infortrend_iscsi_port')
        for row in self.client.show_net():
            ip = row.get('IPv4', '---')
            slot = row.get('Slot', 'slotA')[-1:]
            if ip in ('---', '0.0.0.0'):
                continue
            portals[(slot, int(row['ID']))] = '%s:%d' % (ip, port)
        return portals

    def _target_iqn(self, slot, tid, mcs):
        mcs_id = mcs if mcs not in ('N/A', '---') else '0'
        return '%s:raid.uid%s.%s%d%d' % (
            self._conf('infortrend_iqn_prefix'), self.system_id, mcs_id, tid,
            1 if slot == 'A' else 2)

    def _ensure_initiator(self, initiator):
        initiator = client.iqn(initiator, 'connector initiator')
        known = {row.get('IQN', '').lower() for row in
                 self.client.show_iqn()}
        if initiator.lower() in known:
            return
        try:
            self.client.create_iqn(initiator, self._alias(initiator))
        except client.CLIError as exc:
            if exc.rc != client.RC_EXISTS:
                raise

    @staticmethod
    def _alias(initiator):
        """The last 16 characters, trimmed to start with a letter/digit."""
        alias = initiator[-16:].lstrip('.:-_')
        return client.name(alias, 'initiator alias')

    def _choose_iscsi_paths(self, multipath, maps):
        """{(slot, mcs): [(ch, tid), ...]} of the MCS groups to map on.

        Multipath: every group on both slots.  Single path: the slot A
        group whose lowest channel has the most free LUNs (protocol.rst P26).
        """
        channels = self._host_channels(ISCSI_CHANNEL_TYPES)
        if not channels:
            raise exception.VolumeBackendAPIException(
                data='No iSCSI host channel among '
                     'infortrend_slots_a_channels_id / _b_')
        groups = {}
        for slot, ch, tid, mcs in sorted(channels):
            groups.setdefault((slot, mcs), []).append((ch, tid))
        if multipath:
            return groups
        slot_a = {k: v for k, v in groups.items() if k[0] == 'A'} or groups
        used = self._used_luns(maps)
        best = min(slot_a, key=lambda key: (
            len(used.get(slot_a[key][0], ())), key))
        return {best: slot_a[best]}

    @common.array_errors('attach volume')
    def initialize_connection(self, volume, connector):
        part_id = self._part_id(volume)
        initiator = client.iqn(connector.get('initiator'),
                               'connector initiator')
        multipath = bool(connector.get('multipath'))
        groups, paths, lun = self._map_initiator(part_id, initiator,
                                                 multipath)
        portals = self._portals()
        targets = []
        for (slot, mcs), (ch, tid) in sorted(paths.items()):
            member_channels = groups[(slot, mcs)] if self._conf(
                'infortrend_iscsi_mcs') else [(ch, tid)]
            for member_ch, member_tid in member_channels:
                portal = portals.get((slot, member_ch))
                if portal is None:
                    raise exception.VolumeBackendAPIException(
                        data='Channel %d slot %s has no IPv4 address in '
                             'show net' % (member_ch, slot))
                targets.append((self._target_iqn(slot, member_tid, mcs),
                                portal))
        data = {'target_discovered': False,
                'target_iqn': targets[0][0],
                'target_portal': targets[0][1],
                'target_lun': lun,
                'volume_id': volume.id,
                'discard': False}
        if multipath or len(targets) > 1:
            data['target_iqns'] = [t[0] for t in targets]
            data['target_portals'] = [t[1] for t in targets]
            data['target_luns'] = [lun] * len(targets)
        return {'driver_volume_type': 'iscsi', 'data': data}

    @coordination.synchronized(common.MAPS_LOCK)
    def _map_initiator(self, part_id, initiator, multipath):
        """Initiator entry and maps: (MCS groups, paths, LUN)."""
        self._ensure_initiator(initiator)
        maps = self.client.show_map()
        groups = self._choose_iscsi_paths(multipath, maps)
        # One map per MCS group: its lowest channel (protocol.rst P26).
        paths = {key: chans[0] for key, chans in groups.items()}
        existing = self._host_maps(maps, part_id, initiator)
        have = {(int(r['Ch']), int(r['Target'])): int(r['LUN'])
                for r in existing}
        luns = {have[p] for p in paths.values() if p in have}
        if len(luns) == 1 and all(p in have for p in paths.values()):
            return groups, paths, luns.pop()
        todo = [p for p in paths.values() if p not in have]
        return groups, paths, self._map_paths(part_id, todo, initiator,
                                              'initiator', maps)

    @common.array_errors('detach volume')
    def terminate_connection(self, volume, connector, **kwargs):
        part_id = self._part_id(volume, required=False)
        if part_id is None:
            return
        if not connector:
            self._unmap_all(part_id)
            return
        initiator = client.iqn(connector.get('initiator'),
                               'connector initiator')
        self._unmap_initiator(part_id, initiator)

    @coordination.synchronized(common.MAPS_LOCK)
    def _unmap_initiator(self, part_id, initiator):
        """Its maps of part_id; its entry too once no map uses it."""
        maps = self.client.show_map()
        self._delete_host_maps(part_id, maps, initiator)
        left = [r for r in maps if r.get('Host-ID', '').lower() ==
                initiator.lower() and r['ID'] != part_id]
        if not left:
            self._forget_initiator(initiator)

    def _forget_initiator(self, initiator):
        for row in self.client.show_iqn():
            if row.get('IQN', '').lower() == initiator.lower():
                try:
                    self.client.delete_iqn(row['Name'])
                except client.CLIError as exc:
                    if exc.rc not in (client.RC_NOT_FOUND, client.RC_EXISTS):
                        raise
