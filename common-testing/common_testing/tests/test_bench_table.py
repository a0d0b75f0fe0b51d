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
"""common_testing.bench.table: medians, the driver's share, the ratio,
the side-by-side table and the README section it writes.
"""

from common_testing.bench import table
from common_testing.tests import base


def series(*samples):
    result = table.Series()
    for sample in samples:
        result.add(table.Sample(*sample))
    return result


class TestSeries(base.TestCase):

    def test_medians_and_the_simulator_time_taken_off(self):
        # (trips, wall ms, simulator ms, CPU ms)
        s = series((2, 10.0, 4.0, 3.0), (2, 30.0, 5.0, 9.0),
                   (3, 20.0, 2.0, 6.0))
        self.assertEqual(2, s.trips)
        self.assertEqual(20.0, s.wall_ms)
        self.assertEqual(18.0, s.driver_ms)    # 6, 25, 18
        self.assertEqual(6.0, s.cpu_ms)

    def test_driver_share_is_never_negative(self):
        self.assertEqual(0.0, table.Sample(1, 5.0, 5.5, 1.0).driver_ms)


class TestRatio(base.TestCase):

    def test_ours_over_theirs(self):
        self.assertEqual('0.25x', table.ratio(5.0, 20.0))
        self.assertEqual('3.00x', table.ratio(30.0, 10.0))

    def test_missing_or_zero_gives_a_dash(self):
        self.assertEqual('-', table.ratio(None, 10.0))
        self.assertEqual('-', table.ratio(10.0, None))
        self.assertEqual('-', table.ratio(10.0, 0.0))


class TestSideBySide(base.TestCase):

    def test_one_row_per_operation_with_both_drivers_and_ratio(self):
        text = table.side_by_side(
            ['create', 'stats'],
            {'create': series((1, 10.0, 2.0, 4.0)),
             'stats': series((2, 6.0, 1.0, 2.5))},
            {'create': series((3, 40.0, 6.0, 20.0))},
            our_label='ours', their_label='in-tree')
        lines = text.split('\n')
        self.assertIn('ours', lines[0])
        self.assertIn('in-tree', lines[0])
        self.assertEqual(['operation', 'trips', 'wall', 'ms', 'driver',
                          'ms', 'CPU', 'ms'], lines[1].split()[:8])
        self.assertEqual(['create', '1', '10', '8', '4', '3', '40', '34',
                          '20', '0.25x'], lines[3].split())
        # No sample of theirs: dashes, and no ratio.
        self.assertEqual(['stats', '2', '6', '5', '2.5', '-', '-', '-',
                          '-', '-'], lines[4].split())
        # Every line of the table is as wide as its rule or narrower.
        self.assertTrue(all(len(line) <= len(lines[2]) for line in lines))


class TestReadmeSection(base.TestCase):

    def test_replaces_only_what_lies_between_the_markers(self):
        text = ('Title\n\nBenchmark\n---------\n\n%s\n\nold table\n\n%s\n\n'
                'Next section\n' % (table.START_MARKER, table.END_MARKER))
        new = table.replace_section(text, table.literal_block(
            'Generated', 'a  b\n\nc  d'))
        self.assertTrue(new.startswith('Title\n\nBenchmark\n'))
        self.assertTrue(new.endswith('%s\n\nNext section\n'
                                     % table.END_MARKER))
        self.assertNotIn('old table', new)
        self.assertIn('Generated::\n\n    a  b\n\n    c  d\n', new)
        # Idempotent: a second run gives the same text.
        self.assertEqual(new, table.replace_section(new, table.literal_block(
            'Generated', 'a  b\n\nc  d')))

    def test_missing_markers_named(self):
        error = self.assertRaises(ValueError, table.replace_section,
                                  'no markers here', 'body')
        self.assertIn(table.START_MARKER, str(error))
