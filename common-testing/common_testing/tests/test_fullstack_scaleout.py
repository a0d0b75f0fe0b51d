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
"""Scale-out under load at CI's size (issue 16, items 2 to 4).

The full stack with ``active_active``: every backend section whose
driver declares SUPPORTS_ACTIVE_ACTIVE is served by two cinder-volume
services of one cluster (tooz on Redis), the others by one service.  Per
section, ``scaleout.CI``'s clients run its lifecycles, all sections
at once, while the services are killed with ``kill -9`` (one of the
cluster's two, and the one serving the other sections), cleaned up
through the workers cleanup API and restarted, and each array is stopped
and comes back; then nothing
may be left on the array or in cinder, the volumes written before the
kill read back their pattern, and every failed operation overlaps a
disruption.  ``tox -e scaleout`` runs the full size and writes the
README table.

``FULLSTACK_SCALEOUT_VENDORS`` (comma-separated directory names) chooses
the vendors; the default is every vendor.  On failure the run directory
(logs, cinder.conf, array state) is kept.
"""

import logging
import os

import fixtures
import testtools

from common_testing.fullstack import scaleout
from common_testing.tests import base
from common_testing.tests import test_fullstack

TIMEOUT = 1500
DEFAULT_VENDORS = test_fullstack.DEFAULT_VENDORS


def _wanted_vendors():
    wanted = os.environ.get('FULLSTACK_SCALEOUT_VENDORS')
    return ([name.strip() for name in wanted.split(',')] if wanted
            else DEFAULT_VENDORS)


def _result(windows=(), ops=(), **fields):
    result = scaleout.Result('pure-iscsi', '2 (cinder-volume-a, '
                             'cinder-volume-b)')
    result.started, result.ended = 100.0, 200.0
    result.lifecycles, result.lifecycles_done = 20, 19
    result.windows = list(windows)
    result.ops = [scaleout.Op(*op) for op in ops]
    result.orphans, result.cinder_left = {}, {}
    result.served = {'cinder-volume-a': 5, 'cinder-volume-b': 4}
    for name, value in fields.items():
        setattr(result, name, value)
    return result


class TestResults(base.TestCase):
    """What counts as a problem, and the README block."""

    def test_a_clean_run_has_no_problem(self):
        result = _result(windows=[(120, 150)], ops=[
            ('create', 101, 102, True, ''),
            ('extend', 130, 140, False, 'went to error_extending')])
        self.assertEqual([], scaleout.problems(result))

    def test_a_failure_outside_every_disruption_is_one(self):
        result = _result(windows=[(120, 150)], ops=[
            ('clone', 151, 160, False, 'went to error')])
        self.assertEqual(['clone failed outside any disruption: went to '
                          'error'], scaleout.problems(result))

    def test_orphans_lost_data_and_an_idle_service_are_named(self):
        result = _result(orphans={'host': ['so-pure-iscsi-1']},
                         witnesses=[('v1', True), ('v2', False)],
                         served={'cinder-volume-a': 3,
                                 'cinder-volume-b': 0})
        self.assertEqual([
            "left on the array: {'host': ['so-pure-iscsi-1']}",
            "witness volumes lost their data: ['v2']",
            "not every service served creates: {'cinder-volume-a': 3, "
            "'cinder-volume-b': 0}"], scaleout.problems(result))

    def test_what_cleanup_should_have_ended_is_named(self):
        result = _result(operator=[('volume', 'v1', 'creating'),
                                   ('volume', 'v2', 'extending')],
                         stuck=[('volume', 'v1', 'creating', 7)])
        self.assertEqual(['volume v1 still creating after workers cleanup '
                          '(claimed by service 7)'],
                         scaleout.problems(result))

    def test_an_outage_never_seen_is_named(self):
        result = _result(outage={'at': 150, 'seconds': 30,
                                 'resumed': 180})
        self.assertEqual(['the backend was never reported down',
                          'the backend was never reported up again'],
                         scaleout.problems(result))

    def test_the_readme_block_goes_between_the_markers(self):
        result = _result(ops=[('create', 101, 102, True, '')])
        result.kills = [{'service': 'cinder-volume-a', 'at': 110,
                         'down_at': 118, 'cleanup': 'cleaning 1, '
                         'unavailable 0', 'up_at': 140}]
        block = scaleout.readme_table([result], scaleout.CI,
                                      when='2026-12-03 16:00 UTC',
                                      commit='abc1234')
        self.assertIn('pure-iscsi  2 (cinder-volume-a, cinder-volume-b)  '
                      '19/20', block)
        self.assertIn('kill -9 cinder-volume-a at 10s (down 8s later, '
                      'cleanup: cleaning 1, unavailable 0, up again at '
                      '40s)', block)
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'README.rst')
        with open(path, 'w') as readme:
            readme.write('Title\n\n%s\nold\n%s\n\nafter\n' % (
                scaleout.README_START, scaleout.README_END))
        scaleout.write_readme(path, block)
        with open(path) as readme:
            text = readme.read()
        self.assertNotIn('old', text)
        self.assertTrue(text.startswith('Title\n\n%s\n\n%s' % (
            scaleout.README_START, block)), text)
        self.assertTrue(text.endswith('%s\n\nafter\n'
                                      % scaleout.README_END), text)

    def test_a_readme_without_markers_is_refused(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'README.rst')
        with open(path, 'w') as readme:
            readme.write('no markers\n')
        error = self.assertRaises(ValueError, scaleout.write_readme, path,
                                  'x')
        self.assertIn('scaleout-results-start', str(error))


class TestScaleOut(test_fullstack.FullStackTestCase):

    timeout = TIMEOUT
    run_dir_prefix = 'cinder-fullstack-scaleout-'

    @staticmethod
    def wanted_vendors():
        return _wanted_vendors()

    def setUp(self):
        super().setUp()
        # Every API request of the run is a DEBUG line of these: a failed
        # run's captured log would outgrow a subunit packet (4 MiB).
        for name in ('keystoneauth', 'cinderclient', 'urllib3'):
            logger = logging.getLogger(name)
            self.addCleanup(logger.setLevel, logger.level)
            logger.setLevel(logging.INFO)

    def test_kill_and_outage_under_load_leave_nothing(self):
        progress = []
        stack = self.useFixture(scaleout.ScaleoutStack(
            vendors=_wanted_vendors(), run_dir=self._run_dir(),
            active_active=True, progress=progress.append))
        results = scaleout.run_topology(
            stack, scaleout.CI, 'member', scaleout.CI.outage,
            progress.append, parallel=True)
        self.addDetail('progress', testtools.content.text_content(
            '\n'.join(progress)))
        self.addDetail('table', testtools.content.text_content(
            scaleout.readme_table(results, scaleout.CI)))
        self.assertEqual(sorted(stack.sections),
                         [result.section for result in results])
        found = {result.section: scaleout.problems(result)
                 for result in results}
        self.assertEqual({section: [] for section in found}, found)
        for result in results:
            self.assertEqual(1, len(result.kills), result.section)
            self.assertIsNotNone(result.outage, result.section)
            if result.section in stack.clustered:
                self.assertEqual(2, len(result.served), result.section)
        stack.check_running()
