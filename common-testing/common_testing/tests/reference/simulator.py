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

"""The reference array: a tiny JSON-over-HTTP block array.

Just enough of an array to run the conformance suite against the reference
driver: volumes and snapshots are sparse files, hosts hold one initiator
IQN, a connection of a host to a volume exports the volume's file as LUN 1
of a target of its own on a tgtd.  Every request is consulted against a
common_testing.faults.FaultPlan.

API (JSON bodies; every call but login needs ``X-Auth-Token``):

====== ================================ ====================================
POST   /api/login                       {username, password} -> {token}
GET    /api/pools                       -> [{name, total_gb, free_gb}]
POST   /api/volumes                     {name, size_gb[, source | snapshot]}
PUT    /api/volumes/<name>              {size_gb}  (grow only)
DELETE /api/volumes/<name>
POST   /api/snapshots                   {name, volume}
DELETE /api/snapshots/<name>
POST   /api/hosts                       {name, iqn} or {name, wwpns}
GET    /api/ports                       -> [FC target WWPN, ...]
DELETE /api/hosts/<name>
POST   /api/connections                 {host, volume}
                                        -> {target, lun, portal, wwpns}
GET    /api/connections                 -> [{host, volume, lun}]
DELETE /api/connections/<host>/<volume>
====== ================================ ====================================

Hosts with WWPNs are Fibre Channel hosts: their connections are LUN maps
only (there is no FC data path here), numbered per host from 1.

Errors are ``{"error": "<text>"}`` with 400, 401, 404, 409 or 500.
``/control/faults`` (no login) reads and sets the fault rules at run time
(common_testing.faults JSON).
"""

import errno
from http import server as http_server
import json
import os
import re
import secrets
import shutil
import socketserver
import tempfile
import threading

import fixtures

from common_testing import faults
from common_testing import net
from common_testing import tgt

GiB = 1024 ** 3
TARGET_PREFIX = 'iqn.2026-11.invalid.reference:'
EXPORT_LUN = 1
#: Where tests read (GET), add (POST a rule), replace (PUT a list) and
#: clear (DELETE) the fault rules while the simulator runs.
CONTROL_FAULTS = '/control/faults'
#: The array's simulated FC target ports.
FC_PORTS = ('50060e8000c0ffe1', '50060e8000c0ffe2')


def sparse_copy(source, destination):
    """Copy a sparse file's data extents only; holes stay holes."""
    with open(source, 'rb') as src, open(destination, 'wb') as dst:
        size = os.fstat(src.fileno()).st_size
        dst.truncate(size)
        offset = 0
        while offset < size:
            try:
                start = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError as error:
                if error.errno == errno.ENXIO:   # only a hole is left
                    return
                raise
            end = os.lseek(src.fileno(), start, os.SEEK_HOLE)
            while start < end:
                start += os.copy_file_range(src.fileno(), dst.fileno(),
                                            end - start, start, start)
            offset = end


