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
"""Infortrend-specific behaviour of the real drivers against the simulator:
faults, session drops, replica timeouts, host keys, injection, multipath,
manage/unmanage and tiering retype."""

import os
import threading
import time
import uuid

from cinder import exception
from cinder import objects
from cinder.tests.unit import fake_snapshot
from cinder.tests.unit import fake_volume
from common_testing import driver_loader
from common_testing import logcheck
import ddt
import fixtures
import paramiko

from infortrend_cinder import common
from infortrend_cinder.simulator import state as state_mod
from infortrend_cinder.tests import base
from infortrend_cinder.tests.functional import fixtures as sim

objects.register_all()

INITIATOR = 'iqn.2026-11.invalid.infortrend:pid-%d' % os.getpid()


class DriverTestBase(base.TestCase):
    array_class = sim.SimulatedArray

    def setUp(self):
        super().setUp()
        self.array = sim.start_array(self, self.array_class)
        self.logs = self.useFixture(
            logcheck.SecretsNotLogged(self.array.secrets()))

    def load(self, setup=True, **overrides):
        options = dict(self.array.backend_options())
        options['volume_backend_name'] = 'infortrend'
        options.update(overrides)
        self.loaded = self.useFixture(driver_loader.LoadedDriver(
            options, backend_name='infortrend', setup=setup))
        # End the raidcmd session (and its process) with the test.
        self.addCleanup(self.loaded.driver.close)
        return self.loaded.driver

    def volume(self, size=1, pool='LV-1', volume_type=None, **kwargs):
        volume = fake_volume.fake_volume_obj(
            self.loaded.context, id=kwargs.pop('id', str(uuid.uuid4())),
            size=size, host='%s#%s' % (self.loaded.host, pool),
            provider_location=None, **kwargs)
        if volume_type is not None:
            # fake_volume_obj drops the type; set it as the manager would.
            volume.volume_type = volume_type
        return volume

    def create(self, driver, size=1, **kwargs):
        volume = self.volume(size, **kwargs)
        volume.provider_location = driver.create_volume(volume)[
            'provider_location']
        self.addCleanup(driver.delete_volume, volume)
        return volume

    def snapshot(self, driver, volume):
        snap = fake_snapshot.fake_snapshot_obj(
            self.loaded.context, id=str(uuid.uuid4()),
            volume_size=volume.size, provider_location=None)
        snap.volume = volume
        snap.provider_location = driver.create_snapshot(snap)[
            'provider_location']
        self.addCleanup(driver.delete_snapshot, snap)
        return snap

    def setup_error(self, exc_class, **overrides):
        """Load with overrides; init_host must raise exc_class."""
        self.load(setup=False, **overrides)
        return self.assertRaises(exc_class, self.loaded.init_host)

    def fault(self, match, action, **kwargs):
        self.array.add_fault(match=match, action=action, **kwargs)

    def fired(self):
        return {f['match']: f['fired'] for f in self.array.faults()}

    def connector(self, **extra):
        connector = {'initiator': INITIATOR, 'host': 'h', 'multipath': False,
                     'wwpns': ['10000090fa000001', '10000090fa000002']}
        connector.update(extra)
        return connector


