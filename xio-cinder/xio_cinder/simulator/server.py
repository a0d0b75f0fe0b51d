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

"""The ISE REST/XML front-end over ArrayState, on two controller sockets.

Wire rules (doc/protocol.rst P1-P6): Basic auth on every request;
GET/PUT/DELETE parameters in the query string, POST parameters in a form
body whatever the Content-Type says; XML replies; created objects named by the
Content-Location header; objects carry an absolute ``self`` URL.

A small JSON control interface under ``/_sim/`` (same credentials) lets
tests read the state, set delays, queue raw replies and stop or start a
controller; fault rules (``/_sim/faults``) and the request log
(``/_sim/requests``) are common_testing.simkit's one control surface.
"""

import base64
import hmac
import http.server
import json
import logging
import re
import socket
import ssl
import threading
import urllib.parse
from xml.etree import ElementTree as ET

from common_testing.simkit import faults

from xio_cinder.simulator import state as st

LOG = logging.getLogger(__name__)

_OBJECT = re.compile(r'^/storage/arrays/(?P<gid>[^/]+)/(?P<kind>volumes|'
                     r'hosts|allocations|controllers|ionetworks)'
                     r'(?:/(?P<id>\d+))?/?$')


def _xml(element):
    return ET.tostring(element, encoding='utf-8', xml_declaration=True)


def _sub(parent, tag, text=None, **attrs):
    child = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        child.text = str(text)
    return child


