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
"""The race worker's side: operations reach the driver, each line answers."""

import io
import json
from unittest import mock

from common_testing import race
from common_testing.tests import base


class TestRaceWorker(base.TestCase):

    def test_operations_call_the_driver_with_the_objects_made(self):
        driver = mock.Mock()
        driver.initialize_connection.return_value = {
            'data': {'target_lun': 7}}
        driver.create_cloned_volume.return_value = {'provider_id': 'p'}
        run = race.operations(driver, lambda spec: ('vol', spec),
                              lambda spec, vol: ('snap', spec, vol))
        self.assertEqual(7, run('attach', {'volume': 'v1',
                                           'connector': {'host': 'h'}}))
        driver.initialize_connection.assert_called_once_with(
            ('vol', 'v1'), {'host': 'h'})
        self.assertEqual({'provider_id': 'p'},
                         run('clone', {'volume': 'v2', 'source': 'v1'}))
        driver.create_cloned_volume.assert_called_once_with(
            ('vol', 'v2'), ('vol', 'v1'))
        run('from_snapshot', {'volume': 'v3', 'snapshot': 's1',
                              'source': 'v1'})
        driver.create_volume_from_snapshot.assert_called_once_with(
            ('vol', 'v3'), ('snap', 's1', 'v1'))
        self.assertIsNone(run('delete', {'volume': 'v3'}))
        driver.delete_volume.assert_called_once_with(('vol', 'v3'))
        error = self.assertRaises(ValueError, run, 'explode', {})
        self.assertIn('explode', str(error))

    def test_serve_runs_each_line_and_answers_failures_by_name(self):
        def run(name, args):
            if name == 'fail':
                raise KeyError(args['what'])
            return args['n'] * 2

        lines = io.StringIO(
            json.dumps([['double', {'n': 2}], ['fail', {'what': 'x'}]]) +
            '\n' + json.dumps([['double', {'n': 5}]]) + '\n')
        out = io.StringIO()
        race.serve(run, stdin=lines, stdout=out)
        answers = [json.loads(line[len('RESULT '):])
                   for line in out.getvalue().splitlines()]
        self.assertEqual([[[True, 4], [False, "KeyError: 'x'"]],
                          [[True, 10]]], answers)
