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

"""xio-cinder-simulator: an X-IO ISE speaking REST/XML on two controllers.

Prints the kit's one ready line (simkit.process), ``READY {"address",
"port", "controllers": [...], "iscsi_portal": ...}``, on stdout once both
controllers listen, then serves until SIGTERM/SIGINT.

The command line is parsed before anything of the simulator extra
(common-testing) is imported, so ``--help`` works from a plain install and
a run without the extra says in one line what to install.
"""

import argparse
import contextlib
import ipaddress
import logging
import os
import signal
import sys
import tempfile
import threading

PROG = 'xio-cinder-simulator'
EXTRA_MISSING = ("%s: needs the simulator extra: pip install "
                 "'xio-cinder[simulator]'" % PROG)


class PortExporter:
    """Exports allocations through the targets of this tgtd's data ports.

    The state.Exporter interface over common_testing.simkit's one tgtd
    exporter: an ISE data port's target IQN is the tgtd target, and only
    the ports this tgtd listens on are exported.
    """

    def __init__(self, exporter, addresses, chap=None):
        self.exporter = exporter
        self.addresses = set(addresses)   # where this tgtd listens
        self.chap = chap

    def _ours(self, port):
        return port.ip in self.addresses

    def add(self, port, lun, path, initiators):
        if self._ours(port):
            self.exporter.export(port.iqn, lun, path, initiators,
                                 chap=self.chap)

    def remove(self, port, lun, initiators_gone):
        if self._ours(port):
            self.exporter.unexport(port.iqn, lun, initiators_gone)

    def resize(self, port, lun):
        if self._ours(port):
            self.exporter.resize(port.iqn, lun)


def same_subnet(ip, other, prefix=24):
    network = ipaddress.ip_network('%s/%d' % (other, prefix), strict=False)
    return ipaddress.ip_address(ip) in network


def _pool(text):
    try:
        pid, name, capacity = text.split(':', 2)
        return int(pid), name, int(capacity)
    except ValueError:
        raise argparse.ArgumentTypeError(
            'pool must be ID:NAME:CAPACITY_GB, got %r' % text)


def _delay(text):
    name, _sep, seconds = text.partition('=')
    try:
        return name, float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(
            'delay must be NAME=SECONDS, got %r' % text)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description='X-IO ISE simulator (REST/XML, two controllers).')
    parser.add_argument('--listen', default='127.0.0.1',
                        help='address of controller 1 (primary)')
    parser.add_argument('--port', type=int, default=0,
                        help='port of controller 1 (0: any free port)')
    parser.add_argument('--secondary-listen', default=None,
                        help='address of controller 2 (default: --listen)')
    parser.add_argument('--secondary-port', type=int, default=None,
                        help='port of controller 2 (default: the same as '
                             'controller 1 if the addresses differ, else '
                             'any free port)')
    parser.add_argument('--state-dir', default=None,
                        help='directory for volume data files (default: a '
                             'temporary directory removed at exit)')
    parser.add_argument('--login', default='admin')
    parser.add_argument('--password-env', default='XIO_SIM_PASSWORD',
                        help='environment variable holding the password '
                             '(default XIO_SIM_PASSWORD; passwords are '
                             'not taken on the command line)')
    parser.add_argument('--globalid', default='ISE00000001')
    parser.add_argument('--pool', type=_pool, action='append',
                        help='ID:NAME:CAPACITY_GB (repeatable)')
    parser.add_argument('--iscsi-ip', action='append', default=[],
                        help='an iSCSI data port address (repeatable); '
                             'with --tgtd the tgtd address is added first')
    parser.add_argument('--tgtd', action='store_true',
                        help='start a tgtd and export allocations as LUNs')
    parser.add_argument('--tgtd-address', default=None,
                        help='address for the tgtd (default: this '
                             "process's private loopback)")
    parser.add_argument('--chap-user', default=None,
                        help='require CHAP with this user; the secret is '
                             'read from $XIO_SIM_CHAP_SECRET')
    parser.add_argument('--delay', type=_delay, action='append', default=[],
                        help='create|prepare|commit|delete=SECONDS')
    parser.add_argument('--no-capability', type=int, action='append',
                        default=[], help='omit this /query capability code')
    parser.add_argument('--tls-cert', default=None)
    parser.add_argument('--tls-key', default=None)
    parser.add_argument('--preload', type=int, default=0,
                        help='start with this many 1 GB volumes in pool 1 '
                             '(for benchmarks)')
    parser.add_argument('--debug', action='store_true')
    return parser.parse_args(argv)


