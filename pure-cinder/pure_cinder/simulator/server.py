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

Besides Purity's API it answers a small control interface under ``/_sim/``
that no real array has: the simulator kit's fault rules and request log
(``/_sim/faults``, ``/_sim/requests``, common_testing.simkit.faults) and
this simulator's state dump, session expiry, bulk volumes for the
benchmark and the array users' API tokens (``/_sim/state``,
``/_sim/sessions``, ``/_sim/seed``, ``/_sim/api-tokens``).
"""

import http.server
import json
import re
import secrets
import socket
import ssl
import threading
import time
import urllib.parse

from common_testing.simkit import faults

from pure_cinder.simulator import query as query_mod
from pure_cinder.simulator import state as state_mod

API_VERSIONS = ['1.0', '1.19'] + ['2.%d' % n for n in range(0, 37)
                                  if n not in (12, 18)]
API_PATH = re.compile(r'^/api/(2\.\d+)/(.+)$')
# The array user of the token the simulator starts with.
DEFAULT_USER = 'pureuser'


# The filter language lives in query.py; these names stay importable here.
FilterError = query_mod.FilterError
compile_filter = query_mod.compile_filter


def _error_body(message, context=None):
    return {'errors': [{'message': message, 'context': context,
                        'location_context': None}]}


class SimulatorServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, array, api_token, session_ttl=3600.0,
                 rate_limit=None, page_size=None, tls_cert=None,
                 tls_key=None, plan=None):
        self.array = array
        # One API token per array user (protocol.rst P-7): several are
        # valid at once, as during a token rotation.
        self.api_tokens = {DEFAULT_USER: api_token}
        self.session_ttl = session_ttl
        self.sessions = {}
        self.sessions_lock = threading.Lock()
        self.rate_limit = rate_limit
        self._rate_window = (0, 0)
        self.page_size = page_size
        # Fault rules (surface.plan) and the request log (surface.requests).
        self.surface = faults.ControlSurface()
        if plan is not None:
            self.surface.plan = plan
        self.internal_errors = []
        super().__init__(address, Handler)
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def api_token(self):
        """The API token of the default array user."""
        return self.api_tokens.get(DEFAULT_USER)

    def add_api_token(self, user, token):
        """Give ``user`` the API token ``token`` (one per user)."""
        if not user or not token:
            raise ValueError('an API token needs a user and a token')
        with self.sessions_lock:
            self.api_tokens[user] = token

    def remove_api_token(self, user):
        """Delete ``user``'s API token; its sessions end (P-7)."""
        with self.sessions_lock:
            if self.api_tokens.pop(user, None) is None:
                return False
            for session, (_expiry, owner) in list(self.sessions.items()):
                if owner == user:
                    del self.sessions[session]
            return True

    def user_of_api_token(self, token):
        """The array user whose API token ``token`` is, or None."""
        if not token:
            return None
        with self.sessions_lock:
            tokens = list(self.api_tokens.items())
        for user, known in tokens:
            if secrets.compare_digest(token, known):
                return user
        return None

    @property
    def url(self):
        scheme = 'https' if isinstance(self.socket, ssl.SSLSocket) else 'http'
        host, port = self.server_address[:2]
        return '%s://%s:%d' % (scheme, host, port)

    def new_session(self, user=None):
        token = secrets.token_hex(16)
        with self.sessions_lock:
            self.sessions[token] = (time.monotonic() + self.session_ttl,
                                    user or DEFAULT_USER)
        return token

    def session_valid(self, token):
        with self.sessions_lock:
            expiry, _user = self.sessions.get(token, (None, None))
            if expiry is None:
                return False
            if expiry < time.monotonic():
                del self.sessions[token]
                return False
            return True

    def request_count(self, operation):
        """How many logged requests were ``operation`` ("GET /api/...")."""
        return sum(1 for entry in self.surface.requests.entries()
                   if entry['operation'] == operation)

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

    def log_message(self, fmt, *args):  # quiet; /_sim/requests logs
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
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            raise state_mod.PurityError('Invalid Content-Length.')
        if not length:
            return {}
        raw = self.rfile.read(length)
        try:
            return json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise state_mod.PurityError('Invalid JSON body.')

    def _handle(self, method):
        if self.server.surface.serve(self):
            return  # /_sim/faults or /_sim/requests (the simulator kit's)
        parsed = urllib.parse.urlsplit(self.path)
        try:
            query = {k: v[-1] for k, v in urllib.parse.parse_qs(
                parsed.query, keep_blank_values=True,
                strict_parsing=bool(parsed.query)).items()}
        except ValueError:
            query = None
        try:
            body = self._body()
        except state_mod.PurityError as exc:
            return self._error(400, exc.message)
        if query is None:
            return self._error(400, 'Invalid query string.', parsed.query)
        if parsed.path.startswith('/_sim/'):
            return self._control(method, parsed.path, body)
        key = '%s %s' % (method, parsed.path)
        try:
            with self.server.surface.request(key) as result:
                status, reply, headers = self._api(method, parsed.path,
                                                   query, body)
                result['status'] = status
        except faults.DropConnection:
            return self._drop()
        except faults.InjectedFailure as exc:
            status = exc.status
            if status in (429, 503):
                return self._reply(status, {'message': exc.rule.message},
                                   {'Retry-After': '0.1'})
            return self._error(status, exc.rule.message)
        except Exception as exc:
            # A simulator defect: answer in Purity's shape rather than
            # drop the connection, and keep it for the tests to see.
            self.server.internal_errors.append(repr(exc))
            return self._error(500, 'Internal error.')
        self._reply(status, reply, headers)

    # -- control interface -------------------------------------------------

    def _control(self, method, path, body):
        server = self.server
        if path == '/_sim/state' and method == 'GET':
            return self._reply(200, server.array.dump())
        if path == '/_sim/seed' and method == 'POST':
            # {"count": N}: N more volumes, for stats at scale.
            count = server.array.seed_volumes(int(body['count']))
            return self._reply(200, {'volumes': count})
        if path == '/_sim/sessions' and method == 'DELETE':
            server.expire_sessions()
            return self._reply(200, {})
        if path == '/_sim/api-tokens':
            # {"user", "token"} adds (POST) or {"user"} removes (DELETE)
            # one array user's API token; GET lists the users.
            if method == 'GET':
                return self._reply(200,
                                   {'users': sorted(server.api_tokens)})
            try:
                if method == 'POST':
                    server.add_api_token(body.get('user'),
                                         body.get('token'))
                    return self._reply(200, {})
                if method == 'DELETE':
                    if server.remove_api_token(body.get('user')):
                        return self._reply(200, {})
                    return self._error(400, 'User does not exist.',
                                       body.get('user'))
            except (AttributeError, ValueError) as exc:
                return self._error(400, str(exc))
        self._error(404, 'Unknown control path.')

    # -- Purity REST 2.x ---------------------------------------------------

    def _api(self, method, path, query, body):
        if path == '/api/api_version' and method == 'GET':
            return 200, {'version': API_VERSIONS}, None
        match = API_PATH.match(path)
        if not match:
            return 404, _error_body('Not found.', path), None
        if match.group(1) not in API_VERSIONS:
            # P-3: only versions /api/api_version lists are served.
            return 400, _error_body('Unsupported REST API version.',
                                    match.group(1)), None
        resource = match.group(2)
        if self.server.over_rate_limit():
            return 429, {'message': 'Rate limit exceeded.'}, {
                'Retry-After': '1'}
        if resource == 'login' and method == 'POST':
            user = self.server.user_of_api_token(
                self.headers.get('api-token'))
            if user is None:
                return 401, _error_body('Invalid API token.'), None
            return 200, {'items': [{'username': user}]}, {
                'x-auth-token': self.server.new_session(user)}
        if not self.server.session_valid(self.headers.get('x-auth-token')):
            return 401, _error_body('Invalid session.'), None
        if resource == 'logout' and method == 'POST':
            with self.server.sessions_lock:
                self.server.sessions.pop(self.headers['x-auth-token'], None)
            return 200, {}, None
        route = ROUTES.get((method, resource))
        if route is None:
            if any(r == resource for (_m, r) in ROUTES):
                return 405, _error_body('Method not allowed.',
                                        resource), None
            return 404, _error_body('Not found.', resource), None
        try:
            params = parse_params(route, query)
            result = route.handler(self.server.array, params, body)
            if route.kind != 'list':
                return 200, ({} if result is None else {'items': result}), \
                    None
            reply = self._page(route, result, params)
        except state_mod.PurityError as exc:
            return exc.status, _error_body(exc.message, exc.context), None
        except query_mod.QueryError as exc:
            return 400, _error_body(exc.message, exc.context), None
        headers = None
        if reply['continuation_token']:
            headers = {'x-next-token': reply['continuation_token']}
        return 200, reply, headers

    def _page(self, route, items, params):
        """Filter, sort, total and page a list reply (P-11..P-15)."""
        if params.get('destroyed') is not None:
            items = [i for i in items
                     if bool(i.get('destroyed')) == params['destroyed']]
        if params.get('filter'):
            keep = query_mod.compile_filter(params['filter'])
            items = [item for item in items if keep(item)]
        if params.get('sort'):
            items = query_mod.sort_items(list(items), params['sort'])
        total = len(items)
        reply = {'continuation_token': None, 'more_items_remaining': False,
                 'total_item_count': total if params.get(
                     'total_item_count') else None}
        if params.get('total_only'):
            reply['items'] = []
            reply['total'] = [aggregate(items)]
            return reply
        if params.get('continuation_token'):
            start = query_mod.decode_token(params['continuation_token'])
        else:
            start = params.get('offset') or 0
        limit = params.get('limit')
        if self.server.page_size and (limit is None or
                                      limit > self.server.page_size):
            limit = self.server.page_size
        page = items[start:] if limit is None else items[start:start + limit]
        end = start + len(page)
        more = end < total
        reply['items'] = page
        reply['more_items_remaining'] = more
        # Sorted lists page by offset only: Purity issues no token for
        # them (P-14).
        if more and 'continuation_token' in route.params and not params.get(
                'sort'):
            reply['continuation_token'] = query_mod.encode_token(end)
        return reply


