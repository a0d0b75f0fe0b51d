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

"""Driver logic with the ISE client mocked."""

import logging
import subprocess
import sys
from unittest import mock
import uuid

from cinder import context as cinder_context
from cinder import coordination
from cinder import exception
from cinder import objects
from cinder.tests.unit import fake_volume
from common_testing import driver_loader
import ddt
import testtools

from xio_cinder import client
from xio_cinder import common
from xio_cinder import fc
from xio_cinder import iscsi
from xio_cinder.tests import base as test_base

ARRAY = client.ArrayInfo('ISE1', frozenset({49003, 49004, 49006, 49007}),
                         [('10.0.0.1', '1'), ('10.0.0.2', '0')])
CONTROLLERS = [
    client.Controller([('10.1.0.5', 'iqn.ise:a'), ('10.2.0.5', 'iqn.ise:c')],
                      ['5000a1', '5000a2']),
    client.Controller([('10.1.0.6', 'iqn.ise:b')], ['5000b1']),
]


def _volume(name='v1', status='OPERATIONAL', details=('NONE',), size=1):
    return client.Volume(name, 'http://x/storage/arrays/ISE1/volumes/1',
                         '0' if status == 'OPERATIONAL' else '1', status,
                         list(details), size)


@ddt.ddt
class DriverTest(test_base.TestCase):

    driver_class = iscsi.XIOISCSIDriver

    def setUp(self):
        super().setUp()
        objects.register_all()
        self.ctxt = cinder_context.get_admin_context()
        self.options = {'volume_driver': '%s.%s' % (
            self.driver_class.__module__, self.driver_class.__name__),
            'san_ip': '10.0.0.1', 'san_login': 'admin',
            'san_password': 'pw', 'iscsi_ip_address': '10.1.0.5'}
        self.driver = self.useFixture(driver_loader.LoadedDriver(
            self.options, setup=False)).driver
        self.driver.do_setup(self.ctxt)
        self.client = mock.create_autospec(client.ISEClient, instance=True)
        self.client.query.return_value = ARRAY
        self.client.list_controllers.return_value = CONTROLLERS
        self.client.get_chap.return_value = None
        self.driver.client = self.client
        self.driver.check_for_setup_error()

    def volume(self, size=1, **kwargs):
        vid = str(uuid.uuid4())
        kwargs.setdefault('volume_type_id', None)
        return fake_volume.fake_volume_obj(
            self.ctxt, id=vid, name='volume-%s' % vid, size=size,
            host='h@b#Pool 1', **kwargs)

    def typed_volume(self, extra_specs, qos=None):
        vtype = objects.VolumeType(self.ctxt, id=str(uuid.uuid4()),
                                   name='t', extra_specs=extra_specs,
                                   qos_specs_id=None)
        vtype.qos_specs = None
        if qos:
            vtype.qos_specs_id = str(uuid.uuid4())
            vtype.qos_specs = objects.QualityOfServiceSpecs(
                self.ctxt, id=vtype.qos_specs_id, name='q',
                consumer='back-end', specs=qos)
        volume = self.volume(volume_type_id=vtype.id)
        volume.volume_type = vtype
        return volume

    def test_create_volume_uses_defaults_and_scheduler_pool(self):
        self.driver._pool_ids = {'Pool 1': 3}
        volume = self.volume(size=5)
        self.driver.create_volume(volume)
        self.client.create_volume.assert_called_once_with(
            volume.name, 5, 3, 1, affinity=None, alloctype=None, iops={})
        self.client.wait_for_volume.assert_called_once()

    @ddt.data(
        ({'Feature:Raid': '5', 'feature:pool': '2'}, None,
         {'raid': 5, 'pool': 2}),
        ({'Affinity:Type': 'flash', 'Alloc:Type': '1'}, None,
         {'affinity': 'flash', 'alloctype': '1'}),
        ({'QoS:maxIOPS': '900'}, {'minIOPS': '10', 'burstIOPS': '2000'},
         {'iops': {'min': 10, 'max': 900, 'burst': 2000}}),
    )
    @ddt.unpack
    def test_extra_specs(self, extra, qos, expected):
        self.driver._pool_ids = {'Pool 1': 1}
        settings = self.driver._type_settings(self.typed_volume(extra, qos))
        for key, value in expected.items():
            self.assertEqual(value, settings[key])

    @ddt.data({'Feature:Raid': '3'}, {'Alloc:Type': 'x'},
              {'QoS:minIOPS': 'many'}, {'Feature:Pool': 'two'})
    def test_bad_extra_specs_are_named(self, extra):
        error = self.assertRaises(exception.InvalidInput,
                                  self.driver._type_settings,
                                  self.typed_volume(extra))
        key = list(extra)[0].lower().split(':')[1]
        self.assertIn(key, str(error).lower())

    def test_capability_missing_for_spec(self):
        self.client.query.return_value = client.ArrayInfo(
            'ISE1', frozenset({49006}), [])
        error = self.assertRaises(exception.InvalidInput,
                                  self.driver._type_settings,
                                  self.typed_volume({'QoS:maxIOPS': '5'}))
        self.assertIn('QoS', str(error))

    @ddt.data({'extra_specs': {'QoS:maxIOPS': ('10', None)}},
              {'extra_specs': {'Alloc:Type': ('0', '1')}},
              {'qos_specs': {'maxIOPS': ('10', '20')},
               'extra_specs': {'Affinity:Type': ('hdd', 'flash')}})
    def test_retype_needs_migration(self, diff):
        self.assertFalse(self.driver.retype(
            self.ctxt, self.volume(), {}, diff, {'host': 'h@b#Pool 1'}))
        self.client.modify_volume.assert_not_called()

    def test_retype_qos_only(self):
        self.client.find_volume.return_value = _volume()
        self.assertTrue(self.driver.retype(
            self.ctxt, self.volume(), {},
            {'qos_specs': {'burstIOPS': (None, '300'),
                           'consumer': ('back-end', 'back-end')}},
            {'host': 'h@b#Pool 1'}))
        self.client.modify_volume.assert_called_once_with(
            _volume().url, IOPSburst=300)

    def test_failed_create_discards_the_volume(self):
        self.client.wait_for_volume.side_effect = [
            client.ISETimeout('v did not become operational'), None]
        self.client.find_volume.return_value = _volume()
        self.client.list_allocations.return_value = []
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.create_volume, self.volume())
        self.assertIn('did not become operational', str(error))
        self.client.delete_volume.assert_called_once()

    def test_snapshot_needs_an_operational_source(self):
        self.client.find_volume.return_value = _volume(status='CREATING')
        snap = mock.Mock(volume_name='volume-x')
        snap.name = 'snapshot-x'
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.create_snapshot, snap)
        self.assertIn('not operational', str(error))
        self.client.prepare_copy.assert_not_called()

    def test_delete_missing_volume_is_quiet(self):
        self.client.list_allocations.return_value = []
        self.client.find_volume.return_value = None
        self.driver.delete_volume(self.volume())
        self.client.delete_volume.assert_not_called()

    def test_delete_removes_allocations_first(self):
        alloc = client.Allocation('a-url', 'v', 'h', 1)
        self.client.list_allocations.return_value = [alloc]
        self.client.find_volume.return_value = _volume()
        calls = mock.Mock()
        self.client.delete_allocation.side_effect = (
            lambda url: calls('alloc', url))
        self.client.delete_volume.side_effect = (
            lambda url: calls('volume', url))
        self.driver.delete_volume(self.volume())
        self.assertEqual(['alloc', 'volume'],
                         [c.args[0] for c in calls.call_args_list])

    def _present(self, host_type='OPENSTACK'):
        host = client.Host('compute-1', 'host-url', host_type,
                           ['iqn.init'])
        self.client.list_hosts.return_value = [host]
        self.client.create_allocation.return_value = client.Allocation(
            'a-url', 'v', 'compute-1', 4)

    def test_iscsi_single_path(self):
        self._present()
        volume = self.volume()
        info = self.driver.initialize_connection(
            volume, {'host': 'compute-1', 'initiator': 'IQN.INIT'})
        self.assertEqual({'target_discovered': False,
                          'target_portal': '10.1.0.5:3260',
                          'target_iqn': 'iqn.ise:a', 'target_lun': 4,
                          'volume_id': volume.id}, info['data'])
        self.client.create_host.assert_not_called()
        self.client.mark_host_openstack.assert_not_called()

    def test_iscsi_multipath_lists_the_subnet_portals(self):
        self._present(host_type='OTHER')
        self.client.get_chap.return_value = client.Chap(True, 'u', 'p')
        info = self.driver.initialize_connection(
            self.volume(), {'host': 'compute-1', 'initiator': 'iqn.init',
                            'multipath': True})
        data = info['data']
        self.assertEqual(['10.1.0.5:3260', '10.1.0.6:3260'],
                         data['target_portals'])
        self.assertEqual(['iqn.ise:a', 'iqn.ise:b'], data['target_iqns'])
        self.assertEqual([4, 4], data['target_luns'])
        self.assertEqual(('CHAP', 'u', 'p'), (data['auth_method'],
                                              data['auth_username'],
                                              data['auth_password']))
        self.client.mark_host_openstack.assert_called_once_with('host-url')

    def test_unknown_host_is_created(self):
        self.client.list_hosts.side_effect = [
            [], [client.Host('compute-1', 'u', 'OPENSTACK', ['iqn.init'])]]
        self.client.create_allocation.return_value = client.Allocation(
            'a-url', 'v', 'compute-1', 1)
        self.driver.initialize_connection(
            self.volume(), {'host': 'compute-1', 'initiator': 'iqn.init'})
        self.client.create_host.assert_called_once_with('compute-1',
                                                        ['iqn.init'])

    def test_detach_keeps_host_with_other_allocations(self):
        self._present()
        self.client.list_allocations.side_effect = [
            [client.Allocation('a-url', 'v', 'compute-1', 4)],
            [client.Allocation('b-url', 'w', 'compute-1', 5)]]
        self.driver.terminate_connection(
            self.volume(), {'host': 'compute-1', 'initiator': 'iqn.init'})
        self.client.delete_allocation.assert_called_once_with('a-url')
        self.client.delete_host.assert_not_called()

    def test_detach_keeps_a_host_the_driver_did_not_name(self):
        initiator = ('iqn.init' if self.driver_class is iscsi.XIOISCSIDriver
                     else '21000024ff000001')
        self.client.list_hosts.return_value = [client.Host(
            'admin-made', 'host-url', 'OPENSTACK', [initiator])]
        self.client.list_allocations.return_value = []
        self.driver.terminate_connection(
            self.volume(), {'host': 'compute-1', 'initiator': initiator,
                            'wwpns': [initiator]})
        self.client.delete_host.assert_not_called()

    def test_force_detach_removes_every_allocation(self):
        self.client.list_allocations.return_value = [
            client.Allocation('a', 'v', 'h1', 1),
            client.Allocation('b', 'v', 'h2', 1)]
        self.driver.terminate_connection(self.volume(), None)
        self.assertEqual(2, self.client.delete_allocation.call_count)

    def test_client_errors_become_one_cinder_error_naming_what_failed(self):
        self.client.find_volume.side_effect = client.ISEHTTPError(
            'GET', '/storage/arrays/ISE1/volumes', 500, 'boom')
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.extend_volume, self.volume(), 2)
        self.assertIsInstance(error, common.XIODriverException)
        self.assertIn('extend volume failed on the ISE at san_ip=10.0.0.1',
                      str(error))
        self.assertIn('HTTP 500: boom', str(error))

    def _lock_names(self, call):
        """The coordination locks ``call`` takes, in order."""
        names = []
        real = coordination.COORDINATOR.get_lock

        def get_lock(name):
            names.append(name)
            return real(name)
        with mock.patch.object(coordination.COORDINATOR, 'get_lock',
                               side_effect=get_lock):
            call()
        return names

    def test_host_changes_hold_the_cross_process_host_lock(self):
        self._present()
        self.client.list_hosts.return_value = [client.Host(
            'compute-1', 'host-url', 'OPENSTACK',
            ['iqn.init', '21000024ff000001'])]
        self.client.list_allocations.return_value = []
        connector = {'host': 'compute-1', 'initiator': 'iqn.init',
                     'wwpns': ['21000024ff000001']}
        volume = self.volume()
        self.assertEqual(
            ['xio-ise-ISE1-host-compute-1'],
            self._lock_names(lambda: self.driver.initialize_connection(
                volume, connector)))
        self.assertEqual(
            ['xio-ise-ISE1-host-compute-1'],
            self._lock_names(lambda: self.driver.terminate_connection(
                volume, connector)))

    def test_copies_and_deletes_hold_the_cross_process_volume_lock(self):
        source = self.volume()
        self.client.find_volume.return_value = _volume(source.name)
        self.client.wait_for_volume.return_value = _volume('s1')
        snapshot = mock.Mock(volume_name=source.name)
        snapshot.name = 'snapshot-1'
        self.assertEqual(
            ['xio-ise-ISE1-volume-%s' % source.name],
            self._lock_names(lambda: self.driver.create_snapshot(snapshot)))
        self.assertEqual(
            ['xio-ise-ISE1-volume-snapshot-1'],
            self._lock_names(lambda: self.driver.delete_snapshot(snapshot)))

    def test_locks_are_named_after_the_ise(self):
        # Two backends on two ISEs never wait for each other's locks.
        source = self.volume()
        self.client.find_volume.return_value = _volume(source.name)
        self.client.query.return_value = client.ArrayInfo(
            'ISE2', ARRAY.capabilities, ARRAY.controllers)
        self.driver.check_for_setup_error()
        self.assertEqual(
            ['xio-ise-ISE2-volume-%s' % source.name],
            self._lock_names(lambda: self.driver.extend_volume(source, 2)))

    def test_declares_active_active(self):
        self.assertIs(True, self.driver_class.SUPPORTS_ACTIVE_ACTIVE)

    def test_refused_credentials_are_read_again_from_the_configuration(self):
        self.assertEqual(('admin', 'pw'), self.driver._credentials())
        conf = driver_loader.CONF
        conf.set_override('san_password', 'new-pw', group='conformance')
        self.addCleanup(conf.clear_override, 'san_password',
                        group='conformance')
        self.assertEqual(('admin', 'new-pw'), self.driver._credentials())

    def test_stats_in_two_cached_calls(self):
        self.client.list_pools.return_value = [client.Pool(
            'Pool 1', '1', 'OPERATIONAL', 60, 40,
            {'raid-0': 60, 'raid-1': 30, 'raid-5': 45}, {'raid-1': 40}, 7,
            {})]
        stats = self.driver.get_volume_stats(refresh=True)
        pool = stats['pools'][0]
        self.assertEqual((100, 30, 45, 7),
                         (pool['total_capacity_gb'], pool['free_capacity_gb'],
                          pool['free_capacity_gb_raid_5'],
                          pool['total_volumes']))
        self.assertEqual(('X-IO', self.driver.STORAGE_PROTOCOL, 100, 30),
                         (stats['vendor_name'], stats['storage_protocol'],
                          stats['total_capacity_gb'],
                          stats['free_capacity_gb']))
        self.assertEqual(1, self.client.list_pools.call_count)

    def test_pool_names_cinder_can_carry_in_a_host(self):
        def pool(name, pid):
            return client.Pool(name, pid, 'OPERATIONAL', 1, 0, {}, {}, 0, {})
        pools = [pool('Pool 1', '1'), pool('SSD tier #2', '2'),
                 pool('a b', '3'), pool('a@b', '4'), pool('  ', '5'),
                 pool('', '6'), pool('gold.tier-1', '7')]
        self.assertEqual({'1': 'Pool_1', '2': 'SSD_tier_2',
                          '3': 'pool-3', '4': 'pool-4',   # both 'a_b'
                          '5': 'pool-5', '6': 'pool-6',
                          '7': 'gold.tier-1'},
                         self.driver._pool_names(pools))
        self.client.list_pools.return_value = pools
        # Reported names, and the ISE's own names of hosts written before
        # the names were made safe; an unknown one gets ise_default_pool.
        self.assertEqual(
            [2, 4, 7, 3, self.driver.configuration.ise_default_pool],
            [self.driver._pool_for_host('h@b#' + name) for name in
             ('SSD_tier_2', 'pool-4', 'gold.tier-1', 'a b', 'nope')])

    def test_hosts_of_the_former_xio_driver_name_the_pool_id(self):
        # Cinder's former X-IO driver reported each pool under its ISE id.
        def pool(name, pid):
            return client.Pool(name, pid, 'OPERATIONAL', 1, 0, {}, {}, 0, {})
        self.client.list_pools.return_value = [pool('Pool 1', '1'),
                                               pool('Fast', '2')]
        self.assertEqual([1, 2, 2], [self.driver._pool_for_host(
            'h@b#' + name) for name in ('1', '2', 'Fast')])
        # A retype between the old and the new name of one pool stays in
        # place.
        volume = self.volume()
        volume.host = 'h@b#2'
        self.client.find_volume.return_value = _volume(volume.name)
        diff = {'extra_specs': {'QoS:maxIOPS': ('5', '9')}}
        self.assertTrue(self.driver.retype(self.ctxt, volume, {}, diff,
                                           {'host': 'h@b#Fast'}))

    @ddt.data(('create_cloned_volume', 'volume'),
              ('create_volume_from_snapshot', 'snapshot'))
    @ddt.unpack
    def test_copy_grows_to_the_cinder_size_from_the_ise_size(self, method,
                                                             kind):
        # The source is 2 GB in cinder but 1 GB on the ISE (a larger clone
        # made by cinder's former X-IO driver, which never grew one).
        source = self.volume(size=2)
        if kind == 'snapshot':
            source = mock.Mock(volume_size=2)
            source.name = 'snapshot-x'
        self.client.find_volume.return_value = _volume(source.name, size=1)
        copy = _volume(size=1)
        self.client.wait_for_volume.side_effect = [
            _volume(details=('PREPARED',), status='PREPARED', size=1), copy]
        target = self.volume(size=2)
        getattr(self.driver, method)(target, source)
        self.client.modify_volume.assert_called_once_with(copy.url, size=2)

    def test_host_name_taken_meanwhile_falls_back_to_the_suffixed_name(self):
        initiator = ('iqn.init' if self.driver_class is iscsi.XIOISCSIDriver
                     else '21000024ff000001')
        suffix = self.driver._host_suffix
        other = client.Host('compute-1', 'u1', 'OPENSTACK', ['other'])
        ours = client.Host('compute-1-' + suffix, 'u2', 'OPENSTACK',
                           [initiator])
        # The name was free when listed, then another backend took it.
        self.client.list_hosts.side_effect = [[], [other], [other, ours]]
        self.client.create_allocation.return_value = client.Allocation(
            'a-url', 'v', ours.name, 1)
        self.driver.initialize_connection(
            self.volume(), {'host': 'compute-1', 'initiator': initiator,
                            'wwpns': [initiator]})
        self.assertEqual(['compute-1', 'compute-1-' + suffix],
                         [c.args[0] for c in
                          self.client.create_host.call_args_list])
        self.client.create_allocation.assert_called_once_with(
            mock.ANY, 'compute-1-' + suffix)

    def test_missing_iscsi_ip_address_is_named(self):
        options = dict(self.options, iscsi_ip_address='')
        driver = self.useFixture(driver_loader.LoadedDriver(
            options, setup=False, backend_name='other')).driver
        error = self.assertRaises(exception.InvalidConfigurationValue,
                                  driver.do_setup, self.ctxt)
        self.assertIn('iscsi_ip_address', str(error))


