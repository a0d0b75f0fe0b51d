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
"""The wait schedule of delete polling (issue 17 item 2).

A delete the VBS finishes in 0.5 s is seen within 0.6 s: the queries
start soon after the delete and back off to POLL_MAX_WAIT.  time.sleep is
a fake clock here.
"""

from unittest import mock

from huawei_sds_cinder import client
from huawei_sds_cinder import common
from huawei_sds_cinder.tests import base
from huawei_sds_cinder.tests.unit import test_driver


class DeletePollScheduleTest(base.TestCase):

    def queries_until(self, gone_at):
        sds = test_driver.make_driver(self, huawei_sds_delete_timeout=600)
        sds.client = mock.Mock()
        clock, queries = [0.0], []

        def request(kind, *args, **kwargs):
            if kind.startswith('DELETE'):
                return client.VbsReply(0, {})
            queries.append(clock[0])
            if clock[0] >= gone_at:
                raise client.VbsObjectNotFound('QUERY_VOLUME_REQ', -900079)
            return client.VbsReply(0, {'volume0': {'status': '10'}})
        sds.client.request.side_effect = request

        def sleep(seconds):
            clock[0] += seconds
        with mock.patch('time.sleep', side_effect=sleep):
            sds.delete_volume(test_driver.volume())
        return queries

    def test_a_delete_done_in_half_a_second_is_seen_within_0_6_s(self):
        queries = self.queries_until(0.5)
        self.assertLessEqual(queries[1] - queries[0], 0.05)
        self.assertGreaterEqual(queries[-1], 0.5)
        self.assertLess(queries[-1], 0.6)

    def test_waits_grow_up_to_the_cap(self):
        queries = self.queries_until(30)
        gaps = [round(b - a, 6) for a, b in zip(queries, queries[1:])]
        self.assertEqual(gaps, sorted(gaps))
        self.assertEqual(common.POLL_MAX_WAIT, gaps[-1])
