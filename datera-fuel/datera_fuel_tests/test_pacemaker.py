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
"""The Pacemaker configuration of the primary-controller task, checked
offline with Pacemaker's own tools on a CIB file."""

import os

from datera_fuel_tests import base
from datera_fuel_tests import cib
from datera_fuel_tests import puppet

RESOURCE = 'p_cinder-volume-datera'
NODES = ['node-1', 'node-2', 'node-3']


class PacemakerTest(base.TestCase):

    def setUp(self):
        super().setUp()
        for tool in ('cibadmin', 'crm_verify', 'crm_simulate', 'pcs'):
            base.require_tool(self, tool)

    def primary_task_cib(self, **hiera):
        """The CIB after the primary-controller task ran on node-1."""
        sandbox = self.useFixture(puppet.PuppetSandbox('node-1'))
        cib_file = cib.make_cluster(sandbox.path('cib.xml'), NODES)
        sandbox.write_hiera(base.sample_settings(
            datera_cinder_release='current'), cib_file=cib_file, **hiera)
        sandbox.apply('primary_controller.pp', puppet.CHANGES)
        self.tmp = sandbox.root
        return cib_file

    def step(self, cib_file, name, **changes):
        return cib.simulate(cib_file, os.path.join(self.tmp, name + '.xml'),
                            **changes)

    def test_cib_verifies_and_has_one_primitive(self):
        cib_file = self.primary_task_cib()
        code, output = cib.verify(cib_file)
        self.assertEqual(0, code, output)

        resources = cib.configuration(cib_file).find('resources')
        # A bare primitive: no clone, group or promotable wrapper, so
        # Pacemaker runs at most one instance.
        self.assertEqual(['primitive'], [child.tag for child in resources])
        primitive = resources[0]
        self.assertEqual(
            {'id': RESOURCE, 'class': 'systemd', 'type': 'cinder-volume'},
            primitive.attrib)
        meta = {nv.get('name'): nv.get('value')
                for nv in primitive.find('meta_attributes')}
        self.assertEqual({'resource-stickiness': '100'}, meta)
        ops = {op.get('name'): (op.get('interval'), op.get('timeout'))
               for op in primitive.find('operations')}
        self.assertEqual({'monitor': ('20s', '10s'), 'start': ('0', '60s'),
                          'stop': ('0', '60s')}, ops)

        # pcs reads the same configuration from the file.
        config = base.run(['pcs', '-f', cib_file, 'resource', 'config',
                           RESOURCE], env=cib.tool_env(cib_file)).stdout
        self.assertIn('class=systemd type=cinder-volume', config)
        self.assertIn('resource-stickiness=100', config)
        self.assertIn('interval=20s', config)
        constraints = base.run(['pcs', '-f', cib_file, 'constraint',
                                'location', 'config'],
                               env=cib.tool_env(cib_file), check=False)
        if constraints.returncode != 0:
            constraints = base.run(['pcs', '-f', cib_file, 'constraint',
                                    'location'], env=cib.tool_env(cib_file))
        self.assertIn('node-1', constraints.stdout)
        self.assertIn('50', constraints.stdout)

    def test_one_instance_fails_over_and_stays(self):
        cib_file = self.primary_task_cib()
        up = self.step(cib_file, 'up', nodes_up=NODES)
        self.assertEqual(['node-1'], cib.running_on(up, RESOURCE))

        failed = self.step(up, 'failed', nodes_down=['node-1'])
        moved_to = cib.running_on(failed, RESOURCE)
        self.assertEqual(1, len(moved_to), moved_to)
        self.assertNotEqual(['node-1'], moved_to)

        # Stickiness (100) outweighs the preference for node-1 (50).
        back = self.step(failed, 'back', nodes_up=['node-1'])
        self.assertEqual(moved_to, cib.running_on(back, RESOURCE))

    def test_without_stickiness_it_would_fail_back(self):
        # The control case: the stay-put above is the stickiness' doing.
        cib_file = self.primary_task_cib(
            **{'datera_cinder::pacemaker::stickiness': 0})
        up = self.step(cib_file, 'up', nodes_up=NODES)
        failed = self.step(up, 'failed', nodes_down=['node-1'])
        self.assertNotEqual(['node-1'], cib.running_on(failed, RESOURCE))
        back = self.step(failed, 'back', nodes_up=['node-1'])
        self.assertEqual(['node-1'], cib.running_on(back, RESOURCE))

    def test_instances_started_outside_pacemaker_are_reduced_to_one(self):
        # cinder-volume already running on every controller (the package
        # started it): the probes find it active everywhere, and Pacemaker
        # leaves exactly one instance.
        cib_file = self.primary_task_cib()
        everywhere = os.path.join(self.tmp, 'everywhere.xml')
        argv = ['crm_simulate', '--xml-file', cib_file, '--quorum', 'true',
                '--simulate', '--save-output', everywhere]
        for node in NODES:
            argv += ['--node-up', node,
                     '--op-inject', '%s_monitor_0@%s=0' % (RESOURCE, node)]
        transition = base.run(argv, env=cib.tool_env(cib_file)).stdout
        for node in ('node-2', 'node-3'):
            self.assertIn('%s stop on %s' % (RESOURCE, node), transition)
        self.assertEqual(['node-1'], cib.running_on(everywhere, RESOURCE))