def aggregate(items):
    """``total_only``: sums, and averages for ratios (P-15)."""
    ratios = ('data_reduction', 'thin_provisioning', 'total_reduction')
    total = {}
    for field in ('provisioned', 'volume_count', 'connection_count'):
        values = [i[field] for i in items if isinstance(i.get(field), int)]
        if values:
            total[field] = sum(values)
    spaces = [i['space'] for i in items if isinstance(i.get('space'), dict)]
    if spaces:
        space = {}
        for key in spaces[0]:
            values = [s[key] for s in spaces
                      if isinstance(s.get(key), (int, float))]
            if not values:
                continue
            space[key] = (sum(values) / len(values) if key in ratios
                          else sum(values))
        total['space'] = space
    return total


# -- query parameters (P-10) --------------------------------------------------

LIST = frozenset(['continuation_token', 'filter', 'limit', 'offset', 'sort',
                  'total_item_count'])
BOOLEAN = frozenset([
    'allow_throttle', 'apply_retention', 'destroy_contents', 'destroyed',
    'eradicate_contents', 'for_replication', 'member_destroyed',
    'overwrite', 'replicate', 'replicate_now', 'replication_snapshot',
    'resource_destroyed', 'total_item_count', 'total_only', 'truncate',
    'with_default_protection'])
