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
"""pure-cinder-simulator: a FlashArray REST 2.x simulator.

Example (HTTPS with an operator-provided certificate, its own tgtd)::

    pure-cinder-simulator --listen 127.0.0.7 --port 8443 \\
        --state-dir /var/lib/pure-sim --api-token "$TOKEN" \\
        --tls-cert cert.pem --tls-key key.pem --tgtd

The command line is parsed before anything of the simulator extra
(common-testing, which brings cryptography) is imported, so ``--help``
works from a plain install and a run without the extra says in one line
what to install.  Once it serves it prints the kit's one ready line
(simkit.process), ``READY {"address", "port", "url"}``.
"""

import argparse
import contextlib
import os
import signal
import sys
import threading

GiB = 1024 ** 3
PROG = 'pure-cinder-simulator'
EXTRA_MISSING = ("%s: needs the simulator extra: pip install "
                 "'pure-cinder[simulator]'" % PROG)
# Top-level packages that only the simulator extra installs.
EXTRA_PACKAGES = ('common_testing', 'cryptography')


def _needs_extra(import_simulator):
    """Run import_simulator(); without the extra, say so and exit 2."""
    try:
        return import_simulator()
    except ImportError as exc:
        if (exc.name or '').split('.')[0] not in EXTRA_PACKAGES:
            raise
        print(EXTRA_MISSING, file=sys.stderr)
        sys.exit(2)


def _import_tls():
    from pure_cinder.simulator import tls
    return tls


def _import_simulator():
    from common_testing.simkit import export
    from common_testing.simkit import process
    from pure_cinder.simulator import server
    from pure_cinder.simulator import state
    return server, state, export, process


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description='Simulated Pure Storage FlashArray speaking REST 2.x.')
    parser.add_argument('--listen', default='127.0.0.1',
                        help='loopback address to listen on')
    parser.add_argument('--port', type=int, default=0,
                        help='TCP port (0: any free port; printed)')
    parser.add_argument('--state-dir', required=True,
                        help='directory for the volumes\' data files')
    parser.add_argument('--api-token', default=os.environ.get(
        'PURE_SIM_API_TOKEN'), help='the API token logins must present '
        '(default: $PURE_SIM_API_TOKEN)')
    parser.add_argument('--tls-cert', help='PEM certificate (chain) to serve')
    parser.add_argument('--tls-key', help='PEM private key of --tls-cert')
    parser.add_argument('--generate-cert', metavar='DIR',
                        help='write a new CA (DIR/ca.pem, for '
                             'driver_ssl_cert_path) and a certificate for '
                             '--listen into DIR, and serve HTTPS with it')
    parser.add_argument('--http', action='store_true',
                        help='serve plain HTTP (quick tries only)')
    parser.add_argument('--name', default='sim-flasharray',
                        help='array name')
    parser.add_argument('--capacity-gb', type=int, default=10240,
                        help='usable capacity reported in arrays/space')
    parser.add_argument('--iscsi-portal', action='append', default=[],
                        help='ip:port of an iSCSI port to report (repeat '
                             'for several; with --tgtd defaults to the '
                             'tgtd portal)')
    parser.add_argument('--iscsi-paths', type=int, default=1,
                        help='with --tgtd: how many array ports report '
                             'the tgtd portal (multipath)')
    parser.add_argument('--fc-wwn', action='append', default=None,
                        help='WWN of an FC target port (repeatable)')
    parser.add_argument('--tgtd', action='store_true',
                        help='start a tgtd and export connections through '
                             'it (needs the common-testing extra)')
    parser.add_argument('--tgtd-control-port', type=int,
                        help='export through an already running tgtd')
    parser.add_argument('--session-ttl', type=float, default=3600.0,
                        help='seconds before a session token expires')
    parser.add_argument('--rate-limit', type=int,
                        help='API requests per second before 429')
    parser.add_argument('--page-size', type=int,
                        help='largest page of a list reply (paging)')
    args = parser.parse_args(argv)
    if not args.api_token:
        parser.error('--api-token (or $PURE_SIM_API_TOKEN) is required')
    if args.generate_cert:
        tls = _needs_extra(_import_tls)
        os.makedirs(args.generate_cert, exist_ok=True)
        _ca, args.tls_cert, args.tls_key = tls.write_ca_and_server_cert(
            args.generate_cert, args.listen)
    if not args.http and not args.tls_cert:
        parser.error('give --tls-cert/--tls-key or --generate-cert, or '
                     '--http for plain HTTP')
    return args


def build(args, stack, tgt_admin=None, tgt_portal=None):
    """Create the array and its server from parsed arguments."""
    server, state, export, _process = _needs_extra(_import_simulator)
    exporter = None
    portals = list(args.iscsi_portal)
    if tgt_admin is None and args.tgtd:
        tgtd = stack.enter_context(export.start_tgtd())
        tgt_admin, tgt_portal = tgtd.admin, tgtd.portal
    elif tgt_admin is None and args.tgtd_control_port:
        tgt_admin = export.TgtAdmin(args.tgtd_control_port)
    if tgt_admin is not None:
        if not portals and tgt_portal:
            # Several array ports on one tgtd portal: multipath lists.
            portals = [tgt_portal] * max(1, getattr(args, 'iscsi_paths', 1))
        exporter = export.TgtExporter(tgt_admin)
        stack.callback(exporter.close)
    array = state.FlashArrayState(
        args.state_dir, name=args.name, capacity=args.capacity_gb * GiB,
        iscsi_portals=portals, fc_wwns=args.fc_wwn, exporter=exporter)
    httpd = server.SimulatorServer(
        (args.listen, args.port), array, args.api_token,
        session_ttl=args.session_ttl, rate_limit=args.rate_limit,
        page_size=args.page_size,
        tls_cert=None if args.http else args.tls_cert,
        tls_key=args.tls_key)
    stack.callback(httpd.server_close)
    return array, httpd


def main(argv=None):
    args = parse_args(argv)
    server, _state, _export, process = _needs_extra(_import_simulator)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with contextlib.ExitStack() as stack:
        _array, httpd = build(args, stack)
        server.serve_in_thread(httpd)
        stack.callback(httpd.shutdown)
        address, port = httpd.server_address[:2]
        process.announce_ready({'address': address, 'port': port,
                                'url': httpd.url})
        stop.wait()
    return 0


if __name__ == '__main__':
    sys.exit(main())
