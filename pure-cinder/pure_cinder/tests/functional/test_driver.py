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
"""FlashArray behaviour of both driver classes against the simulator.

The seed operations on PureISCSIDriver and PureFCDriver alike, and the
FlashArray-specific cases: setup, TLS, faults, sessions and the extras
(manage, revert, multiattach, QoS, stats).  What every vendor shares
(compliance, setup errors, idempotent deletes, orphans) is proven by
test_conformance.py.
"""

from concurrent import futures
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from unittest import mock
import uuid

from cinder import exception
import fixtures

from common_testing import faults
from common_testing import tls
from pure_cinder import common
from pure_cinder.simulator import state
from pure_cinder.tests.functional import fixtures as pure_fixtures

GiB = pure_fixtures.GiB


class _SeedOperations:
    """Cases run on PureISCSIDriver and PureFCDriver alike."""

    def test_create_and_delete_volume_keeps_it_destroyed(self):
        volume = self.create_volume(size=2)
        name = 'volume-%s-cinder' % volume.id
        self.assertEqual(name, volume.provider_id)
        on_array = self.array_volume(volume)
        self.assertEqual(2 * GiB, on_array['provisioned'])
        self.assertEqual(on_array['serial'], volume.provider_location)
        self.driver.delete_volume(volume)
        self.assertTrue(self.array.volumes[name]['destroyed'])

    def test_recreating_a_name_held_by_a_destroyed_volume_succeeds(self):
        volume = self.create_volume()
        self.driver.delete_volume(volume)
        again = self.volume(id=volume.id)
        again.update(self.driver.create_volume(again))
        self.assertFalse(self.array_volume(again)['destroyed'])

    def test_eradicate_on_delete_removes_the_volume(self):
        self.driver = self.load_driver(pure_eradicate_on_delete=True).driver
        volume = self.create_volume()
        self.driver.delete_volume(volume)
        self.assertNotIn(volume.provider_id, self.array.volumes)

    def test_snapshot_volume_from_snapshot_larger_and_data(self):
        volume = self.create_volume()
        self.write_at(volume, 4096, b'before snapshot')
        snapshot = self.snapshot(volume)
        snapshot.update(self.driver.create_snapshot(snapshot))
        self.assertEqual('%s.snapshot-%s' % (volume.provider_id,
                                             snapshot.id),
                         snapshot.provider_id)
        self.write_at(volume, 4096, b'after  snapshot')
        copy = self.volume(size=3)
        copy.update(self.driver.create_volume_from_snapshot(copy, snapshot))
        self.assertEqual(3 * GiB, self.array_volume(copy)['provisioned'])
        self.assertEqual(b'before snapshot', self.read_at(copy, 4096, 15))
        self.driver.delete_snapshot(snapshot)
        self.assertTrue(
            self.array.snapshots[snapshot.provider_id]['destroyed'])

    def test_clone_larger_copies_data(self):
        source = self.create_volume()
        self.write_at(source, 0, b'clone me')
        clone = self.volume(size=2)
        clone.update(self.driver.create_cloned_volume(clone, source))
        self.assertEqual(b'clone me', self.read_at(clone, 0, 8))
        self.assertEqual(2 * GiB, self.array_volume(clone)['provisioned'])

    def test_same_size_create_snapshot_clone_extend_are_one_call_each(self):
        volume = self.create_volume()
        rest = self.driver.client
        for operation in (
                lambda: self.create_volume(),
                lambda: self.driver.create_snapshot(self.snapshot(volume)),
                lambda: self.driver.create_cloned_volume(self.volume(),
                                                         volume),
                lambda: self.driver.extend_volume(volume, 2)):
            before = rest.request_count
            operation()
            self.assertEqual(1, rest.request_count - before)

    def test_failed_grow_of_a_clone_leaves_nothing(self):
        source = self.create_volume()
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^PATCH /api/2\.\d+/volumes$', faults.FAIL, status=400,
            message='Volume limit reached.'))
        clone = self.volume(size=2)
        exc = self.assertRaises(common.PureDriverException,
                                self.driver.create_cloned_volume, clone,
                                source)
        self.assertIn('limit reached', str(exc))
        self.assertEqual({source.provider_id}, set(self.array.volumes))

    def test_failed_create_names_the_volume(self):
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^POST /api/2\.\d+/volumes$', faults.DROP))
        volume = self.volume()
        exc = self.assertRaises(common.PureDriverException,
                                self.driver.create_volume, volume)
        self.assertIn('volume-%s-cinder' % volume.id, str(exc))
        self.assertEqual({}, self.array.volumes)

    def test_extend(self):
        volume = self.create_volume()
        self.driver.extend_volume(volume, 4)
        self.assertEqual(4 * GiB, self.array_volume(volume)['provisioned'])

    def test_stats_in_at_most_two_calls(self):
        for _n in range(3):
            self.create_volume(size=2)
        before = self.driver.client.request_count
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertLessEqual(self.driver.client.request_count - before, 2)
        self.assertEqual(self.protocol, stats['storage_protocol'])
        self.assertEqual('pure-sim', stats['volume_backend_name'])
        self.assertEqual(1024, stats['total_capacity_gb'])
        self.assertEqual(6, stats['provisioned_capacity_gb'])
        self.assertTrue(stats['thin_provisioning_support'])
        self.assertTrue(stats['multiattach'])
        self.assertGreater(stats['free_capacity_gb'], 1023)

    def test_attach_creates_one_host_and_detach_deletes_it(self):
        first, second = self.create_volume(), self.create_volume()
        connector = self.connector()
        info1 = self.driver.initialize_connection(first, connector)
        info2 = self.driver.initialize_connection(second, connector)
        self.assertEqual(1, len(self.array.hosts))
        host_name = list(self.array.hosts)[0]
        self.assertRegex(host_name, r'^compute-1-[0-9a-f]{32}-cinder$')
        luns = {self.lun_of(info1), self.lun_of(info2)}
        self.assertEqual(2, len(luns))
        self.assertNotIn(0, luns)
        serial = self.array_volume(first)['serial']
        self.assertEqual(('3624a9370' + serial).lower(),
                         info1['data']['wwn'])
        self.driver.terminate_connection(first, connector)
        self.assertIn(host_name, self.array.hosts)
        self.driver.terminate_connection(second, connector)
        self.assertEqual({}, self.array.hosts)
        self.assertEqual({}, self.array.connections)
        # detaching again is harmless
        self.driver.terminate_connection(second, connector)

    def array_calls(self, operation, *args):
        """The REST requests ("METHOD resource") operation(*args) made.

        Read from the simulator's request log (simkit.requestlog), so
        every request the array served counts, retries and logins too.
        """
        log = self.sim.server.surface.requests
        seen = [entry['seq'] for entry in log.entries()]
        operation(*args)
        return [re.sub(r' /api/2\.\d+/', ' ', entry['operation'])
                for entry in log.entries(since=max(seen, default=0))]

    def test_attach_detach_and_delete_take_the_fewest_array_calls(self):
        # issue 17 item 2: no read before a write whose reply answers it.
        first, second = self.create_volume(), self.create_volume()
        connector = self.connector()
        self.driver._ports()    # read once per process, then cached
        attach = self.driver.initialize_connection
        self.assertEqual(['GET hosts', 'POST hosts', 'POST connections'],
                         self.array_calls(attach, first, connector))
        self.assertEqual(['GET hosts', 'POST connections'],
                         self.array_calls(attach, second, connector))
        detach = self.driver.terminate_connection
        # The host keeps a connection: the array refuses its deletion.
        self.assertEqual(['DELETE connections', 'DELETE hosts'],
                         self.array_calls(detach, first, connector))
        self.assertEqual(1, len(self.array.hosts))
        # The last connection: the host goes with it.
        self.assertEqual(['DELETE connections', 'DELETE hosts'],
                         self.array_calls(detach, second, connector))
        self.assertEqual({}, self.array.hosts)
        self.assertEqual(['PATCH volumes'],
                         self.array_calls(self.driver.delete_volume, first))
        self.assertTrue(self.array_volume(first)['destroyed'])

    def test_detach_from_an_admin_host_looks_it_up(self):
        connector = self.connector()
        self.array.create_host('admin-made', {
            'iqns': [connector['initiator']], 'wwns': connector['wwpns']})
        volume = self.create_volume()
        self.driver.initialize_connection(volume, connector)
        self.assertEqual(
            ['DELETE connections', 'GET hosts', 'DELETE connections',
             'GET connections'],
            self.array_calls(self.driver.terminate_connection, volume,
                             connector))
        self.assertEqual(['admin-made'], list(self.array.hosts))
        self.assertEqual({}, self.array.connections)

    def test_delete_of_an_attached_volume_disconnects_it_first(self):
        volume = self.create_volume()
        self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(
            ['PATCH volumes', 'GET connections', 'DELETE connections',
             'DELETE hosts', 'PATCH volumes'],
            self.array_calls(self.driver.delete_volume, volume))
        self.assertEqual({}, self.array.hosts)

    def test_admin_host_is_used_and_never_deleted(self):
        connector = self.connector()
        self.array.create_host('admin-made', {
            'iqns': [connector['initiator']], 'wwns': connector['wwpns']})
        volume = self.create_volume()
        self.driver.initialize_connection(volume, connector)
        self.assertEqual({('admin-made', volume.provider_id)},
                         set(self.array.connections))
        self.driver.terminate_connection(volume, connector)
        self.assertEqual(['admin-made'], list(self.array.hosts))
        self.assertEqual({}, self.array.connections)

    def test_reconnecting_an_attached_volume_returns_its_lun(self):
        volume = self.create_volume()
        connector = self.connector()
        first = self.driver.initialize_connection(volume, connector)
        again = self.driver.initialize_connection(volume, connector)
        self.assertEqual(self.lun_of(first), self.lun_of(again))

    def test_delete_of_an_attached_volume_disconnects_and_cleans_host(self):
        volume = self.create_volume()
        self.driver.initialize_connection(volume, self.connector())
        self.driver.delete_volume(volume)
        self.assertEqual({}, self.array.hosts)
        self.assertTrue(self.array_volume(volume)['destroyed'])

    def test_force_detach_without_connector(self):
        volume = self.create_volume()
        self.driver.initialize_connection(volume, self.connector('c1'))
        self.driver.initialize_connection(volume, self.connector('c2'))
        self.driver.terminate_connection(volume, None, force=True)
        self.assertEqual({}, self.array.connections)
        self.assertEqual({}, self.array.hosts)

    def test_shared_host_name_puts_every_initiator_in_one_host(self):
        self.loaded = self.load_driver(pure_host_name='OpenStack')
        self.driver = self.loaded.driver
        one, two = self.create_volume(), self.create_volume()
        self.driver.initialize_connection(one, self.connector('c1'))
        self.driver.initialize_connection(two, self.connector('c2'))
        self.assertEqual(['OpenStack'], list(self.array.hosts))
        host = self.array.hosts['OpenStack']
        self.assertEqual(2, len(host['iqns'] or host['wwns']))
        self.driver.terminate_connection(one, self.connector('c1'))
        self.driver.terminate_connection(two, self.connector('c2'))
        self.assertEqual(['OpenStack'], list(self.array.hosts))
        warnings = [r for r in self.logs.records
                    if 'every initiator sees every volume' in r.getMessage()
                    or 'no per-host LUN masking' in r.getMessage()]
        self.assertEqual(1, len(warnings))

    def test_twenty_concurrent_attaches_make_one_host(self):
        volumes = [self.create_volume() for _n in range(20)]
        connector = self.connector('busy-compute')
        with futures.ThreadPoolExecutor(max_workers=20) as pool:
            infos = list(pool.map(
                lambda v: self.driver.initialize_connection(v, connector),
                volumes))
        self.assertEqual(1, len(self.array.hosts))
        self.assertEqual(20, len(self.array.connections))
        self.assertEqual(20, len({self.lun_of(i) for i in infos}))

    def test_session_expiry_mid_run_is_transparent(self):
        volume = self.create_volume()
        self.sim.server.expire_sessions()
        self.driver.extend_volume(volume, 2)
        self.assertEqual(2 * GiB, self.array_volume(volume)['provisioned'])

    def test_busy_array_is_waited_for(self):
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^POST /api/2\.\d+/volumes$', faults.FAIL, status=503,
            message='Server is busy', count=2))
        volume = self.create_volume()
        self.assertIsNotNone(self.array_volume(volume))


