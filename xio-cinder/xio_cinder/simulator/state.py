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

"""The simulated ISE: pools, volumes with real data files, hosts and
allocations, and the asynchronous create / prepare / commit / delete life
cycle (doc/protocol.rst P13, P15, P18), driven by the clock rather than
by threads.

Choices where the sources are silent (protocol.rst P31):
status strings are "Creating", "Preparing", "Prepared" (detail
"Prepared"), "Committing", "Deleting" and "Operational"; a busy object
answers 400 "Not in a valid state."; a volume still being created or a copy
not yet committed can be deleted (the operation is abandoned); raw capacity
per GB is 1 for RAID 0, 2 for RAID 1, 4/3 for RAID 5 and 3/2 for RAID 6.
"""

import dataclasses
import itertools
import os
import threading
import time

from common_testing.simkit import volumes as volume_files

GB = 1024 ** 3
RAID_FACTORS = {0: 1.0, 1: 2.0, 5: 4.0 / 3.0, 6: 1.5}

OPERATIONAL = ('0', 'Operational')
CREATING = ('1', 'Creating')
PREPARING = ('1', 'Preparing')
PREPARED = ('1', 'Prepared')
COMMITTING = ('1', 'Committing')
DELETING = ('1', 'Deleting')


class SimError(Exception):
    """An ISE error reply: HTTP status and the <response> text."""

    def __init__(self, status, text):
        self.status = status
        self.text = text
        super().__init__('%s %s' % (status, text))


def not_found(kind):
    return SimError(404, '%s not found.' % kind.upper())


def invalid_state():
    return SimError(400, 'Not in a valid state.')


def bad_request(text):
    return SimError(400, text)


def conflict():
    return SimError(409, 'Conflict')


@dataclasses.dataclass
class Pool:
    id: int
    name: str
    capacity_gb: int      # raw capacity


@dataclasses.dataclass
class Volume:
    id: int
    name: str
    pool: int
    raid: int
    size_gb: int
    path: str
    status: tuple = CREATING
    detail: str = 'None'
    # (when, status, detail, action) the state moves to once the time comes
    pending: list = dataclasses.field(default_factory=list)
    kind: str = 'volume'
    source: int = None
    affinity: str = None
    alloctype: str = None
    iops: dict = dataclasses.field(default_factory=dict)

    @property
    def raw_gb(self):
        return self.size_gb * RAID_FACTORS[self.raid]


@dataclasses.dataclass
class Host:
    id: int
    name: str
    endpoints: list
    type: str = 'OTHER'


@dataclasses.dataclass
class Allocation:
    id: int
    volume: int
    host: int
    lun: int


@dataclasses.dataclass
class IOPort:
    controller: int
    ip: str
    iqn: str


class Exporter:
    """Where allocations become visible; the base exports nothing."""

    def add(self, port, lun, path, initiators):
        pass

    def remove(self, port, lun, initiators_gone):
        pass

    def resize(self, port, lun):
        pass


