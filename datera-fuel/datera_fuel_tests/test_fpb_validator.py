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
"""The plugin against fuel-plugin-builder's own validator."""

import os
import shutil

import ddt
import yaml

from datera_fuel_tests import base
from datera_fuel_tests import fpb


def _edit_yaml(path, edit):
    with open(path) as f:
        data = yaml.safe_load(f)
    edit(data)
    with open(path, 'w') as f:
        yaml.safe_dump(data, f)


@ddt.ddt
class FpbValidatorTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.fpb = self.useFixture(fpb.FuelPluginBuilder())
        self.copy = os.path.join(self.useFixture(
            base.fixtures.TempDir()).path, base.PLUGIN_NAME)
        shutil.copytree(base.PLUGIN_DIR, self.copy)

    def test_plugin_passes_validator_of_its_package_version(self):
        validator = self.fpb.validator_for(base.PLUGIN_DIR)
        self.assertEqual('ValidatorV3', type(validator).__name__)
        self.assertEqual('7.0', validator.basic_version)
        validator.validate()

    @ddt.data(
        ('metadata.yaml', lambda d: d.pop('package_version'),
         'package_version'),
        ('metadata.yaml', lambda d: d.pop('fuel_version'), 'fuel_version'),
        ('metadata.yaml', lambda d: d.pop('name'), 'name'),
        ('metadata.yaml', lambda d: d['releases'][0].pop('os'), 'os'),
        ('deployment_tasks.yaml',
         lambda d: d[0]['parameters'].pop('timeout'), 'timeout'),
        ('deployment_tasks.yaml',
         lambda d: d[1]['parameters'].pop('puppet_manifest'),
         'puppet_manifest'),
        ('environment_config.yaml',
         lambda d: d['attributes']['datera_mvip'].pop('label'), 'label'),
        ('environment_config.yaml',
         lambda d: d['attributes']['datera_replica_count'].pop('type'),
         'type'),
    )
    @ddt.unpack
    def test_validator_rejects_missing_required_field(
            self, name, edit, field):
        _edit_yaml(os.path.join(self.copy, name), edit)
        # The validator of the format the plugin declares (even when the
        # edit removed package_version itself).
        validator = self.fpb.validator_for(self.copy, '3.0.0')
        error = self.assertRaises(self.fpb.errors.ValidationError,
                                  validator.validate)
        self.assertIn("'%s' is a required property" % field, str(error))
        self.assertIn(name, str(error))

    def test_validator_rejects_missing_release_directory(self):
        shutil.rmtree(os.path.join(self.copy, 'repositories', 'ubuntu'))
        error = self.assertRaises(
            self.fpb.errors.ReleasesDirectoriesError,
            self.fpb.validator_for(self.copy).validate)
        self.assertIn('repositories/ubuntu', str(error))

    def test_package_version_4_would_drop_fuel_7(self):
        # Why the plugin stays on format 3.0.0: fpb refuses format 4.0.0
        # for a plugin that lists Fuel 7.0.
        def to_v4(data):
            data['package_version'] = '4.0.0'
            data['is_hotpluggable'] = False
        _edit_yaml(os.path.join(self.copy, 'metadata.yaml'), to_v4)
        error = self.assertRaises(
            self.fpb.errors.ValidationError,
            self.fpb.validator_for(self.copy).validate)
        self.assertIn('Fuel version must be 8.0 or higher', str(error))
        self.assertIn('7.0', str(error))