@ddt.ddt
class FaultsTest(DriverTestBase):

    def test_replica_that_never_completes_fails_clearly_without_orphan(self):
        driver = self.load(infortrend_replica_timeout=1)
        source = self.create(driver)
        before = self.array.inventory()
        self.array.update(replica_seconds=-1)
        clone = self.volume()
        exc = self.assertRaises(exception.VolumeBackendAPIException,
                                driver.create_cloned_volume, clone, source)
        self.assertIn('did not complete', str(exc))
        self.assertIn('infortrend_replica_timeout', str(exc))
        self.assertEqual(before, self.array.inventory())

    def test_commands_are_logged_without_the_password(self):
        self.load()
        texts = [r.getMessage() for r in self.logs.records]
        self.assertIn('raidcmd "connect %s password=*** -notiOn": rc=0'
                      % self.array.san_ip, texts)

    def test_dropped_session_is_reconnected(self):
        driver = self.load()
        self.fault('^show lv$', 'drop')
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual(2, len(stats['pools']))
        self.assertEqual(1, self.fired()['^show lv$'])

    def test_rc9_is_reconnected(self):
        driver = self.load()
        self.fault('^create si', 'fail', status=9, message='Not connected')
        volume = self.create(driver)
        self.snapshot(driver, volume)
        self.assertEqual(1, len(self.array.read()['sis']))
        self.assertEqual(1, self.fired()['^create si'])

    def test_slow_output_times_out_and_the_command_is_retried(self):
        # The retry starts a new raidcmd session within the same timeout:
        # leave it room on a busy machine (only the first reply is slow).
        driver = self.load(infortrend_cli_timeout=5)
        self.fault('^show license', 'delay', seconds=8)
        stats = driver.get_volume_stats(refresh=True)
        self.assertTrue(stats['pools'][0]['thin_provisioning_support'])
        self.assertEqual(1, self.fired()['^show license'])

    def test_session_lost_twice_is_a_clear_error(self):
        driver = self.load()
        self.fault('^show lv$', 'drop', count=None)
        exc = self.assertRaises(exception.VolumeBackendAPIException,
                                driver.get_volume_stats, True)
        self.assertIn(self.array.san_ip, str(exc))
        self.assertIn('lost', str(exc))

    def test_spinner_noise_is_tolerated(self):
        driver = self.load()
        self.array.update(spinner=True)
        volume = self.create(driver)
        snap = self.snapshot(driver, volume)
        self.assertEqual(16, len(snap.provider_location))
        self.assertEqual(2, len(driver.get_volume_stats(True)['pools']))

    def test_failed_replica_start_removes_the_new_partition(self):
        driver = self.load()
        source = self.create(driver)
        before = self.array.inventory()
        self.fault('^create replica', 'fail', status=1, message='RAID fail')
        self.assertRaises(exception.VolumeBackendAPIException,
                          driver.create_cloned_volume, self.volume(), source)
        self.assertEqual(before, self.array.inventory())


@ddt.ddt
class InjectionTest(DriverTestBase):
    """Unsafe values are refused before they reach the CLI.

    Nothing from a volume, option or connector reaches the CLI unless it is
    one clean token; the array is unchanged afterwards.
    """

    @ddt.data('iqn.2026-11.invalid:x -y', 'iqn.2026-11.invalid:x\nshow lv',
              'iqn.2026-11.invalid:x wwn=1000000000000001', '-y')
    def test_connector_initiator(self, initiator):
        driver = self.load()
        volume = self.create(driver)
        before = self.array.inventory()
        self.assertRaises(exception.InvalidInput,
                          driver.initialize_connection, volume,
                          self.connector(initiator=initiator))
        self.assertEqual(before, self.array.inventory())

    @ddt.data('x y', 'a\ndelete part 0000000000000000 -y', '-y')
    def test_manage_source_name(self, name):
        driver = self.load()
        self.assertRaises(exception.InvalidInput, driver.manage_existing,
                          self.volume(), {'source-name': name})

    @ddt.data('0,1 min=0MB', '5', 'all;delete')
    def test_tiering_extra_spec(self, tiers):
        driver = self.load()
        volume_type = objects.VolumeType(
            extra_specs={'infortrend:tiering': tiers})
        volume = self.volume(volume_type=volume_type)
        before = self.array.inventory()
        self.assertRaises(exception.InvalidInput, driver.create_volume,
                          volume)
        self.assertEqual(before, self.array.inventory())

    def test_password_with_a_space_is_refused_without_echo(self):
        exc = self.setup_error(exception.InvalidConfigurationValue,
                               san_password='pw -y')
        self.assertIn('san_password', str(exc))
        self.assertNotIn('pw -y', str(exc))


