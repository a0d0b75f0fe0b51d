# Copyright 2026 Cinder backends team
#
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

from oslo_config import cfg
from oslo_config import fixture as config_fixture
from oslotest import base

from xio_cinder import options
from xio_cinder.tests import base as test_base


class OptionsTest(test_base.TestCase, base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(cfg.ConfigOpts()))
        self.conf.register_opts(
            options.list_opts()[0][1], group='xio')

    def test_list_opts_has_every_spec_option(self):
        names = {opt.name for _group, opts in options.list_opts()
                 for opt in opts}
        for name in ('san_ip', 'san_login', 'san_password',
                     'ise_raid_level', 'ise_default_pool',
                     'iscsi_ip_address', 'ise_connection_retries',
                     'ise_retry_interval', 'ise_completion_retries'):
            self.assertIn(name, names)

    def test_password_is_secret(self):
        opt = [o for o in options.connection_opts
               if o.name == 'san_password'][0]
        self.assertTrue(opt.secret)

    def test_deprecated_aliases_are_accepted(self):
        path = self.create_tempfiles(
            [('cinder', '[xio]\nise_raid = 5\nise_storage_pool = 3\n')])[0]
        self.conf.conf(['--config-file', path])
        self.assertEqual(5, self.conf.conf.xio.ise_raid_level)
        self.assertEqual(3, self.conf.conf.xio.ise_default_pool)

    def test_unknown_raid_level_is_refused(self):
        self.assertRaises(ValueError, self.conf.config, group='xio',
                          ise_raid_level=3)

    def test_cinder_san_options_are_cinders_own(self):
        # cinder registers every backend's options in backend_defaults too:
        # another driver in the same cinder.conf (cinder's san_opts) and
        # this one must register the very same definitions, in any order.
        from cinder.volume.drivers.san import san
        for first, second in ((san.san_opts, options.connection_opts),
                              (options.connection_opts, san.san_opts)):
            conf = cfg.ConfigOpts()
            conf.register_opts(first, group='backend_defaults')
            conf.register_opts(second, group='backend_defaults')
        self.assertEqual({'san_ip', 'san_login', 'san_password',
                          'san_api_port'},
                         {opt.name for opt in options.connection_opts})
