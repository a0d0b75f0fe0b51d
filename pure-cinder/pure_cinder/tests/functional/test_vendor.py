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
"""FlashArray-specific cases: setup errors, TLS, faults and the extras."""

import time
from unittest import mock

from cinder import exception
import fixtures

from common_testing import faults
from common_testing import tls
from pure_cinder import common
from pure_cinder.tests.functional import base

GiB = base.GiB


class SetupTest(base.DriverAgainstSimulator):

    def test_unreachable_array_names_pure_target(self):
        self.sim.stop()
        loaded = self.load_driver(setup=False)
        exc = self.assertRaises(common.PureDriverException,
                                loaded.init_host)
        self.assertIn('pure_target=%s' % self.sim.target, str(exc))

    def test_wrong_token_names_the_option_and_is_not_logged(self):
        wrong = 'wrong-token-0123456789abcdef'
        self.logs.add_secret(wrong)
        loaded = self.load_driver(setup=False, pure_api_token=wrong)
        exc = self.assertRaises(common.PureDriverException,
                                loaded.init_host)
        self.assertIn('pure_api_token', str(exc))
        self.assertNotIn(wrong, str(exc))

    def test_san_ip_is_accepted_instead_of_pure_target(self):
        loaded = self.load_driver(pure_target=None, san_ip=self.sim.target,
                                  backend_name='by-san-ip')
        self.assertEqual('sim-fa', loaded.driver.array_name)

    def test_missing_address_names_pure_target(self):
        loaded = self.load_driver(setup=False, pure_target=None,
                                  backend_name='no-address')
        exc = self.assertRaises(exception.InvalidConfigurationValue,
                                loaded.init_host)
        self.assertIn('pure_target', str(exc))

    def test_certificate_from_another_ca_is_refused(self):
        other_dir = self.useFixture(fixtures.TempDir()).path
        other_ca, _key = tls.write_self_signed_cert(other_dir, '127.0.0.1')
        loaded = self.load_driver(setup=False,
                                  driver_ssl_cert_path=other_ca)
        exc = self.assertRaises(common.PureDriverException,
                                loaded.init_host)
        self.assertIn('TLS verification', str(exc))

    def test_invalid_iscsi_cidr_is_named(self):
        loaded = self.load_driver(setup=False, pure_iscsi_cidr='10.0.0/33')
        exc = self.assertRaises(exception.InvalidConfigurationValue,
                                loaded.init_host)
        self.assertIn('pure_iscsi_cidr', str(exc))

    def test_token_never_reaches_the_logs_during_operations(self):
        volume = self.create_volume()
        self.sim.server.expire_sessions()   # forces a re-login
        self.driver.extend_volume(volume, 2)
        self.driver.get_volume_stats(refresh=True)
        self.assertEqual([], self.logs.leaks())
        self.assertTrue(self.logs.records)

    def test_interface_compliance(self):
        from cinder.interface import util
        from cinder.interface import volume_driver
        from pure_cinder import fc
        from pure_cinder import iscsi
        for cls in (iscsi.PureISCSIDriver, fc.PureFCDriver):
            self.assertTrue(issubclass(cls, volume_driver.VolumeDriverCore))
            info = util.DriverInfo(cls)
            self.assertTrue(info.version)
            self.assertTrue(info.ci_wiki_name)
            names = {opt.name for opt in info.driver_options}
            self.assertIn('pure_api_token', names)


class FaultsTest(base.DriverAgainstSimulator):

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


class ExtrasTest(base.DriverAgainstSimulator):

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
            self.context, id=str(__import__('uuid').uuid4()),
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


class ShortSessionTest(base.DriverAgainstSimulator):
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
