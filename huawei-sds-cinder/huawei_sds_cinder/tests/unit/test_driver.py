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

"""The driver's array logic (common.py) and its connection info
(driver.py), with a mocked VBS client or none at all."""

import subprocess
import sys
from unittest import mock

from cinder import exception
from cinder.volume import configuration
from cinder.volume import driver as cinder_driver
from cinder.volume import volume_types
import ddt
import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from huawei_sds_cinder import client
from huawei_sds_cinder import common
from huawei_sds_cinder import driver
from huawei_sds_cinder.tests import base

GROUP = 'huawei_sds_unit'


def make_driver(test, vbs_host=None, **overrides):
    """A set-up driver of a backend section of its own; nothing is sent."""
    conf_fixture = test.useFixture(config_fixture.Config(cfg.CONF))
    conf = configuration.Configuration(cinder_driver.volume_opts,
                                       config_group=GROUP)
    sds = driver.HuaweiSDSHypervisorDriver(configuration=conf,
                                           host='cinder@' + GROUP)
    values = {'huawei_sds_vbs_addresses': ['127.0.0.1'],
              'huawei_sds_pools': ['16384'],
              'huawei_sds_delete_timeout': 2}
    values.update(overrides)
    conf_fixture.config(group=GROUP, **values)
    sds.do_setup(None)
    if vbs_host is not None:
        sds.vbs_host = vbs_host
    test.conf_fixture = conf_fixture
    test.locks = test.useFixture(base.RecordedLocks())
    return sds


def volume(type_id=None, host='h@b#16384', name='volume-1'):
    vol = mock.Mock(volume_type_id=type_id, host=host, size=1,
                    provider_location=None, id='1', spec_set=[
                        'volume_type_id', 'host', 'size',
                        'provider_location', 'id', 'name'])
    # Mock(name=...) names the mock itself; the attribute is set after.
    vol.name = name
    return vol


@ddt.ddt
class VolumePolicyTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.common = make_driver(self, huawei_sds_thin_provisioning=True,
                                  huawei_sds_iops=300)
        self.specs = {}
        self.qos = None
        self.useFixture(_patch('get_volume_type_extra_specs',
                               lambda type_id: self.specs))
        self.useFixture(_patch('get_volume_type_qos_specs',
                               lambda type_id: {'qos_specs': self.qos}))

    def test_defaults_from_options(self):
        policy = self.common.volume_policy(volume())
        self.assertEqual('1', policy['thin_flag'])
        self.assertEqual('300', policy['iops'])
        self.assertEqual('1', policy['repicate_num'])
        self.assertEqual('1', policy['tolerance_cache_failure'])

    @ddt.data(('iops', '<is> 900', '900'), ('huawei_sds:cache_size', '64',
                                            '64'),
              ('thin_flag', '<is> 0', '0'))
    @ddt.unpack
    def test_extra_spec_overrides(self, key, value, expected):
        self.specs = {key: value, 'unrelated:key': 'x'}
        policy = self.common.volume_policy(volume('type-1'))
        self.assertEqual(expected, policy[key.split(':')[-1]])
        self.assertNotIn('unrelated:key', policy)

    @ddt.data(('Qos-high', '3'), ('qos-normal', '2'), ('Qos-low', '1'))
    @ddt.unpack
    def test_qos_level_sets_class_and_priority(self, key, priority):
        self.qos = {'consumer': 'back-end', 'specs': {key: '7',
                                                      'max_iops': '5000'}}
        policy = self.common.volume_policy(volume('type-1'))
        self.assertEqual(('7', priority, '5000'),
                         (policy['IOClASSID'], policy['IOPRIORITY'],
                          policy['max_iops']))

    def test_front_end_qos_ignored(self):
        self.qos = {'consumer': 'front-end', 'specs': {'max_iops': '5'}}
        self.assertEqual('100', self.common.volume_policy(
            volume('type-1'))['max_iops'])

    def test_framing_value_in_extra_spec_rejected_before_sending(self):
        self.specs = {'iops': '1\nvol_size=999999'}
        self.common.client = mock.Mock(wraps=self.common.client)
        with mock.patch('socket.create_connection') as connect:
            self.assertRaises(exception.InvalidInput,
                              self.common.create_volume, volume('type-1'))
        connect.assert_not_called()


