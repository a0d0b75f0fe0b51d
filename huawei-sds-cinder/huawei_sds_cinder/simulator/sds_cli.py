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
"""sds_cli: the host attach program os-brick's HuaweiStorHyperConnector runs.

os-brick calls ``sds_cli -c attach|detach|querydev -v <volume name>`` and
reads ``ret_code=``, ``ret_desc=`` and ``dev_addr=`` lines from stdout; the
exit status must be 0 or os-brick raises before reading them. This one asks
the (simulated) local VBS, named by --vbs or $HUAWEI_SDS_CLI_VBS
(``address:port[,address:port...]``), and presents the volume's data file
as a loop device (``losetup``), so the host sees a block device of the
volume's size, as with the real VBS. Where the kernel allows no loop device
(or $HUAWEI_SDS_CLI_DEVICE=file), the data file itself is the device; note
that a tool which recreates its output file (``qemu-img convert`` without
``-n``) then shrinks the volume to the image's size.

It is part of the simulator: it talks to the simulated VBS with
simulator/protocol.py and imports nothing from the driver package. The
ATTACH_VOLUME_REQ / DETACH_VOLUME_REQ / QUERY_DEV_REQ requests it sends are
the simulator's own (how a real sds_cli reaches its VBS is not public).
"""

import argparse
import os
import shlex
import subprocess
import sys

from huawei_sds_cinder.simulator import protocol

VBS_ENV = 'HUAWEI_SDS_CLI_VBS'
DEVICE_ENV = 'HUAWEI_SDS_CLI_DEVICE'     # auto (default), loop or file

# Run as ``python -m`` (never installed as a program named sds_cli).
MODULE = 'huawei_sds_cinder.simulator.sds_cli'

# The codes os-brick knows (protocol.rst P7).
RET_OK = 0
RET_NOT_ATTACHED = 1
RET_HAS_BEEN_ATTACHED = 50151401
RET_VBS_ABNORMAL = 50151209
RET_NOT_MOUNT_NODE = 50155007
RET_VOLUME_NOT_EXIST = 50150005
RET_BAD_ARGUMENT = 50150001


def _vbs_clients(spec):
    clients = []
    for item in (spec or '').split(','):
        address, sep, port = item.strip().rpartition(':')
        if sep and address and port.isdigit():
            clients.append((address, int(port)))
    return clients


class VbsUnreachable(Exception):
    """No configured VBS answered."""


class VbsRefused(Exception):
    """The VBS answered with a non-zero retcode."""

    def __init__(self, retcode):
        self.retcode = retcode
        super().__init__('VBS retcode %s' % retcode)


def _request(vbs, request_type, volume_name):
    """Fields of the first VBS reply; VbsRefused/VbsUnreachable."""
    if any(c in volume_name for c in '\r\n\0='):
        raise ValueError('invalid volume name %r' % volume_name)
    errors = []
    for address, port in vbs:
        try:
            retcode, fields = protocol.exchange(
                address, port, request_type, [('vol_name', volume_name)])
        except OSError as exc:
            errors.append('%s:%s: %s' % (address, port, exc))
            continue
        if retcode != protocol.RET_OK:
            raise VbsRefused(retcode)
        return fields
    raise VbsUnreachable('; '.join(errors) or 'no VBS configured')


