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

"""The simulator's console script without the simulator extra installed."""

from common_testing import plain_install
import testtools


class ConsoleScriptWithoutExtraTest(plain_install.SimulatorScriptTests,
                                    testtools.TestCase):
    module = 'pure_cinder.simulator.__main__'
    dist = 'pure-cinder'
    # The extra brings common_testing and the cryptography it needs.
    blocked = ('common_testing', 'cryptography')
    env = {'PURE_SIM_API_TOKEN': 'token'}
    runs = (['--state-dir', '/nonexistent', '--http'],
            ['--state-dir', '/nonexistent', '--generate-cert',
             '/nonexistent/tls'])

    def test_argument_errors_come_first(self):
        done = self.run_script('--http')
        self.assertEqual(2, done.returncode)
        self.assertIn('--state-dir', done.stderr)
        self.assertNotIn('simulator extra', done.stderr)
