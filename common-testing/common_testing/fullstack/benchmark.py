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
API clients each create and delete M volumes (1 GiB); one operation is one
volume created (to available) and deleted (to gone); statuses are polled
every 0.5 s, which bounds ops/s per client.  It prints one table:
operations per second per backend, then the mean and p95 per create of

- API: cinder-api's answer to the POST, timed by the client;
- queue+sched: scheduled_at - created_at of the volume's database row
  (RPC queue and cinder-scheduler);
- volume svc: launched_at - scheduled_at (cinder-volume's create flow:
  driver and simulator);
- and, where the simulator exposes it, the simulator's requests per
  operation (create and delete together).

The database columns are MariaDB DATETIME without fractional seconds
(cinder's models declare plain DateTime), so the two middle columns are
differences of whole seconds: a single value is only good to +-1 s, their
means over many volumes are what to read.  No simulator of ours exposes
the time it spends per request, so the simulator's share of "volume svc"
is not measured (see the fullstack README).
"""

import argparse
import concurrent.futures
import math
import shutil
import statistics
import sys
import time

from common_testing.fullstack import demo
from common_testing.fullstack import services
from common_testing.fullstack import stack as stack_mod


def percentile(values, percent):
    """The nearest-rank percentile of ``values`` (None if empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100.0 * len(ordered)))
    return ordered[rank - 1]


def service_split(rows):
    """(queue+sched, volume svc) seconds lists from volume DB rows.

    ``rows`` are (created_at, scheduled_at, launched_at) datetimes; rows
    missing a timestamp are skipped.
    """
    queue, service = [], []
    for created, scheduled, launched in rows:
        if created and scheduled and launched:
            queue.append((scheduled - created).total_seconds())
            service.append((launched - scheduled).total_seconds())
    return queue, service


def _mean_p95(values):
    if not values:
        return 'n/a'
    return '%.0f/%.0f' % (statistics.mean(values) * 1000,
                          percentile(values, 95) * 1000)


def format_header():
    return '%-12s %7s %7s %13s %13s %13s %10s' % (
        'backend', 'ops', 'ops/s', 'API', 'queue+sched', 'volume-svc',
        'sim-req/op')


def format_row(section, ops, rate, api, queue, service, requests_per_op):
    """One table line; times as 'mean/p95' milliseconds."""
    sim = ('n/a' if requests_per_op is None
           else '%.1f' % requests_per_op)
    return '%-12s %7d %7.2f %13s %13s %13s %10s' % (
        section, ops, rate, _mean_p95(api), _mean_p95(queue),
        _mean_p95(service), sim)


def _one_client(stack, vtype, count):
    client = stack.client()
    api, ids = [], []
    for _index in range(count):
        started = time.monotonic()
        volume = client.volumes.create(1, volume_type=vtype)
        api.append(time.monotonic() - started)
        ids.append(volume.id)
        demo.wait_status(lambda: client.volumes.get(volume.id), 'available',
                         'volume %s' % volume.id)
        client.volumes.delete(volume.id)
        demo.wait_gone(lambda: client.volumes.get(volume.id),
                       'volume %s' % volume.id)
    return api, ids


def volume_timestamps(stack, volume_ids):
    """(created_at, scheduled_at, launched_at) of the volumes' rows.

    Deleted volumes stay in the table (soft delete), so this works after
    the run.
    """
    import pymysql
    database = stack.database
    connection = pymysql.connect(
        host=services.MYSQL_HOST, port=services.MYSQL_PORT,
        user=database.user, password=database.password,
        database=database.name, connect_timeout=10)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT created_at, scheduled_at, launched_at FROM volumes'
                ' WHERE id IN (%s)' % ', '.join(['%s'] * len(volume_ids)),
                list(volume_ids))
            return list(cursor.fetchall())
    finally:
        connection.close()


def request_counter(stack, section):
    """A callable returning the simulator's request count so far, or None.

    Each vendor's backend knows how its simulator counts requests
    (Backend.request_counter); the others expose no count.
    """
    return stack.vendors[section].request_counter(stack.sections[section])


def run(stack, clients, volumes, report=print):
    report(format_header())
    rows = {}
    for section in sorted(stack.sections):
        vtype = stack.volume_types[section]
        counter = request_counter(stack, section)
        before = counter() if counter else None
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(
                lambda _c: _one_client(stack, vtype, volumes),
                range(clients)))
        elapsed = time.monotonic() - started
        api = [t for r in results for t in r[0]]
        ids = [i for r in results for i in r[1]]
        per_op = ((counter() - before) / len(ids)) if counter else None
        queue, service = service_split(volume_timestamps(stack, ids))
        rows[section] = (len(ids), len(ids) / elapsed, api, queue, service,
                         per_op)
        report(format_row(section, *rows[section]))
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
        print('%d clients x %d volumes per backend; an op is one volume '
              'created and deleted; times per create, mean/p95 in ms'
              % (args.clients, args.volumes), flush=True)
        run(stack, args.clients, args.volumes,
            report=lambda line: print(line, flush=True))
    shutil.rmtree(stack.run_dir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
