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
"""The benchmark runs and reports command counts (never timings)."""

import io
import re

import fixtures

from infortrend_cinder import benchmark
from infortrend_cinder.tests import base


class BenchmarkSmokeTest(base.TestCase):

    def test_small_run_reports_every_operation_on_both_transports(self):
        out = self.useFixture(fixtures.MonkeyPatch('sys.stdout',
                                                   io.StringIO())).new_value
        self.assertEqual(0, benchmark.main(['--partitions', '50',
                                            '--repeat', '3']))
        text = out.getvalue()
        creates = re.findall(r'^create_volume\s+(\d+)\s', text, re.M)
        self.assertEqual(['2', '2'], creates)
        stats = re.findall(r'^get_volume_stats\s+(\d+)\s', text, re.M)
        self.assertEqual(['4', '4'], stats)
        self.assertRegex(text, r'with 50 partitions: 4 commands')
        self.assertIn('fresh raidcmd process per command', text)
