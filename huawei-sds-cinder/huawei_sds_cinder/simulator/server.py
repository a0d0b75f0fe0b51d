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
"""The VBS socket front-end over state.py.

One TCP listener per VBS address, all on the same port and the same state,
as several VBS agents of one SDSHypervisor cluster are (P1). Each
connection carries one request (P2). The request is answered as soon as it
is whole (P6), whether or not the client half-closes: Huawei's client
sends once and waits for the reply on the open socket. After the reply the
simulator leaves the connection open until the client closes it (bounded
by ``hold_seconds``), so no client can come to depend on the VBS closing
first; whether a real VBS closes is not known (P6).

Framing and codes come from simulator/protocol.py; nothing here imports
the driver package. Fault rules and the request log are the simulator
kit's (common_testing.simkit.faults); the VBS protocol is not HTTP, so
they are served by the kit's control server (__main__ --control-port), at
``/_sim/faults`` and ``/_sim/requests`` as for every simulator, with this
simulator's own additions under ``/_sim/`` (control_surface).
"""

import re
import select
import socketserver
import threading
import time

from common_testing.simkit import faults
from common_testing.simkit import volumes

from huawei_sds_cinder.simulator import protocol
from huawei_sds_cinder.simulator import state as vbs_state

# Reply faults the generic fault plan has no action for (named in
# protocol.py, so the command line knows them before the kit is imported).
PARTIAL_CLOSE = protocol.PARTIAL_CLOSE
PARTIAL_STALL = protocol.PARTIAL_STALL
GARBAGE = protocol.GARBAGE
OVERSIZED = protocol.OVERSIZED
REPLY_FAULTS = protocol.REPLY_FAULTS

_MAX_REQUEST_BYTES = 1024 * 1024
# How long a connection may sit idle before its request is whole.
_REQUEST_TIMEOUT = 10


class ReplyFault(object):
    def __init__(self, match, mode, count=1, seconds=5.0):
        if mode not in REPLY_FAULTS:
            raise ValueError('unknown reply fault %r' % mode)
        self.pattern = re.compile(match)
        self.mode = mode
        self.count = count
        self.seconds = seconds


parse_request = protocol.parse_request
encode_reply = protocol.encode_reply


def _volume_record(volume):
    # P10: volume0=[...status=...]; the other fields follow the record
    # FusionStorage's CLI prints (P22, an assumption).
    real = 0
    try:
        real = volumes.allocated(volume.path) // vbs_state.MB
    except OSError:
        pass
    return {'vol_name': volume.name, 'father_name': volume.father_name,
            'status': volume.status, 'vol_size': volume.size_mb,
            'real_size': real, 'pool_id': volume.pool_id,
            'thin_flag': int(volume.thin),
            'create_time': volume.create_time}


def _snapshot_record(snapshot):
    return {'snap_name': snapshot.name, 'father_name': snapshot.father_name,
            'status': snapshot.status, 'snap_size': snapshot.size_mb,
            'pool_id': snapshot.pool_id,
            'create_time': snapshot.create_time}


def _required(params, key):
    for name, value in params:
        if name == key:
            return value
    raise vbs_state.VbsStateError(protocol.RET_FAILED,
                                  'parameter %s is missing' % key)


def _int(params, key, default=None):
    try:
        value = _required(params, key)
    except vbs_state.VbsStateError:
        if default is None:
            raise
        return default
    try:
        return int(value)
    except ValueError:
        raise vbs_state.VbsStateError(protocol.RET_FAILED,
                                      '%s=%r is not a number' % (key, value))


# Parameters of CREATE_VOLUME_REQ that are placement, not policy.
_PLACEMENT = {'vol_name', 'vol_size', 'pool_id', 'thin_flag'}


