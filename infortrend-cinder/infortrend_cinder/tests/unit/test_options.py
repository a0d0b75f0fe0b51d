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

from infortrend_cinder import options
from infortrend_cinder.tests import base

SEED_OPTIONS = ('san_ip', 'san_password', 'infortrend_pools_name',
                'infortrend_slots_a_channels_id',
                'infortrend_slots_b_channels_id', 'infortrend_tiering',
                'infortrend_iscsi_mcs', 'infortrend_fc_multipath')


class ListOptsTest(base.TestCase):

    def _opts(self):
        [(group, opts)] = options.list_opts()
        self.assertEqual('backend_defaults', group)
        return {o.name: o for o in opts}

    def test_every_seed_option_is_listed(self):
        names = self._opts()
        for name in SEED_OPTIONS:
            self.assertIn(name, names)

    def test_password_is_secret(self):
        self.assertTrue(self._opts()['san_password'].secret)

    def test_options_register_and_parse_in_a_backend_group(self):
        conf = cfg.ConfigOpts()
        conf.register_opts(list(self._opts().values()), group='eonstor')
        conf([], project='test')
        conf.set_override('infortrend_cli_transport', 'ssh', 'eonstor')
        conf.set_override('infortrend_pools_name', 'LV-1,LV-2', 'eonstor')
        self.assertEqual(['LV-1', 'LV-2'], conf.eonstor.infortrend_pools_name)
        self.assertEqual('ssh', conf.eonstor.infortrend_cli_transport)
        self.assertRaises(ValueError, conf.set_override,
                          'infortrend_cli_transport', 'telnet', 'eonstor')


class DriverOptionsTest(base.TestCase):

    def test_both_drivers_declare_every_option(self):
        from infortrend_cinder import fc
        from infortrend_cinder import iscsi
        names = {o.name for o in options.san_opts + options.infortrend_opts}
        for cls in (iscsi.InfortrendCLIISCSIDriver, fc.InfortrendCLIFCDriver):
            self.assertEqual(names,
                             {o.name for o in cls.get_driver_options()})
