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
"""A simulator's console script as a plain install (no extras) runs it.

Every vendor's ``<dist>-simulator`` must answer ``--help`` without its
``simulator`` extra and, asked to run, say in one line which extra to
install and exit 2 (issue 15 D1).  The script's ``main()`` runs in a
Python where the extra's top-level packages cannot be imported (set to
None in sys.modules, so importing them fails as on a host without them).

A vendor's tests/unit/test_simulator.py mixes ``SimulatorScriptTests``
into its test base::

    class ConsoleScriptTest(SimulatorScriptTests, base.TestCase):
        module = 'xio_cinder.simulator.__main__'
        dist = 'xio-cinder'
        env = {'XIO_SIM_PASSWORD': 'x'}
"""

import os
import subprocess
import sys

PROBE = ('import sys\n'
         'for name in sys.argv[1].split(","):\n'
         '    sys.modules[name] = None\n'
         'import importlib\n'
         'main = importlib.import_module(sys.argv[2]).main\n'
         'sys.exit(main(sys.argv[3:]))\n')


def needs_extra_line(dist):
    """The one line a simulator prints when its extra is missing."""
    return ("%s-simulator: needs the simulator extra: pip install "
            "'%s[simulator]'" % (dist, dist))


def run_without(module, args, blocked=('common_testing',), env=None):
    """Run ``module``'s main(args) with ``blocked`` packages unimportable.

    ``env`` is added to a minimal environment (PATH only).  Returns the
    subprocess.CompletedProcess (text output).
    """
    environment = {'PATH': os.environ.get('PATH', '/usr/bin:/bin')}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, '-c', PROBE, ','.join(blocked), module]
        + list(args), capture_output=True, text=True, timeout=60,
        env=environment)


class SimulatorScriptTests(object):
    """Mixin for a testtools TestCase: the two plain-install rules.

    Set ``module`` (the console script's module), ``dist``; optionally
    ``blocked`` (top-level packages only the extra installs), ``env``
    (what a run needs before it imports the extra, such as a secret) and
    ``runs`` (argument lists of runs that need the extra; override
    ``extra_runs()`` if they need the test's own paths).
    """

    module = None
    dist = None
    blocked = ('common_testing',)
    env = None
    runs = ((),)

    def run_script(self, *args):
        return run_without(self.module, args, self.blocked, self.env)

    def extra_runs(self):
        return [list(run) for run in self.runs]

    def test_help_works_from_a_plain_install(self):
        done = self.run_script('--help')
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertIn('usage: %s-simulator' % self.dist, done.stdout)
        self.assertEqual('', done.stderr)

    def test_a_run_names_the_extra_in_one_line(self):
        for args in self.extra_runs():
            done = self.run_script(*args)
            self.assertEqual(
                (2, '', needs_extra_line(self.dist) + '\n'),
                (done.returncode, done.stdout, done.stderr), args)
