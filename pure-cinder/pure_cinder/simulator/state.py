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
"conflict" alike) and message strings (reference 1.7), so the driver's
substring matching is exercised exactly as against a real array.
"""

import copy
import os
import re
import threading
import time
import uuid

GiB = 1024 ** 3
PENDING_ERADICATION_MS = 24 * 3600 * 1000
NAME_RE = re.compile(r'^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$')
# volume-snapshot names are "<volume>.<suffix>".
SNAPSHOT_NAME_MAX = 96
IQN_PREFIX = 'iqn.2010-06.com.purestorage:flasharray.'
UNLIMITED_IOPS = 100000000
UNLIMITED_BANDWIDTH = 549755813888


class PurityError(Exception):
    """A request Purity refuses: an HTTP status and Purity's message."""

    def __init__(self, message, context=None, status=400):
        super().__init__(message)
        self.message = message
        self.context = context
        self.status = status


def now_ms():
    return int(time.time() * 1000)


def sparse_copy(source, destination, size=None):
    """Copy only the data extents of ``source`` (sparse files stay sparse)."""
    with open(source, 'rb') as src, open(destination, 'wb') as dst:
        end = os.fstat(src.fileno()).st_size
        offset = 0
        while offset < end:
            try:
                offset = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError:
                break  # only a hole remains
            hole = os.lseek(src.fileno(), offset, os.SEEK_HOLE)
            src.seek(offset)
            dst.seek(offset)
            remaining = hole - offset
            while remaining:
                chunk = src.read(min(remaining, 4 * 1024 * 1024))
                dst.write(chunk)
                remaining -= len(chunk)
            offset = hole
        dst.truncate(end if size is None else size)


class NullExporter:
    """No data path export (FC-only or REST-only runs)."""

    iqn = None

    def export(self, lun, path, initiators, chap):
        pass

    def unexport(self, lun, initiators):
        pass

    def close(self):
        pass


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
        self.exporter = exporter or NullExporter()
        self.target_iqn = getattr(self.exporter, 'iqn', None) or (
            IQN_PREFIX + self.array['id'].replace('-', '')[:12])
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
                'requested_promotion_state': 'promoted',
                'promotion_status': 'promoted'}

    def _public(self, obj, kind):
        public = copy.deepcopy(obj)
        used = self._used_bytes(obj)
        public['space'] = {'data_reduction': 1.0, 'snapshots': 0,
                           'thin_provisioning': 1 - used / max(
                               obj['provisioned'], 1),
                           'total_physical': used, 'total_provisioned':
                           obj['provisioned'], 'total_reduction': 1.0,
                           'unique': used, 'virtual': used}
        if obj['destroyed']:
            public['time_remaining'] = max(
                0, obj['destroyed_at'] + PENDING_ERADICATION_MS - now_ms())
        public.pop('destroyed_at', None)
        if kind == 'volume':
            public['connection_count'] = sum(
                1 for (_h, v) in self.connections if v == obj['name'])
        return public

    def _used_bytes(self, obj):
        try:
            return os.stat(self._data_path(obj['id'])).st_blocks * 512
        except OSError:
            return 0

    def _volume(self, name, live=True):
        volume = self.volumes.get(name)
        if volume is None:
            raise PurityError('Volume does not exist.', name)
        if live and volume['destroyed']:
            raise PurityError('Volume has been destroyed.', name)
        return volume

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
                    'space': {'data_reduction': 1.0, 'shared': 0,
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

    def create_volume(self, name, provisioned=None, source=None, qos=None,
                      overwrite=False):
        with self.lock:
            self._check_name(name, 'volume')
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
                    sparse_copy(self._data_path(origin['id']),
                                self._data_path(existing['id']),
                                origin['provisioned'])
                    existing['provisioned'] = origin['provisioned']
                    self._refresh_export(name)
                    return self._public(existing, 'volume')
                volume = self._new_object(name, provisioned or
                                          origin['provisioned'], source)
                sparse_copy(self._data_path(origin['id']),
                            self._data_path(volume['id']),
                            volume['provisioned'])
            else:
                if overwrite:
                    raise PurityError('Volume already exists.', name)
                if not provisioned or provisioned < 1048576 or (
                        provisioned % 512):
                    raise PurityError('Invalid size.', name)
                volume = self._new_object(name, provisioned)
                with open(self._data_path(volume['id']), 'wb') as data:
                    data.truncate(provisioned)
            volume['qos'] = qos
            self.volumes[name] = volume
            return self._public(volume, 'volume')

    def patch_volume(self, name, fields):
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
                if size < volume['provisioned'] and not fields.get(
                        'truncate'):
                    raise PurityError(
                        'Implicit truncation not permitted.', name)
                with open(self._data_path(volume['id']), 'r+b') as data:
                    data.truncate(size)
                volume['provisioned'] = size
                self._refresh_export(volume['name'])
            if 'qos' in fields:
                volume['qos'] = self._check_qos(fields['qos'])
            if 'name' in fields:
                self._rename_volume(volume, fields['name'])
            return self._public(volume, 'volume')

    def _refresh_export(self, volume_name):
        lun = self.exported_luns.get(volume_name)
        if lun is not None and hasattr(self.exporter, 'resize'):
            self.exporter.resize(lun)

    def _rename_volume(self, volume, new_name):
        self._check_name(new_name, 'volume')
        if new_name in self.volumes:
            raise PurityError('Volume already exists.', new_name)
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
        for snap_name in [s for s in self.snapshots
                          if s.startswith(old + '.')]:
            snap = self.snapshots.pop(snap_name)
            snap['name'] = new_name + snap_name[len(old):]
            snap['source'] = {'name': new_name, 'id': volume['id']}
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
        return [s for n, s in self.snapshots.items()
                if n.startswith(volume_name + '.')]

    def eradicate_volume(self, name):
        with self.lock:
            volume = self._volume(name, live=False)
            if not volume['destroyed']:
                raise PurityError(
                    'Volume must be destroyed before it can be '
                    'eradicated.', name)
            for snap in self._snapshots_of(name):
                self._remove_data(snap)
                del self.snapshots[snap['name']]
            self._remove_data(volume)
            del self.volumes[name]

    def _remove_data(self, obj):
        try:
            os.unlink(self._data_path(obj['id']))
        except FileNotFoundError:
            pass

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
            sparse_copy(self._data_path(volume['id']),
                        self._data_path(snap['id']))
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
            return [self._host_public(h) for h in found]

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
            return self._host_public(host)

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
            host['personality'] = fields['personality']
        if 'chap' in fields:
            host['chap'].update(fields['chap'] or {})

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
            return self._host_public(host)

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
                'lun': lun, 'nsid': None, 'protocol_endpoint': {'id': None}}

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
            self.exporter.export(lun, self._data_path(volume['id']),
                                 host['iqns'], host['chap'])
            self.exported_luns[volume_name] = lun
            self.connections[(host_name, volume_name)] = lun
            return self._connection_public(host_name, volume_name, lun)

    def disconnect(self, host_name, volume_name):
        with self.lock:
            host = self._host(host_name)
            self._volume(volume_name, live=False)
            lun = self.connections.pop((host_name, volume_name), None)
            if lun is None:
                raise PurityError('Connection does not exist.', volume_name)
            still_connected = any(v == volume_name
                                  for (_h, v) in self.connections)
            if not still_connected:
                self.exported_luns.pop(volume_name, None)
                self.exporter.unexport(lun, host['iqns'])

    # -- the rest ----------------------------------------------------------

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