INTEGER = frozenset(['end_time', 'limit', 'offset', 'resolution',
                     'start_time'])
STRING = frozenset(['continuation_token', 'filter', 'sort', 'protocol',
                    'protocol_group'])
# Pairs the reference says may not be given together.
EXCLUSIVE = (('ids', 'names'), ('source_ids', 'source_names'),
             ('resource_ids', 'resource_names'),
             ('member_ids', 'member_names'), ('group_ids', 'group_names'),
             ('volume_ids', 'volume_names'),
             ('add_to_protection_group_ids', 'add_to_protection_group_names'),
             ('remove_from_protection_group_ids',
              'remove_from_protection_group_names'))


class Route:
    def __init__(self, handler, params=(), kind='write', tokens=True):
        self.handler = handler
        self.params = frozenset(params) | (LIST if kind == 'list' else
                                           frozenset())
        if not tokens:
            # arrays, arrays/space, arrays/performance and ports page by
            # offset only: the reference gives them no token (P-14).
            self.params -= {'continuation_token'}
        self.kind = kind


def parse_params(route, query):
    """Typed parameters; unknown or malformed ones are a 400 (P-10)."""
    params = {}
    for key, value in query.items():
        if key not in route.params:
            raise query_mod.QueryError(
                'Invalid query parameter: %s.' % key, key)
        if key in BOOLEAN:
            if value.lower() not in ('true', 'false'):
                raise query_mod.QueryError(
                    'Invalid value for %s: must be true or false.' % key,
                    key)
            params[key] = value.lower() == 'true'
        elif key in INTEGER:
            if not re.match(r'^\d+$', value):
                raise query_mod.QueryError(
                    'Invalid value for %s: must be a non-negative '
                    'integer.' % key, key)
            params[key] = int(value)
        elif key in STRING:
            params[key] = value
        else:
            # Lists are comma separated (P-10).
            params[key] = [v for v in value.split(',') if v]
            if not params[key]:
                raise query_mod.QueryError('Invalid value for %s.' % key,
                                           key)
    for ids, names in EXCLUSIVE:
        if ids in params and names in params:
            raise query_mod.QueryError(
                '%s and %s cannot be set together.' % (ids, names), ids)
    return params


def _names(params, kind, array, ids_key='ids', names_key='names'):
    """Names from ``names`` or, through ``ids``, from the objects' ids."""
    if ids_key in params:
        table = {o['id']: o['name'] for o in LOOKUP[kind](array)}
        missing = [i for i in params[ids_key] if i not in table]
        if missing:
            raise state_mod.PurityError(NOT_FOUND[kind], missing[0])
        return [table[i] for i in params[ids_key]]
    return params.get(names_key)


