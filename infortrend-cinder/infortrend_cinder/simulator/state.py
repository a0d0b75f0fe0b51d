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
"""The simulated EonStor DS array: LVs, partitions, SIs, maps, replicas.

The state lives in one JSON file in a state directory, with each
partition's and SI's data in a sparse file next to it, written through
common_testing.simkit.volumes.  Every CLI process
(one per raidcmd session) takes an exclusive flock on the state for the
length of one command, so sessions of several backends and the SSH server
all see one array.  Replica jobs progress with wall-clock time, so no
process has to stay alive to move them forward.
"""

import contextlib
import fcntl
import json
import os
import random
import time

from common_testing.simkit import export
from common_testing.simkit import volumes

MB = 1024 * 1024
STATE_FILE = 'array.json'
LOCK_FILE = 'array.lock'


class ArrayError(Exception):
    """A command failed; rc and message become the CLI trailer."""

    def __init__(self, rc, message):
        self.rc = rc
        self.message = message
        super().__init__(message)


def new_id(rng=random):
    return '%016X' % rng.getrandbits(64)


def default_config(model='R', pools=(('LV-1', 1024 * 1024),),
                   tiered_pools=(), portal_ip='127.0.0.1', thin=True,
                   system_id='DEEC', san_ip='127.0.0.1', password=''):
    """The array as it comes out of the box, before any cinder use."""
    rng = random.Random(system_id)
    lvs = {}
    for pool_name, size_mb in pools:
        lvs[new_id(rng)] = {'name': pool_name, 'size': size_mb,
                            'tiers': None}
    for pool_name, tier_sizes in tiered_pools:
        lvs[new_id(rng)] = {'name': pool_name, 'size': sum(tier_sizes),
                            'tiers': list(tier_sizes)}
    dual = model == 'R'
    channels = [
        {'ch': 0, 'type': 'FIBRE', 'aid': 112, 'bid': 113, 'mcs': None},
        {'ch': 1, 'type': 'NETWORK', 'aid': 0, 'bid': 1, 'mcs': 0},
        {'ch': 2, 'type': 'NETWORK', 'aid': 0, 'bid': 1, 'mcs': 0},
        {'ch': 3, 'type': 'NETWORK', 'aid': 0, 'bid': 1, 'mcs': 1},
        {'ch': 4, 'type': 'FIBRE', 'aid': 112, 'bid': 113, 'mcs': None},
        {'ch': 5, 'type': 'SAS', 'aid': None, 'bid': None, 'mcs': None,
         'drive': True},
    ]
    if not dual:
        for channel in channels:
            channel['bid'] = None
    return {
        'model': model,
        'system_id': system_id,
        'model_name': 'DS S12%s-G2852-6' % ('R' if dual else 'G'),
        'san_ip': san_ip,
        'password': password,
        'portal_ip': portal_ip,
        'thin_license': thin,
        'max_lun': 64,
        'lvs': lvs,
        'parts': {},
        'sis': {},
        'maps': [],
        'iqns': {},
        'replicas': {},
        'channels': channels,
        'replica_seconds': 0.5,
        'spinner': False,
        'reachable': True,
        'tgt_control_port': None,
        'iqn_prefix': 'iqn.2002-10.com.infortrend',
        'seq': 0,
    }


