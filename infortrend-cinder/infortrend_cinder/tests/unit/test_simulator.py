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
"""The simulator's output framing, byte for byte, and its state rules."""

import os
import subprocess
import sys

from common_testing import plain_install
from common_testing.simkit import faults
from common_testing.simkit import process
import ddt
import fixtures
import requests

from infortrend_cinder import client
from infortrend_cinder.simulator import __main__ as cli
from infortrend_cinder.simulator import server
from infortrend_cinder.simulator import state
from infortrend_cinder.tests import base


class ShellTestBase(base.TestCase):
    """A raidcmd session on a new array, under its own control surface."""

    def setUp(self):
        super().setUp()
        self.state_dir = self.useFixture(fixtures.TempDir()).path
        state.Array.create(self.state_dir, state.default_config(
            san_ip='127.0.0.9', password='pw'))
        self.surface = faults.ControlSurface()
        self.shell = server.Shell(self.state_dir, surface=self.surface)


@ddt.ddt
class ShellFramingTest(ShellTestBase):

    def test_reply_framing(self):
        text = self.shell.handle('connect 127.0.0.9 password=pw -notiOn')
        self.assertEqual('CLI: Successful: connected to 127.0.0.9\n'
                         'Return: 0x0000\n\nRAIDCmd:> ', text)

    def test_commands_need_a_connection(self):
        text = self.shell.handle('show lv')
        self.assertTrue(text.startswith('CLI: No selected device\n'
                                        'Return: 0x000c\n'))

    @ddt.data('show part', 'show map', 'show si', 'show replica -l')
    def test_empty_result_has_fewer_than_six_lines(self, command):
        self.shell.connected = True
        # The terminal adds the echo line in front of the reply.
        lines = (command + '\n' + self.shell.handle(command)).split('\n')
        self.assertLess(len(lines), 6)
        rc, _, body = client.split_reply('\n'.join(lines))
        self.assertEqual((0, []), (rc, body))

    def test_table_layout(self):
        self.shell.connected = True
        text = self.shell.handle('show lv')
        header, dashes, row = text.split('\n')[:3]
        self.assertTrue(header.startswith(' ID  '))
        self.assertEqual({'-'}, set(dashes))
        cells = row.split()
        self.assertEqual(16, len(cells[0]))
        self.assertIn('  LV-1  ', row)

    @ddt.data('show lv -y', 'delete part 0000000000000001 -y extra',
              'create part 0000000000000001 x size=1 evil=1', 'frobnicate')
    def test_unknown_parameters_are_refused(self, command):
        self.shell.connected = True
        rc, message, _ = client.split_reply('echo\n' +
                                            self.shell.handle(command))
        self.assertEqual(server.RC_INVALID, rc)
        self.assertIn('Invalid', message)

    def test_initiator_entry_settings_are_kept_and_listed(self):
        self.shell.connected = True
        reply = self.shell.handle(
            'create iqn iqn.1994-05.com.redhat:h1 .redhat:h1 user=u1 '
            'password=p1 target=t1 target-password=p2 ip=10.0.0.1 '
            'mask=255.0.0.0')
        self.assertIn('Return: 0x0000', reply)
        reply = self.shell.handle('create iqn iqn.1994-05.com.redhat:h2 h2')
        self.assertIn('Return: 0x0000', reply)
        rc, _, body = client.split_reply('show iqn\n' +
                                         self.shell.handle('show iqn'))
        self.assertEqual(0, rc)
        entries = {e['Name']: e for e in client.parse_iqn_list(body)}
        self.assertEqual(
            {'IQN': 'iqn.1994-05.com.redhat:h1', 'User': 'u1',
             'Password': 'p1', 'Target': 't1', 'Target-Password': 'p2',
             'IP': '10.0.0.1', 'Mask': '255.0.0.0'},
            {k: v for k, v in entries['.redhat:h1'].items() if k != 'Name'})
        self.assertEqual(('---', '0.0.0.0'), (entries['h2']['User'],
                                              entries['h2']['IP']))
        reply = self.shell.handle('create iqn iqn.x:h3 h3 chap=1')
        self.assertIn('Return: 0x0002', reply)

    def test_spinner_is_printed_before_the_header(self):
        self.shell.connected = True
        self.shell.handle('connect 127.0.0.9 password=pw')
        cli.main(['set', '--state-dir', self.state_dir, '--spinner', 'on'])
        text = self.shell.handle('show lv')
        self.assertTrue(text.startswith(server.SPINNER + ' ID'))
        [lv] = client.parse_table(client.clean_lines(text), 'ID')
        self.assertEqual('LV-1', lv['Name'])


