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
"""infortrend-cinder-simulator: a raidcmd-compatible EonStor DS array.

  infortrend-cinder-simulator init --state-dir D [--model R|G] [--pool ...]
  infortrend-cinder-simulator -jar D          # raidcmd on this terminal
  infortrend-cinder-simulator shell --state-dir D
  infortrend-cinder-simulator serve --state-dir D   # the array process
  infortrend-cinder-simulator ssh --state-dir D --listen 127.0.0.7 ...
  infortrend-cinder-simulator set --state-dir D [--spinner on] ...

"-jar D" lets cinder's java_path point at this script with
infortrend_cli_path = D, exactly as it would run the real jar; while a
``serve`` process runs on D, each such session is relayed to it.  ``serve``
and ``ssh`` are array processes: they hold the fault rules and the request
log, served over HTTP by the simulator kit's control server
(``/_sim/faults``, ``/_sim/requests``), and print the kit's ready line,
``READY {"control_url", ...}`` (``ssh`` adds "address", "port",
"host_key" and "iscsi_portal").

The command line is parsed before anything of the simulator is imported:
``--help`` works from a plain install, and without the ``simulator``
extra (common_testing) the script says so in one line and exits 2.
"""

import argparse
import contextlib
import os
import signal
import sys

NEEDS_EXTRA = ("infortrend-cinder-simulator: needs the simulator extra: "
               "pip install 'infortrend-cinder[simulator]'")


def _pool(text):
    name, _, size = text.partition(':')
    return name, int(size or 1024 * 1024)


def _tiered_pool(text):
    name, _, sizes = text.partition(':')
    return name, [int(s) for s in sizes.split(',')]


def _parser():
    parser = argparse.ArgumentParser(prog='infortrend-cinder-simulator',
                                     description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='action', required=True)

    init = sub.add_parser('init', help='create a new array state')
    init.add_argument('--state-dir', required=True)
    init.add_argument('--model', choices=['R', 'G'], default='R')
    init.add_argument('--pool', type=_pool, action='append',
                      help='NAME:SIZE_MB, repeatable')
    init.add_argument('--tiered-pool', type=_tiered_pool, action='append',
                      default=[], help='NAME:TIER0_MB,TIER1_MB,...')
    init.add_argument('--san-ip', default='127.0.0.1')
    init.add_argument('--password', default='')
    init.add_argument('--portal-ip', default='127.0.0.1')
    init.add_argument('--no-thin-license', action='store_true')
    init.add_argument('--system-id', default='DEEC')
    init.add_argument('--replica-seconds', type=float, default=0.5)
    init.add_argument('--tgt-control-port', type=int)

    shell = sub.add_parser('shell', help='raidcmd on this terminal')
    shell.add_argument('--state-dir', required=True)

    serve = sub.add_parser('serve', help='the array process of local '
                           'sessions (-jar, shell)')
    serve.add_argument('--state-dir', required=True)
    serve.add_argument('--listen', default='127.0.0.1',
                       help='address of the control server')
    serve.add_argument('--control-port', type=int, default=0,
                       help='port of the control server (0: a free one)')

    ssh = sub.add_parser('ssh', help='serve raidcmd over SSH')
    ssh.add_argument('--state-dir', required=True)
    ssh.add_argument('--listen', default='127.0.0.1')
    ssh.add_argument('--port', type=int, default=0)
    ssh.add_argument('--host-key', required=True,
                     help='private host key file; created if missing')
    ssh.add_argument('--user', default='admin')
    ssh.add_argument('--password', default='')
    ssh.add_argument('--authorized-key', help='public key file of the user')
    ssh.add_argument('--port-file', help='also write the bound port here '
                     '(the READY line on stdout says it too)')
    ssh.add_argument('--control-port', type=int, default=0,
                     help='port of the control server on the listen '
                          'address (0: a free one)')
    ssh.add_argument('--tgtd', action='store_true',
                     help='start a tgtd on the listen address and export '
                          'mapped iSCSI partitions through it')

    setp = sub.add_parser('set', help='change a running array')
    setp.add_argument('--state-dir', required=True)
    setp.add_argument('--replica-seconds', type=float,
                      help='seconds a replica job takes; <0: never ends')
    setp.add_argument('--spinner', choices=['on', 'off'])
    setp.add_argument('--tgt-control-port', type=int)
    setp.add_argument('--portal-ip')
    return parser


