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
"""The support matrix: its rules, and the committed READMEs' blocks.

TestCommittedMatrix needs every vendor package installed (their
``common_testing.drivers`` entry points): it runs in ``tox -e genconfig``,
and the kit's own environment leaves this module out.
"""

import os
import sys

from cinder.volume import driver
import fixtures

from common_testing.cert import changed
from common_testing.cert import report
from common_testing import supportmatrix
from common_testing.tests import base
from common_testing.tests import scratch_git
from common_testing.tests import test_repo_plumbing

REPO = test_repo_plumbing.REPO


class _Base(driver.VolumeDriver):
    """A vendor base class: array logic and stats."""

    SUPPORTS_ACTIVE_ACTIVE = True

    def revert_to_snapshot(self, context, volume, snapshot):
        pass

    def create_group(self, context, group):
        pass

    def delete_group(self, context, group, volumes):
        pass

    def extend_volume(self, volume, new_size):
        pass

    def _update_volume_stats(self):
        self._stats = {'multiattach': True,
                       'QoS_support': self.configuration.qos,
                       'thin_provisioning_support': False}
        self._stats['consistent_group_snapshot_enabled'] = True


class _Protocol(_Base):
    """A thin protocol class."""

    STORAGE_PROTOCOL = 'iSCSI'

    def update_group(self, context, group, add_volumes=None,
                     remove_volumes=None):
        pass

    def pools(self):
        return [dict(thin_provisioning_support=True,
                     online_extend_support=False)]


class _Plain(driver.VolumeDriver):
    """Everything from cinder."""

    STORAGE_PROTOCOL = 'FC'


def _cells(cls):
    return dict(zip([f.title for f in supportmatrix.FEATURES],
                    supportmatrix.feature_cells(cls)))


class TestFeatureRules(base.TestCase):

    def test_a_method_counts_only_when_not_cinders(self):
        self.assertTrue(supportmatrix.implements(_Protocol,
                                                 'revert_to_snapshot'))
        self.assertFalse(supportmatrix.implements(_Protocol,
                                                  'failover_host'))
        self.assertFalse(supportmatrix.implements(_Plain, 'extend_volume'))
        # migrate_volume and retype exist in cinder's base (they decline):
        # inherited they are not the driver's.
        self.assertFalse(supportmatrix.implements(_Plain, 'migrate_volume'))
        self.assertFalse(supportmatrix.implements(_Plain, 'retype'))

    def test_capabilities_from_the_own_classes_source(self):
        self.assertEqual({'multiattach': 'yes', 'QoS_support': 'runtime',
                          'thin_provisioning_support': 'runtime',
                          'consistent_group_snapshot_enabled': 'yes',
                          'online_extend_support': 'no'},
                         supportmatrix.capabilities(_Protocol))
        self.assertEqual('no', supportmatrix.capabilities(_Base)[
            'thin_provisioning_support'])
        self.assertEqual({}, supportmatrix.capabilities(_Plain))

    def test_cells(self):
        cells = _cells(_Protocol)
        self.assertEqual('yes', cells['Revert to snapshot'])
        self.assertEqual('yes', cells['Multi-attach'])
        self.assertEqual('runtime', cells['QoS'])
        self.assertEqual('yes', cells['Active/active high availability'])
        # create, delete and update_group: all three are needed.
        self.assertEqual('yes', cells['Generic volume groups'])
        self.assertEqual('no', _cells(_Base)['Generic volume groups'])
        # Implemented, but a pool reports online_extend_support=False.
        self.assertEqual('no', cells['Extend an attached volume'])
        self.assertEqual('yes', _cells(_Base)['Extend an attached volume'])
        # The key alone is not enough: create_group_snapshot is cinder's.
        self.assertEqual('no',
                         cells['Consistency groups (group snapshots)'])
        self.assertEqual(['no'] * len(supportmatrix.FEATURES),
                         supportmatrix.feature_cells(_Plain))

    def test_block_between_markers(self):
        text = 'a\n\n.. begin support matrix\n\nold\n\n' \
               '.. end support matrix\n\nb\n'
        self.assertEqual(
            'a\n\n.. begin support matrix\n\nnew\n\n'
            '.. end support matrix\n\nb\n',
            supportmatrix.replace_block(text, 'new\n', 'R.rst'))
        error = self.assertRaises(ValueError, supportmatrix.replace_block,
                                  'a\n', 'new', 'x/README.rst')
        self.assertIn('x/README.rst', str(error))

    def test_table(self):
        drivers = [supportmatrix.Driver('acme-iscsi', 'acme-cinder',
                                        'acme.iscsi._Protocol', _Protocol)]
        self.useFixture(fixtures.MockPatchObject(
            supportmatrix, 'certification', return_value='abc123'))
        block = supportmatrix.matrix(drivers, '/repo')
        self.assertIn('``acme.iscsi._Protocol``', block)
        lines = block.splitlines()
        self.assertIn('Feature                               acme-iscsi',
                      lines)
        self.assertIn('Protocol                              iSCSI', lines)
        self.assertIn('Certified (Tempest, commit)           abc123', lines)
        self.assertIn('Multi-attach                          yes', lines)
        self.assertTrue(all(len(line) <= 79 for line in lines))


