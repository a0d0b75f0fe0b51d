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
"""The one shape of every vendor package, read from its files with ast.

CONTRIBUTING.rst at the top of the repository describes the shape (issue 15
item 2, design decisions D1, D2 and D6); each rule here checks one part of
it in all four vendor packages, so a reader who knows one package knows
them all. Nothing is imported: the files are parsed, so the test runs in
the kit's own environment and cannot be fooled by import-time behaviour.

Each test collects every breach in every package before it fails, so one
run names them all. KNOWN_GAPS lists breaches a running change has not
removed yet, each with its reason; the list only shrinks.
"""

import ast
import functools
import os
import re

from common_testing.tests import base
from common_testing.tests import test_repo_plumbing
from common_testing.tests import test_vendor_imports

REPO = test_repo_plumbing.REPO
VENDORS = test_vendor_imports.VENDORS

# The modules that own one protocol's connection info (D2).
PROTOCOL_MODULES = {
    'pure-cinder': ('iscsi.py', 'fc.py'),
    'xio-cinder': ('iscsi.py', 'fc.py'),
    'infortrend-cinder': ('iscsi.py', 'fc.py'),
    'huawei-sds-cinder': ('driver.py',),
}
# Huawei's host-side attach helper runs inside cinder-volume with the
# driver, so the driver rules (locks, sleeps) hold there too.
EXTRA_DRIVER_MODULES = {
    'huawei-sds-cinder': ('host.py',),
}

# Test modules every package has, one name per layer (D2).
TEST_MODULES = (
    'tests/fullstack_backend.py',
    'tests/unit/test_options.py',
    'tests/unit/test_client.py',
    'tests/unit/test_driver.py',
    'tests/unit/test_simulator.py',
    'tests/functional/fixtures.py',
    'tests/functional/test_conformance.py',
    'tests/functional/test_driver.py',
)
# Test module names of the old shapes that D2 renamed; finding one means a
# layer is tested under two names.
RETIRED_TEST_MODULES = (
    'tests/unit/test_common.py',
    'tests/unit/test_sds_cli.py',
    'tests/unit/test_simulator_imports.py',
    'tests/functional/test_vendor.py',
    'tests/functional/test_intree_driver.py',
    'tests/functional/test_switch_from_storac.py',
    'tests/functional/test_simulator_process.py',
    'tests/functional/simulator_fixture.py',
    'tests/functional/vendor_base.py',
    'tests/sim_fixture.py',
)

# Array operations belong to <Vendor>BaseVolumeDriver in common.py; a
# protocol class that defines one holds array logic of its own.
ARRAY_OPERATIONS = frozenset((
    'create_volume', 'delete_volume', 'create_snapshot', 'delete_snapshot',
    'create_cloned_volume', 'create_volume_from_snapshot', 'extend_volume',
    'revert_to_snapshot', 'manage_existing', 'manage_existing_get_size',
    'manage_existing_snapshot', 'manage_existing_snapshot_get_size',
    'unmanage', 'unmanage_snapshot', 'get_manageable_volumes',
    'get_manageable_snapshots', 'retype', 'migrate_volume',
    'update_migrated_volume', 'copy_image_to_volume',
    'copy_volume_to_image', 'clone_image', 'get_volume_stats',
    '_update_volume_stats', 'create_group', 'delete_group',
    'failover_host',
))

# Process-local locks: a lock of one cinder-volume process does not hold
# against another process on the same array (D2: cinder.coordination).
LOCAL_LOCKS = frozenset((
    'threading.Lock', 'threading.RLock', 'threading.Semaphore',
    'threading.BoundedSemaphore', 'threading.Condition',
    'oslo_concurrency.lockutils.lock',
    'oslo_concurrency.lockutils.synchronized',
    'oslo_concurrency.lockutils.internal_lock',
    'oslo_concurrency.lockutils.Semaphores',
    'cinder.utils.synchronized',
    'eventlet.semaphore.Semaphore',
))
# Waits written by hand; polls wait through tenacity (D2).
SLEEPS = frozenset((
    'time.sleep', 'eventlet.sleep', 'eventlet.greenthread.sleep',
    'greenlet.sleep', 'oslo_service.loopingcall.FixedIntervalLoopingCall',
    'oslo_service.loopingcall.BackOffLoopingCall',
))
# Comments that cite documents the repository does not hold; facts are
# cited as "protocol.rst P7" instead (D6).
REF_COMMENT = re.compile(r'\b(?:ref|reference)\.?\s+\d+\.(?:\d+|x)\b',
                         re.IGNORECASE)

