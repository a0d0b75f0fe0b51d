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
"""simkit.process: pid checks, stop by pid, the ready line."""

import io
import os
import subprocess
import sys
import textwrap

from common_testing.simkit import process
from common_testing.tests import base


def python(code):
    return subprocess.Popen([sys.executable, '-c', textwrap.dedent(code)],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)


class TestProcess(base.TestCase):

    def start(self, code):
        child = python(code)
        self.addCleanup(child.stdout.close)
        self.addCleanup(child.wait)
        self.addCleanup(process.stop_pid, child.pid, timeout=5)
        return child

    def test_ready_line_round_trip(self):
        out = io.StringIO()
        process.announce_ready({'address': '127.0.0.1', 'port': 80},
                               stream=out)
        line = out.getvalue()
        self.assertTrue(line.startswith(process.READY_PREFIX))
        info = process.parse_ready_line(line)
        self.assertEqual(80, info['port'])
        self.assertIn('pid', info)
        self.assertIsNone(process.parse_ready_line('listening on 1.2.3.4'))
        self.assertIsNone(process.parse_ready_line('READY not-json'))

    def test_wait_ready_skips_other_lines_then_stop_pid(self):
        child = self.start('''
            import time
            from common_testing.simkit import process
            print('starting', flush=True)
            process.announce_ready({'port': 1234})
            time.sleep(60)
            ''')
        info = process.wait_ready(child, timeout=20)
        self.assertEqual(1234, info['port'])
        self.assertEqual(child.pid, info['pid'])
        self.assertTrue(process.pid_alive(child.pid))
        process.stop_pid(child.pid, timeout=5)
        child.wait(timeout=5)
        self.assertFalse(process.pid_alive(child.pid))

    def test_wait_ready_names_an_early_exit_and_its_output(self):
        child = self.start('print("bad option --x"); raise SystemExit(2)')
        error = self.assertRaises(process.NotReady, process.wait_ready,
                                  child, timeout=20, what='sim')
        self.assertIn('sim exited with 2', str(error))
        self.assertIn('bad option --x', str(error))

    def test_wait_ready_times_out(self):
        child = self.start('import time; time.sleep(60)')
        error = self.assertRaises(process.NotReady, process.wait_ready,
                                  child, timeout=0.3)
        self.assertIn('no ready line', str(error))

    def test_stop_pid_kills_what_ignores_sigterm(self):
        child = self.start('''
            import signal, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print('READY {}', flush=True)
            time.sleep(60)
            ''')
        process.wait_ready(child, timeout=20)
        process.stop_pid(child.pid, timeout=0.5)
        child.wait(timeout=5)
        self.assertFalse(process.pid_alive(child.pid))

    def test_processes_names_each_with_its_parent_and_group(self):
        child = self.start('import time; time.sleep(60)')
        table = {pid: (name, fields)
                 for pid, name, fields in process.processes()}
        name, fields = table[child.pid]
        self.assertTrue(name.startswith('python'), name)
        self.assertEqual(os.getpid(), int(fields[1]))    # ppid
        self.assertTrue(process.group_alive(int(fields[2])))
        process.stop_pid(child.pid, timeout=5)
        child.wait(timeout=5)
        self.assertNotIn(child.pid, [pid for pid, _n, _f
                                     in process.processes()])

    def test_pid_alive_of_a_missing_pid(self):
        self.assertFalse(process.pid_alive(2 ** 22 + 1))
