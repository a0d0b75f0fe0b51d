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
"""The two tasks, their roles and their order."""

import os

from datera_fuel_tests import base

TASKS = base.load_yaml(base.PLUGIN_DIR, 'deployment_tasks.yaml')


class DeploymentTasksTest(base.TestCase):

    def test_primary_controller_task_runs_before_controller_task(self):
        self.assertEqual(['datera-cinder-primary-controller',
                          'datera-cinder-controller'],
                         [t['id'] for t in TASKS])
        primary, other = TASKS
        self.assertEqual(['primary-controller'], primary['role'])
        self.assertEqual(['controller'], other['role'])
        self.assertIn(primary['id'], other['requires'])
        for task in TASKS:
            self.assertIn('post_deployment_start', task['requires'])
            self.assertEqual(['post_deployment_end'], task['required_for'])

    def test_task_manifests_exist_and_modules_path_has_the_plugins(self):
        scripts = os.path.join(base.PLUGIN_DIR, 'deployment_scripts')
        expected = {'datera-cinder-primary-controller':
                    'primary_controller.pp',
                    'datera-cinder-controller': 'controller.pp'}
        for task in TASKS:
            params = task['parameters']
            self.assertEqual('puppet/manifests/' + expected[task['id']],
                             params['puppet_manifest'])
            self.assertTrue(os.path.isfile(os.path.join(
                scripts, params['puppet_manifest'])))
            # The plugin's modules first, then the node's (inifile).
            self.assertEqual(['puppet/modules/', '/etc/puppet/modules/'],
                             params['puppet_modules'].split(':'))
            self.assertGreaterEqual(params['timeout'], 300)

    def test_only_the_primary_task_touches_pacemaker(self):
        manifests = os.path.join(base.PUPPET_DIR, 'manifests')
        with open(os.path.join(manifests, 'primary_controller.pp')) as f:
            self.assertIn('datera_cinder::pacemaker', f.read())
        with open(os.path.join(manifests, 'controller.pp')) as f:
            self.assertNotIn('datera_cinder::pacemaker', f.read())
