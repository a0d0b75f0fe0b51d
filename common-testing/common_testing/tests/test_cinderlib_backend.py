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

from common_testing import cinderlib_backend
from common_testing import driver_loader
from common_testing import logcheck
from common_testing.tests import base
from common_testing.tests.reference import array


class TestCinderlibBackend(base.TestCase):

    def setUp(self):
        super().setUp()
        self.array = array.ReferenceArrayUnderTest()
        self.array.start(self)
        self.useFixture(logcheck.SecretsNotLogged(self.array.secrets()))

    def test_volume_lifecycle_through_cinderlib(self):
        lib = self.useFixture(cinderlib_backend.CinderlibBackend(
            self.array.backend_options()))
        backend = lib.backend
        self.assertEqual(['pool-a'], list(backend.pool_names))
        volume = backend.create_volume(size=1)
        snapshot = volume.create_snapshot()
        clone = volume.clone(size=2)
        restored = snapshot.create_volume(size=1)
        clone.extend(3)
        volumes = self.array.inventory()['volume']
        self.assertEqual({volume.name_in_storage, clone.name_in_storage,
                          restored.name_in_storage}, volumes)
        self.assertEqual({snapshot.name_in_storage},
                         self.array.inventory()['snapshot'])
        stats = backend.stats(refresh=True)
        self.assertEqual(64 - 1 - 1 - 3 - 1,
                         stats['pools'][0]['free_capacity_gb'])
        restored.delete()
        self.assertNotIn(restored.name_in_storage,
                         self.array.inventory()['volume'])

    def test_leftovers_are_deleted_and_the_name_freed_at_cleanup(self):
        options = self.array.backend_options()
        lib = cinderlib_backend.CinderlibBackend(options, backend_name='one')
        lib.setUp()
        volume = lib.backend.create_volume(size=1)
        volume.create_snapshot()
        lib.cleanUp()
        self.assertEqual(set(), self.array.inventory()['volume'])
        self.assertEqual(set(), self.array.inventory()['snapshot'])
        # The same name with other options is a new backend again.
        options['reference_retries'] = 0
        again = self.useFixture(cinderlib_backend.CinderlibBackend(
            options, backend_name='one'))
        self.assertEqual(0, again.backend.driver.configuration
                         .reference_retries)

    def test_driver_loader_still_works_after_cinderlib_setup(self):
        self.useFixture(cinderlib_backend.CinderlibBackend(
            self.array.backend_options()))
        loaded = self.useFixture(driver_loader.LoadedDriver(
            self.array.backend_options()))
        self.assertEqual('pool-a', loaded.driver.get_volume_stats(
            refresh=True)['pools'][0]['pool_name'])
