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
"""The base class of every infortrend-cinder test: quiet while it passes.

Each test's log records (every logger, from DEBUG up), its stdout and its
stderr go into the test's details; stestr shows the details of a failing
test only.  Nothing is set up at import time: no handler is added to the
root logger until a test starts, and it is removed when the test ends.
"""

import logging

import fixtures
import testtools

LOG_FORMAT = '%(asctime)s %(levelname)s %(name)s: %(message)s'


class TestCase(testtools.TestCase):
    """testtools.TestCase whose logs and output are kept for failures."""

    def setUp(self):
        super().setUp()
        # FakeLogger sets the root logger's own handlers aside while the
        # test runs; handlers a test adds (logcheck's) still see records.
        self.log = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG, format=LOG_FORMAT))
        for name in ('stdout', 'stderr'):
            stream = self.useFixture(fixtures.StringStream(name)).stream
            self.useFixture(fixtures.MonkeyPatch('sys.' + name, stream))
