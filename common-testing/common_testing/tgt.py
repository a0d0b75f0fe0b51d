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
"""An iSCSI target for tests and simulators: tgtd and tgtadm.

``Tgtd`` runs one tgtd (Debian ``tgt``) on this process's private loopback
address, a free port and a control port of its own, so that any number can
run at once (stestr workers, several simulators).  ``TgtAdmin`` drives it
with ``tgtadm -C <control port>``: targets, LUNs, initiator ACLs and
incoming CHAP accounts, all addressed by target IQN.

Facts about tgtd 1.0.85 this module relies on:

- the control socket is ``/var/run/tgtd/socket.<N>``, guarded by a POSIX
  lock on ``socket.<N>.lock``; a second tgtd with the same N exits;
- tgtd reads a LUN's size when the LUN is added and never again, so a grown
  backing file becomes visible only after the LUN is deleted and re-added
  (the SCSI serial is derived from tid and LUN, so initiators see the same
  disk);
- CHAP accounts are global to a tgtd and bound to targets by user name;
- an initiator is let in if its address *or* its name is in the target's
  ACL; a target with no ACL refuses everybody;
- tgtd ignores SIGTERM while it has targets, so it is stopped with SIGKILL
  (it keeps no state worth saving: LUN data is written straight to the
  backing files).
"""

from concurrent import futures
import dataclasses
import fcntl
import logging
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import fixtures
from oslo_concurrency import lockutils
from oslo_concurrency import processutils
from oslo_utils import strutils

from common_testing import net

LOG = logging.getLogger(__name__)

SOCKET_DIR = '/var/run/tgtd'
TGTD = 'tgtd'
TGTADM = 'tgtadm'
SETPRIV = 'setpriv'     # util-linux
LLD = 'iscsi'
# tgtadm's name for "any initiator" in a target ACL.
ALL_INITIATORS = 'ALL'
# tgtadm exits with EINVAL (22) for "can't find the target", "this target
# already exists" and most other refusals; the message tells them apart.
_NO_TARGET = "can't find the target"
_TARGET_EXISTS = 'this target already exists'
_NO_ACL_RULE = 'this access control rule does not exist'
_NO_ACCOUNT = "can't find the account"
_LOGICAL_UNIT_EXISTS = 'this logical unit number already exists'
_CONTROLLER_LUN = 0    # tgtd's own LUN 0 of every target
# What tgtd logs (and then carries on without the portal) when the portal
# address and port are taken.
_PORTAL_FAILED = 'failed to create/bind to portal'


class TgtError(Exception):
    """tgtadm refused an operation; the message names the object."""


class TgtdStartError(TgtError):
    """tgtd did not start or did not answer in time."""


@dataclasses.dataclass
class Lun:
    lun: int
    path: str
    thin_provisioning: bool = False


@dataclasses.dataclass
class Target:
    tid: int
    iqn: str
    luns: dict = dataclasses.field(default_factory=dict)   # lun -> Lun
    accounts: list = dataclasses.field(default_factory=list)
    outgoing_accounts: list = dataclasses.field(default_factory=list)
    # Initiator addresses (or ALL) and initiator names, as tgtd lists them.
    acl: list = dataclasses.field(default_factory=list)
    # Initiator names with a session open now (I_T nexus).
    sessions: list = dataclasses.field(default_factory=list)


def parse_show(text):
    """Parse ``tgtadm --mode target --op show`` into {iqn: Target}."""
    targets = {}
    target = section = lun = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip(' '))
        if indent == 0 and stripped.startswith('Target '):
            head, _sep, iqn = stripped.partition(': ')
            target = Target(tid=int(head.split()[1]), iqn=iqn.strip())
            targets[target.iqn] = target
            section = lun = None
        elif target is None:
            continue
        elif indent == 4:
            section = stripped.rstrip(':')
            lun = None
        elif section == 'LUN information':
            key, _sep, value = stripped.partition(':')
            value = value.strip()
            if key == 'LUN':
                lun = Lun(lun=int(value), path=None)
                if lun.lun != _CONTROLLER_LUN:
                    target.luns[lun.lun] = lun
            elif key == 'Backing store path' and lun is not None:
                lun.path = value
            elif key == 'Thin-provisioning' and lun is not None:
                lun.thin_provisioning = value == 'Yes'
        elif section == 'Account information':
            if stripped.endswith(' (outgoing)'):
                target.outgoing_accounts.append(
                    stripped[:-len(' (outgoing)')])
            else:
                target.accounts.append(stripped)
        elif section == 'ACL information':
            target.acl.append(stripped)
        elif section == 'I_T nexus information':
            key, _sep, value = stripped.partition(':')
            if key == 'Initiator':
                target.sessions.append(value.split()[0])
    return targets


