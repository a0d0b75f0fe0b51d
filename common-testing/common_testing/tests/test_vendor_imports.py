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
"""What the vendor packages may import, read from their source with ast.

Two rules. A vendor package never imports another vendor package: each is
installed on its own. And a simulator never imports its own driver's
modules: a simulator that shares the driver's framing, keys or return codes
agrees with the driver by construction and proves nothing about the wire.
"""

import ast
import configparser
import os

import fixtures

from common_testing.tests import base
from common_testing.tests import test_repo_plumbing

REPO = test_repo_plumbing.REPO
# package directory -> its import name
VENDORS = {
    'pure-cinder': 'pure_cinder',
    'xio-cinder': 'xio_cinder',
    'infortrend-cinder': 'infortrend_cinder',
    'huawei-sds-cinder': 'huawei_sds_cinder',
}


def _modules(package_dir, subdir=''):
    """(path, dotted module name) of every .py below the import package."""
    top = os.path.join(REPO, package_dir, VENDORS[package_dir])
    for directory, subdirs, files in os.walk(os.path.join(top, subdir)):
        subdirs[:] = [d for d in subdirs if d != '__pycache__']
        for name in sorted(files):
            if name.endswith('.py'):
                path = os.path.join(directory, name)
                rel = os.path.relpath(path, os.path.dirname(top))[:-3]
                yield path, rel.replace(os.sep, '.')


def imported_modules(path, module):
    """Absolute names of every module the file imports, relative resolved."""
    with open(path) as source:
        tree = ast.parse(source.read(), path)
    package = module.rsplit('.', 1)[0]
    if path.endswith('__init__.py'):
        package = module
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit('.', node.level - 1)[0]
                base = base + '.' + node.module if node.module else base
            else:
                base = node.module
            names.append(base)
            # `from pkg import module` imports pkg.module
            names.extend(base + '.' + alias.name for alias in node.names)
    return names


class TestVendorImports(base.TestCase):

    def test_every_vendor_declares_its_fullstack_backend(self):
        # The full stack finds vendors only through this entry point.
        for package_dir, own in VENDORS.items():
            setup_cfg = configparser.ConfigParser(interpolation=None)
            setup_cfg.read(os.path.join(REPO, package_dir, 'setup.cfg'))
            declared = setup_cfg.get('entry_points',
                                     'common_testing.fullstack',
                                     fallback='').split()
            self.assertEqual(package_dir, declared[0] if declared else None,
                             package_dir)
            module, _sep, cls = declared[2].partition(':')
            self.assertEqual(own + '.tests.fullstack_backend', module)
            path = os.path.join(REPO, package_dir,
                                *module.split('.')) + '.py'
            with open(path) as source:
                tree = ast.parse(source.read(), path)
            classes = {node.name: node for node in tree.body
                       if isinstance(node, ast.ClassDef)}
            self.assertIn(cls, classes, path)
            self.assertIn('backend.Backend',
                          [ast.unparse(b) for b in classes[cls].bases])

    def test_the_kit_imports_no_vendor_package(self):
        # Vendors offer what the kit needs through entry points
        # (common_testing.fullstack); the kit never imports them.
        kit = os.path.join(REPO, 'common-testing', 'common_testing')
        vendors = set(VENDORS.values())
        found = []
        checked = 0
        for directory, subdirs, files in os.walk(kit):
            subdirs[:] = [d for d in subdirs if d != '__pycache__']
            for name in sorted(files):
                if not name.endswith('.py'):
                    continue
                path = os.path.join(directory, name)
                rel = os.path.relpath(path, os.path.dirname(kit))[:-3]
                module = rel.replace(os.sep, '.')
                checked += 1
                for imported in imported_modules(path, module):
                    if imported.split('.')[0] in vendors:
                        found.append('%s imports %s' % (module, imported))
        self.assertGreater(checked, 50)
        self.assertEqual([], sorted(set(found)))

    def test_no_vendor_package_imports_another(self):
        found = []
        for package_dir, own in VENDORS.items():
            others = [name for name in VENDORS.values() if name != own]
            for path, module in _modules(package_dir):
                for name in imported_modules(path, module):
                    if name.split('.')[0] in others:
                        found.append('%s imports %s' % (module, name))
        self.assertEqual([], sorted(set(found)))

    def test_no_simulator_imports_its_driver(self):
        found = []
        for package_dir, own in VENDORS.items():
            simulator = own + '.simulator'
            for path, module in _modules(package_dir, 'simulator'):
                for name in imported_modules(path, module):
                    if (name.split('.')[0] == own and name != own
                            and not (name + '.').startswith(
                                simulator + '.')):
                        found.append('%s imports %s' % (module, name))
        self.assertEqual([], sorted(set(found)))

    def test_the_check_sees_relative_imports(self):
        # A relative import of the driver's client from a simulator module
        # resolves to the driver module, so the rule above cannot be dodged.
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'server.py')
        with open(path, 'w') as module:
            module.write('from .. import client\nfrom . import state\n')
        names = imported_modules(path, 'acme.simulator.server')
        self.assertIn('acme.client', names)
        self.assertIn('acme.simulator.state', names)
        self.assertNotIn('acme.simulator.client', names)
