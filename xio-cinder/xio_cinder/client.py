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

"""The ISE REST/XML protocol and nothing else.

Facts this module follows (doc/protocol.rst P1-P8): HTTP Basic auth on every
request, no session; XML replies; GET/PUT parameters in the query string,
POST parameters as a form body; created objects named by Content-Location;
objects addressed by the ``self`` URL of their XML element; ``/query`` for
the array globalid, capabilities and controllers; connection failures are
retried on one controller, then the other controller is tried and the
primary is rediscovered with ``/query`` on the next call.
"""

import contextlib
import dataclasses
import threading
import urllib.parse
from xml.etree.ElementTree import TreeBuilder as XMLTreeBuilder

import defusedxml
from defusedxml import ElementTree
from oslo_log import log as logging
from oslo_utils import strutils
import requests
import tenacity

LOG = logging.getLogger(__name__)

# Capability codes of /query (protocol.rst P9).
CAP_AFFINITY = 49003
CAP_QOS = 49004
CAP_THIN = 49005
CAP_CLONES = 49006
CAP_THIN_CLONES = 49007

PRIMARY_RANK = '1'
# Status polls of an asynchronous step: the first after 50 ms, each next
# one a quarter later than the one before, up to ise_retry_interval.
FIRST_POLL = 0.05
POLL_GROWTH = 1.25
XML_CONTENT_TYPE = 'application/xml; charset=utf-8'


class ISEError(Exception):
    """Base of every error the ISE client raises."""


class ISEConnectionError(ISEError):
    """No controller of the ISE could be reached."""


class ISEMalformedReply(ISEError):
    """A reply was not the XML the protocol promises (or was hostile)."""


class ISEIncompatible(ISEError):
    """The array lacks something the driver cannot work without."""


class ISETimeout(ISEError):
    """An asynchronous operation did not finish within the poll budget."""


class ISEHTTPError(ISEError):
    """The ISE answered with an HTTP error status."""

    def __init__(self, method, path, status, text):
        self.method = method
        self.path = path
        self.status = status
        self.text = text
        super().__init__('ISE %s %s failed with HTTP %s: %s'
                         % (method, path, status, text))


class ISEAuthError(ISEHTTPError):
    """401/403: san_login or san_password was refused."""


class ISENotFound(ISEHTTPError):
    """404."""


class ISEConflict(ISEHTTPError):
    """409: the object already exists or is already presented."""


class ISEInvalidState(ISEHTTPError):
    """400 "Not in a valid state": the object is busy; try again later."""


@dataclasses.dataclass
class ArrayInfo:
    globalid: str
    capabilities: frozenset
    # (address, rank) per controller; rank '1' is the primary.
    controllers: list

    def has(self, capability):
        return capability in self.capabilities


@dataclasses.dataclass
class Volume:
    name: str
    url: str
    status_value: str
    status: str        # upper-cased status@string, e.g. OPERATIONAL
    details: list      # upper-cased details, e.g. ['PREPARED']
    size_gb: int

    @property
    def operational(self):
        return 'OPERATIONAL' in self.status

    @property
    def prepared(self):
        return any('PREPARED' in d for d in self.details)


@dataclasses.dataclass
class Pool:
    name: str
    id: str
    status: str
    available_gb: int
    used_gb: int
    available_by_raid: dict   # {'raid-1': GB, ...}
    used_by_raid: dict
    volume_count: int
    iops_caps: dict


@dataclasses.dataclass
class Host:
    name: str
    url: str
    type: str
    endpoints: list    # lower-cased endpoint globalids (IQN or WWN)


@dataclasses.dataclass
class Allocation:
    url: str
    volume_name: str
    host_name: str
    lun: int


@dataclasses.dataclass
class Controller:
    # [(ip address, target IQN)] per iSCSI port
    iscsi_ports: list
    wwns: list


@dataclasses.dataclass
class Chap:
    enabled: bool
    username: str
    password: str


