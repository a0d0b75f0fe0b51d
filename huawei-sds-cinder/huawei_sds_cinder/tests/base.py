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
"""The test base class of every huawei-sds-cinder test, and lock fixtures.

TestCase captures each test's log records, stdout and stderr and attaches
them to the result, where the runner prints them only for a test that
failed: a passing run is quiet, a failing test keeps its logs. Nothing is
configured at import time (no handler on the root logger).
"""

import logging
import threading

from cinder import coordination
import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools


class TestCase(testtools.TestCase):
    """testtools.TestCase with per-test log, stdout and stderr capture."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG,
            format='%(asctime)s %(levelname)s %(name)s %(message)s'))
        for name in ('stdout', 'stderr'):
            stream = self.useFixture(fixtures.StringStream(name)).stream
            self.useFixture(fixtures.MonkeyPatch('sys.' + name, stream))


class Coordinator(fixtures.Fixture):
    """cinder's coordinator on a file backend of this test's own.

    The driver's locks are cinder.coordination locks (tooz): this starts
    the coordinator cinder-volume starts, with its lock files in a
    temporary directory.
    """

    def _setUp(self):
        path = self.useFixture(fixtures.TempDir()).path
        conf = self.useFixture(config_fixture.Config(cfg.CONF))
        conf.config(group='coordination', backend_url='file://' + path)
        coordination.COORDINATOR.start()
        self.addCleanup(coordination.COORDINATOR.stop)


class _RecordedLock(object):
    """One named lock of RecordedLocks (the tooz lock interface)."""

    def __init__(self, recorder, name):
        self.recorder = recorder
        self.name = name
        self._lock = recorder.locks.setdefault(name, threading.Lock())

    def acquire(self, blocking=True):
        self.recorder.taken.append((self.name, 'acquire'))
        return self._lock.acquire(blocking)

    def release(self):
        self.recorder.taken.append((self.name, 'release'))
        self._lock.release()


class RecordedLocks(fixtures.Fixture):
    """coordination locks as process-local locks that record their names.

    For unit tests: ``taken`` lists (name, 'acquire' / 'release') in
    order, so a test sees which array object an operation locked.
    """

    def _setUp(self):
        self.taken = []
        self.locks = {}
        self.useFixture(fixtures.MockPatchObject(
            coordination.COORDINATOR, 'get_lock',
            lambda name: _RecordedLock(self, name)))

    def names(self):
        """The lock names acquired, in order."""
        return [name for name, what in self.taken if what == 'acquire']
