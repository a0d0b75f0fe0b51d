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
"""The settings form: every field documented and validated, and the
restrictions refer to settings and values that exist."""

import re

import ddt

from datera_fuel_tests import base

ATTRIBUTES = base.load_yaml(base.PLUGIN_DIR,
                            'environment_config.yaml')['attributes']
SETTING_REF = re.compile(r"settings:%s\.(\w+)\.value" %
                         re.escape(base.PLUGIN_NAME))


def _regex(name):
    return re.compile(ATTRIBUTES[name]['regex']['source'])


@ddt.ddt
class EnvironmentConfigTest(base.TestCase):

    def test_every_setting_has_label_description_and_weight(self):
        for name, attr in ATTRIBUTES.items():
            if name == 'metadata':
                continue
            self.assertTrue(attr.get('label'), name)
            self.assertTrue(attr.get('description'), name)
            self.assertIsInstance(attr.get('weight'), int, name)

    def test_every_text_setting_has_regex_and_error(self):
        for name, attr in ATTRIBUTES.items():
            if attr.get('type') in ('text', 'password'):
                self.assertTrue(attr['regex']['source'], name)
                self.assertTrue(attr['regex']['error'], name)
                re.compile(attr['regex']['source'])

    def test_password_is_a_password_field(self):
        self.assertEqual('password',
                         ATTRIBUTES['datera_admin_password']['type'])

    def test_restrictions_refer_to_existing_settings_and_values(self):
        checked = 0
        for name, attr in ATTRIBUTES.items():
            for restriction in attr.get('restrictions', []):
                condition = restriction['condition']
                for ref in SETTING_REF.findall(condition):
                    self.assertIn(ref, ATTRIBUTES, name)
                    values = {v['data'] for v in
                              ATTRIBUTES[ref].get('values', [])}
                    for literal in re.findall(r"'([^']*)'", condition):
                        if values:
                            self.assertIn(literal, values, condition)
                    checked += 1
        self.assertGreaterEqual(checked, 2)

    @ddt.data(
        ('datera_mvip', ['192.0.2.10', 'datera-mgmt.example.com'],
         ['', 'http://x', 'a b']),
        ('datera_admin_login', ['admin', 'openstack'], ['', 'two words']),
        ('datera_admin_password', ['p@ss w0rd'], ['', ' leading']),
        ('datera_replica_count', ['1', '3', '5'], ['0', '6', '', 'three']),
        ('datera_backend_name', ['datera', 'datera_2'],
         ['', '2datera', 'data ra', 'a.b']),
        ('datera_cinder_host', ['datera-cinder', 'cinder.ha'],
         ['', '-x', 'a b']),
        ('datera_tenant_id', ['openstack', 'tenant_1'], ['', 'a/b']),
    )
    @ddt.unpack
    def test_regex_accepts_and_rejects(self, name, good, bad):
        for value in good:
            self.assertIsNotNone(_regex(name).match(value), value)
        for value in bad:
            self.assertIsNone(_regex(name).match(value), value)

    def test_defaults_pass_their_own_regex(self):
        # Empty defaults are the ones the operator must fill in.
        for name, attr in ATTRIBUTES.items():
            if attr.get('type') == 'text' and attr['value'] != '':
                self.assertIsNotNone(_regex(name).match(attr['value']), name)
        self.assertEqual({'datera_mvip', 'datera_tenant_id'},
                         {n for n, a in ATTRIBUTES.items()
                          if a.get('type') == 'text' and a['value'] == ''})