class FaultsTest(ShellTestBase):
    """Fault rules and the request log: the kit's one control surface."""

    def setUp(self):
        super().setUp()
        self.shell.connected = True

    def test_failure_is_the_rules_return_code_and_logged(self):
        self.surface.plan.add({'match': '^create part', 'action': 'fail',
                               'status': 9, 'message': 'Not connected'})
        lv_id = sorted(self.read()['lvs'])[0]
        text = self.shell.handle('create part %s v1 size=1024' % lv_id)
        self.assertIn('CLI: Not connected\nReturn: 0x0009', text)
        self.assertEqual({}, self.read()['parts'])
        self.shell.handle('show lv')
        self.assertEqual([('create part %s v1 size=1024' % lv_id, 9),
                          ('show lv', 0)],
                         [(e['operation'], e['status'])
                          for e in self.surface.requests.entries()])

    def test_lost_reply_keeps_the_change_and_drops_the_session(self):
        self.surface.plan.add({'match': '^create part',
                               'action': 'lose_response'})
        lv_id = sorted(self.read()['lvs'])[0]
        self.assertRaises(server.Dropped, self.shell.handle,
                          'create part %s v1 size=1024' % lv_id)
        self.assertEqual(['v1'], [p['name'] for p in
                                  self.read()['parts'].values()])

    def test_a_delayed_command_of_a_gone_client_does_not_run(self):
        self.surface.plan.add({'match': '^create part', 'action': 'delay',
                               'seconds': 0.01})
        self.shell.peer_gone = lambda: True
        lv_id = sorted(self.read()['lvs'])[0]
        self.assertRaises(server.Dropped, self.shell.handle,
                          'create part %s v1 size=1024' % lv_id)
        self.assertEqual({}, self.read()['parts'])

    def test_the_password_is_not_logged(self):
        self.shell.handle('connect 127.0.0.9 password=pw')
        [entry] = self.surface.requests.entries()
        self.assertEqual('connect 127.0.0.9 password=***',
                         entry['operation'])

    def read(self):
        with state.Array.open(self.state_dir, save=False) as array:
            return array.data


class ArrayProcessTest(base.TestCase):
    """``serve``: local (-jar) sessions relayed to one array process."""

    def test_rules_set_over_http_apply_to_local_sessions(self):
        state_dir = self.useFixture(fixtures.TempDir()).path
        program = [sys.executable, '-m', 'infortrend_cinder.simulator']
        subprocess.run(program + ['init', '--state-dir', state_dir,
                                  '--password', 'pw'], check=True,
                       timeout=60)
        array = subprocess.Popen(program + ['serve', '--state-dir',
                                            state_dir],
                                 stdout=subprocess.PIPE)
        self.addCleanup(array.stdout.close)
        self.addCleanup(array.wait, 10)
        self.addCleanup(process.stop_pid, array.pid, 5)
        info = process.wait_ready(array, 30)
        self.assertEqual(server.socket_path(state_dir), info['socket'])
        faults_url = info['control_url'] + faults.FAULTS_PATH
        requests.post(faults_url, timeout=10, json={
            'match': '^show lv', 'action': 'fail', 'status': 12,
            'message': 'No selected device'}).raise_for_status()
        session = subprocess.run(
            program + ['-jar', state_dir], input=b'connect 127.0.0.1 '
            b'password=pw\nshow lv\nexit\n', capture_output=True,
            timeout=60)
        self.assertIn(b'Return: 0x000c', session.stdout)
        self.assertEqual(1, requests.get(faults_url, timeout=10).json()[0]
                         ['fired'])
        logged = requests.get(info['control_url'] + faults.REQUESTS_PATH,
                              timeout=10).json()
        self.assertEqual([('connect 127.0.0.1 password=***', 0),
                          ('show lv', 12)],
                         [(e['operation'], e['status']) for e in logged])


class ArrayRulesTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.state_dir = self.useFixture(fixtures.TempDir()).path
        state.Array.create(self.state_dir, state.default_config())

    def _array(self):
        return state.Array.open(self.state_dir)

    def test_partition_data_is_a_sparse_file_of_its_size(self):
        with self._array() as array:
            lv_id = sorted(array.data['lvs'])[0]
            part_id = array.create_part(lv_id, 'v', 1024)
            path = array.part_path(part_id)
        self.assertEqual(1024 ** 3, os.path.getsize(path))
        self.assertLess(os.stat(path).st_blocks * 512, 1024 ** 2)

    def test_snapshot_keeps_the_data_of_its_time(self):
        with self._array() as array:
            lv_id = sorted(array.data['lvs'])[0]
            part_id = array.create_part(lv_id, 'v', 16)
            with open(array.part_path(part_id), 'r+b') as f:
                f.seek(3 * state.MB)
                f.write(b'before')
            si_id = array.create_si(part_id, 's')
            with open(array.part_path(part_id), 'r+b') as f:
                f.seek(3 * state.MB)
                f.write(b'after!')
            target = array.create_part(lv_id, 't', 32)
            array.create_replica('Cinder-Snapshot', 'si', si_id, target)
            with open(array.part_path(target), 'rb') as f:
                f.seek(3 * state.MB)
                self.assertEqual(b'before', f.read(6))
            self.assertEqual(32 * state.MB,
                             os.path.getsize(array.part_path(target)))

    def test_mapped_partition_cannot_be_deleted(self):
        with self._array() as array:
            lv_id = sorted(array.data['lvs'])[0]
            part_id = array.create_part(lv_id, 'v', 16)
            array.create_map(part_id, 1, 0, 0, 'iqn.2026-11.invalid:h')
            exc = self.assertRaises(state.ArrayError, array.delete_part,
                                    part_id)
            self.assertEqual(20, exc.rc)
            exc = self.assertRaises(state.ArrayError, array.create_map,
                                    part_id, 1, 0, 0,
                                    'iqn.2026-11.invalid:h')
            self.assertEqual(20, exc.rc)

    def test_replica_progress_follows_the_clock(self):
        with self._array() as array:
            job = {'type': 'Copy', 'started': 0, 'seconds': -1}
            self.assertEqual(('Copy', '37%'), array.replica_status(job))
            job['seconds'] = 1
            self.assertEqual(('Completed', '---'),
                             array.replica_status(job))


class ConsoleScriptTest(plain_install.SimulatorScriptTests, base.TestCase):
    """The console script from a plain install (no simulator extra)."""

    module = 'infortrend_cinder.simulator.__main__'
    dist = 'infortrend-cinder'

    def extra_runs(self):
        return [['shell', '--state-dir',
                 self.useFixture(fixtures.TempDir()).path]]
