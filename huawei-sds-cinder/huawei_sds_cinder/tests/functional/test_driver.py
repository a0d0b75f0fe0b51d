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
"""The real driver, loaded by class path, against the VBS simulator."""

import io
import os
import shutil
from unittest import mock
import uuid

from cinder import context
from cinder import exception
from cinder import objects
from cinder import privsep as cinder_privsep
from cinder.volume import configuration
from cinder.volume import driver as cinder_driver
from cinder.volume import volume_utils
from common_testing import faults
from common_testing import logcheck
import fixtures
import os_brick
from os_brick.initiator import connector as brick_connector
from os_brick import privileged as brick_privileged
from oslo_concurrency import lockutils
from oslo_config import cfg
from oslo_config import fixture as config_fixture
from oslo_utils import importutils
from oslo_utils import units

from huawei_sds_cinder import options
from huawei_sds_cinder.simulator import server
from huawei_sds_cinder.tests import base
from huawei_sds_cinder.tests.functional import fixtures as vbs_fixtures

# cinder.volume.manager needs the object classes registered at import.
objects.register_all()
from cinder.volume import manager as volume_manager  # noqa: E402

CONF = cfg.CONF
DRIVER_CLASS = 'huawei_sds_cinder.driver.HuaweiSDSHypervisorDriver'


class ImageService(object):
    """Stand-in for glance: raw images as files in a directory."""

    def __init__(self, directory):
        self.directory = directory
        self.temp_images = None     # cinder's TemporaryImages hooks here

    def path(self, image_id):
        return os.path.join(self.directory, image_id)

    def show(self, ctxt, image_id):
        return {'id': image_id, 'status': 'active',
                'size': os.path.getsize(self.path(image_id)),
                'disk_format': 'raw', 'container_format': 'bare',
                'properties': {}, 'min_disk': 0}

    def download(self, ctxt, image_id, data=None, dst_path=None):
        with open(self.path(image_id), 'rb') as image:
            shutil.copyfileobj(image, data, units.Mi)

    def update(self, ctxt, image_id, metadata, data=None, **kwargs):
        with open(self.path(image_id), 'wb') as image:
            shutil.copyfileobj(data, image, units.Mi)
        return self.show(ctxt, image_id)


def load_driver(conf_fixture, backend, options_dict):
    """Build the driver the way cinder-volume does for one backend."""
    CONF.register_opts(volume_manager.volume_backend_opts, group=backend)
    CONF.register_opts(cinder_driver.volume_opts, group=backend)
    CONF.register_opts(options.ALL_OPTS, group=backend)
    conf_fixture.config(group=backend, **options_dict)
    config = configuration.Configuration(volume_manager.volume_backend_opts,
                                         config_group=backend)
    return importutils.import_object(
        config.volume_driver, configuration=config, db=None,
        host='cinder@%s' % backend, is_vol_db_empty=False,
        active_backend_id=None)


