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

import datetime
import io

import subunit

from common_testing.cert import report
from common_testing.cert import skiplist
from common_testing.tests import base

T0 = datetime.datetime(2026, 11, 22, 4, 0, tzinfo=datetime.timezone.utc)


def _stream(tests):
    """A subunit v2 stream of (id, status, reason) as Tempest writes it."""
    out = io.BytesIO()
    writer = subunit.StreamResultToBytes(out)
    for number, (test_id, status, reason) in enumerate(tests):
        start = T0 + datetime.timedelta(seconds=number)
        writer.status(test_id=test_id, test_status='exists', timestamp=start)
        writer.status(test_id=test_id, test_status='inprogress',
                      timestamp=start)
        if reason:
            name = 'reason' if status == 'skip' else 'traceback'
            writer.status(test_id=test_id, file_name=name,
                          file_bytes=reason.encode(), eof=True,
                          mime_type='text/plain; charset=UTF8',
                          timestamp=start)
        writer.status(test_id=test_id, test_status=status,
                      timestamp=start + datetime.timedelta(seconds=2))
    return out.getvalue()


NO_BACKUP = 'Cinder backup feature disabled'
TESTS = [
    ('tempest.api.volume.test_volumes_get.VolumesGetTest.test_get'
     '[id-1,smoke]', 'success', ''),
    ('tempest.api.volume.test_volumes_extend.VolumesExtendTest.test_extend'
     '[id-2]', 'success', ''),
    ('setUpClass (tempest.api.volume.test_volumes_backup.'
     'VolumesBackupsTest)', 'skip', NO_BACKUP),
    ('tempest.api.volume.admin.test_backends.BackupTest.test_x[id-3]',
     'skip', NO_BACKUP),
    ('cinder_tempest_plugin.api.volume.test_revert.RevertTest.test_revert'
     '[id-4]', 'skip', 'Cinder volume revert feature disabled'),
]
FAILURE = ('tempest.api.volume.test_snapshots.SnapshotsTest.test_delete'
           '[id-5]', 'fail', 'Traceback...\nAssertionError: 404 != 202')
EXCLUDED = [skiplist.Skip('^tempest.api.volume.test_qos',
                          'QoS specs need a frontend consumer', 'c.txt:3')]


def _summary(tests):
    return report.Summary('ise-iscsi', report.parse(_stream(tests)),
                          EXCLUDED, '2026-11-22',
                          {'cinder': '29.0.0', 'tempest': '47.0.0'}, 60,
                          commit='0123456789ab')


class TestParse(base.TestCase):

    def test_statuses_reasons_and_durations(self):
        results = {r.name: r for r in report.parse(_stream(TESTS
                                                           + [FAILURE]))}
        self.assertEqual(6, len(results))
        extend = results['tempest.api.volume.test_volumes_extend.'
                         'VolumesExtendTest.test_extend']
        self.assertEqual(('success', 2.0), (extend.status, extend.seconds))
        failed = results['tempest.api.volume.test_snapshots.SnapshotsTest.'
                         'test_delete']
        self.assertEqual('fail', failed.status)
        self.assertIn('404 != 202', failed.reason)
        skipped = results['setUpClass (tempest.api.volume.test_volumes_'
                          'backup.VolumesBackupsTest)']
        self.assertEqual(('skip', NO_BACKUP),
                         (skipped.status, skipped.reason))


class TestSummary(base.TestCase):

    def test_counts_and_reasons(self):
        summary = _summary(TESTS)
        self.assertEqual((5, 2, 3, 0),
                         (len(summary.results), len(summary.passed),
                          len(summary.skipped), len(summary.failed)))
        self.assertTrue(summary.ok)
        self.assertEqual([(NO_BACKUP, 2),
                          ('Cinder volume revert feature disabled', 1)],
                         summary.skip_reasons())

    def test_a_failure_or_an_empty_run_is_not_ok(self):
        self.assertFalse(_summary(TESTS + [FAILURE]).ok)
        self.assertFalse(_summary([]).ok)


