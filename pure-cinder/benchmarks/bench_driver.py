#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.
"""REST calls, wall time and driver CPU time per cinder operation.

Prints a table; asserts nothing about time.  Run from pure-cinder/:

    python benchmarks/bench_driver.py [--volumes 10000] [--repeat 20]

The simulator runs in this process on other threads; "driver CPU" is the
CPU time of the calling thread only (driver + client + TLS client side).
"""

import argparse
import os
import sys
import time
import tracemalloc
import unittest

# This checkout's pure_cinder, not an installed one.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import pure_cinder.tests  # noqa: E402,F401  (threading backend)
from pure_cinder.tests.functional import fixtures  # noqa: E402

GiB = 1024 ** 3
ARGS = None


def out(text):
    # The test base captures sys.stdout for each test; the table is for
    # the terminal.
    print(text, file=sys.__stdout__, flush=True)


class Benchmark(fixtures.DriverAgainstSimulator):

    def measure(self, label, operation, repeat):
        client = self.driver.client
        calls = wall = cpu = 0.0
        for _n in range(repeat):
            before_calls = client.request_count
            wall_start, cpu_start = time.perf_counter(), time.thread_time()
            operation()
            cpu += time.thread_time() - cpu_start
            wall += time.perf_counter() - wall_start
            calls += client.request_count - before_calls
        out('| %-34s | %5.1f | %8.2f | %8.2f |' % (
            label, calls / repeat, 1000 * wall / repeat,
            1000 * cpu / repeat))

    def test_benchmark(self):
        repeat = ARGS.repeat
        out('\n| %-34s | %5s | %8s | %8s |' % (
            'operation', 'calls', 'wall ms', 'cpu ms'))
        out('|%s|%s|%s|%s|' % ('-' * 36, '-' * 7, '-' * 10, '-' * 10))
        source = self.create_volume()
        snapshot = self.snapshot(source)
        snapshot.update(self.driver.create_snapshot(snapshot))
        connector = self.connector('bench-host')
        self.driver.initialize_connection(self.create_volume(), connector)
        self.measure('create_volume', lambda: self.create_volume(), repeat)
        self.measure('create_snapshot', lambda: self.driver.create_snapshot(
            self.snapshot(source)), repeat)
        self.measure('create_cloned_volume (same size)',
                     lambda: self.driver.create_cloned_volume(
                         self.volume(), source), repeat)
        self.measure('create_volume_from_snapshot (same)',
                     lambda: self.driver.create_volume_from_snapshot(
                         self.volume(), snapshot), repeat)
        sizes = iter(range(2, 2 + repeat))
        self.measure('extend_volume', lambda: self.driver.extend_volume(
            source, next(sizes)), repeat)
        attach_volumes = iter([self.create_volume()
                               for _n in range(repeat)])
        self.measure('initialize_connection (known host)',
                     lambda: self.driver.initialize_connection(
                         next(attach_volumes), connector), repeat)
        # One new compute host per attach, then its detach (the last
        # connection: the host goes too).
        new_hosts = [(self.create_volume(), self.connector('new-%d' % n))
                     for n in range(repeat)]
        attaches, detaches = iter(new_hosts), iter(new_hosts)
        self.measure('initialize_connection (new host)',
                     lambda: self.driver.initialize_connection(
                         *next(attaches)), repeat)
        self.measure('terminate_connection (host goes)',
                     lambda: self.driver.terminate_connection(
                         *next(detaches)), repeat)
        victims = iter([self.create_volume() for _n in range(repeat)])
        self.measure('delete_volume', lambda: self.driver.delete_volume(
            next(victims)), repeat)
        self.measure('get_volume_stats (few volumes)',
                     lambda: self.driver.get_volume_stats(refresh=True),
                     repeat)
        array = self.array
        for n in range(ARGS.volumes):
            obj = array._new_object('bulk-%05d' % n, GiB)
            array.volumes[obj['name']] = obj
        tracemalloc.start()
        self.measure('get_volume_stats (%d volumes)' % ARGS.volumes,
                     lambda: self.driver.get_volume_stats(refresh=True), 3)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out('\npeak traced memory during stats with %d volumes: %.1f KiB '
            '(whole process, simulator included)'
            % (ARGS.volumes, peak / 1024.0))


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument('--volumes', type=int, default=10000)
    parser.add_argument('--repeat', type=int, default=20)
    ARGS = parser.parse_args()
    suite = unittest.TestSuite([Benchmark('test_benchmark')])
    result = unittest.TextTestRunner(stream=sys.stderr,
                                     verbosity=0).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