class ISCSIPathsTest(DriverTestBase):

    def test_single_path_on_slot_a_and_initiator_registered_once(self):
        driver = self.load()
        first, second = self.create(driver), self.create(driver)
        info = driver.initialize_connection(first, self.connector())
        data = info['data']
        self.assertEqual('iqn.2002-10.com.infortrend:raid.uid57068.001',
                         data['target_iqn'])
        self.assertEqual('%s:%d' % (self.array.read()['portal_ip'],
                                    self.array.iscsi_port),
                         data['target_portal'])
        self.assertNotIn('target_iqns', data)
        # LUN 0 is tgtd's controller: the simulator refuses it (rc 20),
        # and the driver moves on to the next LUN.
        self.assertEqual(1, data['target_lun'])
        # The other MCS group has more free LUNs now.
        second_info = driver.initialize_connection(second, self.connector())
        self.assertEqual(('iqn.2002-10.com.infortrend:raid.uid57068.101', 1),
                         (second_info['data']['target_iqn'],
                          second_info['data']['target_lun']))
        self.assertEqual([INITIATOR], [e['iqn'] for e in
                                       self.array.read()['iqns'].values()])
        # Attaching again reuses the map.
        self.assertEqual(data, driver.initialize_connection(
            first, self.connector())['data'])
        driver.terminate_connection(first, self.connector())
        self.assertEqual(1, len(self.array.read()['iqns']))
        driver.terminate_connection(second, self.connector())
        state = self.array.read()
        self.assertEqual(({}, []), (state['iqns'], state['maps']))

    def test_single_path_takes_the_mcs_group_with_most_free_luns(self):
        driver = self.load()
        volumes = [self.create(driver) for _ in range(3)]
        iqns = []
        for volume in volumes:
            self.addCleanup(driver.terminate_connection, volume,
                            self.connector())
            iqns.append(driver.initialize_connection(
                volume, self.connector())['data']['target_iqn'])
        prefix = 'iqn.2002-10.com.infortrend:raid.uid57068.'
        # Group 0 (channels 1, 2), then group 1 (channel 3), then group 0.
        self.assertEqual([prefix + '001', prefix + '101', prefix + '001'],
                         iqns)

    def test_multipath_returns_every_mcs_group_on_both_slots(self):
        driver = self.load()
        volume = self.create(driver)
        data = driver.initialize_connection(
            volume, self.connector(multipath=True))['data']
        self.addCleanup(driver.terminate_connection, volume,
                        self.connector())
        prefix = 'iqn.2002-10.com.infortrend:raid.uid57068.'
        self.assertEqual([prefix + s for s in ('001', '101', '012', '112')],
                         data['target_iqns'])
        self.assertEqual([data['target_lun']] * 4, data['target_luns'])
        maps = {(m['ch'], m['tid']) for m in self.array.read()['maps']}
        self.assertEqual({(1, 0), (3, 0), (1, 1), (3, 1)}, maps)

    def test_mcs_returns_every_channel_of_the_group(self):
        driver = self.load(infortrend_iscsi_mcs=True,
                           infortrend_slots_b_channels_id=[])
        volume = self.create(driver)
        data = driver.initialize_connection(volume, self.connector())['data']
        self.addCleanup(driver.terminate_connection, volume,
                        self.connector())
        # Channels 1 and 2 form MCS group 0: one map, two connections.
        self.assertEqual(2, len(data['target_portals']))
        self.assertEqual(1, len(self.array.read()['maps']))

    def test_detach_without_connector_removes_every_map(self):
        driver = self.load()
        volume = self.create(driver)
        driver.initialize_connection(volume, self.connector())
        driver.terminate_connection(volume, None)
        self.assertEqual([], self.array.read()['maps'])
        driver.terminate_connection(volume, self.connector())

    def test_delete_of_a_mapped_volume_removes_its_maps(self):
        driver = self.load()
        volume = self.volume()
        volume.provider_location = driver.create_volume(volume)[
            'provider_location']
        driver.initialize_connection(volume, self.connector())
        driver.delete_volume(volume)
        state = self.array.read()
        self.assertEqual(({}, []), (state['parts'], state['maps']))


class FCPathsTest(DriverTestBase):
    array_class = sim.SimulatedFCArray

    def test_single_path_maps_every_initiator_on_slot_a(self):
        driver = self.load()
        volume = self.create(driver)
        info = driver.initialize_connection(volume, self.connector())
        data = info['data']
        self.assertEqual(['110123d02300deec', '110123d02340deec'],
                         data['target_wwn'])
        self.assertEqual(0, data['target_lun'])
        self.assertEqual({'10000090fa000001': data['target_wwn'],
                          '10000090fa000002': data['target_wwn']},
                         data['initiator_target_map'])
        self.assertEqual(4, len(self.array.read()['maps']))
        gone = driver.terminate_connection(volume, self.connector())
        self.assertEqual({'10000090fa000001', '10000090fa000002'},
                         set(gone['data']['initiator_target_map']))
        self.assertEqual([], self.array.read()['maps'])

    def test_fc_multipath_option_uses_both_slots(self):
        driver = self.load(infortrend_fc_multipath=True)
        volume = self.create(driver)
        data = driver.initialize_connection(volume, self.connector())['data']
        self.addCleanup(driver.terminate_connection, volume,
                        self.connector())
        self.assertEqual(4, len(data['target_wwn']))
        self.assertEqual(8, len(self.array.read()['maps']))

    def test_second_volume_gets_the_next_lun(self):
        driver = self.load()
        first, second = self.create(driver), self.create(driver)
        for volume in (first, second):
            self.addCleanup(driver.terminate_connection, volume,
                            self.connector())
        self.assertEqual(0, driver.initialize_connection(
            first, self.connector())['data']['target_lun'])
        self.assertEqual(1, driver.initialize_connection(
            second, self.connector())['data']['target_lun'])