class TestOutputs(base.TestCase):

    def test_text_report_lists_failures_skips_and_exclusions(self):
        text = report.text_report(_summary(TESTS + [FAILURE]))
        self.assertIn('Tests run: 6  passed: 2  skipped: 3  failed: 1', text)
        self.assertIn('Result: FAILED', text)
        self.assertIn('AssertionError: 404 != 202', text)
        self.assertIn('   2  %s' % NO_BACKUP, text)
        self.assertIn('QoS specs need a frontend consumer', text)

    def test_rst_table_has_totals_versions_and_reasons(self):
        table = report.rst_table(_summary(TESTS))
        lines = table.splitlines()
        self.assertEqual('Certification: ise-iscsi', lines[0])
        self.assertIn('Tests run              5', table)
        self.assertIn('Failed                 0', table)
        self.assertIn('cinder 29.0.0, tempest 47.0.0', table)
        self.assertRegex(table, r'2 +%s +no cinder-backup service '
                         r'deployed' % NO_BACKUP)
        self.assertIn('``^tempest.api.volume.test_qos``', table)

    def test_update_readme_replaces_only_the_backend_section(self):
        readme = ('Intro\n\n'
                  '.. begin certification: ise-iscsi\n\nold table\n\n'
                  '.. end certification: ise-iscsi\n\n'
                  '.. begin certification: ise-fc\n\nfc table\n\n'
                  '.. end certification: ise-fc\n')
        updated = report.update_readme(readme, 'ise-iscsi', 'NEW\n')
        self.assertNotIn('old table', updated)
        self.assertIn('ise-iscsi\n\nNEW\n\n.. end certification: ise-iscsi',
                      updated)
        self.assertIn('fc table', updated)
        self.assertEqual(updated, report.update_readme(updated, 'ise-iscsi',
                                                       'NEW\n'))

    def test_update_readme_without_markers_names_them(self):
        error = self.assertRaises(ValueError, report.update_readme,
                                  'no markers', 'pure-fc', 'T')
        self.assertIn('.. begin certification: pure-fc', str(error))


class TestCertifiedCommit(base.TestCase):

    def _readme(self, table):
        return ('Intro\n\n.. begin certification: ise-iscsi\n\n%s\n'
                '.. end certification: ise-iscsi\n' % table)

    def test_reads_the_commit_of_the_generated_table(self):
        readme = report.update_readme(self._readme(''), 'ise-iscsi',
                                      report.rst_table(_summary(TESTS)))
        self.assertEqual('0123456789ab',
                         report.certified_commit(readme, 'ise-iscsi'))

    def test_no_table_or_a_dirty_tree_certifies_no_commit(self):
        self.assertIsNone(report.certified_commit(
            self._readme('Not run yet.'), 'ise-iscsi'))
        summary = _summary(TESTS)
        summary.commit = '0123456789ab with uncommitted changes'
        readme = report.update_readme(self._readme(''), 'ise-iscsi',
                                      report.rst_table(summary))
        self.assertIsNone(report.certified_commit(readme, 'ise-iscsi'))

    def test_another_backends_commit_does_not_count(self):
        readme = report.update_readme(
            self._readme('') + '.. begin certification: ise-fc\n\n'
            '.. end certification: ise-fc\n', 'ise-iscsi',
            report.rst_table(_summary(TESTS)))
        self.assertIsNone(report.certified_commit(readme, 'ise-fc'))


class TestSkipContext(base.TestCase):

    def test_known_reasons_say_why_they_hold(self):
        self.assertIn('no Nova or Neutron', report.skip_context(
            'VolumesActionsTest skipped as Neutron is not available'))
        self.assertEqual('one backend per certification run',
                         report.skip_context(
                             'Cinder multi-backend feature disabled'))

    def test_unknown_reason_gets_no_story(self):
        self.assertEqual('', report.skip_context('Some new reason'))
