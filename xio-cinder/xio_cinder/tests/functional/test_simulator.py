# Copyright 2026 Cinder backends team
#
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

"""The simulator through the real client (no cinder)."""

import os


from xio_cinder import client
from xio_cinder.tests import base as test_base
from xio_cinder.tests.functional import fixtures


class SimulatorThroughClientTest(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(fixtures.Simulator())
        self.client = self._client()

    def _client(self, password=None, **kwargs):
        kwargs.setdefault('connection_retries', 2)
        kwargs.setdefault('retry_interval', 0.05)
        return client.ISEClient(self.sim.san_ip, 'admin',
                                password or self.sim.password,
                                port=self.sim.san_api_port, **kwargs)

    def _make(self, name, size=1):
        self.client.create_volume(name, size, 1, 1)
        return self.client.wait_for_volume(
            name, lambda v: v and v.operational, 'operational')

    def test_wrong_password_is_refused(self):
        bad = self._client(password='wrong')
        self.assertRaises(client.ISEAuthError, bad.query)

    def test_snapshot_prepare_commit_copies_data_at_commit(self):
        volume = self._make('v1')
        path = self.sim.state()['volumes']['v1']['path']
        with open(path, 'r+b') as f:
            f.seek(4096)
            f.write(b'before-commit')
        url = self.client.prepare_copy(volume.url, 's1', 'snapshot')
        self.client.wait_for_volume('s1', lambda v: v and v.prepared,
                                    'prepared')
        self.client.commit_copy(url, 'snapshot')
        self.client.wait_for_volume('s1', lambda v: v and v.operational,
                                    'operational')
        snap_path = self.sim.state()['volumes']['s1']['path']
        with open(snap_path, 'rb') as f:
            f.seek(4096)
            self.assertEqual(b'before-commit', f.read(13))
        self.assertEqual(1024 ** 3, os.path.getsize(snap_path))

    def test_commit_before_prepared_is_not_in_a_valid_state(self):
        self.sim.control('PUT', 'delays', {'prepare': 30})
        volume = self._make('v1')
        url = self.client.prepare_copy(volume.url, 'c1', 'clone')
        error = self.assertRaises(client.ISEInvalidState,
                                  self.client.commit_copy, url, 'clone')
        self.assertIn('Not in a valid state', str(error))

    def test_duplicate_name_conflicts(self):
        self._make('v1')
        self.assertRaises(client.ISEConflict, self.client.create_volume,
                          'v1', 1, 1, 1)

    def test_extend_rename_and_shrink_refused(self):
        volume = self._make('v1')
        self.client.modify_volume(volume.url, size=3)
        self.assertEqual(3, self.client.find_volume('v1').size_gb)
        self.assertRaises(client.ISEHTTPError, self.client.modify_volume,
                          volume.url, size=2)
        self.client.modify_volume(volume.url, name='renamed')
        self.assertIsNone(self.client.find_volume('v1'))
        self.assertEqual(volume.url, self.client.find_volume('renamed').url)

    def test_allocation_and_host_life_cycle(self):
        self._make('v1')
        self.client.create_host('h1', ['iqn.2000-01.test:h1'])
        self.client.create_host('h1', ['iqn.2000-01.test:h1'])  # 409 ok
        first = self.client.create_allocation('v1', 'h1')
        again = self.client.create_allocation('v1', 'h1')
        self.assertEqual((first.url, 1), (again.url, again.lun))
        self.assertEqual(1, len(self.client.list_allocations(
            host_name='h1')))
        host = self.client.list_hosts()[0]
        self.assertEqual('OPENSTACK', host.type)
        self.client.delete_allocation(first.url)
        self.client.delete_allocation(first.url)   # idempotent
        self.client.delete_host(host.url)
        self.assertEqual({}, self.sim.state()['hosts'])

    def test_primary_stopped_fails_over_and_rediscovers(self):
        self._make('v1')
        self.sim.control('POST', 'controllers/0/stop', controller=1)
        volume = self.client.find_volume('v1')
        self.assertEqual('v1', volume.name)
        self.assertEqual(self.sim.controllers[1], self.client.addresses[0])
        info = self.client.query()
        ranks = dict(info.controllers)
        self.assertEqual('1', ranks[self.sim.controllers[1]])
        # Controller 0 comes back: the client stays where it is until a
        # failure, and the array keeps working through either.
        self.sim.control('POST', 'controllers/0/start', controller=1)
        self.assertIsNotNone(self.client.find_volume('v1'))

    def test_request_log_records_each_request_with_its_duration(self):
        self.sim.control('DELETE', 'requests')
        self.client.query(refresh=True)
        self.assertIsNone(self.client.find_volume('nothing'))
        entries = self.sim.control('GET', 'requests')
        self.assertEqual(
            [('GET /query', 200),
             ('GET /storage/arrays/%s/volumes' % self.sim.info['globalid'],
              404)],
            [(e['operation'], e['status']) for e in entries])
        self.assertTrue(all(e['duration_ms'] >= 0 for e in entries))

    def test_injected_fault_is_an_ise_error_reply(self):
        self.sim.control('POST', 'faults', [
            {'match': '^POST /storage/arrays/.*/volumes$',
             'action': 'fail', 'status': 500, 'message': 'boom'}])
        error = self.assertRaises(client.ISEHTTPError,
                                  self.client.create_volume, 'v1', 1, 1, 1)
        self.assertEqual(500, error.status)
        self.assertEqual({}, self.sim.state()['volumes'])

    def test_pools_report_per_raid_free_space(self):
        self._make('v1', size=10)
        pool = self.client.list_pools()[0]
        self.assertEqual(1000 - 20, pool.available_gb)
        self.assertEqual(490, pool.available_by_raid['raid-1'])
        self.assertEqual(20, pool.used_gb)
        self.assertEqual(1, pool.volume_count)
