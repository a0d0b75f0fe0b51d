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
"""FlashArray REST 2.x front-end over state.py (HTTP/1.1 keep-alive, TLS).

Besides Purity's API it answers a small control interface under ``/sim/``
(state dump, fault rules, session expiry) that no real array has.
"""

import fnmatch
import http.server
import json
import re
import secrets
import socket
import ssl
import threading
import time
import urllib.parse

from pure_cinder.simulator import state as state_mod

try:
    from common_testing import faults
except ImportError:  # the simulator extra is not installed
    faults = None

API_VERSIONS = ['1.0', '1.19'] + ['2.%d' % n for n in range(0, 37)
                                  if n not in (12, 18)]
API_PATH = re.compile(r'^/api/(2\.\d+)/(.+)$')


def _bool(value):
    return str(value).lower() in ('true', '1', 'yes')


def _csv(value):
    return [v for v in value.split(',') if v] if value else None


class FilterError(Exception):
    pass


def compile_filter(expression):
    """The subset of Purity's filter language the driver sends (ref 1.4).

    ``a='x' and b``, ``a='x' or a='y'``, ``not b``, ``*`` wildcards in
    quoted values, dotted field paths, list fields match by membership.
    """
    expression = expression.strip()
    if not expression:
        return lambda obj: True
    alternatives = [part for part in re.split(r'\s+or\s+', expression)]
    compiled = [[_compile_term(t) for t in re.split(r'\s+and\s+', alt)]
                for alt in alternatives]
    return lambda obj: any(all(term(obj) for term in terms)
                           for terms in compiled)


def _field(obj, path):
    for part in path.split('.'):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _compile_term(term):
    term = term.strip().strip('()').strip()
    match = re.match(r"^([\w.]+)\s*=\s*'([^']*)'$", term)
    if match:
        path, pattern = match.groups()

        def equals(obj):
            value = _field(obj, path)
            values = value if isinstance(value, list) else [value]
            return any(v is not None and fnmatch.fnmatchcase(
                str(v).lower(), pattern.lower()) for v in values)
        return equals
    match = re.match(r'^(not\s+)?([\w.]+)$', term)
    if match:
        negate, path = match.groups()
        return lambda obj: bool(_field(obj, path)) != bool(negate)
    raise FilterError('Invalid filter: %s' % term)


class SimulatorServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, array, api_token, session_ttl=3600.0,
                 rate_limit=None, page_size=None, tls_cert=None,
                 tls_key=None, plan=None):
        self.array = array
        self.api_token = api_token
        self.session_ttl = session_ttl
        self.sessions = {}
        self.sessions_lock = threading.Lock()
        self.rate_limit = rate_limit
        self._rate_window = (0, 0)
        self.page_size = page_size
        self.plan = plan if plan is not None else (
            faults.FaultPlan() if faults else None)
        self.request_log = []
        super().__init__(address, Handler)
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def url(self):
        scheme = 'https' if isinstance(self.socket, ssl.SSLSocket) else 'http'
        host, port = self.server_address[:2]
        return '%s://%s:%d' % (scheme, host, port)

    def new_session(self):
        token = secrets.token_hex(16)
        with self.sessions_lock:
            self.sessions[token] = time.monotonic() + self.session_ttl
        return token

    def session_valid(self, token):
        with self.sessions_lock:
            expiry = self.sessions.get(token)
            if expiry is None:
                return False
            if expiry < time.monotonic():
                del self.sessions[token]
                return False
            return True

    def expire_sessions(self):
        with self.sessions_lock:
            self.sessions.clear()

    def over_rate_limit(self):
        """A fixed one-second window of ``rate_limit`` API requests."""
        if not self.rate_limit:
            return False
        with self.sessions_lock:
            second = int(time.monotonic())
            window, count = self._rate_window
            if window != second:
                window, count = second, 0
            count += 1
            self._rate_window = (window, count)
            return count > self.rate_limit


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'Purity'
    # Headers and body go out in separate writes; without TCP_NODELAY
    # every reply waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet; tests read request_log
        pass

    def do_GET(self):
        self._handle('GET')

    def do_POST(self):
        self._handle('POST')

    def do_PATCH(self):
        self._handle('PATCH')

    def do_PUT(self):
        self._handle('PUT')

    def do_DELETE(self):
        self._handle('DELETE')

    # -- plumbing ----------------------------------------------------------

    def _reply(self, status, body=None, headers=None):
        payload = json.dumps(body).encode() if body is not None else b''
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status, message, context=None):
        self._reply(status, {'errors': [{'message': message,
                                         'context': context,
                                         'location_context': None}]})

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        if not length:
            return {}
        raw = self.rfile.read(length)
        try:
            return json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise state_mod.PurityError('Invalid JSON body.')

    def _handle(self, method):
        parsed = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in
                 urllib.parse.parse_qs(parsed.query).items()}
        try:
            body = self._body()
        except state_mod.PurityError as exc:
            return self._error(400, exc.message)
        if parsed.path.startswith('/sim/'):
            return self._control(method, parsed.path, body)
        key = '%s %s' % (method, parsed.path)
        self.server.request_log.append(key)
        plan = self.server.plan
        try:
            if plan is not None:
                plan.before(key)
            status, reply, headers = self._api(method, parsed.path, query,
                                               body)
            if plan is not None:
                plan.after(key)
        except Exception as exc:
            if faults and isinstance(exc, faults.DropConnection):
                return self._drop()
            if faults and isinstance(exc, faults.InjectedFailure):
                status = exc.status
                if status in (429, 503):
                    return self._reply(status, {'message': exc.rule.message},
                                       {'Retry-After': '0.1'})
                return self._error(status, exc.rule.message)
            raise
        self._reply(status, reply, headers)

    # -- control interface -------------------------------------------------

    def _control(self, method, path, body):
        server = self.server
        if path == '/sim/state' and method == 'GET':
            return self._reply(200, server.array.dump())
        if path == '/sim/faults':
            if method == 'POST':
                server.plan.add(body)
                return self._reply(200, {'rules': server.plan.rules()})
            if method == 'DELETE':
                server.plan.clear()
                return self._reply(200, {'rules': []})
            if method == 'GET':
                return self._reply(200, {'rules': server.plan.rules(),
                                         'fired': server.plan.fired})
        if path == '/sim/sessions' and method == 'DELETE':
            server.expire_sessions()
            return self._reply(200, {})
        if path == '/sim/requests' and method == 'GET':
            return self._reply(200, {'requests': server.request_log})
        self._error(404, 'Unknown control path.')

    # -- Purity REST 2.x ---------------------------------------------------

    def _api(self, method, path, query, body):
        if path == '/api/api_version' and method == 'GET':
            return 200, {'version': API_VERSIONS}, None
        match = API_PATH.match(path)
        if not match or match.group(1) not in API_VERSIONS:
            return 404, {'message': 'Not found.'}, None
        resource = match.group(2)
        if self.server.over_rate_limit():
            return 429, {'message': 'Rate limit exceeded.'}, {
                'Retry-After': '1'}
        if resource == 'login' and method == 'POST':
            token = self.headers.get('api-token')
            if not token or not secrets.compare_digest(
                    token, self.server.api_token):
                return 401, {'errors': [{
                    'message': 'Invalid API token.', 'context': None}]}, None
            return 200, {'items': [{'username': 'pureuser'}]}, {
                'x-auth-token': self.server.new_session()}
        if not self.server.session_valid(self.headers.get('x-auth-token')):
            return 401, {'errors': [{'message': 'Invalid session.',
                                     'context': None}]}, None
        if resource == 'logout' and method == 'POST':
            with self.server.sessions_lock:
                self.server.sessions.pop(self.headers['x-auth-token'], None)
            return 200, {}, None
        handler = ROUTES.get((method, resource))
        if handler is None:
            return 400, {'errors': [{'message': 'Unsupported operation.',
                                     'context': resource}]}, None
        try:
            result = handler(self.server.array, query, body)
        except state_mod.PurityError as exc:
            return exc.status, {'errors': [{
                'message': exc.message, 'context': exc.context,
                'location_context': None}]}, None
        except FilterError as exc:
            return 400, {'errors': [{'message': str(exc),
                                     'context': 'filter'}]}, None
        if method == 'DELETE':
            return 200, {}, None
        return 200, self._page(result, query), None

    def _page(self, items, query):
        if 'filter' in query:
            keep = compile_filter(query['filter'])
            items = [item for item in items if keep(item)]
        total = len(items)
        start = int(query.get('continuation_token') or
                    query.get('offset') or 0)
        limit = query.get('limit')
        limit = int(limit) if limit else self.server.page_size
        page = items[start:start + limit] if limit else items[start:]
        end = start + len(page)
        more = end < total
        return {'items': page,
                'continuation_token': str(end) if more else None,
                'more_items_remaining': more, 'total_item_count': total}