class Simulator:
    """One ISE: its state and its two controllers' HTTP servers."""

    def __init__(self, array, login, password, addresses, tls=None):
        self.array = array
        self.login = login
        self.password = password
        # Every user account of the ISE: login -> password.  More than one
        # is valid at a time (protocol.rst P32), which is what lets an
        # operator rotate san_password without an outage.
        self.users = {login: password}
        # Fault rules and request log, served at /_sim/faults and
        # /_sim/requests like every simulator's.
        self.surface = faults.ControlSurface()
        self.tls = tls            # (certfile, keyfile) or None
        self.addresses = list(addresses)   # [(host, port)] x 2
        # [(regex, status, raw body)]: the next matching request gets this
        # reply verbatim (tests of malformed or hostile XML).
        self.raw_replies = []
        self.servers = [None, None]
        self.threads = [None, None]
        self._lock = threading.Lock()

    @property
    def scheme(self):
        return 'https' if self.tls else 'http'

    def start(self):
        for index in range(len(self.addresses)):
            self.start_controller(index)

    def stop(self):
        for index in range(len(self.addresses)):
            self.stop_controller(index)

    def start_controller(self, index):
        with self._lock:
            if self.servers[index] is not None:
                return
            host, port = self.addresses[index]
            server = _Server((host, port), _Handler)
            server.simulator = self
            if self.tls:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(*self.tls)
                server.socket = context.wrap_socket(server.socket,
                                                    server_side=True)
            # Port 0 asks the kernel; remember what it gave.
            self.addresses[index] = (host, server.server_address[1])
            thread = threading.Thread(target=server.serve_forever,
                                      name='ise-controller-%d' % index,
                                      daemon=True)
            thread.start()
            self.servers[index], self.threads[index] = server, thread

    def stop_controller(self, index):
        with self._lock:
            server, self.servers[index] = self.servers[index], None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()

    def controller_up(self, index):
        return self.servers[index] is not None

    def controller_address(self, index):
        host, port = self.addresses[index]
        if len({h for h, _p in self.addresses}) < len(self.addresses):
            # Both controllers on one address: only the port tells them
            # apart, so /query names them host:port.
            return '%s:%d' % (host, port)
        return host

    def primary_index(self):
        for index in range(len(self.addresses)):
            if self.controller_up(index):
                return index
        return 0


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args, **kwargs):
        self.connections = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        """A stopped controller also drops its keep-alive connections."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    # Headers and body go out in separate writes; without this, Nagle and
    # the client's delayed ACK add 40 ms to every keep-alive reply.
    disable_nagle_algorithm = True
    server_version = 'ISE-REST'

    def log_message(self, fmt, *args):
        LOG.debug('%s %s', self.address_string(), fmt % args)

    # -- plumbing -----------------------------------------------------------

    @property
    def sim(self):
        return self.server.simulator

    @property
    def array(self):
        return self.sim.array

    def _authorized(self):
        header = self.headers.get('Authorization', '')
        if not header.startswith('Basic '):
            return False
        try:
            user, _sep, password = base64.b64decode(
                header[6:]).decode('utf-8').partition(':')
        except (ValueError, UnicodeDecodeError):
            return False
        expected = self.sim.users.get(user)
        return expected is not None and hmac.compare_digest(password,
                                                            expected)

    def _send(self, status, body=b'', headers=None, content_type=None):
        self.send_response(status)
        if body:
            self.send_header('Content-Type',
                             content_type or 'application/xml')
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _error(self, status, text, headers=None):
        root = ET.Element('response', value=str(status))
        root.text = text
        self._send(status, _xml(root), headers)

    def _url(self, path):
        host = self.headers.get('Host') or '%s:%d' % self.server.server_address
        return '%s://%s%s' % (self.sim.scheme, host, path)

    def _params(self):
        parsed = urllib.parse.urlsplit(self.path)
        pairs = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
        length = int(self.headers.get('Content-Length') or 0)
        self.body = self.rfile.read(length) if length else b''
        if self.command == 'POST' and not parsed.path.startswith('/_sim/'):
            pairs += urllib.parse.parse_qsl(self.body.decode('utf-8'),
                                            keep_blank_values=True)
        params = {}
        for key, value in pairs:
            params.setdefault(key, []).append(value)
        return parsed.path, params

    def _handle(self):
        try:
            path, params = self._params()
        except (ValueError, UnicodeDecodeError):
            return self._error(400, 'Malformed request.')
        if not self._authorized():
            return self._error(401, 'Unauthorized.',
                               {'WWW-Authenticate': 'Basic realm="ISE"'})
        if path in faults.PATHS:
            status, payload = self.sim.surface.handle(self.command,
                                                      self.path, self.body)
            return self._send(status, payload,
                              content_type='application/json')
        if path.startswith('/_sim/'):
            return self._control(path)
        key = '%s %s' % (self.command, path)
        raw = self._raw_reply(key)
        if raw is not None:
            return self._send(raw[1], raw[2].encode('utf-8'))
        try:
            with self.sim.surface.request(key) as result:
                try:
                    reply = self._route(path, params)
                except st.SimError as exc:
                    result['status'] = exc.status
                    raise
                result['status'] = reply[0]
        except faults.DropConnection:
            self.close_connection = True
            self.connection.close()
            return
        except faults.InjectedFailure as exc:
            return self._error(exc.status, exc.rule.message)
        except st.SimError as exc:
            return self._error(exc.status, exc.text)
        status, element, location = reply
        headers = {'Content-Location': location} if location else None
        self._send(status, _xml(element) if element is not None else b'',
                   headers)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def _raw_reply(self, key):
        with self.sim._lock:
            for index, (pattern, status, body) in enumerate(
                    self.sim.raw_replies):
                if re.search(pattern, key):
                    del self.sim.raw_replies[index]
                    return pattern, status, body
        return None

    # -- routes -------------------------------------------------------------

    def _route(self, path, params):
        def one(name):
            values = params.get(name)
            return values[-1] if values else None

        if path == '/query' and self.command == 'GET':
            return 200, self._query(), None
        if path == '/storage/pools' and self.command == 'GET':
            return 200, self._pools(), None
        match = _OBJECT.match(path)
        if match is None:
            raise st.SimError(404, 'Resource not found.')
        if match.group('gid') != self.array.globalid:
            raise st.not_found('array')
        kind, oid = match.group('kind'), match.group('id')
        oid = int(oid) if oid else None
        handler = getattr(self, '_%s_%s' % (kind, self.command.lower()),
                          None)
        if handler is None:
            raise st.SimError(405, 'Method not allowed.')
        return handler(oid, one, params)

    def _query(self):
        root = ET.Element('array')
        _sub(root, 'globalid', self.array.globalid)
        caps = _sub(root, 'capabilities')
        for code, name in sorted(self.array.capabilities.items()):
            _sub(caps, 'capability', value=code, string=name, type='source')
        ctrls = _sub(root, 'controllers')
        primary = self.sim.primary_index()
        for index in range(len(self.sim.addresses)):
            ctrl = _sub(ctrls, 'controller')
            _sub(ctrl, 'ipaddress', self.sim.controller_address(index))
            _sub(ctrl, 'rank', value=1 if index == primary else 0)
        return root

    def _pools(self):
        root = ET.Element('pools')
        with self.array.lock:
            self.array._purge()
            for pool in self.array.pools.values():
                element = _sub(root, 'pool', self=self._url(
                    '/storage/pools/%d' % pool.id))
                _sub(element, 'name', pool.name)
                _sub(element, 'id', pool.id)
                status = _sub(element, 'status', value=0,
                              string='Operational')
                _sub(_sub(status, 'details'), 'detail', 'None')
                used = self.array.pool_usage(pool.id)
                free = max(pool.capacity_gb - used, 0)
                available = _sub(element, 'available', total=int(free))
                by_raid = _sub(available, 'byredundancy')
                for raid, factor in sorted(st.RAID_FACTORS.items()):
                    _sub(by_raid, 'raid-%d' % raid, int(free / factor))
                used_el = _sub(element, 'used', total=int(round(used)))
                by_raid = _sub(used_el, 'byredundancy')
                for raid in sorted(st.RAID_FACTORS):
                    _sub(by_raid, 'raid-%d' % raid, int(round(sum(
                        v.raw_gb for v in self.array.volumes.values()
                        if v.pool == pool.id and v.raid == raid))))
                medium = _sub(_sub(element, 'media'), 'medium')
                _sub(medium, 'health', 100)
                _sub(medium, 'tier', value=4, string='Hybrid')
                _sub(element, 'IOPSmincap', 100)
                _sub(element, 'IOPSmaxcap', 100000)
                _sub(element, 'IOPSburstcap', 200000)
                vols = _sub(element, 'volumes')
                for volume in self.array.volumes.values():
                    if volume.pool == pool.id:
                        _sub(_sub(vols, 'volume'), 'globalid',
                             'V%08d' % volume.id)
        return root

    def _path(self, kind, oid):
        return '/storage/arrays/%s/%s/%d' % (self.array.globalid, kind, oid)

    # volumes

    def _volume_element(self, parent, volume):
        element = _sub(parent, 'volume',
                       self=self._url(self._path('volumes', volume.id)))
        _sub(element, 'name', volume.name)
        _sub(element, 'globalid', 'V%08d' % volume.id)
        status = _sub(element, 'status', value=volume.status[0],
                      string=volume.status[1])
        _sub(_sub(status, 'details'), 'detail', volume.detail)
        _sub(element, 'size', volume.size_gb)
        _sub(element, 'pool', volume.pool)
        _sub(element, 'redundancy', volume.raid)
        _sub(element, 'type', volume.kind)
        if volume.affinity:
            _sub(element, 'affinity', volume.affinity)
        if volume.alloctype is not None:
            _sub(element, 'alloctype', volume.alloctype)
        for key, value in sorted(volume.iops.items()):
            _sub(element, key, value)
        return element

    def _volumes_get(self, oid, one, params):
        root = ET.Element('volumes')
        if oid is not None:
            self._volume_element(root, self.array.get_volume(oid))
            return 200, root, None
        name = one('name')
        with self.array.lock:
            if name:
                volume = self.array.find_volume(name)
                if volume is None:
                    raise st.not_found('volume')
                self._volume_element(root, volume)
            else:
                self.array._purge()
                for volume in list(self.array.volumes.values()):
                    self._volume_element(root, volume)
        return 200, root, None

    @staticmethod
    def _iops(one):
        return {k: one(k) for k in ('IOPSmin', 'IOPSmax', 'IOPSburst')
                if one(k)}

    def _volumes_post(self, oid, one, params):
        if oid is None:
            volume = self.array.create_volume(
                one('name'), one('size'), one('pool'), one('redundancy'),
                affinity=one('affinity'), alloctype=one('alloctype'),
                iops=self._iops(one))
            location = self._url(self._path('volumes', volume.id))
            return 201, ET.Element('volume'), location
        copy = self.array.prepare_copy(oid, one('name'), one('type'),
                                       affinity=one('affinity'),
                                       iops=self._iops(one))
        location = self._url(self._path('volumes', copy.id))
        return 202, ET.Element('volume'), location

    def _volumes_put(self, oid, one, params):
        if oid is None:
            raise st.SimError(405, 'Method not allowed.')
        for kind in ('snapshot', 'clone'):
            if (one(kind) or '').lower() == 'true':
                self.array.commit_copy(oid, kind)
                return 201, ET.Element('volume'), None
        self.array.modify_volume(oid, size=one('size'), name=one('name'),
                                 iops=self._iops(one))
        return 201, ET.Element('volume'), None

    def _volumes_delete(self, oid, one, params):
        if oid is None:
            raise st.SimError(405, 'Method not allowed.')
        self.array.delete_volume(oid)
        return 204, None, None

    # hosts

    def _hosts_get(self, oid, one, params):
        root = ET.Element('hosts')
        with self.array.lock:
            hosts = ([self.array.get_host(oid)] if oid is not None
                     else list(self.array.hosts.values()))
            for host in hosts:
                element = _sub(root, 'host', self=self._url(
                    self._path('hosts', host.id)))
                _sub(element, 'type', host.type)
                _sub(element, 'name', host.name)
                _sub(element, 'id', host.id)
                endpoints = _sub(element, 'endpoints')
                for endpoint in host.endpoints:
                    _sub(_sub(endpoints, 'endpoint', self=self._url(
                        self._path('hosts', host.id) + '/endpoints')),
                        'globalid', endpoint)
        return 200, root, None

    def _hosts_post(self, oid, one, params):
        if oid is not None:
            raise st.SimError(405, 'Method not allowed.')
        host = self.array.create_host(one('name'),
                                      params.get('endpoint') or [],
                                      one('os'))
        return (201, ET.Element('host'),
                self._url(self._path('hosts', host.id)))

    def _hosts_put(self, oid, one, params):
        if oid is None:
            raise st.SimError(405, 'Method not allowed.')
        self.array.modify_host(oid, os_type=one('os'))
        return 201, ET.Element('host'), None

    def _hosts_delete(self, oid, one, params):
        if oid is None:
            raise st.SimError(405, 'Method not allowed.')
        self.array.delete_host(oid)
        return 204, None, None

    # allocations

    def _allocation_element(self, parent, alloc):
        element = _sub(parent, 'allocation', self=self._url(
            self._path('allocations', alloc.id)))
        volume = self.array.volumes.get(alloc.volume)
        host = self.array.hosts.get(alloc.host)
        _sub(_sub(element, 'volume'), 'volumename',
             volume.name if volume else '')
        _sub(_sub(element, 'endpoints'), 'hostname',
             host.name if host else '')
        _sub(element, 'lun', alloc.lun)
        return element

    def _allocations_get(self, oid, one, params):
        root = ET.Element('allocations')
        with self.array.lock:
            if oid is not None:
                allocs = [self.array.get_allocation(oid)]
            else:
                allocs = self.array.list_allocations(one('name'),
                                                     one('hostname'))
            for alloc in allocs:
                self._allocation_element(root, alloc)
        return 200, root, None

    def _allocations_post(self, oid, one, params):
        if oid is not None:
            raise st.SimError(405, 'Method not allowed.')
        alloc = self.array.create_allocation(one('volumename'),
                                             one('hostname'), one('lun'))
        return (201, ET.Element('allocation'),
                self._url(self._path('allocations', alloc.id)))

    def _allocations_delete(self, oid, one, params):
        if oid is None:
            raise st.SimError(405, 'Method not allowed.')
        self.array.delete_allocation(oid)
        return 204, None, None

    # controllers and networks

    def _controllers_get(self, oid, one, params):
        root = ET.Element('controllers')
        for index in range(2):
            ctrl = _sub(root, 'controller')
            _sub(ctrl, 'id', index + 1)
            _sub(ctrl, 'rank',
                 value=1 if index == self.sim.primary_index() else 0)
            ioports = _sub(ctrl, 'ioports')
            for port in self.array.ioports:
                if port.controller != index:
                    continue
                ioport = _sub(ioports, 'ioport')
                _sub(_sub(ioport, 'ipaddresses'), 'ipaddress', port.ip)
                _sub(_sub(ioport, 'endpoint'), 'globalid', port.iqn)
            fcports = _sub(ctrl, 'fcports')
            for wwn in self.array.fc_wwns[index]:
                _sub(_sub(fcports, 'fcport'), 'wwn', wwn)
        return 200, root, None

    def _ionetworks_get(self, oid, one, params):
        root = ET.Element('chap')
        user, secret = self.array.chap or ('', '')
        chapin = _sub(root, 'chapin', value=1 if self.array.chap else 0)
        _sub(chapin, 'username', user)
        _sub(chapin, 'password', secret)
        chapout = _sub(root, 'chapout', value=0)
        _sub(chapout, 'username', '')
        _sub(chapout, 'password', '')
        return 200, root, None

    # -- control interface --------------------------------------------------

    def _control(self, path):
        try:
            data = json.loads(self.body) if self.body else None
            result = self._control_route(path, data)
        except (ValueError, KeyError, TypeError) as exc:
            return self._send(400, json.dumps({'error': str(exc)}).encode(),
                              content_type='application/json')
        self._send(200, json.dumps(result).encode(),
                   content_type='application/json')

    def _control_route(self, path, data):
        parts = path.strip('/').split('/')[1:]
        if parts == ['state'] and self.command == 'GET':
            return self.array.summary()
        if parts == ['replies'] and self.command == 'POST':
            re.compile(data['match'])
            with self.sim._lock:
                self.sim.raw_replies.append(
                    (data['match'], int(data.get('status', 200)),
                     data['body']))
            return {'queued': len(self.sim.raw_replies)}
        if parts == ['users'] and self.command == 'PUT':
            # {login: password} adds or changes users, {login: null}
            # removes one; the reply lists the logins (never passwords).
            with self.sim._lock:
                for login, password in data.items():
                    if password is None:
                        self.sim.users.pop(login, None)
                    else:
                        self.sim.users[str(login)] = str(password)
                return sorted(self.sim.users)
        if parts == ['seed'] and self.command == 'POST':
            # {"count": N}: N more volumes straight into the state.
            return {'volumes': self.array.seed_volumes(int(data['count']))}
        if parts == ['delays'] and self.command == 'PUT':
            unknown = set(data) - set(self.array.delays)
            if unknown:
                raise KeyError('unknown delays %s' % sorted(unknown))
            self.array.delays.update({k: float(v) for k, v in data.items()})
            return self.array.delays
        if (len(parts) == 3 and parts[0] == 'controllers' and
                self.command == 'POST' and parts[2] in ('stop', 'start')):
            index = int(parts[1])
            action = (self.sim.stop_controller if parts[2] == 'stop'
                      else self.sim.start_controller)
            if self.sim.servers[index] is self.server:
                # A controller cannot wait for its own shutdown from
                # inside one of its requests; let this reply go out first.
                self.close_connection = True
                threading.Timer(0.2, action, args=(index,)).start()
            else:
                action(index)
            return {'controller': index, 'action': parts[2]}
        raise KeyError('unknown control request %s %s'
                       % (self.command, path))