class Array(object):
    """One command's view of the array; use Array.open() as a context."""

    def __init__(self, state_dir, data):
        self.state_dir = state_dir
        self.data = data
        self._tgt = None

    # -- persistence ------------------------------------------------------
    @staticmethod
    def create(state_dir, config):
        os.makedirs(os.path.join(state_dir, 'data'), exist_ok=True)
        with open(os.path.join(state_dir, STATE_FILE), 'w') as f:
            json.dump(config, f, indent=1, sort_keys=True)

    @classmethod
    @contextlib.contextmanager
    def open(cls, state_dir, save=True):
        with open(os.path.join(state_dir, LOCK_FILE), 'a') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with open(os.path.join(state_dir, STATE_FILE)) as f:
                    array = cls(state_dir, json.load(f))
                yield array
                if save:
                    path = os.path.join(state_dir, STATE_FILE)
                    with open(path + '.tmp', 'w') as f:
                        json.dump(array.data, f, indent=1, sort_keys=True)
                    os.replace(path + '.tmp', path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _path(self, kind, object_id):
        return os.path.join(self.state_dir, 'data',
                            '%s-%s.img' % (kind, object_id))

    def part_path(self, part_id):
        return self._path('part', part_id)

    def si_path(self, si_id):
        return self._path('si', si_id)

    def _next_seq(self):
        self.data['seq'] += 1
        return self.data['seq']

    @staticmethod
    def _now():
        return time.strftime('%a, %b %d %H:%M:%S %Y', time.gmtime())

    # -- tgt export -------------------------------------------------------
    @property
    def exporter(self):
        """The simkit TgtExporter of the array's tgtd, or None."""
        port = self.data.get('tgt_control_port')
        if port and self._tgt is None:
            self._tgt = export.TgtExporter(export.TgtAdmin(port))
        return self._tgt

    @property
    def system_id_dec(self):
        return int(self.data['system_id'], 16)

    def target_iqn(self, channel, target_id):
        slot = 2 if channel.get('bid') == target_id and \
            channel.get('aid') != target_id else 1
        return '%s:raid.uid%d.%d%d%d' % (
            self.data['iqn_prefix'], self.system_id_dec, channel['mcs'],
            target_id, slot)

    def fc_ports(self):
        """[(ch, slot, target_id, wwnn, wwpn)] of the FIBRE host channels."""
        ports = []
        sysid = self.data['system_id']
        for c in self.data['channels']:
            if c['type'] != 'FIBRE':
                continue
            for slot, key in (('A', 'aid'), ('B', 'bid')):
                if c.get(key) is None:
                    continue
                tail = ('23D023%X%d%s' % (c['ch'], 0 if slot == 'A' else 1,
                                          sysid)).ljust(12, '0')[:12]
                ports.append((c['ch'], slot, c[key], '1001' + tail,
                              '1101' + tail))
        return ports

    # -- lookups ------------------------------------------------------------
    def lv(self, lv_id):
        lv = self.data['lvs'].get(lv_id.upper())
        if lv is None:
            raise ArrayError(11, 'Not exist: There is no such logical '
                             'volume: %s' % lv_id)
        return lv

    def part(self, part_id):
        part = self.data['parts'].get(part_id.upper())
        if part is None:
            raise ArrayError(11, 'Not exist: There is no such partition: %s'
                             % part_id)
        return part

    def channel(self, ch):
        for channel in self.data['channels']:
            if channel['ch'] == ch and not channel.get('drive'):
                return channel
        raise ArrayError(11, 'Not exist: There is no such host channel: %s'
                         % ch)

    def lv_used(self, lv_id):
        return sum(p['used'] for p in self.data['parts'].values()
                   if p['lv'] == lv_id)

    # -- partitions ---------------------------------------------------------
    def create_part(self, lv_id, name, size_mb, min_mb=None, tier=None,
                    init=True):
        lv = self.lv(lv_id)
        thin = min_mb is not None
        if thin and not self.data['thin_license']:
            raise ArrayError(1, 'RAID fail: thin provisioning is not '
                             'licensed')
        used = min_mb if thin else size_mb
        if used > lv['size'] - self.lv_used(lv_id.upper()):
            raise ArrayError(1, 'RAID fail: not enough space in logical '
                             'volume %s' % lv_id)
        part_id = new_id()
        now = self._now()
        self.data['parts'][part_id] = {
            'name': name, 'lv': lv_id.upper(), 'size': size_mb,
            'min': min_mb if thin else size_mb, 'used': used,
            'tier': tier, 'created': now, 'modified': now,
            'migrate_until': 0, 'seq': self._next_seq()}
        volumes.create(self.part_path(part_id), size_mb * MB)
        return part_id

    def delete_part(self, part_id):
        part = self.part(part_id)
        part_id = part_id.upper()
        if any(m['part'] == part_id for m in self.data['maps']):
            raise ArrayError(20, 'In use: partition %s is mapped' % part_id)
        if any(s['part'] == part_id for s in self.data['sis'].values()):
            raise ArrayError(20, 'In use: partition %s has snapshot images'
                             % part_id)
        for job in self.data['replicas'].values():
            if part_id in (job['source'], job['target']):
                raise ArrayError(20, 'In use: partition %s is in replica '
                                 'pair %s' % (part_id, job['name']))
        del self.data['parts'][part_id]
        del part
        volumes.remove(self.part_path(part_id))

    def rename_part(self, part_id, name):
        part = self.part(part_id)
        part['name'] = name
        part['modified'] = self._now()

    def expand_part(self, part_id, delta_mb):
        part = self.part(part_id)
        lv = self.lv(part['lv'])
        thin = part['min'] != part['size']
        if not thin and delta_mb > lv['size'] - self.lv_used(part['lv']):
            raise ArrayError(1, 'RAID fail: not enough space to expand %s'
                             % part_id)
        part['size'] += delta_mb
        if not thin:
            part['used'] = part['size']
            part['min'] = part['size']
        part['modified'] = self._now()
        volumes.resize(self.part_path(part_id.upper()), part['size'] * MB)
        for m in self.data['maps']:
            if m['part'] == part_id.upper() and m.get('exported') \
                    and self.exporter:
                self.exporter.resize(m['exported'], m['lun'])

    def set_tier(self, part_id, tier):
        part = self.part(part_id)
        if self.lv(part['lv'])['tiers'] is None:
            raise ArrayError(1, 'RAID fail: logical volume is not tiered')
        part['tier'] = tier

    def tier_migrate(self, lv_id, part_id):
        part = self.part(part_id)
        if part['lv'] != lv_id.upper():
            raise ArrayError(11, 'Not exist: partition %s is not in %s'
                             % (part_id, lv_id))
        part['migrate_until'] = time.time() + self.data['replica_seconds']

    # -- maps ---------------------------------------------------------------
    def create_map(self, part_id, ch, target_id, lun, host):
        part_id = part_id.upper()
        self.part(part_id)
        channel = self.channel(ch)
        if target_id not in (channel.get('aid'), channel.get('bid')):
            raise ArrayError(11, 'Not exist: no target ID %d on channel %d'
                             % (target_id, ch))
        if lun >= self.data['max_lun']:
            raise ArrayError(1, 'RAID fail: LUN %d out of range' % lun)
        if channel['type'] == 'NETWORK' and lun == 0 and self.exporter:
            # tgtd keeps LUN 0 of every target for its controller device.
            raise ArrayError(20, 'LUN used: LUN 0 is reserved')
        for m in self.data['maps']:
            same_path = (m['ch'] == ch and m['tid'] == target_id
                         and m['lun'] == lun)
            if same_path and m['part'] != part_id:
                raise ArrayError(20, 'LUN used: Ch %d ID %d LUN %d'
                                 % (ch, target_id, lun))
            if same_path and m['host'].lower() == host.lower():
                raise ArrayError(20, 'Already exists: map of %s' % part_id)
        new_map = {'ch': ch, 'tid': target_id, 'lun': lun, 'part': part_id,
                   'host': host, 'exported': None}
        if channel['type'] == 'NETWORK' and self.exporter:
            iqn = self.target_iqn(channel, target_id)
            self.exporter.export(iqn, lun, self.part_path(part_id),
                                 initiators=[host])
            new_map['exported'] = iqn
        self.data['maps'].append(new_map)

    def delete_maps(self, part_id, ch=None, target_id=None, lun=None):
        part_id = part_id.upper()
        self.part(part_id)
        doomed = [m for m in self.data['maps'] if m['part'] == part_id and
                  (ch is None or (m['ch'], m['tid'], m['lun']) ==
                   (ch, target_id, lun))]
        if not doomed:
            raise ArrayError(11, 'Not exist: There is no such map of '
                             'partition %s' % part_id)
        for m in doomed:
            self.data['maps'].remove(m)
        for m in doomed:
            self._unexport(m)

    def _unexport(self, gone):
        iqn = gone['exported']
        if not iqn or not self.exporter:
            return
        left = [m for m in self.data['maps'] if m['exported'] == iqn]
        host_left = any(m['host'].lower() == gone['host'].lower()
                        for m in left)
        if any(m['lun'] == gone['lun'] for m in left):
            if not host_left:
                self.exporter.disallow(iqn, gone['host'])
            return
        # The target goes with its last map.
        self.exporter.unexport(
            iqn, gone['lun'], initiators=() if host_left else [gone['host']],
            delete_empty_target=not left)

    # -- snapshot images ----------------------------------------------------
    def create_si(self, part_id, name):
        part_id = part_id.upper()
        part = self.part(part_id)
        si_id = new_id()
        volumes.copy(self.part_path(part_id), self.si_path(si_id),
                     part['size'] * MB)
        self.data['sis'][si_id] = {'name': name, 'part': part_id,
                                   'lv': part['lv'], 'time': self._now(),
                                   'seq': self._next_seq()}
        return si_id

    def si(self, si_id):
        si = self.data['sis'].get(si_id.upper())
        if si is None:
            raise ArrayError(11, 'Not exist: There is no such snapshot '
                             'image: %s' % si_id)
        return si

    def delete_si(self, si_id):
        self.si(si_id)
        si_id = si_id.upper()
        for job in self.data['replicas'].values():
            if job['source'] == si_id:
                raise ArrayError(20, 'In use: snapshot image %s is a '
                                 'replica source' % si_id)
        del self.data['sis'][si_id]
        volumes.remove(self.si_path(si_id))

    def rename_si(self, si_id, name):
        self.si(si_id)['name'] = name

    # -- iSCSI initiators ---------------------------------------------------
    def create_iqn(self, iqn, alias, **settings):
        """An initiator entry (settings: CHAP, target CHAP, ip, mask)."""
        for existing_alias, entry in self.data['iqns'].items():
            if existing_alias == alias or entry['iqn'] == iqn:
                raise ArrayError(20, 'Already existed: initiator %s' % alias)
        self.data['iqns'][alias] = dict(settings, iqn=iqn)

    def delete_iqn(self, alias):
        entry = self.data['iqns'].get(alias)
        if entry is None:
            raise ArrayError(11, 'Not exist: There is no such initiator: %s'
                             % alias)
        if any(m['host'].lower() == entry['iqn'].lower()
               for m in self.data['maps']):
            raise ArrayError(20, 'In use: initiator %s is used by a map'
                             % alias)
        del self.data['iqns'][alias]

    # -- replicas -----------------------------------------------------------
    def create_replica(self, name, source_type, source_id, target_id,
                       mirror=False):
        source_id = source_id.upper()
        target_id = target_id.upper()
        target = self.part(target_id)
        if source_type == 'si':
            src_path = self.si_path(source_id)
            src_size = self.data['parts'][self.si(source_id)['part']]['size']
        else:
            src_path = self.part_path(source_id)
            src_size = self.part(source_id)['size']
        if src_size > target['size']:
            raise ArrayError(1, 'RAID fail: target partition %s is smaller '
                             'than the source' % target_id)
        for job in self.data['replicas'].values():
            if target_id == job['target']:
                raise ArrayError(20, 'In use: partition %s is a replica '
                                 'target' % target_id)
        # The data is copied at once; the job only reports progress.
        volumes.copy(src_path, self.part_path(target_id),
                     target['size'] * MB)
        pair_id = new_id()
        seconds = self.data['replica_seconds']
        self.data['replicas'][pair_id] = {
            'name': name, 'source': source_id,
            'source_type': source_type, 'target': target_id,
            'type': 'Mirror' if mirror else 'Copy',
            'started': time.time(),
            'seconds': seconds, 'created': self._now(),
            'seq': self._next_seq()}
        return pair_id

    def replica_status(self, job):
        """(Status, Progress) now; seconds < 0 is a job that never ends."""
        elapsed = time.time() - job['started']
        if job['seconds'] >= 0 and elapsed >= job['seconds']:
            return ('Mirror' if job['type'] == 'Mirror' else 'Completed',
                    '---')
        if job['seconds'] < 0:
            percent = 37
        else:
            percent = min(99, int(100 * elapsed / max(job['seconds'], 1e-6)))
        # Both kinds copy first; a mirror shows "Mirror" once in sync.
        return 'Copy', '%d%%' % percent

    def delete_replica(self, pair_id):
        if self.data['replicas'].pop(pair_id.upper(), None) is None:
            raise ArrayError(11, 'Not exist: There is no such replica pair: '
                             '%s' % pair_id)
