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
"""simkit.volumes: sparse data files."""

import os

import fixtures

from common_testing.simkit import volumes
from common_testing.tests import base

MiB = 1024 * 1024


class TestVolumes(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def path(self, name):
        return os.path.join(self.tmp, name)

    def test_create_is_sparse_and_refuses_an_existing_file(self):
        path = self.path('v')
        volumes.create(path, 64 * MiB)
        self.assertEqual(64 * MiB, volumes.size(path))
        self.assertEqual(0, volumes.allocated(path))
        self.assertRaises(FileExistsError, volumes.create, path, MiB)
        volumes.write(path, 0, b'x' * 4096)
        volumes.create(path, 128 * MiB, exist_ok=True)
        self.assertEqual(128 * MiB, volumes.size(path))
        self.assertEqual(b'x' * 4096, volumes.read(path, 0, 4096))

    def test_resize_grows_keeping_data_and_never_creates(self):
        path = self.path('v')
        volumes.create(path, MiB)
        volumes.write(path, MiB - 3, b'end')
        volumes.resize(path, 3 * MiB)
        self.assertEqual(3 * MiB, volumes.size(path))
        self.assertEqual(b'end\0\0', volumes.read(path, MiB - 3, 5))
        self.assertRaises(FileNotFoundError, volumes.resize,
                          self.path('missing'), MiB)

    def test_write_outside_the_file_is_refused(self):
        path = self.path('v')
        volumes.create(path, MiB)
        error = self.assertRaises(ValueError, volumes.write, path,
                                  MiB - 1, b'ab')
        self.assertIn(path, str(error))
        self.assertEqual(MiB, volumes.size(path))

    def test_read_at_the_end_is_short(self):
        path = self.path('v')
        volumes.create(path, MiB)
        self.assertEqual(2, len(volumes.read(path, MiB - 2, 10)))

    def test_copy_keeps_data_and_holes(self):
        source, target = self.path('s'), self.path('t')
        volumes.create(source, 64 * MiB)
        volumes.write(source, 0, b'a' * 4096)
        volumes.write(source, 40 * MiB + 512, b'b' * 4096)
        volumes.copy(source, target)
        self.assertEqual(64 * MiB, volumes.size(target))
        self.assertEqual(b'a' * 4096, volumes.read(target, 0, 4096))
        self.assertEqual(b'b' * 4096,
                         volumes.read(target, 40 * MiB + 512, 4096))
        self.assertEqual(b'\0' * 4096, volumes.read(target, 20 * MiB, 4096))
        # Sparse (or shared): far less than the 64 MiB it holds.
        self.assertLess(volumes.allocated(target), 4 * MiB)

    def test_copy_to_another_size(self):
        source = self.path('s')
        volumes.create(source, 8 * MiB)
        volumes.write(source, 0, b'head')
        volumes.write(source, 6 * MiB, b'tail')
        bigger, smaller = self.path('big'), self.path('small')
        volumes.copy(source, bigger, size=16 * MiB)
        volumes.copy(source, smaller, size=4 * MiB)
        self.assertEqual(16 * MiB, volumes.size(bigger))
        self.assertEqual(b'tail', volumes.read(bigger, 6 * MiB, 4))
        self.assertEqual(4 * MiB, volumes.size(smaller))
        self.assertEqual(b'head', volumes.read(smaller, 0, 4))

    def test_copy_replaces_the_target(self):
        source, target = self.path('s'), self.path('t')
        volumes.create(source, MiB)
        volumes.create(target, 2 * MiB)
        volumes.write(target, 4096, b'old')
        volumes.copy(source, target)
        self.assertEqual(MiB, volumes.size(target))
        self.assertEqual(b'\0\0\0', volumes.read(target, 4096, 3))

    def test_extents_lists_data_only(self):
        path = self.path('v')
        volumes.create(path, 16 * MiB)
        volumes.write(path, 8 * MiB, b'z' * 4096)
        with open(path, 'rb') as f:
            found = list(volumes.extents(f.fileno(), 16 * MiB))
        self.assertEqual(1, len(found))
        start, length = found[0]
        self.assertLessEqual(start, 8 * MiB)
        self.assertGreaterEqual(start + length, 8 * MiB + 4096)

    def test_remove_is_idempotent(self):
        path = self.path('v')
        volumes.create(path, MiB)
        volumes.remove(path)
        volumes.remove(path)
        self.assertFalse(os.path.exists(path))
