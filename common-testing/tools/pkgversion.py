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
"""Independent versions for the packages of this one repository.

pbr takes a version from the repository's git tags, and tags are
repository-wide: with a tag 3.0.0 every package would be 3.0.0. Instead:

* A release of one package is the tag ``<dist-name>-X.Y.Z`` (the name from
  setup.cfg [metadata] name), e.g. ``pure-cinder-1.2.0``. pbr ignores such
  tags, so they never leak into another package.
* A package's version is that of its highest such tag reachable from HEAD
  when no commit since has touched its directory; otherwise
  ``X.Y.(Z+1).devN``, N being the commits since the tag that touched its
  directory. Without a tag yet: ``0.1.0.devN`` (N = commits touching it).
  Two packages built at the same commit therefore carry their own versions,
  and a commit elsewhere in the repository does not change a package's.
* Every package's setup.py runs this file (it is stdlib-only; it is run by
  path, not imported as a package) and hands the result to pbr through
  ``PBR_VERSION`` -- only when building from a git checkout. An explicit
  ``PBR_VERSION`` wins, and an sdist, which lacks this file, keeps the
  version recorded in its PKG-INFO, as does a wheel built from it.
* In a checkout it also skips pbr's ChangeLog (it would hold every
  package's history) and reno's notes cache in the sdist (reno expects the
  git repository in the package directory).

To release: ``git tag -s pure-cinder-1.2.0 -m "pure-cinder 1.2.0"`` and push.
``python common-testing/tools/pkgversion.py <dir>`` prints a package's
version.
"""

import configparser
import os
import re
import subprocess
import sys

FIRST_VERSION = (0, 1, 0)


def _git(directory, *args):
    return subprocess.run(
        ('git',) + args, cwd=directory, check=True, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.strip()


def in_git_checkout(directory):
    try:
        return _git(directory, 'rev-parse',
                    '--is-inside-work-tree') == 'true'
    except (OSError, subprocess.CalledProcessError):
        return False


def dist_name(package_dir):
    setup_cfg = configparser.ConfigParser(interpolation=None)
    path = os.path.join(package_dir, 'setup.cfg')
    if not setup_cfg.read(path) or not setup_cfg.has_option(
            'metadata', 'name'):
        raise ValueError('%s: no [metadata] name' % path)
    return setup_cfg.get('metadata', 'name').strip()


def latest_release(package_dir, name):
    """(version tuple, tag) of the highest <name>-X.Y.Z tag, or None."""
    release_tag = re.compile(re.escape(name) + r'-(\d+)\.(\d+)\.(\d+)$')
    releases = []
    for tag in _git(package_dir, 'tag', '--list', '--merged', 'HEAD',
                    name + '-*').split():
        match = release_tag.match(tag)
        if match:
            releases.append((tuple(int(g) for g in match.groups()), tag))
    return max(releases) if releases else None


def package_version(package_dir):
    """The version of the package in package_dir at HEAD."""
    release = latest_release(package_dir, dist_name(package_dir))
    since = ['%s..HEAD' % release[1]] if release else ['HEAD']
    # Only commits touching this package's directory count.
    changes = int(_git(package_dir, 'rev-list', '--count', *since,
                       '--', '.'))
    if release is None:
        return '%d.%d.%d.dev%d' % (FIRST_VERSION + (changes,))
    major, minor, patch = release[0]
    if changes == 0:
        return '%d.%d.%d' % (major, minor, patch)
    return '%d.%d.%d.dev%d' % (major, minor, patch + 1, changes)


def export_pbr_version(package_dir):
    """Set PBR_VERSION for pbr, unless given or not in a git checkout."""
    if not in_git_checkout(package_dir):
        return
    # pbr would write the whole repository's history into each package's
    # ChangeLog, and reno (when installed) looks for the git repository in
    # the package directory and fails; release notes ship from the tree.
    os.environ.setdefault('SKIP_WRITE_GIT_CHANGELOG', '1')
    os.environ.setdefault('SKIP_GENERATE_RENO', '1')
    # pbr lists the sdist's files with `git --git-dir=<repo>/.git ls-files`
    # run in the package directory, which git then takes for the top of the
    # work tree: nothing matches, and the sdist (and the wheel built from
    # it) would lose requirements.txt, so every install requirement.
    # Naming the work tree makes git list this directory's files.
    os.environ.setdefault('GIT_WORK_TREE',
                          _git(package_dir, 'rev-parse', '--show-toplevel'))
    if not os.environ.get('PBR_VERSION'):
        os.environ['PBR_VERSION'] = package_version(package_dir)


if __name__ == '__main__':
    for directory in sys.argv[1:] or ['.']:
        print('%s %s' % (dist_name(directory), package_version(directory)))