class VbsRequestHandler(object):
    """Turns one parsed request into (retcode, reply fields)."""

    def __init__(self, array):
        self.array = array

    def handle(self, request_type, params):
        # An unknown request is refused with the one failure code (P16).
        method = getattr(self, 'do_' + request_type.lower(), None)
        if method is None:
            return protocol.RET_FAILED, []
        try:
            return protocol.RET_OK, method(params) or []
        except vbs_state.VbsStateError as exc:
            return exc.retcode, []

    def do_create_volume_req(self, params):
        # P8: the 22 keys; every key but placement is kept as policy.
        policy = {k: v for k, v in params if k not in _PLACEMENT}
        self.array.create_volume(_required(params, 'vol_name'),
                                 _required(params, 'pool_id'),
                                 _int(params, 'vol_size'),
                                 thin=_int(params, 'thin_flag', 0) == 1,
                                 policy=policy)

    def do_delete_volume_req(self, params):
        self.array.delete_volume(_required(params, 'vol_name'))

    def do_query_volume_req(self, params):
        volume = self.array.query_volume(_required(params, 'vol_name'))
        return [('volume0', _volume_record(volume))]

    def do_extend_volume_req(self, params):
        self.array.extend_volume(_required(params, 'vol_name'),
                                 _int(params, 'vol_size'))

    def do_create_snapshot_req(self, params):
        self.array.create_snapshot(_required(params, 'snap_name'),
                                   _required(params, 'vol_name'))

    def do_delete_snapshot_req(self, params):
        self.array.delete_snapshot(_required(params, 'snap_name'))

    def do_query_snapshot_req(self, params):
        snapshot = self.array.query_snapshot(_required(params, 'snap_name'))
        return [('snapshot0', _snapshot_record(snapshot))]

    def do_create_volume_from_snapshot_req(self, params):
        # P11: snap_name_src; vol_num=1 (one linked volume) is the only
        # value Huawei sends, so it is the only one accepted.
        if _int(params, 'vol_num', 1) != 1:
            raise vbs_state.VbsStateError(protocol.RET_FAILED,
                                          'only vol_num=1 is supported')
        self.array.create_volume_from_snapshot(
            _required(params, 'vol_name'),
            _required(params, 'snap_name_src'),
            _int(params, 'vol_size'))

    def do_query_pools_capability_req(self, params):
        # P15: pool_num and a repeated pool_id; pool<N> records in GB.
        pool_ids = [value for key, value in params if key == 'pool_id']
        if _int(params, 'pool_num', len(pool_ids)) != len(pool_ids):
            raise vbs_state.VbsStateError(protocol.RET_FAILED,
                                          'pool_num does not match pool_id')
        return [('pool%d' % index, self.array.pool_capability(pool_id))
                for index, pool_id in enumerate(pool_ids)]

    # Host attach, as the local VBS does it for sds_cli (P20: not in the
    # public facts; the request names are the simulator's own).
    def do_attach_volume_req(self, params):
        volume, already = self.array.attach(_required(params, 'vol_name'))
        return [('dev_addr', volume.path), ('already_attached', int(already))]

    def do_detach_volume_req(self, params):
        detached = self.array.detach(_required(params, 'vol_name'))
        return [('was_attached', int(detached))]

    def do_query_dev_req(self, params):
        path = self.array.attached_path(_required(params, 'vol_name'))
        return [('attached', int(path is not None)),
                ('dev_addr', path or '')]


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class VbsSimulator(object):
    """The VBS agents of one cluster: several addresses, one state."""

    def __init__(self, array, addresses, port=0, rules=(),
                 hold_seconds=5.0):
        self.array = array
        self.handler = VbsRequestHandler(array)
        self.hold_seconds = hold_seconds
        # (request_type, [(key, value), ...]) of each request, in order.
        self.received = []
        self.surface = control_surface(self, rules)
        self.plan = self.surface.plan
        self.reply_faults = []
        self._reply_faults_lock = threading.Lock()
        self.requests = []      # (address, request_type) of each request
        self.addresses = list(addresses)
        self.port = port
        self._servers = {}
        self._threads = {}

    # -- life cycle --

    def start(self):
        try:
            for address in self.addresses:
                self.address_up(address)
        except OSError:
            self.stop()
            raise
        return self

    def stop(self):
        for address in list(self._servers):
            self.address_down(address)

    def listening(self):
        """The addresses whose listener is up."""
        return [a for a in self.addresses if a in self._servers]

    def address_up(self, address):
        """Start (or restart) the listener of one VBS address."""
        simulator = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                simulator._serve(address, self.request)

        server = _TCPServer((address, self.port), Handler)
        if not self.port:
            self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True)
        thread.start()
        self._servers[address] = server
        self._threads[address] = thread

    def address_down(self, address):
        """Stop one VBS address: connections to it are refused."""
        server = self._servers.pop(address)
        server.shutdown()
        server.server_close()
        self._threads.pop(address).join(5)

    def add_reply_fault(self, match, mode, count=1, seconds=5.0):
        with self._reply_faults_lock:
            self.reply_faults.append(ReplyFault(match, mode, count, seconds))

    def _take_reply_fault(self, key):
        with self._reply_faults_lock:
            for fault in self.reply_faults:
                if fault.count and fault.pattern.search(key):
                    fault.count -= 1
                    return fault
        return None

    # -- one connection --

    def _read_request(self, sock):
        """Read until the request is whole (P6) or the client closes."""
        sock.settimeout(_REQUEST_TIMEOUT)
        data = b''
        while len(data) < _MAX_REQUEST_BYTES:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if protocol.request_complete(data):
                break
        return data

    def _hold(self, sock):
        """Keep the connection until the client closes it (see above)."""
        deadline = time.monotonic() + self.hold_seconds
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                if select.select([sock], [], [], remaining)[0]:
                    if not sock.recv(65536):
                        return
        except OSError:
            return

    def _serve(self, address, sock):
        try:
            data = self._read_request(sock)
        except OSError:
            return
        try:
            request_type, params = parse_request(data)
        except (ValueError, UnicodeDecodeError):
            sock.sendall(encode_reply(protocol.RET_FAILED))
            return
        self.requests.append((address, request_type))
        self.received.append((request_type, params))
        key = ' '.join([request_type] + ['%s=%s' % kv for kv in params])
        try:
            with self.surface.request(key) as logged:
                retcode, fields = self.handler.handle(request_type, params)
                logged['status'] = retcode
        except faults.DropConnection:
            return
        except faults.InjectedFailure as exc:
            status = exc.status if isinstance(exc.status, int) else 0
            retcode = status if status < 0 else protocol.RET_FAILED
            fields = []
        try:
            fault = self._send_reply(sock, key, encode_reply(retcode, fields))
        except OSError:
            return     # the client went away; nothing to tell it
        # A mangled reply ends with the connection closed (partial_close
        # means just that); a whole one waits for the client to close.
        if fault is None:
            self._hold(sock)

    def _send_reply(self, sock, key, reply):
        fault = self._take_reply_fault(key)
        if fault is None:
            sock.sendall(reply)
        elif fault.mode == PARTIAL_CLOSE:
            sock.sendall(reply[:max(len(reply) // 2, 1)])
        elif fault.mode == PARTIAL_STALL:
            sock.sendall(reply[:max(len(reply) // 2, 1)])
            time.sleep(fault.seconds)
        elif fault.mode == GARBAGE:
            sock.sendall(b'\x00\xff\xfe<html>not a vbs</html>\n')
        elif fault.mode == OVERSIZED:
            line = b'filler=' + b'x' * 65536 + b'\n'
            for _ in range(200):
                sock.sendall(line)
        return fault


def control_surface(simulator, rules=()):
    """The kit's control surface, plus what only this simulator has.

    Besides ``/_sim/faults`` and ``/_sim/requests`` (the kit's, the same
    for every simulator), JSON over HTTP: POST ``/_sim/reply-faults``
    {"match", "mode", "count", "seconds"} mangles replies (protocol.py
    REPLY_FAULTS); POST ``/_sim/addresses/<address>`` {"up": true|false}
    takes one VBS address down or up; GET ``/_sim/inventory`` names the
    volumes, snapshots and attachments. None of it is the VBS protocol,
    nor subject to faults.
    """
    surface = faults.ControlSurface(rules)

    def reply_faults(method, rest, data):
        if method != 'POST' or rest:
            raise faults.MethodNotAllowed()
        data = data or {}
        simulator.add_reply_fault(data['match'], data['mode'],
                                  data.get('count', 1),
                                  data.get('seconds', 5.0))
        return data

    def inventory(method, rest, data):
        if method != 'GET' or rest:
            raise faults.MethodNotAllowed()
        return {kind: sorted(names) for kind, names in
                simulator.array.inventory().items()}

    def addresses(method, address, data):
        if method != 'POST':
            raise faults.MethodNotAllowed()
        if address not in simulator.addresses:
            raise KeyError(address)
        up = bool((data or {}).get('up'))
        listening = address in simulator.listening()
        try:
            if up and not listening:
                simulator.address_up(address)
            elif not up and listening:
                simulator.address_down(address)
        except OSError as exc:
            raise ValueError('address %s: %s' % (address, exc))
        return {'listening': simulator.listening()}

    surface.add_route('reply-faults', reply_faults)
    surface.add_route('inventory', inventory)
    surface.add_route('addresses', addresses)
    return surface
