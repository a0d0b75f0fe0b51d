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

import fixtures

from common_testing.cert import skiplist
from common_testing.tests import base


class TestParse(base.TestCase):

    def test_entries_keep_regex_reason_and_line(self):
        skips = skiplist.parse(
            '# header comment\n'
            '\n'
            r'^tempest\.api\.volume\.test_a  # needs a compute service here'
            '\n', 'x.txt')
        self.assertEqual([skiplist.Skip(r'^tempest\.api\.volume\.test_a',
                                        'needs a compute service here',
                                        'x.txt:3')], skips)
        self.assertTrue(skips[0].matches(
            'tempest.api.volume.test_a.T.test_b[id-1]'))
        self.assertFalse(skips[0].matches('tempest.api.volume.test_b'))

    def test_entry_without_reason_is_refused_naming_line(self):
        error = self.assertRaises(skiplist.SkipListError, skiplist.parse,
                                  'ok_regex  # a good long reason\n'
                                  '^tempest.api.volume.test_x\n', 'y.txt')
        self.assertIn('y.txt:2', str(error))
        self.assertIn('no reason', str(error))

    def test_too_short_reason_is_refused(self):
        self.assertRaises(skiplist.SkipListError, skiplist.parse,
                          'test_x  # flaky\n')

    def test_bad_regex_is_refused(self):
        error = self.assertRaises(skiplist.SkipListError, skiplist.parse,
                                  'test_(x  # this one is unbalanced\n')
        self.assertIn('not a regex', str(error))

    def test_second_hash_is_refused(self):
        self.assertRaises(skiplist.SkipListError, skiplist.parse,
                          'test_x  # see bug #12 for the reason\n')


class TestFiles(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def write(self, name, text):
        with open(os.path.join(self.dir, name), 'w') as out:
            out.write(text)

    def test_backend_list_adds_to_common(self):
        self.write('common.txt', 'test_a  # no compute service deployed\n')
        self.write('pure-iscsi.txt', 'test_b  # array refuses this size\n')
        skips = skiplist.for_backend('pure-iscsi', self.dir)
        self.assertEqual(['test_a', 'test_b'], [s.regex for s in skips])
        self.assertEqual(['test_a'], [s.regex for s in
                                      skiplist.for_backend('ise-fc',
                                                           self.dir)])

    def test_protocol_list_applies_to_that_protocols_backends(self):
        self.write('common.txt', 'test_a  # no compute service deployed\n')
        self.write('fc.txt', 'test_f  # no FC HBA on this host\n')
        self.write('ise-fc.txt', 'test_i  # the array refuses this size\n')
        self.assertEqual(['test_a', 'test_f', 'test_i'],
                         [s.regex for s in skiplist.for_backend(
                             'ise-fc', self.dir)])
        self.assertEqual(['test_a', 'test_f'],
                         [s.regex for s in skiplist.for_backend(
                             'pure-fc', self.dir)])
        self.assertEqual(['test_a'], [s.regex for s in skiplist.for_backend(
            'pure-iscsi', self.dir)])
        self.assertEqual(['test_a'], [s.regex for s in skiplist.for_backend(
            'sds', self.dir)])

    def test_missing_common_list_is_an_error(self):
        self.assertRaises(skiplist.SkipListError, skiplist.for_backend,
                          'ise-fc', self.dir)

    def test_exclude_list_reads_back_identically(self):
        self.write('common.txt', 'test_a  # no compute service deployed\n')
        skips = skiplist.for_backend('x', self.dir)
        path = skiplist.write_exclude_list(skips,
                                           os.path.join(self.dir, 'out'))
        self.assertEqual([(s.regex, s.reason) for s in skips],
                         [(s.regex, s.reason)
                          for s in skiplist.load_file(path)])

    def test_shipped_skip_lists_are_valid(self):
        # Every list in the repository parses: each skip has a reason.
        for name in sorted(os.listdir(skiplist.SKIPS_DIR)):
            if name.endswith('.txt'):
                skiplist.load_file(os.path.join(skiplist.SKIPS_DIR, name))
        self.assertTrue(os.path.exists(os.path.join(skiplist.SKIPS_DIR,
                                                    'common.txt')))