def _patch(name, fake):
    return fixtures.MockPatchObject(volume_types, name, fake)


class DeleteWaitTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.common = make_driver(self)
        self.common.client = mock.Mock()

    def _reply(self, status):
        return client.VbsReply(0, {'volume0': {'status': status}})

    def test_polls_until_gone_with_backoff(self):
        gone = client.VbsObjectNotFound('QUERY_VOLUME_REQ', -900079)
        self.common.client.request.side_effect = [
            client.VbsReply(0, {}), self._reply('1'), self._reply('2'),
            self._reply('10'), gone]
        with mock.patch('time.sleep') as sleep:
            self.common.delete_volume(volume())
        waits = [c.args[0] for c in sleep.call_args_list]
        self.assertEqual(3, len(waits))
        self.assertEqual(sorted(waits), waits)
        self.assertLess(waits[0], 0.5)

    def test_unexpected_status_while_deleting_is_error(self):
        self.common.client.request.side_effect = [
            client.VbsReply(0, {}), self._reply('0')]
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.common.delete_volume, volume())
        self.assertIn('status 0', str(error))

    def test_gives_up_after_delete_timeout(self):
        self.conf_fixture.config(group=GROUP, huawei_sds_delete_timeout=1)
        self.common.client.request.side_effect = (
            lambda *a, **k: self._reply('1'))
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.common.delete_volume, volume())
        self.assertIn('still exists', str(error))

    def test_refused_delete_of_existing_volume_is_busy(self):
        # P16: the refusal's code means nothing to us; the query decides.
        self.common.client.request.side_effect = [
            client.VbsRequestError('DELETE_VOLUME_REQ', 1),
            self._reply('0')]
        self.assertRaises(exception.VolumeIsBusy, self.common.delete_volume,
                          volume())

    def test_refused_delete_of_gone_volume_is_done(self):
        gone = client.VbsObjectNotFound('QUERY_VOLUME_REQ', -900079)
        self.common.client.request.side_effect = [
            client.VbsRequestError('DELETE_VOLUME_REQ', -12345), gone]
        self.common.delete_volume(volume())
        self.assertEqual(2, self.common.client.request.call_count)

    def test_refused_delete_already_deleting_waits(self):
        gone = client.VbsObjectNotFound('QUERY_VOLUME_REQ', -900079)
        self.common.client.request.side_effect = [
            client.VbsRequestError('DELETE_VOLUME_REQ', 1),
            self._reply('10'), self._reply('10'), gone]
        with mock.patch('time.sleep'):
            self.common.delete_volume(volume())
        self.assertEqual(4, self.common.client.request.call_count)


class SnapshotDeleteTest(base.TestCase):
    """P12: the snapshot's volume is attached here for the delete."""

    def setUp(self):
        super().setUp()
        self.host = mock.MagicMock()
        self.common = make_driver(self, vbs_host=self.host)
        self.common.client = mock.Mock()
        self.snapshot = mock.Mock(
            provider_location='snapshot-1',
            volume=mock.Mock(provider_location='volume-1'))
        self.gone = client.VbsObjectNotFound('QUERY', -900079)

    def _record(self, prefix):
        return client.VbsReply(0, {prefix + '0': {'status': '0'}})

    def _sent(self):
        return [c.args[0] for c in self.common.client.request.call_args_list]

    def test_volume_attached_around_the_delete(self):
        self.common.client.request.side_effect = [
            self._record('snapshot'), self._record('volume'),
            client.VbsReply(0, {}), self.gone]
        self.common.delete_snapshot(self.snapshot)
        self.host.attached.assert_called_once_with('volume-1')
        self.assertEqual(['QUERY_SNAPSHOT_REQ', 'QUERY_VOLUME_REQ',
                          'DELETE_SNAPSHOT_REQ', 'QUERY_SNAPSHOT_REQ'],
                         self._sent())

    def test_volume_gone_from_the_vbs_deletes_without_attach(self):
        self.common.client.request.side_effect = [
            self._record('snapshot'), self.gone, client.VbsReply(0, {}),
            self.gone]
        self.common.delete_snapshot(self.snapshot)
        self.host.attached.assert_not_called()
        self.assertIn('DELETE_SNAPSHOT_REQ', self._sent())

    def test_attach_failure_names_both_and_sends_no_delete(self):
        self.host.attached.side_effect = RuntimeError('sds_cli missing')
        self.common.client.request.side_effect = [
            self._record('snapshot'), self._record('volume')]
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.common.delete_snapshot, self.snapshot)
        self.assertIn('snapshot-1', str(error))
        self.assertIn('volume-1', str(error))
        self.assertNotIn('DELETE_SNAPSHOT_REQ', self._sent())

    def test_already_gone_is_done(self):
        self.common.client.request.side_effect = [self.gone]
        self.common.delete_snapshot(self.snapshot)
        self.host.attached.assert_not_called()

    def test_refused_and_still_there_is_busy(self):
        self.common.client.request.side_effect = [
            self._record('snapshot'), self._record('volume'),
            client.VbsRequestError('DELETE_SNAPSHOT_REQ', 1),
            self._record('snapshot')]
        self.assertRaises(exception.SnapshotIsBusy,
                          self.common.delete_snapshot, self.snapshot)


