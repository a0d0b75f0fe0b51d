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
"""Round trips and wall time per driver operation against the simulator.

    python benchmarks/vbs_benchmark.py [--volumes 10000]

Prints a table; asserts nothing. The simulator runs in this process on
this process's own loopback address. Volume from snapshot, clone and
snapshot delete attach volumes through os-brick and the package's sds_cli
(loop devices: run as root).
"""

import argparse
import os
import time
import tracemalloc

from cinder import objects
from common_testing import conformance
from common_testing import driver_loader
import fixtures
import os_brick
from oslo_concurrency import lockutils
from oslo_config import cfg

from huawei_sds_cinder.tests.functional import fixtures as vbs_fixtures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--volumes', type=int, default=10000,
                        help='volumes on the array for the stats run')
    args = parser.parse_args()
    objects.register_all()
    with fixtures.MockPatchObject(objects.Volume, 'save'), \
            fixtures.MockPatchObject(objects.Snapshot, 'save'), \
            fixtures.TempDir() as locks, \
            vbs_fixtures.VbsSimulatorFixture(
                pools={'16384': 100000}) as vbs, \
            vbs_fixtures.SdsCli(vbs):
        # os-brick serialises attaches with an external lock.
        lockutils.set_defaults(locks.path)
        os_brick.setup(cfg.CONF)
        loaded = driver_loader.LoadedDriver({
            'volume_driver':
                'huawei_sds_cinder.driver.HuaweiSDSHypervisorDriver',
            'huawei_sds_vbs_addresses': vbs.addresses,
            'huawei_sds_vbs_port': vbs.port,
            'huawei_sds_pools': ['16384']}, backend_name='bench')
        with loaded:
            run(loaded, vbs, args.volumes)


def measure(rows, label, driver, call):
    vbs_client = driver.client
    trips = vbs_client.round_trips
    start = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - start
    rows.append((label, vbs_client.round_trips - trips, elapsed * 1000))
    return result


def run(loaded, vbs, count):
    driver, ctxt = loaded.driver, loaded.context
    host = loaded.host + '#16384'
    rows = []

    def new_volume(size=1):
        return conformance.volume_object(ctxt, size, host)

    volume = new_volume()
    measure(rows, 'create_volume', driver,
            lambda: driver.create_volume(volume))
    measure(rows, 'extend_volume', driver,
            lambda: driver.extend_volume(volume, 2))
    volume.size = 2     # what cinder records after the extend
    snapshot = conformance.snapshot_object(ctxt, volume)
    measure(rows, 'create_snapshot', driver,
            lambda: driver.create_snapshot(snapshot))
    from_snap = new_volume(3)
    measure(rows, 'create_volume_from_snapshot (copy, waits)', driver,
            lambda: driver.create_volume_from_snapshot(from_snap, snapshot))
    clone = new_volume(2)
    measure(rows, 'create_cloned_volume (temp snapshot, copy, waits)', driver,
            lambda: driver.create_cloned_volume(clone, volume))
    measure(rows, 'initialize_connection', driver,
            lambda: driver.initialize_connection(volume, {}))
    measure(rows, 'delete_volume (waits until gone)', driver,
            lambda: driver.delete_volume(from_snap))
    measure(rows, 'delete_snapshot (attach, waits until gone)', driver,
            lambda: driver.delete_snapshot(snapshot))
    measure(rows, 'get_volume_stats, 1 pool, 3 volumes', driver,
            lambda: driver.get_volume_stats(refresh=True))

    start = time.perf_counter()
    for index in range(count):
        vbs.array.create_volume('bulk-%05d' % index, '16384', 1, thin=True)
    fill = time.perf_counter() - start
    tracemalloc.start()
    measure(rows, 'get_volume_stats, 1 pool, %d volumes' % count, driver,
            lambda: driver.get_volume_stats(refresh=True))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print('%-48s %11s %10s' % ('operation', 'round trips', 'wall ms'))
    for label, trips, millis in rows:
        print('%-48s %11d %10.1f' % (label, trips, millis))
    print('stats with %d volumes: peak Python memory %.1f KiB (driver and '
          'in-process simulator together); filling the array took %.1f s'
          % (count, peak / 1024.0, fill))
    print('simulator delete_seconds=%.2f, pid %d'
          % (vbs.array.delete_seconds, os.getpid()))


if __name__ == '__main__':
    main()
