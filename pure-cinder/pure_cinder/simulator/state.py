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
"""The simulated FlashArray: objects, Purity's rules and real data files.

Every rule answers with Purity's own status (400 for "not found" and for
"conflict" alike) and message strings (protocol.rst P-5), so the driver's
substring matching is exercised exactly as against a real array.
"""

import copy
import os
import re
import threading
import time
import uuid

from common_testing.simkit import export
from common_testing.simkit import volumes

GiB = 1024 ** 3
PENDING_ERADICATION_MS = 24 * 3600 * 1000
NAME_RE = re.compile(r'^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$')
# volume-snapshot names are "<volume>.<suffix>".
SNAPSHOT_NAME_MAX = 96
IQN_PREFIX = 'iqn.2010-06.com.purestorage:flasharray.'
UNLIMITED_IOPS = 100000000
UNLIMITED_BANDWIDTH = 549755813888
CHAP_MASK = '****'
# Host personalities Purity knows (P-61).
HOST_PERSONALITIES = ('aix', 'esxi', 'hitachi-vsp', 'hpux',
                      'oracle-vm-server', 'solaris', 'vms')
# The SDK's put_volumes_tags_batch takes at most 30 tags (P-30).
MAX_TAGS_PER_REQUEST = 30
PGROUP_DESTROYED = (
    'Protection group has been destroyed. It can be recovered by '
    'purepgroup recover and eradicated by purepgroup eradicate.')
VGROUP_DESTROYED = (
    'Volume group has been destroyed. It can be recovered by purevgroup '
    'recover and eradicated by purevgroup eradicate.')
# ArrayPerformance's integer metrics (P-20); the simulator moves no
# measured I/O through the REST front-end, so every sample reads 0.
PERFORMANCE_FIELDS = (
    'bytes_per_mirrored_write', 'bytes_per_op', 'bytes_per_read',
    'bytes_per_write', 'mirrored_write_bytes_per_sec',
    'mirrored_writes_per_sec', 'qos_rate_limit_usec_per_mirrored_write_op',
    'qos_rate_limit_usec_per_read_op', 'qos_rate_limit_usec_per_write_op',
    'queue_usec_per_mirrored_write_op', 'queue_usec_per_read_op',
    'queue_usec_per_write_op', 'read_bytes_per_sec', 'reads_per_sec',
    'san_usec_per_mirrored_write_op', 'san_usec_per_read_op',
    'san_usec_per_write_op', 'service_usec_per_mirrored_write_op',
    'service_usec_per_read_op', 'service_usec_per_write_op',
    'usec_per_mirrored_write_op', 'usec_per_read_op', 'usec_per_write_op',
    'write_bytes_per_sec', 'writes_per_sec', 'local_queue_usec_per_op',
    'others_per_sec', 'queue_depth', 'usec_per_other_op')
# Performance history resolutions Purity keeps, in ms (P-20).
RESOLUTIONS = (1000, 30000, 300000, 1800000, 7200000, 28800000, 86400000)


class PurityError(Exception):
    """A request Purity refuses: an HTTP status and Purity's message."""

    def __init__(self, message, context=None, status=400):
        super().__init__(message)
        self.message = message
        self.context = context
        self.status = status


def now_ms():
    return int(time.time() * 1000)


def time_remaining(obj):
    """ms until a destroyed object is eradicated; None while live."""
    if not obj['destroyed']:
        return None
    return max(0, obj['destroyed_at'] + PENDING_ERADICATION_MS - now_ms())


def lookup(table, name, missing, destroyed, live):
    """``table[name]``, refused as Purity does when absent or destroyed."""
    obj = table.get(name)
    if obj is None:
        raise PurityError(missing, name)
    if live and obj['destroyed']:
        raise PurityError(destroyed, name)
    return obj


