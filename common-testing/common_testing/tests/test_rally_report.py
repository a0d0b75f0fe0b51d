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
"""The Rally run's numbers and README table (common_testing.rally)."""

import collections

from common_testing.rally import __main__ as runner
from common_testing.rally import report
from common_testing.rally import task as rally_task
from common_testing.tests import base


def _iteration(duration, error=None):
    return {'duration': duration, 'idle_duration': 0.0,
            'timestamp': 1700000000.0, 'error': error or [],
            'output': {'additive': [], 'complete': []},
            'atomic_actions': []}


def _report(workloads):
    """A `rally task report --json` of one task, as Rally 5 writes it."""
    return {'info': {'format_version': '1.2'}, 'tasks': [{
        'uuid': 'task', 'title': 'cinder on null', 'pass_sla': True,
        'subtasks': [{'title': name.split('.')[1], 'workloads': [{
            'scenario': {name: {'size': 1}},
            'runner': {'constant': {'times': len(data),
                                    'concurrency': 2}},
            'load_duration': load, 'full_duration': load + 3.0,
            'data': data}]} for name, load, data in workloads]}]}


CREATE = 'CinderVolumes.create_and_delete_volume'
LIST = 'CinderVolumes.list_volumes'


class TestWorkloads(base.TestCase):

    def test_throughput_and_percentiles_of_successful_iterations(self):
        data = [_iteration(d) for d in (1.0, 2.0, 3.0, 4.0)] + [
            _iteration(9.0, error=['VolumeNotCreated', 'timeout', ''])]
        [workload] = report.workloads(_report([(CREATE, 2.0, data)]))
        self.assertEqual(CREATE, workload.scenario)
        self.assertEqual(5, workload.iterations)
        self.assertEqual(1, workload.failures)
        # Four iterations finished in a 2 s load phase; the failed one's
        # 9 s is no part of the percentiles.
        self.assertAlmostEqual(2.0, workload.ops_per_s)
        self.assertAlmostEqual(2.5, workload.p50)
        self.assertAlmostEqual(3.85, workload.p95)
        self.assertEqual(2, workload.concurrency)
        self.assertEqual('5 iterations per scenario, concurrency 2',
                         report.load({'null': [workload]}))

    def test_a_workload_of_failures_only_has_no_percentiles(self):
        [workload] = report.workloads(_report([
            (CREATE, 1.0, [_iteration(1.0, error=['E', 'm', ''])])]))
        self.assertEqual(0.0, workload.ops_per_s)
        self.assertIsNone(workload.p50)

    def test_percentile_interpolates(self):
        self.assertEqual(5.0, report.percentile([5.0], 0.95))
        self.assertAlmostEqual(1.5, report.percentile([2.0, 1.0], 0.5))
        self.assertIsNone(report.percentile([], 0.5))


class TestTable(base.TestCase):

    def results(self):
        def measured(create, listing):
            return [report.Workload(CREATE, 100, 0, create, 1.0, 2.0),
                    report.Workload(LIST, 100, 1, listing, 0.1, 0.2)]
        return {'pure-iscsi': measured(9.0, 20.0),
                'null': measured(10.0, 20.0),
                'sds': measured(4.0, 22.0)}

    def test_ratio_to_the_null_backend_per_scenario(self):
        ratios = report.ratios(self.results())
        self.assertAlmostEqual(0.9, ratios['pure-iscsi', CREATE])
        self.assertAlmostEqual(0.4, ratios['sds', CREATE])
        self.assertAlmostEqual(1.1, ratios['sds', LIST])
        self.assertAlmostEqual(1.0, ratios['null', CREATE])
        self.assertEqual([('sds', CREATE, 0.4)],
                         [(b, s, round(r, 6)) for b, s, r
                          in report.below_goal(self.results())])

    def test_no_null_measurement_gives_no_ratio(self):
        results = self.results()
        del results['null']
        self.assertIsNone(report.ratios(results)['sds', CREATE])
        self.assertEqual([], report.below_goal(results))

    def test_table_rows_null_first_with_ratio_and_failures(self):
        info = collections.OrderedDict([('Date', '2026-12-03'),
                                        ('Commit', 'abc123')])
        table = report.rst_table(self.results(), info)
        lines = table.splitlines()
        self.assertEqual(':Date:   2026-12-03', lines[0])
        self.assertEqual(':Commit: abc123', lines[1])
        rows = [line.split() for line in lines
                if line.startswith(('create_and', 'list_'))]
        self.assertEqual(
            [['create_and_delete_volume', 'null', '10.00', '1.00', '2.00',
              '0/100', '1.00x'],
             ['create_and_delete_volume', 'pure-iscsi', '9.00', '1.00',
              '2.00', '0/100', '0.90x'],
             ['create_and_delete_volume', 'sds', '4.00', '1.00', '2.00',
              '0/100', '0.40x']], rows[:3])
        self.assertEqual(['list_volumes', 'sds', '22.00', '0.10', '0.20',
                          '1/100', '1.10x'], rows[-1])

    def test_readme_section_replaced_between_markers(self):
        text = 'intro\n\n.. begin rally\n\nold\n\n.. end rally\n\nrest\n'
        updated = report.update_readme(text, 'new table\n')
        self.assertEqual('intro\n\n.. begin rally\n\nnew table\n\n'
                         '.. end rally\n\nrest\n', updated)

    def test_readme_without_markers_is_refused(self):
        error = self.assertRaises(ValueError, report.update_readme,
                                  'no markers\n', 'table')
        self.assertIn('.. begin rally', str(error))


class TestTask(base.TestCase):

    def test_every_scenario_runs_constant_load_as_the_existing_user(self):
        built = rally_task.task('t', times=100, concurrency=8)
        self.assertEqual(len(rally_task.SCENARIOS), len(built['subtasks']))
        for subtask, (name, _args, needs_volumes) in zip(
                built['subtasks'], rally_task.SCENARIOS):
            self.assertEqual([name], list(subtask['scenario']))
            self.assertEqual({'constant': {'times': 100, 'concurrency': 8}},
                             subtask['runner'])
            # No users context: Rally would create a tenant per scenario.
            self.assertNotIn('users', subtask['contexts'])
            self.assertEqual(needs_volumes, 'volumes' in subtask['contexts'])
            self.assertEqual({'failure_rate': {'max': 0}}, subtask['sla'])

    def test_polling_starts_at_once_and_repeats_at_the_interval(self):
        options = rally_task.config('/tmp/r.sqlite', 0.1)['openstack']
        self.assertEqual(0.1, options['cinder_volume_create_prepoll_delay'])
        self.assertEqual(0.1, options['cinder_volume_create_poll_interval'])
        self.assertEqual(0.1, options['cinder_volume_delete_poll_interval'])


class TestRunner(base.TestCase):

    def test_null_backend_always_first_and_unknown_refused(self):
        known = {'null': None, 'sds': None, 'pure-iscsi': None}
        self.assertEqual(['null', 'sds'],
                         runner.chosen_backends('sds', known))
        self.assertEqual(['null', 'pure-iscsi', 'sds'],
                         runner.chosen_backends(None, known))
        error = self.assertRaises(ValueError, runner.chosen_backends,
                                  'nosuch,sds', known)
        self.assertIn('nosuch', str(error))

    def test_top_frames_counts_innermost_frames(self):
        collapsed = ('main (a.py:1);poll (b.py:2) 30\n'
                     'main (a.py:1);wait (c.py:3) 10\n')
        text = runner.top_frames(collapsed)
        self.assertEqual('40 samples', text.splitlines()[0])
        self.assertIn(' 75.0%  poll (b.py:2)', text)