class ArrayError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class ReferenceArray:
    """The array's state: pools, volumes, snapshots, hosts, connections."""

    def __init__(self, data_dir, tgt_admin, portal, pool='pool-a',
                 capacity_gb=64):
        self.data_dir = data_dir
        self.tgt_admin = tgt_admin
        self.portal = portal
        self.pool = pool
        self.capacity_gb = capacity_gb
        self.volumes = {}        # name -> size in GiB
        self.snapshots = {}      # name -> (volume name, size in GiB)
        self.hosts = {}          # name -> {'iqn': ..., 'wwpns': [...]}
        self.connections = {}    # (host, volume) -> LUN
        self.lock = threading.RLock()

    def _path(self, name):
        return os.path.join(self.data_dir, name)

    def used_gb(self):
        return (sum(self.volumes.values())
                + sum(size for _vol, size in self.snapshots.values()))

    def pools(self):
        with self.lock:
            return [{'name': self.pool, 'total_gb': self.capacity_gb,
                     'free_gb': self.capacity_gb - self.used_gb()}]

    def _check_name(self, name):
        if not isinstance(name, str) or not re.fullmatch(r'[\w.-]{1,63}',
                                                         name):
            raise ArrayError(400, 'invalid object name %r' % (name,))

    def _reserve(self, size_gb):
        if not isinstance(size_gb, int) or size_gb < 1:
            raise ArrayError(400, 'invalid size_gb %r' % (size_gb,))
        if self.used_gb() + size_gb > self.capacity_gb:
            raise ArrayError(409, 'pool %s has not %d GiB free'
                             % (self.pool, size_gb))

    def create_volume(self, name, size_gb, source=None, snapshot=None):
        with self.lock:
            self._check_name(name)
            if name in self.volumes:
                raise ArrayError(409, 'volume %s already exists' % name)
            origin = None
            if source is not None:
                if source not in self.volumes:
                    raise ArrayError(404, 'volume %s not found' % source)
                origin, origin_size = source, self.volumes[source]
            elif snapshot is not None:
                if snapshot not in self.snapshots:
                    raise ArrayError(404, 'snapshot %s not found' % snapshot)
                origin, origin_size = snapshot, self.snapshots[snapshot][1]
            if origin is not None and size_gb < origin_size:
                raise ArrayError(400, 'size_gb %d is smaller than %s'
                                 % (size_gb, origin))
            self._reserve(size_gb)
            if origin is not None:
                sparse_copy(self._path(origin), self._path(name))
            with open(self._path(name), 'ab') as data:
                data.truncate(size_gb * GiB)
            self.volumes[name] = size_gb

    def extend_volume(self, name, size_gb):
        with self.lock:
            if name not in self.volumes:
                raise ArrayError(404, 'volume %s not found' % name)
            if size_gb < self.volumes[name]:
                raise ArrayError(400, 'volume %s cannot shrink' % name)
            self._reserve(size_gb - self.volumes[name])
            with open(self._path(name), 'ab') as data:
                data.truncate(size_gb * GiB)
            self.volumes[name] = size_gb
            if any(vol == name for _host, vol in self.connections):
                self.tgt_admin.resize_lun(TARGET_PREFIX + name, EXPORT_LUN)

    def delete_volume(self, name):
        with self.lock:
            if name not in self.volumes:
                raise ArrayError(404, 'volume %s not found' % name)
            if any(vol == name for _host, vol in self.connections):
                raise ArrayError(409, 'volume %s is connected' % name)
            os.unlink(self._path(name))
            del self.volumes[name]

    def create_snapshot(self, name, volume):
        with self.lock:
            self._check_name(name)
            if volume not in self.volumes:
                raise ArrayError(404, 'volume %s not found' % volume)
            if name in self.snapshots:
                raise ArrayError(409, 'snapshot %s already exists' % name)
            self._reserve(self.volumes[volume])
            sparse_copy(self._path(volume), self._path(name))
            self.snapshots[name] = (volume, self.volumes[volume])

    def delete_snapshot(self, name):
        with self.lock:
            if name not in self.snapshots:
                raise ArrayError(404, 'snapshot %s not found' % name)
            os.unlink(self._path(name))
            del self.snapshots[name]

    def create_host(self, name, iqn=None, wwpns=()):
        with self.lock:
            if bool(iqn) == bool(wwpns):
                raise ArrayError(400, 'host %s needs an iqn or wwpns' % name)
            self._check_name(name)
            if name in self.hosts:
                raise ArrayError(409, 'host %s already exists' % name)
            self.hosts[name] = {'iqn': iqn,
                                'wwpns': [w.lower() for w in wwpns]}

    def delete_host(self, name):
        with self.lock:
            if name not in self.hosts:
                raise ArrayError(404, 'host %s not found' % name)
            if any(host == name for host, _vol in self.connections):
                raise ArrayError(409, 'host %s has connections' % name)
            del self.hosts[name]

    def connect(self, host, volume):
        with self.lock:
            if host not in self.hosts:
                raise ArrayError(404, 'host %s not found' % host)
            if volume not in self.volumes:
                raise ArrayError(404, 'volume %s not found' % volume)
            if self.hosts[host]['wwpns']:
                return self._map_fc(host, volume)
            target = TARGET_PREFIX + volume
            if (host, volume) not in self.connections:
                if not self._iscsi_connected(volume):
                    self.tgt_admin.create_target(target)
                    self.tgt_admin.add_lun(target, EXPORT_LUN,
                                           self._path(volume))
                self.tgt_admin.allow_initiator(target,
                                               self.hosts[host]['iqn'])
                self.connections[(host, volume)] = EXPORT_LUN
            return {'target': target, 'lun': EXPORT_LUN,
                    'portal': self.portal}

    def _iscsi_connected(self, volume):
        return any(vol == volume and self.hosts[host]['iqn']
                   for host, vol in self.connections)

    def _map_fc(self, host, volume):
        lun = self.connections.get((host, volume))
        if lun is None:
            used = {lun for (h, _v), lun in self.connections.items()
                    if h == host}
            lun = min(set(range(1, len(used) + 2)) - used)
            self.connections[(host, volume)] = lun
        return {'lun': lun, 'wwpns': list(FC_PORTS)}

    def disconnect(self, host, volume):
        with self.lock:
            if (host, volume) not in self.connections:
                raise ArrayError(404, 'host %s has no connection to %s'
                                 % (host, volume))
            del self.connections[(host, volume)]
            if self.hosts[host]['wwpns']:
                return
            target = TARGET_PREFIX + volume
            self.tgt_admin.disallow_initiator(target, self.hosts[host]['iqn'])
            if not self._iscsi_connected(volume):
                self.tgt_admin.delete_target(target)

    def list_connections(self):
        with self.lock:
            return [{'host': host, 'volume': volume, 'lun': lun}
                    for (host, volume), lun in self.connections.items()]

    def inventory(self):
        with self.lock:
            return {
                'volume': set(self.volumes),
                'snapshot': set(self.snapshots),
                'host': set(self.hosts),
                'connection': {'%s:%s' % key for key in self.connections},
                'target': set(self.tgt_admin.targets()),
            }