def _host_key(path):
    import paramiko
    if not os.path.exists(path):
        key = paramiko.ECDSAKey.generate()
        key.write_private_key_file(path)
        with open(path + '.pub', 'w') as f:
            f.write('%s %s\n' % (key.get_name(), key.get_base64()))
    return paramiko.ECDSAKey.from_private_key_file(path)


def _array_process(args):
    """Start the control server of an array process; returns its surface.

    SIGTERM unwinds the with-blocks of ``stack``, so the control server
    (and our own tgtd) are stopped too.
    """
    from common_testing.simkit import control
    from common_testing.simkit import faults
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    return control.ControlServer(faults.ControlSurface(), args.listen,
                                 args.control_port)


def _serve_local(args, server):
    from common_testing.simkit import process
    with _array_process(args) as controller:
        server.serve_local(args.state_dir, controller.surface, lambda path: (
            process.announce_ready({'control_url': controller.url,
                                    'socket': path})))


def _serve_ssh(args, server, state_mod):
    import paramiko

    from common_testing.simkit import process
    authorized = None
    if args.authorized_key:
        with open(args.authorized_key) as f:
            kind, blob = f.read().split()[:2]
        authorized = paramiko.PKey.from_type_string(
            kind, __import__('base64').b64decode(blob))
    key = _host_key(args.host_key)
    with contextlib.ExitStack() as stack:
        controller = stack.enter_context(_array_process(args))
        portal = None
        if args.tgtd:
            from common_testing.simkit import export
            tgtd = stack.enter_context(export.start_tgtd(
                address=args.listen))
            with state_mod.Array.open(args.state_dir) as array:
                array.data['tgt_control_port'] = tgtd.control_port
                array.data['portal_ip'] = tgtd.address
            portal = tgtd.portal

        def ready(port):
            if args.port_file:
                with open(args.port_file + '.tmp', 'w') as f:
                    f.write(str(port))
                os.replace(args.port_file + '.tmp', args.port_file)
            process.announce_ready({
                'address': args.listen, 'port': port,
                'host_key': args.host_key + '.pub', 'iscsi_portal': portal,
                'control_url': controller.url})

        server.serve_ssh(args.state_dir, args.listen, args.port, key,
                         args.user, args.password, authorized, ready,
                         controller.surface)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['-jar']:
        # How cinder starts raidcmd: java_path -jar infortrend_cli_path.
        argv = ['shell', '--state-dir'] + argv[1:2]
    args = _parser().parse_args(argv)
    try:
        from infortrend_cinder.simulator import server
        from infortrend_cinder.simulator import state as state_mod
    except ModuleNotFoundError as exc:
        if (exc.name or '').split('.')[0] != 'common_testing':
            raise
        print(NEEDS_EXTRA, file=sys.stderr)
        return 2
    if args.action == 'init':
        config = state_mod.default_config(
            model=args.model, pools=args.pool or [('LV-1', 1024 * 1024)],
            tiered_pools=args.tiered_pool, portal_ip=args.portal_ip,
            thin=not args.no_thin_license, system_id=args.system_id,
            san_ip=args.san_ip, password=args.password)
        config['replica_seconds'] = args.replica_seconds
        config['tgt_control_port'] = args.tgt_control_port
        state_mod.Array.create(args.state_dir, config)
    elif args.action == 'shell':
        server.run_session(args.state_dir, sys.stdin.buffer,
                           sys.stdout.buffer)
    elif args.action == 'serve':
        _serve_local(args, server)
    elif args.action == 'ssh':
        _serve_ssh(args, server, state_mod)
    elif args.action == 'set':
        with state_mod.Array.open(args.state_dir) as array:
            if args.replica_seconds is not None:
                array.data['replica_seconds'] = args.replica_seconds
            if args.spinner:
                array.data['spinner'] = args.spinner == 'on'
            if args.tgt_control_port is not None:
                array.data['tgt_control_port'] = args.tgt_control_port
            if args.portal_ip:
                array.data['portal_ip'] = args.portal_ip
    return 0


if __name__ == '__main__':
    sys.exit(main())