class GModelFCTest(DriverTestBase):

    class array_class(sim.SimulatedFCArray):
        model = 'G'

    def test_single_controller_model(self):
        driver = self.load(infortrend_slots_b_channels_id=[])
        self.assertEqual('G', driver.get_volume_stats(True)['model_type'])
        volume = self.create(driver)
        data = driver.initialize_connection(
            volume, self.connector(multipath=True))['data']
        self.addCleanup(driver.terminate_connection, volume,
                        self.connector())
        self.assertEqual(2, len(data['target_wwn']))

    def test_slot_b_channels_are_refused(self):
        exc = self.setup_error(exception.InvalidConfigurationValue)
        self.assertIn('infortrend_slots_b_channels_id', str(exc))


class SSHTest(DriverTestBase):
    array_class = sim.SimulatedArraySSH

    def test_unknown_host_key_is_refused(self):
        other = paramiko.ECDSAKey.generate()
        with open(self.array.known_hosts, 'w') as f:
            f.write('[%s]:%d %s %s\n' % (
                self.array.san_ip, self.array.ssh_port, other.get_name(),
                other.get_base64()))
        exc = self.setup_error(exception.VolumeBackendAPIException)
        self.assertIn('host key', str(exc))
        self.assertIn('infortrend_ssh_known_hosts_file', str(exc))

    def test_host_missing_from_known_hosts_is_refused(self):
        with open(self.array.known_hosts, 'w') as f:
            f.write('')
        exc = self.setup_error(exception.VolumeBackendAPIException)
        self.assertIn('unknown', str(exc))

    def test_missing_known_hosts_is_refused(self):
        exc = self.setup_error(
            exception.VolumeBackendAPIException,
            infortrend_ssh_known_hosts_file=self.array.known_hosts + '.x')
        self.assertIn('infortrend_ssh_known_hosts_file', str(exc))

    def test_key_authentication(self):
        key = paramiko.ECDSAKey.generate()
        key_file = os.path.join(self.array.state_dir, 'client_key')
        key.write_private_key_file(key_file)
        public = key_file + '.pub'
        with open(public, 'w') as f:
            f.write('%s %s\n' % (key.get_name(), key.get_base64()))
        # A second server on the same state, accepting only the key.
        self.array._stop_server()
        self.array._start_server(self, [
            'ssh', '--state-dir', self.array.state_dir, '--listen',
            self.array.san_ip, '--port', str(self.array.ssh_port),
            '--host-key', os.path.join(self.array.state_dir, 'host_key'),
            '--user', sim.SSH_USER, '--authorized-key', public])
        driver = self.load(san_password='', san_private_key=key_file)
        self.assertEqual(2, len(driver.get_volume_stats(True)['pools']))


class ManageTest(DriverTestBase):

    def _foreign_partition(self, name, lv='LV-1', size_mb=1536):
        with state_mod.Array.open(self.array.state_dir) as array:
            lv_id = [i for i, lv_ in array.data['lvs'].items()
                     if lv_['name'] == lv][0]
            return array.create_part(lv_id, name, size_mb)

    def test_manage_by_name_and_unmanage(self):
        driver = self.load()
        part_id = self._foreign_partition('legacy-data')
        volume = self.volume()
        self.assertEqual(2, driver.manage_existing_get_size(
            volume, {'source-name': 'legacy-data'}))
        update = driver.manage_existing(volume,
                                        {'source-name': 'legacy-data'})
        self.assertIn(part_id, update['provider_location'])
        self.assertEqual(volume.id,
                         self.array.read()['parts'][part_id]['name'])
        volume.provider_location = update['provider_location']
        driver.unmanage(volume)
        self.assertEqual('cinder-unmanaged-' + volume.id[:19],
                         self.array.read()['parts'][part_id]['name'])

    def test_manage_by_id_in_the_wrong_pool_is_refused(self):
        driver = self.load()
        part_id = self._foreign_partition('other', lv='LV-2')
        self.assertRaises(exception.ManageExistingInvalidReference,
                          driver.manage_existing, self.volume(),
                          {'source-id': part_id})
        self.assertEqual('other',
                         self.array.read()['parts'][part_id]['name'])

    def test_manage_unknown_name_is_refused(self):
        driver = self.load()
        self.assertRaises(exception.ManageExistingInvalidReference,
                          driver.manage_existing_get_size, self.volume(),
                          {'source-name': 'nothing-here'})


