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
"""The base class of the kit's own tests: quiet while a test passes (D7).

Each test's log records (every logger, DEBUG up), and what it writes to
sys.stdout and sys.stderr (argparse's usage lines, a command's report) go
into the test's details, which stestr prints for a failing test only.
Nothing is configured at import time.
"""

import logging

import fixtures
import testtools

LOG_FORMAT = '%(asctime)s %(levelname)s %(name)s: %(message)s'


class CapturedOutput(fixtures.Fixture):
    """Root logging, sys.stdout and sys.stderr into this fixture's details.

    The root logger's own handlers are set aside for the fixture's life;
    a handler a test adds later still sees every record.
    """

    def _setUp(self):
        self.logger = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG, format=LOG_FORMAT))
        for name in ('stdout', 'stderr'):
            stream = self.useFixture(fixtures.StringStream(name)).stream
            self.useFixture(fixtures.MonkeyPatch('sys.%s' % name, stream))


class TestCase(testtools.TestCase):
    """testtools.TestCase with its output captured (CapturedOutput)."""

    def setUp(self):
        super().setUp()
        self.output = self.useFixture(CapturedOutput())
