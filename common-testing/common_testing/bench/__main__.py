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
"""Run the driver benchmark: ``python -m common_testing.bench``.

For every backend of the ``common_testing.bench`` entry points: each
operation ``--repeat`` times with each driver of the backend on one
simulator, then the polling row (the array taking 0.5 s for a copy or a
delete), then get_volume_stats with 10,000 and 100,000 volumes seeded
into the array's state.  Per operation: round trips (the simulator's
request log), wall ms, the driver's share of it (wall less the
simulator's own time for those requests, from the same log) and driver
CPU ms.  ``--readme-root DIR`` writes each vendor's tables into
``DIR/<distribution>/README.rst`` between the benchmark markers, with
the date and the commit.
"""

import argparse
import datetime
import importlib.metadata
import logging
import os
import subprocess
import sys
import time
import traceback
import tracemalloc

import fixtures

from common_testing.bench import table

ENTRY_POINT_GROUP = 'common_testing.bench'
OPERATIONS = ('create', 'snapshot', 'clone', 'volume from snapshot',
              'attach new host', 'attach known host', 'detach',
              'detach last', 'extend', 'stats', 'delete')
SLOW_SECONDS = 0.5
SCALE_COUNTS = (10000, 100000)


class _Stack(fixtures.Fixture):
    """Holds the fixtures (simulator, drivers) of one backend's run."""


def _threads_not_eventlet():
    """cinder 29's threading backend, chosen before anything imports cinder.

    Simulators in this process answer from native threads; every vendor's
    test package makes the same choice (cinder.monkey_patch), so loading
    its plug-in after this one finds it made.
    """
    os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')
    from cinder import monkey_patch
    monkey_patch.patch()
    # The drivers' and the loader's log records: errors only, on stderr.
    logging.basicConfig(level=logging.ERROR, format='%(levelname)s '
                        '%(name)s: %(message)s')


