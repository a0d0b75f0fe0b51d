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

import os
import shutil

import fixtures

from common_testing import data
from common_testing.tests import base

MiB = 1024 * 1024


class TestPattern(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def volume(self, name='volume', size=4 * MiB):
        path = os.path.join(self.tmp, name)
        with open(path, 'wb') as f:
            f.truncate(size)
        return path

    def test_deterministic_and_seed_dependent(self):
        self.assertEqual(data.pattern('a', 0), data.pattern('a', 0))
        self.assertNotEqual(data.pattern('a', 0), data.pattern('b', 0))
        self.assertNotEqual(data.pattern('a', 0), data.pattern('a', 512))
        self.assertEqual(data.BLOCK, len(data.pattern('a', 0)))

    def test_copy_carries_the_pattern(self):
        source = self.volume()
        written = data.write_pattern(source, 'snap-1')
        self.assertEqual([0, MiB + 4608, 4 * MiB - data.BLOCK], written)
        clone = os.path.join(self.tmp, 'clone')
        shutil.copyfile(source, clone)
        data.check_pattern(clone, 'snap-1')
        self.assertEqual([], data.mismatches(clone, 'snap-1'))

    def test_only_the_blocks_are_written(self):
        source = self.volume()
        data.write_pattern(source, 'seed', offsets=(MiB,), length=4096)
        with open(source, 'rb') as f:
            content = f.read()
        self.assertEqual(b'\0' * MiB, content[:MiB])
        self.assertEqual(data.pattern('seed', MiB, 4096),
                         content[MiB:MiB + 4096])
        self.assertEqual(b'\0' * (3 * MiB - 4096), content[MiB + 4096:])

    def test_mismatch_says_where(self):
        source = self.volume()
        data.write_pattern(source, 'seed')
        with open(source, 'r+b') as f:
            f.seek(MiB + 4608 + 100)
            f.write(b'\xff')
        found = data.mismatches(source, 'seed')
        self.assertEqual([MiB + 4608], [offset for offset, _d in found])
        self.assertIn('first difference at byte %d' % (MiB + 4608 + 100),
                      found[0][1])
        exc = self.assertRaises(data.PatternMismatch, data.check_pattern,
                                source, 'seed')
        self.assertIn('1 of 3 offsets', str(exc))
        self.assertIn(source, str(exc))

    def test_other_seed_does_not_match(self):
        source = self.volume()
        data.write_pattern(source, 'one')
        self.assertEqual(3, len(data.mismatches(source, 'two')))

    def test_offsets_outside_the_device(self):
        small = self.volume(size=MiB)
        exc = self.assertRaises(ValueError, data.write_pattern, small, 's')
        self.assertIn('outside a device of %d bytes' % MiB, str(exc))
        self.assertRaises(ValueError, data.check_pattern, small, 's',
                          offsets=(-2 * MiB,))
