# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""A user-space iSCSI initiator, and its substitution into os-brick.

The substitution, plainly: the kernel iSCSI initiator (open-iscsi,
iscsiadm, /dev/sdX, multipathd) is not available in a test container, so
the tests attach iSCSI LUNs with **libiscsi inside qemu-storage-daemon**,
and give each attached LUN a local path through qemu-storage-daemon's
**FUSE export**: a regular file whose reads and writes are SCSI commands
on a real iSCSI session (login, CHAP, ACLs and all) to the target.

- ``UserSpaceInitiator.attach(connection_info)`` takes what a cinder
  driver's ``initialize_connection`` returns (or its ``data``):
  ``target_portal``/``target_iqn``/``target_lun``, the multipath lists
  ``target_portals``/``target_iqns``/``target_luns``, ``auth_method``/
  ``auth_username``/``auth_password`` (CHAP), ``discard``.  With multipath
  lists, the lists are validated (same length, well-formed portals) and
  **one path is used**: the first portal that accepts a TCP connection.
  The CHAP secret reaches qemu through a ``secret`` object read from a
  0600 file that is removed once the daemon has started, never through a
  command line or a log.
- ``detach`` stops qemu-storage-daemon by PID (which ends the iSCSI session
  and the FUSE mount) and removes the mountpoint file.
- ``extend`` makes the initiator re-read the LUN's capacity (QMP
  ``block_resize`` at the current size, which makes qemu's iSCSI driver
  issue READ CAPACITY again), as os-brick's ``extend_volume`` does with a
  SCSI rescan.
- ``UserSpaceISCSIConnector`` is an os-brick connector over it, and the
  ``UserSpaceISCSIForOsBrick`` fixture makes os-brick's connector factory
  and ``get_connector_properties`` use it for protocol ISCSI within the
  test process, so cinder's own ``copy_image_to_volume``,
  ``copy_volume_to_image`` (``_attach_volume``/``_detach_volume``) and
  cinderlib's attach run over real iSCSI.  The fixture also runs cinder's
  and os-brick's privsep entrypoints in-process (the tests run as root;
  there is no privsep-helper/rootwrap to start; ``run_as_root`` commands
  need no root helper when the process is root), and makes cinder's
  ``qemu-img convert`` onto an attached path use ``-n`` (cinder's
  ``skip_create``), which is what qemu-img does anyway on a real block
  device, because creating onto a regular file would truncate it.

