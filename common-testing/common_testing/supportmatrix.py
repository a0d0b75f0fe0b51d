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
"""The support matrix: every driver class against cinder's features.

Usage: python -m common_testing.supportmatrix [--check] [--repo-root DIR]

Writes the table between ``.. begin support matrix`` and ``.. end support
matrix`` in the top-level README.rst (every backend) and in each vendor
README.rst (that vendor's backends). Without --check stale blocks are
rewritten and the exit status is 1 (commit them); --check writes nothing.
``tox -e genconfig`` runs it and ``common_testing/tests/
test_support_matrix.py``, which fails when a committed block differs from
what the code gives.

Where the classes come from: each vendor declares its driver classes in
setup.cfg under the entry point group ``common_testing.drivers``, one per
backend, named as the backend's certification environment
(``pure-iscsi = pure_cinder.iscsi:PureISCSIDriver``). The kit never imports
a vendor package by name. A class of the package decorated
``@interface.volumedriver`` but not declared is an error, so a new driver
class cannot be left out.

How a cell is decided (the rows are cinder's own support matrix, then the
features cinder's matrix leaves out):

* A method feature (revert_to_snapshot, migrate_volume, create_group, ...)
  is ``yes`` when the first class in the driver's MRO that defines every
  listed method is not one of cinder's (its module is not ``cinder.*``);
  inherited from cinder's base driver, which raises NotImplementedError
  or does nothing, it is ``no``.
* A capability (multiattach, QoS_support, thin_provisioning_support, ...)
  is read from the source of the driver's own classes (not cinder's): a
  dict key or ``stats[key] =`` assignment with the literal ``True`` is
  ``yes``, with ``False`` or absent ``no``, with any other expression
  ``runtime`` (the array or the configuration decides when the driver
  reports its stats). Several places reporting the key: all True ``yes``,
  all False ``no``, else ``runtime``.
* Extend an attached volume: extend_volume implemented and
  ``online_extend_support`` not reported False (cinder's scheduler
  assumes True).
* Consistency groups: create_group_snapshot implemented; then the value of
  ``consistent_group_snapshot_enabled`` (absent: ``no``, cinder would not
  place a consistent group type there).
* Active/active: the class attribute ``SUPPORTS_ACTIVE_ACTIVE``.
* Protocol: the class attribute ``STORAGE_PROTOCOL``.
* Certification: the backend's table in its vendor README
  (common_testing.cert): ``<commit>`` when it passed and nothing the run
  depends on changed since that commit (common_testing.cert.changed),
  ``out of date (<commit>)`` when something did, ``failed (<commit>)``,
  or ``none``. A vendor code change therefore changes the matrix too:
  regenerate it with the change.
"""

import argparse
import ast
import dataclasses
import difflib
import importlib
import importlib.metadata
import inspect
import os
import re
import sys
import textwrap

from common_testing.cert import changed
from common_testing.cert import report

GROUP = 'common_testing.drivers'
BEGIN = '.. begin support matrix'
END = '.. end support matrix'
YES, NO, RUNTIME = 'yes', 'no', 'runtime'


@dataclasses.dataclass(frozen=True)
class Feature:
    title: str
    methods: tuple = ()      # implemented by the driver, not cinder
    capability: str = None   # a key of the stats the driver reports
    decide: object = None    # callable(cls, stats) -> cell, for the rest


def _methods_value(cls, methods):
    return YES if all(implements(cls, name) for name in methods) else NO


def _online_extend(cls, stats):
    if not implements(cls, 'extend_volume'):
        return NO
    return NO if stats.get('online_extend_support') == NO else YES


def _consistent_groups(cls, stats):
    if not implements(cls, 'create_group_snapshot'):
        return NO
    return stats.get('consistent_group_snapshot_enabled', NO)


def _active_active(cls, stats):
    return YES if getattr(cls, 'SUPPORTS_ACTIVE_ACTIVE', False) else NO


# cinder's support matrix (doc/source/reference/support-matrix.ini), its
# "Supported Vendor Driver" row being the certification row below; then
# what the issue 18 parity table names.
FEATURES = (
    Feature('Extend an attached volume', decide=_online_extend),
    Feature('QoS', capability='QoS_support'),
    Feature('Volume replication (failover_host)',
            methods=('failover_host',)),
    Feature('Consistency groups (group snapshots)',
            decide=_consistent_groups),
    Feature('Thin provisioning', capability='thin_provisioning_support'),
    Feature('Volume migration (storage assisted)',
            methods=('migrate_volume',)),
    Feature('Multi-attach', capability='multiattach'),
    Feature('Revert to snapshot', methods=('revert_to_snapshot',)),
    Feature('Active/active high availability', decide=_active_active),
    Feature('Generic volume groups',
            methods=('create_group', 'delete_group', 'update_group')),
    Feature('Group from group snapshot or group',
            methods=('create_group_from_src',)),
    Feature('Manage / unmanage volume',
            methods=('manage_existing', 'manage_existing_get_size',
                     'unmanage')),
    Feature('Manage / unmanage snapshot',
            methods=('manage_existing_snapshot',
                     'manage_existing_snapshot_get_size',
                     'unmanage_snapshot')),
    Feature('List manageable volumes', methods=('get_manageable_volumes',)),
    Feature('List manageable snapshots',
            methods=('get_manageable_snapshots',)),
    Feature('Retype', methods=('retype',)),
    Feature('Update migrated volume', methods=('update_migrated_volume',)),
)