def _simulator_modules():
    """server, state, simkit export and process: the simulator extra."""
    try:
        from common_testing.simkit import export
        from common_testing.simkit import process
        from xio_cinder.simulator import server
        from xio_cinder.simulator import state
    except ImportError as exc:
        if (exc.name or '').split('.')[0] != 'common_testing':
            raise
        print(EXTRA_MISSING, file=sys.stderr)
        sys.exit(2)
    return server, state, export, process


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    server, state, export, process = _simulator_modules()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        stream=sys.stderr)
    password = os.environ.get(args.password_env)
    if not password:
        sys.exit('xio-cinder-simulator: set the password in $%s'
                 % args.password_env)
    chap = None
    if args.chap_user:
        secret = os.environ.get('XIO_SIM_CHAP_SECRET')
        if not secret:
            sys.exit('xio-cinder-simulator: --chap-user needs '
                     '$XIO_SIM_CHAP_SECRET')
        chap = (args.chap_user, secret)
    if bool(args.tls_cert) != bool(args.tls_key):
        sys.exit('xio-cinder-simulator: --tls-cert and --tls-key go '
                 'together')

    with contextlib.ExitStack() as stack:
        state_dir = args.state_dir or stack.enter_context(
            tempfile.TemporaryDirectory(prefix='xio-sim-'))
        iscsi_ips = list(args.iscsi_ip)
        exporter = None
        portal = None
        control_port = None
        if args.tgtd:
            tgtd = stack.enter_context(
                export.start_tgtd(address=args.tgtd_address))
            iscsi_ips.insert(0, tgtd.address)
            portal = tgtd.portal
            control_port = tgtd.admin.control_port
            listening = [tgtd.address]
            for ip in iscsi_ips[1:]:
                # tgtd answers SendTargets with all of its portals, so a
                # discovery on any data port lists the ports of its
                # subnet, as an ISE does for OpenStack hosts (protocol.rst
                # P25); ports outside the subnet are never added.
                if same_subnet(ip, tgtd.address):
                    export.add_portal(tgtd.admin, ip, tgtd.port)
                    listening.append(ip)
            tgt_exporter = export.TgtExporter(tgtd.admin)
            stack.callback(tgt_exporter.close)
            exporter = PortExporter(tgt_exporter, listening, chap)
        array = state.ArrayState(
            state_dir, globalid=args.globalid,
            pools=[state.Pool(*pool) for pool in args.pool or ()] or None,
            iscsi_ips=iscsi_ips or [args.listen], chap=chap,
            delays=dict(args.delay), exporter=exporter)
        for index in range(args.preload):
            array.create_volume('preloaded-%06d' % index, 1,
                                next(iter(array.pools)), 0)
        for code in args.no_capability:
            array.capabilities.pop(code, None)
        secondary = args.secondary_listen or args.listen
        addresses = [(args.listen, args.port),
                     (secondary, args.secondary_port)]
        tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
        sim = server.Simulator(array, args.login, password, addresses, tls)
        sim.start_controller(0)
        if args.secondary_port is None:
            same_address = secondary == args.listen
            sim.addresses[1] = (secondary,
                                0 if same_address else sim.addresses[0][1])
        sim.start_controller(1)
        stack.callback(sim.stop)
        process.announce_ready({
            'address': sim.addresses[0][0], 'port': sim.addresses[0][1],
            'controllers': ['%s:%d' % a for a in sim.addresses],
            'san_ip': sim.controller_address(0),
            'san_api_port': (sim.addresses[0][1]
                             if ':' not in sim.controller_address(0)
                             else None),
            'iscsi_portal': portal,
            'tgtd_control_port': control_port,
            'iscsi_ips': [p.ip for p in array.ioports],
            'globalid': array.globalid})
        stopped = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_a: stopped.set())
        stopped.wait()
    return 0


if __name__ == '__main__':
    sys.exit(main())
