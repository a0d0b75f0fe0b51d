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
import json
import logging
import os
import subprocess
import sys
import time
import uuid

import fixtures
import testtools

from common_testing import data
from common_testing import images
from common_testing import initiator
from common_testing import net
from common_testing.simkit import process
from common_testing.tests import base
from common_testing import tgt

TARGET = 'iqn.2026-11.org.cinder-backends.test:volume-a'
OTHER_TARGET = 'iqn.2026-11.org.cinder-backends.test:volume-b'
FOREIGN_INITIATOR = 'iqn.2026-11.org.cinder-backends.test:intruder'
CHAP_USER = 'chapuser'
CHAP_SECRET = 'Kq2-Secret.0815'
MiB = 1024 * 1024


def mounted(path):
    with open('/proc/self/mounts') as mounts:
        return any(line.split()[1] == path for line in mounts)


def pid_alive(pid):
    return process.pid_alive(pid)


class IscsiTestCase(base.TestCase):
    """A tgtd with helpers to export files as LUNs."""

    def setUp(self):
        super().setUp()
        self.tgtd = self.useFixture(tgt.Tgtd())
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def assertSameBytes(self, expected, actual):
        # Digests, so that a failure prints a line rather than megabytes.
        self.assertEqual(data.digest(expected), data.digest(actual))

    def export(self, iqn=TARGET, size=4 * MiB, initiator_name=None,
               chap=False, content=None, thin_provisioning=False):
        path = os.path.join(self.tmp, iqn.rsplit(':', 1)[1])
        with open(path, 'wb') as f:
            f.truncate(size)
            if content:
                f.write(content)
        self.tgtd.admin.create_target(iqn)
        self.tgtd.admin.add_lun(iqn, 1, path,
                                thin_provisioning=thin_provisioning)
        self.tgtd.admin.allow_initiator(
            iqn, initiator_name or initiator.initiator_name())
        if chap:
            self.tgtd.admin.set_chap(iqn, CHAP_USER, CHAP_SECRET)
        return path

    def connection_info(self, iqn=TARGET, chap=False, **extra):
        data = {'target_portal': self.tgtd.portal, 'target_iqn': iqn,
                'target_lun': 1, 'target_discovered': False}
        if chap:
            data.update(auth_method='CHAP', auth_username=CHAP_USER,
                        auth_password=CHAP_SECRET)
        data.update(extra)
        return {'driver_volume_type': 'iscsi', 'data': data}


