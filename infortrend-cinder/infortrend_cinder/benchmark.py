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
"""Benchmark: CLI commands and wall time per operation; prints numbers.

    python -m infortrend_cinder.benchmark [--partitions 10000] [--repeat 50]

Needs cinder and common-testing (a test environment).  It measures, against
the simulator on loopback:

* commands and milliseconds per cinder operation, over the local pty and
  the SSH transports;
* one command on the live session against a fresh raidcmd process per
  command (the legacy 1.x way), and the floor a reader that polls its
  terminal every 0.5 s would have;
* get_volume_stats with many partitions on the array.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

LEGACY_POLL_SECONDS = 0.5


def _simulator():
    candidate = os.path.join(os.path.dirname(sys.executable),
                             'infortrend-cinder-simulator')
    return candidate if os.path.exists(candidate) else shutil.which(
        'infortrend-cinder-simulator')


class Bench(object):

    def __init__(self, workdir):
        from infortrend_cinder.simulator import state
        self.state = state
        self.workdir = workdir
        self.state_dir = os.path.join(workdir, 'array')
        os.makedirs(self.state_dir)
        self.password = 'bench-%d' % os.getpid()
        config = state.default_config(san_ip='127.0.0.1',
                                      password=self.password,
                                      pools=[('LV-1', 64 * 1024 * 1024)])
        config['replica_seconds'] = 0.0
        state.Array.create(self.state_dir, config)
        self.server = None

    def options(self, transport):
        options = {
            'volume_driver':
                'infortrend_cinder.fc.InfortrendCLIFCDriver',
            'san_ip': '127.0.0.1', 'san_password': self.password,
            'infortrend_pools_name': 'LV-1',
            'infortrend_slots_a_channels_id': '0,4',
            'infortrend_replica_poll_interval': 0.01,
            'java_path': _simulator(),
            'infortrend_cli_path': self.state_dir,
        }
        if transport == 'ssh':
            options.update(self._start_ssh())
        return options

    def _start_ssh(self):
        key = os.path.join(self.workdir, 'host_key')
        port_file = os.path.join(self.workdir, 'port')
        self.server = subprocess.Popen(
            [_simulator(), 'ssh', '--state-dir', self.state_dir,
             '--listen', '127.0.0.1', '--host-key', key, '--user', 'bench',
             '--password', self.password, '--port-file', port_file],
            stdout=subprocess.DEVNULL)
        while not os.path.exists(port_file):
            time.sleep(0.05)
        with open(port_file) as f:
            port = int(f.read())
        with open(key + '.pub') as f:
            kind, blob = f.read().split()[:2]
        known = os.path.join(self.workdir, 'known_hosts')
        with open(known, 'w') as f:
            f.write('[127.0.0.1]:%d %s %s\n' % (port, kind, blob))
        return {'infortrend_cli_transport': 'ssh', 'san_login': 'bench',
                'san_ssh_port': port,
                'infortrend_ssh_known_hosts_file': known}

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            os.kill(self.server.pid, signal.SIGTERM)
            self.server.wait()
        self.server = None


def _measure(client, func):
    before = client.commands_sent
    started = time.perf_counter()
    result = func()
    return result, client.commands_sent - before, \
        (time.perf_counter() - started) * 1000


def operations(bench, transport):
    from cinder.tests.unit import fake_snapshot
    from cinder.tests.unit import fake_volume
    from common_testing import driver_loader
    rows = []
    with driver_loader.LoadedDriver(bench.options(transport),
                                    backend_name='bench') as loaded:
        driver = loaded.driver
        client = driver.client
        ctx = loaded.context

        def volume():
            return fake_volume.fake_volume_obj(
                ctx, id=str(uuid.uuid4()), size=1,
                host=loaded.host + '#LV-1', provider_location=None)
        connector = {'wwpns': ['10000090fa000001'], 'host': 'bench',
                     'initiator': 'iqn.2026-11.invalid:bench'}
        vol = volume()
        update, n, ms = _measure(client, lambda: driver.create_volume(vol))
        vol.update(update)
        rows.append(('create_volume', n, ms))
        snap = fake_snapshot.fake_snapshot_obj(
            ctx, id=str(uuid.uuid4()), volume_size=1, provider_location=None)
        snap.volume = vol
        update, n, ms = _measure(client, lambda: driver.create_snapshot(snap))
        snap.provider_location = update['provider_location']
        rows.append(('create_snapshot', n, ms))
        clone = volume()
        update, n, ms = _measure(
            client, lambda: driver.create_cloned_volume(clone, vol))
        clone.update(update)
        rows.append(('create_cloned_volume', n, ms))
        from_snap = volume()
        update, n, ms = _measure(
            client, lambda: driver.create_volume_from_snapshot(from_snap,
                                                               snap))
        from_snap.update(update)
        rows.append(('create_volume_from_snapshot', n, ms))
        rows.append(('initialize_connection',) + _measure(
            client, lambda: driver.initialize_connection(vol, connector))[1:])
        rows.append(('terminate_connection',) + _measure(
            client, lambda: driver.terminate_connection(vol, connector))[1:])
        rows.append(('extend_volume',) + _measure(
            client, lambda: driver.extend_volume(vol, 2))[1:])
        rows.append(('get_volume_stats',) + _measure(
            client, lambda: driver.get_volume_stats(True))[1:])
        rows.append(('delete_snapshot',) + _measure(
            client, lambda: driver.delete_snapshot(snap))[1:])
        for name, obj in (('delete_volume', vol), ('delete_volume', clone),
                          ('delete_volume', from_snap)):
            row = (name,) + _measure(client,
                                     lambda: driver.delete_volume(obj))[1:]
        rows.append(row)
        driver.close()
    bench.stop()
    return rows


def session_cost(bench, repeat):
    from infortrend_cinder import client as client_mod

    def factory():
        return client_mod.LocalTerminal([_simulator(), '-jar',
                                         bench.state_dir])
    live = client_mod.RaidcmdClient(factory, '127.0.0.1', bench.password)
    live.show_lv()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        live.show_lv()
        samples.append((time.perf_counter() - started) * 1000)
    live.close()
    fresh = []
    for _ in range(max(3, repeat // 10)):
        started = time.perf_counter()
        one = client_mod.RaidcmdClient(factory, '127.0.0.1', bench.password)
        one.show_lv()
        one.close()
        fresh.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), statistics.median(fresh)


def stats_with_partitions(bench, count):
    from common_testing import driver_loader
    with bench.state.Array.open(bench.state_dir) as array:
        lv_id = sorted(array.data['lvs'])[0]
        for index in range(count):
            array.data['parts']['%016X' % (index + 1)] = {
                'name': 'bench-%d' % index, 'lv': lv_id, 'size': 1024,
                'min': 0, 'used': 0, 'tier': None, 'created': '---',
                'modified': '---', 'migrate_until': 0, 'seq': index}
    with driver_loader.LoadedDriver(bench.options('local'),
                                    backend_name='bench') as loaded:
        client = loaded.driver.client
        _, n, ms = _measure(client,
                            lambda: loaded.driver.get_volume_stats(True))
        loaded.driver.close()
    return n, ms


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--partitions', type=int, default=10000)
    parser.add_argument('--repeat', type=int, default=50)
    args = parser.parse_args(argv)
    from cinder import objects
    objects.register_all()
    for transport in ('local', 'ssh'):
        with tempfile.TemporaryDirectory() as workdir:
            rows = operations(Bench(workdir), transport)
        print('\n%s transport' % transport)
        print('%-30s %9s %10s' % ('operation', 'commands', 'ms'))
        for name, commands, ms in rows:
            print('%-30s %9d %10.1f' % (name, commands, ms))
    with tempfile.TemporaryDirectory() as workdir:
        live_ms, fresh_ms = session_cost(Bench(workdir), args.repeat)
    print('\none "show lv": live session %.2f ms (median of %d); fresh '
          'raidcmd process per command %.1f ms; a reader polling every '
          '%.1f s pays >= %.0f ms'
          % (live_ms, args.repeat, fresh_ms, LEGACY_POLL_SECONDS,
             LEGACY_POLL_SECONDS * 1000))
    with tempfile.TemporaryDirectory() as workdir:
        commands, ms = stats_with_partitions(Bench(workdir), args.partitions)
    print('get_volume_stats with %d partitions: %d commands, %.1f ms'
          % (args.partitions, commands, ms))
    return 0


if __name__ == '__main__':
    sys.exit(main())