class DriverTestBase(base.TestCase):
    """The simulator, os-brick's connector and a loaded driver.

    Not cinder's own test base: it monkey-patches eventlet.
    """

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(CONF))
        # os-brick serialises connect_volume with an external lock.
        lock_path = self.useFixture(fixtures.TempDir()).path
        lockutils.set_defaults(lock_path)
        self.conf.config(lock_path=lock_path, group='oslo_concurrency')
        os_brick.setup(CONF)
        # We run as root: os-brick's privileged calls (connector
        # properties) run in-process instead of through sudo + privsep.
        for privileged in (brick_privileged.default,
                           cinder_privsep.sys_admin_pctxt):
            privileged.set_client_mode(False)
            self.addCleanup(privileged.set_client_mode, True)
        # The driver's locks are cinder's coordination locks.
        self.useFixture(base.Coordinator())
        self.vbs = self.useFixture(vbs_fixtures.VbsSimulatorFixture())
        self.useFixture(vbs_fixtures.SdsCli(self.vbs))
        self.ctxt = context.get_admin_context()
        self.backend_options = {
            'volume_driver': DRIVER_CLASS,
            'volume_backend_name': 'sds',
            'huawei_sds_vbs_addresses': self.vbs.addresses,
            'huawei_sds_vbs_port': self.vbs.port,
            'huawei_sds_pools': ['16384', '16385'],
            'huawei_sds_connect_timeout': 1.0,
            'huawei_sds_read_timeout': 3.0,
            'huawei_sds_delete_timeout': 5,
        }
        self.driver = self._load()

    def _load(self, **overrides):
        opts = dict(self.backend_options, **overrides)
        driver = load_driver(self.conf, 'sds', opts)
        driver.do_setup(self.ctxt)
        driver.check_for_setup_error()
        return driver

    def _volume(self, size=1, pool='16384', **kwargs):
        return objects.Volume(
            self.ctxt, id=str(uuid.uuid4()), size=size,
            host='cinder@sds#%s' % pool, volume_type_id=None,
            provider_location=None, status='available',
            encryption_key_id=None, _name_id=None, **kwargs)

    def _create(self, size=1, **kwargs):
        volume = self._volume(size, **kwargs)
        volume.update(self.driver.create_volume(volume) or {})
        return volume

    def _snapshot(self, volume):
        snapshot = objects.Snapshot(
            self.ctxt, id=str(uuid.uuid4()), volume_id=volume.id,
            volume_size=volume.size, provider_location=None)
        snapshot.volume = volume
        snapshot.update(self.driver.create_snapshot(snapshot) or {})
        return snapshot

    def _inventory(self):
        return self.vbs.array.inventory()

    def _attach(self, volume):
        """Attach through os-brick's own connector; returns (path, detach)."""
        info = self.driver.initialize_connection(volume, {})
        brick = brick_connector.InitiatorConnector.factory(
            info['driver_volume_type'], None)
        device = brick.connect_volume(info['data'])
        return device['path'], lambda: brick.disconnect_volume(
            info['data'], device)

    def _write(self, volume, offset, data):
        path, detach = self._attach(volume)
        try:
            with open(path, 'r+b') as device:
                device.seek(offset)
                device.write(data)
        finally:
            detach()

    def _read(self, volume, offset, length):
        path, detach = self._attach(volume)
        try:
            with open(path, 'rb') as device:
                device.seek(offset)
                return device.read(length)
        finally:
            detach()