# Breaches a change in progress has not removed yet: (package, rule, what
# without line numbers) -> why. The next session removes each entry once
# its breach is gone (the pure-shape work lands while this test does, so an
# entry outliving its breach is not an error here; stale_gaps() lists
# them).
KNOWN_GAPS = {}


def _package(package_dir):
    return os.path.join(REPO, package_dir, VENDORS[package_dir])


@functools.lru_cache(maxsize=None)
def _parse(path):
    # Every rule reads the same few dozen files: parse each once.
    with open(path) as source:
        return ast.parse(source.read(), path)


def _aliases(tree):
    """Local name -> dotted name of what every import in tree binds."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split('.')[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = (
                    node.module + '.' + alias.name)
    return names


def _dotted(node, aliases):
    """The dotted name an expression like `a.b.c` stands for, or None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return '.'.join(reversed(parts))


def _driver_modules(package_dir):
    names = (('common.py',) + PROTOCOL_MODULES[package_dir]
             + EXTRA_DRIVER_MODULES.get(package_dir, ()))
    paths = [os.path.join(_package(package_dir), name) for name in names]
    # A missing module is files_check's to report.
    return [path for path in paths if os.path.isfile(path)]


def _rel(package_dir, path):
    return os.path.relpath(path, os.path.join(REPO, package_dir))


def _runtime_files(package_dir, suffixes=('.py',)):
    """Every file of the import package outside tests/, and doc/*.rst."""
    top = _package(package_dir)
    for directory, subdirs, files in os.walk(top):
        subdirs[:] = [d for d in subdirs if d not in ('__pycache__', 'tests')]
        for name in sorted(files):
            if name.endswith(suffixes):
                yield os.path.join(directory, name)


class ShapeCheck(object):
    """Collects the breaches of one rule, minus the known gaps."""

    def __init__(self, rule):
        self.rule = rule
        self.breaches = []

    def add(self, package_dir, what):
        self.breaches.append((package_dir, self.rule, what))

    @staticmethod
    def gap(breach):
        """The KNOWN_GAPS key of a breach: its place without line number."""
        package_dir, rule, what = breach
        return package_dir, rule, re.sub(r':\d+', '', what)

    def open_breaches(self):
        return sorted('%s: %s' % (b[0], b[2]) for b in self.breaches
                      if self.gap(b) not in KNOWN_GAPS)


def files_check():
    check = ShapeCheck('files')
    for package_dir, pkg in VENDORS.items():
        required = [
            'README.rst', 'setup.cfg', 'setup.py', 'requirements.txt',
            'test-requirements.txt', '.stestr.conf', 'doc/protocol.rst',
            'etc/%s.conf.sample' % package_dir,
        ] + ['%s/%s' % (pkg, name) for name in (
            '__init__.py', 'options.py', 'client.py', 'common.py',
            'simulator/__init__.py', 'simulator/state.py',
            'simulator/server.py', 'simulator/__main__.py',
        ) + PROTOCOL_MODULES[package_dir]]
        for rel in required:
            if not os.path.isfile(os.path.join(REPO, package_dir, rel)):
                check.add(package_dir, 'missing %s' % rel)
        notes = os.path.join(REPO, package_dir, 'releasenotes', 'notes')
        if not (os.path.isdir(notes) and any(
                name.endswith('.yaml') for name in os.listdir(notes))):
            check.add(package_dir, 'no release note in releasenotes/notes')
    return check


def module_names_check():
    check = ShapeCheck('test modules')
    for package_dir in VENDORS:
        top = _package(package_dir)
        for rel in TEST_MODULES:
            if not os.path.isfile(os.path.join(top, rel)):
                check.add(package_dir, 'missing %s' % rel)
        for rel in RETIRED_TEST_MODULES:
            if os.path.isfile(os.path.join(top, rel)):
                check.add(package_dir, 'retired %s' % rel)
    return check


