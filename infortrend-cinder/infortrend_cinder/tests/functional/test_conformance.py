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

from cinder import objects
from common_testing import conformance

from infortrend_cinder.tests import base
from infortrend_cinder.tests.functional import fixtures as sim

# The kit's driver loader imports cinder.volume.manager, which needs the
# object classes registered first.
objects.register_all()


class InfortrendConformance(conformance.ConformanceTests):
    """The suite; each loaded driver's raidcmd session ends with the test."""

    def load_driver(self, setup=True, **overrides):
        loaded = super().load_driver(setup=setup, **overrides)
        self.addCleanup(loaded.driver.close)
        return loaded


class ISCSILocalConformanceTest(InfortrendConformance, base.TestCase):
    array_class = sim.SimulatedArray


class FCLocalConformanceTest(InfortrendConformance, base.TestCase):
    array_class = sim.SimulatedFCArray


class ISCSISSHConformanceTest(InfortrendConformance, base.TestCase):
    array_class = sim.SimulatedArraySSH


class FCSSHConformanceTest(InfortrendConformance, base.TestCase):
    array_class = sim.SimulatedFCArraySSH
