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
"""The driver under cinderlib: clone and volume-from-snapshot (issue 14).

cinderlib builds a clone or a volume from a snapshot by copying the
source volume's fields, provider_id included, into the new volume object;
the driver must name the new volume from its own id.  cinderlib runs in a
process of its own (cinderlib_worker) against the simulator of this test.
"""

import json
import subprocess
import sys

from pure_cinder.tests.functional import cinderlib_worker
from pure_cinder.tests.functional import fixtures

GiB = fixtures.GiB


class CinderlibLifecycleTest(fixtures.DriverAgainstSimulator):

    def _start_worker(self):
        options = self.backend_options()
        process = subprocess.Popen(
            [sys.executable, '-m',
             'pure_cinder.tests.functional.cinderlib_worker'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.addCleanup(process.kill)
        process.stdin.write(json.dumps({'options': options}) + '\n')
        process.stdin.flush()
        for line in process.stdout:
            if line.startswith(cinderlib_worker.RESULT):
                return process, json.loads(
                    line[len(cinderlib_worker.RESULT):])
        process.stdin.close()
        self.fail('cinderlib worker failed: %s' % process.stderr.read())

    def _finish(self, process, command):
        out, err = process.communicate(command + '\n', timeout=120)
        self.assertEqual(0, process.returncode, err)

    def test_clone_and_volume_from_snapshot_are_new_volumes(self):
        process, steps = self._start_worker()
        names = {key: 'volume-%s-cinder' % steps[key]['id']
                 for key in ('source', 'from_snapshot', 'clone')}
        for key, name in names.items():
            self.assertEqual(name, steps[key]['provider_id'])
        self.assertEqual(3, len(set(names.values())))
        volumes = self.array.volumes
        for key, size in (('source', 1), ('from_snapshot', 2),
                          ('clone', 4)):
            self.assertEqual(size * GiB, volumes[names[key]]['provisioned'])
            self.assertFalse(volumes[names[key]]['destroyed'])
        snapshot_name = '%s.snapshot-%s' % (names['source'],
                                            steps['snapshot']['id'])
        self.assertEqual(snapshot_name, steps['snapshot']['provider_id'])
        self.assertIn(snapshot_name, self.array.snapshots)
        self._finish(process, 'delete')
        live = [n for n, v in self.array.volumes.items()
                if not v['destroyed']]
        self.assertEqual([], live)
        self.assertEqual([], [n for n, s in self.array.snapshots.items()
                              if not s['destroyed']])