class ISCSISeedOperationsTest(_SeedOperations,
                              pure_fixtures.DriverAgainstSimulator):
    protocol = 'iSCSI'
    simulator_options = {'iscsi_portal': ['127.0.0.1:3260',
                                          '[fd00::1]:3260']}

    def lun_of(self, info):
        self.assertEqual('iscsi', info['driver_volume_type'])
        return info['data']['target_lun']

    def test_portals_outside_the_cidr_are_left_out(self):
        volume = self.create_volume()
        info = self.driver.initialize_connection(volume, self.connector())
        self.assertEqual(['127.0.0.1:3260', '[fd00::1]:3260'],
                         info['data']['target_portals'])
        self.loaded = self.load_driver(pure_iscsi_cidr='fd00::/64')
        info = self.loaded.driver.initialize_connection(
            self.create_volume(), self.connector())
        self.assertEqual(['[fd00::1]:3260'], info['data']['target_portals'])
        self.assertEqual([self.array.target_iqn],
                         info['data']['target_iqns'])

    def test_chap_credentials_are_set_on_driver_hosts(self):
        self.use_cinder_database()
        self.loaded = self.load_driver(use_chap_auth=True)
        self.driver = self.loaded.driver
        volume = self.create_volume()
        info = self.driver.initialize_connection(volume, self.connector())
        data = info['data']
        self.assertEqual('CHAP', data['auth_method'])
        self.assertEqual('compute-1', data['auth_username'])
        host = list(self.array.hosts.values())[0]
        self.assertEqual(data['auth_password'],
                         host['chap']['host_password'])
        self.logs.add_secret(data['auth_password'])

    def test_connector_without_initiator_is_refused(self):
        self.assertRaises(exception.InvalidConnectorException,
                          self.driver.initialize_connection,
                          self.create_volume(), {'host': 'x'})


