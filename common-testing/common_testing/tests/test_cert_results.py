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
"""The committed README tables are the committed runs' tables.

Every vendor README's certification table must be, line for line, the
``certification.rst`` of a run kept in ``common-testing/cert/results``,
next to that run's report (every test with its status), and the two must
name the same commit and totals. A table edited by hand, or regenerated
without its report, fails here.
"""

import os
import re

import fixtures

from common_testing.cert import __main__ as runner
from common_testing.cert import changed
from common_testing.cert import report
from common_testing.tests import base
from common_testing.tests import test_repo_plumbing

REPO = test_repo_plumbing.REPO
RESULTS = os.path.join(REPO, 'common-testing', 'cert', 'results')


def _read(path):
    with open(path) as f:
        return f.read()


def _table_value(table, item):
    match = re.search(r'^%s +(\S.*?)\s*$' % re.escape(item), table,
                      re.MULTILINE)
    return match.group(1) if match else None


class TestPublishedResults(base.TestCase):

    def test_every_backend_has_a_table_from_a_kept_run(self):
        backends = changed.backends(REPO)
        self.assertEqual(7, len(backends))
        for backend in backends:
            table = report.readme_table(
                _read(os.path.join(REPO, backend.readme)), backend.name)
            rst = os.path.join(RESULTS, '%s.rst' % backend.name)
            self.assertTrue(os.path.isfile(rst),
                            '%s has a table but no %s' % (backend.readme,
                                                          rst))
            self.assertEqual(_read(rst).strip(), table,
                             '%s: the %s table is not %s'
                             % (backend.readme, backend.name, rst))

    def test_each_report_names_the_tables_commit_and_totals(self):
        for backend in changed.backends(REPO):
            table = _read(os.path.join(RESULTS, '%s.rst' % backend.name))
            text = _read(os.path.join(RESULTS,
                                      '%s-report.txt' % backend.name))
            commit = report.certified_commit(
                _read(os.path.join(REPO, backend.readme)), backend.name)
            self.assertIn('Commit: %s\n' % commit, text, backend.name)
            totals = re.search(r'^Tests run: (\d+)  passed: (\d+)  '
                               r'skipped: (\d+)  failed: (\d+)$', text,
                               re.MULTILINE)
            self.assertIsNotNone(totals, backend.name)
            self.assertEqual(
                [_table_value(table, item) for item in
                 ('Tests run', 'Passed', 'Skipped', 'Failed')],
                list(totals.groups()), backend.name)
            listed = re.findall(r'^  (\S+) +[\d.]+s  ', text, re.MULTILINE)
            self.assertEqual(int(totals.group(1)), len(listed),
                             '%s: the report lists every test'
                             % backend.name)


class TestPublishResults(base.TestCase):

    def test_copies_report_and_table_under_the_backends_name(self):
        output = self.useFixture(fixtures.TempDir()).path
        results = os.path.join(self.useFixture(fixtures.TempDir()).path,
                               'results')
        for name, body in (('report.txt', 'report\n'),
                           ('certification.rst', 'table\n'),
                           ('tempest.subunit', 'stream')):
            with open(os.path.join(output, name), 'w') as f:
                f.write(body)
        runner.publish_results(output, results, 'ise-fc')
        self.assertEqual(['ise-fc-report.txt', 'ise-fc.rst'],
                         sorted(os.listdir(results)))
        self.assertEqual('table\n',
                         _read(os.path.join(results, 'ise-fc.rst')))
        self.assertEqual('report\n',
                         _read(os.path.join(results, 'ise-fc-report.txt')))

    def test_results_option_is_parsed(self):
        self.assertEqual('/r', runner.parse_args(
            ['sds', '--results', '/r']).results)
        self.assertIsNone(runner.parse_args(['sds']).results)