def discover(names=None):
    """[(distribution, BenchBackend)] of the installed vendors."""
    found = []
    for entry in sorted(importlib.metadata.entry_points(
            group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if names and entry.name not in names:
            continue
        for backend in entry.load()():
            if backend.available():
                found.append((entry.name, backend))
    return found


class Meter(object):
    """Measures calls of one backend's drivers through its request log."""

    def __init__(self, backend):
        self.backend = backend
        self.clock = (time.thread_time if backend.simulator_in_process
                      else time.process_time)

    def __call__(self, func, *args):
        seq = self.backend.last_seq()
        cpu, wall = self.clock(), time.perf_counter()
        result = func(*args)
        wall = time.perf_counter() - wall
        cpu = self.clock() - cpu
        entries = self.backend.requests(seq)
        sim_ms = sum(entry.get('duration_ms') or 0.0 for entry in entries)
        return result, table.Sample(len(entries), wall * 1000.0, sim_ms,
                                    cpu * 1000.0)


def run_operations(backend, loaded, repeat, label, results, slow=False):
    """Every operation ``repeat`` times; samples into results[op]."""
    meter = Meter(backend)
    driver = loaded.driver

    def timed(operation, func, *args):
        if os.environ.get('BENCH_TRACE'):
            print('%s: %s' % (label, operation), file=sys.stderr, flush=True)
        result, sample = meter(func, *args)
        results.setdefault(operation, table.Series()).add(sample)
        return result

    driver.get_volume_stats(refresh=True)    # sessions up, as after start
    for index in range(repeat):
        volume = backend.volume(loaded)
        backend.created(volume, timed('create', driver.create_volume,
                                      volume))
        snapshot = backend.snapshot(loaded, volume)
        backend.created(snapshot, timed('snapshot', driver.create_snapshot,
                                        snapshot))
        clone = backend.volume(loaded)
        if index and 'clone' in backend.measure_once:
            backend.created(clone, driver.create_volume(clone))
        else:
            backend.created(clone, timed(
                'clone', driver.create_cloned_volume, clone, volume))
        restored = backend.volume(loaded)
        backend.created(restored, timed(
            'volume from snapshot', driver.create_volume_from_snapshot,
            restored, snapshot))
        connector = backend.connector('bench-%s-%d-%d' % (
            label.split()[0], os.getpid(), index))
        timed('attach new host', driver.initialize_connection, volume,
              connector)
        timed('attach known host', driver.initialize_connection, clone,
              connector)
        timed('detach', driver.terminate_connection, clone, connector)
        timed('detach last', driver.terminate_connection, volume,
              connector)
        timed('extend', driver.extend_volume, volume, 2)
        volume.size = 2
        timed('stats', driver.get_volume_stats, True)
        # In an order cinder allows: a volume's snapshots go first.
        for each in (restored, clone):
            timed('delete', driver.delete_volume, each)
        driver.delete_snapshot(snapshot)
        timed('delete', driver.delete_volume, volume)
    if slow and backend.slow_operation:
        run_slow(backend, loaded, meter, results)


def run_slow(backend, loaded, meter, results):
    """The polling row: the array takes SLOW_SECONDS for the operation."""
    driver = loaded.driver
    name = '%s (array: %.1f s)' % (backend.slow_operation, SLOW_SECONDS)
    series = results.setdefault(name, table.Series())
    source = backend.volume(loaded)
    backend.created(source, driver.create_volume(source))
    backend.set_array_seconds(SLOW_SECONDS)
    try:
        for _n in range(2):
            if backend.slow_operation == 'clone':
                clone = backend.volume(loaded)
                update, sample = meter(driver.create_cloned_volume, clone,
                                       source)
                backend.created(clone, update)
                backend.set_array_seconds(0)
                driver.delete_volume(clone)
                backend.set_array_seconds(SLOW_SECONDS)
            else:
                victim = backend.volume(loaded)
                backend.created(victim, driver.create_volume(victim))
                _result, sample = meter(driver.delete_volume, victim)
            series.add(sample)
    finally:
        backend.set_array_seconds(0)
    driver.delete_volume(source)
    return name


def run_stats(backend, loaded, meter, repeat=2):
    """Stats: a time series (no tracing) and traced peak memory (KiB)."""
    driver = loaded.driver
    driver.get_volume_stats(refresh=True)
    series = table.Series()
    for _n in range(repeat):
        series.add(meter(driver.get_volume_stats, True)[1])
    tracemalloc.start()
    try:
        driver.get_volume_stats(refresh=True)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return series, peak / 1024.0


def run_backend(backend, repeat, counts):
    """{'labels': [...], 'ops': {label: {op: Series}}, 'scale': [...]}."""
    out = {'labels': [], 'ops': {}, 'scale': []}
    with _Stack() as stack:
        try:
            _run_backend(stack, backend, repeat, counts, out)
        except Exception:
            # Said before the fixtures' cleanups run (they may be slow).
            traceback.print_exc()
            raise
    return out


def _run_backend(stack, backend, repeat, counts, out):
    backend.start(stack)
    drivers = backend.drivers()
    for position, (label, options) in enumerate(drivers):
        out['labels'].append(label)
        loaded = backend.load(stack, label, options)
        try:
            run_operations(backend, loaded, repeat, label,
                           out['ops'].setdefault(label, {}),
                           slow=position == 0)
        finally:
            backend.unload(loaded)
    seeded = 0
    for count in counts:
        backend.seed_volumes(count - seeded)
        seeded = count
        for position, (label, options) in enumerate(drivers):
            if position and not backend.theirs_at_scale:
                continue
            loaded = backend.load(stack, label, options)
            try:
                series, peak = run_stats(backend, loaded, Meter(backend))
            finally:
                backend.unload(loaded)
            out['scale'].append((count, label, series, peak))


def render(backend, out, repeat):
    """The text of one backend's tables."""
    labels = out['labels']
    ours = out['ops'][labels[0]]
    theirs = out['ops'].get(labels[1]) if len(labels) > 1 else None
    operations = list(OPERATIONS) + [op for op in ours
                                     if op not in OPERATIONS]
    text = [table.side_by_side(operations, ours, theirs,
                               our_label=labels[0],
                               their_label=(labels[1] if theirs
                                            else '(no vendor driver)'))]
    rows = []
    for count, label, series, peak in out['scale']:
        rows.append([label, '%d' % count, table._number(series.trips),
                     table._number(series.wall_ms),
                     table._number(series.driver_ms),
                     table._number(series.cpu_ms), '%.0f' % peak])
    text.append(table.format_table(
        [['stats at scale', 'volumes', 'trips', 'wall ms', 'driver ms',
          'CPU ms', 'peak KiB']], rows))
    return '\n\n'.join(text)


def _commit(root):
    """HEAD's short hash, marked when the tree differs from it."""
    try:
        head = subprocess.run(
            ['git', '-C', root, 'rev-parse', '--short', 'HEAD'],
            capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(
            ['git', '-C', root, 'status', '--porcelain',
             '--untracked-files=no'],
            capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return head + (' with uncommitted changes' if dirty else '')


def write_readme(path, sections, commit, repeat, in_process, load):
    intro = ('Generated by ``tox -e bench`` on %s at commit %s (median of '
             '%d; a shared 2-core machine, load average %.1f, so wall '
             'times carry its scheduling delays). trips: requests the '
             'simulator '
             'logged; driver ms: wall ms less the simulator\'s own time '
             'for those requests (its request log); CPU ms: %s; wall '
             'ratio: our wall time over the vendor driver\'s. Stats at '
             'scale: volumes seeded into the array\'s state; peak KiB: '
             'tracemalloc\'s peak during one stats call%s'
             % (datetime.date.today().isoformat(), commit, repeat, load,
                'the calling thread\'s CPU time (the simulator answers '
                'from other threads of the process)' if in_process else
                'the driver process\'s CPU time (the simulator is a '
                'process of its own)',
                ' (simulator included: it runs in the process)'
                if in_process else ''))
    body = table.literal_block(intro, '\n\n'.join(sections))
    with open(path) as f:
        text = f.read()
    try:
        text = table.replace_section(text, body)
    except ValueError as exc:
        print('%s not written: %s' % (path, exc), file=sys.stderr)
        return
    with open(path, 'w') as f:
        f.write(text)
    print('wrote %s' % path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--vendor', action='append',
                        help='distribution name (default: every one)')
    parser.add_argument('--volumes', type=int, action='append',
                        help='stats at scale counts (default: %s)'
                        % ', '.join(map(str, SCALE_COUNTS)))
    parser.add_argument('--readme-root', default=None,
                        help='write each <root>/<dist>/README.rst section')
    args = parser.parse_args(argv)
    _threads_not_eventlet()
    from cinder import objects
    objects.register_all()
    backends = discover(args.vendor)
    if not backends:
        parser.error('no benchmark backend is installed')
    by_dist = {}
    load = os.getloadavg()[0]
    # The code that runs is the checkout's now, not when the run ends.
    commit = _commit(args.readme_root) if args.readme_root else None
    failed = []
    for dist, backend in backends:
        started = time.monotonic()
        try:
            out = run_backend(backend, args.repeat,
                              sorted(args.volumes or SCALE_COUNTS))
        except Exception as exc:
            # Said with its traceback above; the other backends still run.
            failed.append('%s: %s' % (backend.name, exc))
            continue
        text = render(backend, out, args.repeat)
        print('\n== %s (%s, %.0f s) ==\n%s' % (
            backend.name, dist, time.monotonic() - started, text))
        sys.stdout.flush()
        by_dist.setdefault(dist, []).append(
            (backend, '%s\n%s\n\n%s' % (backend.name,
                                        '~' * len(backend.name), text)))
    if args.readme_root:
        for dist, items in by_dist.items():
            write_readme(os.path.join(args.readme_root, dist, 'README.rst'),
                         [text for _b, text in items], commit, args.repeat,
                         items[0][0].simulator_in_process, load)
    for line in failed:
        print('FAILED %s' % line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