class ManageTest(base.TestCase):

    def test_record_without_size_is_refused_with_its_name(self):
        # P22: vol_size is not attested; without it nothing is managed.
        conf_common = make_driver(self, vbs_host=mock.MagicMock())
        conf_common.client = mock.Mock()
        conf_common.client.request.return_value = client.VbsReply(
            0, {'volume0': {'status': '0'}})
        error = self.assertRaises(
            exception.ManageExistingInvalidReference,
            conf_common.manage_existing_get_size, volume(),
            {'source-name': 'legacy-1'})
        self.assertIn('legacy-1', str(error))


@ddt.ddt
class LegacyXmlTest(base.TestCase):

    def _write(self, body):
        path = self.useFixture(fixtures.TempDir()).path + '/storac.xml'
        with open(path, 'w') as xml:
            xml.write('<?xml version="1.0"?><config>%s</config>' % body)
        return path

    def test_addresses_port_pools_policy(self):
        settings = common.read_legacy_xml(self._write(
            '<controller><vbs_url>10.0.0.1,,300.1.1.1, 10.0.0.2 '
            '</vbs_url><vbs_port>10599</vbs_port></controller>'
            '<pools><pool><pool_id>1</pool_id></pool><pool><pool_id>2'
            '</pool_id></pool></pools><policy><iops>7</iops>'
            '<QoS_support>1</QoS_support></policy>'))
        self.assertEqual(['10.0.0.1', '10.0.0.2'], settings['addresses'])
        self.assertEqual(10599, settings['port'])
        self.assertEqual(['1', '2'], settings['pools'])
        # Read for the stats only (P14).
        self.assertEqual({'iops': '7', 'QoS_support': '1'},
                         settings['policy'])
        self.assertEqual({'1': {}, '2': {}}, settings['pool_policy'])

    @ddt.data('<controller><vbs_port>http</vbs_port></controller>',
              '<controller><vbs_port>70000</vbs_port></controller>',
              '<controller><vbs_url>')
    def test_bad_file_names_the_option(self, body):
        error = self.assertRaises(exception.InvalidConfigurationValue,
                                  common.read_legacy_xml, self._write(body))
        self.assertIn('cinder_huawei_sds_conf_file', str(error))

    def test_missing_file_names_the_option(self):
        error = self.assertRaises(exception.InvalidConfigurationValue,
                                  common.read_legacy_xml, '/nonexistent.xml')
        self.assertIn('cinder_huawei_sds_conf_file', str(error))