class FCDriverTest(DriverTest):
    driver_class = fc.XIOFCDriver

    def test_fc_connection_maps_every_initiator_to_every_port(self):
        self.client.list_hosts.return_value = [client.Host(
            'compute-1', 'host-url', 'OPENSTACK', ['21000024ff000001'])]
        self.client.create_allocation.return_value = client.Allocation(
            'a-url', 'v', 'compute-1', 2)
        connector = {'host': 'compute-1',
                     'wwpns': ['21000024FF000001', '21000024ff000002']}
        info = self.driver.initialize_connection(self.volume(), connector)
        targets = ['5000a1', '5000a2', '5000b1']
        self.assertEqual(targets, info['data']['target_wwn'])
        self.assertEqual({'21000024ff000001': targets,
                          '21000024ff000002': targets},
                         info['data']['initiator_target_map'])
        self.client.list_allocations.side_effect = [[], []]
        info = self.driver.terminate_connection(self.volume(), connector)
        self.assertEqual(targets, info['data']['target_wwn'])
        self.client.delete_host.assert_called_once_with('host-url')

    # iSCSI-only cases do not apply to the FC class.
    test_iscsi_single_path = None
    test_iscsi_multipath_lists_the_subnet_portals = None
    test_missing_iscsi_ip_address_is_named = None
    test_unknown_host_is_created = None
    test_detach_keeps_host_with_other_allocations = None