def _require(names, what):
    if not names:
        raise query_mod.QueryError('%s is required.' % what, what)
    return names


def _body(body, kind=dict, spec=None):
    if not isinstance(body, kind):
        raise state_mod.PurityError('Invalid request body.')
    if spec is not None:
        for item in (body if kind is list else [body]):
            _check(item, spec, '')
    return body


# Body field types (P-6): a wrong type is a 400 naming the field, never an
# exception inside the array model.
INT, STR, BOOL = 'int', 'str', 'bool'
STRS = [STR]
QOS = {'iops_limit': INT, 'bandwidth_limit': INT}
REF = {'name': STR, 'id': STR}
SCHEDULE = {'at': INT, 'enabled': BOOL, 'frequency': INT,
            'blackout': {'start': INT, 'end': INT}}
RETENTION = {'all_for_sec': INT, 'days': INT, 'per_day': INT}
VOLUME_BODY = {'provisioned': INT, 'source': REF, 'qos': QOS,
               'destroyed': BOOL, 'name': STR, 'subtype': STR,
               'priority_adjustment': {'priority_adjustment_operator': STR,
                                       'priority_adjustment_value': INT}}
SNAPSHOT_BODY = {'suffix': STR, 'destroyed': BOOL, 'name': STR}
HOST_BODY = {'iqns': STRS, 'wwns': STRS, 'nqns': STRS, 'add_iqns': STRS,
             'remove_iqns': STRS, 'add_wwns': STRS, 'remove_wwns': STRS,
             'personality': STR, 'chap': {
                 'host_user': STR, 'host_password': STR,
                 'target_user': STR, 'target_password': STR}}
PGROUP_BODY = {'destroyed': BOOL, 'name': STR,
               'snapshot_schedule': SCHEDULE,
               'replication_schedule': SCHEDULE,
               'source_retention': RETENTION, 'target_retention': RETENTION}
VGROUP_BODY = {'qos': QOS, 'destroyed': BOOL,
               'priority_adjustment': VOLUME_BODY['priority_adjustment']}
TAG_BODY = {'key': STR, 'value': STR, 'namespace': STR, 'copyable': BOOL,
            'resource': REF}
_TYPES = {INT: (int,), STR: (str,), BOOL: (bool,)}


def _check(value, spec, path):
    """``value`` against ``spec``; null stands for "not set" anywhere."""
    if value is None:
        return
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise state_mod.PurityError('Invalid value for %s.' % (
                path or 'body'), path or None)
        for key, item in value.items():
            if key in spec:
                _check(item, spec[key], path + '.' + key if path else key)
        return
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise state_mod.PurityError('Invalid value for %s.' % path, path)
        for item in value:
            if item is None:
                raise state_mod.PurityError('Invalid value for %s.' % path,
                                            path)
            _check(item, spec[0], path)
        return
    if not isinstance(value, _TYPES[spec]) or (
            spec == INT and isinstance(value, bool)):
        raise state_mod.PurityError('Invalid value for %s.' % path, path)


LOOKUP = {
    'volume': lambda a: list(a.volumes.values()),
    'snapshot': lambda a: list(a.snapshots.values()),
    'pgroup': lambda a: list(a.pgroups.values()),
    'pgroup_snapshot': lambda a: list(a.pgroup_snapshots.values()),
    'pod': lambda a: list(a.pods.values()),
    'volume_group': lambda a: list(a.volume_groups.values()),
}
NOT_FOUND = {
    'volume': 'Volume does not exist.',
    'snapshot': 'No such volume or snapshot.',
    'pgroup': 'Protection group does not exist.',
    'pgroup_snapshot': 'Protection group snapshot does not exist.',
    'pod': 'Pod does not exist.',
    'volume_group': 'Volume group does not exist.',
}


def _no_host_groups(params):
    # The simulator has no host groups: any named one does not exist.
    for name in params.get('host_group_names') or ():
        raise state_mod.PurityError('Host group does not exist.', name)
    for key in ('protocol_endpoint_ids', 'protocol_endpoint_names'):
        for name in params.get(key) or ():
            raise state_mod.PurityError(
                'Protocol endpoint does not exist.', name)


# -- arrays -------------------------------------------------------------------

def _history(array, params, sample):
    resolution = params.get('resolution', 30000)
    if resolution not in state_mod.RESOLUTIONS:
        raise query_mod.QueryError('Invalid resolution.', 'resolution')
    start, end = params.get('start_time'), params.get('end_time')
    if start is not None and end is not None and start > end:
        raise query_mod.QueryError(
            'start_time must not be later than end_time.', 'start_time')
    return array.samples(start, end, resolution, sample)


