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

import concurrent.futures
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time

import fixtures
import testtools

from common_testing import net
from common_testing.simkit import process
from common_testing.simkit import volumes
from common_testing.tests import base
from common_testing import tgt

TARGET = 'iqn.2026-11.org.cinder-backends.test:target-a'
OTHER_TARGET = 'iqn.2026-11.org.cinder-backends.test:target-b'
INITIATOR = 'iqn.2026-11.org.cinder-backends.test:host-a'
FOREIGN_INITIATOR = 'iqn.2026-11.org.cinder-backends.test:intruder'
MiB = 1024 * 1024


def libiscsi(tool, portal, iqn=None, lun=None, initiator=INITIATOR,
             user=None, secret=None):
    """Run a libiscsi tool (iscsi-inq, iscsi-ls...) against ``portal``.

    The CHAP secret goes through libiscsi's environment variable, never on
    the command line.
    """
    url = 'iscsi://%s%s' % ('%s@' % user if user else '', portal)
    if iqn:
        url += '/%s/%d' % (iqn, lun)
    env = dict(os.environ)
    if secret:
        env['LIBISCSI_CHAP_PASSWORD'] = secret
    return subprocess.run([tool, '-i', initiator, url], env=env,
                          capture_output=True, text=True, timeout=30)


def capacity(portal, iqn, lun, **kwargs):
    result = libiscsi('iscsi-readcapacity16', portal, iqn, lun, **kwargs)
    if result.returncode:
        raise AssertionError('iscsi-readcapacity16 failed: %s %s'
                             % (result.stdout, result.stderr))
    for line in result.stdout.splitlines():
        if line.startswith('Total size:'):
            return int(line.split(':')[1])
    raise AssertionError('no size in %r' % result.stdout)


class TestParseShow(base.TestCase):

    SHOW = textwrap.dedent('''\
        Target 1: iqn.2026-11.test:t1
            System information:
                Driver: iscsi
                State: ready
            I_T nexus information:
                I_T nexus: 3
                    Initiator: iqn.2026-11.test:host alias: box
                    Connection: 0
                        IP Address: 127.0.0.1
            LUN information:
                LUN: 0
                    Type: controller
                    Backing store path: None
                LUN: 1
                    Type: disk
                    Size: 17 MB, Block size: 512
                    Backing store type: rdwr
                    Backing store path: /tmp/x/lun1.img
                    Backing store flags:
            Account information:
                u1
                u2 (outgoing)
            ACL information:
                ALL
                iqn.2026-11.test:host
        Target 4: iqn.2026-11.test:t4
            System information:
                Driver: iscsi
                State: ready
            I_T nexus information:
            LUN information:
                LUN: 0
                    Type: controller
            Account information:
            ACL information:
        ''')

    def test_parse(self):
        targets = tgt.parse_show(self.SHOW)
        self.assertEqual(['iqn.2026-11.test:t1', 'iqn.2026-11.test:t4'],
                         sorted(targets))
        t1 = targets['iqn.2026-11.test:t1']
        self.assertEqual(1, t1.tid)
        self.assertEqual({1: tgt.Lun(1, '/tmp/x/lun1.img')}, t1.luns)
        self.assertEqual(['u1'], t1.accounts)
        self.assertEqual(['u2'], t1.outgoing_accounts)
        self.assertEqual(['ALL', 'iqn.2026-11.test:host'], t1.acl)
        self.assertEqual(['iqn.2026-11.test:host'], t1.sessions)
        t4 = targets['iqn.2026-11.test:t4']
        self.assertEqual((4, {}, [], []),
                         (t4.tid, t4.luns, t4.acl, t4.accounts))


class TgtdTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tgtd = self.useFixture(tgt.Tgtd())
        self.admin = self.tgtd.admin
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def backing_file(self, name='lun.img', size=4 * MiB):
        path = os.path.join(self.tmp, name)
        volumes.create(path, size, exist_ok=True)
        return path

    def export(self, iqn=TARGET, lun=1, size=4 * MiB, initiator=INITIATOR):
        path = self.backing_file('%s-%d.img' % (iqn.rsplit(':', 1)[1], lun),
                                 size)
        self.admin.create_target(iqn)
        self.admin.add_lun(iqn, lun, path)
        if initiator:
            self.admin.allow_initiator(iqn, initiator)
        return path


