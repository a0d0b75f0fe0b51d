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
"""The shared conformance suite on both classes over both transports."""

import contextlib
import hashlib
import os

from cinder import objects
from common_testing import conformance
import ddt
import testtools

from infortrend_cinder.tests.functional import fixtures as sim

# The kit's driver loader imports cinder.volume.manager, which needs the
# object classes registered first.
objects.register_all()


class _SuiteMissing(object):
    """Stands in when the kit's suite is not in this common-testing."""

    def test_conformance_suite_available(self):
        self.skipTest('common_testing.conformance.ConformanceTests is not '
                      'available in this common-testing')


ConformanceTests = getattr(conformance, 'ConformanceTests', _SuiteMissing)

MiB = 1024 * 1024
# Offsets spread over the first GiB, so data at the start, middle and end
# of a 1 GiB volume has to survive snapshots, clones and extends.
PATTERN_OFFSETS = (0, 257 * MiB, 1023 * MiB)


def _block(seed, offset):
    digest = hashlib.sha256(('%s:%d' % (seed, offset)).encode()).digest()
    return digest * (MiB // len(digest))


class DataPath(object):
    """The data path through the kit's user-space iSCSI initiator.

    Overrides the suite's attach helpers, which expect kit modules
    (initiator.Attachment with initiator_iqn, common_testing.data) that
    have not landed in this shape yet.
    """

    def load_driver(self, setup=True, **overrides):
        loaded = super().load_driver(setup=setup, **overrides)
        # End the raidcmd session (and its process) with the test.
        self.addCleanup(loaded.driver.common.close)
        return loaded

    @contextlib.contextmanager
    def local_attach(self, connection_info):
        from common_testing import initiator
        user_space = initiator.UserSpaceInitiator(
            name=conformance.INITIATOR_IQN)
        try:
            attachment = user_space.attach(connection_info['data'])
            yield attachment.path
        finally:
            user_space.detach_all()

    def write_pattern(self, volume, seed):
        with self.attached(volume) as path:
            if path is not None:
                with open(path, 'r+b') as f:
                    for offset in PATTERN_OFFSETS:
                        f.seek(offset)
                        f.write(_block(seed, offset))
                    f.flush()
                    os.fsync(f.fileno())

    def assert_pattern(self, volume, seed, size_gb=None):
        with self.attached(volume) as path:
            if path is not None:
                with open(path, 'rb') as f:
                    for offset in PATTERN_OFFSETS:
                        f.seek(offset)
                        self.assertEqual(_block(seed, offset), f.read(MiB),
                                         'data at %d differs' % offset)
                if size_gb is not None:
                    self.assertEqual(size_gb * conformance.GiB,
                                     os.path.getsize(path))


@ddt.ddt
class ISCSILocalConformanceTest(DataPath, ConformanceTests,
                                testtools.TestCase):
    array_class = sim.SimulatedArray


@ddt.ddt
class FCLocalConformanceTest(DataPath, ConformanceTests,
                             testtools.TestCase):
    array_class = sim.SimulatedFCArray


@ddt.ddt
class ISCSISSHConformanceTest(DataPath, ConformanceTests,
                              testtools.TestCase):
    array_class = sim.SimulatedArraySSH


@ddt.ddt
class FCSSHConformanceTest(DataPath, ConformanceTests,
                           testtools.TestCase):
    array_class = sim.SimulatedFCArraySSH