class _ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # Built on socketserver rather than http.server.ThreadingHTTPServer:
    # cinderlib.setup leaves an eventlet-green copy of http.server in
    # sys.modules, whose servers hang when served from a real thread.
    daemon_threads = True


class _Handler(http_server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass   # the tests' output stays readable

    def do_GET(self):
        self._handle('GET')

    def do_POST(self):
        self._handle('POST')

    def do_PUT(self):
        self._handle('PUT')

    def do_DELETE(self):
        self._handle('DELETE')

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method):
        server = self.server.simulator
        path = self.path.split('?')[0].rstrip('/')
        key = '%s %s' % (method, path)
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        if path == CONTROL_FAULTS:
            # The test's control interface: not subject to faults.
            try:
                self._reply(*server.control_faults(
                    method, json.loads(raw) if raw else None))
            except ValueError as error:
                self._reply(400, {'error': str(error)})
            return
        try:
            server.plan.before(key)
            body = json.loads(raw) if raw else {}
            status, result = server.dispatch(method, path, body,
                                             self.headers.get('X-Auth-Token'))
            server.plan.after(key)
        except faults.DropConnection:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        except faults.InjectedFailure as failure:
            status, result = failure.status, {'error': failure.rule.message}
        except ArrayError as error:
            status, result = error.status, {'error': str(error)}
        except (ValueError, TypeError, KeyError) as error:
            status, result = 400, {'error': 'bad request: %s' % error}
        self._reply(status, result)


