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

import io
from unittest import mock

import fixtures

from common_testing import demo
from common_testing.tests import base
from common_testing.tests import test_conformance


class TestDemo(base.TestCase):

    def test_operation_names_come_from_test_names(self):
        test = mock.Mock()
        test.id.return_value = 'a.B.test_clone_has_the_source_data_2_2'
        self.assertEqual('clone has the source data (2)',
                         demo.operation_name(test))
        test.id.return_value = 'a.B.test_copy_image_to_volume_1_raw'
        self.assertEqual('copy image to volume (raw)',
                         demo.operation_name(test))
        test.id.return_value = 'a.B.test_attach_write_detach'
        self.assertEqual('attach write detach', demo.operation_name(test))

    def test_table_is_aligned(self):
        table = demo.format_table([('extend', 'ok', 1.25),
                                   ('clone (2)', 'FAILED', 12.0)])
        lines = table.splitlines()
        self.assertEqual(1, len({len(line) for line in lines}), table)
        self.assertIn('clone (2)', lines[4])
        self.assertIn('FAILED', lines[4])
        self.assertTrue(lines[3].endswith('1.2') or lines[3].endswith('1.3'))

    def test_main_prints_the_table_and_exits_zero_when_green(self):
        out = self.useFixture(fixtures.MonkeyPatch('sys.stdout',
                                                   io.StringIO())).new_value
        self.assertEqual(0, demo.main(['-k', 'stats_match']))
        self.assertIn('stats match the array pools', out.getvalue())
        self.assertIn('1 scenarios, 0 failed', out.getvalue())

    def test_main_exits_non_zero_when_nothing_ran(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', io.StringIO()))
        self.assertEqual(1, demo.main(['-k', 'no-such-scenario']))

    def test_failures_are_rows_of_the_table(self):
        broken = test_conformance.conformance_class_for(
            test_conformance.StatsFromCache)
        result = demo.run_table(broken, 'stats_match')
        self.assertEqual([('stats match the array pools', demo.FAIL)],
                         [row[:2] for row in result.rows])