class TestAttach(IscsiTestCase):

    def setUp(self):
        super().setUp()
        self.initiator = self.useFixture(initiator.UserSpaceISCSI()).initiator

    def test_initiator_name_of_this_process(self):
        self.assertEqual(initiator.initiator_name(), self.initiator.name)
        self.assertTrue(self.initiator.name.startswith(
            initiator.INITIATOR_IQN_PREFIX + ':'))
        self.assertTrue(self.initiator.name.endswith('-%d' % os.getpid()))

    def test_data_reaches_backing_file_and_back(self):
        backing = self.export(size=6 * MiB)
        attachment = self.initiator.attach(self.connection_info())
        self.assertEqual(6 * MiB, attachment.size())
        with open(attachment.path, 'r+b') as disk:
            disk.seek(5 * MiB + 7)
            disk.write(b'written by the initiator')
        with open(backing, 'r+b') as f:
            f.seek(5 * MiB + 7)
            self.assertEqual(b'written by the initiator', f.read(24))
            f.seek(MiB)
            f.write(b'written to the backing file')
        with open(attachment.path, 'rb') as disk:
            disk.seek(MiB)
            self.assertEqual(b'written to the backing file', disk.read(27))
        # The session is visible on the target under our initiator name.
        self.assertEqual([self.initiator.name],
                         self.tgtd.admin.target(TARGET).sessions)

    def test_accepts_bare_connection_data(self):
        self.export()
        attachment = self.initiator.attach(self.connection_info()['data'])
        self.assertEqual((self.tgtd.portal, TARGET, 1),
                         (attachment.portal, attachment.iqn, attachment.lun))

    def test_chap_right_secret(self):
        backing = self.export(chap=True)
        attachment = self.initiator.attach(self.connection_info(chap=True))
        with open(attachment.path, 'r+b') as disk:
            disk.write(b'chap')
        with open(backing, 'rb') as f:
            self.assertEqual(b'chap', f.read(4))

    def test_chap_required(self):
        self.export(chap=True)
        exc = self.assertRaises(initiator.InitiatorError,
                                self.initiator.attach, self.connection_info())
        self.assertIn(TARGET, str(exc))
        self.assertIn('Authentication failure', str(exc))

    def test_chap_wrong_secret_refused(self):
        self.export(chap=True)
        info = self.connection_info(chap=True)
        info['data']['auth_password'] = 'Wrong-Secret.99'
        exc = self.assertRaises(initiator.InitiatorError,
                                self.initiator.attach, info)
        self.assertIn('Authentication failure', str(exc))
        self.assertEqual({}, self.initiator.attachments)
        self.assertEqual([], os.listdir(self.initiator.base_dir))

    def test_chap_secret_never_logged_nor_on_command_line(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.export(chap=True)
        attachment = self.initiator.attach(self.connection_info(chap=True))
        self.assertIn('Running qemu-storage-daemon', logger.output)
        self.assertIn(attachment.iqn, logger.output)
        with open('/proc/%d/cmdline' % attachment.pid, 'rb') as cmdline:
            self.assertNotIn(CHAP_SECRET.encode(), cmdline.read())
        # The secret file went away once qemu had read it.
        self.assertEqual(['disk', 'log'],
                         sorted(os.listdir(attachment.workdir)))
        info = self.connection_info(chap=True)
        info['data']['auth_password'] = 'Wrong-Secret.99'
        exc = self.assertRaises(initiator.InitiatorError,
                                self.initiator.attach, info)
        self.initiator.detach_all()
        for text in (logger.output, str(exc)):
            self.assertNotIn(CHAP_SECRET, text)
            self.assertNotIn('Wrong-Secret.99', text)

    def test_acl_keeps_foreign_initiator_out(self):
        self.export()
        foreign = self.useFixture(
            initiator.UserSpaceISCSI(FOREIGN_INITIATOR)).initiator
        exc = self.assertRaises(initiator.InitiatorError, foreign.attach,
                                self.connection_info())
        self.assertIn('Failed to log in', str(exc))
        self.assertIsNotNone(self.initiator.attach(self.connection_info()))

    def test_multipath_uses_first_reachable_portal(self):
        self.export()
        address = net.private_loopback()
        dead_portal = '%s:%d' % (address, net.free_port(address))
        info = self.connection_info()
        info['data'].update(target_portals=[dead_portal, self.tgtd.portal],
                            target_iqns=[TARGET, TARGET],
                            target_luns=[1, 1])
        attachment = self.initiator.attach(info)
        self.assertEqual(self.tgtd.portal, attachment.portal)

    def test_multipath_lists_validated(self):
        info = self.connection_info()
        info['data'].update(target_portals=[self.tgtd.portal],
                            target_iqns=[TARGET, TARGET], target_luns=[1])
        exc = self.assertRaises(initiator.InitiatorError,
                                self.initiator.attach, info)
        self.assertIn('same, non-zero length', str(exc))
        info['data'].update(target_portals=['127.0.0.1:notaport'],
                            target_iqns=[TARGET], target_luns=[1])
        exc = self.assertRaises(initiator.InitiatorError,
                                self.initiator.attach, info)
        self.assertIn('127.0.0.1:notaport', str(exc))

    def test_no_reachable_portal_named(self):
        address = net.private_loopback()
        dead_portal = '%s:%d' % (address, net.free_port(address))
        info = self.connection_info()
        info['data']['target_portal'] = dead_portal
        exc = self.assertRaises(initiator.InitiatorError,
                                self.initiator.attach, info)
        self.assertIn(dead_portal, str(exc))

    def test_refused_inputs(self):
        for info, words in (
                ({'driver_volume_type': 'fibre_channel', 'data': {}},
                 'fibre_channel'),
                (self.connection_info(encrypted=True), 'encrypted'),
                (self.connection_info(auth_method='KERBEROS'), 'KERBEROS'),
                ({'target_iqn': TARGET, 'target_lun': 1}, 'target_portal')):
            exc = self.assertRaises(initiator.InitiatorError,
                                    self.initiator.attach, info)
            self.assertIn(words, str(exc))
        # Nothing was left behind by the refusals.
        self.assertEqual([], os.listdir(self.initiator.base_dir))

    def test_parse_portal(self):
        self.assertEqual(('127.0.0.1', 3260),
                         initiator.parse_portal('127.0.0.1'))
        self.assertEqual(('127.0.0.1', 13260),
                         initiator.parse_portal('127.0.0.1:13260'))
        self.assertEqual(('::1', 3261), initiator.parse_portal('[::1]:3261'))
        for bad in ('', None, ':3260', '127.0.0.1:0', 'h:p'):
            self.assertRaises(initiator.InitiatorError,
                              initiator.parse_portal, bad)

    def test_extend(self):
        backing = self.export(size=4 * MiB)
        attachment = self.initiator.attach(self.connection_info())
        with open(attachment.path, 'rb') as disk:
            disk.read(512)
        with open(backing, 'r+b') as f:
            f.truncate(12 * MiB)
        self.tgtd.admin.resize_lun(TARGET, 1)
        self.assertEqual(12 * MiB, self.initiator.extend(attachment.path))
        self.assertEqual(12 * MiB, os.path.getsize(attachment.path))
        with open(attachment.path, 'r+b') as disk:
            disk.seek(11 * MiB)
            disk.write(b'beyond the old end')
        with open(backing, 'rb') as f:
            f.seek(11 * MiB)
            self.assertEqual(b'beyond the old end', f.read(18))

    def test_deep_working_directory(self):
        # A unix socket path may have 107 bytes; cinder-volume's TMPDIR in
        # a certification run's output directory is deeper than that.
        deep = os.path.join(self.tmp, 'd' * 60, 'e' * 60)
        os.makedirs(deep)
        deep_initiator = initiator.UserSpaceInitiator(base_dir=deep)
        backing = self.export(content=b'deep')
        attachment = deep_initiator.attach(self.connection_info())
        self.addCleanup(deep_initiator.detach, attachment.path)
        self.assertGreater(len(attachment.workdir), 108)
        with open(attachment.path, 'rb') as disk:
            self.assertEqual(b'deep', disk.read(4))
        self.assertEqual(os.path.getsize(backing), attachment.capacity())

    def test_detach(self):
        self.export()
        attachment = self.initiator.attach(self.connection_info())
        self.assertTrue(pid_alive(attachment.pid))
        self.assertTrue(mounted(attachment.path))
        self.initiator.detach(attachment.path)
        self.assertFalse(pid_alive(attachment.pid))
        self.assertFalse(mounted(attachment.path))
        self.assertFalse(os.path.exists(attachment.workdir))
        self.assertEqual([], self.tgtd.admin.target(TARGET).sessions)
        self.initiator.detach(attachment.path)     # idempotent

    def test_discard_frees_backing_blocks(self):
        backing = self.export(content=os.urandom(4 * MiB),
                              thin_provisioning=True)
        allocated = os.stat(backing).st_blocks
        attachment = self.initiator.attach(self.connection_info(discard=True))
        subprocess.run(['fallocate', '--punch-hole', '--offset', '0',
                        '--length', str(2 * MiB), attachment.path],
                       check=True, timeout=60)
        self.assertLessEqual(os.stat(backing).st_blocks,
                             allocated - 2 * MiB // 512)

    def test_no_discard_unless_asked(self):
        backing = self.export(content=os.urandom(4 * MiB),
                              thin_provisioning=True)
        allocated = os.stat(backing).st_blocks
        attachment = self.initiator.attach(self.connection_info())
        # qemu ignores the discard (it may still report success).
        subprocess.run(['fallocate', '--punch-hole', '--offset', '0',
                        '--length', str(2 * MiB), attachment.path],
                       timeout=60, capture_output=True)
        self.assertEqual(allocated, os.stat(backing).st_blocks)

    def test_concurrent_attaches(self):
        paths = {iqn: self.export(iqn) for iqn in (TARGET, OTHER_TARGET)}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            attachments = list(pool.map(
                lambda iqn: self.initiator.attach(self.connection_info(iqn)),
                paths))
        for attachment in attachments:
            with open(attachment.path, 'r+b') as disk:
                disk.write(attachment.iqn.encode())
        for iqn, path in paths.items():
            with open(path, 'rb') as f:
                self.assertEqual(iqn.encode(), f.read(len(iqn)))


class TestCleanup(IscsiTestCase):

    def test_daemon_stopped_when_test_fails_mid_way(self):
        self.export()
        outer = self
        started = []

        class Inner(testtools.TestCase):
            def test(inner):
                ini = inner.useFixture(initiator.UserSpaceISCSI()).initiator
                started.append(ini.attach(outer.connection_info()))
                inner.fail('deliberate failure while attached')

        result = testtools.TestResult()
        Inner('test').run(result)
        self.assertEqual(1, len(result.failures))
        self.assertEqual(1, len(started))
        self.assertFalse(pid_alive(started[0].pid))
        self.assertFalse(mounted(started[0].path))
        self.assertFalse(os.path.exists(started[0].workdir))

    def test_daemon_stopped_when_test_process_is_killed(self):
        # A test process killed by a timeout runs no cleanups.
        self.export()
        script = ('import json, os, signal, sys\n'
                  'from common_testing import initiator\n'
                  'info = json.loads(sys.argv[1])\n'
                  'attachment = initiator.UserSpaceInitiator(\n'
                  '    sys.argv[2]).attach(info)\n'
                  'print(attachment.pid, attachment.path, flush=True)\n'
                  'os.kill(os.getpid(), signal.SIGKILL)\n')
        result = subprocess.run(
            [sys.executable, '-c', script, json.dumps(self.connection_info()),
             initiator.initiator_name()],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(2, len(result.stdout.split()), result.stderr[-2000:])
        pid, path = result.stdout.split()
        deadline = time.monotonic() + 10
        while ((pid_alive(int(pid)) or mounted(path))
               and time.monotonic() < deadline):
            time.sleep(0.02)
        self.assertFalse(pid_alive(int(pid)))
        self.assertFalse(mounted(path))


class TestOsBrick(IscsiTestCase):

    def setUp(self):
        super().setUp()
        self.brick = self.useFixture(initiator.UserSpaceISCSIForOsBrick())

    def test_factory_and_properties(self):
        from cinder.volume import volume_utils
        from os_brick.initiator import connector
        conn = volume_utils.brick_get_connector('iscsi', use_multipath=False,
                                                device_scan_attempts=3)
        self.assertIsInstance(conn, initiator.UserSpaceISCSIConnector)
        conn = connector.InitiatorConnector.factory('ISCSI', None)
        self.assertIsInstance(conn, initiator.UserSpaceISCSIConnector)
        fc = connector.InitiatorConnector.factory('FIBRE_CHANNEL', None)
        self.assertNotIsInstance(fc, initiator.UserSpaceISCSIConnector)
        props = volume_utils.brick_get_connector_properties()
        self.assertEqual(self.brick.name, props['initiator'])
        self.assertEqual(self.brick.initiator.base_dir,
                         conn.get_search_path())

    def test_factory_restored_after_cleanup(self):
        from os_brick.initiator import connector
        from os_brick.initiator.connectors import iscsi
        fixture = initiator.UserSpaceISCSIForOsBrick()
        fixture.setUp()
        try:
            conn = connector.InitiatorConnector.factory('ISCSI', None)
            self.assertIs(fixture.initiator, conn.initiator)
        finally:
            fixture.cleanUp()
        # Back to the outer fixture's, not to os-brick's own.
        conn = connector.InitiatorConnector.factory('ISCSI', None)
        self.assertIs(self.brick.initiator, conn.initiator)
        self.brick.cleanUp()
        conn = connector.InitiatorConnector.factory('ISCSI', None)
        self.assertIsInstance(conn, iscsi.ISCSIConnector)
        self.assertNotIsInstance(conn, initiator.UserSpaceISCSIConnector)
        self.brick.setUp()     # for the test's own cleanup

    def test_connector_verbs(self):
        from cinder.volume import volume_utils
        backing = self.export(chap=True)
        info = self.connection_info(chap=True)
        conn = volume_utils.brick_get_connector('iscsi')
        device = conn.connect_volume(info['data'])
        self.assertEqual('block', device['type'])
        self.assertEqual([device['path']], conn.get_volume_paths(info['data']))
        self.assertTrue(conn.check_valid_device(device['path']))
        with open(device['path'], 'r+b') as disk:
            disk.write(b'via os-brick')
        with open(backing, 'r+b') as f:
            self.assertEqual(b'via os-brick', f.read(12))
            f.truncate(8 * MiB)
        self.tgtd.admin.resize_lun(TARGET, 1)
        self.assertEqual(8 * MiB, conn.extend_volume(info['data']))
        conn.disconnect_volume(info['data'], device)
        self.assertEqual([], conn.get_volume_paths(info['data']))
        self.assertFalse(conn.check_valid_device(device['path']))

    def test_cinder_copy_volume_with_odirect(self):
        from cinder.volume import volume_utils
        backing = self.export(size=4 * MiB)
        device = volume_utils.brick_get_connector('iscsi').connect_volume(
            self.connection_info()['data'])
        source = os.path.join(self.tmp, 'source')
        payload = os.urandom(2 * MiB)
        with open(source, 'wb') as f:
            f.write(payload)
        self.assertTrue(volume_utils.check_for_odirect_support(
            source, device['path'], 'oflag=direct'))
        volume_utils.copy_volume(source, device['path'], 2, '1M')
        with open(backing, 'rb') as f:
            self.assertSameBytes(payload, f.read(2 * MiB))


class TestCinderImageCopy(IscsiTestCase):
    """cinder's own VolumeDriver image copies, over real iSCSI."""

    def setUp(self):
        super().setUp()
        from cinder import context
        from cinder import objects
        from cinder.volume import configuration
        from cinder.volume import driver
        objects.register_all()
        self.brick = self.useFixture(initiator.UserSpaceISCSIForOsBrick())
        self.images = self.useFixture(images.LocalImages()).service
        self.backing = self.export(size=16 * MiB, chap=True,
                                   initiator_name=self.brick.name)
        self.context = context.get_admin_context()
        self.volume = objects.Volume(
            self.context, id=str(uuid.uuid4()), size=1, _name_id=None,
            encryption_key_id=None, glance_metadata={},
            volume_type=objects.VolumeType(extra_specs={}))
        test = self
        self.calls = []

        class TgtdDriver(driver.VolumeDriver):
            """Exports TARGET; only what the image copies need."""

            def create_export(self, context, volume, connector):
                test.calls.append(('create_export', volume.id))

            def remove_export(self, context, volume):
                test.calls.append(('remove_export', volume.id))

            def ensure_export(self, context, volume):
                pass

            def initialize_connection(self, volume, connector):
                test.calls.append(('initialize_connection',
                                   connector['initiator']))
                return test.connection_info(chap=True)

            def terminate_connection(self, volume, connector, **kwargs):
                test.calls.append(('terminate_connection',
                                   connector['initiator']))

        self.driver = TgtdDriver(configuration=configuration.Configuration(
            driver.volume_opts, config_group='tgtd_backend'))

    def test_copy_image_to_volume(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        payload = os.urandom(3 * MiB)
        image = self.images.add_image(payload, disk_format='qcow2')
        self.driver.copy_image_to_volume(self.context, self.volume,
                                         self.images, image['id'])
        self.assertIn('qemu-img convert', logger.output)
        self.assertNotIn(CHAP_SECRET, logger.output)
        with open(self.backing, 'rb') as f:
            self.assertSameBytes(payload, f.read(len(payload)))
        self.assertEqual([('create_export', self.volume.id),
                          ('initialize_connection', self.brick.name),
                          ('terminate_connection', self.brick.name),
                          ('remove_export', self.volume.id)], self.calls)
        self.assertEqual({}, self.brick.initiator.attachments)

    def test_copy_volume_to_image(self):
        payload = os.urandom(2 * MiB)
        with open(self.backing, 'r+b') as f:
            f.seek(5 * MiB)
            f.write(payload)
        meta = self.images.create(self.context, {
            'name': 'from-volume', 'disk_format': 'qcow2',
            'container_format': 'bare'})
        self.driver.copy_volume_to_image(self.context, self.volume,
                                         self.images, meta)
        image = self.images.show(self.context, meta['id'])
        self.assertEqual(('active', 'qcow2', 16 * MiB),
                         (image['status'],
                          images.qemu_img_info(
                              self.images.path(meta['id']))['format'],
                          image['virtual_size']))
        raw = self.images.read_raw(meta['id'])
        self.assertSameBytes(payload, raw[5 * MiB:7 * MiB])
        self.assertEqual({}, self.brick.initiator.attachments)