def _lock_name(control_port):
    return 'common-testing-tgtadm-%d' % control_port


class TgtAdmin(object):
    """tgtadm for one tgtd, addressed by control port.

    Calls are serialised per control port within this process, because a
    simulator serves requests from several threads and tgtadm operations
    such as "find a free tid, then create" must not interleave.
    """

    def __init__(self, control_port, timeout=30):
        self.control_port = int(control_port)
        self.timeout = timeout

    # -- plumbing ----------------------------------------------------------

    def _tgtadm(self, *args):
        cmd = [TGTADM, '-C', str(self.control_port), '--lld', LLD]
        cmd.extend(str(arg) for arg in args)
        try:
            out, _err = processutils.execute(*cmd, timeout=self.timeout)
        except processutils.ProcessExecutionError as exc:
            # exc carries processutils' masked command line and output.
            raise TgtError('tgtd on control port %d: %s failed: %s'
                           % (self.control_port, ' '.join(args[:4]),
                              (exc.stderr or exc.stdout or '').strip())
                           ) from exc
        return out

    def _locked(self):
        return lockutils.lock(_lock_name(self.control_port))

    def _targets(self):
        return parse_show(self._tgtadm('--mode', 'target', '--op', 'show'))

    def _target(self, iqn):
        target = self._targets().get(iqn)
        if target is None:
            raise TgtError('target %s does not exist on tgtd control port %d'
                           % (iqn, self.control_port))
        return target

    # -- queries -----------------------------------------------------------

    def ping(self):
        """Raise TgtError unless tgtd answers on the control port."""
        self._tgtadm('--mode', 'sys', '--op', 'show')

    def targets(self):
        """Return {iqn: Target} of everything tgtd exports now."""
        with self._locked():
            return self._targets()

    def target(self, iqn):
        """Return the Target ``iqn``, or None if it does not exist."""
        return self.targets().get(iqn)

    # -- targets -----------------------------------------------------------

    def create_target(self, iqn):
        """Create target ``iqn`` and return its tid.

        Idempotent: an existing target keeps its tid and is returned as is.
        A new target has no ACL, so nobody can log in until
        allow_initiator() is called.
        """
        with self._locked():
            targets = self._targets()
            if iqn in targets:
                return targets[iqn].tid
            tid = max([t.tid for t in targets.values()] or [0]) + 1
            while True:
                try:
                    self._tgtadm('--mode', 'target', '--op', 'new',
                                 '--tid', tid, '--targetname', iqn)
                    return tid
                except TgtError as exc:
                    # Another process driving the same tgtd took this tid.
                    if _TARGET_EXISTS not in str(exc):
                        raise
                    current = self._targets()
                    if iqn in current:
                        raise TgtError('target %s exists already with tid %d'
                                       % (iqn, current[iqn].tid)) from exc
                    tid += 1

    def delete_target(self, iqn):
        """Delete target ``iqn`` even with sessions open; no error if absent.

        CHAP accounts that were bound to this target and to no other are
        deleted as well.
        """
        with self._locked():
            targets = self._targets()
            target = targets.pop(iqn, None)
            if target is None:
                return
            try:
                self._tgtadm('--mode', 'target', '--op', 'delete', '--force',
                             '--tid', target.tid)
            except TgtError as exc:
                if _NO_TARGET not in str(exc):
                    raise
            self._delete_unbound_accounts(target.accounts, targets.values())

    # -- logical units -----------------------------------------------------

    def add_lun(self, iqn, lun, path, thin_provisioning=False):
        """Export file or block device ``path`` as LUN ``lun`` of ``iqn``.

        With ``thin_provisioning`` the LUN reports logical block
        provisioning and UNMAP punches holes in ``path``, so initiators'
        discards free space in the backing file.
        """
        lun = int(lun)
        if lun == _CONTROLLER_LUN:
            raise TgtError('LUN 0 of target %s is tgtd\'s controller LUN; '
                           'use LUN 1 or above' % iqn)
        if not os.path.exists(path):
            raise TgtError('backing store %s of LUN %d of target %s does not '
                           'exist' % (path, lun, iqn))
        with self._locked():
            target = self._target(iqn)
            self._new_lun(target.tid, lun, path, thin_provisioning)

    def _new_lun(self, tid, lun, path, thin_provisioning):
        self._tgtadm('--mode', 'logicalunit', '--op', 'new',
                     '--tid', tid, '--lun', lun, '--backing-store', path)
        if thin_provisioning:
            self._tgtadm('--mode', 'logicalunit', '--op', 'update',
                         '--tid', tid, '--lun', lun,
                         '--params', 'thin_provisioning=1')

    def remove_lun(self, iqn, lun):
        """Remove LUN ``lun`` of ``iqn``; no error if either is absent."""
        with self._locked():
            target = self._targets().get(iqn)
            if target is None or int(lun) not in target.luns:
                return
            self._tgtadm('--mode', 'logicalunit', '--op', 'delete',
                         '--tid', target.tid, '--lun', int(lun))

    def resize_lun(self, iqn, lun):
        """Make a grown backing file's new size visible to initiators.

        tgtd reads the size only when a LUN is added, so the LUN is deleted
        and added again with the same backing store, under the lock so no
        other tgtadm call sees it missing.  Initiators with a session open
        get a unit attention and re-read the capacity when asked.
        """
        lun = int(lun)
        with self._locked():
            target = self._target(iqn)
            if lun not in target.luns:
                raise TgtError('LUN %d of target %s does not exist'
                               % (lun, iqn))
            current = target.luns[lun]
            self._tgtadm('--mode', 'logicalunit', '--op', 'delete',
                         '--tid', target.tid, '--lun', lun)
            self._new_lun(target.tid, lun, current.path,
                          current.thin_provisioning)

    # -- access control ----------------------------------------------------

    @staticmethod
    def _acl_option(initiator):
        # tgtd takes initiator names and addresses through different
        # options; ALL and IP addresses are addresses.
        if initiator == ALL_INITIATORS or initiator[:1].isdigit():
            return '--initiator-address'
        return '--initiator-name'

    def allow_initiator(self, iqn, initiator):
        """Let ``initiator`` (an IQN, an IP address or ALL) log in to ``iqn``.

        Idempotent.
        """
        with self._locked():
            target = self._target(iqn)
            if initiator in target.acl:
                return
            self._tgtadm('--mode', 'target', '--op', 'bind',
                         '--tid', target.tid,
                         self._acl_option(initiator), initiator)

    def disallow_initiator(self, iqn, initiator):
        """Remove ``initiator`` from the ACL of ``iqn``; idempotent.

        Sessions already open stay open (as on a real array, until logout).
        """
        with self._locked():
            target = self._targets().get(iqn)
            if target is None or initiator not in target.acl:
                return
            try:
                self._tgtadm('--mode', 'target', '--op', 'unbind',
                             '--tid', target.tid,
                             self._acl_option(initiator), initiator)
            except TgtError as exc:
                if _NO_ACL_RULE not in str(exc):
                    raise

    # -- CHAP --------------------------------------------------------------

    @staticmethod
    def _check_secret_is_maskable(user, secret):
        # tgtadm takes the secret on its command line, which processutils
        # logs after strutils.mask_password(); refuse a secret that the
        # masking would not hide completely rather than log part of it.
        if not secret:
            raise ValueError('CHAP secret of user %s is empty' % user)
        masked = strutils.mask_password('--password %s' % secret)
        if secret in masked or masked != '--password ***':
            raise ValueError('CHAP secret of user %s contains characters '
                             '(whitespace, quotes, = or similar) that could '
                             'leak into logs; use letters, digits and '
                             'punctuation' % user)

    def set_chap(self, iqn, user, secret):
        """Require CHAP user/secret (incoming) for logins to ``iqn``.

        tgtd's accounts are global, so an account of the same user name is
        replaced (and stays bound to the other targets it was bound to):
        the last secret set for a user wins.
        """
        self._check_secret_is_maskable(user, secret)
        with self._locked():
            targets = self._targets()
            if iqn not in targets:
                raise TgtError('target %s does not exist on tgtd control port '
                               '%d' % (iqn, self.control_port))
            bound_to = [t.tid for t in targets.values() if user in t.accounts]
            if self._account_exists(user):
                self._tgtadm('--mode', 'account', '--op', 'delete',
                             '--user', user)
            self._tgtadm('--mode', 'account', '--op', 'new',
                         '--user', user, '--password', secret)
            for tid in sorted(set(bound_to + [targets[iqn].tid])):
                self._tgtadm('--mode', 'account', '--op', 'bind',
                             '--tid', tid, '--user', user)
            LOG.debug('CHAP user %s required for target %s', user, iqn)

    def clear_chap(self, iqn):
        """Let ``iqn`` accept logins without CHAP again; idempotent."""
        with self._locked():
            targets = self._targets()
            target = targets.pop(iqn, None)
            if target is None:
                return
            for user in target.accounts:
                self._tgtadm('--mode', 'account', '--op', 'unbind',
                             '--tid', target.tid, '--user', user)
            self._delete_unbound_accounts(target.accounts, targets.values())

    def _account_exists(self, user):
        out = self._tgtadm('--mode', 'account', '--op', 'show')
        # "Account list:" followed by one indented user name per line.
        return user in [line.strip() for line in out.splitlines()[1:]]

    def _delete_unbound_accounts(self, users, other_targets):
        still_bound = {u for t in other_targets for u in t.accounts}
        for user in users:
            if user in still_bound:
                continue
            try:
                self._tgtadm('--mode', 'account', '--op', 'delete',
                             '--user', user)
            except TgtError as exc:
                if _NO_ACCOUNT not in str(exc):
                    raise


