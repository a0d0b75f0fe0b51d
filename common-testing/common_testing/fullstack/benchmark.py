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
"""End-to-end operations per second per backend, and where the time goes.

python -m common_testing.fullstack.benchmark [--clients N] [--volumes M]
[--vendor DIR ...] brings the stack up and, per backend, has N concurrent
API clients each create and delete M volumes (1 GiB).  It prints per
backend: volumes per second (create to available, and delete to gone),
and the split of a create's time between the API call (cinder-api's
answer to POST) and the rest (scheduler, cinder-volume, driver and
simulator, up to status available).  Statuses are polled every 0.5 s,
which bounds the resolution of the backend and delete columns.
"""

import argparse
import concurrent.futures
import shutil
import statistics
import sys
import time

from common_testing.fullstack import demo
from common_testing.fullstack import stack as stack_mod


def _one_client(stack, vtype, count):
    client = stack.client()
    api, backend, deletes = [], [], []
    for _index in range(count):
        started = time.monotonic()
        volume = client.volumes.create(1, volume_type=vtype)
        answered = time.monotonic()
        demo.wait_status(lambda: client.volumes.get(volume.id), 'available',
                         'volume %s' % volume.id)
        available = time.monotonic()
        client.volumes.delete(volume.id)
        demo.wait_gone(lambda: client.volumes.get(volume.id),
                       'volume %s' % volume.id)
        api.append(answered - started)
        backend.append(available - answered)
        deletes.append(time.monotonic() - available)
    return api, backend, deletes


def run(stack, clients, volumes, report=print):
    report('%-14s %8s %10s %10s %12s %10s' % (
        'backend', 'volumes', 'create+del', 'API ms', 'backend ms',
        'delete ms'))
    rows = {}
    for section in sorted(stack.sections):
        vtype = stack.volume_types[section]
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(
                lambda _c: _one_client(stack, vtype, volumes),
                range(clients)))
        elapsed = time.monotonic() - started
        api = [t for r in results for t in r[0]]
        backend = [t for r in results for t in r[1]]
        deletes = [t for r in results for t in r[2]]
        rows[section] = (len(api) / elapsed, statistics.median(api),
                         statistics.median(backend),
                         statistics.median(deletes))
        report('%-14s %8d %8.2f/s %10.0f %12.0f %10.0f' % (
            section, len(api), rows[section][0], rows[section][1] * 1000,
            rows[section][2] * 1000, rows[section][3] * 1000))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m common_testing.fullstack.benchmark')
    parser.add_argument('--clients', type=int, default=4)
    parser.add_argument('--volumes', type=int, default=5,
                        help='volumes each client creates and deletes')
    parser.add_argument('--vendor', action='append', default=None)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with stack_mod.Stack(vendors=args.vendor,
                         progress=lambda m: print('starting', m,
                                                  flush=True)) as stack:
        print('%d clients x %d volumes per backend; medians per volume'
              % (args.clients, args.volumes), flush=True)
        run(stack, args.clients, args.volumes,
            report=lambda line: print(line, flush=True))
    shutil.rmtree(stack.run_dir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
