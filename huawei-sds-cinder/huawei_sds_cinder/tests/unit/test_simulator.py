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
"""The simulator is the array side: it imports nothing from the driver.

If it shared the driver's framing, keys or return codes, the two would
agree by construction and prove nothing about each other.
"""

import ast
import os
import sys

import fixtures
import testtools

from huawei_sds_cinder import simulator

SIMULATOR_DIR = os.path.dirname(simulator.__file__)
ALLOWED_PREFIXES = ('huawei_sds_cinder.simulator', 'common_testing')


def _imports(path):
    """(line, module) of every import in the file at path."""
    with open(path) as source:
        tree = ast.parse(source.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # from . import x: inside huawei_sds_cinder.simulator only
                # while it does not climb out of the package.
                base = ('huawei_sds_cinder.simulator' if node.level == 1
                        else 'huawei_sds_cinder')
                module = '.'.join(filter(None, [base, node.module]))
            else:
                module = node.module
            found.append((node.lineno, module))
            if module == 'huawei_sds_cinder':
                found += [(node.lineno, 'huawei_sds_cinder.%s' % alias.name)
                          for alias in node.names]
    return found


def _allowed(module):
    top = module.split('.')[0]
    if top in sys.stdlib_module_names:
        return True
    return any(module == prefix or module.startswith(prefix + '.')
               for prefix in ALLOWED_PREFIXES)


class SimulatorImportsTest(testtools.TestCase):

    def test_every_module_imports_only_stdlib_kit_and_itself(self):
        modules = sorted(name for name in os.listdir(SIMULATOR_DIR)
                         if name.endswith('.py'))
        # sds_cli (the host stand-in) is checked like the rest.
        for expected in ('__init__.py', '__main__.py', 'protocol.py',
                         'sds_cli.py', 'server.py', 'state.py'):
            self.assertIn(expected, modules)
        offending = []
        for name in modules:
            for line, module in _imports(os.path.join(SIMULATOR_DIR, name)):
                if not _allowed(module):
                    offending.append('%s:%d imports %s' % (name, line,
                                                           module))
        self.assertEqual([], offending)

    def test_checker_catches_driver_imports(self):
        # The check itself must fail on the imports it exists to catch.
        path = self.useFixture(fixtures.TempDir()).path + '/m.py'
        with open(path, 'w') as source:
            source.write('from huawei_sds_cinder import client\n'
                         'import huawei_sds_cinder.common\n'
                         'from .. import options\n'
                         'from huawei_sds_cinder.simulator import state\n'
                         'import oslo_config\n')
        self.assertEqual(
            ['huawei_sds_cinder', 'huawei_sds_cinder.client',
             'huawei_sds_cinder.common', 'huawei_sds_cinder.options',
             'oslo_config'],
            sorted({m for _l, m in _imports(path) if not _allowed(m)}))