class ErrorTranslationTest(base.TestCase):
    """One decorator turns the client's errors into cinder's."""

    def setUp(self):
        super().setUp()
        self.sds = make_driver(self)
        self.sds.client = mock.Mock()

    def test_backend_error_names_operation_and_volume(self):
        self.sds.client.request.side_effect = client.VbsConnectionError(
            'no VBS reachable on port 10599')
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.sds.create_volume, volume())
        self.assertIn('create volume volume-1 failed', str(error))
        self.assertIn('no VBS reachable', str(error))
        self.assertIsInstance(error.__cause__, client.VbsConnectionError)

    def test_refused_request_names_the_request(self):
        self.sds.client.request.side_effect = client.VbsRequestError(
            'EXTEND_VOLUME_REQ', 1)
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.sds.extend_volume, volume(), 2)
        self.assertIn('extend volume volume-1', str(error))
        self.assertIn('EXTEND_VOLUME_REQ', str(error))

    def test_extend_of_missing_volume_is_volume_not_found(self):
        self.sds.client.request.side_effect = client.VbsObjectNotFound(
            'EXTEND_VOLUME_REQ', -900079)
        self.assertRaises(exception.VolumeNotFound, self.sds.extend_volume,
                          volume(), 2)

    def test_cinder_errors_pass_unchanged(self):
        self.sds.client.request.return_value = client.VbsReply(0, {})
        self.assertRaises(exception.InvalidInput, self.sds.create_volume,
                          volume(host='h@b#not-configured'))

    def test_lost_create_reply_without_the_volume_is_backend_error(self):
        self.sds.client.request.side_effect = [
            client.VbsReplyLost('no complete reply'),
            client.VbsObjectNotFound('QUERY_VOLUME_REQ', -900079)]
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.sds.create_volume, volume())
        self.assertIn('no complete reply', str(error))

    def test_upload_error_names_the_volume_after_the_context(self):
        self.sds.client.request.side_effect = client.VbsConnectionError(
            'no VBS reachable on port 10599')
        error = self.assertRaises(
            exception.VolumeBackendAPIException,
            self.sds.copy_volume_to_image, mock.Mock(spec=[]), volume(),
            mock.Mock(), {'id': 'image-1'})
        self.assertIn('upload volume to image volume-1 failed', str(error))

    def test_stats_error_says_what_failed(self):
        self.sds.client.request.side_effect = client.VbsReplyLost(
            'QUERY_POOLS_CAPABILITY_REQ to VBS 127.0.0.1:10599: garbage')
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.sds.get_volume_stats, True)
        self.assertIn('get volume stats failed', str(error))


class LockTest(base.TestCase):
    """Read-modify-writes on the VBS hold cinder coordination locks."""

    def test_declares_active_active(self):
        from huawei_sds_cinder import driver
        self.assertIs(
            True, driver.HuaweiSDSHypervisorDriver.SUPPORTS_ACTIVE_ACTIVE)

    def setUp(self):
        super().setUp()
        self.host = mock.MagicMock()
        self.sds = make_driver(self, vbs_host=self.host)
        self.sds.client = mock.Mock()
        gone = client.VbsObjectNotFound('QUERY', -900079)

        def answer(request_type, params):
            if request_type.startswith('QUERY_'):
                if dict(params).get('vol_name') == 'volume-1':
                    return client.VbsReply(0, {'volume0': {'status': '0'}})
                raise gone
            return client.VbsReply(0, {})

        self.sds.client.request.side_effect = answer

    def test_clone_locks_source_then_attachments(self):
        clone = volume(name='volume-2')
        self.sds.create_cloned_volume(clone, volume())
        names = self.locks.names()
        self.assertEqual('huawei-sds-volume-volume-1', names[0])
        # The copy holds the attachments of both its volumes; the
        # temporary snapshot's delete attaches the source (P12).
        copy = set(names[1:3])
        self.assertIn('huawei-sds-attach-volume-2', copy)
        temp = (copy - {'huawei-sds-attach-volume-2'}).pop()
        self.assertRegex(temp, '^huawei-sds-attach-volume-[0-9a-f-]{36}$')
        self.assertEqual('huawei-sds-attach-volume-1', names[3])
        self.assertEqual(4, len(names))
        # Every lock taken is released.
        self.assertEqual(len(names), len([t for t in self.locks.taken
                                          if t[1] == 'release']))

    def test_volume_from_snapshot_locks_the_snapshot(self):
        snapshot = mock.Mock(provider_location='snapshot-1', volume_size=1)
        self.sds.create_volume_from_snapshot(volume(name='volume-2'),
                                             snapshot)
        self.assertEqual('huawei-sds-snapshot-snapshot-1',
                         self.locks.names()[0])

    def test_linked_clone_locks_the_snapshot(self):
        self.conf_fixture.config(group=GROUP, huawei_sds_linked_clones=True)
        snapshot = mock.Mock(provider_location='snapshot-1', volume_size=1)
        self.sds.create_volume_from_snapshot(volume(name='volume-2'),
                                             snapshot)
        self.assertEqual(['huawei-sds-snapshot-snapshot-1'],
                         self.locks.names())

    def test_deletes_lock_their_object(self):
        self.sds.delete_volume(volume(name='volume-9'))
        self.sds.delete_snapshot(mock.Mock(provider_location='snapshot-9'))
        self.assertEqual(['huawei-sds-volume-volume-9',
                          'huawei-sds-snapshot-snapshot-9'],
                         self.locks.names())

    def test_lock_held_while_the_source_has_temporaries(self):
        held = []
        self.host.copy.side_effect = lambda *a: held.append(
            self.locks.locks['huawei-sds-volume-volume-1'].locked())
        self.sds.create_cloned_volume(volume(name='volume-2'), volume())
        self.assertEqual([True], held)
        self.assertFalse(self.locks.locks[
            'huawei-sds-volume-volume-1'].locked())