def _text(element, path, default=None):
    found = element.find(path)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def _int(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ISEMalformedReply('ISE reply has a non-integer %s: %r'
                                % (what, value))


class Reply:
    def __init__(self, status, body, location):
        self.status = status
        self.body = body
        self.location = location
        self._root = None

    @property
    def root(self):
        if self._root is None:
            self._root = parse_xml(self.body)
        return self._root


def _worth_retrying(exc):
    # A refused certificate will not get better by asking again.
    return (isinstance(exc, requests.exceptions.ConnectionError) and
            not isinstance(exc, requests.exceptions.SSLError))


@contextlib.contextmanager
def _parsing(body):
    """An empty ``body``, or one the parser refuses: ISEMalformedReply."""
    if not body or not body.strip():
        raise ISEMalformedReply('ISE sent an empty reply where XML was '
                                'expected')
    try:
        yield
    except defusedxml.DefusedXmlException as exc:
        raise ISEMalformedReply('ISE reply refused, it uses forbidden XML '
                                '(%s)' % type(exc).__name__)
    except ElementTree.ParseError as exc:
        raise ISEMalformedReply('ISE reply is not well-formed XML: %s' % exc)


def parse_xml(body):
    """Parse an ISE reply; entities, DTDs and garbage are refused."""
    with _parsing(body):
        return ElementTree.fromstring(body, forbid_dtd=True)


class _PoolsTree:
    """Parser target: the /storage/pools tree without the pools' volumes.

    Each <pool> lists all its volumes under <volumes>; inside it the
    expat parser's element handlers are swapped for two that only count
    the <volume> children (no element, no text is built), then put back.
    The tree holds the pools' own facts; ``volume_counts`` maps each
    built <pool> element to its count.  defusedxml's refusals (DTD,
    entities) are handlers of their own and stay in place throughout.
    """

    def __init__(self):
        self._builder = XMLTreeBuilder()
        self._expat = None
        self._saved = None
        self._path = []
        self._depth = 0             # below the <volumes> being counted
        self._count = 0
        self.volume_counts = {}

    def attach(self, expat_parser):
        self._expat = expat_parser

    def start(self, tag, attrs):
        self._path.append(tag)
        if tag == 'pool':
            self._count = 0
        self._builder.start(tag, attrs)
        if tag == 'volumes' and self._path[-2:-1] == ['pool']:
            expat = self._expat
            self._saved = (expat.StartElementHandler,
                           expat.EndElementHandler,
                           expat.CharacterDataHandler)
            expat.StartElementHandler = self._count_start
            expat.EndElementHandler = self._count_end
            expat.CharacterDataHandler = None

    def _count_start(self, tag, attrs):
        self._depth += 1
        if self._depth == 1:
            self._count += 1

    def _count_end(self, tag):
        if self._depth:
            self._depth -= 1
            return
        # </volumes>: the saved handlers end it as usual.
        expat = self._expat
        (expat.StartElementHandler, expat.EndElementHandler,
         expat.CharacterDataHandler) = self._saved
        expat.EndElementHandler(tag)

    def end(self, tag):
        self._path.pop()
        element = self._builder.end(tag)
        if tag == 'pool':
            self.volume_counts[element] = self._count
        return element

    def data(self, text):
        self._builder.data(text)

    def close(self):
        return self._builder.close()


def parse_pools(body, chunk=65536):
    """(root, {pool element: volume count}) of a /storage/pools reply.

    The same refusals as parse_xml (defusedxml: no DTD, no entities);
    fed in chunks so no second copy of a large reply is made at once.
    """
    with _parsing(body):
        target = _PoolsTree()
        parser = ElementTree.DefusedXMLParser(target=target,
                                              forbid_dtd=True)
        target.attach(parser.parser)
        for start in range(0, len(body), chunk):
            parser.feed(body[start:start + chunk])
        return parser.close(), target.volume_counts


class ISEClient:
    """One ISE array behind two controllers."""

    def __init__(self, address, login, password, port=None, use_ssl=False,
                 verify=True, connection_retries=5, retry_interval=1.0,
                 completion_retries=30, timeout=60, first_poll=FIRST_POLL,
                 credentials=None):
        # credentials: optional callable returning the current (login,
        # password); asked again when the ISE refuses the ones in use, so
        # credentials changed since (a rotation, protocol.rst P32) are
        # used from the next request on.
        if not address:
            raise ValueError('san_ip must name the ISE management address')
        if not login or not password:
            raise ValueError('san_login and san_password must both be set')
        self._credentials = credentials
        self.scheme = 'https' if use_ssl else 'http'
        self.port = port
        self.connection_retries = connection_retries
        self.retry_interval = retry_interval
        self.completion_retries = completion_retries
        self.timeout = timeout
        self.first_poll = first_poll
        self._session = requests.Session()
        self._session.auth = (login, password)
        # Passed with every request: requests would let REQUESTS_CA_BUNDLE
        # from the environment override a session-level setting.
        self.verify = verify
        self._session.headers['Content-Type'] = XML_CONTENT_TYPE
        self._lock = threading.Lock()
        # Controller addresses, the one to use first at the front.
        self._addresses = [address]
        self._rediscover = False
        self._array = None
        self._controllers = None
        #: HTTP requests sent (for benchmarks).
        self.request_count = 0

    # -- transport ---------------------------------------------------------

    def _base(self, address):
        host = address
        if ':' not in address and self.port:
            host = '%s:%s' % (address, self.port)
        return '%s://%s' % (self.scheme, host)

    @staticmethod
    def _path_of(url_or_path):
        # Objects are named by absolute self URLs; any controller serves
        # them, so only the path and query are kept.
        parts = urllib.parse.urlsplit(url_or_path)
        path = parts.path or '/'
        return path + ('?' + parts.query if parts.query else '')

    def _send_once(self, address, method, path, params):
        url = self._base(address) + path
        kwargs = {'timeout': self.timeout, 'verify': self.verify}
        if method == 'POST':
            # Form body (protocol.rst P4); empty values are not sent.
            kwargs['data'] = [(k, v) for k, v in params if v not in
                              (None, '')]
        elif params:
            kwargs['params'] = [(k, v) for k, v in params if v is not None]
        with self._lock:
            self.request_count += 1
        return self._session.request(method, url, **kwargs)

    def _send_to(self, address, method, path, params):
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.connection_retries),
            wait=tenacity.wait_fixed(self.retry_interval),
            retry=tenacity.retry_if_exception(_worth_retrying),
            before_sleep=lambda state: LOG.warning(
                'ISE controller %s unreachable (%s), retrying',
                address, state.outcome.exception()),
            reraise=True)
        return retrying(self._send_once, address, method, path, params)

    def _send(self, method, path, params):
        with self._lock:
            addresses = list(self._addresses)
        last_error = None
        for index, address in enumerate(addresses):
            try:
                response = self._send_to(address, method, path, params)
            except requests.exceptions.SSLError as exc:
                raise ISEConnectionError(
                    'TLS verification of ISE controller %s failed: %s'
                    % (address, exc))
            except requests.exceptions.ConnectionError as exc:
                last_error = exc
                LOG.warning('ISE controller %s unreachable after %d '
                            'attempts', address, self.connection_retries)
                continue
            if index:
                # Fail-over: the other controller answered; use it from now
                # on and ask /query which one is primary on the next call.
                with self._lock:
                    self._addresses.remove(address)
                    self._addresses.insert(0, address)
                    self._rediscover = True
                LOG.warning('ISE failed over to controller %s', address)
            return response
        raise ISEConnectionError(
            'no ISE controller reachable (tried %s): %s'
            % (', '.join(addresses), last_error))

    def request(self, method, url_or_path, params=(), ok=(200, 201, 202,
                                                          204)):
        """Send one request; returns a Reply or raises a typed error."""
        if isinstance(params, dict):
            params = list(params.items())
        if self._rediscover and url_or_path != '/query':
            self.query(refresh=True)
        path = self._path_of(url_or_path)
        used = tuple(self._session.auth)
        response = self._send(method, path, list(params))
        LOG.debug('ISE %s %s -> %s', method, path, response.status_code)
        status = response.status_code
        if status in (401, 403) and self._renew_credentials(used):
            # No session to re-open (protocol.rst P2): the same request
            # again, with the credentials configured now.
            response = self._send(method, path, list(params))
            status = response.status_code
        if status in ok:
            return Reply(status, response.text,
                         response.headers.get('Content-Location'))
        text = strutils.mask_password(response.text or '')
        try:
            message = (parse_xml(response.text).text or '').strip() or text
        except ISEMalformedReply:
            message = text
        message = strutils.mask_password(message)[:500]
        if status in (401, 403):
            raise ISEAuthError(method, path, status,
                               'credentials of san_login=%s refused (check '
                               'san_login and san_password)'
                               % self._session.auth[0])
        if status == 404:
            raise ISENotFound(method, path, status, message)
        if status == 409:
            raise ISEConflict(method, path, status, message)
        if status == 400 and 'VALID' in message.upper():
            raise ISEInvalidState(method, path, status, message)
        raise ISEHTTPError(method, path, status, message)

    def _renew_credentials(self, used):
        """Take the configured credentials; True if they are not ``used``."""
        if self._credentials is None:
            return False
        login, password = self._credentials()
        if not login or not password or (login, password) == used:
            return False
        with self._lock:
            self._session.auth = (login, password)
        LOG.info('ISE refused san_login=%s; retrying with the credentials '
                 'configured now (san_login=%s)', used[0], login)
        return True

    # -- discovery ---------------------------------------------------------

    def query(self, refresh=False):
        """Array globalid, capabilities and controllers (cached)."""
        if self._array is not None and not refresh and not self._rediscover:
            return self._array
        root = self.request('GET', '/query').root
        array = root if root.tag == 'array' else root.find('.//array')
        if array is None:
            raise ISEMalformedReply('/query reply has no <array> element')
        globalid = _text(array, 'globalid')
        caps = array.find('capabilities')
        ctrls = array.find('controllers')
        if not globalid or caps is None or ctrls is None:
            raise ISEMalformedReply('/query reply lacks globalid, '
                                    'capabilities or controllers')
        codes = set()
        for cap in caps.findall('capability'):
            try:
                codes.add(int(cap.get('value')))
            except (TypeError, ValueError):
                continue
        controllers = [(_text(c, 'ipaddress'),
                        (c.find('rank').get('value')
                         if c.find('rank') is not None else None))
                       for c in ctrls.findall('controller')]
        controllers = [c for c in controllers if c[0]]
        if CAP_CLONES not in codes:
            raise ISEIncompatible('ISE FW version is not compatible: the '
                                  'array does not report the Clones '
                                  'capability (%d)' % CAP_CLONES)
        info = ArrayInfo(globalid, frozenset(codes), controllers)
        primary = [a for a, rank in controllers if rank == PRIMARY_RANK]
        others = [a for a, rank in controllers if rank != PRIMARY_RANK]
        with self._lock:
            current = list(self._addresses)
            ordered = primary + others
            # Keep an address we were given that /query does not list
            # (NAT, name) as the last resort.
            ordered += [a for a in current if a not in ordered]
            if ordered:
                self._addresses = ordered
            self._array = info
            self._controllers = None   # port facts follow the controllers
            self._rediscover = False
        return info

    @property
    def addresses(self):
        with self._lock:
            return list(self._addresses)

    def _array_path(self, collection):
        return '/storage/arrays/%s/%s' % (self.query().globalid, collection)

    # -- volumes -----------------------------------------------------------

    @staticmethod
    def _volume(element, name):
        status = element.find('status')
        details = []
        value = string = ''
        if status is not None:
            value = status.get('value', '')
            string = (status.get('string') or '').upper()
            details = [(d.text or '').strip().upper()
                       for d in status.findall('details/detail')]
        return Volume(name=_text(element, 'name', name),
                      url=element.get('self'),
                      status_value=value, status=string, details=details,
                      size_gb=_int(_text(element, 'size', '0'), 'size'))

    def find_volume(self, name):
        """The named volume (or snapshot), or None."""
        try:
            reply = self.request('GET', self._array_path('volumes'),
                                 [('name', name)])
        except ISENotFound:
            return None
        if reply.status != 200:
            return None
        for element in reply.root.iter('volume'):
            if element.get('self'):
                return self._volume(element, name)
        return None

    def list_volumes(self):
        """Every volume of the array, snapshots and clones included (P34)."""
        try:
            root = self.request('GET', self._array_path('volumes'),
                                ok=(200,)).root
        except ISENotFound:
            return []
        return [self._volume(element, '') for element in root.iter('volume')
                if element.get('self')]

    def create_volume(self, name, size_gb, pool, raid, affinity=None,
                      alloctype=None, iops=None):
        params = [('name', name), ('size', size_gb), ('pool', pool),
                  ('redundancy', raid), ('affinity', affinity),
                  ('alloctype', alloctype)]
        params += self._iops_params(iops)
        return self.request('POST', self._array_path('volumes'), params,
                            ok=(201,)).location

    @staticmethod
    def _iops_params(iops):
        iops = iops or {}
        return [('IOPSmin', iops.get('min')), ('IOPSmax', iops.get('max')),
                ('IOPSburst', iops.get('burst'))]

    def modify_volume(self, volume_url, **params):
        """PUT size=, name=, IOPS*= on a volume (extend, rename, QoS)."""
        return self.request('PUT', volume_url,
                            [(k, v) for k, v in params.items()
                             if v is not None], ok=(200, 201))

    def delete_volume(self, volume_url):
        """DELETE a volume or snapshot; busy (400 VALID) is retried."""
        self._retry_busy(self.request, 'DELETE', volume_url, (),
                         ok=(200, 202, 204))

    def prepare_copy(self, source_url, name, kind, affinity=None,
                     iops=None):
        """Step 1 of a snapshot/clone: POST to the source (202)."""
        params = [('name', name), ('type', kind), ('affinity', affinity)]
        params += self._iops_params(iops)
        return self._retry_busy(self.request, 'POST', source_url, params,
                                ok=(201, 202)).location

    def commit_copy(self, volume_url, kind):
        """Step 2 of a snapshot/clone: PUT <new>?snapshot|clone=true."""
        self.request('PUT', volume_url, [(kind, 'true')], ok=(200, 201))

    def _retry_busy(self, func, *args, **kwargs):
        retrying = tenacity.Retrying(
            stop=self._poll_stop(), wait=self._poll_wait(),
            retry=tenacity.retry_if_exception_type(ISEInvalidState),
            reraise=True)
        return retrying(func, *args, **kwargs)

    def _poll_wait(self):
        # Start short and grow by a quarter per poll up to
        # ise_retry_interval: a step the ISE finishes in 0.5 s is seen
        # within about 0.6 s, and a long one is polled once an interval
        # (protocol.rst P17).
        return tenacity.wait_exponential(
            multiplier=self.first_poll, min=self.first_poll,
            max=max(self.retry_interval, self.first_poll),
            exp_base=POLL_GROWTH)

    def _poll_stop(self):
        # The former driver's budget was ise_completion_retries polls
        # ise_retry_interval apart: give up only when both that many polls
        # and that much time have passed.
        return tenacity.stop_all(
            tenacity.stop_after_attempt(self.completion_retries),
            tenacity.stop_after_delay(self.completion_retries *
                                      self.retry_interval))

    def wait_for_volume(self, name, condition, what):
        """Poll the volume until condition(volume or None) is true."""
        def check():
            return self.find_volume(name)

        retrying = tenacity.Retrying(
            stop=self._poll_stop(), wait=self._poll_wait(),
            retry=tenacity.retry_if_result(lambda v: not condition(v)))
        try:
            return retrying(check)
        except tenacity.RetryError as exc:
            last = exc.last_attempt.result()
            state = ('missing' if last is None else
                     '%s %s' % (last.status, '/'.join(last.details)))
            raise ISETimeout('ISE volume %s did not become %s within '
                             '%d status polls and %.1f s (last seen: %s)'
                             % (name, what, self.completion_retries,
                                self.completion_retries *
                                self.retry_interval, state))

    # -- pools -------------------------------------------------------------

    def list_pools(self):
        """The pools, each with the number of volumes it lists.

        The reply lists every volume of every pool; it is parsed as it is
        read and only counted there (_PoolsTree), so neither the time nor
        the memory of stats grows with a tree of every volume.
        """
        body = self.request('GET', '/storage/pools', ok=(200,)).body
        root, volume_counts = parse_pools(body)
        pools = []
        for element in root.iter('pool'):
            available = element.find('available')
            used = element.find('used')

            def by_raid(node):
                if node is None:
                    return {}
                return {child.tag: _int(child.text, child.tag)
                        for child in node.findall('byredundancy/*')}

            status = element.find('status')
            pools.append(Pool(
                name=_text(element, 'name', ''),
                id=_text(element, 'id', ''),
                status=(status.get('string', '').upper()
                        if status is not None else ''),
                available_gb=_int(available.get('total') if available
                                  is not None else 0, 'available'),
                used_gb=_int(used.get('total') if used is not None else 0,
                             'used'),
                available_by_raid=by_raid(available),
                used_by_raid=by_raid(used),
                volume_count=volume_counts.get(element, 0),
                iops_caps={k: _text(element, k) for k in
                           ('IOPSmincap', 'IOPSmaxcap', 'IOPSburstcap')
                           if _text(element, k) is not None}))
        return pools

    # -- hosts -------------------------------------------------------------

    def list_hosts(self):
        root = self.request('GET', self._array_path('hosts'),
                            ok=(200,)).root
        return [Host(name=_text(h, 'name', ''), url=h.get('self'),
                     type=(_text(h, 'type', '') or '').strip('"').upper(),
                     endpoints=[(_text(e, 'globalid', '') or '').lower()
                                for e in h.findall('endpoints/endpoint')])
                for h in root.iter('host')]

    def create_host(self, name, endpoints):
        params = [('name', name)]
        params += [('endpoint', e) for e in endpoints]
        params.append(('os', 'openstack'))
        try:
            self.request('POST', self._array_path('hosts'), params,
                         ok=(201,))
        except ISEConflict:
            pass  # created concurrently or earlier; both are fine

    def mark_host_openstack(self, host_url):
        try:
            self.request('PUT', host_url, [('os', 'openstack')],
                         ok=(200, 201))
        except ISEConflict:
            pass

    def delete_host(self, host_url):
        try:
            self.request('DELETE', host_url, ok=(200, 204))
        except ISENotFound:
            pass

    # -- allocations -------------------------------------------------------

    @staticmethod
    def _allocation(element, url=None):
        return Allocation(
            url=element.get('self') or url,
            volume_name=_text(element, 'volume/volumename', ''),
            host_name=_text(element, 'endpoints/hostname', ''),
            lun=_int(_text(element, 'lun', '-1'), 'lun'))

    def list_allocations(self, volume_name=None, host_name=None):
        params = [('name', volume_name), ('hostname', host_name)]
        try:
            root = self.request('GET', self._array_path('allocations'),
                                params, ok=(200,)).root
        except ISENotFound:
            return []
        return [self._allocation(a) for a in root.iter('allocation')]

    def create_allocation(self, volume_name, host_name, lun=None):
        """Present a volume to a host; an existing presentation is reused."""
        params = [('volumename', volume_name), ('hostname', host_name),
                  ('lun', lun)]
        try:
            reply = self.request('POST', self._array_path('allocations'),
                                 params, ok=(201,))
        except ISEConflict:
            for alloc in self.list_allocations(volume_name, host_name):
                return alloc
            raise
        if not reply.location:
            raise ISEMalformedReply('ISE created an allocation without a '
                                    'Content-Location header')
        root = self.request('GET', reply.location, ok=(200,)).root
        element = root if root.tag == 'allocation' else root.find(
            './/allocation')
        if element is None:
            raise ISEMalformedReply('allocation reply has no <allocation>')
        return self._allocation(element, reply.location)

    def delete_allocation(self, allocation_url):
        try:
            self.request('DELETE', allocation_url, ok=(200, 204))
        except ISENotFound:
            pass

    # -- ports -------------------------------------------------------------

    def list_controllers(self):
        """Target IQNs and WWNs; cached until the next /query refresh."""
        cached = self._controllers
        if cached is not None and not self._rediscover:
            return cached
        root = self.request('GET', self._array_path('controllers'),
                            ok=(200,)).root
        controllers = []
        for element in root.iter('controller'):
            ports = []
            for port in element.findall('ioports/ioport'):
                iqn = _text(port, 'endpoint/globalid')
                for ip in port.findall('ipaddresses/ipaddress'):
                    if ip.text:
                        ports.append((ip.text.strip(), iqn))
            wwns = [w.text.strip().lower()
                    for w in element.findall('fcports/fcport/wwn') if w.text]
            controllers.append(Controller(ports, wwns))
        self._controllers = controllers
        return controllers

    def get_chap(self):
        """CHAP settings of the iSCSI network, or None if unreadable."""
        try:
            root = self.request('GET', self._array_path('ionetworks'),
                                ok=(200,)).root
        except ISEHTTPError:
            return None
        chapin = root.find('.//chapin')
        if chapin is None:
            return None
        return Chap(enabled=chapin.get('value') == '1',
                    username=_text(chapin, 'username', ''),
                    password=_text(chapin, 'password', ''))