def base_class_check():
    check = ShapeCheck('base class')
    for package_dir, pkg in VENDORS.items():
        path = os.path.join(_package(package_dir), 'common.py')
        if not os.path.isfile(path):
            continue  # files_check reports it
        tree = _parse(path)
        aliases = _aliases(tree)
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        bases = [c for c in classes if c.name.endswith('BaseVolumeDriver')]
        if len(bases) != 1:
            check.add(package_dir, 'common.py defines %d classes named '
                      '*BaseVolumeDriver, not one' % len(bases))
        for cls in bases:
            parents = [_dotted(b, aliases) or '' for b in cls.bases]
            if not any(p.startswith(('cinder.volume.driver.',
                                     'cinder.volume.drivers.'))
                       for p in parents):
                check.add(package_dir, '%s derives from %s, no cinder '
                          'driver base' % (cls.name, parents))
        # The logic lives in the base class, not in a separate object the
        # driver forwards to (the old InfortrendCommon/HuaweiSDSCommon).
        for cls in classes:
            if cls.name.endswith('Common'):
                check.add(package_dir, 'common.py defines %s' % cls.name)
        decorators = [n.name for n in tree.body
                      if isinstance(n, ast.FunctionDef)
                      and n.name == 'array_errors']
        if decorators != ['array_errors']:
            check.add(package_dir, 'common.py defines array_errors %d '
                      'times' % len(decorators))
        if 'cinder.coordination' not in aliases.values():
            check.add(package_dir, 'common.py does not import '
                      'cinder.coordination')
        # One translation decorator per package: no other runtime module
        # defines its own.
        for other in _runtime_files(package_dir):
            if other == path:
                continue
            for node in ast.walk(_parse(other)):
                if (isinstance(node, ast.FunctionDef)
                        and node.name == 'array_errors'):
                    check.add(package_dir, '%s defines array_errors too'
                              % _rel(package_dir, other))
    return check


def protocol_classes_check():
    check = ShapeCheck('protocol classes')
    for package_dir, pkg in VENDORS.items():
        for name in PROTOCOL_MODULES[package_dir]:
            path = os.path.join(_package(package_dir), name)
            if not os.path.isfile(path):
                continue  # files_check reports it
            tree = _parse(path)
            aliases = _aliases(tree)
            drivers = [n for n in tree.body if isinstance(n, ast.ClassDef)
                       and any((_dotted(b, aliases) or '').startswith(
                           pkg + '.common.') for b in n.bases)]
            if not drivers:
                check.add(package_dir, '%s: no class derives from '
                          'common.*BaseVolumeDriver' % name)
            for cls in drivers:
                where = '%s %s' % (name, cls.name)
                parents = [_dotted(b, aliases) or '' for b in cls.bases]
                if not any(p.startswith(pkg + '.common.')
                           and p.endswith('BaseVolumeDriver')
                           for p in parents):
                    check.add(package_dir, '%s derives from %s' %
                              (where, parents))
                if 'cinder.interface.volumedriver' not in [
                        _dotted(d, aliases) for d in cls.decorator_list]:
                    check.add(package_dir, '%s lacks @interface.volumedriver'
                              % where)
                protocol = [s.value for s in cls.body
                            if isinstance(s, ast.Assign)
                            and any(isinstance(t, ast.Name)
                                    and t.id == 'STORAGE_PROTOCOL'
                                    for t in s.targets)]
                if len(protocol) != 1 or (
                        isinstance(protocol[0], ast.Constant)
                        and protocol[0].value is None):
                    check.add(package_dir, '%s sets no STORAGE_PROTOCOL'
                              % where)
                for item in cls.body:
                    if (isinstance(item, ast.FunctionDef)
                            and item.name in ARRAY_OPERATIONS):
                        check.add(package_dir, '%s defines %s (array logic '
                                  'belongs to the base class)' %
                                  (where, item.name))
    return check


