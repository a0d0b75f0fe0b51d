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
"""huawei-sds-cinder-simulator: a VBS cluster on one or more addresses.

The command line is built from the standard library and protocol.py only,
so ``--help`` works from a plain install; the simulator itself needs the
simulator extra (common-testing's simulator kit), imported after it.

Once it serves it prints the kit's one ready line (simkit.process),
``READY {"address", "addresses", "port", "state_dir", "control_url"}``.
"""

import argparse
import json
import signal
import sys
import tempfile
import threading

from huawei_sds_cinder.simulator import protocol

PROG = 'huawei-sds-cinder-simulator'
NEEDS_EXTRA = ("%s: needs the simulator extra: "
               "pip install 'huawei-sds-cinder[simulator]'" % PROG)


def _pool(text):
    stor_id, sep, size = text.partition(':')
    if not sep or not stor_id or not size.isdigit():
        raise argparse.ArgumentTypeError(
            '--pool wants STOR_ID:CAPACITY_GB, got %r' % text)
    return stor_id, int(size)


def _reply_fault(text):
    match, sep, mode = text.rpartition(':')
    if not sep or mode not in protocol.REPLY_FAULTS:
        raise argparse.ArgumentTypeError(
            '--reply-fault wants REGEX:MODE with MODE one of %s'
            % ', '.join(protocol.REPLY_FAULTS))
    return match, mode


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description='Huawei SDSHypervisor VBS simulator (key-value socket '
                    'protocol), for tests and demos.')
    parser.add_argument('--listen', action='append', metavar='ADDRESS',
                        help='VBS address to listen on; repeat for several '
                             'agents of one cluster (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=10599,
                        help='VBS port, shared by every address '
                             '(default 10599; 0 picks a free one)')
    parser.add_argument('--state-dir',
                        help='where volume and snapshot data files live '
                             '(default: a new temporary directory)')
    parser.add_argument('--pool', action='append', type=_pool,
                        metavar='STOR_ID:GB',
                        help='a pool and its capacity in GB '
                             '(default 16384:100)')
    parser.add_argument('--delete-seconds', type=float, default=0.2,
                        help='how long a deleted object stays in its '
                             'transitional status')
    parser.add_argument('--hold-seconds', type=float, default=5.0,
                        help='after a reply, how long to keep the '
                             'connection open waiting for the client to '
                             'close it (0: close at once)')
    parser.add_argument('--fault', action='append', type=json.loads,
                        metavar='JSON', default=[],
                        help='a common_testing fault rule as JSON, e.g. '
                             '\'{"match": "^CREATE_VOLUME_REQ", '
                             '"action": "delay", "seconds": 3}\'')
    parser.add_argument('--control-port', type=int,
                        help='serve the control interface (/_sim/faults, '
                             '/_sim/requests, /_sim/reply-faults, '
                             '/_sim/addresses/ADDRESS, /_sim/inventory) on '
                             'the first address at this port (0: a free '
                             'one)')
    parser.add_argument('--reply-fault', action='append', type=_reply_fault,
                        metavar='REGEX:MODE', default=[],
                        help='mangle the next reply to a matching request: '
                             + ', '.join(protocol.REPLY_FAULTS))
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        from common_testing.simkit import control
        from common_testing.simkit import faults
        from common_testing.simkit import process
    except ImportError:
        print(NEEDS_EXTRA, file=sys.stderr)
        return 2
    from huawei_sds_cinder.simulator import server
    from huawei_sds_cinder.simulator import state

    state_dir = args.state_dir or tempfile.mkdtemp(prefix='vbs-sim-')
    array = state.VbsState(state_dir, dict(args.pool or [('16384', 100)]),
                           delete_seconds=args.delete_seconds)
    try:
        rules = [faults.FaultRule.from_dict(rule) for rule in args.fault]
    except (TypeError, ValueError) as exc:
        raise SystemExit('--fault: %s' % exc)
    simulator = server.VbsSimulator(array, args.listen or ['127.0.0.1'],
                                    args.port, rules=rules,
                                    hold_seconds=args.hold_seconds)
    for match, mode in args.reply_fault:
        simulator.add_reply_fault(match, mode, count=None)
    simulator.start()
    controller = None
    if args.control_port is not None:
        controller = control.ControlServer(
            simulator.surface, simulator.addresses[0],
            args.control_port).start()
    process.announce_ready({
        'address': simulator.addresses[0],
        'addresses': simulator.addresses, 'port': simulator.port,
        'state_dir': state_dir,
        'control_url': controller.url if controller is not None else None})
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    if controller is not None:
        controller.stop()
    simulator.stop()
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