What it is not: there is no SCSI device, no multipath device and no
``/dev/disk/by-path`` link; encrypted volumes (``encrypted: True``) are
refused because the encryptor needs a block device.
"""

import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from unittest import mock

import fixtures
from os_brick import exception as brick_exception
from os_brick import initiator as brick_initiator
from os_brick.initiator import connector as brick_connector
from os_brick.initiator.connectors import base as brick_base
from oslo_concurrency import processutils

from common_testing import net
from common_testing import tgt

LOG = logging.getLogger(__name__)

QEMU_STORAGE_DAEMON = 'qemu-storage-daemon'
DEFAULT_ISCSI_PORT = 3260
INITIATOR_IQN_PREFIX = 'iqn.2026-11.org.cinder-backends.test'
NODE_NAME = 'lun'           # the qemu block node of the iSCSI LUN
EXPORT_ID = 'fuse'
SECRET_ID = 'chap'
STOP_TIMEOUT = 15.0          # seconds for qemu-storage-daemon to exit
START_TIMEOUT = 120.0        # seconds for it to log in and mount
POLL_INTERVAL = 0.02
ATTR_CACHE_WAIT = 5.0        # seconds; FUSE attributes are cached for 1
PORTAL_PROBE_TIMEOUT = 2.0


class InitiatorError(Exception):
    """An attach or detach failed; the message names the target/path."""


def initiator_name():
    """The initiator IQN of this test process (host name and pid)."""
    host = socket.gethostname().split('.')[0].lower() or 'localhost'
    return '%s:%s-%d' % (INITIATOR_IQN_PREFIX, host, os.getpid())


def parse_portal(portal):
    """'host:port', '[v6]:port' or 'host' -> (host, port)."""
    if not isinstance(portal, str) or not portal:
        raise InitiatorError('invalid iSCSI portal %r' % (portal,))
    if portal.startswith('['):
        host, _sep, rest = portal[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
    elif portal.count(':') == 1:
        host, port = portal.split(':')
    else:
        host, port = portal, ''
    try:
        port = int(port) if port else DEFAULT_ISCSI_PORT
    except ValueError:
        raise InitiatorError('invalid port in iSCSI portal %r' % portal)
    if not host or not 0 < port < 65536:
        raise InitiatorError('invalid iSCSI portal %r' % portal)
    return host, port


def iscsi_paths(data):
    """All (portal, iqn, lun) paths of connection ``data``, validated."""
    if 'target_portals' in data or 'target_iqns' in data:
        lists = [data.get(key) for key in
                 ('target_portals', 'target_iqns', 'target_luns')]
        if not all(isinstance(item, list) for item in lists):
            raise InitiatorError('target_portals, target_iqns and '
                                 'target_luns must all be lists: %r'
                                 % (lists,))
        if len({len(item) for item in lists}) != 1 or not lists[0]:
            raise InitiatorError('target_portals, target_iqns and '
                                 'target_luns must have the same, non-zero '
                                 'length: %r' % (lists,))
        paths = list(zip(*lists))
    else:
        try:
            paths = [(data['target_portal'], data['target_iqn'],
                      data['target_lun'])]
        except KeyError as exc:
            raise InitiatorError('connection data lacks %s' % exc)
    checked = []
    for portal, iqn, lun in paths:
        parse_portal(portal)
        if not isinstance(iqn, str) or not iqn:
            raise InitiatorError('invalid target IQN %r' % (iqn,))
        try:
            lun = int(lun)
        except (TypeError, ValueError):
            raise InitiatorError('invalid LUN %r of target %s' % (lun, iqn))
        checked.append((portal, iqn, lun))
    return checked


def choose_path(data):
    """The first (portal, iqn, lun) whose portal accepts connections."""
    paths = iscsi_paths(data)
    for portal, iqn, lun in paths:
        if net.is_listening(*parse_portal(portal),
                            timeout=PORTAL_PROBE_TIMEOUT):
            return portal, iqn, lun
    raise InitiatorError('no iSCSI portal reachable among %s'
                         % ', '.join(p[0] for p in paths))


def _qemu_opt(value):
    # qemu's option syntax doubles commas inside values.
    return str(value).replace(',', ',,')


class Attachment(object):
    """One LUN attached through one qemu-storage-daemon."""

    def __init__(self, path, process, portal, iqn, lun, qmp_path, workdir):
        self.path = path
        self.process = process
        self.pid = process.pid
        self.portal = portal
        self.iqn = iqn
        self.lun = lun
        self.qmp_path = qmp_path    # an abstract socket: '\0' + name
        self.workdir = workdir

    def __repr__(self):
        return '<Attachment %s/%d at %s pid %s>' % (
            self.iqn, self.lun, self.path, self.pid)

    def size(self):
        return os.stat(self.path).st_size

    def capacity(self):
        """The LUN's size as qemu knows it (no kernel attribute cache)."""
        for node in self.qmp('query-named-block-nodes', flat=True):
            if node.get('node-name') == NODE_NAME:
                return node['image']['virtual-size']
        raise InitiatorError('%s has no block node %s' % (self, NODE_NAME))

    def qmp(self, command, **arguments):
        """Run one QMP command on this daemon's monitor; return 'return'."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(30)
            sock.connect(self.qmp_path)
            stream = sock.makefile('rw')

            def call(name, args):
                stream.write(json.dumps({'execute': name,
                                         'arguments': args}) + '\n')
                stream.flush()
                while True:
                    reply = json.loads(stream.readline())
                    if 'error' in reply:
                        raise InitiatorError(
                            '%s on %s failed: %s' % (
                                name, self, reply['error'].get('desc')))
                    if 'return' in reply:     # else an event: skip it
                        return reply['return']

            stream.readline()     # the greeting
            call('qmp_capabilities', {})
            return call(command, arguments)


class UserSpaceInitiator(object):
    """Attach iSCSI LUNs to local files with qemu-storage-daemon.

    Thread-safe; keeps track of its attachments by path, so that
    ``detach_all()`` (the fixtures call it at cleanup) leaves nothing
    running.
    """

    def __init__(self, name=None, base_dir=None):
        self.name = name or initiator_name()
        self._base_dir = base_dir
        self._own_base_dir = False
        self._lock = threading.Lock()
        self.attachments = {}     # path -> Attachment

    @property
    def base_dir(self):
        with self._lock:
            if self._base_dir is None:
                self._base_dir = tempfile.mkdtemp(prefix='iscsi-initiator-')
                self._own_base_dir = True
            return self._base_dir

    def attach(self, connection):
        """Attach the LUN of ``connection`` and return an Attachment.

        ``connection`` is a connection_info dict (driver_volume_type iscsi)
        or its ``data``.
        """
        if 'driver_volume_type' in connection:
            if connection['driver_volume_type'].lower() != 'iscsi':
                raise InitiatorError('cannot attach driver_volume_type %r; '
                                     'only iscsi'
                                     % connection['driver_volume_type'])
            data = connection.get('data') or {}
        else:
            data = connection
        if data.get('encrypted'):
            raise InitiatorError('encrypted volumes need a block device for '
                                 'the encryptor; the user-space initiator '
                                 'gives a file')
        auth_method = (data.get('auth_method') or '').upper()
        if auth_method not in ('', 'NONE', 'CHAP'):
            raise InitiatorError('auth_method %r of target %s is not '
                                 'supported; only CHAP'
                                 % (data.get('auth_method'),
                                    data.get('target_iqn')))
        portal, iqn, lun = choose_path(data)
        workdir = tempfile.mkdtemp(prefix='lun-', dir=self.base_dir)
        path = os.path.join(workdir, 'disk')
        # The monitor is an abstract socket: a path under a deep TMPDIR
        # can pass the 107 bytes a unix socket path may have.
        qmp_name = 'cinder-backends-qsd-%d-%s' % (
            os.getpid(), os.path.basename(workdir))
        open(path, 'wb').close()    # a FUSE export mounts over a file
        blockdev = ['driver=iscsi', 'node-name=' + NODE_NAME,
                    'transport=tcp', 'portal=' + _qemu_opt(portal),
                    'target=' + _qemu_opt(iqn), 'lun=%d' % lun,
                    'initiator-name=' + _qemu_opt(self.name)]
        if data.get('discard'):
            blockdev.append('discard=unmap')
        # Monitor first: qemu-storage-daemon acts on its options in order,
        # so once the export is mounted every earlier option has worked.
        cmd = [QEMU_STORAGE_DAEMON,
               '--chardev', 'socket,id=qmp,path=%s,abstract=on,server=on,'
               'wait=off' % _qemu_opt(qmp_name),
               '--monitor', 'chardev=qmp']
        secret_path = None
        if auth_method == 'CHAP':
            secret_path = os.path.join(workdir, 'chap')
            fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                         0o600)
            with os.fdopen(fd, 'w') as secret:
                secret.write(data.get('auth_password') or '')
            cmd += ['--object', 'secret,id=%s,file=%s'
                    % (SECRET_ID, _qemu_opt(secret_path))]
            blockdev += ['user=' + _qemu_opt(data.get('auth_username', '')),
                         'password-secret=' + SECRET_ID]
        cmd += ['--blockdev', ','.join(blockdev),
                '--export', 'type=fuse,id=%s,node-name=%s,mountpoint=%s,'
                'writable=on' % (EXPORT_ID, NODE_NAME, _qemu_opt(path))]
        try:
            process = self._start(cmd, path, os.path.join(workdir, 'log'))
        except InitiatorError as exc:
            self._remove_workdir(workdir, path)
            raise InitiatorError('attaching LUN %d of %s at %s failed: %s'
                                 % (lun, iqn, portal, exc)) from None
        finally:
            if secret_path:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(secret_path)
        attachment = Attachment(path, process, portal, iqn, lun,
                                '\0' + qmp_name, workdir)
        with self._lock:
            self.attachments[path] = attachment
        LOG.debug('Attached %r', attachment)
        return attachment

    @staticmethod
    def _start(cmd, mountpoint, log_path):
        """Run qemu-storage-daemon until its export is mounted.

        Not daemonized: it stays our child, so we reap it, and it gets a
        parent-death signal (SIGTERM, on which it unmounts) in case this
        process is killed without cleaning up (see tgt.spawn()).
        """
        # The command line holds no secret (CHAP is in a secret object).
        LOG.debug('Running %s', ' '.join(cmd))
        process = tgt.spawn(cmd, log_path, 'TERM')
        deadline = time.monotonic() + START_TIMEOUT
        while not _is_mountpoint(mountpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                _stop_process(process)
                with open(log_path, errors='replace') as log:
                    reason = ' '.join(log.read().split())
                raise InitiatorError(reason or 'qemu-storage-daemon did not '
                                     'mount its export in %.0f s'
                                     % START_TIMEOUT)
            time.sleep(POLL_INTERVAL)
        return process

    def find(self, iqn, lun):
        """The Attachment of ``iqn``/``lun``, or None."""
        with self._lock:
            for attachment in self.attachments.values():
                if attachment.iqn == iqn and attachment.lun == int(lun):
                    return attachment
        return None

    def extend(self, path):
        """Re-read the LUN's capacity after the target grew it; new size."""
        attachment = self._get(path)
        # qemu's iSCSI driver issues READ CAPACITY on any resize request
        # and refuses only growing past the new capacity; asking for the
        # current size therefore just refreshes it.
        attachment.qmp('block_resize', **{'node-name': NODE_NAME,
                                          'size': attachment.size()})
        size = attachment.capacity()
        # The kernel caches a FUSE file's attributes for a second.
        deadline = time.monotonic() + ATTR_CACHE_WAIT
        while attachment.size() != size and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
        return size

    def detach(self, path):
        """Stop the daemon of ``path`` and remove it; no error if unknown."""
        with self._lock:
            attachment = self.attachments.pop(
                getattr(path, 'path', path), None)
        if attachment is None:
            return
        self._stop(attachment)
        LOG.debug('Detached %r', attachment)

    def detach_all(self):
        with self._lock:
            paths = list(self.attachments)
        for path in paths:
            self.detach(path)
        with self._lock:
            if self._own_base_dir and self._base_dir:
                shutil.rmtree(self._base_dir, ignore_errors=True)
                self._base_dir = None
                self._own_base_dir = False

    def _get(self, path):
        with self._lock:
            try:
                return self.attachments[getattr(path, 'path', path)]
            except KeyError:
                raise InitiatorError('%s is not attached by this initiator'
                                     % path) from None

    @staticmethod
    def _stop(attachment):
        _stop_process(attachment.process)
        UserSpaceInitiator._remove_workdir(attachment.workdir,
                                           attachment.path)

    @staticmethod
    def _remove_workdir(workdir, path):
        if _is_mountpoint(path):
            # A killed daemon leaves its FUSE mount behind.
            with contextlib.suppress(processutils.ProcessExecutionError):
                processutils.execute('fusermount3', '-u', '-z', path)
        shutil.rmtree(workdir, ignore_errors=True)