class ConnectionInfoTest(base.TestCase):

    def test_names_the_vbs_volume_for_os_brick(self):
        sds = make_driver(self)
        managed = volume()
        managed.provider_location = 'legacy-vol'
        self.assertEqual(
            {'driver_volume_type': 'HUAWEISDSHYPERVISOR',
             'data': {'volume_id': 'legacy-vol', 'access_mode': 'rw',
                      'qos_specs': None}},
            sds.initialize_connection(managed, {'host': 'h'}))
        self.assertIsNone(sds.terminate_connection(managed, None))

    def test_host_stays_the_backend_host_name(self):
        # cinder's volume manager compares it with hosts (migration).
        self.assertEqual('cinder@' + GROUP, make_driver(self).host)

    def test_one_spelling_of_the_protocol(self):
        self.assertEqual('StorageHypervisor',
                         driver.HuaweiSDSHypervisorDriver.STORAGE_PROTOCOL)
        self.assertTrue(issubclass(driver.HuaweiSDSHypervisorDriver,
                                   common.HuaweiSDSBaseVolumeDriver))
        self.assertTrue(issubclass(common.HuaweiSDSBaseVolumeDriver,
                                   cinder_driver.VolumeDriver))


class QuietTestBaseTest(base.TestCase):
    """D7: logs and output of a test are kept, and shown only on failure."""

    def _run_inner(self, fail):
        class Inner(base.TestCase):
            def test_it(self):
                common.LOG.warning('driver says %s', 'hello')
                print('to stdout')
                if fail:
                    self.fail('failed on purpose')

        result = testtools.TestResult()
        outer_stdout = sys.stdout
        Inner('test_it').run(result)
        # The inner test's print did not reach this test's stdout.
        self.assertIs(outer_stdout, sys.stdout)
        return result

    def test_a_failing_test_keeps_its_logs_and_output(self):
        result = self._run_inner(fail=True)
        self.assertEqual(1, len(result.failures))
        text = result.failures[0][1]
        self.assertIn('driver says hello', text)
        self.assertIn('to stdout', text)

    def test_a_passing_test_reports_nothing(self):
        result = self._run_inner(fail=False)
        self.assertTrue(result.wasSuccessful())
        self.assertEqual([], result.failures + result.errors)

    def test_no_root_logger_handler_at_import(self):
        # cinder's config module registers oslo.log's options, which adds
        # one handler: imported first, so only what ours add is counted.
        code = ('import logging; import cinder.common.config; '
                'before = list(logging.getLogger().handlers); '
                'import huawei_sds_cinder.driver; '
                'import huawei_sds_cinder.tests.base; '
                'import huawei_sds_cinder.simulator.server; '
                'print(logging.getLogger().handlers == before)')
        done = subprocess.run([sys.executable, '-W', 'ignore', '-c', code],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual('True', done.stdout.strip(), done.stderr)
