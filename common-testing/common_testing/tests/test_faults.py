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

import threading
import time
from unittest import mock

import ddt

from common_testing import faults
from common_testing.tests import base


@ddt.ddt
class TestFaultPlan(base.TestCase):

    def _run(self, plan, key):
        """Handle one request the way a simulator does; returns its fate."""
        try:
            plan.before(key)
        except faults.InjectedFailure as failure:
            return 'failed %s' % failure.status
        except faults.DropConnection:
            return 'dropped before'
        try:
            plan.after(key)
        except faults.DropConnection:
            return 'applied, response lost'
        return 'ok'

    def test_fail_on_nth_matching_request_only(self):
        plan = faults.FaultPlan([faults.FaultRule(
            r'^POST /api/volumes$', faults.FAIL, nth=2, status=503)])
        fates = [self._run(plan, key) for key in (
            'POST /api/volumes', 'GET /api/volumes', 'POST /api/volumes',
            'POST /api/volumes')]
        self.assertEqual(['ok', 'ok', 'failed 503', 'ok'], fates)
        self.assertEqual([('POST /api/volumes', 'fail')], plan.fired)

    @ddt.data((1, 2, ['x', 'x', 'ok']), (2, None, ['ok', 'x', 'x']))
    @ddt.unpack
    def test_count_limits_how_often_a_rule_fires(self, nth, count, expected):
        plan = faults.FaultPlan()
        plan.add({'match': 'create', 'action': 'drop', 'nth': nth,
                  'count': count})
        fates = [self._run(plan, 'create vol') for _ in range(3)]
        self.assertEqual(
            [fate.replace('dropped before', 'x') for fate in fates], expected)

    def test_lose_response_applies_the_change_then_drops(self):
        plan = faults.FaultPlan([faults.FaultRule('create', 'lose_response')])
        applied = []
        plan.before('create part')
        applied.append('part')
        self.assertRaises(faults.DropConnection, plan.after, 'create part')
        self.assertEqual(['part'], applied)
        # The next request is answered normally.
        self.assertEqual('ok', self._run(plan, 'create part'))

    @mock.patch.object(time, 'sleep')
    def test_delay_sleeps_then_handles(self, sleep):
        plan = faults.FaultPlan([faults.FaultRule('GET', 'delay',
                                                  seconds=2.5)])
        self.assertEqual('ok', self._run(plan, 'GET /array'))
        sleep.assert_called_once_with(2.5)

    def test_delay_can_be_deferred_by_the_caller(self):
        # A simulator holding a lock records the delay and sleeps later; the
        # rule has already counted the request, and a drop still follows.
        plan = faults.FaultPlan([
            faults.FaultRule('GET', 'delay', seconds=3),
            faults.FaultRule('GET', 'drop')])
        delays = []
        self.assertRaises(faults.DropConnection, plan.before, 'GET /array',
                          sleep=delays.append)
        self.assertEqual([3], delays)
        self.assertEqual([1, 1], [rule['fired'] for rule in plan.rules()])

    def test_rules_can_be_changed_at_run_time_as_json(self):
        plan = faults.FaultPlan()
        plan.load([{'match': 'delete', 'action': 'fail', 'message': 'busy'}])
        self.assertEqual('failed 500', self._run(plan, 'delete vol'))
        self.assertEqual([{'match': 'delete', 'action': 'fail', 'nth': 1,
                           'count': 1, 'seconds': 0.0, 'status': 500,
                           'message': 'busy', 'seen': 1, 'fired': 1}],
                         plan.rules())
        plan.clear()
        self.assertEqual([], plan.rules())
        self.assertEqual('ok', self._run(plan, 'delete vol'))

    def test_a_rule_survives_its_json_round_trip(self):
        rule = faults.FaultRule('^DELETE ', 'delay', nth=3, count=None,
                                seconds=0.5, status=503, message='slow')
        self.assertEqual(rule.to_dict(),
                         faults.FaultRule.from_dict(rule.to_dict()).to_dict())

    @ddt.data({'match': 'x', 'action': 'explode'},
              {'match': 'x', 'action': 'fail', 'nth': 0},
              {'match': 'x', 'action': 'fail', 'count': 0},
              {'match': 'x', 'action': 'fail', 'when': 'now'})
    def test_bad_rules_are_refused_with_the_field_named(self, data):
        error = self.assertRaises(ValueError, faults.FaultRule.from_dict,
                                  data)
        self.assertTrue(any(word in str(error)
                            for word in ('action', 'nth', 'count', 'when')))

    def test_concurrent_requests_fire_the_rule_exactly_count_times(self):
        plan = faults.FaultPlan([faults.FaultRule('req', 'fail', nth=5,
                                                  count=10)])
        fates = []
        lock = threading.Lock()

        def worker():
            for _ in range(50):
                fate = self._run(plan, 'req')
                with lock:
                    fates.append(fate)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(10, fates.count('failed 500'))
        self.assertEqual(390, fates.count('ok'))