class TestUndeclared(base.TestCase):

    def test_a_registered_class_must_be_declared(self):
        root = self.useFixture(fixtures.TempDir()).path
        package = os.path.join(root, 'acme_sm_cinder')
        for folder in ('', 'tests', 'simulator'):
            os.makedirs(os.path.join(package, folder), exist_ok=True)
            with open(os.path.join(package, folder, '__init__.py'),
                      'w') as f:
                f.write('')
        source = ('from cinder import interface\n\n\n'
                  '@interface.volumedriver\nclass A(object):\n    pass\n\n\n'
                  'class NotADriver(object):\n    pass\n')
        for name in ('iscsi.py', 'nvme.py', 'tests/fake.py',
                     'simulator/fake.py'):
            with open(os.path.join(package, name), 'w') as f:
                f.write(source)
        self.useFixture(fixtures.MonkeyPatch('sys.path',
                                             [root] + sys.path))
        self.assertEqual(['acme_sm_cinder.iscsi.A', 'acme_sm_cinder.nvme.A'],
                         supportmatrix.registered_classes('acme_sm_cinder'))
        declared = type('A', (object,), {'__module__': 'acme_sm_cinder.iscsi'})
        self.assertEqual(['acme_sm_cinder.nvme.A'], supportmatrix.undeclared(
            [supportmatrix.Driver('acme-iscsi', 'acme-cinder',
                                  'acme_sm_cinder.iscsi.A', declared)]))


class TestCertificationCell(scratch_git.ScratchGitMixin, base.TestCase):

    TOX_INI = ('[testenv:cert-acme-iscsi]\ndeps =\n'
               '    {toxinidir}/acme-cinder[simulator]\n')
    README = ('acme\n====\n\n.. begin certification: acme-iscsi\n\n'
              'Not run yet.\n\n.. end certification: acme-iscsi\n')

    def cell(self):
        return supportmatrix.certification(self.repo, 'acme-iscsi',
                                           'acme-cinder')

    def test_certified_then_out_of_date(self):
        self.repo = self.useFixture(fixtures.TempDir()).path
        self.git('init', '-q')
        self.write('tox.ini', self.TOX_INI)
        self.write('acme-cinder/README.rst', self.README)
        self.write('acme-cinder/acme/common.py', 'X = 1\n')
        commit = self.commit()
        self.assertEqual('none', self.cell())
        self.assertEqual('none', supportmatrix.certification(
            self.repo, 'acme-nvme', 'acme-cinder'))
        self.certify(commit, 'fail')
        self.assertEqual('failed (%s)' % commit, self.cell())
        self.certify(commit, 'success')
        self.assertEqual(commit, self.cell())
        self.write('acme-cinder/acme/common.py', 'X = 2\n')
        self.assertEqual('out of date (%s)' % commit, self.cell())

    def certify(self, commit, status):
        summary = report.Summary(
            'acme-iscsi', [report.Result('tempest.api.volume.t', status, 1)],
            [], '2026-12-03', {}, commit=commit)
        self.write('acme-cinder/README.rst', report.update_readme(
            self.README, 'acme-iscsi', report.rst_table(summary)))


class TestCommittedMatrix(base.TestCase):
    """The READMEs' blocks are what the installed vendors' code gives."""

    def test_every_certified_backend_has_a_declared_class(self):
        declared = {d.backend for d in supportmatrix.declared_drivers()}
        self.assertLessEqual({b.name for b in changed.backends(REPO)},
                             declared)

    def test_readme_blocks_are_generated(self):
        generated = supportmatrix.generate(REPO)
        self.assertIn('README.rst', generated)
        self.assertEqual(5, len(generated))
        stale = [supportmatrix.diff(rel, current, wanted)
                 for rel, (current, wanted) in sorted(generated.items())
                 if current != wanted]
        self.assertEqual([], stale, 'the support matrix is out of date '
                         'with the code: run tox -e genconfig and commit '
                         'the READMEs')

    def test_the_installed_classes_are_the_checkouts(self):
        # tox installs the vendors as copies: a matrix from a stale copy
        # would not describe this checkout.
        for drv in supportmatrix.declared_drivers():
            for klass in supportmatrix.own_classes(drv.cls):
                module = sys.modules[klass.__module__]
                rel = os.path.join(drv.dist,
                                   *klass.__module__.split('.')) + '.py'
                with open(module.__file__) as installed, \
                        open(os.path.join(REPO, rel)) as checkout:
                    self.assertEqual(
                        checkout.read(), installed.read(),
                        '%s differs from the installed %s: reinstall the '
                        'vendor packages (tox -e genconfig does)'
                        % (rel, module.__file__))