def _get_arrays(array, params, body):
    with array.lock:
        space = array.array_space()
        item = dict(array.array)
        item.update({
            'as_of': state_mod.now_ms(), 'banner': '',
            'capacity': space['capacity'], 'console_lock_enabled': False,
            'encryption': {'data_at_rest': {'enabled': True,
                                            'algorithm': 'AES-256-CTR'},
                           'module_version': 'FA-1.3'},
            'eradication_config': {
                'disabled_delay': state_mod.PENDING_ERADICATION_MS,
                'enabled_delay': state_mod.PENDING_ERADICATION_MS,
                'eradication_delay': state_mod.PENDING_ERADICATION_MS,
                'manual_eradication': 'all-enabled'},
            'idle_timeout': 0, 'ntp_servers': [], 'ntp_symmetric_key': None,
            'parity': space['parity'], 'scsi_timeout': 60000,
            'space': space['space'], 'time_zone': 'UTC'})
        return [item]


def _get_arrays_space(array, params, body):
    def sample(when):
        space = array.array_space()
        space['time'] = when
        return space
    return _history(array, params, sample)


PROTOCOLS = ('all', 'fc', 'iscsi', 'nfs', 'nvme-fc', 'nvme-roce',
             'nvme-tcp', 'roce', 'smb')


def _get_arrays_performance(array, params, body):
    if params.get('protocol', 'all') not in PROTOCOLS:
        raise query_mod.QueryError('Invalid protocol.', 'protocol')
    if params.get('protocol_group', 'block') not in ('block', 'file'):
        raise query_mod.QueryError('Invalid protocol_group.',
                                   'protocol_group')
    return _history(array, params, array.performance_sample)


def _by_names(objects, params, message):
    names = params.get('names')
    if not names:
        return objects
    wanted = {n.upper(): n for n in names}
    found = [o for o in objects if o['name'].upper() in wanted]
    have = {o['name'].upper() for o in found}
    for upper, name in wanted.items():
        if upper not in have:
            raise state_mod.PurityError(message, name)
    return found


def _get_controllers(array, params, body):
    return _by_names([dict(c, mode_since=array.booted)
                      for c in array.controllers],
                     params, 'Controller does not exist.')


def _get_network_interfaces(array, params, body):
    return _by_names([
        dict(n, interface_type='eth', speed=10000000000, fc=None,
             eth=dict(n['eth'], gateway=None, mac_address=None, mtu=9000,
                      netmask='255.255.255.0', subinterfaces=[],
                      subnet=None))
        for n in array.network_interfaces],
        params, 'Network interface does not exist.')


def _get_ports(array, params, body):
    return _by_names([dict(p) for p in array.ports], params,
                     'Port does not exist.')


# -- volumes -----------------------------------------------------------------

def _get_volumes(array, params, body):
    return array.list_volumes(_names(params, 'volume', array))


def _pgroup_names_of(params, array, prefix):
    return _names(params, 'pgroup', array, prefix + '_ids',
                  prefix + '_names')


def _post_volumes(array, params, body):
    body = _body(body, spec=VOLUME_BODY)
    unknown = set(body) - {'provisioned', 'source', 'qos',
                           'priority_adjustment', 'subtype'}
    if unknown:
        raise state_mod.PurityError('Invalid field: %s.' % sorted(
            unknown)[0])
    names = _require(params.get('names'), 'names')
    source = (body.get('source') or {}).get('name')
    if (body.get('source') or {}).get('id') and not source:
        source = _names({'ids': [body['source']['id']]}, 'volume',
                        array)[0]
    groups = _pgroup_names_of(params, array, 'add_to_protection_group')
    created = [array.create_volume(name, body.get('provisioned'), source,
                                   body.get('qos'),
                                   params.get('overwrite', False))
               for name in names]
    if groups:
        array.add_pgroup_volumes(groups, names)
    return created


def _patch_volumes(array, params, body):
    body = dict(_body(body, spec=VOLUME_BODY))
    names = _require(_names(params, 'volume', array), 'names')
    result = [array.patch_volume(name, dict(body),
                                 params.get('truncate', False))
              for name in names]
    add = _pgroup_names_of(params, array, 'add_to_protection_group')
    if add:
        array.add_pgroup_volumes(add, [r['name'] for r in result])
    remove = _pgroup_names_of(params, array,
                              'remove_from_protection_group')
    if remove:
        array.remove_pgroup_volumes(remove, [r['name'] for r in result])
    return result


def _delete_volumes(array, params, body):
    for name in _require(_names(params, 'volume', array), 'names'):
        array.eradicate_volume(name)