class FCSeedOperationsTest(_SeedOperations,
                           pure_fixtures.DriverAgainstSimulator):
    protocol = 'FC'

    def lun_of(self, info):
        self.assertEqual('fibre_channel', info['driver_volume_type'])
        return info['data']['target_lun']

    def test_targets_and_initiator_map(self):
        volume = self.create_volume()
        connector = self.connector()
        info = self.driver.initialize_connection(volume, connector)
        targets = sorted(p['wwn'].replace(':', '').lower()
                         for p in self.array.ports if p['wwn'])
        self.assertEqual(targets, sorted(info['data']['target_wwn']))
        self.assertEqual({connector['wwpns'][0]: info['data']['target_wwn']},
                         info['data']['initiator_target_map'])
        detached = self.driver.terminate_connection(volume, connector)
        self.assertEqual(sorted(targets),
                         sorted(detached['data']['target_wwn']))

    def test_detach_keeps_zones_while_the_host_has_volumes(self):
        one, two = self.create_volume(), self.create_volume()
        connector = self.connector()
        self.driver.initialize_connection(one, connector)
        self.driver.initialize_connection(two, connector)
        detached = self.driver.terminate_connection(one, connector)
        self.assertEqual({}, detached['data'])


class CrossProcessAttachTest(pure_fixtures.DriverAgainstSimulator):

    def test_twenty_attaches_from_two_processes_make_one_host(self):

        lock_dir = tempfile.mkdtemp(prefix='pure-coordination-')
        self.addCleanup(shutil.rmtree, lock_dir, True)
        volumes = [self.create_volume() for _n in range(20)]
        connector = self.connector('shared-compute')
        jobs = []
        for half in (volumes[:10], volumes[10:]):
            job = {'options': self.backend_options(),
                   'coordination_url': 'file://' + lock_dir,
                   'connector': connector,
                   'volumes': [(v.id, v.provider_id) for v in half]}
            process = subprocess.Popen(
                [sys.executable, '-m',
                 'pure_cinder.tests.functional.fixtures'],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True)
            self.addCleanup(process.kill)
            process.stdin.write(json.dumps(job))
            process.stdin.close()
            jobs.append(process)
        luns = []
        for process in jobs:
            output = process.stdout.read()
            self.assertEqual(0, process.wait(timeout=120), output)
            luns.extend(json.loads(output.strip().splitlines()[-1]))
        self.assertEqual(1, len(self.array.hosts))
        self.assertEqual(20, len(self.array.connections))
        self.assertEqual(20, len(set(luns)))


