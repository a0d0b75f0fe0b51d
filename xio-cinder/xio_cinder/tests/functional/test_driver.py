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

"""The real driver classes, loaded from a cinder.conf section as
cinder-volume loads them, against the simulator process."""

from concurrent import futures
import os
import threading
import uuid

from cinder.api.schemas import volume_manage
from cinder.api.validation import validators
from cinder import context as cinder_context
from cinder import exception
from cinder import objects
from cinder.tests.unit import fake_snapshot
from cinder.tests.unit import fake_volume
from cinder.volume import volume_utils
from common_testing import driver_loader
from common_testing import images
from common_testing import initiator
from common_testing import logcheck
from common_testing import net
from common_testing import race
from common_testing import tgt
import fixtures as fixtures_lib
from oslo_concurrency import processutils

from xio_cinder.tests import base as test_base
from xio_cinder.tests.functional import fixtures
from xio_cinder.tests.functional import race_worker

GB = 1024 ** 3
INITIATOR = 'iqn.2004-10.com.example:compute-1'
WWPNS = ['21000024ff000001', '21000024ff000002']


class DriverBase:
    driver_class = None
    simulator_args = ()
    tgtd = False
    chap = False

    def setUp(self):
        super().setUp()
        objects.register_all()
        self.sim = self.useFixture(fixtures.Simulator(
            *self.simulator_arguments(), tgtd=self.tgtd, chap=self.chap))
        self.logs = self.useFixture(logcheck.SecretsNotLogged(
            [self.sim.password, fixtures.CHAP_SECRET]))
        self.driver = self.load()
        self.ctxt = cinder_context.get_admin_context()

    def simulator_arguments(self):
        return self.simulator_args

    def options(self, **overrides):
        options = {
            'volume_driver': self.driver_class,
            'san_ip': self.sim.san_ip,
            'san_login': 'admin',
            'san_password': self.sim.password,
            'ise_connection_retries': 2,
            'ise_retry_interval': 0.1,
            'ise_completion_retries': 20,
            'volume_backend_name': 'xio',
        }
        if self.sim.san_api_port:
            options['san_api_port'] = self.sim.san_api_port
        options.update(overrides)
        return options

    def load(self, setup=True, **overrides):
        return self.useFixture(driver_loader.LoadedDriver(
            self.options(**overrides), setup=setup)).driver

    def volume(self, size=1, extra_specs=None, **kwargs):
        """A volume of a volume type (cinder always has one)."""
        vid = str(uuid.uuid4())
        kwargs.setdefault('host', 'h@xio#Pool_1')
        vtype = objects.VolumeType(self.ctxt, id=str(uuid.uuid4()),
                                   name='xio', extra_specs=extra_specs or {},
                                   qos_specs_id=None)
        volume = fake_volume.fake_volume_obj(
            self.ctxt, id=vid, name='volume-%s' % vid, size=size,
            volume_type_id=vtype.id,
            expected_attrs=['metadata', 'admin_metadata',
                            'volume_attachment', 'glance_metadata'],
            **kwargs)
        volume.volume_type = vtype
        return volume

    def snapshot(self, volume):
        sid = str(uuid.uuid4())
        snap = fake_snapshot.fake_snapshot_obj(
            self.ctxt, id=sid, volume_id=volume.id, volume_size=volume.size)
        snap.volume = volume
        return snap

    def array_volumes(self):
        return self.sim.state()['volumes']

    def write(self, volume, offset, data):
        path = self.array_volumes()[volume.name]['path']
        with open(path, 'r+b') as f:
            f.seek(offset)
            f.write(data)

    def read(self, volume, offset, length):
        path = self.array_volumes()[volume.name]['path']
        with open(path, 'rb') as f:
            f.seek(offset)
            return f.read(length)


