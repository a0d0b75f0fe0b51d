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
"""The simulator through the real client, over verified TLS."""

import os
import subprocess
import sys

import fixtures
import requests

from common_testing import faults
from common_testing import net
from pure_cinder import client
from pure_cinder.tests import base
from pure_cinder.tests.functional import fixtures as pure_fixtures

GiB = 1024 ** 3


class SimulatorThroughClientTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(pure_fixtures.Simulator(page_size=2))
        self.client = client.FlashArrayClient(
            self.sim.target, self.sim.api_token, verify=self.sim.ca_path,
            retry_timeout=5, backoff_max=0.05)

    def _data(self, name):
        volume = self.sim.array.volumes[name]
        return self.sim.array._data_path(volume['id'])

    def test_tls_is_verified_against_the_ca(self):
        untrusting = client.FlashArrayClient(self.sim.target, 'x',
                                             verify=True)
        exc = self.assertRaises(client.ArrayUnreachable, untrusting.login)
        self.assertIn('TLS verification', str(exc))

    def test_negotiates_highest_2x_and_rejects_bad_token(self):
        self.client.login()
        self.assertEqual('2.36', self.client.api_version)
        bad = client.FlashArrayClient(self.sim.target, 'wrong',
                                      verify=self.sim.ca_path)
        self.assertRaises(client.AuthenticationFailed, bad.login)

    def test_volume_lifecycle_and_destroyed_name_rules(self):
        created = self.client.create_volume('v1', provisioned=GiB)
        self.assertEqual(GiB, created['provisioned'])
        self.assertEqual(24, len(created['serial']))
        self.assertRaises(client.AlreadyExists, self.client.create_volume,
                          'v1', provisioned=GiB)
        self.client.patch_volume('v1', destroyed=True)
        self.assertTrue(self.client.get_volume('v1')['destroyed'])
        exc = self.assertRaises(client.Destroyed, self.client.create_volume,
                                'v1', provisioned=GiB)
        self.assertNotIn('already exists', exc.message)
        self.client.eradicate_volume('v1')
        self.assertRaises(client.NotFound, self.client.get_volume, 'v1')
        self.client.create_volume('v1', provisioned=GiB)

    def test_eradicate_requires_destroy_first(self):
        self.client.create_volume('v1', provisioned=GiB)
        self.assertRaises(client.PureError, self.client.eradicate_volume,
                          'v1')
        self.assertIn('v1', self.sim.array.volumes)

    def test_snapshots_and_clones_copy_real_data(self):
        self.client.create_volume('v1', provisioned=GiB)
        with open(self._data('v1'), 'r+b') as data:
            data.seek(12345)
            data.write(b'pure data')
        snap = self.client.create_volume_snapshot('v1', 'snap-1')
        self.assertEqual('v1.snap-1', snap['name'])
        with open(self._data('v1'), 'r+b') as data:
            data.seek(12345)
            data.write(b'changed!!')
        self.client.create_volume('v2', source='v1.snap-1',
                                  provisioned=2 * GiB)
        with open(self._data('v2'), 'rb') as data:
            data.seek(12345)
            self.assertEqual(b'pure data', data.read(9))
        self.assertEqual(2 * GiB, os.path.getsize(self._data('v2')))
        # revert: overwrite from the snapshot
        self.client.create_volume('v1', source='v1.snap-1', overwrite=True)
        with open(self._data('v1'), 'rb') as data:
            data.seek(12345)
            self.assertEqual(b'pure data', data.read(9))

    def test_hosts_connections_and_filters(self):
        self.client.create_volume('v1', provisioned=GiB)
        self.client.create_host('h1', iqns=['iqn.1993-08.org.debian:01:a'])
        self.assertRaises(client.InUse, self.client.create_host, 'h2',
                          iqns=['iqn.1993-08.org.debian:01:a'])
        found = self.client.find_hosts(
            "iqns='iqn.1993-08.org.debian:01:a' and is_local")
        self.assertEqual(['h1'], [h['name'] for h in found])
        self.assertEqual([], self.client.find_hosts(
            "iqns='iqn.other' and is_local"))
        conn = self.client.connect('h1', 'v1')
        self.assertEqual(1, conn['lun'])
        self.assertRaises(client.AlreadyExists, self.client.connect,
                          'h1', 'v1')
        self.assertRaises(client.InUse, self.client.delete_host, 'h1')
        self.client.disconnect('h1', 'v1')
        self.assertRaises(client.NotFound, self.client.disconnect,
                          'h1', 'v1')
        self.client.delete_host('h1')
        self.assertRaises(client.NotFound, self.client.get_host, 'h1')

    def test_paging_returns_every_item(self):
        for n in range(5):
            self.client.create_volume('v%d' % n, provisioned=GiB)
        names = sorted(v['name'] for v in self.client.list('volumes'))
        self.assertEqual(['v0', 'v1', 'v2', 'v3', 'v4'], names)
        self.assertGreaterEqual(
            self.sim.server.request_count('GET /api/2.36/volumes'), 3)

    def test_expired_session_is_renewed(self):
        self.client.get_array()
        self.sim.server.expire_sessions()
        self.assertEqual('sim-fa', self.client.get_array()['name'])

    def test_injected_busy_reply_is_retried(self):
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^GET /api/2\.\d+/arrays$', faults.FAIL, status=429,
            message='Too many requests', count=2))
        self.assertEqual('sim-fa', self.client.get_array()['name'])
        self.assertEqual(2, len(self.sim.server.surface.plan.fired))

    def test_control_urls_are_the_simulator_kits(self):
        control = 'https://%s/_sim/' % self.sim.target
        added = requests.post(control + 'faults', verify=self.sim.ca_path,
                              timeout=10, json={
                                  'match': r'^GET /api/2\.\d+/arrays$',
                                  'action': 'fail', 'status': 503,
                                  'message': 'busy'})
        self.assertEqual(200, added.status_code, added.text)
        self.assertEqual('sim-fa', self.client.get_array()['name'])
        log = requests.get(control + 'requests', verify=self.sim.ca_path,
                           timeout=10).json()
        arrays = [e for e in log if e['operation'].endswith('/arrays')]
        self.assertEqual([503, 200], [e['status'] for e in arrays])
        self.assertTrue(all(e['duration_ms'] >= 0 for e in arrays))
        cleared = requests.delete(control + 'faults',
                                  verify=self.sim.ca_path, timeout=10)
        self.assertEqual([], cleared.json())
        self.assertEqual(404, requests.get(
            'https://%s/sim/faults' % self.sim.target,
            verify=self.sim.ca_path, timeout=10).status_code)

    def test_lost_create_response_is_connection_lost(self):
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^POST /api/2\.\d+/volumes$', faults.LOSE_RESPONSE))
        self.assertRaises(client.ConnectionLost, self.client.create_volume,
                          'v1', provisioned=GiB)
        self.assertIn('v1', self.sim.array.volumes)


