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
"""cinder's in-tree Infortrend drivers (2.1.4) against the simulator.

The independent witness for the simulator: cinder 29's own
``InfortrendCLIISCSIDriver`` and ``InfortrendCLIFCDriver``, unmodified,
loaded from a backend section as cinder-volume loads them, run their
``java_path -jar infortrend_cli_path`` on a pty (java_path is the
simulator's console script) and go through their lifecycle.  Each step is
checked on the array's state (partitions, snapshot images, maps,
initiator entries, replica jobs), not only by the absence of an error.
Their iSCSI attach runs ``iscsiadm -m discovery`` against the simulator's
tgtd through the test-only stand-in of :mod:`iscsiadm_standin`.

IntreeTestBase is also the base of test_switch.
"""

import logging
import os
import signal

from cinder import objects
from common_testing import conformance
from common_testing import driver_loader
from common_testing import logcheck
import fixtures

from infortrend_cinder.simulator import state as state_mod
from infortrend_cinder.tests import base
from infortrend_cinder.tests.functional import fixtures as sim
from infortrend_cinder.tests.functional import iscsiadm_standin

objects.register_all()

BACKEND = 'eonstor'
# The in-tree driver names an initiator entry after the last 16
# characters of the IQN: this one gives ".debian:01:probe".
INITIATOR = 'iqn.1993-08.org.debian:01:probe'
INTREE_ALIAS = '.debian:01:probe'
# A second host whose entry an administrator made with CHAP.
CHAP_INITIATOR = 'iqn.1994-05.com.redhat:chap-host'
CHAP_ALIAS = 'om.redhat:chap-host'[-16:]
CHAP_USER = 'chapuser'
CHAP_SECRET = 'Chap-s3cret-%d' % os.getpid()
WWPNS = ['10000090fa%06x' % (os.getpid() & 0xffffff),
         '10000090fb%06x' % (os.getpid() & 0xffffff)]


class IntreeArray(sim.SimulatedArray):
    # The in-tree driver gives <show net IPv4>:3260 as the portal.
    tgt_port = 3260


class IntreeFCArray(sim.SimulatedFCArray):
    pass