def _get_snapshots(array, params, body):
    sources = _names(params, 'volume', array, 'source_ids', 'source_names')
    return array.list_snapshots(_names(params, 'snapshot', array), sources)


def _post_snapshots(array, params, body):
    body = _body(body, spec=SNAPSHOT_BODY)
    if params.get('on'):
        raise state_mod.PurityError('Array connection does not exist.',
                                    params['on'][0])
    sources = _require(_names(params, 'volume', array, 'source_ids',
                              'source_names'), 'source_names')
    return [array.create_snapshot(name, body.get('suffix'))
            for name in sources]


def _patch_each(kind, spec, patch):
    """A PATCH handler: array.<patch>(name, body) for each named ``kind``."""
    def handler(array, params, body):
        names = _require(_names(params, kind, array), 'names')
        return [getattr(array, patch)(name, dict(_body(body, spec=spec)))
                for name in names]
    return handler


def _eradicate_each(kind, eradicate):
    """A DELETE handler: array.<eradicate>(name) for each named ``kind``."""
    def handler(array, params, body):
        for name in _require(_names(params, kind, array), 'names'):
            getattr(array, eradicate)(name)
    return handler


_patch_snapshots = _patch_each('snapshot', SNAPSHOT_BODY, 'patch_snapshot')
_delete_snapshots = _eradicate_each('snapshot', 'eradicate_snapshot')


# -- hosts and connections ----------------------------------------------------

def _get_hosts(array, params, body):
    return [dict(h, destroyed=False, time_remaining=None,
                 port_connectivity={'details': 'No connectivity.',
                                    'status': 'none'},
                 preferred_arrays=[], vlan='any',
                 space=array._space_of(0, 0))
            for h in array.list_hosts(params.get('names'))]


def _post_hosts(array, params, body):
    return [array.create_host(name, dict(_body(body, spec=HOST_BODY)))
            for name in _require(params.get('names'), 'names')]


def _patch_hosts(array, params, body):
    return [array.patch_host(name, dict(_body(body, spec=HOST_BODY)))
            for name in _require(params.get('names'), 'names')]


def _delete_hosts(array, params, body):
    for name in _require(params.get('names'), 'names'):
        array.delete_host(name)


def _volume_names_of(params, array):
    return _names(params, 'volume', array, 'volume_ids', 'volume_names')


def _get_connections(array, params, body):
    _no_host_groups(params)
    return array.list_connections(params.get('host_names'),
                                  _volume_names_of(params, array))


def _post_connections(array, params, body):
    _no_host_groups(params)
    return [array.connect(host, volume)
            for host in _require(params.get('host_names'), 'host_names')
            for volume in _require(_volume_names_of(params, array),
                                   'volume_names')]


def _delete_connections(array, params, body):
    _no_host_groups(params)
    for host in _require(params.get('host_names'), 'host_names'):
        for volume in _require(_volume_names_of(params, array),
                               'volume_names'):
            array.disconnect(host, volume)


# -- tags, array connections --------------------------------------------------

def _tag_resources(params, array):
    return _names(params, 'volume', array, 'resource_ids', 'resource_names')


def _get_tags(array, params, body):
    tags = array.list_tags(_tag_resources(params, array),
                           params.get('namespaces'))
    destroyed = params.get('resource_destroyed')
    if destroyed is not None:
        # A named resource in the other state is an error, not a filter.
        for name in _tag_resources(params, array) or ():
            if array._volume(name, live=False)['destroyed'] != destroyed:
                raise state_mod.PurityError(
                    'Volume has been destroyed.' if not destroyed else
                    'Volume is not destroyed.', name)
        live = {v['id']: v['destroyed'] for v in array.volumes.values()}
        tags = [t for t in tags if live.get(t['resource']['id']) ==
                destroyed]
    return tags


def _put_tags(array, params, body):
    return array.put_tags(_require(_tag_resources(params, array),
                                   'resource_names'),
                          _body(body, list, TAG_BODY))


def _delete_tags(array, params, body):
    array.delete_tags(_require(_tag_resources(params, array),
                               'resource_names'),
                      params.get('namespaces'), params.get('keys'))


def _get_array_connections(array, params, body):
    return array.list_array_connections(params.get('names'))


# -- protection groups --------------------------------------------------------

def _get_pgroups(array, params, body):
    return array.list_pgroups(_names(params, 'pgroup', array))


def _post_pgroups(array, params, body):
    if params.get('source_names') or params.get('source_ids') or \
            params.get('overwrite'):
        # Copying a protection group is not simulated: refused, never
        # silently created empty.
        raise state_mod.PurityError(
            'Copying a protection group is not supported by this array.',
            'source_names')
    return [array.create_pgroup(name)
            for name in _require(params.get('names'), 'names')]


