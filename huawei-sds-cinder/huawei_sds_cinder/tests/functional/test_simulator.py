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
"""The simulator's command line (huawei-sds-cinder-simulator), run as a
process.

It runs as ``python -m huawei_sds_cinder.simulator`` (what the console
script calls, unit/test_simulator.py checks the entry point) from the
source tree under test: the installed console script would run the copy
of the package installed in the environment, which may be older.
"""

import os
import signal
import subprocess
import sys

from common_testing import net
from common_testing.simkit import process as simkit_process
import fixtures
import requests

import huawei_sds_cinder
from huawei_sds_cinder import client
from huawei_sds_cinder.tests import base

SIMULATOR = [sys.executable, '-m', 'huawei_sds_cinder.simulator']
SOURCE_ROOT = os.path.dirname(os.path.dirname(huawei_sds_cinder.__file__))


class ConsoleScriptTest(base.TestCase):

    def _start(self, *args):
        address = net.private_loopback()
        port = net.free_port(address)
        state_dir = self.useFixture(fixtures.TempDir()).path
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [SOURCE_ROOT, os.environ.get('PYTHONPATH')])))
        process = subprocess.Popen(
            SIMULATOR + ['--listen', address, '--port', str(port),
                         '--state-dir', state_dir, '--pool', '7:3'] +
            list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env=env)
        self.addCleanup(self._stop, process)
        self.info = simkit_process.wait_ready(process, 20)
        self.assertTrue(net.is_listening(address, port))
        self.process = process
        return client.VbsClient([address], port, read_timeout=5), state_dir

    def _stop(self, process):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()

    def test_serves_real_state_and_data_files(self):
        vbs, state_dir = self._start()
        vbs.request('CREATE_VOLUME_REQ', [('vol_name', 'v1'),
                                          ('vol_size', 2048),
                                          ('pool_id', '7')])
        pool = vbs.request('QUERY_POOLS_CAPABILITY_REQ',
                           [('pool_num', 1), ('pool_id', '7')])
        self.assertEqual({'total_capacity': '3', 'usable_capacity': '1'},
                         {k: pool.records('pool')[0][k] for k in
                          ('total_capacity', 'usable_capacity')})
        self.assertEqual(2048 * 1024 * 1024, os.path.getsize(
            os.path.join(state_dir, 'volumes', 'v1.img')))
        self.assertRaises(client.VbsRequestError, vbs.request,
                          'CREATE_VOLUME_REQ', [('vol_name', 'v2'),
                                                ('vol_size', 2048),
                                                ('pool_id', '7')])

    def test_fault_rule_from_command_line(self):
        vbs, _ = self._start(
            '--fault', '{"match": "^CREATE_VOLUME_REQ", "action": "fail"}')
        self.assertRaises(client.VbsRequestError, vbs.request,
                          'CREATE_VOLUME_REQ', [('vol_name', 'v1'),
                                                ('vol_size', 1),
                                                ('pool_id', '7')])

    def test_control_interface(self):
        vbs, _ = self._start('--control-port', '0')
        # The kit's control surface (common_testing.simkit), the same URLs
        # as every simulator's, and this simulator's additions.
        control = self.info['control_url'] + '/_sim'
        rule = requests.post(control + '/faults', timeout=5, json={
            'match': '^CREATE_VOLUME_REQ', 'action': 'fail'})
        self.assertEqual(200, rule.status_code)
        self.assertRaises(client.VbsRequestError, vbs.request,
                          'CREATE_VOLUME_REQ', [('vol_name', 'v1'),
                                                ('vol_size', 1),
                                                ('pool_id', '7')])
        self.assertEqual(1, requests.get(control + '/faults',
                                         timeout=5).json()[0]['fired'])
        requests.delete(control + '/faults', timeout=5)
        vbs.request('CREATE_VOLUME_REQ', [('vol_name', 'v1'),
                                          ('vol_size', 1), ('pool_id', '7')])
        # Each request logged with its status (the VBS retcode, or the
        # injected failure's) and duration.
        logged = requests.get(control + '/requests', timeout=5).json()
        self.assertEqual(2, len(logged))
        self.assertNotEqual(0, logged[0]['status'])
        self.assertEqual(0, logged[1]['status'])
        self.assertTrue(logged[1]['operation'].startswith(
            'CREATE_VOLUME_REQ vol_name=v1'))
        self.assertIsInstance(logged[1]['duration_ms'], float)
        self.assertEqual(['v1'], requests.get(
            control + '/inventory', timeout=5).json()['volume'])
        bad = requests.post(control + '/faults', timeout=5,
                            json={'match': 'x', 'action': 'explode'})
        self.assertEqual(400, bad.status_code)
        down = requests.post(control + '/addresses/' + vbs.addresses[0],
                             timeout=5, json={'up': False})
        self.assertEqual([], down.json()['listening'])
        self.assertRaises(client.VbsConnectionError, vbs.request,
                          'QUERY_VOLUME_REQ', [('vol_name', 'v1')])
        requests.post(control + '/addresses/' + vbs.addresses[0],
                      timeout=5, json={'up': True})
        vbs.request('QUERY_VOLUME_REQ', [('vol_name', 'v1')])
