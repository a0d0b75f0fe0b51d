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
"""The simulator kit needs no cinder: simulators install without it."""

import os
import pkgutil
import subprocess
import sys
import textwrap

from common_testing import simkit
from common_testing.tests import base

REFUSED = ('cinder', 'os_brick', 'oslotest', 'stestr', 'testtools', 'ddt')

PROBE = textwrap.dedent('''
    import importlib, sys
    REFUSED = %r

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in REFUSED:
                raise ImportError('simkit must not import %%s' %% name)
            return None

    sys.meta_path.insert(0, Refuse())
    for name in sys.argv[1:]:
        importlib.import_module(name)
    print('ok')
''') % (REFUSED,)


class TestSimkitImports(base.TestCase):

    def test_every_simkit_module_imports_without_cinder(self):
        names = ['common_testing.simkit'] + [
            'common_testing.simkit.' + info.name
            for info in pkgutil.iter_modules(simkit.__path__)]
        self.assertGreaterEqual(len(names), 7)
        result = subprocess.run(
            [sys.executable, '-c', PROBE] + names, capture_output=True,
            text=True, timeout=60, env=dict(os.environ, PYTHONWARNINGS=''))
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('ok', result.stdout.strip())

    def test_the_probe_does_refuse(self):
        result = subprocess.run(
            [sys.executable, '-c', PROBE, 'cinder'], capture_output=True,
            text=True, timeout=60)
        self.assertNotEqual(0, result.returncode)
        self.assertIn('simkit must not import cinder', result.stderr)
