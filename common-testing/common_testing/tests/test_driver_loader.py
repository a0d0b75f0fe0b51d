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

from cinder import exception
import ddt
from oslo_config import cfg

from common_testing import driver_loader
from common_testing.tests import base
from common_testing.tests.reference import array
from common_testing.tests.reference import driver

CONF = cfg.CONF
DRIVER = array.DRIVER


class RecordingDriver(driver.ReferenceISCSIDriver):
    """Records how it was built and set up, talks to no array."""

    calls = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_kwargs = kwargs
        RecordingDriver.calls = ['__init__']

    def do_setup(self, context):
        self.calls.append('do_setup')
        self.setup_context = context

    def check_for_setup_error(self):
        self.calls.append('check_for_setup_error')

    def _update_volume_stats(self):
        self.calls.append('stats')
        self._stats = {'volume_backend_name': 'x', 'pools': []}


RECORDING = '%s.%s' % (__name__, RecordingDriver.__name__)


@ddt.ddt
class TestLoadedDriver(base.TestCase):

    def test_builds_the_driver_as_the_volume_manager_does(self):
        loaded = self.useFixture(driver_loader.LoadedDriver(
            {'volume_driver': RECORDING,
             'reference_api_url': 'http://127.0.0.1:1'},
            backend_name='backend1', hostname='node7'))
        drv = loaded.driver
        self.assertIsInstance(drv, RecordingDriver)
        self.assertEqual(
            ['__init__', 'do_setup', 'check_for_setup_error', 'stats'],
            RecordingDriver.calls)
        self.assertEqual({'configuration', 'host', 'cluster_name',
                          'is_vol_db_empty', 'active_backend_id'},
                         set(drv.init_kwargs))
        self.assertEqual('node7@backend1', drv.host)
        self.assertEqual('backend1', drv.configuration.config_group)
        self.assertTrue(drv.initialized)
        self.assertTrue(loaded.context.is_admin)

    def test_section_values_are_parsed_by_their_option_types(self):
        loaded = self.useFixture(driver_loader.LoadedDriver(
            {'volume_driver': RECORDING,
             'reference_api_url': 'http://127.0.0.1:1',
             'reference_request_timeout': 2.5, 'reference_retries': '4',
             'reserved_percentage': 7}))
        config = loaded.driver.configuration
        self.assertEqual(2.5, config.reference_request_timeout)
        self.assertEqual(4, config.reference_retries)
        # An option of the manager's volume_backend_opts, read the same way.
        self.assertEqual(7, config.reserved_percentage)
        self.assertEqual(RECORDING, config.volume_driver)

    def test_unset_options_fall_back_to_backend_defaults(self):
        loaded = self.useFixture(driver_loader.LoadedDriver(
            {'volume_driver': RECORDING,
             'reference_api_url': 'http://127.0.0.1:1'},
            shared_options={'reference_username': 'shared-user',
                            'reference_retries': 9}))
        config = loaded.driver.configuration
        self.assertEqual('shared-user', config.reference_username)
        self.assertEqual(9, config.reference_retries)
        # The driver module reads CONF directly, too.
        self.assertEqual('shared-user',
                         CONF.backend_defaults.reference_username)

    def test_lists_and_booleans_become_config_file_text(self):
        self.assertEqual('a,b', driver_loader.raw_value(['a', 'b']))
        self.assertEqual('true', driver_loader.raw_value(True))
        self.assertEqual('k:1,j:x',
                         driver_loader.raw_value({'k': 1, 'j': 'x'}))
        self.assertEqual('', driver_loader.raw_value(None))

    def test_registrations_and_values_are_gone_after_the_test(self):
        loader = driver_loader.LoadedDriver(
            {'volume_driver': RECORDING,
             'reference_api_url': 'http://127.0.0.1:1',
             'reference_retries': 5}, backend_name='leaky')
        loader.setUp()
        self.assertEqual(5, CONF.leaky.reference_retries)
        loader.cleanUp()
        self.assertRaises(cfg.NoSuchOptError, getattr, CONF.leaky,
                          'reference_retries')
        self.assertRaises(cfg.NoSuchOptError, getattr, CONF.leaky,
                          'volume_driver')
        # The next test loads the same section name with other values.
        again = self.useFixture(driver_loader.LoadedDriver(
            {'volume_driver': RECORDING,
             'reference_api_url': 'http://127.0.0.1:1'},
            backend_name='leaky'))
        self.assertEqual(2, again.driver.configuration.reference_retries)

    def test_setup_can_be_left_to_the_test(self):
        loaded = self.useFixture(driver_loader.LoadedDriver(
            {'volume_driver': RECORDING,
             'reference_api_url': 'http://127.0.0.1:1'}, setup=False))
        self.assertEqual(['__init__'], RecordingDriver.calls)
        self.assertFalse(loaded.driver.initialized)
        loaded.init_host()
        self.assertTrue(loaded.driver.initialized)

    def test_a_section_without_a_driver_is_refused(self):
        error = self.assertRaises(ValueError, driver_loader.LoadedDriver,
                                  {'reference_api_url': 'http://x'})
        self.assertIn('volume_driver', str(error))

    def test_setup_errors_of_the_driver_reach_the_test(self):
        # The reference driver refuses a section without its URL.
        loaded = self.useFixture(driver_loader.LoadedDriver(
            {'volume_driver': DRIVER}, setup=False))
        error = self.assertRaises(exception.InvalidConfigurationValue,
                                  loaded.init_host)
        self.assertIn('reference_api_url', str(error))
