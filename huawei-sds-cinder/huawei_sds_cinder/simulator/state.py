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
"""The SDSHypervisor's model: pools, volumes, snapshots, linked clones.

Every volume and snapshot has a sparse data file under the state directory.
A snapshot is a point-in-time copy of its volume's file; a linked clone
(P11) starts as a copy of its snapshot's file. The files are the simulator
kit's (common_testing.simkit.volumes): copies use the filesystem's reflink
where it has one, so a linked clone really shares its unwritten blocks
with the snapshot, and a sparse copy otherwise. The clone
keeps its snapshot as father, which therefore cannot be deleted while a
clone lives: an ASSUMPTION (P17), consistent with Huawei's driver deleting
its temporary linked volume before its temporary snapshot (P13).

Deletes are asynchronous, as on the VBS: the object is reported with a
transitional status (P10) until ``delete_seconds`` have passed.

Refusals (busy, exists, no space, bad parameter) all answer RET_FAILED:
which code a real VBS uses for each is not known (P16).
"""

import dataclasses
import os
import threading
import time

from common_testing.simkit import volumes

from huawei_sds_cinder.simulator import protocol

MB = 1024 * 1024
GB = 1024 * MB

# Volume status values. P10: 1, 2 and 10 mean "still being deleted".
# 0 for a ready object is an ASSUMPTION (P18).
STATUS_READY = 0
STATUS_DELETING = 1
STATUS_DELETE_PENDING = 2
STATUS_CLONE_DELETING = 10

VbsStateError = protocol.ArrayError


def _not_found(kind, name):
    return protocol.not_exist(kind, name)


def _now():
    return int(time.time())


@dataclasses.dataclass
class Pool:
    stor_id: str
    total_gb: int
    raid_level: int = 5
    max_iops: int = 15000


@dataclasses.dataclass(eq=False)
class Volume:
    name: str
    pool_id: str
    size_mb: int
    path: str
    thin: bool
    policy: dict
    father_name: str = ''
    status: int = STATUS_READY
    deleted_at: float | None = None
    create_time: int = dataclasses.field(default_factory=_now)


@dataclasses.dataclass(eq=False)
class Snapshot:
    name: str
    father_name: str
    pool_id: str
    size_mb: int
    path: str
    status: int = STATUS_READY
    deleted_at: float | None = None
    clones: set = dataclasses.field(default_factory=set)
    create_time: int = dataclasses.field(default_factory=_now)