class ManageableTest(DriverTestBase):
    """Manageable listings, snapshot manage and the migrated rename."""

    _foreign_partition = ManageTest._foreign_partition

    def listing(self, driver, cinder_volumes=(), **kwargs):
        args = dict(marker=None, limit=100, offset=0, sort_keys=['size'],
                    sort_dirs=['asc'])
        args.update(kwargs)
        return driver.get_manageable_volumes(list(cinder_volumes), **args)

    def test_manageable_volumes(self):
        driver = self.load(infortrend_pools_name=['LV-1'])
        ours = self.create(driver, size=3)
        free = self._foreign_partition('legacy-free', size_mb=1536)
        mapped = self._foreign_partition('legacy-mapped', size_mb=4096)
        self._foreign_partition('other-pool', lv='LV-2')
        with state_mod.Array.open(self.array.state_dir) as array:
            array.create_map(mapped, 0, 112, 5, '10000090fa000001')
        entries = self.listing(driver, [ours])
        self.assertEqual(
            [('legacy-free', free, 2, True, None),
             (ours.id, ours.provider_location.split('^')[1].split('@')[0],
              3, False, ours.id),
             ('legacy-mapped', mapped, 4, False, None)],
            [(e['reference']['source-name'], e['reference']['source-id'],
              e['size'], e['safe_to_manage'], e['cinder_id'])
             for e in entries])
        self.assertIsNone(entries[0]['reason_not_safe'])
        self.assertIn('Already managed', entries[1]['reason_not_safe'])
        self.assertIn('mapped', entries[2]['reason_not_safe'])
        self.assertEqual({'LV-1'},
                         {e['reference']['pool-name'] for e in entries})
        # Paging and sorting as cinder asks for them.
        page = self.listing(driver, [ours], limit=1, offset=1,
                            sort_dirs=['desc'])
        self.assertEqual([3], [e['size'] for e in page])
        after = self.listing(driver, [ours], marker=entries[0]['reference'])
        self.assertEqual([3, 4], [e['size'] for e in after])
        # What the listing offers is manageable as it is listed.
        volume = self.volume()
        driver.manage_existing(volume, entries[0]['reference'])
        self.assertEqual(volume.id,
                         self.array.read()['parts'][free]['name'])

    def test_manage_and_unmanage_snapshot(self):
        driver = self.load()
        volume = self.create(driver, size=2)
        part_id = volume.provider_location.split('^')[1].split('@')[0]
        with state_mod.Array.open(self.array.state_dir) as array:
            si_id = array.create_si(part_id, 'legacy-snap')
        snap = fake_snapshot.fake_snapshot_obj(
            self.loaded.context, id=str(uuid.uuid4()), volume_size=2,
            provider_location=None)
        snap.volume = volume
        ref = {'source-name': 'legacy-snap'}
        self.assertEqual(2, driver.manage_existing_snapshot_get_size(
            snap, ref))
        listed = driver.get_manageable_snapshots([], None, 10, 0, ['size'],
                                                 ['asc'])
        self.assertEqual([(si_id, True, {'volume-id': volume.id})],
                         [(e['reference']['source-id'], e['safe_to_manage'],
                           e['source_reference']) for e in listed])
        update = driver.manage_existing_snapshot(snap, ref)
        self.assertEqual({'provider_location': si_id}, update)
        self.assertEqual(snap.id, self.array.read()['sis'][si_id]['name'])
        snap.provider_location = si_id
        [entry] = driver.get_manageable_snapshots([snap], None, 10, 0,
                                                  ['size'], ['asc'])
        self.assertEqual((False, snap.id),
                         (entry['safe_to_manage'], entry['cinder_id']))
        self.assertIn('Already managed', entry['reason_not_safe'])
        # A managed snapshot is one cinder can use.
        copy = self.volume(size=2)
        copy.provider_location = driver.create_volume_from_snapshot(
            copy, snap)['provider_location']
        self.addCleanup(driver.delete_volume, copy)
        driver.unmanage_snapshot(snap)
        self.assertEqual('cinder-unmanaged-' + snap.id[:19],
                         self.array.read()['sis'][si_id]['name'])
        [entry] = driver.get_manageable_snapshots([], None, 10, 0,
                                                  ['size'], ['asc'])
        self.assertTrue(entry['safe_to_manage'])
        # The image is managed again by ID (cleanup deletes it).
        driver.manage_existing_snapshot(snap, {'source-id': si_id})
        self.addCleanup(driver.delete_snapshot, snap)

    def test_snapshot_of_another_volume_is_refused(self):
        driver = self.load()
        volume = self.create(driver)
        other = self.create(driver)
        si_snap = self.snapshot(driver, other)
        snap = fake_snapshot.fake_snapshot_obj(
            self.loaded.context, id=str(uuid.uuid4()), volume_size=1,
            provider_location=None)
        snap.volume = volume
        self.assertRaises(exception.ManageExistingInvalidReference,
                          driver.manage_existing_snapshot, snap,
                          {'source-id': si_snap.provider_location})
        self.assertRaises(exception.ManageExistingInvalidReference,
                          driver.manage_existing_snapshot_get_size, snap,
                          {'source-name': 'no-such-image'})
        self.assertEqual(
            si_snap.id,
            self.array.read()['sis'][si_snap.provider_location]['name'])

    def test_update_migrated_volume_renames_the_copy(self):
        driver = self.load()
        source = self.create(driver)
        target = self.create(driver)
        part_id = target.provider_location.split('^')[1].split('@')[0]
        update = driver.update_migrated_volume(
            self.loaded.context, source, target, 'available')
        self.assertEqual({'_name_id': None,
                          'provider_location': target.provider_location},
                         update)
        self.assertEqual(source.id,
                         self.array.read()['parts'][part_id]['name'])

    def test_update_migrated_volume_keeps_name_id_when_rename_fails(self):
        driver = self.load()
        source = self.create(driver)
        target = self.create(driver)
        part_id = target.provider_location.split('^')[1].split('@')[0]
        self.fault('^set part ', 'fail', status=1, message='RAID fail',
                   count=None)
        update = driver.update_migrated_volume(
            self.loaded.context, source, target, 'in-use')
        self.assertEqual({'_name_id': target.id,
                          'provider_location': target.provider_location},
                         update)
        self.assertEqual(target.id,
                         self.array.read()['parts'][part_id]['name'])


