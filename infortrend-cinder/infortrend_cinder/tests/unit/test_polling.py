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
"""The wait schedule of replica job polling (issue 17 item 2).

A job the array finishes in 0.5 s is seen within 0.6 s: the looks start
soon after the job and back off, never further apart than
infortrend_replica_poll_interval.  time.sleep is a fake clock here.
"""

from unittest import mock

from infortrend_cinder import common
from infortrend_cinder import iscsi
from infortrend_cinder.tests import base


class ReplicaPollScheduleTest(base.TestCase):

    def looks_until(self, done_at, interval):
        conf = mock.Mock()
        conf.safe_get.side_effect = {
            'infortrend_replica_timeout': 600,
            'infortrend_replica_poll_interval': interval}.get
        driver = iscsi.InfortrendCLIISCSIDriver(configuration=conf)
        clock, looks = [0.0], []

        def look():
            looks.append(clock[0])
            if clock[0] < done_at:
                raise common.PollAgain('running')
            return 'done'

        def sleep(seconds):
            clock[0] += seconds
        with mock.patch('time.sleep', side_effect=sleep):
            self.assertEqual('done', driver._poll(look, 'Replica job'))
        return looks

    def test_a_job_done_in_half_a_second_is_seen_within_0_6_s(self):
        looks = self.looks_until(0.5, interval=5)
        self.assertEqual(0.0, looks[0])
        self.assertLessEqual(looks[1], 0.05)
        self.assertGreaterEqual(looks[-1], 0.5)
        self.assertLess(looks[-1], 0.6)

    def test_waits_grow_up_to_the_poll_interval(self):
        looks = self.looks_until(30, interval=2)
        gaps = [round(b - a, 6) for a, b in zip(looks, looks[1:])]
        self.assertEqual(gaps, sorted(gaps))
        self.assertEqual(2, gaps[-1])
        self.assertLess(looks[-1], 32)