_patch_pgroups = _patch_each('pgroup', PGROUP_BODY, 'patch_pgroup')
_delete_pgroups = _eradicate_each('pgroup', 'eradicate_pgroup')


def _membership_params(params, array):
    groups = _names(params, 'pgroup', array, 'group_ids', 'group_names')
    members = _names(params, 'volume', array, 'member_ids', 'member_names')
    return groups, members


def _get_pgroup_volumes(array, params, body):
    groups, members = _membership_params(params, array)
    return array.list_pgroup_volumes(groups, members,
                                     params.get('member_destroyed'))


def _post_pgroup_volumes(array, params, body):
    groups, members = _membership_params(params, array)
    return array.add_pgroup_volumes(_require(groups, 'group_names'),
                                    _require(members, 'member_names'))


def _delete_pgroup_volumes(array, params, body):
    groups, members = _membership_params(params, array)
    array.remove_pgroup_volumes(_require(groups, 'group_names'),
                                _require(members, 'member_names'))


def _get_pgroup_snapshots(array, params, body):
    return array.list_pgroup_snapshots(
        _names(params, 'pgroup_snapshot', array),
        _names(params, 'pgroup', array, 'source_ids', 'source_names'))


def _post_pgroup_snapshots(array, params, body):
    body = _body(body, spec=SNAPSHOT_BODY)
    if params.get('replicate') or params.get('replicate_now'):
        raise state_mod.PurityError(
            'Protection group has no replication targets.', 'replicate')
    unknown = set(body) - {'suffix'}
    if unknown:
        raise state_mod.PurityError('Invalid field: %s.' % sorted(
            unknown)[0])
    sources = _require(_names(params, 'pgroup', array, 'source_ids',
                              'source_names'), 'source_names')
    return [array.create_pgroup_snapshot(name, body.get('suffix'))
            for name in sources]


_patch_pgroup_snapshots = _patch_each('pgroup_snapshot', SNAPSHOT_BODY,
                                      'patch_pgroup_snapshot')
_delete_pgroup_snapshots = _eradicate_each('pgroup_snapshot',
                                           'eradicate_pgroup_snapshot')


# -- pods, volume groups ------------------------------------------------------

def _get_pods(array, params, body):
    return array.list_pods(_names(params, 'pod', array))


def _get_volume_groups(array, params, body):
    return array.list_volume_groups(_names(params, 'volume_group', array))


def _post_volume_groups(array, params, body):
    return [array.create_volume_group(name,
                                      dict(_body(body, spec=VGROUP_BODY)))
            for name in _require(params.get('names'), 'names')]


def _vgroup_members(array, name):
    return [v['name'] for v in array.volumes.values()
            if (v['volume_group'] or {}).get('name') == name]


def _patch_volume_groups(array, params, body):
    body = dict(_body(body, spec=VGROUP_BODY))
    names = _require(_names(params, 'volume_group', array), 'names')
    result = []
    for name in names:
        if body.get('destroyed') and params.get('destroy_contents'):
            for volume in _vgroup_members(array, name):
                array.patch_volume(volume, {'destroyed': True})
        result.append(array.patch_volume_group(name, body))
    return result


def _delete_volume_groups(array, params, body):
    for name in _require(_names(params, 'volume_group', array), 'names'):
        if params.get('eradicate_contents'):
            for volume in _vgroup_members(array, name):
                array.eradicate_volume(volume)
        array.eradicate_volume_group(name)


NAMES = ['names']
IDS = ['ids', 'names']
PGROUP_ADD = ['add_to_protection_group_ids', 'add_to_protection_group_names']
PGROUP_REMOVE = ['remove_from_protection_group_ids',
                 'remove_from_protection_group_names']
HISTORY = ['start_time', 'end_time', 'resolution']
CONNECTION_KEYS = ['host_group_names', 'host_names', 'volume_ids',
                   'volume_names']
MEMBERSHIP = ['group_ids', 'group_names', 'member_ids', 'member_names']

