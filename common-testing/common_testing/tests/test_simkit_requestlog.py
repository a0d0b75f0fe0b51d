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
"""simkit.requestlog: the bounded request log."""

import time

from common_testing.simkit import requestlog
from common_testing.tests import base


class TestRequestLog(base.TestCase):

    def test_record_times_the_request_and_keeps_its_status(self):
        log = requestlog.RequestLog()
        before = time.time()
        with log.record('POST /volumes') as result:
            time.sleep(0.02)
            result['status'] = 201
        [entry] = log.entries()
        self.assertEqual('POST /volumes', entry['operation'])
        self.assertEqual(201, entry['status'])
        self.assertGreaterEqual(entry['duration_ms'], 15)
        self.assertLess(entry['duration_ms'], 5000)
        self.assertGreaterEqual(entry['time'], before - 1)

    def test_an_exception_is_logged_as_error_and_raised(self):
        log = requestlog.RequestLog()

        def fail():
            with log.record('create part'):
                raise RuntimeError('boom')
        self.assertRaises(RuntimeError, fail)
        self.assertEqual('error', log.entries()[0]['status'])

    def test_bounded_and_since(self):
        log = requestlog.RequestLog(limit=3)
        for n in range(5):
            log.add('op%d' % n, 200, 1.0)
        entries = log.entries()
        self.assertEqual(['op2', 'op3', 'op4'],
                         [e['operation'] for e in entries])
        self.assertEqual(['op4'], [e['operation'] for e in
                                   log.entries(since=entries[1]['seq'])])
        log.clear()
        self.assertEqual([], log.entries())

    def test_entries_are_copies(self):
        log = requestlog.RequestLog()
        log.add('op', 200, 1.0)
        log.entries()[0]['status'] = 500
        self.assertEqual(200, log.entries()[0]['status'])
