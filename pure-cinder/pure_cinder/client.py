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
"""A thin FlashArray REST 2.x client: the wire protocol and nothing else.

One keep-alive requests.Session per backend; API version negotiation,
api-token login, one re-login on 401, bounded backoff on 429/503/"Server is
busy" honouring Retry-After, continuation-token paging and Purity's 400
messages mapped to typed exceptions.  It knows nothing about cinder.
"""

import threading
import uuid

from oslo_log import log as logging
import requests
import tenacity

LOG = logging.getLogger(__name__)

# REST 2.x versions this client was written against (there is no 2.12 and
# no 2.18); it uses the highest one the array also lists.
KNOWN_VERSIONS = tuple('2.%d' % minor for minor in range(0, 59)
                       if minor not in (12, 18))

# Methods whose repetition cannot change the outcome: retried after a lost
# connection.  POST (create) is never repeated blindly.
IDEMPOTENT_METHODS = frozenset(('GET', 'DELETE', 'PATCH'))
CONNECTION_RETRIES = 3


def version_key(version):
    major, minor = version.split('.')
    return int(major), int(minor)


class PureError(Exception):
    """A FlashArray request failed; base of every client error."""

    def __init__(self, message, status=None, context=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.context = context


class ArrayUnreachable(PureError):
    """No answer from the array's management address."""


class ConnectionLost(PureError):
    """The connection broke after a non-idempotent request was sent.

    The array may or may not have applied it; the caller must look.
    """


class AuthenticationFailed(PureError):
    """The array refused the API token."""


class UnsupportedApiVersion(PureError):
    """The array offers no REST 2.x version this client knows."""


class ArrayBusy(PureError):
    """429/503/"Server is busy" for longer than the retry bound."""


class NotFound(PureError):
    """"does not exist", "No such volume or snapshot", "could not be found"."""


class AlreadyExists(PureError):
    """"already exists" (a live object holds the name)."""


class Destroyed(PureError):
    """"has been destroyed": the object is pending eradication."""


class InUse(PureError):
    """"already in use" or "cannot be deleted due to existing connections"."""


class LimitReached(PureError):
    """"limit reached": an array object limit."""


# Order matters: the first matching substring decides (Purity answers 400
# for all of these; the message is the only signal): protocol.rst P-5.
MESSAGE_CLASSES = (
    ('limit reached', LimitReached),
    ('has been destroyed', Destroyed),
    ('already exists', AlreadyExists),
    ('already in use', InUse),
    ('cannot be deleted due to existing connections', InUse),
    ('does not exist', NotFound),
    ('no such volume or snapshot', NotFound),
    ('could not be found', NotFound),
)


def error_from_reply(status, body):
    """The typed exception for an error reply's status and JSON body."""
    message, context = None, None
    if isinstance(body, dict):
        errors = body.get('errors')
        if errors and isinstance(errors, list):
            message = errors[0].get('message')
            context = errors[0].get('context')
        else:
            message = body.get('message')
    if not message:
        message = 'HTTP %s' % status
    if status == 401:
        return AuthenticationFailed(message, status, context)
    lowered = message.lower()
    for substring, cls in MESSAGE_CLASSES:
        if substring in lowered:
            return cls(message, status, context)
    return PureError(message, status, context)


class _Retryable(Exception):
    """Internal: the array asked us to come back later."""

    def __init__(self, response):
        super().__init__('HTTP %s' % response.status_code)
        self.response = response


def _retry_after_seconds(response):
    for header in ('Retry-After', 'RateLimit-Reset'):
        value = response.headers.get(header)
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
    return None


def _is_busy(response):
    if response.status_code in (429, 503):
        return True
    return (response.status_code == 500 and
            'server is busy' in response.text.lower())


class FlashArrayClient:
    """One FlashArray's REST 2.x API, shared by a backend's threads."""

    def __init__(self, target, api_token, verify=True, timeout=30,
                 retry_timeout=60, user_agent='pure-cinder',
                 backoff_max=30.0):
        if '://' in target:
            self.base_url = target.rstrip('/')
        else:
            self.base_url = 'https://%s' % target
        self.target = target
        self._api_token = api_token
        self.timeout = timeout
        self.retry_timeout = retry_timeout
        self.backoff_max = backoff_max
        self.session = requests.Session()
        # Passed on every request: a session-level value would lose to
        # $REQUESTS_CA_BUNDLE, silently trusting another CA bundle.
        self.verify = verify
        self.session.headers['User-Agent'] = user_agent
        self.api_version = None
        self._auth_token = None
        self._login_lock = threading.Lock()
        #: REST requests sent (for the benchmark and round-trip tests).
        self.request_count = 0

    # -- session -------------------------------------------------------

    def _send(self, method, url, **kwargs):
        self.request_count += 1
        try:
            return self.session.request(method, url, timeout=self.timeout,
                                        verify=self.verify, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise ArrayUnreachable(
                'TLS verification of the FlashArray at %s failed: %s'
                % (self.target, exc)) from exc
        except (requests.exceptions.ConnectTimeout) as exc:
            raise ArrayUnreachable(
                'FlashArray at %s did not accept a connection: %s'
                % (self.target, exc)) from exc
        except requests.exceptions.ConnectionError as exc:
            # Could not connect at all is "unreachable"; a reset after
            # sending is a lost reply.
            if _never_connected(exc):
                raise ArrayUnreachable(
                    'FlashArray at %s is unreachable: %s'
                    % (self.target, exc)) from exc
            raise ConnectionLost(
                'connection to the FlashArray at %s broke during %s %s: %s'
                % (self.target, method, url, exc)) from exc
        except requests.exceptions.Timeout as exc:
            raise ConnectionLost(
                'FlashArray at %s did not answer %s %s within %ss'
                % (self.target, method, url, self.timeout)) from exc

    def negotiate_version(self):
        response = self._send('GET', self.base_url + '/api/api_version')
        if response.status_code != 200:
            raise error_from_reply(response.status_code, _json(response))
        offered = set(_json(response).get('version', []))
        common = sorted(offered.intersection(KNOWN_VERSIONS), key=version_key)
        if not common:
            raise UnsupportedApiVersion(
                'FlashArray at %s offers REST versions %s, none of which '
                'this driver knows (2.0 to %s)'
                % (self.target, ', '.join(sorted(offered, key=str)),
                   KNOWN_VERSIONS[-1]))
        self.api_version = common[-1]
        return self.api_version

    def login(self):
        """Negotiate the API version (once) and open a session."""
        with self._login_lock:
            self._login_locked()

    def _login_locked(self):
        if self.api_version is None:
            self.negotiate_version()
        response = self._send('POST', self._url('login'),
                              headers={'api-token': self._api_token})
        if response.status_code != 200:
            error = error_from_reply(response.status_code, _json(response))
            raise AuthenticationFailed(
                'FlashArray at %s refused the API token: %s'
                % (self.target, error.message), response.status_code)
        token = response.headers.get('x-auth-token')
        if not token:
            raise AuthenticationFailed(
                'FlashArray at %s answered the login without an '
                'x-auth-token header' % self.target)
        self._auth_token = token

    def _relogin(self, stale_token):
        with self._login_lock:
            # Another thread may have logged in while we waited.
            if self._auth_token == stale_token:
                self._login_locked()

    def logout(self):
        if self._auth_token:
            try:
                self.request('POST', 'logout')
            except PureError as exc:
                LOG.debug('FlashArray logout failed: %s', exc)
            self._auth_token = None

    def _url(self, path):
        return '%s/api/%s/%s' % (self.base_url, self.api_version, path)

    # -- requests ------------------------------------------------------

    def request(self, method, path, params=None, body=None):
        """Send one request; return the decoded JSON reply (or {}).

        Raises a PureError subclass for every failure.
        """
        if self._auth_token is None:
            self.login()
        params = _encode_params(params)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            wait=self._wait_for_retry,
            stop=tenacity.stop_after_delay(self.retry_timeout),
            reraise=True)
        try:
            for attempt in retrying:
                with attempt:
                    return self._request_once(method, path, params, body)
        except _Retryable as busy:
            raise ArrayBusy(
                'FlashArray at %s stayed busy (HTTP %s) for %ss on %s %s'
                % (self.target, busy.response.status_code,
                   self.retry_timeout, method, path),
                busy.response.status_code)

    def _wait_for_retry(self, retry_state):
        exc = retry_state.outcome.exception()
        delay = _retry_after_seconds(exc.response)
        if delay is None:
            delay = tenacity.wait_random_exponential(
                multiplier=0.5, max=self.backoff_max)(retry_state)
        elapsed = retry_state.seconds_since_start or 0
        remaining = max(0.0, self.retry_timeout - elapsed)
        return min(delay, remaining)

    def _request_once(self, method, path, params, body):
        relogged = False
        lost = 0
        while True:
            token = self._auth_token
            headers = {'x-auth-token': token,
                       'X-Request-ID': str(uuid.uuid4())}
            try:
                response = self._send(method, self._url(path), params=params,
                                      json=body, headers=headers)
            except ConnectionLost:
                lost += 1
                if method in IDEMPOTENT_METHODS and lost < CONNECTION_RETRIES:
                    LOG.warning('Connection to the FlashArray broke during '
                                '%s %s; repeating it', method, path)
                    continue
                raise
            LOG.debug('FlashArray %s %s -> %s', method, path,
                      response.status_code)
            if response.status_code == 401 and not relogged:
                relogged = True
                LOG.info('FlashArray session expired; logging in again')
                self._relogin(token)
                continue
            if _is_busy(response):
                raise _Retryable(response)
            if response.status_code >= 400:
                raise error_from_reply(response.status_code, _json(response))
            return _json(response)

    def list(self, path, params=None):
        """All items of a list endpoint, following continuation tokens."""
        params = dict(params or {})
        items = []
        while True:
            reply = self.request('GET', path, params)
            items.extend(reply.get('items', []))
            token = reply.get('continuation_token')
            if not token or not reply.get('more_items_remaining', True):
                return items
            params['continuation_token'] = token

    def get(self, path, params=None):
        return self.request('GET', path, params)

    # -- the endpoints the driver uses (names in Purity's words) -------

    def get_array(self):
        return self.list('arrays')[0]

    def get_array_space(self):
        return self.list('arrays/space')[0]

    def get_volume(self, name):
        return self.list('volumes', {'names': [name]})[0]

    def list_volumes(self):
        return self.list('volumes')

    def list_volume_snapshots(self):
        return self.list('volume-snapshots')

    def get_volume_snapshot(self, name):
        return self.list('volume-snapshots', {'names': [name]})[0]

    def create_volume(self, name, provisioned=None, source=None, qos=None,
                      overwrite=False):
        body = {}
        if provisioned is not None:
            body['provisioned'] = provisioned
        if source is not None:
            body['source'] = {'name': source}
        if qos:
            body['qos'] = qos
        params = {'names': [name]}
        if overwrite:
            params['overwrite'] = 'true'
        return self.request('POST', 'volumes', params, body)['items'][0]

    def patch_volume(self, volume_name, **fields):
        # fields may hold a new "name", hence the parameter's name.
        return self.request('PATCH', 'volumes', {'names': [volume_name]},
                            fields)['items'][0]

    def patch_volume_snapshot(self, snapshot_name, **fields):
        return self.request('PATCH', 'volume-snapshots',
                            {'names': [snapshot_name]}, fields)['items'][0]

    def eradicate_volume(self, name):
        self.request('DELETE', 'volumes', {'names': [name]})

    def create_volume_snapshot(self, source, suffix):
        return self.request('POST', 'volume-snapshots',
                            {'source_names': [source]},
                            {'suffix': suffix})['items'][0]

    def destroy_volume_snapshot(self, name):
        self.request('PATCH', 'volume-snapshots', {'names': [name]},
                     {'destroyed': True})

    def eradicate_volume_snapshot(self, name):
        self.request('DELETE', 'volume-snapshots', {'names': [name]})

    def create_pgroup(self, name):
        return self.request('POST', 'protection-groups',
                            {'names': [name]})['items'][0]

    def destroy_pgroup(self, name):
        self.request('PATCH', 'protection-groups', {'names': [name]},
                     {'destroyed': True})

    def eradicate_pgroup(self, name):
        self.request('DELETE', 'protection-groups', {'names': [name]})

    def add_pgroup_volumes(self, group, volumes):
        self.request('POST', 'protection-groups/volumes',
                     {'group_names': [group], 'member_names': volumes})

    def remove_pgroup_volumes(self, group, volumes):
        self.request('DELETE', 'protection-groups/volumes',
                     {'group_names': [group], 'member_names': volumes})

    def create_pgroup_snapshot(self, group, suffix):
        return self.request('POST', 'protection-group-snapshots',
                            {'source_names': [group]},
                            {'suffix': suffix})['items'][0]

    def destroy_pgroup_snapshot(self, name):
        self.request('PATCH', 'protection-group-snapshots',
                     {'names': [name]}, {'destroyed': True})

    def eradicate_pgroup_snapshot(self, name):
        self.request('DELETE', 'protection-group-snapshots',
                     {'names': [name]})

    def find_hosts(self, filter_expression):
        return self.list('hosts', {'filter': filter_expression})

    def get_host(self, name):
        return self.list('hosts', {'names': [name]})[0]

    def create_host(self, name, iqns=None, wwns=None, personality=None,
                    chap=None):
        body = {}
        if iqns:
            body['iqns'] = iqns
        if wwns:
            body['wwns'] = wwns
        if personality:
            body['personality'] = personality
        if chap:
            body['chap'] = chap
        return self.request('POST', 'hosts', {'names': [name]},
                            body)['items'][0]

    def patch_host(self, host_name, **fields):
        return self.request('PATCH', 'hosts', {'names': [host_name]},
                            fields)['items'][0]

    def delete_host(self, name):
        self.request('DELETE', 'hosts', {'names': [name]})

    def connect(self, host, volume):
        return self.request('POST', 'connections',
                            {'host_names': [host],
                             'volume_names': [volume]})['items'][0]

    def disconnect(self, host, volume):
        self.request('DELETE', 'connections',
                     {'host_names': [host], 'volume_names': [volume]})

    def list_connections(self, host=None, volume=None):
        params = {}
        if host:
            params['host_names'] = [host]
        if volume:
            params['volume_names'] = [volume]
        return self.list('connections', params)

    def list_ports(self):
        return self.list('ports')


def _encode_params(params):
    """Lists are sent comma separated (protocol.rst P-10)."""
    if not params:
        return None
    return {key: ','.join(value) if isinstance(value, (list, tuple))
            else value for key, value in params.items()}


def _json(response):
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {'message': response.text[:200]}


def _never_connected(exc):
    """True when a ConnectionError happened before anything was sent."""
    text = repr(exc)
    return any(marker in text for marker in (
        'NewConnectionError', 'Connection refused', 'Name or service not',
        'Failed to establish', 'No route to host', 'Network is unreachable'))
