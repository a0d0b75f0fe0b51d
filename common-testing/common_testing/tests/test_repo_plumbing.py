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
"""The repository's build plumbing: per-package versions, sample configs.

These tests build small throwaway repositories from the real setup.py and
tools, so they prove what a release build of the real packages does.
"""

import glob
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import fixtures

from common_testing.tests import base

TOOLS = os.path.join('common-testing', 'tools')


def _find_repo_root():
    """The checkout holding these tests (or the one tox runs them from)."""
    for start in (os.path.dirname(os.path.abspath(__file__)), os.getcwd()):
        path = start
        while True:
            if os.path.isfile(os.path.join(path, TOOLS, 'pkgversion.py')):
                return path
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
    raise RuntimeError('no checkout with %s/pkgversion.py above %s or %s'
                       % (TOOLS, __file__, os.getcwd()))


REPO = _find_repo_root()
# Every package's setup.py is this one, byte for byte.
SETUP_PY = os.path.join(REPO, 'common-testing', 'setup.py')


class GitRepoFixture(fixtures.Fixture):
    """A throwaway git repository laid out like ours."""

    def _setUp(self):
        self.root = self.useFixture(fixtures.TempDir()).path
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(('PBR_', 'SKIP_', 'GIT_'))}
        self.env.update(GIT_AUTHOR_NAME='Tester', GIT_COMMITTER_NAME='Tester',
                        GIT_AUTHOR_EMAIL='t@example.invalid',
                        GIT_COMMITTER_EMAIL='t@example.invalid',
                        PIP_DISABLE_PIP_VERSION_CHECK='1')
        os.makedirs(os.path.join(self.root, TOOLS))
        shutil.copy(os.path.join(REPO, TOOLS, 'pkgversion.py'),
                    os.path.join(self.root, TOOLS))
        self.git('init', '-q', '-b', 'master')

    def git(self, *args):
        return subprocess.run(
            ('git', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false')
            + args, cwd=self.root, env=self.env, check=True, text=True,
            capture_output=True).stdout.strip()

    def add_package(self, name):
        module = name.replace('-', '_')
        directory = os.path.join(self.root, name)
        os.makedirs(os.path.join(directory, module))
        shutil.copy(SETUP_PY, directory)
        self.write('%s/setup.cfg' % name,
                   '[metadata]\nname = %s\nsummary = test package\n'
                   'python_requires = >=3.11\n\n[files]\npackages = %s\n'
                   % (name, module))
        self.write('%s/%s/__init__.py' % (name, module), '')

    def write(self, relpath, text):
        with open(os.path.join(self.root, relpath), 'w') as f:
            f.write(text)

    def commit(self, relpath, text, message='change'):
        self.write(relpath, text)
        self.git('add', '-A')
        self.git('commit', '-q', '-m', message)

    def run_in(self, package, *args, env=None):
        result = subprocess.run(
            args, cwd=os.path.join(self.root, package),
            env=dict(self.env, **(env or {})), text=True,
            capture_output=True)
        if result.returncode:
            raise AssertionError('%s in %s failed:\n%s\n%s' % (
                ' '.join(args), package, result.stdout, result.stderr))
        return result.stdout

    def version(self, package, **env):
        out = self.run_in(package, sys.executable, 'setup.py', '-q',
                          '--version', env=env)
        return out.strip().splitlines()[-1]

    def sdist(self, package, out_dir):
        self.run_in(package, sys.executable, 'setup.py', '-q', 'sdist',
                    '-d', out_dir)
        # setuptools >= 69.3 names it a_pkg-1.0.tar.gz, older a-pkg-1.0.
        sdists = [path for path in glob.glob(os.path.join(out_dir, '*.tar.gz'))
                  if os.path.basename(path).replace('_', '-').startswith(
                      package + '-')]
        if len(sdists) != 1:
            raise AssertionError('%s: expected one sdist, got %s'
                                 % (package, sdists))
        return sdists[0]


def _offline_build():
    """Build with this environment when it can make wheels (no download)."""
    import setuptools
    major, minor = (int(p) for p in setuptools.__version__.split('.')[:2])
    try:
        import wheel  # noqa: F401
    except ImportError:
        # setuptools 70.1 took bdist_wheel in; before, it needs wheel.
        if (major, minor) < (70, 1):
            return ()
    return ('--no-build-isolation',)


def _pkg_info_version(sdist):
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers()
                      if m.name.count('/') == 1
                      and m.name.endswith('/PKG-INFO'))
        return _metadata_version(tar.extractfile(member).read())


def _metadata_version(raw):
    for line in raw.decode().splitlines():
        if line.startswith('Version: '):
            return line.split(': ', 1)[1]
    raise AssertionError('no Version in metadata')


class PackageVersionTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.repo = self.useFixture(GitRepoFixture())
        self.repo.add_package('a-pkg')
        self.repo.add_package('b-pkg')
        self.repo.commit('README', 'two packages\n', 'initial')
        self.repo.git('tag', 'a-pkg-1.0.0')
        self.repo.git('tag', 'b-pkg-2.3.0')
        # A repository-wide tag, as plain pbr would use: must be ignored.
        self.repo.git('tag', '-a', '-m', 'everything', '3.0.0')

    def test_same_commit_each_package_its_own_version(self):
        self.repo.commit('b-pkg/b_pkg/__init__.py', 'X = 1\n', 'b only')
        self.repo.commit('README', 'elsewhere\n', 'outside both')

        self.assertEqual('1.0.0', self.repo.version('a-pkg'))
        self.assertEqual('2.3.1.dev1', self.repo.version('b-pkg'))

    def test_sdist_and_wheel_from_it_keep_the_version(self):
        self.repo.commit('b-pkg/b_pkg/__init__.py', 'X = 1\n', 'b only')
        self.repo.commit('b-pkg/b_pkg/__init__.py', 'X = 2\n', 'b again')
        out = self.useFixture(fixtures.TempDir()).path

        a_sdist = self.repo.sdist('a-pkg', out)
        b_sdist = self.repo.sdist('b-pkg', out)
        self.assertEqual('1.0.0', _pkg_info_version(a_sdist))
        self.assertEqual('2.3.1.dev2', _pkg_info_version(b_sdist))
        # The wheel is built from the unpacked sdist, away from git and
        # from pkgversion.py: the version must come from PKG-INFO.
        self.repo.run_in('b-pkg', sys.executable, '-m', 'pip', 'wheel', '-q',
                         '--no-deps', '-w', out, *_offline_build(), b_sdist)
        wheel, = glob.glob(os.path.join(out, 'b_pkg-*.whl'))
        self.assertEqual('b_pkg-2.3.1.dev2-py3-none-any.whl',
                         os.path.basename(wheel))
        with zipfile.ZipFile(wheel) as whl:
            metadata = whl.read('b_pkg-2.3.1.dev2.dist-info/METADATA')
        self.assertEqual('2.3.1.dev2', _metadata_version(metadata))

    def test_highest_own_release_tag_counts(self):
        self.repo.commit('a-pkg/a_pkg/__init__.py', 'X = 1\n', 'a change')
        self.repo.git('tag', 'a-pkg-1.10.0')
        # Not a release of a-pkg: another name, and not X.Y.Z.
        self.repo.git('tag', 'a-pkg-extra-9.0.0')
        self.repo.git('tag', 'a-pkg-1.11.0rc1')

        self.assertEqual('1.10.0', self.repo.version('a-pkg'))
        self.assertEqual('2.3.0', self.repo.version('b-pkg'))

    def test_untagged_package_counts_its_own_commits(self):
        self.repo.add_package('c-pkg')
        self.repo.commit('c-pkg/c_pkg/__init__.py', '', 'add c')
        self.repo.commit('a-pkg/a_pkg/__init__.py', 'X = 1\n', 'a change')
        self.repo.commit('c-pkg/c_pkg/__init__.py', 'X = 1\n', 'c change')

        self.assertEqual('0.1.0.dev2', self.repo.version('c-pkg'))
        self.assertEqual('1.0.1.dev1', self.repo.version('a-pkg'))

    def test_explicit_pbr_version_wins(self):
        self.assertEqual('7.7.7',
                         self.repo.version('a-pkg', PBR_VERSION='7.7.7'))


class GenconfigTest(base.TestCase):
    """genconfig.py against a package whose options are oslo.log's."""

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.package = os.path.join(self.root, 'demo-cinder')
        os.makedirs(self.package)
        # Any installed namespace will do: oslo.log comes with cinder.
        self._setup_cfg('oslo.log = oslo_log._options:list_opts')
        self.sample = os.path.join(self.package, 'etc',
                                   'demo-cinder.conf.sample')

    def _setup_cfg(self, entry_point):
        with open(os.path.join(self.package, 'setup.cfg'), 'w') as f:
            f.write('[metadata]\nname = demo-cinder\n\n[entry_points]\n'
                    'oslo.config.opts =\n    %s\n' % entry_point)

    def _genconfig(self, *args):
        return subprocess.run(
            [sys.executable, os.path.join(REPO, TOOLS, 'genconfig.py'),
             '--repo-root', self.root] + list(args),
            capture_output=True, text=True)

    def test_missing_sample_is_reported_then_written(self):
        check = self._genconfig('--check')
        self.assertEqual(1, check.returncode)
        self.assertIn('demo-cinder/etc/demo-cinder.conf.sample: missing',
                      check.stderr)
        self.assertFalse(os.path.exists(self.sample))

        write = self._genconfig()
        self.assertEqual(1, write.returncode)
        self.assertIn('rewritten; commit it', write.stderr)
        with open(self.sample) as f:
            self.assertIn('debug = false', f.read())

        again = self._genconfig('--check')
        self.assertEqual(0, again.returncode, again.stderr)
        self.assertIn('demo-cinder/etc/demo-cinder.conf.sample: up to date',
                      again.stdout)

    def test_stale_sample_is_named_with_a_diff(self):
        self.assertEqual(1, self._genconfig().returncode)
        with open(self.sample) as f:
            text = f.read()
        with open(self.sample, 'w') as f:
            f.write(text.replace('#debug = false', '#debug = true'))

        check = self._genconfig('--check')
        self.assertEqual(1, check.returncode)
        self.assertIn('demo-cinder/etc/demo-cinder.conf.sample: out of date',
                      check.stderr)
        self.assertIn('-#debug = true\n+#debug = false\n', check.stderr)

    def test_namespace_not_installed_is_an_error(self):
        self._setup_cfg('demo_cinder = demo_cinder.options:list_opts')

        check = self._genconfig('--check')
        self.assertEqual(1, check.returncode)
        self.assertIn('oslo.config.opts namespace(s) demo_cinder not '
                      'installed', check.stderr)