class FCZoningTest(pure_fixtures.DriverAgainstSimulator):
    protocol = 'FC'

    def test_zones_added_on_attach_and_removed_on_last_detach(self):
        one, two = self.create_volume(), self.create_volume()
        connector = self.connector()
        with mock.patch('cinder.zonemanager.utils.add_fc_zone') as add, \
                mock.patch('cinder.zonemanager.utils.remove_fc_zone') as rm:
            info = self.driver.initialize_connection(one, connector)
            self.driver.initialize_connection(two, connector)
            self.assertEqual(2, add.call_count)
            add.assert_any_call(info)
            self.driver.terminate_connection(one, connector)
            rm.assert_not_called()
            last = self.driver.terminate_connection(two, connector)
            rm.assert_called_once_with(last)
        self.assertEqual(info['data']['initiator_target_map'],
                         last['data']['initiator_target_map'])


class SetupTest(pure_fixtures.DriverAgainstSimulator):

    def test_san_ip_is_accepted_instead_of_pure_target(self):
        loaded = self.load_driver(pure_target=None, san_ip=self.sim.target,
                                  backend_name='by-san-ip')
        self.assertEqual('sim-fa', loaded.driver.array_name)

    def test_certificate_from_another_ca_is_refused(self):
        other_dir = self.useFixture(fixtures.TempDir()).path
        other_ca, _key = tls.write_self_signed_cert(other_dir, '127.0.0.1')
        loaded = self.load_driver(setup=False,
                                  driver_ssl_cert_path=other_ca)
        exc = self.assertRaises(common.PureDriverException,
                                loaded.init_host)
        self.assertIn('TLS verification', str(exc))

    def test_token_never_reaches_the_logs_during_operations(self):
        volume = self.create_volume()
        self.sim.server.expire_sessions()   # forces a re-login
        self.driver.extend_volume(volume, 2)
        self.driver.get_volume_stats(refresh=True)
        self.assertEqual([], self.logs.leaks())
        self.assertTrue(self.logs.records)


