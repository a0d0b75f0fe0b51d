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

from cinder import exception
import ddt
import testtools

from infortrend_cinder import client
from infortrend_cinder import common
from infortrend_cinder import fc
from infortrend_cinder import iscsi


@ddt.ddt
class HelpersTest(testtools.TestCase):

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


class LunChoiceTest(testtools.TestCase):

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