class TieringTest(DriverTestBase):

    class array_class(sim.SimulatedArray):
        storage_protocol = 'FC'
        driver_class = 'infortrend_cinder.fc.InfortrendCLIFCDriver'

        def start(self, test):
            super().start(test)
            with state_mod.Array.open(self.state_dir) as array:
                array.data['lvs']['7A000000000000AA'] = {
                    'name': 'LV-T', 'size': 3 * 10240,
                    'tiers': [10240, 10240, 10240]}

    def _type(self, **specs):
        return objects.VolumeType(extra_specs=specs)

    def test_thin_tiered_create_and_tiering_retype(self):
        driver = self.load(infortrend_pools_name=['LV-1', 'LV-T'])
        stats = driver.get_volume_stats(True)
        tiers = {p['pool_name']: p['infortrend_tiers']
                 for p in stats['pools']}
        self.assertEqual({'LV-1': 0, 'LV-T': 3}, tiers)
        old_type = self._type(**{'infortrend:provisioning': 'thin',
                                 'infortrend:tiering': '0,1'})
        volume = self.create(driver, pool='LV-T', volume_type=old_type)
        part = list(self.array.read()['parts'].values())[0]
        self.assertEqual(('0,1', 0), (part['tier'], part['min']))
        new_type = {'extra_specs': {'infortrend:provisioning': 'thin',
                                    'infortrend:tiering': '2'}}
        host = {'host': volume.host}
        self.assertTrue(driver.retype(self.loaded.context, volume, new_type,
                                      {}, host))
        part = list(self.array.read()['parts'].values())[0]
        self.assertEqual('2', part['tier'])

    def test_provisioning_change_is_not_done_in_place(self):
        driver = self.load(infortrend_pools_name=['LV-1', 'LV-T'])
        volume = self.create(driver, pool='LV-T', volume_type=self._type(
            **{'infortrend:provisioning': 'full'}))
        new_type = {'extra_specs': {'infortrend:provisioning': 'thin'}}
        self.assertFalse(driver.retype(self.loaded.context, volume,
                                       new_type, {}, {'host': volume.host}))

    def test_per_pool_provisioning_spec(self):
        driver = self.load(infortrend_pools_name=['LV-1', 'LV-T'])
        spec = self._type(**{'infortrend:provisioning':
                             'LV-1:thin; LV-T:full'})
        self.create(driver, pool='LV-1', volume_type=spec)
        part = list(self.array.read()['parts'].values())[0]
        self.assertEqual(int(1024 * 0.2), part['min'])