# (method, resource) -> handler and the query parameters the REST 2.x
# reference (py-pure-client's FA_2_36 signatures) defines for it (P-10).
ROUTES = {
    ('GET', 'arrays'): Route(_get_arrays, kind='list', tokens=False),
    ('GET', 'arrays/space'): Route(_get_arrays_space, HISTORY, 'list',
                                   tokens=False),
    ('GET', 'arrays/performance'): Route(
        _get_arrays_performance, HISTORY + ['protocol', 'protocol_group'],
        'list', tokens=False),
    ('GET', 'controllers'): Route(_get_controllers, NAMES, 'list'),
    ('GET', 'network-interfaces'): Route(_get_network_interfaces, NAMES,
                                         'list'),
    ('GET', 'ports'): Route(_get_ports, NAMES, 'list', tokens=False),
    ('GET', 'volumes'): Route(_get_volumes,
                              IDS + ['destroyed', 'total_only'], 'list'),
    ('POST', 'volumes'): Route(_post_volumes, [
        'names', 'overwrite', 'with_default_protection',
        'allow_throttle'] + PGROUP_ADD),
    ('PATCH', 'volumes'): Route(_patch_volumes,
                                IDS + ['truncate'] + PGROUP_ADD +
                                PGROUP_REMOVE),
    ('DELETE', 'volumes'): Route(_delete_volumes, IDS),
    ('GET', 'volume-snapshots'): Route(
        _get_snapshots, IDS + ['destroyed', 'total_only', 'source_ids',
                               'source_names'], 'list'),
    ('POST', 'volume-snapshots'): Route(
        _post_snapshots, ['allow_throttle', 'on', 'source_ids',
                          'source_names']),
    ('PATCH', 'volume-snapshots'): Route(_patch_snapshots,
                                         IDS + ['replication_snapshot']),
    ('DELETE', 'volume-snapshots'): Route(_delete_snapshots,
                                          IDS + ['replication_snapshot']),
    ('GET', 'hosts'): Route(_get_hosts, NAMES + ['destroyed'], 'list'),
    ('POST', 'hosts'): Route(_post_hosts, NAMES),
    ('PATCH', 'hosts'): Route(_patch_hosts, NAMES),
    ('DELETE', 'hosts'): Route(_delete_hosts, NAMES),
    ('GET', 'connections'): Route(
        _get_connections, CONNECTION_KEYS + [
            'protocol_endpoint_ids', 'protocol_endpoint_names'], 'list'),
    ('POST', 'connections'): Route(_post_connections, CONNECTION_KEYS),
    ('DELETE', 'connections'): Route(_delete_connections, CONNECTION_KEYS),
    ('GET', 'volumes/tags'): Route(
        _get_tags, ['namespaces', 'resource_destroyed', 'resource_ids',
                    'resource_names'], 'list'),
    ('PUT', 'volumes/tags/batch'): Route(
        _put_tags, ['resource_ids', 'resource_names']),
    ('DELETE', 'volumes/tags'): Route(
        _delete_tags, ['keys', 'namespaces', 'resource_ids',
                       'resource_names']),
    ('GET', 'array-connections'): Route(_get_array_connections, NAMES,
                                        'list'),
    ('GET', 'protection-groups'): Route(
        _get_pgroups, IDS + ['destroyed', 'total_only'], 'list'),
    ('POST', 'protection-groups'): Route(
        _post_pgroups, ['names', 'overwrite', 'source_ids',
                        'source_names']),
    ('PATCH', 'protection-groups'): Route(_patch_pgroups, IDS),
    ('DELETE', 'protection-groups'): Route(_delete_pgroups, IDS),
    ('GET', 'protection-groups/volumes'): Route(
        _get_pgroup_volumes, MEMBERSHIP + ['member_destroyed'], 'list'),
    ('POST', 'protection-groups/volumes'): Route(_post_pgroup_volumes,
                                                 MEMBERSHIP),
    ('DELETE', 'protection-groups/volumes'): Route(_delete_pgroup_volumes,
                                                   MEMBERSHIP),
    ('GET', 'protection-group-snapshots'): Route(
        _get_pgroup_snapshots, IDS + ['destroyed', 'total_only',
                                      'source_ids', 'source_names'],
        'list'),
    ('POST', 'protection-group-snapshots'): Route(
        _post_pgroup_snapshots, [
            'allow_throttle', 'apply_retention', 'for_replication',
            'replicate', 'replicate_now', 'source_ids', 'source_names']),
    ('PATCH', 'protection-group-snapshots'): Route(_patch_pgroup_snapshots,
                                                   IDS),
    ('DELETE', 'protection-group-snapshots'): Route(
        _delete_pgroup_snapshots, IDS),
    ('GET', 'pods'): Route(_get_pods, IDS + ['destroyed', 'total_only'],
                           'list'),
    ('GET', 'volume-groups'): Route(
        _get_volume_groups, IDS + ['destroyed', 'total_only'], 'list'),
    ('POST', 'volume-groups'): Route(_post_volume_groups, NAMES),
    ('PATCH', 'volume-groups'): Route(_patch_volume_groups,
                                      IDS + ['destroy_contents']),
    ('DELETE', 'volume-groups'): Route(_delete_volume_groups,
                                       IDS + ['eradicate_contents']),
}


def serve_in_thread(server):
    """Run ``server`` in a daemon thread; returns the thread."""
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={'poll_interval': 0.1}, daemon=True)
    thread.start()
    return thread
