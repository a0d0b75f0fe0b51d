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
"""Which backends CI certifies: those whose code changed since their table.

Usage: python -m common_testing.cert.changed [--repo-root DIR] [--all]

Each vendor README's certification table names the commit it was made
from. A backend needs a new run when its table names no commit (never run,
or run from uncommitted code), names one this checkout does not have, or
when anything that decides its result changed between that commit and the
working tree: the vendor package (not its ``*.rst`` files, release notes,
test suite or test requirements: Tempest runs none of them; nor a Python
file whose change is comments and docstrings only) and the backend's own
and its protocol's skip lists. Prints one backend per line
on stdout and why on stderr.

Backends and their packages come from tox.ini's ``[testenv:cert-<backend>]``
sections, so a new backend needs no change here. Changes to the shared kit
(``common-testing/``) are not counted: they would re-run all seven, which
does not fit one machine's CI; Zuul's per-vendor cert jobs run on every
such change instead (their ``files`` matchers include common-testing/).
"""

import argparse
import ast
import configparser
import dataclasses
import os
import re
import subprocess
import sys

from common_testing.cert import report

_VENDOR_DEP = re.compile(r'\{toxinidir\}/([^/\[\s]+)\[simulator\]')
# What a certification run never executes: docs, release notes, and the
# vendor's own test suite and its test-only requirements.
NOT_CODE = re.compile(r'(\.rst$|/releasenotes/|/doc/|/tests/'
                      r'|/test-requirements\.txt$|/\.stestr\.conf$)')
SKIPS = 'common-testing/cert/skips'


@dataclasses.dataclass(frozen=True)
class Backend:
    name: str           # ise-iscsi
    package_dir: str    # xio-cinder

    @property
    def readme(self):
        return os.path.join(self.package_dir, 'README.rst')

    @property
    def inputs(self):
        """Paths (relative to the repository) whose change re-certifies."""
        paths = [self.package_dir + '/',
                 '%s/%s.txt' % (SKIPS, self.name)]
        if '-' in self.name:
            paths.append('%s/%s.txt' % (SKIPS, self.name.rsplit('-', 1)[1]))
        return paths


def backends(repo_root):
    """[Backend] of tox.ini's certification environments."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(os.path.join(repo_root, 'tox.ini'))
    found = []
    for section in tox.sections():
        if not section.startswith('testenv:cert-'):
            continue
        match = _VENDOR_DEP.search(tox[section].get('deps', ''))
        if not match:
            raise ValueError('tox.ini [%s] installs no vendor package '
                             '({toxinidir}/<dir>[simulator])' % section)
        found.append(Backend(section[len('testenv:cert-'):],
                             match.group(1)))
    return found


def _git(repo_root, *args):
    return subprocess.run(['git', '-C', repo_root] + list(args),
                          capture_output=True, text=True, timeout=120)


def _code(source):
    """The module's syntax tree without docstrings; None if it won't parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr)
                    and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)


def same_code(repo_root, commit, path):
    """True when a Python file differs from commit in comments/docs only.

    Comments, docstrings, blank lines and line wrapping cannot change what
    Tempest sees, so such a change needs no new run.
    """
    if not path.endswith('.py'):
        return False
    old = _git(repo_root, 'show', '%s:%s' % (commit, path))
    try:
        with open(os.path.join(repo_root, path)) as current:
            new = current.read()
    except FileNotFoundError:
        return False
    if old.returncode:
        return False
    tree = _code(old.stdout)
    return tree is not None and tree == _code(new)


def why_certify(repo_root, backend):
    """The reason the backend needs a run, or None when its table holds."""
    with open(os.path.join(repo_root, backend.readme)) as readme:
        commit = report.certified_commit(readme.read(), backend.name)
    if commit is None:
        return '%s has no table naming a commit' % backend.readme
    if _git(repo_root, 'cat-file', '-e', commit + '^{commit}').returncode:
        return 'its table names commit %s, which this checkout lacks' % commit
    diff = _git(repo_root, 'diff', '--name-only', commit, '--',
                *backend.inputs)
    if diff.returncode:
        return 'git diff failed: %s' % diff.stderr.strip()
    changed = [path for path in diff.stdout.split()
               if not NOT_CODE.search('/' + path)
               and not same_code(repo_root, commit, path)]
    if changed:
        return '%d file(s) changed since %s, e.g. %s' % (
            len(changed), commit, changed[0])
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m common_testing.cert.'
                                     'changed', description=__doc__.split(
                                         '\n')[0])
    parser.add_argument('--repo-root', default='.')
    parser.add_argument('--all', action='store_true',
                        help='every backend, changed or not')
    args = parser.parse_args(argv)
    for backend in backends(args.repo_root):
        reason = 'asked for all' if args.all else why_certify(
            args.repo_root, backend)
        if reason:
            print(backend.name)
            print('certify %s: %s' % (backend.name, reason), file=sys.stderr)
        else:
            print('%s: table certifies the current code' % backend.name,
                  file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