_spawner = None
_spawner_lock = threading.Lock()


def spawn(cmd, log_path, parent_death_signal):
    """Popen ``cmd`` (output to ``log_path``) so that it dies with us.

    setpriv gives the child a parent-death signal, so a test process
    killed without running its cleanups (a timeout) takes its servers with
    it.  That signal is tied to the *thread* that forks, so every child is
    forked by one long-lived thread of this process, never by a request
    thread or a thread pool's worker that may end first.
    """
    global _spawner
    with _spawner_lock:
        if _spawner is None or _spawner[0] != os.getpid():   # after fork
            _spawner = (os.getpid(), futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix='common-testing-spawner'))
        executor = _spawner[1]
    with open(log_path, 'wb') as log:
        return executor.submit(
            subprocess.Popen,
            [SETPRIV, '--pdeathsig', parent_death_signal] + list(cmd),
            stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT).result()


def _holds_control_socket(pid, control_port):
    """True if process ``pid`` listens on control socket ``control_port``.

    Compares the inodes of the unix sockets bound to the socket path
    (/proc/net/unix) with the sockets the process has open.
    """
    path = os.path.join(SOCKET_DIR, 'socket.%d' % control_port)
    inodes = set()
    with open('/proc/net/unix') as table:
        next(table)     # header
        for line in table:
            fields = line.split()
            if len(fields) >= 8 and fields[7] == path:
                inodes.add('socket:[%s]' % fields[6])
    if not inodes:
        return False
    fd_dir = '/proc/%d/fd' % pid
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(os.path.join(fd_dir, fd)) in inodes:
                return True
        except OSError:
            continue
    return False