class ImageCopyTest(DriverTestBase):
    """cinder's generic copy image <-> volume over real iSCSI.

    os-brick attaches through the kit's user-space initiator.
    """

    def setUp(self):
        super().setUp()
        from common_testing import images
        from common_testing import initiator
        self.brick = self.useFixture(initiator.UserSpaceISCSIForOsBrick())
        self.images = self.useFixture(images.LocalImages()).service
        self.driver = self.load()
        self.volume_obj = self.create(self.driver)
        self.volume_obj.update({'_name_id': None, 'encryption_key_id': None,
                                'glance_metadata': {}})
        self.volume_obj.volume_type = objects.VolumeType(extra_specs={})

    def _data_file(self):
        part_id = self.volume_obj.provider_location.split('^')[1].split(
            '@')[0]
        return os.path.join(self.array.state_dir, 'data',
                            'part-%s.img' % part_id)

    def test_copy_image_to_volume(self):
        payload = os.urandom(3 * 1024 * 1024)
        image = self.images.add_image(payload, disk_format='qcow2')
        self.driver.copy_image_to_volume(self.loaded.context,
                                         self.volume_obj, self.images,
                                         image['id'])
        with open(self._data_file(), 'rb') as f:
            self.assertTrue(payload == f.read(len(payload)),
                            'volume data differs from the image')
        state = self.array.read()
        self.assertEqual(({}, []), (state['iqns'], state['maps']))

    def test_copy_volume_to_image(self):
        payload = os.urandom(2 * 1024 * 1024)
        with open(self._data_file(), 'r+b') as f:
            f.seek(5 * 1024 * 1024)
            f.write(payload)
        meta = self.images.create(self.loaded.context, {
            'name': 'from-volume', 'disk_format': 'raw',
            'container_format': 'bare'})
        self.driver.copy_volume_to_image(self.loaded.context,
                                         self.volume_obj, self.images, meta)
        raw = self.images.read_raw(meta['id'])
        self.assertEqual(1024 ** 3, len(raw))
        self.assertTrue(payload == raw[5 * 1024 * 1024:7 * 1024 * 1024],
                        'image data differs from the volume')
        self.assertEqual([], self.array.read()['maps'])


class RoundTripsTest(DriverTestBase):
    """Commands per operation, counted on the live session."""

    def _count(self, func, *args):
        client = self.driver.client
        before = client.commands_sent
        func(*args)
        return client.commands_sent - before

    def setUp(self):
        super().setUp()
        self.driver = self.load()

    def test_create_takes_two_commands(self):
        volume = self.volume()
        self.addCleanup(self.driver.delete_volume, volume)
        self.assertEqual(2, self._count(
            lambda: volume.update(self.driver.create_volume(volume))))

    def test_stats_take_the_same_commands_whatever_the_partitions(self):
        empty = self._count(self.driver.get_volume_stats, True)
        with state_mod.Array.open(self.array.state_dir) as array:
            lv_id = [i for i, lv in array.data['lvs'].items()
                     if lv['name'] == 'LV-1'][0]
            for index in range(200):
                array.create_part(lv_id, 'p%d' % index, 1, min_mb=0)
        self.assertEqual(empty, self._count(self.driver.get_volume_stats,
                                            True))
        self.assertLessEqual(empty, 4)
        pools = {p['pool_name']: p for p in
                 self.driver.get_volume_stats(False)['pools']}
        self.assertEqual(0.2, pools['LV-1']['provisioned_capacity_gb'])


class ConcurrencyTest(DriverTestBase):
    array_class = sim.SimulatedFCArray

    def test_concurrent_attaches_get_distinct_luns(self):
        import concurrent.futures
        driver = self.load()
        volumes = [self.create(driver) for _ in range(6)]
        for volume in volumes:
            self.addCleanup(driver.terminate_connection, volume,
                            self.connector())
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            infos = list(pool.map(
                lambda v: driver.initialize_connection(v, self.connector()),
                volumes))
        luns = [info['data']['target_lun'] for info in infos]
        self.assertEqual(list(range(6)), sorted(luns))
        for volume, lun in zip(volumes, luns):
            self.assertEqual(lun, self.array.fc_lun(
                volume, self.connector()['wwpns']))