def _calls_to(package_dir, paths, forbidden, rule):
    check = ShapeCheck(rule)
    for path in paths:
        tree = _parse(path)
        aliases = _aliases(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                target = node.func
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                # A decorator used bare (@lockutils.synchronized is always
                # called, but a bare one would still be a lock).
                for decorator in node.decorator_list:
                    name = _dotted(decorator, aliases)
                    if name in forbidden:
                        check.add(package_dir, '%s:%d %s' % (
                            _rel(package_dir, path), decorator.lineno, name))
                continue
            else:
                continue
            name = _dotted(target, aliases)
            if name in forbidden:
                check.add(package_dir, '%s:%d %s' % (
                    _rel(package_dir, path), node.lineno, name))
    return check


def local_locks_check():
    check = ShapeCheck('local locks')
    for package_dir in VENDORS:
        found = _calls_to(package_dir, _driver_modules(package_dir),
                          LOCAL_LOCKS, check.rule)
        check.breaches.extend(found.breaches)
    return check


def sleeps_check():
    check = ShapeCheck('sleeps')
    for package_dir, pkg in VENDORS.items():
        paths = _driver_modules(package_dir)
        client = os.path.join(_package(package_dir), 'client.py')
        paths += [client] if os.path.isfile(client) else []
        found = _calls_to(package_dir, paths, SLEEPS, check.rule)
        check.breaches.extend(found.breaches)
    return check


def simulator_imports_check():
    check = ShapeCheck('simulator imports')
    for package_dir, pkg in VENDORS.items():
        for path, module in test_vendor_imports._modules(package_dir,
                                                         'simulator'):
            for name in test_vendor_imports.imported_modules(path, module):
                top = name.split('.')[0]
                kit = top == 'common_testing' and not (
                    name + '.').startswith('common_testing.simkit.')
                if kit or name == 'common_testing' or top in (
                        'cinder', 'os_brick'):
                    check.add(package_dir, '%s imports %s' % (
                        _rel(package_dir, path), name))
    return check


def ref_comments_check():
    check = ShapeCheck('ref comments')
    for package_dir in VENDORS:
        paths = list(_runtime_files(package_dir, ('.py', '.rst')))
        tests = os.path.join(_package(package_dir), 'tests')
        for directory, subdirs, files in os.walk(tests):
            subdirs[:] = [d for d in subdirs if d != '__pycache__']
            paths.extend(os.path.join(directory, name)
                         for name in sorted(files) if name.endswith('.py'))
        paths.append(os.path.join(REPO, package_dir, 'README.rst'))
        for path in paths:
            with open(path) as source:
                for number, line in enumerate(source, 1):
                    if REF_COMMENT.search(line):
                        check.add(package_dir, '%s:%d' % (
                            _rel(package_dir, path), number))
    return check


CHECKS = (files_check, module_names_check, base_class_check,
          protocol_classes_check, local_locks_check, sleeps_check,
          simulator_imports_check, ref_comments_check)


def stale_gaps():
    """KNOWN_GAPS entries whose breach is gone: remove them."""
    seen = set()
    for check in CHECKS:
        seen.update(ShapeCheck.gap(b) for b in check().breaches)
    return sorted(set(KNOWN_GAPS) - seen)


class TestVendorLayout(base.TestCase):

    def test_every_package_has_the_files_of_the_shape(self):
        self.assertEqual([], files_check().open_breaches())

    def test_test_modules_have_one_name_per_layer(self):
        self.assertEqual([], module_names_check().open_breaches())

    def test_array_logic_is_in_one_base_class_with_one_decorator(self):
        self.assertEqual([], base_class_check().open_breaches())

    def test_protocol_classes_hold_connection_info_only(self):
        self.assertEqual([], protocol_classes_check().open_breaches())

    def test_no_process_local_locks_in_driver_modules(self):
        self.assertEqual([], local_locks_check().open_breaches())

    def test_no_hand_written_waits_in_driver_modules(self):
        self.assertEqual([], sleeps_check().open_breaches())

    def test_simulators_take_only_simkit_from_the_kit(self):
        self.assertEqual([], simulator_imports_check().open_breaches())

    def test_no_comment_cites_an_outside_reference(self):
        self.assertEqual([], ref_comments_check().open_breaches())


class TestTheRulesSeeBreaches(base.TestCase):
    """The helpers find what they look for (so a pass means something)."""

    def _tree(self, text):
        tree = ast.parse(text)
        return tree, _aliases(tree)

    def test_dotted_names_resolve_through_imports(self):
        tree, aliases = self._tree(
            'from oslo_concurrency import lockutils\n'
            'import threading as t\n'
            'from time import sleep\n'
            'lockutils.synchronized("x")\nt.Lock()\nsleep(1)\n')
        calls = [_dotted(n.func, aliases) for n in ast.walk(tree)
                 if isinstance(n, ast.Call)]
        self.assertEqual(['oslo_concurrency.lockutils.synchronized',
                          'threading.Lock', 'time.sleep'], calls)
        self.assertEqual(set(), set(calls) - (LOCAL_LOCKS | SLEEPS))

    def test_ref_comment_pattern(self):
        self.assertTrue(REF_COMMENT.search('# see ref 1.4'))
        self.assertTrue(REF_COMMENT.search('(Reference 2.x)'))
        self.assertFalse(REF_COMMENT.search('# protocol.rst P7'))
        self.assertFalse(REF_COMMENT.search('preference 1.0 of'))