class VbsState(object):
    """Thread-safe array state; every public method is one VBS action."""

    def __init__(self, state_dir, pools, delete_seconds=0.2):
        self.state_dir = state_dir
        self.delete_seconds = delete_seconds
        self.pools = {str(stor_id): Pool(str(stor_id), total_gb)
                      for stor_id, total_gb in pools.items()}
        self.volumes = {}
        self.snapshots = {}
        self.attached = set()
        # (snapshot, whether its volume was attached) per delete: Huawei's
        # driver attaches the volume first (P12); tests read this.
        self.snapshot_deletes = []
        self._lock = threading.RLock()
        self._deleting = 0      # objects in a transitional delete status
        for sub in ('volumes', 'snapshots'):
            os.makedirs(os.path.join(state_dir, sub), exist_ok=True)

    # -- helpers -----------------------------------------------------------

    def _reap(self):
        """Finish deletes whose transitional period is over."""
        if not self._deleting:
            return
        now = time.monotonic()
        for table in (self.volumes, self.snapshots):
            for name, obj in list(table.items()):
                if obj.deleted_at is not None and now >= obj.deleted_at:
                    del table[name]
                    self._deleting -= 1
                    volumes.remove(obj.path)
                    if table is self.volumes and obj.father_name:
                        father = self.snapshots.get(obj.father_name)
                        if father is not None:
                            father.clones.discard(name)

    def _find(self, kind, name, deleting=True):
        """The volume or snapshot ``name``, else "does not exist".

        One being deleted counts only if ``deleting``.
        """
        table = self.volumes if kind == 'volume' else self.snapshots
        found = table.get(name)
        if found is None or (found.deleted_at is not None and not deleting):
            raise _not_found(kind, name)
        return found

    def _live_volume(self, name):
        return self._find('volume', name, deleting=False)

    def _live_snapshot(self, name):
        return self._find('snapshot', name, deleting=False)

    def _pool(self, pool_id):
        pool = self.pools.get(str(pool_id))
        if pool is None:
            raise _not_found('pool', pool_id)
        return pool

    def _name_free(self, name):
        if name in self.volumes or name in self.snapshots:
            raise VbsStateError(protocol.RET_FAILED,
                                '%s already exists' % name)

    def _used_bytes(self, pool_id):
        used = 0
        for obj in list(self.volumes.values()) + list(self.snapshots.values()):
            if obj.pool_id != pool_id:
                continue
            if isinstance(obj, Volume) and not obj.thin:
                used += obj.size_mb * MB
            else:
                try:
                    used += os.stat(obj.path).st_blocks * 512
                except FileNotFoundError:
                    pass
        return used

    def _check_space(self, pool, size_mb, thin):
        if thin:
            return
        free = pool.total_gb * GB - self._used_bytes(pool.stor_id)
        if size_mb * MB > free:
            raise VbsStateError(protocol.RET_FAILED,
                                'pool %s has %d MB free, %d MB asked'
                                % (pool.stor_id, free // MB, size_mb))

    def _data_path(self, kind, name):
        return os.path.join(self.state_dir, kind, name + '.img')

    # -- VBS actions ---------------------------------------------------------

    def create_volume(self, name, pool_id, size_mb, thin=False, policy=None):
        with self._lock:
            self._reap()
            self._name_free(name)
            pool = self._pool(pool_id)
            if size_mb <= 0:
                raise VbsStateError(protocol.RET_FAILED,
                                    'vol_size must be positive')
            self._check_space(pool, size_mb, thin)
            path = self._data_path('volumes', name)
            # A file left by a crash is not this new volume's data.
            volumes.remove(path)
            volumes.create(path, size_mb * MB)
            volume = Volume(name, pool.stor_id, size_mb, path, thin,
                            dict(policy or {}))
            self.volumes[name] = volume
            return volume

    def query_volume(self, name):
        with self._lock:
            self._reap()
            volume = self._find('volume', name)
            return volume

    def delete_volume(self, name):
        with self._lock:
            self._reap()
            volume = self._find('volume', name)
            if volume.deleted_at is not None:
                return volume     # already being deleted
            if name in self.attached:
                raise VbsStateError(protocol.RET_FAILED,
                                    'volume %s is attached' % name)
            if any(s.father_name == name and s.deleted_at is None
                   for s in self.snapshots.values()):
                raise VbsStateError(protocol.RET_FAILED,
                                    'volume %s has snapshots' % name)
            volume.status = (STATUS_CLONE_DELETING if volume.father_name
                             else STATUS_DELETING)
            volume.deleted_at = time.monotonic() + self.delete_seconds
            self._deleting += 1
            return volume

    def extend_volume(self, name, size_mb):
        with self._lock:
            self._reap()
            volume = self._live_volume(name)
            if size_mb < volume.size_mb:
                raise VbsStateError(protocol.RET_FAILED,
                                    'volume %s cannot shrink from %d MB to '
                                    '%d MB' % (name, volume.size_mb, size_mb))
            self._check_space(self._pool(volume.pool_id),
                              size_mb - volume.size_mb, volume.thin)
            volumes.resize(volume.path, size_mb * MB)
            volume.size_mb = size_mb
            return volume

    def create_snapshot(self, name, volume_name):
        with self._lock:
            self._reap()
            self._name_free(name)
            volume = self._live_volume(volume_name)
            path = self._data_path('snapshots', name)
            volumes.copy(volume.path, path)
            snapshot = Snapshot(name, volume.name, volume.pool_id,
                                volume.size_mb, path)
            self.snapshots[name] = snapshot
            return snapshot

    def query_snapshot(self, name):
        with self._lock:
            self._reap()
            snapshot = self._find('snapshot', name)
            return snapshot

    def delete_snapshot(self, name):
        with self._lock:
            self._reap()
            snapshot = self._find('snapshot', name)
            if snapshot.deleted_at is not None:
                return snapshot
            if snapshot.clones:
                raise VbsStateError(
                    protocol.RET_FAILED,
                    'snapshot %s has linked clones: %s'
                    % (name, ' '.join(sorted(snapshot.clones))))
            self.snapshot_deletes.append(
                (name, snapshot.father_name in self.attached))
            snapshot.status = STATUS_DELETING
            snapshot.deleted_at = time.monotonic() + self.delete_seconds
            self._deleting += 1
            return snapshot

    def create_volume_from_snapshot(self, name, snapshot_name, size_mb):
        """A linked clone of a snapshot (P11): it keeps the snapshot."""
        with self._lock:
            self._reap()
            self._name_free(name)
            snapshot = self._live_snapshot(snapshot_name)
            if size_mb < snapshot.size_mb:
                raise VbsStateError(protocol.RET_FAILED,
                                    'vol_size %d MB is smaller than '
                                    'snapshot %s' % (size_mb, snapshot_name))
            father = self.volumes.get(snapshot.father_name)
            thin = father.thin if father is not None else True
            policy = father.policy if father is not None else {}
            path = self._data_path('volumes', name)
            volumes.copy(snapshot.path, path, size_mb * MB)
            volume = Volume(name, snapshot.pool_id, size_mb, path, thin,
                            policy, father_name=snapshot_name)
            self.volumes[name] = volume
            snapshot.clones.add(name)
            return volume

    def pool_capability(self, pool_id):
        with self._lock:
            self._reap()
            pool = self._pool(pool_id)
            used_gb = -(-self._used_bytes(pool.stor_id) // GB)
            return {'stor_id': pool.stor_id,
                    'total_capacity': pool.total_gb,
                    'usable_capacity': max(pool.total_gb - used_gb, 0),
                    'raid_level': pool.raid_level,
                    'iops': pool.max_iops,
                    'max_iops': pool.max_iops,
                    'min_iops': 0}

    # -- host attach (what sds_cli asks the local VBS for) ------------------

    def attach(self, name):
        with self._lock:
            self._reap()
            volume = self._live_volume(name)
            already = name in self.attached
            self.attached.add(name)
            return volume, already

    def detach(self, name):
        with self._lock:
            self._reap()
            if name not in self.attached:
                return False
            self.attached.discard(name)
            return True

    def attached_path(self, name):
        with self._lock:
            self._reap()
            if name not in self.attached:
                return None
            return self._live_volume(name).path

    # -- observation for tests ------------------------------------------------

    def inventory(self):
        with self._lock:
            self._reap()
            return {'volume': set(self.volumes),
                    'snapshot': set(self.snapshots),
                    'attachment': set(self.attached)}