def _loop_devices(path):
    """Loop devices backed by path (empty when losetup is unusable)."""
    try:
        out = subprocess.run(['losetup', '--noheadings', '--output', 'NAME',
                              '--associated', path], capture_output=True,
                             text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def _device_for(path, mode):
    """The device path the host uses for the data file at path."""
    if mode == 'file':
        return path
    existing = _loop_devices(path)
    if existing:
        # The volume may have been extended since: re-read its size.
        subprocess.run(['losetup', '--set-capacity', existing[0]],
                       capture_output=True, timeout=30)
        return existing[0]
    try:
        return subprocess.run(['losetup', '--find', '--show', path],
                              capture_output=True, text=True, timeout=30,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        if mode == 'loop':
            raise RuntimeError('losetup failed: %s' % exc)
        return path


def _release_devices(path):
    for device in _loop_devices(path):
        subprocess.run(['losetup', '--detach', device], capture_output=True,
                       timeout=30)


def run(command, volume_name, vbs, mode='auto'):
    """Return the stdout lines for one command."""
    if not vbs:
        return ['ret_code=%d' % RET_VBS_ABNORMAL,
                'ret_desc=no VBS address: set --vbs or $%s' % VBS_ENV]
    try:
        if command == 'attach':
            reply = _request(vbs, 'ATTACH_VOLUME_REQ', volume_name)
            code = (RET_HAS_BEEN_ATTACHED
                    if reply.get('already_attached') == '1'
                    else RET_OK)
            _device_for(reply['dev_addr'], mode)
            return ['ret_code=%d' % code]
        if command == 'detach':
            query = _request(vbs, 'QUERY_DEV_REQ', volume_name)
            if query.get('dev_addr'):
                _release_devices(query['dev_addr'])
            reply = _request(vbs, 'DETACH_VOLUME_REQ', volume_name)
            if reply.get('was_attached') == '1':
                return ['ret_code=%d' % RET_OK]
            return ['ret_code=%d' % RET_NOT_MOUNT_NODE,
                    'ret_desc=volume %s is not attached here' % volume_name]
        reply = _request(vbs, 'QUERY_DEV_REQ', volume_name)
        if reply.get('attached') != '1':
            return ['ret_code=%d' % RET_NOT_ATTACHED,
                    'ret_desc=volume %s is not attached' % volume_name]
        return ['ret_code=%d' % RET_OK,
                'dev_addr=%s' % _device_for(reply['dev_addr'], mode)]
    except ValueError as exc:
        return ['ret_code=%d' % RET_BAD_ARGUMENT, 'ret_desc=%s' % exc]
    except VbsRefused as exc:
        if exc.retcode == protocol.RET_NOT_EXIST:
            return ['ret_code=%d' % RET_VOLUME_NOT_EXIST,
                    'ret_desc=volume %s does not exist' % volume_name]
        return ['ret_code=%d' % RET_VBS_ABNORMAL, 'ret_desc=%s' % exc]
    except (VbsUnreachable, RuntimeError) as exc:
        return ['ret_code=%d' % RET_VBS_ABNORMAL,
                'ret_desc=%s' % str(exc).replace('\n', ' ')]


def write_wrapper(directory, python=None):
    """Write an executable ``sds_cli`` into directory; return its path.

    No program of this package is installed under the name of Huawei's
    host tool: tests and the demo write this wrapper into a directory of
    their own and point os-brick at it with HUAWEISDSHYPERVISORCLI_PATH.
    """
    path = os.path.join(directory, 'sds_cli')
    with open(path, 'w') as wrapper:
        wrapper.write('#!/bin/sh\nexec %s -m %s "$@"\n'
                      % (shlex.quote(python or sys.executable), MODULE))
    os.chmod(path, 0o755)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='sds_cli', description='SDSHypervisor host attach (simulator)')
    parser.add_argument('-c', dest='command', required=True,
                        choices=('attach', 'detach', 'querydev'))
    parser.add_argument('-v', dest='volume', required=True)
    parser.add_argument('--vbs', default=os.environ.get(VBS_ENV),
                        help='address:port[,address:port] of the VBS')
    parser.add_argument('--device', choices=('auto', 'loop', 'file'),
                        default=os.environ.get(DEVICE_ENV) or 'auto',
                        help='present the volume as a loop device or as its '
                             'data file (auto: loop when possible)')
    args = parser.parse_args(argv)
    lines = run(args.command, args.volume, _vbs_clients(args.vbs),
                args.device)
    sys.stdout.write('\n'.join(lines) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
