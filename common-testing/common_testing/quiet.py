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

"""Quiet tests (issue 15 D7): a test's output only when it fails.

:class:`CapturedOutput` takes each test's log records (every logger, DEBUG
up) and what it writes to sys.stdout and sys.stderr into the test's
details, which stestr prints for a failing test only; :class:`TestCase`
uses it.  The kit's own tests and vendor suites share this one base.
Nothing is configured at import time.
"""

import logging

import fixtures
import testtools

LOG_FORMAT = '%(asctime)s %(levelname)s %(name)s: %(message)s'


class CapturedOutput(fixtures.Fixture):
    """Root logging, sys.stdout and sys.stderr into this fixture's details.

    The root logger's own handlers are set aside for the fixture's life,
    so nothing reaches the terminal; a handler a test adds later (such as
    common_testing.logcheck's collector) still sees every record.
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