class FaultsTest(pure_fixtures.DriverAgainstSimulator):

    def test_reset_connection_on_a_read_is_retried(self):
        volume = self.create_volume()
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^GET /api/2\.\d+/connections$', faults.DROP))
        self.driver.delete_volume(volume)
        self.assertTrue(self.array_volume(volume)['destroyed'])

    def test_lost_snapshot_reply_resolves_to_the_snapshot(self):
        volume = self.create_volume()
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^POST /api/2\.\d+/volume-snapshots$', faults.LOSE_RESPONSE))
        snapshot = self.snapshot(volume)
        update = self.driver.create_snapshot(snapshot)
        self.assertEqual(1, len(self.array.snapshots))
        self.assertIn(update['provider_id'], self.array.snapshots)

    def test_rate_limited_array_is_waited_for(self):
        self.sim.server.rate_limit = 3
        volumes = [self.create_volume() for _n in range(5)]
        self.assertEqual(5, len(volumes))
        self.assertEqual(5, len(self.array.volumes))

    def test_busy_for_too_long_is_a_clear_error(self):
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^POST /api/2\.\d+/volumes$', faults.FAIL, status=429,
            message='Too many requests', count=None))
        exc = self.assertRaises(common.PureDriverException,
                                self.driver.create_volume, self.volume())
        self.assertIn('busy', str(exc))
        self.assertEqual({}, self.array.volumes)

    def test_failed_connect_removes_the_host_it_created(self):
        volume = self.create_volume()
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^POST /api/2\.\d+/connections$', faults.FAIL, status=400,
            message='Connection limit reached.'))
        self.assertRaises(common.PureDriverException,
                          self.driver.initialize_connection, volume,
                          self.connector())
        self.assertEqual({}, self.array.hosts)