class IntreeTestBase(base.TestCase):
    array_class = IntreeArray

    def setUp(self):
        super().setUp()
        self.array = sim.start_array(self, self.array_class)
        # Jobs finish at once: the in-tree driver polls every 15 s.
        self.array.update(replica_seconds=0)
        # The in-tree driver logs its "connect ... password=" command and
        # output at DEBUG (cli_factory); its DEBUG records are not ours to
        # check, every other record is.
        self.useFixture(fixtures.FakeLogger(
            name='cinder.volume.drivers.infortrend', level=logging.INFO,
            format='%(message)s'))
        self.useFixture(logcheck.SecretsNotLogged(
            self.array.secrets() + [CHAP_SECRET]))
        if self.array.storage_protocol == 'iSCSI':
            self.iscsiadm = self.useFixture(
                iscsiadm_standin.IscsiadmOnPath(INITIATOR))
            self._take_lun_0()
        self.baseline = self._objects()

    def _take_lun_0(self):
        """Another host's partition at LUN 0 of every iSCSI path.

        tgtd keeps LUN 0 of each target for its controller device, so the
        simulator refuses LUN 0 on the channels it exports (rc 20, "LUN
        used").  The in-tree driver always tries the lowest free LUN of
        show map first, and its retry on rc 20 fails on its own
        (_find_next_lun_id adds 1 to the LUN string it read: TypeError).
        So, as on an array already serving other hosts, LUN 0 is taken
        before it attaches: a map the array holds but does not export.
        """
        with state_mod.Array.open(self.array.state_dir) as array:
            control_port = array.data['tgt_control_port']
            array.data['tgt_control_port'] = None
            lv_id = sorted(array.data['lvs'])[0]
            part_id = array.create_part(lv_id, 'other-host-lun0', 16)
            for channel in array.data['channels']:
                if channel['type'] != 'NETWORK':
                    continue
                for tid in (channel['aid'], channel['bid']):
                    if tid is not None:
                        array.create_map(part_id, channel['ch'], tid, 0,
                                         'iqn.2000-01.invalid:other-host')
            array.data['tgt_control_port'] = control_port

    # -- loading ----------------------------------------------------------
    def load(self, options):
        """Load a driver on the backend section; returns the fixture.

        Not a useFixture: a switch ends one driver (as a cinder-volume
        restart does) before the next one registers its options.
        """
        options = dict(options, volume_backend_name=BACKEND)
        loaded = driver_loader.LoadedDriver(options, backend_name=BACKEND)
        loaded.setUp()
        self.addCleanup(self._unload, loaded)
        return loaded

    @staticmethod
    def _unload(loaded):
        if loaded.driver is None:
            return
        driver, loaded.driver = loaded.driver, None
        if hasattr(driver, 'common'):
            # cinder's in-tree driver keeps its CLI in a common object.
            _stop_intree_cli(driver.common)
        else:
            driver.close()
        loaded.cleanUp()

    def load_intree(self):
        return self.load(self.array.intree_backend_options())

    def load_ours(self, **overrides):
        options = dict(self.array.backend_options())
        options.update(overrides)
        return self.load(options)

    # -- cinder objects ---------------------------------------------------
    def volume(self, loaded, size=1, pool='LV-1', **fields):
        return conformance.volume_object(
            loaded.context, size, '%s#%s' % (loaded.host, pool), **fields)

    def create(self, loaded, size=1, pool='LV-1'):
        volume = self.volume(loaded, size, pool)
        conformance.apply_model_update(
            volume, loaded.driver.create_volume(volume))
        volume.status = 'available'
        return volume

    def snapshot(self, loaded, volume):
        snap = conformance.snapshot_object(loaded.context, volume)
        conformance.apply_model_update(
            snap, loaded.driver.create_snapshot(snap))
        snap.status = 'available'
        return snap

    def rehome(self, loaded, obj):
        """The same cinder object as the next driver gets it (same host)."""
        if isinstance(obj, objects.Volume):
            obj.host = '%s#%s' % (loaded.host, obj.host.split('#')[-1])
        obj._context = loaded.context
        return obj

    # -- the array --------------------------------------------------------
    def part(self, volume):
        """(ID, record) of the partition named after volume, or None."""
        found = [(pid, p) for pid, p in self.array.read()['parts'].items()
                 if p['name'] == volume.id]
        self.assertLessEqual(len(found), 1, found)
        return found[0] if found else None

    def lv_name(self, lv_id):
        return self.array.read()['lvs'][lv_id]['name']

    def sis_of(self, part_id):
        return {si['name'] for si in self.array.read()['sis'].values()
                if si['part'] == part_id}

    def maps_of(self, part_id):
        return {(m['ch'], m['tid'], m['lun'], m['host'].lower())
                for m in self.array.read()['maps'] if m['part'] == part_id}

    def _objects(self):
        data = self.array.read()
        return {
            'parts': sorted(data['parts']), 'sis': sorted(data['sis']),
            'maps': sorted((m['part'], m['ch'], m['tid'], m['lun'],
                            m['host']) for m in data['maps']),
            'iqns': sorted(data['iqns']),
            'replicas': sorted(data['replicas'])}

    def assert_empty(self):
        """Nothing of cinder's is left: the array is as the test began."""
        self.assertEqual(self.baseline, self._objects())

    def iscsi_connector(self, initiator=INITIATOR):
        return {'initiator': initiator, 'host': 'compute-1',
                'ip': '127.0.0.1', 'multipath': False,
                'platform': 'x86_64', 'os_type': 'linux'}

    def fc_connector(self):
        return {'initiator': INITIATOR, 'wwpns': list(WWPNS),
                'wwnns': ['20000090fa000001'],
                'host': 'compute-1', 'multipath': False}


def _stop_intree_cli(common):
    """End the in-tree driver's raidcmd child (os.forkpty) by its pid."""
    pid, fd = getattr(common, 'pid', None), getattr(common, 'fd', None)
    if isinstance(pid, int) and pid > 0:
        try:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    if isinstance(fd, int) and fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass


