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
"""The driver classes' logic with a mocked client."""

from unittest import mock

from cinder import coordination
from cinder import exception
import ddt
import fixtures

from infortrend_cinder import client
from infortrend_cinder import common
from infortrend_cinder import fc
from infortrend_cinder import iscsi
from infortrend_cinder.tests import base


@ddt.ddt
class HelpersTest(base.TestCase):

    @ddt.data(('thin', 'LV-1', 'thin'), ('LV-1:thin; LV-2:full', 'LV-2',
                                         'full'),
              ('LV-1:0,1; LV-2:all', 'LV-1', '0,1'),
              ('LV-1:thin', 'LV-3', None), (None, 'LV-1', None))
    @ddt.unpack
    def test_per_pool_spec(self, value, pool, expected):
        self.assertEqual(expected,
                         common.per_pool_spec(value, pool, 'spec'))

    def test_per_pool_spec_refuses_a_bad_item(self):
        self.assertRaises(exception.InvalidInput, common.per_pool_spec,
                          'LV-1:thin; junk', 'LV-2', 'spec')

    def test_location_round_trip(self):
        text = common.location('6A41315B0EDC8EB7', '57068')
        self.assertEqual('partition_id^6A41315B0EDC8EB7@system_id^57068',
                         text)
        self.assertEqual({'partition_id': '6A41315B0EDC8EB7',
                          'system_id': '57068'}, common.parse_location(text))

    @ddt.data(('iqn.1993-08.org.debian:01:abcdef012345', '01:abcdef012345'),
              ('iqn.2026-11.invalid:a:' + 'b' * 15, 'b' * 15))
    @ddt.unpack
    def test_initiator_alias_is_a_safe_tail(self, iqn, alias):
        self.assertEqual(alias, iscsi.InfortrendCLIISCSIDriver._alias(iqn))


class LunChoiceTest(base.TestCase):

    def setUp(self):
        super().setUp()
        conf = mock.Mock()
        conf.safe_get.return_value = None
        self.common = fc.InfortrendCLIFCDriver(configuration=conf)
        self.common.client = mock.Mock(spec=client.RaidcmdClient)
        self.common.max_lun = 4

    def test_lowest_lun_free_on_every_path(self):
        maps = [{'Ch': '0', 'Target': '112', 'LUN': '0'},
                {'Ch': '4', 'Target': '112', 'LUN': '1'}]
        lun = self.common._map_paths('6A41315B0EDC8EB7',
                                     [(0, 112), (4, 112)], 'WWPN', 'wwn',
                                     maps)
        self.assertEqual(2, lun)
        self.assertEqual(2, self.common.client.create_map.call_count)

    def test_conflict_undoes_only_its_own_maps_and_moves_on(self):
        conflict = client.CLIError('create map', client.RC_EXISTS, 'used')
        self.common.client.create_map.side_effect = [None, conflict, None,
                                                     None]
        lun = self.common._map_paths('6A41315B0EDC8EB7',
                                     [(0, 112), (4, 112)], 'WWPN', 'wwn', [])
        self.assertEqual(1, lun)
        self.common.client.delete_map.assert_called_once_with(
            '6A41315B0EDC8EB7', 0, 112, 0)

    def test_no_free_lun_is_a_clear_error(self):
        maps = [{'Ch': '0', 'Target': '112', 'LUN': str(n)}
                for n in range(4)]
        exc = self.assertRaises(exception.VolumeBackendAPIException,
                                self.common._map_paths, '6A41315B0EDC8EB7',
                                [(0, 112)], 'WWPN', 'wwn', maps)
        self.assertIn('No LUN free', str(exc))
        self.common.client.create_map.assert_not_called()

    def test_other_errors_are_raised_after_cleanup(self):
        failure = client.CLIError('create map', 5, 'broken')
        self.common.client.create_map.side_effect = [None, failure]
        self.assertRaises(client.CLIError, self.common._map_paths,
                          '6A41315B0EDC8EB7', [(0, 112), (4, 112)], 'WWPN',
                          'wwn', [])
        self.common.client.delete_map.assert_called_once_with(
            '6A41315B0EDC8EB7', 0, 112, 0)


class LockTest(base.TestCase):
    """Read-modify-writes on the array hold cinder's coordination locks."""

    def setUp(self):
        super().setUp()
        self.locks = []
        self.useFixture(fixtures.MockPatchObject(
            coordination.COORDINATOR, 'get_lock', self._get_lock))

    def _get_lock(self, name):
        self.locks.append(name)
        return mock.MagicMock()

    def driver(self, cls):
        conf = mock.Mock()
        conf.safe_get.side_effect = {
            'infortrend_replica_timeout': 10,
            'infortrend_replica_poll_interval': 1}.get
        driver = cls(configuration=conf)
        driver.client = mock.Mock(spec=client.RaidcmdClient)
        driver.client.show_map.return_value = []
        driver.system_id = '57068'
        return driver

    def test_fc_maps_are_chosen_under_the_map_table_lock(self):
        driver = self.driver(fc.InfortrendCLIFCDriver)
        driver._map_wwpns(PART, [(0, 112, '10000090FA000001')])
        driver._unmap_wwpns(PART, ['10000090FA000001'])
        self.assertEqual(['infortrend-57068-maps'] * 2, self.locks)

    def test_iscsi_entries_and_maps_under_the_map_table_lock(self):
        driver = self.driver(iscsi.InfortrendCLIISCSIDriver)
        driver.client.show_iqn.return_value = []
        driver._unmap_initiator(PART, 'iqn.2026-11.invalid:h')
        driver._unmap_all(PART)
        self.assertEqual(['infortrend-57068-maps'] * 2, self.locks)

    def test_snapshot_images_and_replica_jobs_locked_per_partition(self):
        driver = self.driver(fc.InfortrendCLIFCDriver)
        driver._create_si(PART, 'snap')
        driver.client.show_replica.return_value = [
            {'Target': PART, 'Type': 'Copy', 'Status': 'Completed',
             'Pair-ID': PART}]
        driver._replicate('job', 'part', PART, PART)
        self.assertEqual(['infortrend-57068-part-%s' % PART,
                          'infortrend-57068-replica-%s' % PART], self.locks)

    def test_both_drivers_declare_active_active(self):
        for cls in (fc.InfortrendCLIFCDriver,
                    iscsi.InfortrendCLIISCSIDriver):
            self.assertIs(True, cls.SUPPORTS_ACTIVE_ACTIVE)


PART = '6A41315B0EDC8EB7'
