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
"""Numbers from Rally's JSON task report, and the README table.

``workloads(report)`` reads ``rally task report --json`` (one task) into
one ``Workload`` per scenario: iterations, failures, throughput (finished
iterations per second of the load phase: Rally's ``load_duration``, from
the first iteration's start to the last one's end) and the 50th and 95th
percentile of an iteration's duration (successful iterations only, as
Rally's own summary counts them). ``rst_table`` puts every backend's
workloads side by side with the ratio of its throughput to the null
backend's, and ``update_readme`` writes it between the README's
``.. begin rally`` and ``.. end rally`` lines.
"""

import collections
import math

NULL_BACKEND = 'null'
GOAL = 0.9
BEGIN = '.. begin rally'
END = '.. end rally'

Workload = collections.namedtuple('Workload', [
    'scenario', 'iterations', 'failures', 'ops_per_s', 'p50', 'p95',
    'concurrency'], defaults=(None,))


def percentile(values, fraction):
    """The ``fraction`` percentile of ``values``, linearly interpolated.

    None for no values.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * fraction
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _scenario_name(workload):
    # Rally 3+ keeps the scenario as {name: args}; older reports a name.
    if isinstance(workload.get('scenario'), dict) and workload['scenario']:
        return next(iter(workload['scenario']))
    return workload['name']


def _concurrency(workload):
    for runner in (workload.get('runner') or {}).values():
        return runner.get('concurrency')
    return None


def load(results):
    """'N iterations per scenario, concurrency C' of every workload."""
    found = sorted({(w.iterations, w.concurrency) for measured
                    in results.values() for w in measured},
                   key=lambda pair: (pair[0], pair[1] or 0))
    return '; '.join('%d iterations per scenario, concurrency %s'
                     % pair for pair in found)


def workloads(report):
    """[Workload] of every workload of the report's tasks, in order."""
    found = []
    for task in report['tasks']:
        for subtask in task['subtasks']:
            for workload in subtask['workloads']:
                data = workload['data']
                ok = [it['duration'] for it in data if not it['error']]
                load = workload.get('load_duration') or 0.0
                found.append(Workload(
                    scenario=_scenario_name(workload),
                    iterations=len(data),
                    failures=len(data) - len(ok),
                    ops_per_s=len(ok) / load if load > 0 else 0.0,
                    p50=percentile(ok, 0.5),
                    p95=percentile(ok, 0.95),
                    concurrency=_concurrency(workload)))
    return found


def _short(scenario):
    return scenario.split('.', 1)[-1]


def _seconds(value):
    return '-' if value is None else '%.2f' % value


def _table(header, rows):
    widths = [max(len(str(cell)) for cell in column)
              for column in zip(header, *rows)]
    rule = '  '.join('=' * width for width in widths)
    lines = [rule, '  '.join(cell.ljust(width) for cell, width
                             in zip(header, widths)).rstrip(), rule]
    for row in rows:
        lines.append('  '.join(cell.ljust(width) for cell, width
                               in zip(row, widths)).rstrip())
    lines.append(rule)
    return '\n'.join(lines)


def ratios(results, null=NULL_BACKEND):
    """{(backend, scenario): throughput / the null backend's} (or None)."""
    baseline = {w.scenario: w.ops_per_s for w in results.get(null, [])}
    found = {}
    for backend, measured in results.items():
        for workload in measured:
            base = baseline.get(workload.scenario)
            found[backend, workload.scenario] = (
                workload.ops_per_s / base if base else None)
    return found


def below_goal(results, null=NULL_BACKEND, goal=GOAL):
    """[(backend, scenario, ratio)] under ``goal`` times the null's."""
    return sorted((backend, scenario, ratio) for (backend, scenario), ratio
                  in ratios(results, null).items()
                  if backend != null and ratio is not None and ratio < goal)


def rst_table(results, info, null=NULL_BACKEND):
    """The README table: the run's facts, then scenario x backend rows.

    The null backend comes first in each scenario.

    ``results`` is {backend: [Workload]}, ``info`` the run's facts
    (date, commit, concurrency, times, poll, versions) in display order.
    """
    ratio = ratios(results, null)
    backends = sorted(results, key=lambda name: (name != null, name))
    scenarios = []
    for backend in backends:
        for workload in results[backend]:
            if workload.scenario not in scenarios:
                scenarios.append(workload.scenario)
    rows = []
    for scenario in scenarios:
        for backend in backends:
            for workload in results[backend]:
                if workload.scenario != scenario:
                    continue
                share = ratio[backend, scenario]
                rows.append([
                    _short(scenario), backend, '%.2f' % workload.ops_per_s,
                    _seconds(workload.p50), _seconds(workload.p95),
                    '%d/%d' % (workload.failures, workload.iterations),
                    '-' if share is None else '%.2fx' % share])
    width = max(len(key) for key in info) + 2
    lines = [':%s:%s%s' % (key, ' ' * (width - len(key) - 1), value)
             for key, value in info.items()]
    header = ['scenario', 'backend', 'ops/s', 'p50 s', 'p95 s',
              'failed', 'vs null']
    return '\n'.join(lines) + '\n\n' + _table(header, rows) + '\n'


def update_readme(text, table):
    """``text`` with its rally section replaced by ``table``.

    Raises ValueError naming the markers when the README has none.
    """
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise ValueError('README has no "%s" ... "%s" section'
                         % (BEGIN, END))
    return (text[:start] + BEGIN + '\n\n' + table.rstrip('\n') + '\n\n'
            + text[stop:])
