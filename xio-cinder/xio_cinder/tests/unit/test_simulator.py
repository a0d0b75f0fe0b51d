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

from xio_cinder.tests import base as test_base

# Runs the console script's main() in a Python where common_testing (the
# simulator extra) cannot be imported, as after a plain install.
WITHOUT_EXTRA = (
    'import sys\n'
    "sys.modules['common_testing'] = None\n"
    'from xio_cinder.simulator import __main__\n'
    'sys.exit(__main__.main(sys.argv[1:]))\n')


class ConsoleScriptWithoutExtraTest(test_base.TestCase):

    def run_script(self, *args, env=None):
        return subprocess.run([sys.executable, '-c', WITHOUT_EXTRA] +
                              list(args), capture_output=True, text=True,
                              timeout=60, env=env)

    def test_help_works_from_a_plain_install(self):
        done = self.run_script('--help')
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertIn('usage: xio-cinder-simulator', done.stdout)
        self.assertEqual('', done.stderr)

    def test_a_run_names_the_extra_in_one_line(self):
        done = self.run_script(env={'XIO_SIM_PASSWORD': 'x',
                                    'PATH': '/usr/bin:/bin'})
        self.assertEqual(2, done.returncode)
        self.assertEqual('', done.stdout)
        self.assertEqual(
            "xio-cinder-simulator: needs the simulator extra: pip install "
            "'xio-cinder[simulator]'\n", done.stderr)