class QuietTestsTest(test_base.TestCase):
    """Tests print nothing while they pass and show everything on failure."""

    def test_importing_the_test_modules_adds_no_root_handler(self):
        modules = ['xio_cinder.tests.%s.%s' % (layer, name)
                   for layer, name in (
                       ('unit', 'test_options'), ('unit', 'test_client'),
                       ('unit', 'test_driver'),
                       ('functional', 'test_conformance'),
                       ('functional', 'test_driver'),
                       ('functional', 'test_simulator'),
                       ('functional', 'test_switch'))]
        code = ('import importlib, logging, sys\n'
                'for name in sys.argv[1:]:\n'
                '    importlib.import_module(name)\n'
                'print(len(logging.getLogger().handlers))\n')
        done = subprocess.run([sys.executable, '-c', code] + modules,
                              capture_output=True, text=True, check=True)
        self.assertEqual('0', done.stdout.strip())
        self.assertEqual('', done.stderr)

    def _run_inner(self, fail):
        class Inner(test_base.TestCase):
            def test_it(self):
                logging.getLogger('xio_cinder.inner').debug('debug-line')
                print('stdout-line')
                sys.stderr.write('stderr-line\n')
                if fail:
                    self.fail('as asked')

        outer_stdout, outer_stderr = sys.stdout, sys.stderr
        result = testtools.TestResult()
        inner = Inner('test_it')
        inner.run(result)
        self.assertEqual(not fail, result.wasSuccessful())
        self.assertEqual((outer_stdout, outer_stderr),
                         (sys.stdout, sys.stderr))
        # Nothing went to the streams stestr would print.
        for name in ('stdout', 'stderr'):
            self.assertEqual(
                '', self.output.getDetails()[name].as_text())
        return {name: content.as_text()
                for name, content in inner.getDetails().items()}

    def test_a_failing_test_shows_its_logs_and_output(self):
        details = self._run_inner(fail=True)
        text = '\n'.join(details.values())
        for line in ('debug-line', 'stdout-line', 'stderr-line'):
            self.assertIn(line, text)

    def test_a_passing_test_prints_nothing(self):
        # Its output is kept only in its details, which stestr shows for
        # failures alone.
        self.assertIn('debug-line',
                      '\n'.join(self._run_inner(fail=False).values()))
