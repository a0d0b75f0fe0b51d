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
"""simkit.export: the one tgtd exporter, against a real tgtd."""

import os

import fixtures

from common_testing.simkit import export
from common_testing.simkit import volumes
from common_testing.tests import base

IQN = 'iqn.2026-12.org.cinder-backends.test:simkit-a'
OTHER = 'iqn.2026-12.org.cinder-backends.test:simkit-b'
HOST = 'iqn.2026-12.org.cinder-backends.test:host-a'
MiB = 1024 * 1024


class TestTgtExporter(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.tgtd = self.useFixture(export.start_tgtd())
        self.exporter = export.TgtExporter(self.tgtd.admin)
        self.addCleanup(self.exporter.close)

    def volume(self, name, size=4 * MiB):
        path = os.path.join(self.tmp, name)
        volumes.create(path, size)
        return path

    def test_export_is_idempotent_and_lets_the_host_in(self):
        path = self.volume('v1')
        for _ in range(2):
            self.exporter.export(IQN, 1, path, [HOST],
                                 chap=('chapuser', 'Secret1234567'))
        target = self.tgtd.admin.target(IQN)
        self.assertEqual([1], list(target.luns))
        self.assertEqual(path, target.luns[1].path)
        self.assertEqual([HOST], target.acl)
        self.assertEqual(['chapuser'], target.accounts)

    def test_unexport_removes_lun_access_and_empty_target(self):
        self.exporter.export(IQN, 1, self.volume('v1'), [HOST])
        self.exporter.export(IQN, 2, self.volume('v2'), [HOST])
        self.exporter.unexport(IQN, 1, delete_empty_target=True)
        self.assertEqual([2], list(self.tgtd.admin.target(IQN).luns))
        self.exporter.unexport(IQN, 2, [HOST], delete_empty_target=True)
        self.assertIsNone(self.tgtd.admin.target(IQN))
        self.exporter.unexport(IQN, 2, [HOST], delete_empty_target=True)

    def test_resize_and_close(self):
        path = self.volume('v1')
        self.exporter.export(IQN, 1, path, [HOST])
        self.exporter.export(OTHER, 1, self.volume('v2'), ['ALL'])
        volumes.resize(path, 8 * MiB)
        self.exporter.resize(IQN, 1)
        self.assertEqual(path, self.tgtd.admin.target(IQN).luns[1].path)
        self.exporter.close()
        self.assertEqual({}, self.tgtd.admin.targets())
        self.exporter.close()

    def test_null_exporter_has_the_same_methods(self):
        null = export.NullExporter()
        for name in ('export', 'unexport', 'resize', 'allow', 'disallow',
                     'close'):
            self.assertTrue(callable(getattr(null, name)), name)
        null.export(IQN, 1, '/nonexistent', [HOST])
        null.close()
