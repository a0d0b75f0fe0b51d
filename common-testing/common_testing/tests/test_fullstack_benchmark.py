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
"""The benchmark's pure helpers (no stack is started)."""

import datetime

from common_testing.fullstack import benchmark
from common_testing.tests import base


def _at(seconds):
    return datetime.datetime(2026, 11, 22, 5, 0, 0) + datetime.timedelta(
        seconds=seconds)


class PercentileTest(base.TestCase):

    def test_nearest_rank(self):
        values = list(range(1, 21))  # 1..20
        self.assertEqual(19, benchmark.percentile(values, 95))
        self.assertEqual(20, benchmark.percentile(values, 100))
        self.assertEqual(10, benchmark.percentile(values, 50))

    def test_unsorted_and_single(self):
        self.assertEqual(9, benchmark.percentile([9, 1, 5], 95))
        self.assertEqual(3, benchmark.percentile([3], 95))

    def test_empty(self):
        self.assertIsNone(benchmark.percentile([], 95))


class ServiceSplitTest(base.TestCase):

    def test_split_from_timestamps(self):
        queue, service = benchmark.service_split([
            (_at(0), _at(1), _at(4)),
            (_at(10), _at(10), _at(12)),
        ])
        self.assertEqual([1.0, 0.0], queue)
        self.assertEqual([3.0, 2.0], service)

    def test_rows_missing_a_timestamp_are_skipped(self):
        # A volume that never reached launched_at (error) tells nothing.
        queue, service = benchmark.service_split([
            (_at(0), _at(1), None), (_at(0), None, None),
            (_at(0), _at(2), _at(5))])
        self.assertEqual([2.0], queue)
        self.assertEqual([3.0], service)


class FormatTest(base.TestCase):

    def test_row_mean_and_p95_in_ms(self):
        line = benchmark.format_row('pure-iscsi', 4, 1.5,
                                    [0.1, 0.1, 0.1, 0.5], [1.0], [2.0, 4.0],
                                    12.0)
        self.assertEqual(['pure-iscsi', '4', '1.50', '200/500', '1000/1000',
                          '3000/4000', '12.0'], line.split())

    def test_unmeasured_columns_say_na(self):
        line = benchmark.format_row('ift-iscsi', 2, 0.5, [0.2], [], [], None)
        self.assertEqual(['ift-iscsi', '2', '0.50', '200/200', 'n/a', 'n/a',
                          'n/a'], line.split())

    def test_header_has_a_column_per_value(self):
        self.assertEqual(7, len(benchmark.format_header().split()))
