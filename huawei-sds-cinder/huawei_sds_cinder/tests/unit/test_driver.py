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

from unittest import mock

from cinder import exception
from cinder.volume import volume_types
import ddt
import fixtures
from oslo_config import cfg
import testtools

from huawei_sds_cinder import client
from huawei_sds_cinder import common
from huawei_sds_cinder import options


def make_configuration(**overrides):
    conf = cfg.ConfigOpts()
    conf.register_opts(options.ALL_OPTS)
    conf([])
    values = {'huawei_sds_vbs_addresses': ['127.0.0.1'],
              'huawei_sds_pools': ['16384'],
              'huawei_sds_delete_timeout': 2}
    values.update(overrides)
    for name, value in values.items():
        conf.set_override(name, value)
    return conf


def volume(type_id=None, host='h@b#16384', name='volume-1'):
    return mock.Mock(volume_type_id=type_id, host=host, size=1,
                     provider_location=None, id='1', spec_set=[
                         'volume_type_id', 'host', 'size',
                         'provider_location', 'id', 'name'],
                     **{'name': name})


@ddt.ddt
class VolumePolicyTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.common = common.SdsCommon(make_configuration(
            huawei_sds_thin_provisioning=True, huawei_sds_iops=300), 'b')
        self.common.do_setup()
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


class DeleteWaitTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.common = common.SdsCommon(make_configuration(), 'b')
        self.common.do_setup()
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
        self.common.configuration.set_override('huawei_sds_delete_timeout',
                                               1)
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


class SnapshotDeleteTest(testtools.TestCase):
    """P12: the snapshot's volume is attached here for the delete."""

    def setUp(self):
        super().setUp()
        self.host = mock.MagicMock()
        self.common = common.SdsCommon(make_configuration(), 'b',
                                       host=self.host)
        self.common.do_setup()
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


class ManageTest(testtools.TestCase):

    def test_record_without_size_is_refused_with_its_name(self):
        # P22: vol_size is not attested; without it nothing is managed.
        conf_common = common.SdsCommon(make_configuration(), 'b',
                                       host=mock.MagicMock())
        conf_common.do_setup()
        conf_common.client = mock.Mock()
        conf_common.client.request.return_value = client.VbsReply(
            0, {'volume0': {'status': '0'}})
        error = self.assertRaises(
            exception.ManageExistingInvalidReference,
            conf_common.manage_existing_get_size, volume(),
            {'source-name': 'legacy-1'})
        self.assertIn('legacy-1', str(error))


@ddt.ddt
class LegacyXmlTest(testtools.TestCase):

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