class DriverTestMixin(DriverBase):

    # -- the seed operations -------------------------------------------------

    def test_create_extend_delete(self):
        volume = self.volume(size=2)
        self.driver.create_volume(volume)
        on_array = self.array_volumes()[volume.name]
        self.assertEqual((2, 1, 1), (on_array['size_gb'], on_array['raid'],
                                     on_array['pool']))
        self.driver.extend_volume(volume, 4)
        self.assertEqual(4 * GB, os.path.getsize(on_array['path']))
        self.driver.delete_volume(volume)
        self.assertNotIn(volume.name, self.array_volumes())
        self.driver.delete_volume(volume)    # idempotent

    def test_snapshot_then_volume_from_snapshot_larger(self):
        source = self.volume()
        self.driver.create_volume(source)
        self.write(source, 8192, b'point-in-time')
        snap = self.snapshot(source)
        self.driver.create_snapshot(snap)
        self.write(source, 8192, b'later-change!')
        target = self.volume(size=3)
        self.driver.create_volume_from_snapshot(target, snap)
        self.assertEqual(b'point-in-time', self.read(target, 8192, 13))
        self.assertEqual(3, self.array_volumes()[target.name]['size_gb'])
        self.driver.delete_snapshot(snap)
        self.driver.delete_snapshot(snap)
        for volume in (source, target):
            self.driver.delete_volume(volume)
        self.assertEqual({}, self.array_volumes())

    def test_clone_larger(self):
        source = self.volume()
        self.driver.create_volume(source)
        self.write(source, 0, b'clone me')
        clone = self.volume(size=2)
        self.driver.create_cloned_volume(clone, source)
        self.assertEqual(b'clone me', self.read(clone, 0, 8))
        self.assertEqual('clone', self.array_volumes()[clone.name]['kind'])
        self.assertEqual(2, self.array_volumes()[clone.name]['size_gb'])

    def test_extra_specs_reach_the_array(self):
        volume = self.volume(extra_specs={
            'Feature:Raid': '5', 'Affinity:Type': 'flash',
            'Alloc:Type': '1', 'QoS:minIOPS': '100', 'qos:maxIOPS': '5000',
            'QoS:burstIOPS': '9000'})
        self.driver.create_volume(volume)
        on_array = self.array_volumes()[volume.name]
        self.assertEqual((5, 'flash', '1'), (on_array['raid'],
                                             on_array['affinity'],
                                             on_array['alloctype']))
        self.assertEqual({'IOPSmin': '100', 'IOPSmax': '5000',
                          'IOPSburst': '9000'}, on_array['iops'])

    def test_retype_changes_qos_in_place_only(self):
        volume = self.volume(extra_specs={'QoS:maxIOPS': '5000'})
        self.driver.create_volume(volume)
        host = {'host': volume.host}
        diff = {'extra_specs': {'QoS:maxIOPS': ('5000', '800')},
                'qos_specs': {'minIOPS': (None, '50')}}
        self.assertTrue(self.driver.retype(self.ctxt, volume, {}, diff,
                                           host))
        self.assertEqual({'IOPSmax': '800', 'IOPSmin': '50'},
                         self.array_volumes()[volume.name]['iops'])
        raid = {'extra_specs': {'Feature:Raid': ('1', '5')}}
        self.assertFalse(self.driver.retype(self.ctxt, volume, {}, raid,
                                            host))
        self.assertFalse(self.driver.retype(
            self.ctxt, volume, {}, diff, {'host': 'h@xio#Pool_2'}))

    def test_stats_per_pool_and_raid(self):
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertEqual('X-IO', stats['vendor_name'])
        self.assertEqual(self.expected_protocol, stats['storage_protocol'])
        pool = stats['pools'][0]
        self.assertEqual(('Pool_1', 'Pool 1', '1'),
                         (pool['pool_name'], pool['ise_pool_name'],
                          pool['ise_pool_id']))
        self.assertEqual(1000, pool['total_capacity_gb'])
        self.assertEqual(500, pool['free_capacity_gb'])   # RAID 1
        self.assertEqual(1000, pool['free_capacity_gb_raid_0'])
        self.assertTrue(pool['QoS_support'])

    def test_stuck_prepare_ends_with_clear_error_and_no_leftover(self):
        source = self.volume()
        self.driver.create_volume(source)
        self.sim.control('PUT', 'delays', {'prepare': 3600})
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.create_snapshot,
                                  self.snapshot(source))
        self.assertIn('did not become prepared within 20', str(error))
        self.assertEqual([source.name], list(self.array_volumes()))

    def test_failed_create_leaves_nothing(self):
        self.sim.control('PUT', 'delays', {'create': 3600})
        volume = self.volume()
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.create_volume, volume)
        self.sim.control('PUT', 'delays', {'create': 0.01})
        self.sim.wait_settled()
        self.assertEqual({}, self.array_volumes())

    def test_primary_controller_lost_mid_operation(self):
        source = self.volume()
        self.driver.create_volume(source)
        self.sim.control('POST', 'controllers/0/stop', controller=1)
        snap = self.snapshot(source)
        self.driver.create_snapshot(snap)
        self.assertIn(snap.name, self.sim.state(controller=1)['volumes'])

    def test_primary_stops_while_a_clone_is_being_prepared(self):
        source = self.volume()
        self.driver.create_volume(source)
        self.sim.control('PUT', 'delays', {'prepare': 1.0})
        stopper = threading.Timer(0.3, self.sim.control,
                                  ('POST', 'controllers/0/stop'),
                                  {'controller': 1})
        self.addCleanup(stopper.cancel)
        stopper.start()
        clone = self.volume()
        self.driver.create_cloned_volume(clone, source)
        stopper.join()
        volumes = self.sim.state(controller=1)['volumes']
        self.assertEqual('Operational', volumes[clone.name]['status'])
        self.assertEqual(self.sim.controllers[1],
                         self.driver.client.addresses[0])

    def test_concurrent_attaches_make_one_host(self):
        volumes = [self.volume() for _ in range(4)]
        for volume in volumes:
            self.driver.create_volume(volume)
        with futures.ThreadPoolExecutor(4) as pool:
            infos = list(pool.map(
                lambda v: self.driver.initialize_connection(
                    v, self.connector()), volumes))
        state = self.sim.state()
        self.assertEqual(['compute-1'], list(state['hosts']))
        self.assertEqual(4, len({i['data']['target_lun'] for i in infos}))
        with futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda v: self.driver.terminate_connection(
                v, self.connector()), volumes))
        state = self.sim.state()
        self.assertEqual(({}, []), (state['hosts'], state['allocations']))

    def test_hostile_xml_from_the_array_is_refused(self):
        laughs = ('<?xml version="1.0"?><!DOCTYPE lolz ['
                  '<!ENTITY lol "lol">'
                  '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
                  ']><pools><pool><name>&lol3;</name></pool></pools>')
        self.sim.control('POST', 'replies', {
            'match': '^GET /storage/pools$', 'body': laughs})
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.get_volume_stats, True)
        self.assertIn('forbidden XML', str(error))
        self.sim.control('POST', 'replies', {
            'match': '^GET /storage/pools$', 'body': '<pools><pool>'})
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.get_volume_stats, True)
        self.assertIn('not well-formed', str(error))
        # The next reply is the array's own again.
        self.assertEqual('Pool_1', self.driver.get_volume_stats(
            True)['pools'][0]['pool_name'])

    def test_manage_and_unmanage(self):
        legacy = self.volume(size=2)
        self.driver.create_volume(legacy)
        managed = self.volume()
        ref = {'source-name': legacy.name}
        size = self.driver.manage_existing_get_size(managed, ref)
        self.assertEqual(2, size)
        self.driver.manage_existing(managed, ref)
        self.assertIn(managed.name, self.array_volumes())
        self.assertNotIn(legacy.name, self.array_volumes())
        self.driver.unmanage(managed)
        self.assertIn(managed.name, self.array_volumes())
        self.assertRaises(exception.ManageExistingInvalidReference,
                          self.driver.manage_existing_get_size, managed,
                          {'source-name': 'nope'})

    def test_manageable_volumes(self):
        ours, legacy, presented = (self.volume(size=n) for n in (1, 3, 2))
        for volume in (ours, legacy, presented):
            self.driver.create_volume(volume)
        snap = self.snapshot(ours)
        self.driver.create_snapshot(snap)
        self.driver.initialize_connection(presented, self.connector())
        # legacy and presented are not (or no longer) cinder's.
        entries = self.driver.get_manageable_volumes(
            [ours], None, 100, 0, ['size'], ['asc'])
        self.assertEqual(
            [(ours.name, 1, False, ours.id), (snap.name, 1, False, None),
             (presented.name, 2, False, None), (legacy.name, 3, True, None)],
            sorted([(e['reference']['source-name'], e['size'],
                     e['safe_to_manage'], e['cinder_id']) for e in entries],
                   key=lambda row: (row[1], row[0] != ours.name)))
        reasons = {e['reference']['source-name']: e['reason_not_safe']
                   for e in entries}
        self.assertIn('Already managed', reasons[ours.name])
        self.assertIn('snapshot', reasons[snap.name])
        self.assertIn('Presented', reasons[presented.name])
        self.assertIsNone(reasons[legacy.name])
        page = self.driver.get_manageable_volumes(
            [ours], None, 1, 0, ['size'], ['desc'])
        self.assertEqual([legacy.name],
                         [e['reference']['source-name'] for e in page])
        # What is offered is manageable as listed.
        managed = self.volume()
        self.driver.manage_existing(managed, page[0]['reference'])
        self.assertIn(managed.name, self.array_volumes())

    def test_attach_detach_removes_host_with_last_allocation(self):
        first, second = self.volume(), self.volume()
        for volume in (first, second):
            self.driver.create_volume(volume)
        connector = self.connector()
        info1 = self.driver.initialize_connection(first, connector)
        info2 = self.driver.initialize_connection(second, connector)
        self.assertNotEqual(info1['data']['target_lun'],
                            info2['data']['target_lun'])
        state = self.sim.state()
        self.assertEqual(['compute-1'], list(state['hosts']))
        self.assertEqual('OPENSTACK', state['hosts']['compute-1']['type'])
        self.check_connection(info1, first)
        self.driver.terminate_connection(first, connector)
        self.assertEqual(['compute-1'], list(self.sim.state()['hosts']))
        self.driver.terminate_connection(second, connector)
        state = self.sim.state()
        self.assertEqual(({}, []), (state['hosts'], state['allocations']))
        self.driver.terminate_connection(second, connector)  # idempotent