def _is_cinders(cls):
    module = cls.__module__ or ''
    return module == 'cinder' or module.startswith('cinder.') or (
        cls is object)


def implements(cls, method):
    """True when ``method`` is defined by one of the driver's own classes.

    The first class of the MRO holding the name decides: the driver's
    (implemented) or cinder's base driver (not).
    """
    for klass in cls.__mro__:
        if method in vars(klass):
            return not _is_cinders(klass)
    return False


def own_classes(cls):
    return [klass for klass in cls.__mro__ if not _is_cinders(klass)]


def _stats_literals(cls):
    """{capability: [ast value node]} in the source of the own classes."""
    found = {}
    for klass in own_classes(cls):
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        for node in ast.walk(ast.parse(source)):
            pairs = []
            if isinstance(node, ast.Dict):
                pairs = zip(node.keys, node.values)
            elif isinstance(node, ast.Assign):
                pairs = [(target.slice, node.value)
                         for target in node.targets
                         if isinstance(target, ast.Subscript)]
            elif (isinstance(node, ast.Call)
                  and getattr(node.func, 'id', None) == 'dict'):
                pairs = [(ast.Constant(kw.arg), kw.value)
                         for kw in node.keywords if kw.arg]
            for key, value in pairs:
                if (isinstance(key, ast.Constant)
                        and isinstance(key.value, str)):
                    found.setdefault(key.value, []).append(value)
    return found


def capabilities(cls):
    """{capability: yes|no|runtime} as the driver's source reports them."""
    stats = {}
    for key, values in _stats_literals(cls).items():
        cells = {YES if _is_const(v, True) else NO if _is_const(v, False)
                 else RUNTIME for v in values}
        stats[key] = cells.pop() if len(cells) == 1 else RUNTIME
    return stats


def _is_const(node, value):
    return isinstance(node, ast.Constant) and node.value is value


def feature_cells(cls):
    """[cell] of FEATURES for one driver class."""
    stats = capabilities(cls)
    cells = []
    for feature in FEATURES:
        if feature.decide:
            cells.append(feature.decide(cls, stats))
        elif feature.capability:
            cells.append(stats.get(feature.capability, NO))
        else:
            cells.append(_methods_value(cls, feature.methods))
    return cells


@dataclasses.dataclass
class Driver:
    backend: str        # pure-iscsi: the entry point's name
    dist: str           # pure-cinder: the distribution declaring it
    path: str           # pure_cinder.iscsi.PureISCSIDriver
    cls: type


def _load(entry_point):
    # cinder-volume registers cinder's versioned objects before it loads a
    # driver; some driver modules need them at import time.
    from cinder import objects
    objects.register_all()
    return entry_point.load()


def declared_drivers():
    """[Driver] of every installed vendor's ``common_testing.drivers``."""
    drivers = []
    for entry_point in importlib.metadata.entry_points(group=GROUP):
        cls = _load(entry_point)
        drivers.append(Driver(
            entry_point.name, entry_point.dist.name,
            '%s.%s' % (cls.__module__, cls.__qualname__), cls))
    return sorted(drivers, key=lambda d: (d.dist, d.backend))


def registered_classes(package):
    """'module.Class' of each ``@interface.volumedriver`` class in package.

    Read from the source (no import), outside ``tests`` and ``simulator``.
    """
    top = importlib.import_module(package)
    root = os.path.dirname(top.__file__)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs
                         if d not in ('tests', 'simulator', '__pycache__'))
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = os.path.join(folder, name)
            module = os.path.relpath(path[:-3], os.path.dirname(root))
            module = module.replace(os.sep, '.')
            module = re.sub(r'\.__init__$', '', module)
            with open(path) as source:
                tree = ast.parse(source.read())
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and any(
                        ast.unparse(d).endswith('volumedriver')
                        for d in node.decorator_list):
                    found.append('%s.%s' % (module, node.name))
    return found


def undeclared(drivers):
    """Driver classes of the vendors' packages missing from GROUP."""
    declared = {d.path for d in drivers}
    packages = sorted({d.cls.__module__.split('.')[0] for d in drivers})
    return [path for package in packages
            for path in registered_classes(package) if path not in declared]