class ConsoleScriptTest(base.TestCase):

    def _start(self, *options):
        workdir = self.useFixture(fixtures.TempDir()).path
        address = net.private_loopback()
        port = net.free_port(address)
        proc = subprocess.Popen(
            [sys.executable, '-m', 'pure_cinder.simulator', '--listen',
             address, '--port', str(port), '--state-dir',
             os.path.join(workdir, 'state')] + [
                 o.replace('WORKDIR', workdir) for o in options],
            env=dict(os.environ, PURE_SIM_API_TOKEN='tok'),
            stdout=subprocess.PIPE, text=True)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        return proc, address, port, workdir

    def test_console_script_serves_plain_http(self):
        proc, address, port, _workdir = self._start('--http')
        line = proc.stdout.readline()
        self.assertIn('http://%s:%d' % (address, port), line)
        http_client = client.FlashArrayClient(
            'http://%s:%d' % (address, port), 'tok')
        self.assertEqual('sim-flasharray', http_client.get_array()['name'])

    def test_console_script_generates_a_verifiable_certificate(self):
        proc, address, port, workdir = self._start(
            '--generate-cert', 'WORKDIR/tls')
        line = proc.stdout.readline()
        self.assertIn('https://%s:%d' % (address, port), line)
        https_client = client.FlashArrayClient(
            '%s:%d' % (address, port), 'tok',
            verify=os.path.join(workdir, 'tls', 'ca.pem'))
        self.assertEqual('sim-flasharray', https_client.get_array()['name'])
