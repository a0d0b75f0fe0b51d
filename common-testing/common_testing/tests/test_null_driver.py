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
"""The null driver keeps its books and touches nothing else."""

from unittest import mock

from cinder.volume import configuration

from common_testing import null_driver
from common_testing.tests import base


class TestNullDriver(base.TestCase):

    def driver(self):
        conf = mock.Mock(spec=configuration.Configuration)
        conf.safe_get.side_effect = {'volume_backend_name': 'null'}.get
        return null_driver.NullDriver(configuration=conf)

    def test_capacity_follows_volumes_and_snapshots(self):
        driver = self.driver()
        volume = mock.Mock(id='v1', size=2)
        driver.create_volume(volume)
        driver.create_cloned_volume(mock.Mock(id='v2', size=3), volume)
        driver.create_snapshot(mock.Mock(id='s1', volume_size=2))
        driver.extend_volume(volume, 5)
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual(null_driver.TOTAL_GB - 10,
                         stats['free_capacity_gb'])
        self.assertEqual('null', stats['volume_backend_name'])
        driver.delete_snapshot(mock.Mock(id='s1'))
        driver.delete_volume(volume)
        driver.delete_volume(volume)  # idempotent
        self.assertEqual({'v2': 3}, driver.volumes)
        self.assertEqual(null_driver.TOTAL_GB - 3, driver.get_volume_stats(
            refresh=True)['free_capacity_gb'])

    def test_attach_is_refused(self):
        self.assertRaises(NotImplementedError,
                          self.driver().initialize_connection,
                          mock.Mock(id='v1'), {})
