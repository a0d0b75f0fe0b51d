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
"""The VBS key-value socket protocol, and nothing else.

A request is ``[REQUEST_TYPE]\\n`` followed by one ``key=value\\n`` line per
parameter (a list repeats the key) (doc/protocol.rst P3). The VBS answers
with ``key=value`` lines, ``retcode`` among them; nested records are written
``name=[k=v,k=v]`` (P4). There is no length prefix and no terminator (P5).
Huawei's client sends the request once and reads one ``recv`` of the reply
without half-closing or waiting for the VBS to close (P6); so do we: a
reply is taken as complete as soon as what was read parses as a whole
reply (it ends at a line end, or nothing more is already waiting), and
the VBS may keep the socket open. A read timeout and a size limit bound
the wait.
"""

import re
import select
import socket
import threading
import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

RETCODE_OK = 0
# P9: deletion complete / the object does not exist. The only other code
# Huawei's sources show is 1, a failure; what other codes a VBS uses, and
# for what, is not known (P16), so every other code is a VbsRequestError
# and the callers find out what happened by querying the object.
RETCODE_OBJECT_NOT_FOUND = -900079

MAX_REPLY_BYTES = 4 * 1024 * 1024
# Seconds to wait for more of a reply whose last line has no newline.
UNTERMINATED_GRACE = 0.05

_REQUEST_TYPE = re.compile(r'^[A-Z][A-Z0-9_]*$')
_KEY = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
# Characters that are separators somewhere in the framing: a line break ends
# a parameter, '=' splits key from value, '[' ']' ',' frame nested records.
_FRAMING_CHARS = frozenset('\r\n\0=[],')


class VbsError(Exception):
    """Base of every error this client raises."""


class VbsInvalidValue(VbsError, ValueError):
    """A request parameter would break the framing; nothing was sent."""


class VbsConnectionError(VbsError):
    """No VBS address could be reached; nothing was sent."""


class VbsReplyLost(VbsError):
    """The request was sent but no complete reply came back.

    The VBS may or may not have applied it; callers that care check the
    object's state with a query.
    """


class VbsProtocolError(VbsReplyLost):
    """A reply arrived but is not valid key-value framing."""


class VbsRequestError(VbsError):
    """The VBS answered with a non-zero retcode."""

    def __init__(self, request_type, retcode, reply=None):
        self.request_type = request_type
        self.retcode = retcode
        self.reply = reply
        super().__init__('VBS request %s failed with retcode %s'
                         % (request_type, retcode))


class VbsObjectNotFound(VbsRequestError):
    """retcode -900079: the volume, snapshot or pool does not exist."""


_ERRORS_BY_RETCODE = {
    RETCODE_OBJECT_NOT_FOUND: VbsObjectNotFound,
}