class PollingTest(DriverTestBase):
    """Replica jobs are looked at soon, then less often (issue 17)."""

    def setUp(self):
        super().setUp()
        self.sleeps = []
        real_sleep = time.sleep
        main = threading.current_thread()

        def sleep(seconds):
            if threading.current_thread() is main:
                self.sleeps.append(seconds)
            real_sleep(seconds)
        self.useFixture(fixtures.MonkeyPatch('time.sleep', sleep))

    def test_a_half_second_job_is_seen_within_a_tenth(self):
        # The default infortrend_replica_poll_interval (2 s) only caps
        # the waits: a job the array finishes in 0.5 s is found done by
        # the time the waits add up to 0.6 s.
        driver = self.load(infortrend_replica_poll_interval=2.0)
        source = self.create(driver)
        snap = self.snapshot(driver, source)
        self.array.update(replica_seconds=0.5)
        for copy in (
                lambda v: driver.create_cloned_volume(v, source),
                lambda v: driver.create_volume_from_snapshot(v, snap)):
            del self.sleeps[:]
            volume = self.volume()
            started = time.monotonic()
            volume.provider_location = copy(volume)['provider_location']
            elapsed = time.monotonic() - started
            self.addCleanup(driver.delete_volume, volume)
            self.assertEqual(common.POLL_FIRST_WAIT, self.sleeps[0])
            self.assertLessEqual(sum(self.sleeps), 0.6)
            self.assertGreaterEqual(elapsed, 0.5)
            self.assertEqual({}, self.array.read()['replicas'])

    def test_waits_grow_to_the_poll_interval_cap(self):
        driver = self.load(infortrend_replica_poll_interval=0.2,
                           infortrend_replica_timeout=2)
        source = self.create(driver)
        self.array.update(replica_seconds=-1)
        self.assertRaises(exception.VolumeBackendAPIException,
                          driver.create_cloned_volume, self.volume(), source)
        self.assertEqual(sorted(self.sleeps), self.sleeps)
        self.assertEqual(0.2, max(self.sleeps))
        self.assertEqual(common.POLL_FIRST_WAIT, self.sleeps[0])


class MigrateTest(DriverTestBase):
    array_class = sim.SimulatedFCArray

    def _host(self, pool, system_id='57068'):
        return {'host': '%s#%s' % (self.loaded.host, pool),
                'capabilities': {'location_info':
                                 'Infortrend:%s' % system_id}}

    def test_migrate_to_another_pool_moves_the_data(self):
        driver = self.load()
        volume = self.create(driver)
        old_part = volume.provider_location.split('^')[1].split('@')[0]
        with state_mod.Array.open(self.array.state_dir) as array:
            with open(array.part_path(old_part), 'r+b') as f:
                f.seek(7 * state_mod.MB)
                f.write(b'migrate-me')
        moved, update = driver.migrate_volume(self.loaded.context, volume,
                                              self._host('LV-2'))
        self.assertTrue(moved)
        volume.provider_location = update['provider_location']
        state = self.array.read()
        [(part_id, part)] = state['parts'].items()
        self.assertIn(part_id, update['provider_location'])
        lv_name = state['lvs'][part['lv']]['name']
        self.assertEqual(('LV-2', volume.id), (lv_name, part['name']))
        self.assertEqual({}, state['replicas'])
        with state_mod.Array.open(self.array.state_dir) as array:
            with open(array.part_path(part_id), 'rb') as f:
                f.seek(7 * state_mod.MB)
                self.assertEqual(b'migrate-me', f.read(10))

    def test_other_arrays_and_same_pool_are_left_to_cinder(self):
        driver = self.load()
        volume = self.create(driver)
        for host in (self._host('LV-2', system_id='1'),
                     self._host('LV-1'), self._host('LV-9')):
            self.assertEqual((False, None), driver.migrate_volume(
                self.loaded.context, volume, host))
        self.assertEqual(1, len(self.array.read()['parts']))

    def test_failed_migration_keeps_the_source_and_no_orphan(self):
        driver = self.load(infortrend_replica_timeout=1)
        volume = self.create(driver)
        before = self.array.inventory()
        self.array.update(replica_seconds=-1)
        self.assertRaises(exception.VolumeBackendAPIException,
                          driver.migrate_volume, self.loaded.context, volume,
                          self._host('LV-2'))
        self.assertEqual(before, self.array.inventory())