def certification(repo_root, backend, dist):
    """The backend's certification cell (see the module docstring)."""
    known = {b.name: b for b in changed.backends(repo_root)}
    if backend not in known:
        return 'none'
    cert = known[backend]
    with open(os.path.join(repo_root, cert.readme)) as readme:
        text = readme.read()
    try:
        table = report.readme_table(text, backend)
    except ValueError:
        return 'none'
    commit = report.certified_commit(text, backend)
    result = re.search(r'^Result +(\S+)', table, re.MULTILINE)
    if commit is None or result is None:
        return 'none'
    if result.group(1) != 'passed':
        return 'failed (%s)' % commit
    if changed.why_certify(repo_root, cert):
        return 'out of date (%s)' % commit
    return commit


def _simple_table(header, rows):
    widths = [max(len(str(row[i])) for row in [header] + rows)
              for i in range(len(header))]
    rule = '  '.join('=' * w for w in widths)

    def line(row):
        return '  '.join(str(cell).ljust(w)
                         for cell, w in zip(row, widths)).rstrip()
    return '\n'.join([rule, line(header), rule]
                     + [line(row) for row in rows] + [rule])


def matrix(drivers, repo_root):
    """The generated block (without markers) for ``drivers``."""
    header = ['Feature'] + [d.backend for d in drivers]
    rows = [['Driver class'] + [d.cls.__name__ for d in drivers],
            ['Protocol'] + [getattr(d.cls, 'STORAGE_PROTOCOL', None) or '?'
                            for d in drivers],
            ['Certified (Tempest, commit)']
            + [certification(repo_root, d.backend, d.dist)
               for d in drivers]]
    per_driver = [feature_cells(d.cls) for d in drivers]
    for i, feature in enumerate(FEATURES):
        rows.append([feature.title] + [cells[i] for cells in per_driver])
    classes = ', '.join('``%s``' % d.path for d in drivers)
    intro = textwrap.fill(
        'Generated by ``python -m common_testing.supportmatrix`` (``tox -e '
        'genconfig``) from the driver classes (%s) and their certification '
        'tables; do not edit by hand. ``yes``: the class implements it '
        '(not inherited from cinder) or reports it as a constant; '
        '``runtime``: the array or the configuration decides; the rules '
        'are in the module\'s docstring.' % classes, 79,
        break_long_words=False, break_on_hyphens=False)
    return '\n'.join([intro, '', _simple_table(header, rows)])


def replace_block(text, block, where):
    """``text`` with its marked block replaced; ValueError naming where."""
    start = text.find(BEGIN)
    stop = text.find(END)
    if start < 0 or stop < start:
        raise ValueError('%s has no "%s" ... "%s" block' % (where, BEGIN,
                                                            END))
    return (text[:start] + BEGIN + '\n\n' + block.rstrip('\n') + '\n\n'
            + text[stop:])


def readmes(repo_root, drivers):
    """{README path relative to repo_root: [Driver]} to be generated."""
    wanted = {'README.rst': drivers}
    for driver in drivers:
        wanted.setdefault(os.path.join(driver.dist, 'README.rst'),
                          []).append(driver)
    return wanted


def generate(repo_root, drivers=None):
    """{README path: (committed text, generated text)}."""
    drivers = declared_drivers() if drivers is None else drivers
    if not drivers:
        raise SystemExit('no %s entry points installed: install the vendor '
                         'packages (tox -e genconfig does)' % GROUP)
    missing = undeclared(drivers)
    if missing:
        raise SystemExit('driver class(es) %s not declared in setup.cfg '
                         '[entry_points] %s' % (', '.join(missing), GROUP))
    result = {}
    for rel, subset in readmes(repo_root, drivers).items():
        with open(os.path.join(repo_root, rel)) as f:
            current = f.read()
        result[rel] = (current, replace_block(
            current, matrix(subset, repo_root), rel))
    return result


def diff(rel, current, wanted):
    """The unified diff of a README's committed and generated text."""
    return ''.join(difflib.unified_diff(
        current.splitlines(True), wanted.splitlines(True),
        rel + ' (committed)', rel + ' (generated)'))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m common_testing.supportmatrix',
        description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='only report stale blocks; write nothing')
    parser.add_argument('--repo-root', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir))
    args = parser.parse_args(argv)
    root = os.path.abspath(args.repo_root)
    stale = 0
    for rel, (current, wanted) in sorted(generate(root).items()):
        if current == wanted:
            print('%s: support matrix up to date' % rel)
            continue
        stale += 1
        print('%s: support matrix out of date with the code' % rel,
              file=sys.stderr)
        sys.stderr.write(diff(rel, current, wanted))
        if not args.check:
            with open(os.path.join(root, rel), 'w') as f:
                f.write(wanted)
            print('%s: rewritten; commit it' % rel, file=sys.stderr)
    return 1 if stale else 0


if __name__ == '__main__':
    sys.exit(main())
