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

"""The conformance suite: green on the reference backend, red on broken ones.
"""

import unittest

import ddt
import testtools

from common_testing import conformance
from common_testing.tests import base
from common_testing.tests.reference import array
from common_testing.tests.reference import driver


class TestReferenceConformance(conformance.ConformanceTests,
                               base.TestCase):
    array_class = array.ReferenceArrayUnderTest


class TestReferenceFCConformance(conformance.ConformanceTests,
                                 base.TestCase):
    array_class = array.ReferenceFCArrayUnderTest

    def test_image_copies_are_not_scenarios_without_a_data_path(self):
        self.assertIsNone(self.test_copy_volume_to_image)
        self.assertTrue(callable(TestReferenceConformance
                                 .test_copy_volume_to_image))


# Drivers broken on purpose, one way each.

class CloneWithoutData(driver.ReferenceISCSIDriver):
    def create_cloned_volume(self, volume, src_vref):
        self.create_volume(volume)


class DeleteNotIdempotent(driver.ReferenceISCSIDriver):
    def delete_volume(self, volume):
        self.client.request('DELETE', '/api/volumes/%s' % volume.name)


class HostLeftBehind(driver.ReferenceISCSIDriver):
    def terminate_connection(self, volume, connector, **kwargs):
        self.client.request('DELETE', '/api/connections/%s/%s' % (
            driver.host_name(connector), volume.name))


class StatsFromCache(driver.ReferenceISCSIDriver):
    def _update_volume_stats(self):
        super()._update_volume_stats()
        for pool in self._stats['pools']:
            pool['free_capacity_gb'] = pool['total_capacity_gb'] + 5


class OrphanOnLostResponse(driver.ReferenceISCSIDriver):
    def create_volume(self, volume):
        self.client.request('POST', '/api/volumes', {
            'name': volume.name, 'size_gb': volume.size})


class FCWrongLun(driver.ReferenceFCDriver):
    def initialize_connection(self, volume, connector):
        info = super().initialize_connection(volume, connector)
        info['data']['target_lun'] += 1
        return info


class PasswordInLog(driver.ReferenceISCSIDriver):
    def do_setup(self, context):
        super().do_setup(context)
        driver.LOG.debug('logging in with %s',
                         self.configuration.reference_password)


def conformance_class_for(driver_class):
    """A conformance TestCase class for ``driver_class``.

    Made in a function so that test discovery does not collect it.
    """
    base = (array.ReferenceFCArrayUnderTest
            if issubclass(driver_class, driver.ReferenceFCDriver)
            else array.ReferenceArrayUnderTest)

    class BrokenArray(base):
        driver_class_path = '%s.%s' % (driver_class.__module__,
                                       driver_class.__name__)

    # Run inside a test whose base already captures its output.
    class BrokenConformance(conformance.ConformanceTests,
                            testtools.TestCase):
        array_class = BrokenArray

    return BrokenConformance


def _run_against(driver_class, test_names):
    """Run conformance scenarios against ``driver_class``; the result."""
    test_class = conformance_class_for(driver_class)
    result = unittest.TestResult()
    unittest.TestSuite(test_class(name)
                       for name in test_names).run(result)
    return result


@ddt.ddt
class TestConformanceCatchesBrokenDrivers(base.TestCase):

    @ddt.data(
        (CloneWithoutData, 'test_clone_has_the_source_data_1_1',
         'PatternMismatch'),
        (DeleteNotIdempotent,
         'test_delete_of_an_object_already_gone_succeeds_1_volume',
         'not found'),
        (HostLeftBehind, 'test_attach_write_detach', 'left on the array'),
        (StatsFromCache, 'test_stats_match_the_array_pools',
         'free_capacity_gb'),
        (OrphanOnLostResponse, 'test_lost_create_reply_gives_one_volume',
         'volume'),
        # Not registered with @interface.volumedriver.
        (CloneWithoutData, 'test_interface_compliance', 'not registered'),
        (PasswordInLog, 'test_stats_match_the_array_pools', 'SecretLeaked'),
        (FCWrongLun, 'test_attach_write_detach', 'target_lun'),
    )
    @ddt.unpack
    def test_scenario_fails(self, driver_class, test_name, reason):
        result = _run_against(driver_class, [test_name])
        problems = result.failures + result.errors
        self.assertEqual(1, len(problems), 'expected %s to fail on %s'
                         % (test_name, driver_class.__name__))
        self.assertIn(reason, problems[0][1])

    def test_the_same_scenarios_pass_on_the_reference_driver(self):
        result = _run_against(driver.ReferenceISCSIDriver, [
            'test_attach_write_detach', 'test_stats_match_the_array_pools'])
        self.assertEqual([], result.failures + result.errors)
        self.assertEqual(2, result.testsRun)
