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

from pure_cinder import options
from pure_cinder.tests import base


class ListOptsTest(base.TestCase):

    def _listed(self):
        groups = dict(options.list_opts())
        return {opt.name: opt for opt in groups['backend_defaults']}

    def test_every_operator_option_is_listed(self):
        listed = self._listed()
        for name in ('pure_target', 'san_ip', 'pure_api_token',
                     'pure_host_name', 'pure_iscsi_cidr',
                     'pure_eradicate_on_delete', 'driver_ssl_cert_verify',
                     'driver_ssl_cert_path', 'use_chap_auth',
                     'pure_host_personality'):
            self.assertIn(name, listed)

    def test_api_token_is_secret(self):
        self.assertTrue(self._listed()['pure_api_token'].secret)

    def test_options_register_in_a_backend_group(self):
        conf = cfg.ConfigOpts()
        conf.register_opts(options.list_opts()[0][1], group='pure1')
        conf([], default_config_files=[])
        self.assertEqual('0.0.0.0/0', conf.pure1.pure_iscsi_cidr)
        self.assertFalse(conf.pure1.pure_eradicate_on_delete)
        self.assertIsNone(conf.pure1.pure_host_name)

    def test_personality_rejects_unknown_values(self):
        conf = cfg.ConfigOpts()
        conf.register_opts(options.PURE_OPTS, group='pure1')
        conf([], default_config_files=[])
        self.assertRaises(ValueError, conf.set_override,
                          'pure_host_personality', 'windows', group='pure1')


class InTreeCoexistenceTest(base.TestCase):
    """Our driver and cinder's in-tree Pure driver in one cinder-volume.

    Each case runs in a fresh interpreter: oslo.config's global CONF keeps
    whatever an earlier import registered.
    """

    SCRIPT = '''
import sys
from oslo_config import cfg
from cinder import objects
from cinder.volume import configuration
objects.register_all()
cfg.CONF.register_group(cfg.OptGroup('pure-ours'))
cfg.CONF([], project='cinder', default_config_files=[])

def ours():
    from pure_cinder import iscsi
    iscsi.PureISCSIDriver(configuration=configuration.Configuration(
        [], config_group='pure-ours'))

def in_tree():
    import cinder.volume.drivers.pure  # noqa: registers at import

for step in sys.argv[1:]:
    globals()[step]()
shared = cfg.CONF._get_opt_info('pure_api_token', 'backend_defaults')
print(shared['opt'].secret)
'''

    def _run(self, *order):
        import subprocess
        import sys
        result = subprocess.run([sys.executable, '-c', self.SCRIPT] +
                                list(order),
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(0, result.returncode, result.stderr[-3000:])
        return result.stdout.strip().splitlines()[-1]

    def test_in_tree_backend_loaded_after_ours(self):
        # Failed with DuplicateOptError: duplicate option: pure_api_token.
        self.assertEqual('True', self._run('ours', 'in_tree'))

    def test_in_tree_backend_loaded_before_ours(self):
        self.assertEqual('True', self._run('in_tree', 'ours'))
