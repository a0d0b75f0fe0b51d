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

import io
import os
import subprocess
import sys

import fixtures

from common_testing.cert import __main__ as runner
from common_testing.tests import base


class _Vendor(object):
    def __init__(self, array_name, protocols=None):
        self.array_name = array_name
        self.protocols = protocols or {}


class TestRunnerHelpers(base.TestCase):

    def test_every_launcher_backend_is_a_choice(self):
        # The backends come from the vendors' entry points; none is
        # installed here, so one stands in.
        self.useFixture(fixtures.MonkeyPatch(
            'common_testing.fullstack.all_backends',
            lambda: [_Vendor(None, {'ise-iscsi': 'iSCSI', 'ise-fc': 'FC'})]))
        vendors = runner.backend_vendors()
        self.assertIn('ise-iscsi', vendors)
        self.assertEqual('ise-fc', runner.parse_args(['ise-fc']).backend)
        self.assertEqual(runner.REGEX, runner.parse_args(['ise-fc']).regex)

    def test_unknown_backend_is_refused_naming_the_known_ones(self):
        self.useFixture(fixtures.MonkeyPatch(
            'common_testing.fullstack.all_backends',
            lambda: [_Vendor(None, {'ise-iscsi': 'iSCSI'})]))
        stderr = self.useFixture(fixtures.MonkeyPatch(
            'sys.stderr', io.StringIO())).new_value
        self.assertEqual(2, runner.main(['nosuch']))
        self.assertIn("unknown backend 'nosuch'", stderr.getvalue())
        self.assertIn('ise-iscsi', stderr.getvalue())

    def test_parses_without_any_vendor_installed(self):
        self.useFixture(fixtures.MonkeyPatch(
            'common_testing.fullstack.all_backends', lambda: []))
        self.assertEqual('sds', runner.parse_args(['sds']).backend)

    def test_plain_volume_naming_becomes_a_tempest_format(self):
        vendor = _Vendor(lambda volume_id: 'volume-%s-cinder' % volume_id)
        self.assertEqual('volume-%s-cinder',
                         runner._volume_name_format(vendor))

    def test_truncating_naming_cannot_be_a_format(self):
        vendor = _Vendor(lambda volume_id: 'cinder-unmanaged-'
                         + volume_id[:19])
        self.assertIsNone(runner._volume_name_format(vendor))


class TestSourceCommit(base.TestCase):

    def _git(self, *args):
        subprocess.run(['git', '-C', self.repo, '-c', 'user.name=t', '-c',
                        'user.email=t@example.com'] + list(args),
                       check=True, capture_output=True)

    def setUp(self):
        super().setUp()
        self.repo = self.useFixture(fixtures.TempDir()).path
        self._git('init', '-q')
        with open(os.path.join(self.repo, 'driver.py'), 'w') as f:
            f.write('one\n')
        self._git('add', 'driver.py')
        self._git('commit', '-q', '-m', 'one')

    def test_clean_tree_names_its_commit(self):
        head = subprocess.run(['git', '-C', self.repo, 'rev-parse', 'HEAD'],
                              capture_output=True, text=True).stdout
        self.assertEqual(head[:12], runner.source_commit(self.repo))

    def test_uncommitted_changes_are_said(self):
        with open(os.path.join(self.repo, 'driver.py'), 'w') as f:
            f.write('two\n')
        self.assertIn('with uncommitted changes',
                      runner.source_commit(self.repo))

    def test_outside_a_checkout(self):
        plain = self.useFixture(fixtures.TempDir()).path
        self.assertIn('not a git checkout', runner.source_commit(plain))


class TestDriverClass(base.TestCase):

    def test_imports_a_driver_needing_cinder_objects(self):
        # A fresh interpreter: in this one another test may have registered
        # the objects already.
        code = ('from common_testing.cert import __main__ as runner; '
                'print(runner.driver_class('
                '"cinder.volume.drivers.lvm.LVMVolumeDriver").__name__)')
        result = subprocess.run([sys.executable, '-c', code],
                                capture_output=True, text=True, timeout=300)
        self.assertEqual(0, result.returncode, result.stderr[-2000:])
        self.assertEqual('LVMVolumeDriver', result.stdout.split()[-1])