class ISCSIMixin:
    driver_class = 'xio_cinder.iscsi.XIOISCSIDriver'
    expected_protocol = 'iSCSI'
    tgtd = True

    def options(self, **overrides):
        overrides.setdefault('iscsi_ip_address', self.sim.info['iscsi_ips'][0])
        overrides.setdefault('target_port',
                             self.sim.info['iscsi_portal'].rsplit(':', 1)[1])
        return super().options(**overrides)

    def connector(self, multipath=False):
        return {'host': 'compute-1', 'initiator': INITIATOR,
                'multipath': multipath}

    def check_connection(self, info, volume):
        data = info['data']
        self.assertEqual('iscsi', info['driver_volume_type'])
        self.assertEqual(self.sim.info['iscsi_portal'], data['target_portal'])
        target = tgt.TgtAdmin(self.sim.info['tgtd_control_port']).target(
            data['target_iqn'])
        self.assertIn(data['target_lun'], target.luns)
        self.assertEqual(self.array_volumes()[volume.name]['path'],
                         target.luns[data['target_lun']].path)

    def initiator(self):
        user_space = initiator.UserSpaceInitiator(name=INITIATOR)
        self.addCleanup(user_space.detach_all)
        return user_space

    def test_data_over_real_iscsi_then_clone(self):
        user_space = self.initiator()
        volume = self.volume()
        self.driver.create_volume(volume)
        info = self.driver.initialize_connection(volume, self.connector())
        attachment = user_space.attach(info)
        with open(attachment.path, 'r+b') as disk:
            disk.seek(GB // 2)
            disk.write(b'written over iSCSI')
            disk.flush()
            os.fsync(disk.fileno())
        user_space.detach(attachment.path)
        self.driver.terminate_connection(volume, self.connector())
        written = self.read(volume, GB // 2, 18)
        self.assertEqual(b'written over iSCSI', written)
        clone = self.volume(size=2)
        self.driver.create_cloned_volume(clone, volume)
        info = self.driver.initialize_connection(clone, self.connector())
        attachment = user_space.attach(info)
        self.assertEqual(2 * GB, os.path.getsize(attachment.path))
        with open(attachment.path, 'rb') as disk:
            disk.seek(GB // 2)
            self.assertEqual(b'written over iSCSI', disk.read(18))
        user_space.detach(attachment.path)
        self.driver.terminate_connection(clone, self.connector())
        self.assertEqual({}, self.sim.state()['hosts'])


class ISCSIDriverTest(ISCSIMixin, DriverTestMixin, test_base.TestCase):

    def test_copy_image_to_volume_and_back_through_cinder(self):
        brick = self.useFixture(initiator.UserSpaceISCSIForOsBrick(
            name=INITIATOR))
        self.assertEqual(INITIATOR, brick.name)
        service = self.useFixture(images.LocalImages()).service
        payload = b'ISE image payload ' * 50000
        image = service.add_image(payload, disk_format='qcow2')
        volume = self.volume()
        self.driver.create_volume(volume)
        self.driver.copy_image_to_volume(self.ctxt, volume, service,
                                         image['id'])
        self.assertEqual(payload, self.read(volume, 0, len(payload)))
        self.assertEqual({}, self.sim.state()['hosts'])   # detached
        meta = service.create(self.ctxt, {'name': 'from-volume',
                                          'disk_format': 'raw',
                                          'container_format': 'bare'})
        self.driver.copy_volume_to_image(self.ctxt, volume, service, meta)
        uploaded = service.read_raw(meta['id'])
        self.assertEqual(GB, len(uploaded))
        self.assertEqual(payload, uploaded[:len(payload)])
        self.assertEqual([], self.sim.state()['allocations'])

    def test_iscsi_ip_address_must_be_an_ise_port(self):
        driver = self.load(iscsi_ip_address='192.0.2.1')
        volume = self.volume()
        driver.create_volume(volume)
        error = self.assertRaises(exception.InvalidConfigurationValue,
                                  driver.initialize_connection, volume,
                                  self.connector())
        self.assertIn('iscsi_ip_address', str(error))
        self.assertEqual([], self.sim.state()['allocations'])


class FCDriverTest(DriverTestMixin, test_base.TestCase):
    driver_class = 'xio_cinder.fc.XIOFCDriver'
    expected_protocol = 'FC'

    def connector(self):
        return {'host': 'compute-1', 'wwpns': WWPNS,
                'wwnns': ['20000024ff000001']}

    def check_connection(self, info, volume):
        data = info['data']
        self.assertEqual('fibre_channel', info['driver_volume_type'])
        self.assertEqual(4, len(data['target_wwn']))
        self.assertEqual(set(WWPNS), set(data['initiator_target_map']))
        allocation = [a for a in self.sim.state()['allocations']
                      if a['volume'] == volume.name][0]
        self.assertEqual(allocation['lun'], data['target_lun'])


class ISCSIMultipathAndCHAPTest(ISCSIMixin, DriverBase, test_base.TestCase):
    """CHAP from the ISE's ionetworks, and multipath portal lists."""

    chap = True

    def simulator_arguments(self):
        # One more data port in the tgtd's /24, and one outside it.
        tgtd_ip = net.private_loopback()
        last = int(tgtd_ip.rsplit('.', 1)[1])
        self.same_subnet = '%s.%d' % (tgtd_ip.rsplit('.', 1)[0],
                                      254 if last != 254 else 253)
        return ('--iscsi-ip', self.same_subnet, '--iscsi-ip', '127.99.0.1')

    def test_multipath_lists_only_same_subnet_portals_with_chap(self):
        volume = self.volume()
        self.driver.create_volume(volume)
        connector = {'host': 'compute-1', 'initiator': INITIATOR,
                     'multipath': True}
        data = self.driver.initialize_connection(volume, connector)['data']
        port = self.sim.info['iscsi_portal'].rsplit(':', 1)[1]
        self.assertEqual(
            [self.sim.info['iscsi_portal'],
             '%s:%s' % (self.same_subnet, port)], data['target_portals'])
        self.assertEqual(2, len(set(data['target_iqns'])))
        self.assertEqual(('CHAP', 'chapuser', fixtures.CHAP_SECRET),
                         (data['auth_method'], data['auth_username'],
                          data['auth_password']))
        user_space = initiator.UserSpaceInitiator(name=INITIATOR)
        self.addCleanup(user_space.detach_all)
        # Every listed path works, the second one included.
        for portal, iqn in zip(data['target_portals'], data['target_iqns']):
            attachment = user_space.attach(dict(
                data, target_portal=portal, target_iqn=iqn,
                target_portals=[portal], target_iqns=[iqn],
                target_luns=[data['target_lun']]))
            self.assertEqual(GB, os.path.getsize(attachment.path))
            user_space.detach(attachment.path)
        # Each in-subnet data port answers a SendTargets discovery with the
        # targets of the subnet's ports; the port outside it is not there.
        for portal in data['target_portals']:
            out, _err = processutils.execute(
                'iscsi-ls', '-i', INITIATOR, 'iscsi://%s' % portal)
            for iqn in data['target_iqns']:
                self.assertIn('Target:%s ' % iqn, out)
            self.assertNotIn('127.99.0.1', out)
        wrong = dict(data, auth_password='not-the-chap-secret')
        self.logs.add_secret('not-the-chap-secret')
        self.assertRaises(initiator.InitiatorError, user_space.attach, wrong)
        self.driver.terminate_connection(volume, connector)


class HTTPSTest(DriverBase, test_base.TestCase):
    """driver_use_ssl with certificate verification."""

    driver_class = 'xio_cinder.fc.XIOFCDriver'

    def setUp(self):
        test_base.TestCase.setUp(self)
        objects.register_all()
        self.sim = self.useFixture(fixtures.Simulator(tls=True))
        self.ctxt = cinder_context.get_admin_context()

    def test_verified_https(self):
        driver = self.load(driver_use_ssl=True, driver_ssl_cert_verify=True,
                           driver_ssl_cert_path=self.sim.ca_path)
        volume = self.volume()
        driver.create_volume(volume)
        self.assertIn(volume.name, self.array_volumes())

    def test_untrusted_certificate_is_refused(self):
        driver = self.load(setup=False, driver_use_ssl=True,
                           driver_ssl_cert_verify=True)
        driver.do_setup(self.ctxt)
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  driver.check_for_setup_error)
        self.assertIn('TLS verification', str(error))


class ISCSIAndFCOnOneISETest(ISCSIMixin, DriverBase, test_base.TestCase):
    """One hypervisor attached to one ISE over both iSCSI and FC.

    Both driver classes against one simulator, same connector host name.
    """

    def setUp(self):
        super().setUp()
        fc_options = DriverBase.options(
            self, volume_driver='xio_cinder.fc.XIOFCDriver')
        self.fc_driver = self.useFixture(driver_loader.LoadedDriver(
            fc_options, backend_name='ise-fc')).driver

    test_data_over_real_iscsi_then_clone = None   # ISCSIDriverTest has it

    def fc_connector(self):
        return {'host': 'compute-1', 'wwpns': WWPNS}

    def hosts(self):
        return {name: sorted(host['endpoints'])
                for name, host in self.sim.state()['hosts'].items()}

    def test_iscsi_attach_when_the_fc_host_has_the_name(self):
        fc_volume, iscsi_volume = self.volume(), self.volume()
        for volume in (fc_volume, iscsi_volume):
            self.driver.create_volume(volume)
        self.fc_driver.initialize_connection(fc_volume, self.fc_connector())
        info = self.driver.initialize_connection(iscsi_volume,
                                                 self.connector())
        self.check_connection(info, iscsi_volume)
        self.assertEqual({'compute-1': WWPNS,
                          'compute-1-iscsi': [INITIATOR]}, self.hosts())
        self.driver.terminate_connection(iscsi_volume, self.connector())
        self.assertEqual({'compute-1': WWPNS}, self.hosts())
        self.fc_driver.terminate_connection(fc_volume, self.fc_connector())
        self.assertEqual({}, self.hosts())

    def test_fc_attach_when_the_iscsi_host_has_the_name(self):
        fc_volume, iscsi_volume = self.volume(), self.volume()
        for volume in (fc_volume, iscsi_volume):
            self.driver.create_volume(volume)
        self.driver.initialize_connection(iscsi_volume, self.connector())
        info = self.fc_driver.initialize_connection(fc_volume,
                                                    self.fc_connector())
        allocation = [a for a in self.sim.state()['allocations']
                      if a['volume'] == fc_volume.name][0]
        self.assertEqual(('compute-1-fc', allocation['lun']),
                         (allocation['host'], info['data']['target_lun']))
        self.assertEqual({'compute-1': [INITIATOR],
                          'compute-1-fc': WWPNS}, self.hosts())
        # The FC host goes with its last allocation; the iSCSI one stays.
        self.fc_driver.terminate_connection(fc_volume, self.fc_connector())
        self.assertEqual({'compute-1': [INITIATOR]}, self.hosts())
        self.driver.terminate_connection(iscsi_volume, self.connector())
        self.assertEqual({}, self.hosts())

    def test_an_operators_host_of_that_name_is_left_alone(self):
        self.driver.client.create_host('compute-1', ['iqn.2026-11.op:other'])
        volume = self.volume()
        self.driver.create_volume(volume)
        self.driver.initialize_connection(volume, self.connector())
        self.assertEqual({'compute-1': ['iqn.2026-11.op:other'],
                          'compute-1-iscsi': [INITIATOR]}, self.hosts())
        self.driver.terminate_connection(volume, self.connector())
        self.assertEqual({'compute-1': ['iqn.2026-11.op:other']},
                         self.hosts())

    def test_both_names_taken_is_a_clear_error_leaving_nothing(self):
        self.driver.client.create_host('compute-1', ['iqn.2026-11.op:a'])
        self.driver.client.create_host('compute-1-iscsi',
                                       ['iqn.2026-11.op:b'])
        before = self.hosts()
        volume = self.volume()
        self.driver.create_volume(volume)
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.initialize_connection, volume,
                                  self.connector())
        self.assertIn('compute-1, compute-1-iscsi', str(error))
        self.assertIn(INITIATOR, str(error))
        self.assertEqual(before, self.hosts())
        self.assertEqual([], self.sim.state()['allocations'])


class PoolNamesTest(DriverBase, test_base.TestCase):
    """Pool names cinder's manage API accepts, leading to the ISE pool.

    Cinder carries the pool in host@backend#pool.
    """

    driver_class = 'xio_cinder.fc.XIOFCDriver'
    simulator_args = ('--pool', '1:Pool 1:1000', '--pool', '2:Fast Pool:500')
    # What cinder-api checks a manage request against.
    manage_schema = validators._SchemaValidator(
        volume_manage.volume_manage_create)

    def manage_body(self, host, name):
        return {'volume': {'host': host, 'ref': {'source-name': name}}}

    def test_stats_pool_names_pass_the_manage_api_validation(self):
        pools = self.driver.get_volume_stats(refresh=True)['pools']
        self.assertEqual([('Pool_1', 'Pool 1', '1'),
                          ('Fast_Pool', 'Fast Pool', '2')],
                         [(p['pool_name'], p['ise_pool_name'],
                           p['ise_pool_id']) for p in pools])
        for pool in pools:
            host = volume_utils.append_host('compute@xio', pool['pool_name'])
            self.manage_schema.validate(self.manage_body(host, 'v'))
            self.assertEqual(pool['pool_name'],
                             volume_utils.extract_host(host, 'pool'))
        # The ISE's own name is what cinder refused.
        self.assertRaises(exception.ValidationError,
                          self.manage_schema.validate,
                          self.manage_body('compute@xio#Pool 1', 'v'))

    def test_manage_existing_by_host_backend_pool(self):
        pool_name = self.driver.get_volume_stats(
            refresh=True)['pools'][1]['pool_name']
        host = volume_utils.append_host('compute@xio', pool_name)
        legacy = self.volume(size=2, host=host)
        self.driver.create_volume(legacy)
        self.assertEqual(2, self.array_volumes()[legacy.name]['pool'])
        body = self.manage_body(host, legacy.name)
        self.manage_schema.validate(body)
        managed = self.volume(host=body['volume']['host'])
        ref = body['volume']['ref']
        self.assertEqual(2, self.driver.manage_existing_get_size(managed,
                                                                 ref))
        self.driver.manage_existing(managed, ref)
        self.assertEqual(2, self.array_volumes()[managed.name]['pool'])
        self.assertNotIn(legacy.name, self.array_volumes())
        self.driver.unmanage(managed)
        self.assertIn(managed.name, self.array_volumes())

    def test_scheduler_pool_choice_and_pre_fix_hosts_reach_the_pool(self):
        by_new = self.volume(host='compute@xio#Fast_Pool')
        by_old = self.volume(host='compute@xio#Fast Pool')  # before the fix
        for volume in (by_new, by_old):
            self.driver.create_volume(volume)
            self.assertEqual(2, self.array_volumes()[volume.name]['pool'])
        # Both names are one pool: a QoS retype between them stays in place.
        diff = {'extra_specs': {'QoS:maxIOPS': (None, '800')}}
        self.assertTrue(self.driver.retype(
            self.ctxt, by_old, {}, diff, {'host': by_new.host}))
        self.assertFalse(self.driver.retype(
            self.ctxt, by_new, {}, diff, {'host': 'compute@xio#Pool_1'}))


class TwoServicesBase(DriverBase):
    """Two cinder-volume services, two processes, one ISE, shared locks."""

    driver_class = 'xio_cinder.fc.XIOFCDriver'
    connector_ = {'host': 'shared-compute', 'wwpns': ['21000024ff00aa01'],
                  'wwnns': ['20000024ff00aa01']}

    def service(self, **overrides):
        return self.useFixture(race.Service(
            race_worker.__name__, self.options(**overrides),
            self.coordination_url, 'xio'))

    def setUp(self):
        super().setUp()
        self.coordination_url = 'file://' + self.useFixture(
            fixtures_lib.TempDir()).path

    def created(self, count):
        volumes = [self.volume() for _n in range(count)]
        for volume in volumes:
            self.driver.create_volume(volume)
        return volumes

    def run_at_once(self, services, *operations):
        """Each service runs its operations, the services at one time."""
        return [value for values in race.run_at_once(self, services,
                                                     *operations)
                for value in values]

    def attach(self, volume):
        return ['attach', {'volume': volume.id,
                           'connector': self.connector_}]

    def detach(self, volume):
        return ['detach', {'volume': volume.id,
                           'connector': self.connector_}]


class ActiveActiveTest(TwoServicesBase, test_base.TestCase):

    def test_attaches_detaches_and_copies_race_from_two_services(self):
        first, second = self.service(), self.service()
        volumes = self.created(18)
        source = self.created(1)[0]
        clones = [str(uuid.uuid4()) for _n in range(6)]
        snaps = [str(uuid.uuid4()) for _n in range(2)]

        def copies(mine, snap):
            return [['clone', {'volume': c, 'source': source.id}]
                    for c in mine] + [['snapshot', {
                        'snapshot': snap, 'volume': source.id}]]
        # One new compute host, attached to from both services at once,
        # while both copy one source.
        luns = self.run_at_once(
            (first, second),
            [self.attach(v) for v in volumes[:6]] + copies(clones[:3],
                                                           snaps[0]),
            [self.attach(v) for v in volumes[6:12]] + copies(clones[3:],
                                                             snaps[1]))
        state = self.sim.state()
        self.assertEqual(['shared-compute'], list(state['hosts']))
        self.assertEqual(12, len(state['allocations']))
        luns = [lun for lun in luns if lun is not None]
        self.assertEqual(12, len(set(luns)))
        self.sim.wait_settled()
        names = {'volume-%s' % c for c in clones} | {
            'snapshot-%s' % s for s in snaps}
        self.assertLessEqual(names, set(self.array_volumes()))
        # One service detaches the host's volumes while the other attaches
        # more: a host deleted after its last allocation must never be
        # one the other service is presenting to.
        self.run_at_once(
            (first, second),
            [self.detach(v) for v in volumes[:12]],
            [self.attach(v) for v in volumes[12:]])
        state = self.sim.state()
        self.assertEqual(['shared-compute'], list(state['hosts']))
        self.assertEqual(6, len(state['allocations']))
        self.run_at_once(
            (first, second),
            [self.detach(v) for v in volumes[12:15]],
            [self.detach(v) for v in volumes[15:]])
        state = self.sim.state()
        self.assertEqual(({}, []), (state['hosts'], state['allocations']))
        # Attach-detach cycles from both: the host is deleted and made
        # again many times, never under an attach of the other service.
        # A slow host delete widens the gap between seeing the host
        # without allocations and deleting it, which the host lock closes.
        self.sim.control('POST', 'faults', {
            'match': '^DELETE /storage/arrays/[^/]+/hosts/',
            'action': 'delay', 'seconds': 0.1, 'count': 1000})
        self.run_at_once(
            (first, second),
            [['cycle', {'volume': v.id, 'connector': self.connector_,
                        'times': 8}] for v in volumes[:2]],
            [['cycle', {'volume': v.id, 'connector': self.connector_,
                        'times': 8}] for v in volumes[2:4]])
        state = self.sim.state()
        self.assertEqual(({}, []), (state['hosts'], state['allocations']))
        # Deleting everything from both services leaves nothing behind.
        everything = [['delete', {'volume': v.id}]
                      for v in volumes + [source]]
        everything += [['delete', {'volume': c}] for c in clones]
        self.run_at_once(
            (first, second),
            [['delete_snapshot', {'snapshot': s, 'volume': source.id}]
             for s in snaps] + everything[::2], everything[1::2])
        self.sim.wait_settled()
        self.assertEqual({}, self.array_volumes())


class CredentialRotationTest(TwoServicesBase, test_base.TestCase):
    """san_login/san_password rotated service by service (README)."""

    def test_rotation_with_attaches_before_during_and_after(self):
        volumes = self.created(8)
        new_password = 'rotated-Pa55word-7x'
        self.logs.add_secret(new_password)
        first, second = self.service(), self.service()
        # Before: both services use the old account.
        self.run_at_once((first, second), [self.attach(volumes[0])],
                         [self.attach(volumes[1])])
        # 1. A second account on the ISE.
        self.assertEqual(['admin', 'cinder2'],
                         self.sim.set_users(cinder2=new_password))
        # 2. Services restarted one at a time with the new account: during
        # the overlap the old and the new service attach side by side.
        first.stop()
        first = self.service(san_login='cinder2', san_password=new_password)
        self.run_at_once((first, second), [self.attach(volumes[2])],
                         [self.attach(volumes[3])])
        second.stop()
        second = self.service(san_login='cinder2',
                              san_password=new_password)
        # 3. The old account removed: nothing that runs notices.
        self.sim.set_users(admin=None)
        self.run_at_once((first, second), [self.attach(volumes[4])],
                         [self.attach(volumes[5])])
        # A service still on the old password is refused with the options
        # named ...
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.initialize_connection,
                                  volumes[6], self.connector_)
        self.assertIn('san_login=admin', str(error))
        self.assertIn('san_password', str(error))
        # ... and once its configuration holds the new account, its next
        # request goes through without a restart.
        group = 'conformance'   # the section LoadedDriver loads
        conf = driver_loader.CONF
        for name, value in (('san_login', 'cinder2'),
                            ('san_password', new_password)):
            conf.set_override(name, value, group=group)
            self.addCleanup(conf.clear_override, name, group=group)
        self.driver.initialize_connection(volumes[6], self.connector_)
        self.run_at_once(
            (first, second),
            [self.detach(v) for v in volumes[:4]],
            [self.detach(v) for v in volumes[4:7]])
        state = self.sim.state()
        self.assertEqual(({}, []), (state['hosts'], state['allocations']))