def _control_port_is_free(control_port):
    """True if no tgtd holds the lock of control socket ``control_port``."""
    lock_path = os.path.join(SOCKET_DIR, 'socket.%d.lock' % control_port)
    try:
        fd = os.open(lock_path, os.O_WRONLY)
    except FileNotFoundError:
        return True
    try:
        # The same kind of lock tgtd takes (lockf), tested and let go.
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


class Tgtd(fixtures.Fixture):
    """Run one tgtd for the lifetime of the fixture.

    Attributes after setUp: ``address``, ``port``, ``portal``
    ('address:port'), ``control_port``, ``admin`` (a TgtAdmin), ``pid``.

    Usable with useFixture() in tests and as a context manager
    (``with Tgtd() as tgtd:``) in simulators' console scripts.  tgtd is
    killed by PID and its control socket files removed at cleanup, also
    when setUp fails part way; and by the kernel if this process dies
    without cleaning up (see spawn()).
    """

    # Control socket numbers are picked at random from this range, away
    # from the small numbers people type by hand.
    CONTROL_PORTS = (10000, 32767)     # tgtd refuses -C above 32767
    START_ATTEMPTS = 10
    START_TIMEOUT = 10.0     # seconds for one tgtd to answer
    POLL_INTERVAL = 0.02

    def __init__(self, address=None, port=None):
        super().__init__()
        self._wanted_address = address
        self._wanted_port = port
        self.address = self.port = self.portal = None
        self.control_port = self.admin = self.pid = None

    def _setUp(self):
        self.address = self._wanted_address or net.private_loopback()
        self._workdir = tempfile.mkdtemp(prefix='tgtd-')
        self.addCleanup(shutil.rmtree, self._workdir, ignore_errors=True)
        choose = random.Random(os.getpid() ^ time.monotonic_ns())
        failures = []
        for _attempt in range(self.START_ATTEMPTS):
            control_port = choose.randint(*self.CONTROL_PORTS)
            if not _control_port_is_free(control_port):
                continue
            port = self._wanted_port or net.free_port(self.address)
            problem = self._start(control_port, port)
            if problem is None:
                LOG.debug('tgtd pid %d serves %s, control port %d',
                          self.pid, self.portal, self.control_port)
                return
            failures.append(problem)
        raise TgtdStartError('tgtd did not start on %s: %s'
                             % (self.address, '; '.join(failures)))

    def _start(self, control_port, port):
        """Start tgtd; return None when it serves, else why it did not."""
        log_path = os.path.join(self._workdir, 'tgtd-%d.log' % control_port)
        cmd = [TGTD, '-f', '-C', str(control_port),
               '--iscsi', 'portal=%s:%d' % (self.address, port)]
        # tgtd ignores SIGTERM, hence KILL if this process dies first.
        process = spawn(cmd, log_path, 'KILL')
        owned = {'socket': False}
        self.addCleanup(self._stop, process, control_port, owned)
        admin = TgtAdmin(control_port, timeout=5)
        deadline = time.monotonic() + self.START_TIMEOUT
        problem = 'tgtd %s did not answer within %.0f s' % (
            ' '.join(cmd), self.START_TIMEOUT)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                # e.g. another tgtd holds this control port's lock.
                problem = 'tgtd %s exited with %s' % (' '.join(cmd),
                                                      process.returncode)
                break
            if _PORTAL_FAILED in self._tail(log_path, lines=100):
                # tgtd keeps running without its portal; no use to us.
                problem = 'tgtd %s could not listen on its portal' % (
                    ' '.join(cmd))
                break
            if (net.is_listening(self.address, port)
                    and _holds_control_socket(process.pid, control_port)):
                try:
                    admin.ping()
                except TgtError:
                    pass
                else:
                    owned['socket'] = True
                    self.control_port = control_port
                    self.port = port
                    self.portal = '%s:%d' % (self.address, port)
                    self.admin = admin
                    self.pid = process.pid
                    return None
            time.sleep(self.POLL_INTERVAL)
        self._stop(process, control_port, owned)
        return '%s: %s' % (problem, self._tail(log_path))

    @staticmethod
    def _tail(log_path, lines=5):
        try:
            with open(log_path, errors='replace') as log:
                return ' | '.join(log.read().splitlines()[-lines:])
        except OSError:
            return '(no log)'

    @staticmethod
    def _stop(process, control_port, owned):
        if (process.poll() is None
                and _holds_control_socket(process.pid, control_port)):
            owned['socket'] = True     # e.g. a tgtd without its portal
        if process.poll() is None:
            try:
                os.kill(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait()
        if owned['socket']:
            # Only the files of a socket our tgtd held: a tgtd that lost the
            # race for a control port must not remove the winner's files.
            for name in ('socket.%d' % control_port,
                         'socket.%d.lock' % control_port):
                try:
                    os.unlink(os.path.join(SOCKET_DIR, name))
                except FileNotFoundError:
                    pass
