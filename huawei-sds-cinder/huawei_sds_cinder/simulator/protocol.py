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
"""The VBS key-value framing as the array side sees it, and its codes.

Written from the protocol notes (doc/protocol.rst, facts referred to as
P<n>), not from the driver: the simulator shares no code with
huawei_sds_cinder's client, so the two agree only where both follow the
facts. sds_cli, the host-side stand-in, also talks to the simulated VBS
through this module.
"""

import re
import select
import socket
import time

# P9: the only return codes a Huawei source shows.
RET_OK = 0
RET_NOT_EXIST = -900079     # P9: the object (no longer) exists
# P9: Huawei's unit tests answer 1 for a failed request. Which codes a
# real VBS uses for each refusal is not known (P16): the simulator
# answers every refusal with this one code.
RET_FAILED = 1

# Ways the simulator can mangle a reply (server.add_reply_fault).
PARTIAL_CLOSE = 'partial_close'     # half the reply, then close
PARTIAL_STALL = 'partial_stall'     # half the reply, then hang
GARBAGE = 'garbage'                 # bytes that are not key=value framing
OVERSIZED = 'oversized'             # a reply far beyond any sane size
REPLY_FAULTS = (PARTIAL_CLOSE, PARTIAL_STALL, GARBAGE, OVERSIZED)

_REQUEST_LINE = re.compile(r'^\[([A-Z][A-Z0-9_]*)\]$')


class ArrayError(Exception):
    """A request the array refuses; carries the reply's retcode."""

    def __init__(self, retcode, message):
        self.retcode = retcode
        super().__init__(message)


def not_exist(kind, name):
    return ArrayError(RET_NOT_EXIST, '%s %s does not exist' % (kind, name))


def refused(message):
    return ArrayError(RET_FAILED, message)


def parse_request(data):
    """Request bytes -> (request_type, [(key, value), ...]).

    P3: ``[TYPE]`` on the first line, then ``key=value`` lines split on
    the first ``=``; a repeated key is a list. ValueError when malformed.
    """
    text = data.decode('utf-8').replace('\0', '')
    lines = [line.rstrip('\r') for line in text.split('\n')]
    lines = [line for line in lines if line]
    match = _REQUEST_LINE.match(lines[0]) if lines else None
    if not match:
        raise ValueError('request does not start with [REQUEST_TYPE]')
    params = []
    for line in lines[1:]:
        key, sep, value = line.partition('=')
        if not sep or not key:
            raise ValueError('malformed parameter line %r' % line)
        params.append((key, value))
    return match.group(1), params


def request_complete(data):
    """Whether the bytes read so far are one whole request (P6).

    There is no length prefix or terminator (P5). Huawei's client writes
    the request with one send and every line ends with a newline (P3), so
    a buffer that ends at a line end and parses is taken as complete.
    """
    if not data.endswith(b'\n'):
        return False
    try:
        parse_request(data)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def encode_request(request_type, params):
    """The bytes of one request (sds_cli's side of the exchange)."""
    lines = ['[%s]' % request_type]
    lines += ['%s=%s' % (key, value) for key, value in params]
    return ('\n'.join(lines) + '\n').encode('utf-8')


def encode_reply(retcode, fields=()):
    """P4: ``retcode=`` first, then ``key=value`` lines; records in []."""
    lines = ['retcode=%d' % retcode]
    for key, value in fields:
        if isinstance(value, dict):
            value = '[%s]' % ','.join('%s=%s' % item
                                      for item in value.items())
        lines.append('%s=%s' % (key, value))
    return ('\n'.join(lines) + '\n').encode('utf-8')


def parse_reply(data):
    """Reply bytes -> (retcode, {key: value}); records stay text."""
    fields = {}
    for line in data.decode('utf-8').replace('\0', '').split('\n'):
        key, sep, value = line.strip().partition('=')
        if sep:
            fields[key] = value
    if 'retcode' not in fields:
        raise ValueError('reply has no retcode')
    return int(fields.pop('retcode')), fields


def parse_record(text):
    """``[k=v,k=v]`` -> dict (P4)."""
    record = {}
    for item in text.strip('[]').split(','):
        key, sep, value = item.partition('=')
        if sep:
            record[key] = value
    return record


def exchange(address, port, request_type, params, timeout=30.0):
    """One request to a VBS, as a host-side tool (sds_cli) sends it.

    One send, then read until the reply is whole (it ends at a line end
    and carries a retcode) or the VBS closes; no half-close (P6).
    Returns (retcode, fields). OSError when unreachable or cut off.
    """
    deadline = time.monotonic() + timeout
    with socket.create_connection((address, port), timeout=timeout) as sock:
        sock.sendall(encode_request(request_type, params))
        data = b''
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([sock], [], [],
                                                   remaining)[0]:
                raise socket.timeout('no complete reply from %s:%s'
                                     % (address, port))
            chunk = sock.recv(65536)
            data += chunk
            if not chunk or (data.endswith(b'\n') and b'retcode=' in data):
                break
    try:
        return parse_reply(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OSError('bad reply from %s:%s: %s' % (address, port, exc))