class ExtrasTest(pure_fixtures.DriverAgainstSimulator):

    def test_manage_and_unmanage_a_volume(self):
        self.array.create_volume('legacy-data', provisioned=GiB + 4096)
        volume = self.volume(size=2)
        ref = {'source-name': 'legacy-data'}
        self.assertEqual(2, self.driver.manage_existing_get_size(volume,
                                                                 ref))
        volume.update(self.driver.manage_existing(volume, ref))
        self.assertEqual(['volume-%s-cinder' % volume.id],
                         list(self.array.volumes))
        self.driver.unmanage(volume)
        self.assertEqual(['volume-%s-cinder-unmanaged' % volume.id],
                         list(self.array.volumes))

    def test_manage_refuses_connected_and_missing_volumes(self):
        self.array.create_volume('busy', provisioned=GiB)
        self.array.create_host('h', {'iqns': ['iqn.x']})
        self.array.connect('h', 'busy')
        for name in ('busy', 'missing'):
            exc = self.assertRaises(
                exception.ManageExistingInvalidReference,
                self.driver.manage_existing_get_size, self.volume(),
                {'name': name})
            self.assertIn(name, str(exc))

    def test_manage_and_unmanage_a_snapshot(self):
        volume = self.create_volume()
        self.array.create_snapshot(volume.provider_id, 'backup1')
        snapshot = self.snapshot(volume)
        ref = {'name': '%s.backup1' % volume.provider_id}
        self.assertEqual(1, self.driver.manage_existing_snapshot_get_size(
            snapshot, ref))
        snapshot.update(self.driver.manage_existing_snapshot(snapshot, ref))
        self.assertIn('%s.snapshot-%s' % (volume.provider_id, snapshot.id),
                      self.array.snapshots)
        self.driver.unmanage_snapshot(snapshot)
        self.assertEqual(['%s.unmanaged-%s' % (
            volume.provider_id, snapshot.id.replace('-', ''))],
            list(self.array.snapshots))

    def test_manageable_volumes_say_which_manage_can_take(self):
        managed = self.create_volume()
        self.array.create_volume('free-b', provisioned=3 * GiB)
        self.array.create_volume('free-a', provisioned=GiB + 4096)
        self.array.create_volume('busy', provisioned=GiB)
        self.array.create_host('h1', {'iqns': ['iqn.x']})
        self.array.connect('h1', 'busy')
        self.array.create_volume('gone', provisioned=GiB)
        self.array.patch_volume('gone', {'destroyed': True})
        before = self.sim.server.surface.requests.entries()
        listed = self.driver.get_manageable_volumes(
            [managed], None, 1000, 0, ['reference'], ['asc'])
        self.assertEqual(2, len(self.sim.server.surface.requests.entries())
                         - len(before))
        by_name = {e['reference']['name']: e for e in listed}
        self.assertEqual(
            ['busy', 'free-a', 'free-b', 'gone', managed.provider_id],
            [e['reference']['name'] for e in listed])
        for name, size in (('free-a', 2), ('free-b', 3)):
            self.assertEqual({'reference': {'name': name}, 'size': size,
                              'safe_to_manage': True,
                              'reason_not_safe': None, 'cinder_id': None,
                              'extra_info': None}, by_name[name])
        self.assertFalse(by_name['busy']['safe_to_manage'])
        self.assertIn('connected to host h1',
                      by_name['busy']['reason_not_safe'])
        self.assertIn('destroyed', by_name['gone']['reason_not_safe'])
        mine = by_name[managed.provider_id]
        self.assertEqual((False, managed.id), (mine['safe_to_manage'],
                                               mine['cinder_id']))
        self.assertIn('already managed', mine['reason_not_safe'])
        # cinder's paging and sorting: size descending, two after a marker.
        page = self.driver.get_manageable_volumes(
            [managed], {'name': 'free-b'}, 2, 0, ['size', 'reference'],
            ['desc', 'asc'])
        self.assertEqual(['free-a', 'busy'],
                         [e['reference']['name'] for e in page])
        # What the listing calls safe, manage takes.
        volume = self.volume(size=2)
        volume.update(self.driver.manage_existing(volume, {'name': 'free-a'}))
        self.assertNotIn('free-a', self.array.volumes)

    def test_manageable_snapshots_say_which_manage_can_take(self):
        volume = self.create_volume()
        ours = self.snapshot(volume)
        ours.update(self.driver.create_snapshot(ours))
        self.array.create_snapshot(volume.provider_id, 'backup1')
        self.array.create_pgroup('pg1')
        self.array.add_pgroup_volumes(['pg1'], [volume.provider_id])
        self.array.create_pgroup_snapshot('pg1', 'daily')
        listed = self.driver.get_manageable_snapshots(
            [ours], None, 1000, 0, ['reference'], ['asc'])
        by_name = {e['reference']['name']: e for e in listed}
        backup = by_name['%s.backup1' % volume.provider_id]
        self.assertEqual(
            {'reference': {'name': '%s.backup1' % volume.provider_id},
             'size': 1, 'safe_to_manage': True, 'reason_not_safe': None,
             'cinder_id': None, 'extra_info': None,
             'source_reference': {'name': volume.provider_id}}, backup)
        mine = by_name[ours.provider_id]
        self.assertEqual((False, ours.id), (mine['safe_to_manage'],
                                            mine['cinder_id']))
        member = by_name['pg1.daily.%s' % volume.provider_id]
        self.assertFalse(member['safe_to_manage'])
        self.assertIn('pg1.daily', member['reason_not_safe'])
        self.assertEqual(3, len(listed))
        # What the listing calls safe, manage takes.
        snapshot = self.snapshot(volume)
        snapshot.update(self.driver.manage_existing_snapshot(
            snapshot, backup['reference']))
        self.assertIn(snapshot.provider_id, self.array.snapshots)

    def test_host_personality_is_set_on_hosts_the_driver_creates(self):
        driver = self.load_driver(pure_host_personality='esxi').driver
        volume = self.create_volume()
        driver.initialize_connection(volume, self.connector('esx-1'))
        [host] = self.array.hosts.values()
        self.assertEqual('esxi', host['personality'])
        # An administrator's host keeps the personality it has.
        self.array.create_host('admin-host', {'iqns': ['iqn.admin:1'],
                                              'personality': 'aix'})
        connector = dict(self.connector('other'), initiator='iqn.admin:1')
        driver.initialize_connection(self.create_volume(), connector)
        self.assertEqual('aix', self.array.hosts['admin-host']['personality'])
        # Purity refuses a personality it does not know.
        self.assertRaisesRegex(
            state.PurityError, 'Invalid personality',
            self.array.create_host, 'bad', {'personality': 'windows'})

    def test_revert_to_snapshot_restores_data(self):
        volume = self.create_volume()
        self.write_at(volume, 512, b'good data')
        snapshot = self.snapshot(volume)
        snapshot.update(self.driver.create_snapshot(snapshot))
        self.write_at(volume, 512, b'bad  data')
        self.driver.revert_to_snapshot(self.context, volume, snapshot)
        self.assertEqual(b'good data', self.read_at(volume, 512, 9))

    def _attachment(self, volume, host):
        from cinder import objects
        return objects.VolumeAttachment(
            self.context, id=str(uuid.uuid4()),
            volume_id=volume.id, attached_host=host,
            attach_status='attached')

    def test_multiattach_on_one_host_keeps_the_connection(self):
        from cinder import objects
        volume = self.create_volume(multiattach=True)
        connector = self.connector('compute-9')
        self.driver.initialize_connection(volume, connector)
        volume.volume_attachment = objects.VolumeAttachmentList(objects=[
            self._attachment(volume, 'compute-9'),
            self._attachment(volume, 'compute-9')])
        self.driver.terminate_connection(volume, connector)
        self.assertEqual(1, len(self.array.connections))
        volume.volume_attachment = objects.VolumeAttachmentList(objects=[
            self._attachment(volume, 'compute-9')])
        self.driver.terminate_connection(volume, connector)
        self.assertEqual({}, self.array.connections)

    def test_multiattach_on_two_hosts(self):
        volume = self.create_volume(multiattach=True)
        self.driver.initialize_connection(volume, self.connector('a'))
        self.driver.initialize_connection(volume, self.connector('b'))
        self.assertEqual(2, len(self.array.connections))
        self.assertEqual(2, len(self.array.hosts))

    def _qos(self, specs, consumer='back-end'):
        return mock.patch(
            'cinder.volume.volume_types.get_volume_type_qos_specs',
            return_value={'qos_specs': {'consumer': consumer,
                                        'specs': specs}})

    def test_qos_specs_reach_the_array(self):
        with self._qos({'maxIOPS': '5000', 'maxBWS': '200'}):
            volume = self.create_volume(volume_type_id='t1')
        self.assertEqual({'iops_limit': 5000,
                          'bandwidth_limit': 200 * 1024 * 1024},
                         self.array_volume(volume)['qos'])

    def test_front_end_qos_is_not_applied_on_the_array(self):
        with self._qos({'maxIOPS': '5000'}, consumer='front-end'):
            volume = self.create_volume(volume_type_id='t1')
        self.assertIsNone(self.array_volume(volume)['qos']['iops_limit'])

    def test_out_of_range_qos_names_the_key(self):
        with self._qos({'maxIOPS': '5'}):
            exc = self.assertRaises(exception.InvalidQoSSpecs,
                                    self.driver.create_volume,
                                    self.volume(volume_type_id='t1'))
        self.assertIn('maxIOPS', str(exc))
        self.assertEqual({}, self.array.volumes)

    def _volume_type(self, qos=None):
        """A volume type in cinder's database, with back-end QoS specs."""
        from cinder.volume import qos_specs
        from cinder.volume import volume_types
        type_id = volume_types.create(
            self.context, 'type-%s' % uuid.uuid4().hex, {})['id']
        if qos:
            specs = qos_specs.create(self.context,
                                     'qos-%s' % uuid.uuid4().hex,
                                     dict(qos, consumer='back-end'))
            qos_specs.associate_qos_with_type(self.context, specs['id'],
                                              type_id)
        return {'id': type_id}

    def test_retype_between_qos_types_changes_the_array_limits(self):
        self.use_cinder_database()
        gold = self._volume_type({'maxIOPS': '5000', 'maxBWS': '200'})
        silver = self._volume_type({'maxIOPS': '1000'})
        plain = self._volume_type()
        bad = self._volume_type({'maxIOPS': '5'})
        volume = self.create_volume(volume_type_id=gold['id'])
        self.assertEqual({'iops_limit': 5000,
                          'bandwidth_limit': 200 * 1024 * 1024},
                         self.array_volume(volume)['qos'])
        host = {'host': volume.host}
        unlimited = common.QOS_UNLIMITED
        for new_type, expected in (
                (silver, {'iops_limit': 1000,
                          'bandwidth_limit': unlimited['bandwidth_limit']}),
                (plain, unlimited),
                (gold, {'iops_limit': 5000,
                        'bandwidth_limit': 200 * 1024 * 1024})):
            self.assertEqual((True, None), self.driver.retype(
                self.context, volume, new_type, {}, host))
            self.assertEqual(expected, self.array_volume(volume)['qos'])
        # A bad spec names its key and changes nothing; another backend
        # is cinder's migration.
        exc = self.assertRaises(exception.InvalidQoSSpecs,
                                self.driver.retype, self.context, volume,
                                bad, {}, host)
        self.assertIn('maxIOPS', str(exc))
        self.assertFalse(self.driver.retype(
            self.context, volume, plain, {}, {'host': 'other@pure-2#p'}))
        self.assertEqual(5000, self.array_volume(volume)['qos']['iops_limit'])

    def test_thin_provisioning_stats(self):
        volume = self.create_volume(size=4)
        self.write_at(volume, 0, b'x' * 1024 * 1024)
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertEqual(4, stats['provisioned_capacity_gb'])
        # 4 GiB provisioned over ~1 MiB written
        self.assertGreater(stats['max_over_subscription_ratio'], 100)
        self.assertTrue(stats['thin_provisioning_support'])
        self.assertFalse(stats['thick_provisioning_support'])
        self.assertIn('data_reduction', stats)


class ShortSessionTest(pure_fixtures.DriverAgainstSimulator):
    simulator_options = {'iscsi_portal': ['127.0.0.1:3260'],
                         'session_ttl': 0.3}

    def test_expired_sessions_are_renewed_transparently(self):
        volume = self.create_volume()
        logins_before = self.sim.server.request_count(
            'POST /api/2.36/login')
        time.sleep(0.5)
        self.driver.extend_volume(volume, 2)
        self.assertEqual(2 * GiB, self.array_volume(volume)['provisioned'])
        self.assertEqual(logins_before + 1,
                         self.sim.server.request_count(
                             'POST /api/2.36/login'))