def _stop_process(process):
    """Stop qemu-storage-daemon: SIGTERM (logout, unmount), then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            LOG.warning('qemu-storage-daemon pid %d ignored SIGTERM; '
                        'killing it', process.pid)
            process.kill()
            process.wait()


def _is_mountpoint(path):
    with open('/proc/self/mounts') as mounts:
        return any(line.split()[1] == path for line in mounts)


class UserSpaceISCSI(fixtures.Fixture):
    """A UserSpaceInitiator whose attachments all end with the fixture."""

    def __init__(self, name=None):
        super().__init__()
        self._name = name

    def _setUp(self):
        self.initiator = UserSpaceInitiator(self._name)
        self.addCleanup(self.initiator.detach_all)
        self.name = self.initiator.name


class UserSpaceISCSIConnector(brick_base.BaseLinuxConnector):
    """os-brick connector for protocol ISCSI over UserSpaceInitiator.

    The connectors the factory builds all share the initiator that
    UserSpaceISCSIForOsBrick installed.
    """

    initiator = None     # set by UserSpaceISCSIForOsBrick

    def __init__(self, root_helper, driver=None, execute=None,
                 *args, **kwargs):
        kwargs.pop('conn', None)
        kwargs.pop('transport', None)
        super().__init__(root_helper, driver=driver, execute=execute,
                         *args, **kwargs)

    @classmethod
    def _initiator(cls):
        if cls.initiator is None:
            raise brick_exception.BrickException(
                'UserSpaceISCSIConnector used without the '
                'UserSpaceISCSIForOsBrick fixture')
        return cls.initiator

    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        initiator = UserSpaceISCSIConnector.initiator
        return {'initiator': initiator.name if initiator
                else initiator_name()}

    def get_search_path(self):
        return self._initiator().base_dir

    def get_volume_paths(self, connection_properties):
        try:
            paths = iscsi_paths(connection_properties)
        except InitiatorError:
            return []
        found = []
        for _portal, iqn, lun in paths:
            attachment = self._initiator().find(iqn, lun)
            if attachment and attachment.path not in found:
                found.append(attachment.path)
        return found

    def get_all_available_volumes(self, connection_properties=None):
        return list(self._initiator().attachments)

    def connect_volume(self, connection_properties):
        try:
            attachment = self._initiator().attach(connection_properties)
        except InitiatorError as exc:
            raise brick_exception.VolumeDeviceNotFound(device=str(exc))
        return {'type': 'block', 'path': attachment.path,
                'scsi_wwn': None, 'multipath_id': None,
                'target_iqn': attachment.iqn,
                'target_portal': attachment.portal,
                'target_lun': attachment.lun}

    def disconnect_volume(self, connection_properties, device_info,
                          force=False, ignore_errors=False):
        paths = set(self.get_volume_paths(connection_properties))
        if device_info and device_info.get('path'):
            paths.add(device_info['path'])
        for path in paths:
            try:
                self._initiator().detach(path)
            except Exception:
                if not ignore_errors:
                    raise
                LOG.exception('Detaching %s failed; ignored', path)

    def extend_volume(self, connection_properties):
        paths = self.get_volume_paths(connection_properties)
        if not paths:
            raise brick_exception.VolumePathsNotFound()
        return self._initiator().extend(paths[0])

    def check_valid_device(self, path, run_as_root=True):
        try:
            with open(path, 'rb') as device:
                device.read(512)
        except OSError:
            return False
        return True


CONNECTOR_CLASS = '%s.%s' % (__name__, UserSpaceISCSIConnector.__name__)
_BASE_CONNECTOR_CLASS = 'os_brick.initiator.connectors.base.BaseLinuxConnector'


class UserSpaceISCSIForOsBrick(fixtures.Fixture):
    """Make os-brick attach iSCSI volumes with the user-space initiator.

    Within this process: the connector factory (``InitiatorConnector.
    factory``, which cinder's ``volume_utils.brick_get_connector`` and
    cinderlib call) returns UserSpaceISCSIConnector for protocol ISCSI;
    ``get_connector_properties`` reports this process's initiator IQN
    instead of reading /etc/iscsi; cinder's and os-brick's privsep
    entrypoints run in-process.  Attributes: ``initiator``, ``name``.
    """

    def __init__(self, name=None):
        super().__init__()
        self._name = name

    def _setUp(self):
        self.initiator = self.useFixture(UserSpaceISCSI(self._name)).initiator
        self.name = self.initiator.name
        self.useFixture(fixtures.MockPatchObject(
            UserSpaceISCSIConnector, 'initiator', self.initiator))
        # The factory maps protocol names to class paths per architecture.
        for mapping in (brick_connector._connector_mapping_linux,
                        brick_connector._connector_mapping_linux_s390x,
                        brick_connector._connector_mapping_linux_ppc64):
            if brick_initiator.ISCSI in mapping:
                patcher = mock.patch.dict(
                    mapping, {brick_initiator.ISCSI: CONNECTOR_CLASS})
                patcher.start()
                self.addCleanup(patcher.stop)
        # get_connector_properties asks every connector in this list.  Only
        # the generic one and ours answer here: the kernel iSCSI one reads
        # /etc/iscsi, and the NVMe-oF one (run as root in-process) would
        # try to create /etc/nvme/hostnqn on this machine.
        self.useFixture(fixtures.MockPatchObject(
            brick_connector, 'unix_connector_list',
            [_BASE_CONNECTOR_CLASS, CONNECTOR_CLASS]))
        self.useFixture(PrivsepInProcess())
        self._convert_onto_attached_files_without_create()

    def _convert_onto_attached_files_without_create(self):
        # cinder writes images onto attached volumes with "qemu-img convert"
        # and no -n, relying on qemu-img's create being a no-op on a block
        # device.  On a regular file (our FUSE export) create truncates it,
        # which an iSCSI LUN cannot do; -n (cinder's skip_create) is what
        # the block device case amounts to.
        from cinder.image import image_utils
        convert = image_utils._convert_image
        initiator = self.initiator

        def convert_image(prefix, source, dest, *args, **kwargs):
            if dest in initiator.attachments:
                kwargs['skip_create'] = True
            return convert(prefix, source, dest, *args, **kwargs)

        self.useFixture(fixtures.MockPatchObject(
            image_utils, '_convert_image', convert_image))


class PrivsepInProcess(fixtures.Fixture):
    """Run cinder's and os-brick's privsep entrypoints in this process.

    The tests run as root in a container without sudo/privsep-helper, so
    starting a privsep daemon would fail; in-process calls have the same
    privileges.
    """

    def _setUp(self):
        import cinder.privsep
        import os_brick.privileged
        for context in (cinder.privsep.sys_admin_pctxt,
                        os_brick.privileged.default,
                        os_brick.privileged.brick_privsep_hide_output):
            self.useFixture(fixtures.MockPatchObject(
                context, 'client_mode', False))