class ReferenceSimulator(fixtures.Fixture):
    """The reference array served over HTTP on this process's loopback.

    Attributes after setUp: ``url``, ``array`` (ReferenceArray), ``plan``
    (FaultPlan), ``username``, ``password``, ``tgtd``.
    """

    def __init__(self, username='admin', password=None, capacity_gb=64):
        super().__init__()
        self.username = username
        self.password = password or secrets.token_hex(12)
        self.capacity_gb = capacity_gb
        self.plan = faults.FaultPlan()
        self._tokens = set()
        self._server = None

    def _setUp(self):
        data_dir = tempfile.mkdtemp(prefix='reference-array-')
        self.addCleanup(shutil.rmtree, data_dir, ignore_errors=True)
        self.tgtd = self.useFixture(tgt.Tgtd())
        self.array = ReferenceArray(data_dir, self.tgtd.admin,
                                    self.tgtd.portal,
                                    capacity_gb=self.capacity_gb)
        address = net.private_loopback()
        self._server = _ThreadingServer((address, 0), _Handler)
        self._server.simulator = self
        self.url = 'http://%s:%d' % (address, self._server.server_address[1])
        thread = threading.Thread(target=self._server.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(self.stop)

    def stop(self):
        """Stop answering; the port is closed afterwards."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def control_faults(self, method, body):
        if method == 'POST':
            self.plan.add(body)
        elif method == 'PUT':
            self.plan.load(body)
        elif method == 'DELETE':
            self.plan.clear()
        elif method != 'GET':
            return 405, {'error': 'use GET, POST, PUT or DELETE'}
        return 200, self.plan.rules()

    def dispatch(self, method, path, body, token):
        parts = path.split('/')[1:]   # ['api', 'volumes', 'name']
        if parts[:1] != ['api'] or len(parts) < 2:
            return 404, {'error': 'no such resource %s' % path}
        if parts[1] == 'login' and method == 'POST':
            if (body.get('username') != self.username
                    or body.get('password') != self.password):
                return 401, {'error': 'invalid username or password'}
            token = secrets.token_hex(16)
            self._tokens.add(token)
            return 200, {'token': token}
        if token not in self._tokens:
            return 401, {'error': 'authentication required'}
        array = self.array
        kind, name = parts[1], '/'.join(parts[2:]) or None
        if kind == 'ports' and method == 'GET':
            return 200, list(FC_PORTS)
        if kind == 'pools' and method == 'GET':
            return 200, array.pools()
        if kind == 'volumes' and method == 'POST' and name is None:
            array.create_volume(body['name'], body['size_gb'],
                                source=body.get('source'),
                                snapshot=body.get('snapshot'))
            return 201, {'name': body['name']}
        if kind == 'volumes' and method == 'PUT' and name:
            array.extend_volume(name, body['size_gb'])
            return 200, {'name': name}
        if kind == 'volumes' and method == 'DELETE' and name:
            array.delete_volume(name)
            return 200, {}
        if kind == 'snapshots' and method == 'POST' and name is None:
            array.create_snapshot(body['name'], body['volume'])
            return 201, {'name': body['name']}
        if kind == 'snapshots' and method == 'DELETE' and name:
            array.delete_snapshot(name)
            return 200, {}
        if kind == 'hosts' and method == 'POST' and name is None:
            array.create_host(body['name'], iqn=body.get('iqn'),
                              wwpns=body.get('wwpns') or ())
            return 201, {'name': body['name']}
        if kind == 'hosts' and method == 'DELETE' and name:
            array.delete_host(name)
            return 200, {}
        if kind == 'connections' and method == 'GET' and name is None:
            return 200, array.list_connections()
        if kind == 'connections' and method == 'POST' and name is None:
            return 201, array.connect(body['host'], body['volume'])
        if kind == 'connections' and method == 'DELETE' and name:
            host, _sep, volume = name.partition('/')
            array.disconnect(host, volume)
            return 200, {}
        return 404, {'error': 'no such resource %s %s' % (method, path)}