class DriverFunctionalTest(DriverTestBase):
    """The driver's operations, through cinder, against the simulator."""

    # -- seed operations ---------------------------------------------------

    def test_create_and_delete_volume(self):
        before = self._inventory()
        volume = self._create(2, pool='16385')
        array_volume = self.vbs.array.volumes[volume.name]
        self.assertEqual('16385', array_volume.pool_id)
        self.assertEqual(2 * units.Gi, os.path.getsize(array_volume.path))
        self.assertEqual('100', array_volume.policy['iops'])
        self.driver.delete_volume(volume)
        # delete waits until the volume is really gone, not just deleting
        self.assertEqual(before, self._inventory())
        self.assertFalse(os.path.exists(array_volume.path))

    def test_attach_detach_real_data(self):
        volume = self._create()
        self._write(volume, units.Mi, b'written through sds_cli')
        self.assertEqual(b'written through sds_cli',
                         self._read(volume, units.Mi, 23))
        self.assertEqual(set(), self._inventory()['attachment'])
        self.assertEqual({'driver_volume_type': 'HUAWEISDSHYPERVISOR',
                          'data': {'volume_id': volume.name,
                                   'access_mode': 'rw',
                                   'qos_specs': None}},
                         self.driver.initialize_connection(volume, {}))

    def test_extend(self):
        volume = self._create()
        self._write(volume, 0, b'keep me')
        self.driver.extend_volume(volume, 3)
        self.assertEqual(3 * units.Gi, os.path.getsize(
            self.vbs.array.volumes[volume.name].path))
        self.assertEqual(b'keep me', self._read(volume, 0, 7))

    def _volume_from_snapshot(self):
        """(source, snapshot, a 2 GiB volume from it); data checked."""
        volume = self._create()
        self._write(volume, 4096, b'at snapshot time')
        snapshot = self._snapshot(volume)
        self._write(volume, 4096, b'after  snapshot!')
        made = self._volume(2)
        made.update(self.driver.create_volume_from_snapshot(made, snapshot))
        self.assertEqual(b'at snapshot time', self._read(made, 4096, 16))
        self.assertEqual(2 * units.Gi, os.path.getsize(
            self.vbs.array.volumes[made.name].path))
        return volume, snapshot, made

    def test_volume_from_snapshot_is_independent_of_it(self):
        # The default: a full copy, as cinder expects.
        before = self._inventory()
        volume, snapshot, copy = self._volume_from_snapshot()
        self.driver.delete_snapshot(snapshot)
        self.driver.delete_volume(volume)
        self.assertEqual(b'at snapshot time', self._read(copy, 4096, 16))
        self.driver.delete_volume(copy)
        self.assertEqual(before, self._inventory())

    def test_linked_clone_from_snapshot_keeps_it_busy(self):
        self.driver = self._load(huawei_sds_linked_clones=True)
        before = self._inventory()
        volume, snapshot, clone = self._volume_from_snapshot()
        # A linked clone holds its snapshot: cinder is told it is busy.
        self.assertRaises(exception.SnapshotIsBusy,
                          self.driver.delete_snapshot, snapshot)
        self.driver.delete_volume(clone)
        self.driver.delete_snapshot(snapshot)
        self.driver.delete_snapshot(snapshot)      # idempotent
        self.driver.delete_volume(volume)
        self.assertEqual(before, self._inventory())

    def test_larger_clone_leaves_no_temporary_snapshot(self):
        source = self._create()
        self._write(source, 0, b'source data')
        clone = self._volume(2)
        clone.update(self.driver.create_cloned_volume(clone, source))
        self.assertEqual(set(), self._inventory()['snapshot'])
        self.assertEqual(b'source data', self._read(clone, 0, 11))
        self.assertEqual(2 * units.Gi, os.path.getsize(
            self.vbs.array.volumes[clone.name].path))
        # The clone is independent: the source can go first.
        self.driver.delete_volume(source)
        self.assertEqual(b'source data', self._read(clone, 0, 11))

    def test_clone_failure_removes_temporary_snapshot(self):
        source = self._create()
        self.vbs.plan.add(faults.FaultRule(
            '^CREATE_VOLUME_FROM_SNAPSHOT_REQ', faults.FAIL))
        clone = self._volume(1)
        self.assertRaises(exception.VolumeBackendAPIException,
                          self.driver.create_cloned_volume, clone, source)
        # The new volume, made first, is removed too: nothing orphaned.
        self.assertEqual({source.name}, self._inventory()['volume'])
        self.assertEqual(set(), self._inventory()['snapshot'])
        self.assertEqual(set(), self._inventory()['attachment'])

    def test_copy_failure_removes_new_and_temporary_volumes(self):
        volume = self._create()
        snapshot = self._snapshot(volume)
        made = self._volume(1)
        with mock.patch.object(volume_utils, 'copy_volume',
                               side_effect=OSError('dd failed')):
            self.assertRaises(OSError,
                              self.driver.create_volume_from_snapshot,
                              made, snapshot)
        self.assertEqual({volume.name}, self._inventory()['volume'])
        self.assertEqual({snapshot.name}, self._inventory()['snapshot'])
        self.assertEqual(set(), self._inventory()['attachment'])

    # -- the requests Huawei's StorAC driver sends (doc/protocol.rst) -------

    def _requests_since(self, mark):
        return self.vbs.simulator.received[mark:]

    def test_volume_from_snapshot_requests_as_huawei(self):
        volume = self._create()
        snapshot = self._snapshot(volume)
        mark = len(self.vbs.simulator.received)
        made = self._volume(2)
        made.update(self.driver.create_volume_from_snapshot(made, snapshot))
        sent = [(t, dict(p)) for t, p in self._requests_since(mark)
                if not t.startswith('QUERY_') and t.endswith('_REQ')
                and not t.endswith('DEV_REQ')
                and t not in ('ATTACH_VOLUME_REQ', 'DETACH_VOLUME_REQ')]
        self.assertEqual(['CREATE_VOLUME_REQ',
                          'CREATE_VOLUME_FROM_SNAPSHOT_REQ',
                          'DELETE_VOLUME_REQ'], [t for t, _p in sent])
        create, linked, delete = [p for _t, p in sent]
        # P8: 22 keys, Huawei's fixed policy values.
        self.assertEqual(22, len(create))
        self.assertEqual((made.name, '2048', '100', '1'),
                         (create['vol_name'], create['vol_size'],
                          create['iops'], create['repicate_num']))
        # P11: Huawei's keys; a temporary linked volume of the snapshot.
        self.assertEqual({'vol_name', 'vol_size', 'snap_name_src',
                          'vol_num'}, set(linked))
        self.assertEqual((snapshot.name, '1', '1024'),
                         (linked['snap_name_src'], linked['vol_num'],
                          linked['vol_size']))
        self.assertTrue(linked['vol_name'].startswith('volume-'))
        self.assertEqual(linked['vol_name'], delete['vol_name'])

    def test_clone_requests_as_huawei(self):
        source = self._create()
        mark = len(self.vbs.simulator.received)
        clone = self._volume(1)
        clone.update(self.driver.create_cloned_volume(clone, source))
        sent = [(t, dict(p)) for t, p in self._requests_since(mark)
                if t in ('CREATE_VOLUME_REQ', 'CREATE_SNAPSHOT_REQ',
                         'CREATE_VOLUME_FROM_SNAPSHOT_REQ',
                         'DELETE_VOLUME_REQ', 'DELETE_SNAPSHOT_REQ')]
        self.assertEqual(['CREATE_VOLUME_REQ', 'CREATE_SNAPSHOT_REQ',
                          'CREATE_VOLUME_FROM_SNAPSHOT_REQ',
                          'DELETE_VOLUME_REQ', 'DELETE_SNAPSHOT_REQ'],
                         [t for t, _p in sent])
        snap = sent[1][1]
        self.assertEqual(('1', source.name), (snap['smartflag'],
                                              snap['vol_name']))
        self.assertTrue(snap['snap_name'].startswith('snapshot-'))
        self.assertEqual(snap['snap_name'], sent[2][1]['snap_name_src'])
        self.assertEqual(sent[2][1]['vol_name'], sent[3][1]['vol_name'])

    def test_delete_snapshot_attaches_its_volume_first(self):
        volume = self._create()
        snapshot = self._snapshot(volume)
        self.driver.delete_snapshot(snapshot)
        # P12: attached during DELETE_SNAPSHOT_REQ, detached afterwards.
        self.assertEqual([(snapshot.name, True)],
                         self.vbs.array.snapshot_deletes)
        self.assertEqual(set(), self._inventory()['attachment'])
        self.assertEqual(set(), self._inventory()['snapshot'])

    def test_delete_snapshot_of_attached_volume_leaves_it_attached(self):
        volume = self._create()
        snapshot = self._snapshot(volume)
        path, detach = self._attach(volume)
        self.addCleanup(detach)
        self.driver.delete_snapshot(snapshot)
        self.assertEqual([(snapshot.name, True)],
                         self.vbs.array.snapshot_deletes)
        self.assertEqual({volume.name}, self._inventory()['attachment'])

    def test_stats_one_round_trip_for_all_pools(self):
        self._create(3, pool='16384')
        trips = self.driver.client.round_trips
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertEqual(1, self.driver.client.round_trips - trips)
        pools = {p['pool_name']: p for p in stats['pools']}
        self.assertEqual({'16384', '16385'}, set(pools))
        self.assertEqual(20, pools['16384']['total_capacity_gb'])
        self.assertEqual(17, pools['16384']['free_capacity_gb'])
        self.assertEqual(10, pools['16385']['free_capacity_gb'])
        self.assertEqual('Huawei', stats['vendor_name'])
        self.assertEqual('StorageHypervisor', stats['storage_protocol'])
        self.assertEqual('sds', stats['volume_backend_name'])

    def test_copy_image_to_volume_and_back_byte_for_byte(self):
        images = ImageService(self.useFixture(fixtures.TempDir()).path)
        pattern = os.urandom(3 * units.Mi + 123)
        with open(images.path('img-in'), 'wb') as image:
            image.write(pattern)
        volume = self._create()
        self.driver.copy_image_to_volume(self.ctxt, volume, images, 'img-in')
        self.assertEqual(pattern, self._read(volume, 0, len(pattern)))
        # A block device keeps the volume's size (qemu-img cannot shrink it)
        self.assertEqual(units.Gi, os.path.getsize(
            self.vbs.array.volumes[volume.name].path))
        # upload reads the type's image_service:store_id extra spec
        volume.volume_type = objects.VolumeType(
            self.ctxt, id=str(uuid.uuid4()), name='plain', extra_specs={})
        volume.glance_metadata = {}     # not created from an image
        mark = len(self.vbs.simulator.received)
        self.driver.copy_volume_to_image(
            self.ctxt, volume, images,
            {'id': 'img-out', 'disk_format': 'raw',
             'container_format': 'bare'})
        # P13: uploaded from a temporary snapshot and linked volume, both
        # removed; the volume itself keeps its name.
        sent = [(t, dict(p)) for t, p in self._requests_since(mark)
                if t in ('CREATE_SNAPSHOT_REQ',
                         'CREATE_VOLUME_FROM_SNAPSHOT_REQ', 'QUERY_DEV_REQ',
                         'DELETE_VOLUME_REQ', 'DELETE_SNAPSHOT_REQ')]
        kinds = [t for t, _p in sent]
        self.assertEqual('CREATE_SNAPSHOT_REQ', kinds[0])
        self.assertEqual(volume.name, sent[0][1]['vol_name'])
        linked = sent[1][1]['vol_name']
        self.assertIn(('QUERY_DEV_REQ', {'vol_name': linked}), sent)
        self.assertNotIn(('QUERY_DEV_REQ', {'vol_name': volume.name}),
                         sent[:kinds.index('DELETE_VOLUME_REQ')])
        self.assertEqual(['DELETE_VOLUME_REQ', 'DELETE_SNAPSHOT_REQ'],
                         [k for k in kinds if k.startswith('DELETE_')])
        self.assertEqual(volume.name, volume.provider_location)
        self.assertEqual({volume.name}, self._inventory()['volume'])
        self.assertEqual(set(), self._inventory()['snapshot'])
        self.assertEqual(units.Gi, os.path.getsize(images.path('img-out')))
        with open(images.path('img-out'), 'rb') as uploaded:
            self.assertEqual(pattern, uploaded.read(len(pattern)))
        self.assertEqual(set(), self._inventory()['attachment'])

    # -- faults and bad input ----------------------------------------------

    def test_create_fails_over_when_one_address_down(self):
        self.vbs.simulator.address_down(self.vbs.addresses[0])
        volume = self._create()
        self.assertIn(volume.name, self._inventory()['volume'])
        # sds_cli gets both addresses too and fails over the same way.
        self._write(volume, 0, b'x')

    def test_unreachable_backend_clear_error(self):
        self.vbs.simulator.stop()
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.get_volume_stats, True)
        self.assertIn('no VBS reachable', str(error))

    def test_garbage_stats_reply_on_every_address_is_clear_error(self):
        self.vbs.simulator.add_reply_fault('^QUERY_POOLS', server.GARBAGE,
                                           count=2)
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  self.driver.get_volume_stats, True)
        self.assertIn('QUERY_POOLS_CAPABILITY_REQ', str(error))
        # Two addresses, each asked once; then it answers again.
        self.assertEqual(2, len(self.driver.get_volume_stats(True)['pools']))

    def test_framing_injection_through_policy_rejected_before_sending(self):
        error = self.assertRaises(
            exception.InvalidConfigurationValue, self._load,
            huawei_sds_volume_policy={'cache_size': '0\nvol_size=1'})
        self.assertIn('cache_size', str(error))

    def test_framing_injection_through_manage_ref_rejected(self):
        volume = self._volume()
        trips = self.driver.client.round_trips
        self.assertRaises(exception.ManageExistingInvalidReference,
                          self.driver.manage_existing, volume,
                          {'source-name': 'v\n[DELETE_VOLUME_REQ]'})
        self.assertEqual(trips, self.driver.client.round_trips)

    # -- manage / unmanage -------------------------------------------------

    def test_manage_and_unmanage(self):
        self.vbs.array.create_volume('legacy-vol', '16384', 1536)
        volume = self._volume()
        ref = {'source-name': 'legacy-vol'}
        self.assertEqual(2, self.driver.manage_existing_get_size(volume, ref))
        volume.size = 2     # what cinder does with that size
        volume.update(self.driver.manage_existing(volume, ref))
        self.assertEqual('legacy-vol', volume.provider_location)
        # 1.5 GB on the VBS was grown to the 2 GB cinder accounts for
        self.assertEqual(2048, self.vbs.array.volumes['legacy-vol'].size_mb)
        self._write(volume, 0, b'managed')
        self.driver.extend_volume(volume, 3)
        self.assertEqual(3072, self.vbs.array.volumes['legacy-vol'].size_mb)
        self.assertEqual(b'managed', self._read(volume, 0, 7))
        self.driver.unmanage(volume)
        self.assertIn('legacy-vol', self._inventory()['volume'])
        self.assertRaises(exception.ManageExistingInvalidReference,
                          self.driver.manage_existing_get_size, volume,
                          {'source-name': 'nope'})

    def _snapshot_object(self, volume):
        snapshot = objects.Snapshot(
            self.ctxt, id=str(uuid.uuid4()), volume_id=volume.id,
            volume_size=volume.size, provider_location=None)
        snapshot.volume = volume
        return snapshot

    def test_manage_and_unmanage_snapshot(self):
        volume = self._create(size=2)
        self._write(volume, 0, b'before')
        self.vbs.array.create_snapshot('legacy-snap', volume.provider_location)
        self._write(volume, 0, b'after!')
        snapshot = self._snapshot_object(volume)
        ref = {'source-name': 'legacy-snap'}
        self.assertEqual(2, self.driver.manage_existing_snapshot_get_size(
            snapshot, ref))
        snapshot.update(self.driver.manage_existing_snapshot(snapshot, ref))
        self.assertEqual('legacy-snap', snapshot.provider_location)
        # Managed, it is cinder's snapshot: a volume from it has its data.
        copy = self._volume(size=2)
        copy.update(self.driver.create_volume_from_snapshot(copy, snapshot))
        self.assertEqual(b'before', self._read(copy, 0, 6))
        self.driver.delete_volume(copy)
        self.driver.unmanage_snapshot(snapshot)
        self.assertIn('legacy-snap', self._inventory()['snapshot'])
        # Managed again, then deleted through cinder.
        snapshot = self._snapshot_object(volume)
        snapshot.update(self.driver.manage_existing_snapshot(snapshot, ref))
        self.driver.delete_snapshot(snapshot)
        self.assertNotIn('legacy-snap', self._inventory()['snapshot'])
        self.driver.delete_volume(volume)

    def test_manage_snapshot_of_another_volume_is_refused(self):
        volume, other = self._create(), self._create()
        self.vbs.array.create_snapshot('other-snap', other.provider_location)
        snapshot = self._snapshot_object(volume)
        for ref in ({'source-name': 'other-snap'}, {'source-name': 'nope'},
                    {'source-id': 'other-snap'}):
            self.assertRaises(exception.ManageExistingInvalidReference,
                              self.driver.manage_existing_snapshot,
                              snapshot, ref)
        error = self.assertRaises(
            exception.ManageExistingInvalidReference,
            self.driver.manage_existing_snapshot_get_size, snapshot,
            {'source-name': 'other-snap'})
        self.assertIn(other.provider_location, str(error))

    # -- legacy XML --------------------------------------------------------

    def test_legacy_xml_configuration(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'storac.xml')
        with io.open(path, 'w') as xml:
            xml.write(
                '<?xml version="1.0" encoding="UTF-8"?><config>'
                '<controller><vbs_url>%s, bogus ,%s</vbs_url>'
                '<vbs_port>%d</vbs_port><UserName>u</UserName>'
                '<UserPassword>xml-pass-word</UserPassword></controller>'
                '<pools><pool><pool_id>16385</pool_id></pool></pools>'
                '<policy><iops>500</iops><repicate_num>2</repicate_num>'
                '<QoS_support>1</QoS_support></policy>'
                '<capability><reserved_percentage>5</reserved_percentage>'
                '</capability></config>'
                % (self.vbs.addresses[0], self.vbs.addresses[1],
                   self.vbs.port))
        self.useFixture(logcheck.SecretsNotLogged(['xml-pass-word']))
        driver = self._load(huawei_sds_vbs_addresses=[],
                            huawei_sds_pools=[], huawei_sds_vbs_port=1,
                            cinder_huawei_sds_conf_file=path)
        self.assertEqual(self.vbs.addresses,
                         driver.client.addresses)
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual(['16385'], [p['pool_name'] for p in stats['pools']])
        self.assertEqual(5, stats['pools'][0]['reserved_percentage'])
        # P14: the XML <policy> is reported, as StorAC did ...
        self.assertEqual(('500', '2'), (stats['iops'],
                                        stats['repicate_num']))
        self.assertTrue(stats['pools'][0]['QoS_support'])
        self.driver = driver
        volume = self._create(pool='16385')
        # ... and new volumes still get the fixed policy (P8).
        policy = self.vbs.array.volumes[volume.name].policy
        self.assertEqual(('100', '1'), (policy['iops'],
                                        policy['repicate_num']))
        self.assertNotIn('QoS_support', policy)

    def test_legacy_xml_entity_attack_rejected(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'evil.xml')
        with io.open(path, 'w') as xml:
            xml.write('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY e '
                      '"boom">]><config><controller><vbs_url>&e;'
                      '</vbs_url></controller></config>')
        error = self.assertRaises(exception.InvalidConfigurationValue,
                                  self._load,
                                  cinder_huawei_sds_conf_file=path)
        self.assertIn('cinder_huawei_sds_conf_file', str(error))