class IntreeISCSILifecycleTest(IntreeTestBase):
    """The in-tree iSCSI driver's whole lifecycle, no shim, no skip."""

    def test_lifecycle(self):
        loaded = self.load_intree()
        driver = loaded.driver
        self.assertEqual('2.1.4', driver.VERSION)

        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual('Infortrend', stats['vendor_name'])
        self.assertEqual('iSCSI', stats['storage_protocol'])
        pools = {p['pool_name']: p for p in stats['pools']}
        self.assertEqual({'LV-1', 'LV-2'}, set(pools))
        for pool in self.array.pools():
            self.assertEqual(
                (round(pool['total_capacity_gb'], 2),
                 round(pool['free_capacity_gb'], 2)),
                (pools[pool['name']]['total_capacity_gb'],
                 pools[pool['name']]['free_capacity_gb']))

        volume = self.create(loaded, 1)
        part_id, part = self.part(volume)
        self.assertEqual(('LV-1', 1024), (self.lv_name(part['lv']),
                                          part['size']))
        self.assertIn('partition_id^%s' % part_id, volume.provider_location)

        snap = self.snapshot(loaded, volume)
        self.assertEqual({snap.id}, self.sis_of(part_id))
        [(si_id, si)] = [(k, v) for k, v in self.array.read()['sis'].items()
                         if v['name'] == snap.id]
        self.assertEqual(si_id, snap.provider_location)

        from_snap = self.volume(loaded, 2)
        conformance.apply_model_update(
            from_snap, driver.create_volume_from_snapshot(from_snap, snap))
        self.assertEqual(2048, self.part(from_snap)[1]['size'])
        clone = self.volume(loaded, 1)
        conformance.apply_model_update(
            clone, driver.create_cloned_volume(clone, volume))
        self.assertIsNotNone(self.part(clone))
        # Each finished replica job was deleted by the driver.
        self.assertEqual({}, self.array.read()['replicas'])

        driver.extend_volume(volume, 3)
        self.assertEqual(3072, self.part(volume)[1]['size'])
        volume.size = 3

        # Attach: an initiator entry named as the in-tree driver names it,
        # a map, and a target that iscsiadm (the stand-in) discovers.
        connector = self.iscsi_connector()
        info = driver.initialize_connection(volume, connector)
        data = info['data']
        self.assertEqual('iscsi', info['driver_volume_type'])
        self.assertEqual({INTREE_ALIAS: {'iqn': INITIATOR}},
                         self.array.read()['iqns'])
        [(ch, tid, lun, host)] = self.maps_of(part_id)
        self.assertNotEqual(0, lun)
        self.assertEqual((INITIATOR, lun), (host, data['target_lun']))
        self.assertEqual('%s:3260' % self.array.read()['portal_ip'],
                         data['target_portal'])
        self.assertIn(':raid.uid%d.' % int('DEEC', 16), data['target_iqn'])
        found = iscsiadm_standin.discover(data['target_portal'], INITIATOR)
        self.assertIn((data['target_portal'] + ',1', data['target_iqn']),
                      found)
        driver.terminate_connection(volume, connector)
        self.assertEqual(set(), self.maps_of(part_id))
        self.assertEqual({}, self.array.read()['iqns'])

        # Manage / unmanage, by name and by ID.
        driver.unmanage(clone)
        clone_part_id, clone_part = [
            (pid, p) for pid, p in self.array.read()['parts'].items()
            if p['name'].startswith('cinder-unmanaged-')][0]
        managed = self.volume(loaded, 1)
        self.assertEqual(1, driver.manage_existing_get_size(
            managed, {'source-name': clone_part['name']}))
        conformance.apply_model_update(managed, driver.manage_existing(
            managed, {'source-name': clone_part['name']}))
        self.assertEqual(clone_part_id, self.part(managed)[0])
        driver.unmanage(managed)
        conformance.apply_model_update(managed, driver.manage_existing(
            managed, {'source-id': clone_part_id}))
        self.assertEqual(clone_part_id, self.part(managed)[0])

        # Storage-assisted migration to the other pool (mirror job), with
        # the capabilities the driver reports for that pool.
        from_snap.status = 'available'
        moved, update = driver.migrate_volume(
            loaded.context, from_snap,
            {'host': '%s#LV-2' % loaded.host,
             'capabilities': pools['LV-2']})
        self.assertTrue(moved)
        conformance.apply_model_update(from_snap, update)
        from_snap.host = '%s#LV-2' % loaded.host
        self.assertEqual('LV-2', self.lv_name(self.part(from_snap)[1]['lv']))
        self.assertEqual({}, self.array.read()['replicas'])

        driver.delete_snapshot(snap)
        self.assertEqual(set(), self.sis_of(part_id))
        for each in (volume, from_snap, managed):
            driver.delete_volume(each)
        self.assert_empty()


class IntreeFCLifecycleTest(IntreeTestBase):
    array_class = IntreeFCArray

    def test_lifecycle(self):
        loaded = self.load_intree()
        driver = loaded.driver
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual('FC', stats['storage_protocol'])
        volume = self.create(loaded, 1)
        part_id, _ = self.part(volume)
        snap = self.snapshot(loaded, volume)
        clone = self.volume(loaded, 1)
        conformance.apply_model_update(
            clone, driver.create_cloned_volume(clone, volume))
        driver.extend_volume(volume, 2)
        self.assertEqual(2048, self.part(volume)[1]['size'])

        connector = self.fc_connector()
        info = driver.initialize_connection(volume, connector)
        self.assertEqual('fibre_channel', info['driver_volume_type'])
        maps = self.maps_of(part_id)
        self.assertTrue(maps)
        self.assertEqual({info['data']['target_lun']},
                         {m[2] for m in maps})
        self.assertEqual({w.lower() for w in WWPNS}, {m[3] for m in maps})
        targets = {w.lower() for w in info['data']['target_wwn']}
        self.assertTrue(targets)
        self.assertEqual(set(), targets - self.array.fc_target_wwpns())
        driver.terminate_connection(volume, connector)
        self.assertEqual(set(), self.maps_of(part_id))

        driver.delete_snapshot(snap)
        driver.delete_volume(clone)
        driver.delete_volume(volume)
        self.assert_empty()
