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

import subprocess
import sys

import ddt
import testtools

# Runs the console script's main() in a Python where the simulator extra
# (common_testing and the cryptography it brings) cannot be imported, as
# after a plain install.
WITHOUT_EXTRA = (
    'import sys\n'
    "sys.modules['common_testing'] = None\n"
    "sys.modules['cryptography'] = None\n"
    'from pure_cinder.simulator import __main__\n'
    'sys.exit(__main__.main(sys.argv[1:]))\n')
MISSING = ("pure-cinder-simulator: needs the simulator extra: pip install "
           "'pure-cinder[simulator]'\n")


@ddt.ddt
class ConsoleScriptWithoutExtraTest(testtools.TestCase):

    def run_script(self, *args):
        env = {'PATH': '/usr/bin:/bin', 'PURE_SIM_API_TOKEN': 'token'}
        return subprocess.run([sys.executable, '-c', WITHOUT_EXTRA] +
                              list(args), capture_output=True, text=True,
                              timeout=60, env=env)

    def test_help_works_from_a_plain_install(self):
        done = self.run_script('--help')
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertIn('usage: pure-cinder-simulator', done.stdout)
        self.assertEqual('', done.stderr)

    @ddt.data(['--state-dir', '/nonexistent', '--http'],
              ['--state-dir', '/nonexistent', '--generate-cert',
               '/nonexistent/tls'])
    def test_a_run_names_the_extra_in_one_line(self, args):
        done = self.run_script(*args)
        self.assertEqual(2, done.returncode)
        self.assertEqual('', done.stdout)
        self.assertEqual(MISSING, done.stderr)

    def test_argument_errors_come_first(self):
        done = self.run_script('--http')
        self.assertEqual(2, done.returncode)
        self.assertIn('--state-dir', done.stderr)
        self.assertNotIn('simulator extra', done.stderr)