class TestTgtd(TgtdTestCase):

    def test_attributes(self):
        self.assertEqual(net.private_loopback(), self.tgtd.address)
        self.assertEqual('%s:%d' % (self.tgtd.address, self.tgtd.port),
                         self.tgtd.portal)
        self.assertEqual(self.tgtd.control_port, self.admin.control_port)
        self.assertTrue(process.pid_alive(self.tgtd.pid))
        self.assertTrue(os.path.exists(
            '/var/run/tgtd/socket.%d' % self.tgtd.control_port))

    def test_lun_readable_with_libiscsi(self):
        path = self.export(size=6 * MiB)
        with open(path, 'r+b') as f:
            f.write(b'\xabhello')
        self.assertEqual(6 * MiB, capacity(self.tgtd.portal, TARGET, 1))
        result = libiscsi('iscsi-ls', self.tgtd.portal)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('Target:%s Portal:%s' % (TARGET, self.tgtd.portal),
                      result.stdout)
        info = subprocess.run(
            ['qemu-img', 'info', '--output=json', '--image-opts',
             'driver=iscsi,transport=tcp,portal=%s,target=%s,lun=1,'
             'initiator-name=%s' % (self.tgtd.portal, TARGET, INITIATOR)],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(0, info.returncode, info.stderr)
        self.assertIn('"virtual-size": %d' % (6 * MiB), info.stdout)

    def test_query(self):
        path = self.export()
        self.admin.set_chap(TARGET, 'user1', 'Secret1234567')
        target = self.admin.target(TARGET)
        self.assertEqual(1, target.tid)
        self.assertEqual({1: tgt.Lun(1, path)}, target.luns)
        self.assertEqual([INITIATOR], target.acl)
        self.assertEqual(['user1'], target.accounts)
        self.assertIsNone(self.admin.target(OTHER_TARGET))

    def test_target_ids_per_tgtd_and_create_idempotent(self):
        self.assertEqual(1, self.admin.create_target(TARGET))
        self.assertEqual(2, self.admin.create_target(OTHER_TARGET))
        self.assertEqual(1, self.admin.create_target(TARGET))
        self.admin.delete_target(TARGET)
        self.assertEqual(3, self.admin.create_target(TARGET))

    def test_delete_target_idempotent_with_session_open(self):
        self.export()
        self.admin.set_chap(TARGET, 'user1', 'Secret1234567')
        self.admin.delete_target(TARGET)
        self.admin.delete_target(TARGET)
        self.assertEqual({}, self.admin.targets())
        # The account bound only to the deleted target went with it.
        self.assertFalse(self.admin._account_exists('user1'))
        result = libiscsi('iscsi-ls', self.tgtd.portal)
        self.assertNotIn(TARGET, result.stdout)

    def test_remove_lun(self):
        self.export()
        self.admin.remove_lun(TARGET, 1)
        self.admin.remove_lun(TARGET, 1)
        self.admin.remove_lun(OTHER_TARGET, 1)
        self.assertEqual({}, self.admin.target(TARGET).luns)
        result = libiscsi('iscsi-inq', self.tgtd.portal, TARGET, 1)
        self.assertNotEqual(0, result.returncode)

    def test_bad_input_names_the_object(self):
        exc = self.assertRaises(tgt.TgtError, self.admin.add_lun,
                                OTHER_TARGET, 1, self.backing_file())
        self.assertIn(OTHER_TARGET, str(exc))
        self.admin.create_target(TARGET)
        exc = self.assertRaises(tgt.TgtError, self.admin.add_lun,
                                TARGET, 1, '/nonexistent/file')
        self.assertIn('/nonexistent/file', str(exc))
        self.assertRaises(tgt.TgtError, self.admin.add_lun,
                          TARGET, 0, self.backing_file())
        self.admin.add_lun(TARGET, 1, self.backing_file())
        exc = self.assertRaises(tgt.TgtError, self.admin.add_lun,
                                TARGET, 1, self.backing_file())
        self.assertIn('already exists', str(exc))

    def test_resize_visible_to_initiator(self):
        path = self.export(size=4 * MiB)
        self.assertEqual(4 * MiB, capacity(self.tgtd.portal, TARGET, 1))
        with open(path, 'r+b') as f:
            f.truncate(10 * MiB)
        self.admin.resize_lun(TARGET, 1)
        self.assertEqual(10 * MiB, capacity(self.tgtd.portal, TARGET, 1))
        self.assertEqual({1: tgt.Lun(1, path)}, self.admin.target(TARGET).luns)

    def test_resize_keeps_thin_provisioning(self):
        path = self.backing_file()
        self.admin.create_target(TARGET)
        self.admin.add_lun(TARGET, 1, path, thin_provisioning=True)
        self.assertEqual({1: tgt.Lun(1, path, True)},
                         self.admin.target(TARGET).luns)
        self.admin.resize_lun(TARGET, 1)
        self.assertEqual({1: tgt.Lun(1, path, True)},
                         self.admin.target(TARGET).luns)

    def test_concurrent_creates_get_distinct_tids(self):
        iqns = ['%s-%d' % (TARGET, n) for n in range(12)]
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            tids = list(pool.map(self.admin.create_target, iqns))
        self.assertEqual(sorted(tids), list(range(1, 13)))
        self.assertEqual(sorted(iqns), sorted(self.admin.targets()))


class TestAcl(TgtdTestCase):

    def test_foreign_initiator_kept_out(self):
        self.export(initiator=INITIATOR)
        allowed = libiscsi('iscsi-inq', self.tgtd.portal, TARGET, 1)
        self.assertEqual(0, allowed.returncode, allowed.stderr)
        refused = libiscsi('iscsi-inq', self.tgtd.portal, TARGET, 1,
                           initiator=FOREIGN_INITIATOR)
        self.assertNotEqual(0, refused.returncode)
        self.assertIn('Failed to log in', refused.stderr)

    def test_disallow(self):
        self.export(initiator=INITIATOR)
        self.admin.allow_initiator(TARGET, FOREIGN_INITIATOR)
        self.admin.allow_initiator(TARGET, FOREIGN_INITIATOR)
        self.assertEqual(
            0, libiscsi('iscsi-inq', self.tgtd.portal, TARGET, 1,
                        initiator=FOREIGN_INITIATOR).returncode)
        self.admin.disallow_initiator(TARGET, FOREIGN_INITIATOR)
        self.admin.disallow_initiator(TARGET, FOREIGN_INITIATOR)
        self.admin.disallow_initiator(OTHER_TARGET, FOREIGN_INITIATOR)
        self.assertEqual([INITIATOR], self.admin.target(TARGET).acl)
        self.assertNotEqual(
            0, libiscsi('iscsi-inq', self.tgtd.portal, TARGET, 1,
                        initiator=FOREIGN_INITIATOR).returncode)

    def test_no_acl_refuses_everybody_and_all_admits_anybody(self):
        self.export(initiator=None)
        self.assertNotEqual(
            0, libiscsi('iscsi-inq', self.tgtd.portal, TARGET, 1).returncode)
        self.admin.allow_initiator(TARGET, tgt.ALL_INITIATORS)
        self.assertEqual(
            0, libiscsi('iscsi-inq', self.tgtd.portal, TARGET, 1,
                        initiator=FOREIGN_INITIATOR).returncode)


class TestChap(TgtdTestCase):

    USER = 'chapuser'
    SECRET = 'Zq7-Secret.4711'

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(
            fixtures.FakeLogger(level=logging.DEBUG))
        self.export()
        self.admin.set_chap(TARGET, self.USER, self.SECRET)

    def inq(self, user, secret):
        return libiscsi('iscsi-inq', self.tgtd.portal, TARGET, 1,
                        user=user, secret=secret)

    def test_required(self):
        self.assertNotEqual(0, self.inq(None, None).returncode)

    def test_wrong_secret_refused(self):
        result = self.inq(self.USER, 'Wrong-Secret.11')
        self.assertNotEqual(0, result.returncode)
        self.assertIn('Authentication failure', result.stderr)

    def test_right_secret_works(self):
        result = self.inq(self.USER, self.SECRET)
        self.assertEqual(0, result.returncode, result.stderr)

    def test_secret_not_logged(self):
        # tgtadm's command lines were logged (masked), the secret was not.
        self.assertIn('--password ***', self.logger.output)
        self.assertNotIn(self.SECRET, self.logger.output)

    def test_secret_not_in_error(self):
        exc = self.assertRaises(tgt.TgtError, self.admin.set_chap,
                                OTHER_TARGET, self.USER, self.SECRET)
        self.assertNotIn(self.SECRET, str(exc))
        self.assertNotIn(self.SECRET, self.logger.output)

    def test_unmaskable_secret_refused(self):
        for secret in ('a=b-secret', 'a"quote"', 'has space'):
            exc = self.assertRaises(ValueError, self.admin.set_chap,
                                    TARGET, self.USER, secret)
            self.assertIn(self.USER, str(exc))
            self.assertNotIn(secret, str(exc))
        self.assertRaises(ValueError, self.admin.set_chap,
                          TARGET, self.USER, '')

    def test_new_secret_replaces_old_on_every_target(self):
        self.export(iqn=OTHER_TARGET)
        self.admin.set_chap(OTHER_TARGET, self.USER, 'Second-Secret.2')
        self.assertEqual([self.USER], self.admin.target(TARGET).accounts)
        self.assertEqual(0, self.inq(self.USER, 'Second-Secret.2').returncode)
        self.assertNotEqual(0, self.inq(self.USER, self.SECRET).returncode)

    def test_clear_chap(self):
        self.admin.clear_chap(TARGET)
        self.admin.clear_chap(TARGET)
        self.admin.clear_chap(OTHER_TARGET)
        self.assertEqual([], self.admin.target(TARGET).accounts)
        self.assertEqual(0, self.inq(None, None).returncode)


class TestSeveralTgtd(base.TestCase):

    def test_two_at_once(self):
        first = self.useFixture(tgt.Tgtd())
        second = self.useFixture(tgt.Tgtd())
        self.assertNotEqual(first.portal, second.portal)
        self.assertNotEqual(first.control_port, second.control_port)
        tmp = self.useFixture(fixtures.TempDir()).path
        for n, tgtd in enumerate((first, second)):
            path = os.path.join(tmp, '%d.img' % n)
            with open(path, 'wb') as f:
                f.truncate((n + 1) * MiB)
            tgtd.admin.create_target(TARGET)
            tgtd.admin.add_lun(TARGET, 1, path)
            tgtd.admin.allow_initiator(TARGET, INITIATOR)
        self.assertEqual(MiB, capacity(first.portal, TARGET, 1))
        self.assertEqual(2 * MiB, capacity(second.portal, TARGET, 1))

    def test_context_manager(self):
        with tgt.Tgtd() as tgtd:
            pid, control_port = tgtd.pid, tgtd.control_port
            self.assertTrue(process.pid_alive(pid))
            tgtd.admin.create_target(TARGET)
        self.assertFalse(process.pid_alive(pid))
        self.assertFalse(os.path.exists(
            '/var/run/tgtd/socket.%d' % control_port))

    def test_busy_portal_port_is_an_error_naming_it(self):
        address = net.private_loopback()
        with socket.socket() as sock:
            sock.bind((address, 0))
            sock.listen()
            port = sock.getsockname()[1]
            fixture = tgt.Tgtd(port=port)
            fixture.START_ATTEMPTS = 2
            exc = self.assertRaises(fixtures.MultipleExceptions,
                                    fixture.setUp)
        original = exc.args[0][1]
        self.assertIsInstance(original, tgt.TgtdStartError)
        self.assertIn('%s:%d' % (address, port), str(original))
        self.assertIn('could not listen on its portal', str(original))


class TestCleanup(base.TestCase):
    """No tgtd is left behind, whatever the test does."""

    def run_inner(self, test_method):
        started = []

        class Inner(testtools.TestCase):
            def test(inner):
                test_method(inner, started)

        result = testtools.TestResult()
        Inner('test').run(result)
        return started, result

    def assert_gone(self, tgtd_fixtures):
        self.assertNotEqual([], tgtd_fixtures)
        for fixture in tgtd_fixtures:
            self.assertFalse(process.pid_alive(fixture.pid), fixture.pid)
            self.assertFalse(os.path.exists(
                '/var/run/tgtd/socket.%d' % fixture.control_port))
            self.assertFalse(os.path.exists(
                '/var/run/tgtd/socket.%d.lock' % fixture.control_port))

    def test_stopped_when_test_fails_mid_way(self):
        def failing(inner, started):
            started.append(inner.useFixture(tgt.Tgtd()))
            started[-1].admin.create_target(TARGET)
            inner.fail('deliberate failure with tgtd running')

        started, result = self.run_inner(failing)
        self.assertEqual(1, len(result.failures))
        self.assert_gone(started)

    def test_stopped_when_a_later_fixture_fails(self):
        def failing(inner, started):
            started.append(inner.useFixture(tgt.Tgtd()))
            inner.useFixture(tgt.Tgtd(address='192.0.2.1'))

        started, result = self.run_inner(failing)
        self.assertEqual(1, len(result.errors))
        self.assert_gone(started)

    def test_failed_setup_leaves_no_process(self):
        tgtd_pids_before = set(self.tgtd_pids())
        sockets_before = self.socket_files()
        address = net.private_loopback()
        with socket.socket() as sock:
            sock.bind((address, 0))
            sock.listen()
            fixture = tgt.Tgtd(port=sock.getsockname()[1])
            fixture.START_ATTEMPTS = 1
            self.assertRaises(fixtures.MultipleExceptions, fixture.setUp)
        self.assertEqual(set(), set(self.tgtd_pids()) - tgtd_pids_before)
        # Its control socket files went with it (new files of other
        # workers' live tgtds have their lock held).
        orphans = [name for name in self.socket_files() - sockets_before
                   if name.endswith('.lock') and tgt._control_port_is_free(
                       int(name.split('.')[1]))]
        self.assertEqual([], orphans)

    def test_killed_when_its_process_is_killed(self):
        # A test process killed by a timeout runs no cleanups.
        script = ('import os, signal\n'
                  'from common_testing import tgt\n'
                  'tgtd = tgt.Tgtd()\n'
                  'tgtd.setUp()\n'
                  'print(tgtd.pid, tgtd.control_port, flush=True)\n'
                  'os.kill(os.getpid(), signal.SIGKILL)\n')
        result = subprocess.run([sys.executable, '-c', script],
                                capture_output=True, text=True, timeout=60)
        pid, control_port = [int(word) for word in result.stdout.split()]
        self.addCleanup(self.remove_stale_socket, control_port)
        deadline = time.monotonic() + 10
        while process.pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertFalse(process.pid_alive(pid))

    @staticmethod
    def remove_stale_socket(control_port):
        if tgt._control_port_is_free(control_port):
            for name in ('socket.%d' % control_port,
                         'socket.%d.lock' % control_port):
                try:
                    os.unlink(os.path.join(tgt.SOCKET_DIR, name))
                except FileNotFoundError:
                    pass

    @staticmethod
    def socket_files():
        return set(os.listdir(tgt.SOCKET_DIR))

    @staticmethod
    def tgtd_pids():
        # Children of this process only: other workers' tgtds are theirs.
        me = os.getpid()
        for pid, name, fields in process.processes():
            if name == 'tgtd' and int(fields[1]) == me and fields[0] != 'Z':
                yield pid