class FlashArrayState:
    """One array's objects; every public method is one REST operation."""

    def __init__(self, state_dir, name='sim-flasharray',
                 capacity=10 * 1024 * GiB, iscsi_portals=(),
                 fc_wwns=None, exporter=None, version='6.5.0'):
        self.lock = threading.RLock()
        self.state_dir = state_dir
        self.data_dir = os.path.join(state_dir, 'volumes')
        os.makedirs(self.data_dir, exist_ok=True)
        self.array = {'id': str(uuid.uuid4()), 'name': name,
                      'version': version, 'os': 'Purity//FA'}
        self.capacity = capacity
        self.volumes = {}
        self.snapshots = {}
        self.hosts = {}
        # (host name, volume name) -> lun
        self.connections = {}
        # volume name -> lun the data path exports it at
        self.exported_luns = {}
        # The data path (simkit.export.TgtExporter or its null twin).
        self.exporter = exporter or export.NullExporter()
        self.target_iqn = IQN_PREFIX + self.array['id'].replace('-', '')[:12]
        self.controllers = [
            {'name': 'CT%d' % n, 'mode': 'primary' if n == 0 else
             'secondary', 'status': 'ready', 'type': 'array_controller',
             'model': 'FA-X70R3', 'version': version} for n in (0, 1)]
        self.ports = self._make_ports(iscsi_portals, fc_wwns)
        self.network_interfaces = [
            {'name': port['name'].lower(), 'enabled': True,
             'services': ['iscsi'],
             'eth': {'address': port['portal'].rsplit(':', 1)[0],
                     'subtype': 'physical', 'vlan': None}}
            for port in self.ports if port['iqn']]
        self.counters = {'reads': 0, 'writes': 0}
        self.booted = now_ms()
        # volume or snapshot id -> {(namespace, key): tag}
        self.tags = {}
        self.array_connections = []
        self.pgroups = {}
        self.pgroup_snapshots = {}
        self.pods = {}
        self.volume_groups = {}

    def _make_ports(self, iscsi_portals, fc_wwns):
        ports = []
        for index, portal in enumerate(iscsi_portals):
            ports.append({'name': 'CT%d.ETH%d' % (index % 2, 4 + index // 2),
                          'iqn': self.target_iqn, 'nqn': None,
                          'portal': portal, 'wwn': None,
                          'failover': None})
        if fc_wwns is None:
            fc_wwns = ['52:4A:93:7%d:00:00:00:%02X' % (ct, n)
                       for ct in (0, 1) for n in (0, 1)]
        for index, wwn in enumerate(fc_wwns):
            ports.append({'name': 'CT%d.FC%d' % (index % 2, index // 2),
                          'iqn': None, 'nqn': None, 'portal': None,
                          'wwn': wwn, 'failover': None})
        return ports

    # -- helpers ---------------------------------------------------------

    def _data_path(self, obj_id):
        return os.path.join(self.data_dir, obj_id + '.img')

    def _new_object(self, name, provisioned, source=None):
        obj_id = str(uuid.uuid4())
        return {'id': obj_id, 'name': name,
                'serial': uuid.uuid4().hex[:24].upper(),
                'provisioned': provisioned, 'created': now_ms(),
                'destroyed': False, 'time_remaining': None,
                'qos': {'iops_limit': None, 'bandwidth_limit': None},
                'source': {'name': source, 'id': None} if source else None,
                'pod': None, 'volume_group': None,
                'priority': 0, 'subtype': 'regular',
                'host_encryption_key_status': 'none',
                'priority_adjustment': {
                    'priority_adjustment_operator': '+',
                    'priority_adjustment_value': 0},
                'protocol_endpoint': {'container_version': None},
                'requested_promotion_state': 'promoted',
                'promotion_status': 'promoted'}

    def _public(self, obj, kind):
        public = copy.deepcopy(obj)
        used = self._used_bytes(obj)
        public['space'] = dict(
            self._space_of(used, obj['provisioned']), snapshots=0,
            unique=used, snapshots_effective=0, total_effective=used,
            unique_effective=used)
        public['time_remaining'] = time_remaining(obj)
        public.pop('destroyed_at', None)
        public.pop('pgroup_snapshot_id', None)
        if kind == 'volume':
            public['connection_count'] = sum(
                1 for (_h, v) in self.connections if v == obj['name'])
        return public

    def _used_bytes(self, obj):
        try:
            return volumes.allocated(self._data_path(obj['id']))
        except OSError:
            return 0

    def _volume(self, name, live=True):
        return lookup(self.volumes, name, 'Volume does not exist.',
                      'Volume has been destroyed.', live)

    def _snapshot(self, name, live=True):
        snap = self.snapshots.get(name)
        if snap is None:
            raise PurityError('No such volume or snapshot.', name)
        if live and snap['destroyed']:
            raise PurityError(
                'Volume snapshot has been destroyed. It can be recovered by '
                'purevol recover and eradicated by purevol eradicate.', name)
        return snap

    def _source(self, name):
        """A volume or a snapshot to copy from."""
        if name in self.snapshots:
            return self._snapshot(name)
        if name in self.volumes:
            return self._volume(name)
        raise PurityError('No such volume or snapshot.', name)

    def _host(self, name):
        host = self.hosts.get(name)
        if host is None:
            raise PurityError('Host does not exist.', name)
        return host

    @staticmethod
    def _check_name(name, what):
        if not name or not NAME_RE.match(name):
            raise PurityError('Invalid %s name.' % what, name)

    @staticmethod
    def _check_qos(qos):
        if not qos:
            return {'iops_limit': None, 'bandwidth_limit': None}
        iops = qos.get('iops_limit')
        bandwidth = qos.get('bandwidth_limit')
        if iops is not None and not 100 <= iops <= UNLIMITED_IOPS:
            raise PurityError('Invalid iops_limit.', 'qos')
        if bandwidth is not None and not (
                1048576 <= bandwidth <= UNLIMITED_BANDWIDTH):
            raise PurityError('Invalid bandwidth_limit.', 'qos')
        return {'iops_limit': iops, 'bandwidth_limit': bandwidth}

    # -- arrays ----------------------------------------------------------

    def array_space(self):
        with self.lock:
            provisioned = sum(v['provisioned'] for v in self.volumes.values())
            physical = sum(self._used_bytes(v) for v in
                           list(self.volumes.values()) +
                           list(self.snapshots.values()))
            snap_space = sum(self._used_bytes(s)
                             for s in self.snapshots.values())
            return {'name': self.array['name'], 'id': self.array['id'],
                    'capacity': self.capacity, 'parity': 1.0,
                    'time': now_ms(),
                    'space': {'data_reduction': 1.0, 'footprint': physical,
                              'shared': 0,
                              'snapshots': snap_space, 'system': 0,
                              'thin_provisioning': 1 - physical / max(
                                  provisioned, 1),
                              'total_physical': physical,
                              'total_provisioned': provisioned,
                              'total_reduction': (
                                  provisioned / physical if physical
                                  else 1.0),
                              'total_used': physical,
                              'unique': physical - snap_space,
                              'used_provisioned': provisioned,
                              'virtual': physical}}

    def array_performance(self):
        return {'name': self.array['name'], 'time': now_ms(),
                'reads_per_sec': 0, 'writes_per_sec': 0,
                'read_bytes_per_sec': 0, 'write_bytes_per_sec': 0,
                'usec_per_read_op': 0, 'usec_per_write_op': 0,
                'queue_depth': 0, 'queue_usec_per_mirrored_write_op': 0,
                'queue_usec_per_read_op': 0, 'queue_usec_per_write_op': 0}

    # -- volumes -----------------------------------------------------------

    def list_volumes(self, names=None, destroyed=None):
        with self.lock:
            if names:
                found = [self._volume(n, live=False) for n in names]
            else:
                found = list(self.volumes.values())
            if destroyed is not None:
                found = [v for v in found if v['destroyed'] == destroyed]
            return [self._public(v, 'volume') for v in found]

    def _check_volume_name(self, name):
        """``vol`` or ``vgroup/vol`` in a live volume group (P-51)."""
        if isinstance(name, str) and name.count('/') == 1:
            group, short = name.split('/')
            self._check_name(short, 'volume')
            vgroup = self._vgroup(group)
            return {'name': vgroup['name'], 'id': vgroup['id']}
        self._check_name(name, 'volume')
        return None

    def create_volume(self, name, provisioned=None, source=None, qos=None,
                      overwrite=False):
        with self.lock:
            vgroup = self._check_volume_name(name)
            qos = self._check_qos(qos)
            existing = self.volumes.get(name)
            if existing is not None:
                if existing['destroyed']:
                    raise PurityError(
                        'Volume has been destroyed. It can be recovered by '
                        'purevol recover and eradicated by purevol '
                        'eradicate.', name)
                if not (overwrite and source):
                    raise PurityError('Volume already exists.', name)
            if source:
                origin = self._source(source)
                if provisioned is not None and (
                        provisioned < origin['provisioned']):
                    raise PurityError('Invalid size.', name)
                if existing is not None:
                    # overwrite: the volume keeps its identity, takes the
                    # source's data and size (revert to snapshot).
                    volumes.copy(self._data_path(origin['id']),
                                 self._data_path(existing['id']),
                                 origin['provisioned'])
                    existing['provisioned'] = origin['provisioned']
                    self._refresh_export(name)
                    return self._public(existing, 'volume')
                volume = self._new_object(name, provisioned or
                                          origin['provisioned'], source)
                volume['source']['id'] = origin['id']
                volumes.copy(self._data_path(origin['id']),
                             self._data_path(volume['id']),
                             volume['provisioned'])
                # Copyable tags travel with a copy (P-30).
                self._copy_tags(origin, volume)
            else:
                if overwrite:
                    raise PurityError('Volume already exists.', name)
                if not provisioned or provisioned < 1048576 or (
                        provisioned % 512):
                    raise PurityError('Invalid size.', name)
                volume = self._new_object(name, provisioned)
                volumes.create(self._data_path(volume['id']), provisioned)
            volume['qos'] = qos
            volume['volume_group'] = vgroup
            self.volumes[name] = volume
            return self._public(volume, 'volume')

    def patch_volume(self, name, fields, truncate=False):
        with self.lock:
            volume = self._volume(name, live=False)
            unknown = set(fields) - {'destroyed', 'provisioned', 'name',
                                     'qos'}
            if unknown:
                raise PurityError('Invalid field: %s.' % sorted(unknown)[0],
                                  name)
            if 'destroyed' in fields:
                self._set_destroyed(volume, bool(fields['destroyed']))
            if volume['destroyed'] and set(fields) - {'destroyed'}:
                raise PurityError('Volume has been destroyed.', name)
            if 'provisioned' in fields:
                size = fields['provisioned']
                if size < volume['provisioned'] and not truncate:
                    raise PurityError(
                        'Implicit truncation not permitted.', name)
                volumes.resize(self._data_path(volume['id']), size)
                volume['provisioned'] = size
                self._refresh_export(volume['name'])
            if 'qos' in fields:
                volume['qos'] = self._check_qos(fields['qos'])
            if 'name' in fields:
                self._rename_volume(volume, fields['name'])
            return self._public(volume, 'volume')

    def _refresh_export(self, volume_name):
        lun = self.exported_luns.get(volume_name)
        if lun is not None:
            self.exporter.resize(self.target_iqn, lun)

    def _rename_volume(self, volume, new_name):
        vgroup = self._check_volume_name(new_name)
        if new_name in self.volumes:
            raise PurityError('Volume already exists.', new_name)
        volume['volume_group'] = vgroup
        old = volume['name']
        # Purity renames connected volumes too; connections follow.
        del self.volumes[old]
        volume['name'] = new_name
        self.volumes[new_name] = volume
        for (host, vol), lun in list(self.connections.items()):
            if vol == old:
                del self.connections[(host, vol)]
                self.connections[(host, new_name)] = lun
        if old in self.exported_luns:
            self.exported_luns[new_name] = self.exported_luns.pop(old)
        for snap in self._snapshots_of(new_name):
            snap['source'] = {'name': new_name, 'id': volume['id']}
            if snap['name'].startswith(old + '.'):
                del self.snapshots[snap['name']]
                snap['name'] = new_name + snap['name'][len(old):]
                self.snapshots[snap['name']] = snap

    def _set_destroyed(self, volume, destroyed):
        name = volume['name']
        if destroyed and not volume['destroyed']:
            if any(v == name for (_h, v) in self.connections):
                raise PurityError(
                    'Volume cannot be destroyed while it has connected '
                    'hosts.', name)
            volume['destroyed'] = True
            volume['destroyed_at'] = now_ms()
            # Destroying a volume takes its snapshots with it.
            for snap in self._snapshots_of(name):
                if not snap['destroyed']:
                    snap['destroyed'] = True
                    snap['destroyed_at'] = now_ms()
        elif not destroyed and volume['destroyed']:
            volume['destroyed'] = False
            volume.pop('destroyed_at', None)

    def _snapshots_of(self, volume_name):
        volume = self.volumes.get(volume_name)
        return [s for s in self.snapshots.values()
                if volume is not None and s['source']['id'] == volume['id']]

    def eradicate_volume(self, name):
        with self.lock:
            volume = self._volume(name, live=False)
            if not volume['destroyed']:
                raise PurityError(
                    'Volume must be destroyed before it can be '
                    'eradicated.', name)
            for snap in self._snapshots_of(name):
                self._remove_data(snap)
                self.tags.pop(snap['id'], None)
                del self.snapshots[snap['name']]
            self._remove_data(volume)
            self.tags.pop(volume['id'], None)
            for pgroup in self.pgroups.values():
                if volume['id'] in pgroup['volume_ids']:
                    pgroup['volume_ids'].remove(volume['id'])
            del self.volumes[name]

    def _remove_data(self, obj):
        volumes.remove(self._data_path(obj['id']))

    # -- volume snapshots --------------------------------------------------

    def list_snapshots(self, names=None, source_names=None):
        with self.lock:
            if names:
                found = [self._snapshot(n, live=False) for n in names]
            else:
                found = list(self.snapshots.values())
            if source_names:
                found = [s for s in found
                         if s['source']['name'] in source_names]
            return [self._public(s, 'snapshot') for s in found]

    def create_snapshot(self, source_name, suffix):
        with self.lock:
            volume = self._volume(source_name)
            suffix = suffix or str(len(self._snapshots_of(source_name)) + 1)
            self._check_name(suffix, 'suffix')
            name = '%s.%s' % (source_name, suffix)
            if len(name) > SNAPSHOT_NAME_MAX:
                raise PurityError('Snapshot name too long.', name)
            existing = self.snapshots.get(name)
            if existing is not None:
                if existing['destroyed']:
                    raise PurityError(
                        'Volume snapshot has been destroyed. It can be '
                        'recovered by purevol recover and eradicated by '
                        'purevol eradicate.', name)
                raise PurityError('Snapshot already exists.', name)
            snap = self._new_object(name, volume['provisioned'])
            snap['source'] = {'name': source_name, 'id': volume['id']}
            snap['suffix'] = suffix
            del snap['qos']
            volumes.copy(self._data_path(volume['id']),
                         self._data_path(snap['id']))
            self._copy_tags(volume, snap)
            self.snapshots[name] = snap
            return self._public(snap, 'snapshot')

    def patch_snapshot(self, name, fields):
        with self.lock:
            snap = self._snapshot(name, live=False)
            if 'destroyed' in fields:
                if fields['destroyed'] and not snap['destroyed']:
                    snap['destroyed'] = True
                    snap['destroyed_at'] = now_ms()
                elif not fields['destroyed'] and snap['destroyed']:
                    source = self.volumes.get(snap['source']['name'])
                    if source is None or source['destroyed']:
                        raise PurityError('Volume has been destroyed.',
                                          name)
                    snap['destroyed'] = False
            if 'name' in fields:
                new = fields['name']
                if new in self.snapshots:
                    raise PurityError('Snapshot already exists.', new)
                del self.snapshots[name]
                snap['name'] = new
                snap['suffix'] = new.split('.', 1)[1]
                self.snapshots[new] = snap
            return self._public(snap, 'snapshot')

    def eradicate_snapshot(self, name):
        with self.lock:
            snap = self._snapshot(name, live=False)
            if not snap['destroyed']:
                raise PurityError(
                    'Snapshot must be destroyed before it can be '
                    'eradicated.', name)
            self._remove_data(snap)
            self.tags.pop(snap['id'], None)
            del self.snapshots[name]

    # -- hosts -------------------------------------------------------------

    def _host_public(self, host):
        public = copy.deepcopy(host)
        public['connection_count'] = sum(
            1 for (h, _v) in self.connections if h == host['name'])
        return public

    def list_hosts(self, names=None):
        with self.lock:
            if names:
                found = [self._host(n) for n in names]
            else:
                found = list(self.hosts.values())
            return [self._masked(self._host_public(h)) for h in found]

    @staticmethod
    def _masked(host):
        # Purity never reads CHAP secrets back (P-60).
        for key in ('host_password', 'target_password'):
            if host['chap'].get(key):
                host['chap'][key] = CHAP_MASK
        return host

    def create_host(self, name, fields):
        with self.lock:
            self._check_name(name, 'host')
            if name in self.hosts:
                raise PurityError('Host already exists.', name)
            host = {'name': name, 'iqns': [], 'wwns': [], 'nqns': [],
                    'personality': None, 'is_local': True,
                    'host_group': {'name': None},
                    'chap': {'host_user': None, 'host_password': None,
                             'target_user': None, 'target_password': None}}
            self._apply_host_fields(host, fields)
            self.hosts[name] = host
            return self._masked(self._host_public(host))

    def _apply_host_fields(self, host, fields):
        iqns = list(fields.get('iqns') or [])
        wwns = [w.replace(':', '').upper() for w in fields.get('wwns') or []]
        for other in self.hosts.values():
            if other is host:
                continue
            if set(iqns) & set(other['iqns']):
                raise PurityError('IQN already in use by another host.',
                                  host['name'])
            if set(wwns) & set(other['wwns']):
                raise PurityError('WWN already in use by another host.',
                                  host['name'])
        if 'iqns' in fields:
            host['iqns'] = iqns
        if 'wwns' in fields:
            host['wwns'] = wwns
        if 'personality' in fields:
            # P-61: one of Purity's personalities; null or '' clears it.
            personality = fields['personality'] or None
            if personality is not None and personality not in \
                    HOST_PERSONALITIES:
                raise PurityError('Invalid personality.', host['name'])
            host['personality'] = personality
        if 'chap' in fields:
            chap = fields['chap'] or {}
            for key in ('host_password', 'target_password'):
                secret = chap.get(key)
                # Purity takes CHAP secrets of 12 to 255 characters (P-60).
                if secret and not 12 <= len(secret) <= 255:
                    raise PurityError(
                        'Invalid CHAP %s: 12 to 255 characters.' % key,
                        host['name'])
            host['chap'].update(chap)

    def patch_host(self, name, fields):
        with self.lock:
            host = self._host(name)
            for key in ('add_iqns', 'remove_iqns', 'add_wwns',
                        'remove_wwns'):
                if key in fields:
                    field = key.split('_', 1)[1]
                    values = fields.pop(key)
                    if field == 'wwns':
                        values = [w.replace(':', '').upper() for w in values]
                    current = list(host[field])
                    if key.startswith('add'):
                        current += [v for v in values if v not in current]
                    else:
                        current = [v for v in current if v not in values]
                    fields[field] = current
            self._apply_host_fields(host, fields)
            return self._masked(self._host_public(host))

    def delete_host(self, name):
        with self.lock:
            self._host(name)
            if any(h == name for (h, _v) in self.connections):
                raise PurityError(
                    'Host cannot be deleted due to existing connections.',
                    name)
            del self.hosts[name]

    # -- connections -------------------------------------------------------

    def _connection_public(self, host, volume, lun):
        return {'host': {'name': host}, 'host_group': {'name': None},
                'volume': {'name': volume,
                           'id': self.volumes[volume]['id']},
                'lun': lun, 'nsid': None,
                'protocol_endpoint': {'id': None, 'name': None}}

    def list_connections(self, host_names=None, volume_names=None):
        with self.lock:
            for name in host_names or ():
                self._host(name)
            for name in volume_names or ():
                self._volume(name, live=False)
            return [self._connection_public(h, v, lun)
                    for (h, v), lun in sorted(self.connections.items())
                    if (not host_names or h in host_names) and
                    (not volume_names or v in volume_names)]

    def connect(self, host_name, volume_name):
        with self.lock:
            host = self._host(host_name)
            volume = self._volume(volume_name)
            if (host_name, volume_name) in self.connections:
                raise PurityError('Connection already exists.', volume_name)
            lun = self.exported_luns.get(volume_name)
            if lun is None:
                used = set(self.exported_luns.values())
                lun = next(n for n in range(1, 16384) if n not in used)
            # The data path is per array target: the LUN is exported once
            # and every connected host's initiators are allowed on it.
            chap = host['chap']
            self.exporter.export(
                self.target_iqn, lun, self._data_path(volume['id']),
                host['iqns'],
                (chap['host_user'], chap['host_password'])
                if chap.get('host_user') and chap.get('host_password')
                else None)
            self.exported_luns[volume_name] = lun
            self.connections[(host_name, volume_name)] = lun
            return self._connection_public(host_name, volume_name, lun)

    def disconnect(self, host_name, volume_name):
        with self.lock:
            self._host(host_name)
            self._volume(volume_name, live=False)
            lun = self.connections.pop((host_name, volume_name), None)
            if lun is None:
                raise PurityError('Connection does not exist.', volume_name)
            still_connected = any(v == volume_name
                                  for (_h, v) in self.connections)
            if not still_connected:
                self.exported_luns.pop(volume_name, None)
                # The target is array-wide: the host's initiators stay
                # allowed for its other volumes' LUNs.
                self.exporter.unexport(self.target_iqn, lun)

    # -- performance history (P-20) --------------------------------------

    def samples(self, start_time, end_time, resolution, sample):
        """One ``sample(time)`` per ``resolution`` ms the array has lived.

        Without a window the reply is the latest sample; with one, every
        resolution boundary inside it since the array came up (an array up
        for less than one interval has no history: zero items).
        """
        now = now_ms()
        if start_time is None and end_time is None:
            return [sample(now)]
        end = min(now if end_time is None else end_time, now)
        start = max(self.booted if start_time is None else start_time,
                    self.booted)
        first = -(-start // resolution) * resolution
        return [sample(t) for t in range(first, end + 1, resolution)]

    def performance_sample(self, when):
        sample = {key: 0 for key in PERFORMANCE_FIELDS}
        sample.update({'id': self.array['id'], 'name': self.array['name'],
                       'time': when,
                       'service_usec_per_read_op_cache_reduction': 0.0})
        return sample

    # -- tags (P-30) -------------------------------------------------------

    def _tag_target(self, name):
        return self._volume(name, live=False)

    def put_tags(self, resource_names, tags):
        with self.lock:
            if not isinstance(tags, list) or not tags:
                raise PurityError('At least one tag is required.', 'tag')
            if len(tags) > MAX_TAGS_PER_REQUEST:
                raise PurityError('Too many tags in one request.', 'tag')
            volumes = [self._tag_target(n) for n in resource_names]
            clean = []
            for tag in tags:
                if not isinstance(tag, dict):
                    raise PurityError('Invalid tag.', 'tag')
                unknown = set(tag) - {'key', 'value', 'namespace',
                                      'copyable', 'resource'}
                if unknown:
                    raise PurityError('Invalid field: %s.' % sorted(
                        unknown)[0], 'tag')
                key = tag.get('key')
                value = tag.get('value')
                namespace = tag.get('namespace') or 'default'
                if not isinstance(key, str) or not key or len(key) > 64:
                    raise PurityError('Invalid tag key.', key)
                if value is not None and (not isinstance(value, str) or
                                          len(value) > 256):
                    raise PurityError('Invalid tag value.', key)
                if namespace.lower().startswith('pure'):
                    raise PurityError(
                        'Tag namespace %s is reserved.' % namespace,
                        namespace)
                copyable = tag.get('copyable')
                clean.append({'namespace': namespace, 'key': key,
                              'value': value, 'copyable':
                              True if copyable is None else bool(copyable)})
            result = []
            for volume in volumes:
                held = self.tags.setdefault(volume['id'], {})
                for tag in clean:
                    held[(tag['namespace'], tag['key'])] = dict(tag)
                    result.append(self._tag_public(volume, tag))
            return result

    @staticmethod
    def _tag_public(volume, tag):
        public = dict(tag)
        public['resource'] = {'name': volume['name'], 'id': volume['id']}
        return public

    def list_tags(self, resource_names=None, namespaces=None):
        with self.lock:
            if resource_names:
                volumes = [self._tag_target(n) for n in resource_names]
            else:
                volumes = list(self.volumes.values())
            return [self._tag_public(volume, tag)
                    for volume in volumes
                    for (namespace, _key), tag in sorted(
                        self.tags.get(volume['id'], {}).items())
                    if not namespaces or namespace in namespaces]

    def delete_tags(self, resource_names, namespaces=None, keys=None):
        with self.lock:
            if namespaces and len(namespaces) > 1:
                raise PurityError(
                    'Only one namespace is allowed per delete request.',
                    'namespaces')
            namespace = namespaces[0] if namespaces else 'default'
            for volume in [self._tag_target(n) for n in resource_names]:
                held = self.tags.get(volume['id'], {})
                for (tag_ns, key) in list(held):
                    if tag_ns == namespace and (not keys or key in keys):
                        del held[(tag_ns, key)]

    def _copy_tags(self, source, target):
        held = self.tags.get(source['id'], {})
        copied = {k: dict(t) for k, t in held.items() if t['copyable']}
        if copied:
            self.tags[target['id']] = copied

    # -- array connections (P-31) -------------------------------------------

    def list_array_connections(self, names=None):
        with self.lock:
            found = list(self.array_connections)
            for name in names or ():
                if not any(c['name'] == name for c in found):
                    raise PurityError('Array connection does not exist.',
                                      name)
            if names:
                found = [c for c in found if c['name'] in names]
            return copy.deepcopy(found)

    def add_array_connection(self, name, type_='async-replication',
                             status='connected'):
        """A replication peer (set up by tests; no REST create here)."""
        with self.lock:
            connection = {
                'id': str(uuid.uuid4()), 'name': name,
                'encryption': 'disabled', 'encryption_mode': None,
                'management_address': '192.0.2.10',
                'replication_addresses': ['192.0.2.11'],
                'replication_transport': 'ip', 'status': status,
                'throttle': {'default_limit': None, 'window_limit': None,
                             'window': None},
                'type': type_, 'version': self.array['version']}
            self.array_connections.append(connection)
            return copy.deepcopy(connection)

    def add_pod(self, name):
        """A pod (set up by tests; the simulator serves pods read-only)."""
        with self.lock:
            self._check_name(name, 'pod')
            pod = {
                'id': str(uuid.uuid4()), 'name': name, 'array_count': 1,
                'arrays': [{'id': self.array['id'],
                            'name': self.array['name'], 'frozen_at': None,
                            'mediator_status': 'online', 'member': None,
                            'pre_elected': False, 'progress': None,
                            'status': 'online'}],
                'destroyed': False, 'time_remaining': None,
                'eradication_config': {'manual_eradication': 'all-enabled'},
                'failover_preferences': [], 'footprint': 0,
                'link_source_count': 0, 'link_target_count': 0,
                'mediator': 'purestorage', 'mediator_version': '1.0',
                'members': [], 'promotion_status': 'promoted',
                'quota_limit': None, 'requested_promotion_state': 'promoted',
                'source': None,
                'space': dict(self._space_of(0, 0), replication=0,
                              replication_effective=0, shared_effective=0)}
            self.pods[name] = pod
            return copy.deepcopy(pod)

    # -- protection groups (P-40..P-44) ---------------------------------------

    def _pgroup(self, name, live=True):
        return lookup(self.pgroups, name, 'Protection group does not exist.',
                      PGROUP_DESTROYED, live)

    def _pgroup_public(self, pgroup):
        public = copy.deepcopy(pgroup)
        public.pop('volume_ids')
        public.pop('destroyed_at', None)
        public['volume_count'] = len(pgroup['volume_ids'])
        public['time_remaining'] = time_remaining(pgroup)
        snaps = [s for s in self.pgroup_snapshots.values()
                 if s['source']['id'] == pgroup['id']]
        public['space'] = self._space_of(
            sum(self._pgsnap_used(s) for s in snaps), 0)
        return public

    def _space_of(self, used, provisioned):
        return {'data_reduction': 1.0, 'footprint': used, 'shared': 0,
                'snapshots': used, 'system': 0,
                'thin_provisioning': 0.0 if not provisioned else max(
                    0.0, 1 - used / provisioned),
                'total_physical': used, 'total_provisioned': provisioned,
                'total_reduction': 1.0, 'total_used': used, 'unique': 0,
                'used_provisioned': provisioned, 'virtual': used}

    def list_pgroups(self, names=None):
        with self.lock:
            if names:
                found = [self._pgroup(n, live=False) for n in names]
            else:
                found = list(self.pgroups.values())
            return [self._pgroup_public(p) for p in found]

    def create_pgroup(self, name):
        with self.lock:
            self._check_name(name, 'protection group')
            existing = self.pgroups.get(name)
            if existing is not None:
                if existing['destroyed']:
                    raise PurityError(PGROUP_DESTROYED, name)
                raise PurityError('Protection group already exists.', name)
            pgroup = {
                'id': str(uuid.uuid4()), 'name': name, 'destroyed': False,
                'time_remaining': None, 'is_local': True, 'pod': None,
                'source': {'name': self.array['name'],
                           'id': self.array['id']},
                'host_count': 0, 'host_group_count': 0, 'target_count': 0,
                'retention_lock': 'unlocked',
                'eradication_config': {'manual_eradication': 'all-enabled'},
                # Purity's defaults: hourly snapshots and 4-hourly
                # replication, both off; keep all for a day, then 4 a day
                # for 7 days (P-41).
                'snapshot_schedule': {'at': None, 'enabled': False,
                                      'frequency': 3600000},
                'replication_schedule': {'at': None, 'enabled': False,
                                         'frequency': 14400000,
                                         'blackout': {'start': None,
                                                      'end': None}},
                'source_retention': {'all_for_sec': 86400, 'days': 7,
                                     'per_day': 4},
                'target_retention': {'all_for_sec': 86400, 'days': 7,
                                     'per_day': 4},
                'volume_ids': []}
            self.pgroups[name] = pgroup
            return self._pgroup_public(pgroup)

    def patch_pgroup(self, name, fields):
        with self.lock:
            pgroup = self._pgroup(name, live=False)
            unknown = set(fields) - {'destroyed', 'name', 'snapshot_schedule',
                                     'replication_schedule',
                                     'source_retention', 'target_retention'}
            if unknown:
                raise PurityError('Invalid field: %s.' % sorted(unknown)[0],
                                  name)
            if 'destroyed' in fields:
                self._set_pgroup_destroyed(pgroup, bool(fields['destroyed']))
            if pgroup['destroyed'] and set(fields) - {'destroyed'}:
                raise PurityError(PGROUP_DESTROYED, name)
            for key in ('snapshot_schedule', 'replication_schedule',
                        'source_retention', 'target_retention'):
                if key in fields:
                    value = fields[key]
                    if not isinstance(value, dict) or set(value) - set(
                            pgroup[key]):
                        raise PurityError('Invalid %s.' % key, name)
                    pgroup[key].update(value)
            if 'name' in fields:
                new = fields['name']
                self._check_name(new, 'protection group')
                if new in self.pgroups:
                    raise PurityError('Protection group already exists.',
                                      new)
                del self.pgroups[name]
                pgroup['name'] = new
                self.pgroups[new] = pgroup
                for snap in self.pgroup_snapshots.values():
                    if snap['source']['id'] == pgroup['id']:
                        snap['source']['name'] = new
            return self._pgroup_public(pgroup)

    def _set_pgroup_destroyed(self, pgroup, destroyed):
        if destroyed and not pgroup['destroyed']:
            pgroup['destroyed'] = True
            pgroup['destroyed_at'] = now_ms()
            # Its snapshots go to the eradication bin with it (P-43).
            for snap in self._pgsnaps_of(pgroup):
                self._set_pgsnap_destroyed(snap, True)
        elif not destroyed and pgroup['destroyed']:
            pgroup['destroyed'] = False
            pgroup['time_remaining'] = None
            pgroup.pop('destroyed_at', None)

    def eradicate_pgroup(self, name):
        with self.lock:
            pgroup = self._pgroup(name, live=False)
            if not pgroup['destroyed']:
                raise PurityError(
                    'Protection group must be destroyed before it can be '
                    'eradicated.', name)
            for snap in self._pgsnaps_of(pgroup):
                self._eradicate_pgsnap(snap)
            del self.pgroups[name]

    def _volume_by_id(self, volume_id):
        for volume in self.volumes.values():
            if volume['id'] == volume_id:
                return volume
        return None

    def _membership(self, pgroup, volume):
        return {'group': {'name': pgroup['name'], 'id': pgroup['id']},
                'member': {'name': volume['name'], 'id': volume['id'],
                           'destroyed': volume['destroyed']}}

    def list_pgroup_volumes(self, group_names=None, member_names=None,
                            member_destroyed=None):
        with self.lock:
            groups = ([self._pgroup(n, live=False) for n in group_names]
                      if group_names else list(self.pgroups.values()))
            members = None
            if member_names:
                members = {self._volume(n, live=False)['id']
                           for n in member_names}
            result = []
            for pgroup in groups:
                for volume_id in pgroup['volume_ids']:
                    volume = self._volume_by_id(volume_id)
                    if members is not None and volume_id not in members:
                        continue
                    if member_destroyed is not None and (
                            volume['destroyed'] != member_destroyed):
                        continue
                    result.append(self._membership(pgroup, volume))
            return result

    def add_pgroup_volumes(self, group_names, member_names):
        with self.lock:
            groups = [self._pgroup(n) for n in group_names]
            volumes = [self._volume(n) for n in member_names]
            for pgroup in groups:
                for volume in volumes:
                    if volume['id'] in pgroup['volume_ids']:
                        raise PurityError(
                            'Volume already belongs to protection group '
                            '%s.' % pgroup['name'], volume['name'])
            result = []
            for pgroup in groups:
                for volume in volumes:
                    pgroup['volume_ids'].append(volume['id'])
                    result.append(self._membership(pgroup, volume))
            return result

    def remove_pgroup_volumes(self, group_names, member_names):
        with self.lock:
            groups = [self._pgroup(n, live=False) for n in group_names]
            volumes = [self._volume(n, live=False) for n in member_names]
            for pgroup in groups:
                for volume in volumes:
                    if volume['id'] not in pgroup['volume_ids']:
                        raise PurityError(
                            'Volume %s could not be found in protection '
                            'group.' % volume['name'], pgroup['name'])
            for pgroup in groups:
                for volume in volumes:
                    pgroup['volume_ids'].remove(volume['id'])

    # -- protection group snapshots (P-42, P-43) ----------------------------

    def _pgsnaps_of(self, pgroup):
        return [s for s in self.pgroup_snapshots.values()
                if s['source']['id'] == pgroup['id']]

    def _pgsnap(self, name, live=True):
        return lookup(self.pgroup_snapshots, name,
                      'Protection group snapshot does not exist.',
                      'Protection group snapshot has been destroyed.', live)

    def _pgsnap_members(self, snap):
        return [s for s in self.snapshots.values()
                if s.get('pgroup_snapshot_id') == snap['id']]

    def _pgsnap_used(self, snap):
        return sum(self._used_bytes(s) for s in self._pgsnap_members(snap))

    def _pgsnap_public(self, snap):
        public = copy.deepcopy(snap)
        public.pop('destroyed_at', None)
        public['time_remaining'] = time_remaining(snap)
        public['space'] = self._space_of(self._pgsnap_used(snap), 0)
        return public

    def list_pgroup_snapshots(self, names=None, source_names=None):
        with self.lock:
            if names:
                found = [self._pgsnap(n, live=False) for n in names]
            else:
                found = list(self.pgroup_snapshots.values())
            if source_names:
                for name in source_names:
                    self._pgroup(name, live=False)
                found = [s for s in found
                         if s['source']['name'] in source_names]
            return [self._pgsnap_public(s) for s in found]

    def create_pgroup_snapshot(self, source_name, suffix=None):
        with self.lock:
            pgroup = self._pgroup(source_name)
            if suffix is None:
                taken = {s['suffix'] for s in self._pgsnaps_of(pgroup)}
                suffix = str(next(n for n in range(1, 1 << 30)
                                  if str(n) not in taken))
            self._check_name(suffix, 'suffix')
            name = '%s.%s' % (source_name, suffix)
            existing = self.pgroup_snapshots.get(name)
            if existing is not None:
                if existing['destroyed']:
                    raise PurityError(
                        'Protection group snapshot has been destroyed.',
                        name)
                raise PurityError('Protection group snapshot already '
                                  'exists.', name)
            snap = {'id': str(uuid.uuid4()), 'name': name,
                    'created': now_ms(), 'destroyed': False,
                    'time_remaining': None, 'pod': None, 'suffix': suffix,
                    'source': {'name': source_name, 'id': pgroup['id']},
                    'eradication_config': {
                        'manual_eradication': 'all-enabled'}}
            self.pgroup_snapshots[name] = snap
            # One volume snapshot per live member: "<pg>.<suffix>.<vol>".
            for volume_id in pgroup['volume_ids']:
                volume = self._volume_by_id(volume_id)
                if volume['destroyed']:
                    continue
                member = self._new_object('%s.%s' % (name, volume['name']),
                                          volume['provisioned'])
                member['source'] = {'name': volume['name'],
                                    'id': volume['id']}
                member['suffix'] = suffix
                member['pgroup_snapshot_id'] = snap['id']
                del member['qos']
                volumes.copy(self._data_path(volume['id']),
                             self._data_path(member['id']))
                self._copy_tags(volume, member)
                self.snapshots[member['name']] = member
            return self._pgsnap_public(snap)

    def _set_pgsnap_destroyed(self, snap, destroyed):
        if destroyed and not snap['destroyed']:
            snap['destroyed'] = True
            snap['destroyed_at'] = now_ms()
        elif not destroyed and snap['destroyed']:
            snap['destroyed'] = False
            snap['time_remaining'] = None
            snap.pop('destroyed_at', None)
        for member in self._pgsnap_members(snap):
            member['destroyed'] = snap['destroyed']
            if destroyed:
                member['destroyed_at'] = snap['destroyed_at']
            else:
                member.pop('destroyed_at', None)

    def patch_pgroup_snapshot(self, name, fields):
        with self.lock:
            snap = self._pgsnap(name, live=False)
            unknown = set(fields) - {'destroyed'}
            if unknown:
                raise PurityError('Invalid field: %s.' % sorted(unknown)[0],
                                  name)
            if 'destroyed' in fields:
                if not fields['destroyed']:
                    self._pgroup(snap['source']['name'])
                self._set_pgsnap_destroyed(snap, bool(fields['destroyed']))
            return self._pgsnap_public(snap)

    def _eradicate_pgsnap(self, snap):
        for member in self._pgsnap_members(snap):
            self._remove_data(member)
            self.tags.pop(member['id'], None)
            del self.snapshots[member['name']]
        del self.pgroup_snapshots[snap['name']]

    def eradicate_pgroup_snapshot(self, name):
        with self.lock:
            snap = self._pgsnap(name, live=False)
            if not snap['destroyed']:
                raise PurityError(
                    'Protection group snapshot must be destroyed before it '
                    'can be eradicated.', name)
            self._eradicate_pgsnap(snap)

    # -- pods and volume groups (P-50, P-51) ----------------------------------

    def list_pods(self, names=None):
        with self.lock:
            for name in names or ():
                if name not in self.pods:
                    raise PurityError('Pod does not exist.', name)
            return [copy.deepcopy(p) for n, p in self.pods.items()
                    if not names or n in names]

    def _vgroup(self, name, live=True):
        return lookup(self.volume_groups, name, 'Volume group does not exist.',
                      VGROUP_DESTROYED, live)

    def _vgroup_public(self, vgroup):
        public = copy.deepcopy(vgroup)
        public.pop('destroyed_at', None)
        members = [v for v in self.volumes.values()
                   if (v['volume_group'] or {}).get('id') == vgroup['id']]
        public['volume_count'] = sum(1 for v in members
                                     if not v['destroyed'])
        public['time_remaining'] = time_remaining(vgroup)
        public['space'] = self._space_of(
            sum(self._used_bytes(v) for v in members),
            sum(v['provisioned'] for v in members))
        return public

    def list_volume_groups(self, names=None):
        with self.lock:
            if names:
                found = [self._vgroup(n, live=False) for n in names]
            else:
                found = list(self.volume_groups.values())
            return [self._vgroup_public(g) for g in found]

    def create_volume_group(self, name, fields):
        with self.lock:
            self._check_name(name, 'volume group')
            existing = self.volume_groups.get(name)
            if existing is not None:
                if existing['destroyed']:
                    raise PurityError(VGROUP_DESTROYED, name)
                raise PurityError('Volume group already exists.', name)
            unknown = set(fields) - {'qos', 'priority_adjustment'}
            if unknown:
                raise PurityError('Invalid field: %s.' % sorted(unknown)[0],
                                  name)
            vgroup = {'id': str(uuid.uuid4()), 'name': name,
                      'destroyed': False, 'time_remaining': None,
                      'pod': None, 'qos': self._check_qos(fields.get('qos')),
                      'priority_adjustment': {
                          'priority_adjustment_operator': '+',
                          'priority_adjustment_value': 0}}
            self.volume_groups[name] = vgroup
            return self._vgroup_public(vgroup)

    def patch_volume_group(self, name, fields):
        with self.lock:
            vgroup = self._vgroup(name, live=False)
            unknown = set(fields) - {'destroyed', 'qos'}
            if unknown:
                raise PurityError('Invalid field: %s.' % sorted(unknown)[0],
                                  name)
            if 'destroyed' in fields:
                destroyed = bool(fields['destroyed'])
                if destroyed and not vgroup['destroyed']:
                    if self._vgroup_public(vgroup)['volume_count']:
                        raise PurityError('Volume group is not empty.', name)
                    vgroup['destroyed'] = True
                    vgroup['destroyed_at'] = now_ms()
                elif not destroyed and vgroup['destroyed']:
                    vgroup['destroyed'] = False
                    vgroup['time_remaining'] = None
                    vgroup.pop('destroyed_at', None)
            if 'qos' in fields:
                if vgroup['destroyed']:
                    raise PurityError(VGROUP_DESTROYED, name)
                vgroup['qos'] = self._check_qos(fields['qos'])
            return self._vgroup_public(vgroup)

    def eradicate_volume_group(self, name):
        with self.lock:
            vgroup = self._vgroup(name, live=False)
            if not vgroup['destroyed']:
                raise PurityError(
                    'Volume group must be destroyed before it can be '
                    'eradicated.', name)
            if any((v['volume_group'] or {}).get('id') == vgroup['id']
                   for v in self.volumes.values()):
                raise PurityError('Volume group is not empty.', name)
            del self.volume_groups[name]

    # -- the rest ----------------------------------------------------------

    def seed_volumes(self, count, prefix='seeded'):
        """Add ``count`` 1 GiB volumes straight into the state.

        For the benchmark's stats at scale (not part of the Purity API);
        returns how many volumes the array holds.
        """
        with self.lock:
            start = len(self.volumes)
            for index in range(start, start + count):
                obj = self._new_object('%s-%07d' % (prefix, index), GiB)
                self.volumes[obj['name']] = obj
            return len(self.volumes)

    def dump(self):
        """Everything, for tests (not part of the Purity API)."""
        with self.lock:
            return {
                'volumes': [self._public(v, 'volume')
                            for v in self.volumes.values()],
                'volume_snapshots': [self._public(s, 'snapshot')
                                     for s in self.snapshots.values()],
                'hosts': [self._host_public(h) for h in self.hosts.values()],
                'connections': [self._connection_public(h, v, lun)
                                for (h, v), lun in
                                sorted(self.connections.items())],
                'ports': copy.deepcopy(self.ports),
            }
