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
"""The full-stack backends' request counter over a simulator's request log."""

from common_testing.fullstack import backend
from common_testing import net
from common_testing.simkit import control
from common_testing.simkit import faults
from common_testing.tests import base


class RequestLogCounterTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.surface = faults.ControlSurface(log_limit=2)
        server = control.ControlServer(self.surface,
                                       address=net.private_loopback())
        server.start()
        self.addCleanup(server.stop)
        self.count = backend.request_log_counter(server.url +
                                                 '/_sim/requests')

    def test_no_request_yet_is_zero(self):
        self.assertEqual(0, self.count())

    def test_counts_every_request_beyond_what_the_log_keeps(self):
        for _ in range(5):
            with self.surface.request('GET volumes') as result:
                result['status'] = 200
        # The log keeps two entries; the count is still five.
        self.assertEqual(5, self.count())
