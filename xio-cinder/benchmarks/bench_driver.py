# Copyright 2026 Cinder backends team
#
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

"""Print what each cinder operation costs the X-IO ISE driver.

For every operation: HTTP requests sent, wall time and the driver
process's CPU time, against xio-cinder-simulator running as its own
process with the array taking 50 ms for each asynchronous step (create,
prepare, commit, delete).  Then get_volume_stats against an array holding
10,000 volumes: requests, wall time and peak Python memory.

Run from the package directory with the test environment installed:
    python benchmarks/bench_driver.py [--repeat N] [--volumes N]
Numbers only; nothing here asserts a time.
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
import uuid

os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')

from oslo_service import backend as service_backend  # noqa: E402

service_backend.init_backend(service_backend.BackendType.THREADING)

from cinder import context as cinder_context  # noqa: E402
from cinder import objects  # noqa: E402
from cinder.tests.unit import fake_snapshot  # noqa: E402
from cinder.tests.unit import fake_volume  # noqa: E402
from common_testing import driver_loader  # noqa: E402

from xio_cinder.tests.functional import fixtures  # noqa: E402

CONNECTOR = {'host': 'bench-host',
             'initiator': 'iqn.2026-11.invalid.bench:host'}


class Measure:
    def __init__(self, driver):
        self.driver = driver
        self.rows = {}

    def __call__(self, name, func, *args):
        client = self.driver.client
        calls = client.request_count
        wall = time.perf_counter()
        cpu = time.process_time()
        result = func(*args)
        row = self.rows.setdefault(name, {'calls': [], 'wall': [],
                                          'cpu': []})
        row['wall'].append(time.perf_counter() - wall)
        row['cpu'].append(time.process_time() - cpu)
        row['calls'].append(client.request_count - calls)
        return result

    def print(self, title):
        print(title)
        print('%-32s %7s %10s %10s' % ('operation', 'HTTP', 'wall ms',
                                       'CPU ms'))
        for name, row in self.rows.items():
            print('%-32s %7.1f %10.1f %10.1f' % (
                name, statistics.mean(row['calls']),
                1000 * statistics.median(row['wall']),
                1000 * statistics.median(row['cpu'])))
        print()


def volume(ctxt, size=1):
    vid = str(uuid.uuid4())
    vtype = objects.VolumeType(ctxt, id=str(uuid.uuid4()), name='bench',
                               extra_specs={}, qos_specs_id=None)
    vol = fake_volume.fake_volume_obj(ctxt, id=vid, name='volume-%s' % vid,
                                      size=size, volume_type_id=vtype.id,
                                      host='bench@xio#Pool_1')
    vol.volume_type = vtype
    return vol


def options(sim, **extra):
    opts = {'volume_driver': 'xio_cinder.iscsi.XIOISCSIDriver',
            'san_ip': sim.san_ip, 'san_login': 'admin',
            'san_password': sim.password,
            'iscsi_ip_address': sim.info['iscsi_ips'][0],
            'ise_retry_interval': 1.0, 'ise_completion_retries': 30}
    if sim.san_api_port:
        opts['san_api_port'] = sim.san_api_port
    opts.update(extra)
    return opts


def operations(repeat):
    with fixtures.Simulator(
            '--delay', 'create=0.05', '--delay', 'prepare=0.05',
            '--delay', 'commit=0.05', '--delay', 'delete=0.05') as sim, \
            driver_loader.LoadedDriver(options(sim)) as loaded:
        driver, ctxt = loaded.driver, loaded.context
        measure = Measure(driver)
        for _ in range(repeat):
            source = volume(ctxt)
            measure('create_volume', driver.create_volume, source)
            measure('extend_volume', driver.extend_volume, source, 2)
            source.size = 2
            snap = fake_snapshot.fake_snapshot_obj(
                ctxt, id=str(uuid.uuid4()), volume_id=source.id,
                volume_size=2)
            snap.volume = source
            measure('create_snapshot', driver.create_snapshot, snap)
            from_snap = volume(ctxt, size=3)
            measure('create_volume_from_snapshot (+1 GB)',
                    driver.create_volume_from_snapshot, from_snap, snap)
            clone = volume(ctxt, size=2)
            measure('create_cloned_volume', driver.create_cloned_volume,
                    clone, source)
            measure('initialize_connection (iSCSI)',
                    driver.initialize_connection, source, CONNECTOR)
            measure('terminate_connection', driver.terminate_connection,
                    source, CONNECTOR)
            measure('get_volume_stats(refresh)', driver.get_volume_stats,
                    True)
            measure('delete_snapshot', driver.delete_snapshot, snap)
            for vol in (from_snap, clone, source):
                measure('delete_volume', driver.delete_volume, vol)
        measure.print('Per operation, array async steps take 50 ms '
                      '(median of %d)' % repeat)


def stats(count):
    with fixtures.Simulator(
            '--preload', str(count),
            '--pool', '1:Pool 1:%d' % (count * 2 + 1000)) as sim, \
            driver_loader.LoadedDriver(options(sim)) as loaded:
        driver = loaded.driver
        driver.get_volume_stats(refresh=True)     # warm: connections
        calls = driver.client.request_count
        tracemalloc.start()
        wall = time.perf_counter()
        cpu = time.process_time()
        result = driver.get_volume_stats(refresh=True)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print('get_volume_stats with %d volumes on the array' % count)
        print('  HTTP requests: %d' % (driver.client.request_count - calls))
        print('  wall: %.1f ms   CPU: %.1f ms   peak memory: %.1f MiB'
              % (wall * 1000, cpu * 1000, peak / 2 ** 20))
        print('  active_volumes reported: %d'
              % result['pools'][0]['total_volumes'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--volumes', type=int, default=10000)
    args = parser.parse_args(argv)
    objects.register_all()
    cinder_context.get_admin_context()
    operations(args.repeat)
    stats(args.volumes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