class ArrayState:

    def __init__(self, state_dir, globalid='ISE00000001', pools=None,
                 iscsi_ips=('127.0.0.1',), fc_wwns=None, chap=None,
                 delays=None, exporter=None, capabilities=None):
        self.state_dir = state_dir
        self.data_dir = os.path.join(state_dir, 'volumes')
        os.makedirs(self.data_dir, exist_ok=True)
        self.globalid = globalid
        self.lock = threading.RLock()
        self.pools = {p.id: p for p in (pools or [Pool(1, 'Pool 1', 1000)])}
        self.volumes = {}
        self.hosts = {}
        self.allocations = {}
        self._ids = itertools.count(1)
        self.delays = {'create': 0.05, 'prepare': 0.05, 'commit': 0.05,
                       'delete': 0.05}
        self.delays.update(delays or {})
        self.chap = chap     # (user, password) or None
        self.capabilities = (capabilities if capabilities is not None else
                             {3: 'Reserved', 49003: 'Affinity',
                              49004: 'QoS', 49005: 'Thin',
                              49006: 'Clones', 49007: 'Thin Clones'})
        # Two controllers; data ports alternate between them.
        self.ioports = [
            IOPort(i % 2, ip, 'iqn.1993-08.org.xio:ise.%s.port%d'
                   % (globalid.lower(), i + 1))
            for i, ip in enumerate(iscsi_ips)]
        self.fc_wwns = fc_wwns or [['20000001ff000a01', '20000001ff000a02'],
                                   ['20000001ff000b01', '20000001ff000b02']]
        self.exporter = exporter or Exporter()

    # -- time-driven state --------------------------------------------------

    def _advance(self, volume, now=None):
        now = now if now is not None else time.monotonic()
        while volume.pending and volume.pending[0][0] <= now:
            _when, status, detail, action = volume.pending.pop(0)
            if action:
                action(volume)
            if status is not None:
                volume.status, volume.detail = status, detail

    def _schedule(self, volume, delay_name, status, detail, action=None):
        when = time.monotonic() + self.delays[delay_name]
        volume.pending.append((when, status, detail, action))
        self._advance(volume)

    def _busy(self, volume):
        self._advance(volume)
        return volume.status != OPERATIONAL

    def _purge(self):
        for volume in list(self.volumes.values()):
            self._advance(volume)

    # -- pools --------------------------------------------------------------

    def pool_usage(self, pool_id):
        used = sum(v.raw_gb for v in self.volumes.values()
                   if v.pool == pool_id)
        return used

    def _check_space(self, pool, raid, size_gb):
        if pool.capacity_gb - self.pool_usage(pool.id) < (
                size_gb * RAID_FACTORS[raid]):
            raise bad_request('Not enough space in pool %s.' % pool.id)

    # -- volumes ------------------------------------------------------------

    def _new_file(self, vid, size_gb):
        path = os.path.join(self.data_dir, 'volume-%d.img' % vid)
        volume_files.create(path, size_gb * GB)
        return path

    def find_volume(self, name):
        with self.lock:
            self._purge()
            for volume in self.volumes.values():
                if volume.name == name:
                    return volume
            return None

    def get_volume(self, vid):
        with self.lock:
            volume = self.volumes.get(vid)
            if volume is not None:
                self._advance(volume)
            if volume is None:
                raise not_found('volume')
            return volume

    def _check_new_name(self, name):
        if not name:
            raise bad_request('Missing name.')
        if self.find_volume(name) is not None:
            raise conflict()

    def create_volume(self, name, size, pool, redundancy, affinity=None,
                      alloctype=None, iops=None):
        with self.lock:
            self._check_new_name(name)
            try:
                size_gb = int(size)
                pool_id = int(pool)
                raid = int(redundancy)
            except (TypeError, ValueError):
                raise bad_request('Invalid size, pool or redundancy.')
            if size_gb < 1:
                raise bad_request('Invalid size.')
            if raid not in RAID_FACTORS:
                raise bad_request('Invalid redundancy.')
            if pool_id not in self.pools:
                raise not_found('pool')
            self._check_space(self.pools[pool_id], raid, size_gb)
            vid = next(self._ids)
            volume = Volume(vid, name, pool_id, raid, size_gb,
                            self._new_file(vid, size_gb), affinity=affinity,
                            alloctype=alloctype, iops=iops or {})
            self.volumes[vid] = volume
            self._schedule(volume, 'create', OPERATIONAL, 'None')
            return volume

    def seed_volumes(self, count, pool=None, prefix='seeded'):
        """Add ``count`` operational 1 GB volumes with no data file.

        For the benchmark's stats at scale: straight into the state, with
        none of create's name check (a scan) or its asynchronous step.
        """
        with self.lock:
            pool_id = pool or next(iter(self.pools))
            start = len(self.volumes)
            for index in range(start, start + count):
                vid = next(self._ids)
                self.volumes[vid] = Volume(
                    vid, '%s-%07d' % (prefix, index), pool_id, 0, 1, None,
                    status=OPERATIONAL)
            return len(self.volumes)

    def modify_volume(self, vid, size=None, name=None, iops=None, os_=None):
        with self.lock:
            volume = self.get_volume(vid)
            if self._busy(volume) and volume.detail != 'Prepared':
                raise invalid_state()
            if name is not None and name != volume.name:
                self._check_new_name(name)
            if size is not None:
                try:
                    size_gb = int(size)
                except ValueError:
                    raise bad_request('Invalid size.')
                if size_gb < volume.size_gb:
                    raise bad_request('Invalid size, volumes can only grow.')
                self._check_space(self.pools[volume.pool], volume.raid,
                                  size_gb - volume.size_gb)
                volume_files.resize(volume.path, size_gb * GB)
                volume.size_gb = size_gb
                for alloc in self.allocations.values():
                    if alloc.volume == vid:
                        for port in self.exported_ports():
                            self.exporter.resize(port, alloc.lun)
            if name is not None:
                volume.name = name
            if iops:
                volume.iops.update(iops)
            return volume

    def prepare_copy(self, source_id, name, kind, affinity=None, iops=None):
        with self.lock:
            source = self.get_volume(source_id)
            if kind not in ('snapshot', 'clone'):
                raise bad_request('Invalid type.')
            if self._busy(source):
                raise invalid_state()
            self._check_new_name(name)
            self._check_space(self.pools[source.pool], source.raid,
                              source.size_gb)
            vid = next(self._ids)
            copy = Volume(vid, name, source.pool, source.raid,
                          source.size_gb, self._new_file(vid, 0),
                          status=PREPARING, kind=kind, source=source_id,
                          affinity=affinity or source.affinity,
                          alloctype=source.alloctype,
                          iops=iops or dict(source.iops))
            self.volumes[vid] = copy
            self._schedule(copy, 'prepare', PREPARED, 'Prepared')
            return copy

    def commit_copy(self, vid, kind):
        with self.lock:
            copy = self.get_volume(vid)
            if copy.detail != 'Prepared' or copy.kind != kind:
                raise invalid_state()
            source = self.volumes.get(copy.source)
            if source is None:
                raise not_found('volume')
            # The point in time is the commit: copy the data now.
            volume_files.copy(source.path, copy.path, source.size_gb * GB)
            copy.status, copy.detail = COMMITTING, 'None'
            self._schedule(copy, 'commit', OPERATIONAL, 'None')
            return copy

    def delete_volume(self, vid):
        with self.lock:
            volume = self.get_volume(vid)
            if volume.status == DELETING:
                return
            # Creating/preparing/prepared objects may be abandoned;
            # a commit in progress may not.
            busy = self._busy(volume) and volume.status == COMMITTING
            if busy or any(a.volume == vid
                           for a in self.allocations.values()):
                raise invalid_state()
            volume.status = DELETING

            def remove(volume):
                self.volumes.pop(volume.id, None)
                volume_files.remove(volume.path)
            volume.pending = []
            self._schedule(volume, 'delete', None, None, remove)

    # -- hosts --------------------------------------------------------------

    def create_host(self, name, endpoints, os_type=None):
        with self.lock:
            if not name or not endpoints:
                raise bad_request('Missing name or endpoint.')
            wanted = {e.lower() for e in endpoints}
            for host in self.hosts.values():
                if host.name == name or wanted & {
                        e.lower() for e in host.endpoints}:
                    raise conflict()
            hid = next(self._ids)
            host = Host(hid, name, list(endpoints),
                        'OPENSTACK' if (os_type or '').lower() ==
                        'openstack' else 'OTHER')
            self.hosts[hid] = host
            return host

    def get_host(self, hid):
        host = self.hosts.get(hid)
        if host is None:
            raise not_found('host')
        return host

    def modify_host(self, hid, os_type=None):
        with self.lock:
            host = self.get_host(hid)
            if os_type:
                host.type = ('OPENSTACK' if os_type.lower() == 'openstack'
                             else os_type.upper())
            return host

    def delete_host(self, hid):
        with self.lock:
            self.get_host(hid)
            if any(a.host == hid for a in self.allocations.values()):
                raise invalid_state()
            del self.hosts[hid]

    def host_by_name(self, name):
        for host in self.hosts.values():
            if host.name == name:
                return host
        return None

    # -- allocations --------------------------------------------------------

    def exported_ports(self):
        return self.ioports

    def create_allocation(self, volume_name, host_name, lun=None):
        with self.lock:
            volume = self.find_volume(volume_name)
            if volume is None:
                raise not_found('volume')
            host = self.host_by_name(host_name)
            if host is None:
                raise not_found('host')
            if self._busy(volume):
                raise invalid_state()
            for alloc in self.allocations.values():
                if alloc.volume == volume.id and alloc.host == host.id:
                    raise conflict()
            # tgtd targets are shared by all hosts, so LUNs are unique
            # array-wide rather than per host.
            used = {a.lun for a in self.allocations.values()}
            if lun not in (None, ''):
                lun = int(lun)
                if lun < 1 or lun in used:
                    raise bad_request('Invalid lun.')
            else:
                lun = min(set(range(1, len(used) + 2)) - used)
            alloc = Allocation(next(self._ids), volume.id, host.id, lun)
            self.allocations[alloc.id] = alloc
            initiators = [e for e in host.endpoints if e.startswith('iqn')]
            try:
                for port in self.exported_ports():
                    self.exporter.add(port, lun, volume.path, initiators)
            except Exception:
                self.allocations.pop(alloc.id)
                raise
            return alloc

    def get_allocation(self, aid):
        alloc = self.allocations.get(aid)
        if alloc is None:
            raise not_found('allocation')
        return alloc

    def delete_allocation(self, aid):
        with self.lock:
            alloc = self.get_allocation(aid)
            del self.allocations[aid]
            host = self.hosts.get(alloc.host)
            still = [h for h in (self.hosts.get(a.host) for a in
                                 self.allocations.values()) if h]
            initiators_left = {e for h in still for e in h.endpoints}
            gone = [e for e in (host.endpoints if host else [])
                    if e.startswith('iqn') and e not in initiators_left]
            for port in self.exported_ports():
                self.exporter.remove(port, alloc.lun, gone)

    def list_allocations(self, volume_name=None, host_name=None):
        with self.lock:
            result = []
            for alloc in self.allocations.values():
                volume = self.volumes.get(alloc.volume)
                host = self.hosts.get(alloc.host)
                if volume_name and (volume is None or
                                    volume.name != volume_name):
                    continue
                if host_name and (host is None or host.name != host_name):
                    continue
                result.append(alloc)
            return result

    # -- summary for tests --------------------------------------------------

    def summary(self):
        with self.lock:
            self._purge()
            return {
                'volumes': {v.name: {'size_gb': v.size_gb, 'kind': v.kind,
                                     'pool': v.pool, 'raid': v.raid,
                                     'status': v.status[1],
                                     'detail': v.detail,
                                     'affinity': v.affinity,
                                     'alloctype': v.alloctype,
                                     'iops': v.iops, 'path': v.path}
                            for v in self.volumes.values()},
                'hosts': {h.name: {'endpoints': h.endpoints, 'type': h.type}
                          for h in self.hosts.values()},
                'pools': {p.name: {'id': p.id,
                                   'capacity_gb': p.capacity_gb,
                                   'used_raw_gb': self.pool_usage(p.id)}
                          for p in self.pools.values()},
                'fc_wwns': [w for ws in self.fc_wwns for w in ws],
                'allocations': [
                    {'volume': self.volumes[a.volume].name,
                     'host': self.hosts[a.host].name, 'lun': a.lun}
                    for a in self.allocations.values()
                    if a.volume in self.volumes and a.host in self.hosts],
            }