def check_value(key, value):
    """Raise VbsInvalidValue unless key=value is safe to put on the wire."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise VbsInvalidValue('invalid VBS parameter name %r' % (key,))
    text = str(value)
    bad = sorted(set(text) & _FRAMING_CHARS)
    if bad:
        raise VbsInvalidValue('VBS parameter %s=%r contains %s, which would '
                              'break the request framing'
                              % (key, text, ' '.join(repr(c) for c in bad)))
    return text


def encode_request(request_type, params):
    """Build the bytes of one request; params is a list of (key, value)."""
    if not _REQUEST_TYPE.fullmatch(request_type or ''):
        raise VbsInvalidValue('invalid VBS request type %r' % (request_type,))
    lines = ['[%s]' % request_type]
    for key, value in params:
        lines.append('%s=%s' % (key, check_value(key, value)))
    return ('\n'.join(lines) + '\n').encode('utf-8')


def _parse_record(text):
    record = {}
    if not text:
        return record
    for item in text.split(','):
        key, sep, value = item.partition('=')
        if not sep or not _KEY.fullmatch(key):
            raise VbsProtocolError('malformed record item %r' % item)
        record[key] = value
    return record


def parse_reply(data):
    """Parse reply bytes into a VbsReply; VbsProtocolError when invalid."""
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        raise VbsProtocolError('VBS reply is not UTF-8 text')
    text = text.replace('\0', '')
    fields = {}
    for line in text.split('\n'):
        line = line.rstrip('\r')
        if not line:
            continue
        key, sep, value = line.partition('=')
        if not sep or not _KEY.fullmatch(key):
            raise VbsProtocolError('malformed VBS reply line %r' % line)
        if value.startswith('['):
            if not value.endswith(']'):
                raise VbsProtocolError('VBS reply record %s is truncated'
                                       % key)
            value = _parse_record(value[1:-1])
        fields[key] = value
    if 'retcode' not in fields:
        raise VbsProtocolError('VBS reply has no retcode (partial reply?)')
    try:
        retcode = int(fields.pop('retcode'))
    except (TypeError, ValueError):
        raise VbsProtocolError('VBS reply has a non-numeric retcode')
    return VbsReply(retcode, fields)


class VbsReply(object):
    """A parsed reply: the retcode and the other fields."""

    def __init__(self, retcode, fields):
        self.retcode = retcode
        self.fields = fields

    def records(self, prefix):
        """Nested records prefix0, prefix1, ... in order."""
        found = []
        index = 0
        while '%s%d' % (prefix, index) in self.fields:
            record = self.fields['%s%d' % (prefix, index)]
            if not isinstance(record, dict):
                raise VbsProtocolError('%s%d is not a record'
                                       % (prefix, index))
            found.append(record)
            index += 1
        return found


class VbsClient(object):
    """Sends requests to the first reachable of several VBS addresses."""

    def __init__(self, addresses, port, connect_timeout=5.0,
                 read_timeout=30.0, max_reply_bytes=MAX_REPLY_BYTES):
        if not addresses:
            raise VbsConnectionError('no VBS address configured')
        self.addresses = list(addresses)
        self.port = port
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_reply_bytes = max_reply_bytes
        # Start with the address that answered last, so a dead first
        # address costs one connect timeout once, not on every request.
        self._preferred = 0
        self._lock = threading.Lock()
        self.round_trips = 0

    def request(self, request_type, params=(), idempotent=None):
        """Send one request and return its VbsReply (retcode 0).

        A request that fails to connect moves on to the next address. Once
        sent, only idempotent requests (queries, by default) are re-sent to
        the next address when the reply is lost; others raise VbsReplyLost.
        """
        if isinstance(params, dict):
            params = list(params.items())
        payload = encode_request(request_type, params)
        if idempotent is None:
            idempotent = request_type.startswith('QUERY_')
        with self._lock:
            start = self._preferred
        order = [(start + i) % len(self.addresses)
                 for i in range(len(self.addresses))]
        errors = []
        lost = None
        for index in order:
            address = self.addresses[index]
            try:
                sock = socket.create_connection(
                    (address, self.port), timeout=self.connect_timeout)
            except OSError as exc:
                LOG.warning('VBS %s:%s unreachable (%s), trying the next '
                            'address.', address, self.port, exc)
                errors.append('%s: %s' % (address, exc))
                continue
            with self._lock:
                self._preferred = index
            try:
                data = self._exchange(sock, payload)
                reply = parse_reply(data)
            except VbsReplyLost as exc:
                lost = type(exc)('%s to VBS %s:%s: %s'
                                 % (request_type, address, self.port, exc))
                lost.__cause__ = exc
                if not idempotent:
                    raise lost
                LOG.warning('%s; trying the next address.', lost)
                continue
            finally:
                sock.close()
            LOG.debug('VBS %s %s -> retcode %s', request_type,
                      params, reply.retcode)
            if reply.retcode != RETCODE_OK:
                error_class = _ERRORS_BY_RETCODE.get(reply.retcode,
                                                     VbsRequestError)
                raise error_class(request_type, reply.retcode, reply)
            return reply
        if lost is not None:
            raise lost
        raise VbsConnectionError('no VBS reachable on port %s: %s'
                                 % (self.port, '; '.join(errors)))

    def _exchange(self, sock, payload):
        """Send payload once, then read one reply (P6); no half-close."""
        with self._lock:
            self.round_trips += 1
        deadline = time.monotonic() + self.read_timeout
        data = b''
        try:
            sock.settimeout(self.read_timeout)
            sock.sendall(payload)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise socket.timeout()
                sock.settimeout(remaining)
                chunk = sock.recv(65536)
                if not chunk:
                    break     # the VBS closed: whatever came is the reply
                data += chunk
                if len(data) > self.max_reply_bytes:
                    raise VbsProtocolError('reply larger than %d bytes'
                                           % self.max_reply_bytes)
                if _reply_complete(data, sock):
                    break
        except socket.timeout:
            raise VbsReplyLost('no complete reply within %.1f s '
                               '(%d bytes read)' % (self.read_timeout,
                                                    len(data)))
        except OSError as exc:
            raise VbsReplyLost('connection failed mid-request: %s' % exc)
        if not data:
            raise VbsReplyLost('connection closed without a reply')
        return data


def _reply_complete(data, sock):
    """Whether the bytes read so far are a whole reply (P6, P19).

    The reply has no terminator (P5); Huawei's client takes what one recv
    returns. We take it once it parses (a retcode, no record cut in half)
    and no more bytes are already waiting. A reply that does not end at a
    line end may have been cut inside its last value, so for that one only
    we give the rest UNTERMINATED_GRACE seconds to arrive.
    """
    try:
        parse_reply(data)
    except VbsProtocolError:
        return False
    terminated = data.replace(b'\0', b'').rstrip(b' ').endswith(b'\n')
    try:
        more = select.select([sock], [], [],
                             0 if terminated else UNTERMINATED_GRACE)[0]
    except (OSError, ValueError):
        more = False
    return not more