def _destroyed_filter(query):
    return _bool(query['destroyed']) if 'destroyed' in query else None


def _get_volumes(array, query, body):
    return array.list_volumes(_csv(query.get('names')),
                              _destroyed_filter(query))


def _post_volumes(array, query, body):
    names = _csv(query.get('names')) or []
    source = (body.get('source') or {}).get('name')
    return [array.create_volume(name, body.get('provisioned'), source,
                                body.get('qos'),
                                _bool(query.get('overwrite', 'false')))
            for name in names]


def _patch_volumes(array, query, body):
    return [array.patch_volume(name, dict(body))
            for name in _csv(query.get('names')) or []]


def _delete_volumes(array, query, body):
    for name in _csv(query.get('names')) or []:
        array.eradicate_volume(name)


def _get_snapshots(array, query, body):
    return array.list_snapshots(_csv(query.get('names')),
                                _csv(query.get('source_names')))


def _post_snapshots(array, query, body):
    return [array.create_snapshot(name, body.get('suffix'))
            for name in _csv(query.get('source_names')) or []]


def _patch_snapshots(array, query, body):
    return [array.patch_snapshot(name, dict(body))
            for name in _csv(query.get('names')) or []]


def _delete_snapshots(array, query, body):
    for name in _csv(query.get('names')) or []:
        array.eradicate_snapshot(name)


def _get_hosts(array, query, body):
    return array.list_hosts(_csv(query.get('names')))


def _post_hosts(array, query, body):
    return [array.create_host(name, dict(body))
            for name in _csv(query.get('names')) or []]


def _patch_hosts(array, query, body):
    return [array.patch_host(name, dict(body))
            for name in _csv(query.get('names')) or []]


def _delete_hosts(array, query, body):
    for name in _csv(query.get('names')) or []:
        array.delete_host(name)


def _get_connections(array, query, body):
    return array.list_connections(_csv(query.get('host_names')),
                                  _csv(query.get('volume_names')))


def _post_connections(array, query, body):
    return [array.connect(host, volume)
            for host in _csv(query.get('host_names')) or []
            for volume in _csv(query.get('volume_names')) or []]


def _delete_connections(array, query, body):
    for host in _csv(query.get('host_names')) or []:
        for volume in _csv(query.get('volume_names')) or []:
            array.disconnect(host, volume)


def _get_ports(array, query, body):
    names = _csv(query.get('names'))
    ports = [dict(p) for p in array.ports]
    if names:
        wanted = {n.upper() for n in names}
        ports = [p for p in ports if p['name'].upper() in wanted]
        if not ports:
            raise state_mod.PurityError('Port does not exist.', names[0])
    return ports


ROUTES = {
    ('GET', 'arrays'): lambda array, q, b: [dict(array.array)],
    ('GET', 'arrays/space'): lambda array, q, b: [array.array_space()],
    ('GET', 'arrays/performance'):
        lambda array, q, b: [array.array_performance()],
    ('GET', 'controllers'): lambda array, q, b: [dict(c) for c in
                                                 array.controllers],
    ('GET', 'network-interfaces'):
        lambda array, q, b: [dict(n) for n in array.network_interfaces],
    ('GET', 'ports'): _get_ports,
    ('GET', 'volumes'): _get_volumes,
    ('POST', 'volumes'): _post_volumes,
    ('PATCH', 'volumes'): _patch_volumes,
    ('DELETE', 'volumes'): _delete_volumes,
    ('GET', 'volume-snapshots'): _get_snapshots,
    ('POST', 'volume-snapshots'): _post_snapshots,
    ('PATCH', 'volume-snapshots'): _patch_snapshots,
    ('DELETE', 'volume-snapshots'): _delete_snapshots,
    ('GET', 'hosts'): _get_hosts,
    ('POST', 'hosts'): _post_hosts,
    ('PATCH', 'hosts'): _patch_hosts,
    ('DELETE', 'hosts'): _delete_hosts,
    ('GET', 'connections'): _get_connections,
    ('POST', 'connections'): _post_connections,
    ('DELETE', 'connections'): _delete_connections,
}


def serve_in_thread(server):
    """Run ``server`` in a daemon thread; returns the thread."""
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={'poll_interval': 0.1}, daemon=True)
    thread.start()
    return thread
