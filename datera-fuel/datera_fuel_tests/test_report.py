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
"""The test report is made from a subunit stream, not by hand."""

import datetime
import io

import subunit

from datera_fuel_tests import base
from datera_fuel_tests import report


def _stream(results):
    buf = io.BytesIO()
    out = subunit.StreamResultToBytes(buf)
    start = datetime.datetime(2026, 11, 22, 4, 0, 0,
                              tzinfo=datetime.timezone.utc)
    for test_id, status, seconds in results:
        out.status(test_id=test_id, test_status='inprogress',
                   timestamp=start)
        out.status(test_id=test_id, test_status=status,
                   timestamp=start + datetime.timedelta(seconds=seconds))
    buf.seek(0)
    return buf


class ReportTest(base.TestCase):

    def test_results_and_summary_come_from_the_stream(self):
        results = report.read_results(_stream([
            ('datera_fuel_tests.test_a.T.test_ok', 'success', 2.5),
            ('datera_fuel_tests.test_b.T.test_broken', 'fail', 1.0),
        ]))
        self.assertEqual({
            'datera_fuel_tests.test_a.T.test_ok': ('success', 2.5),
            'datera_fuel_tests.test_b.T.test_broken': ('fail', 1.0),
        }, dict(results))
        text = report.render(results, commit='abc1234')
        self.assertIn('fail: 1, success: 1', text)
        self.assertIn('test_b.T.test_broken  fail     1.0', text)
        self.assertIn('- Commit: abc1234', text)
        self.assertIn('- puppet: ', text)

    def test_empty_stream_reports_no_results(self):
        text = report.render(report.read_results(io.BytesIO(b'')))
        self.assertIn('No test results in the stream.', text)
