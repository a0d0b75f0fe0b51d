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
"""The switch from cinder's in-tree Infortrend driver to this package's.

A population made by the in-tree driver (volumes, snapshots, initiator
entries with and without CHAP, maps) is taken over by this package's
driver on the same backend section, which detaches, attaches, snapshots,
clones, extends, lists as manageable, manages/unmanages and deletes it
all and leaves nothing on the array.
"""

from common_testing import conformance

from infortrend_cinder.simulator import server
from infortrend_cinder.tests.functional import iscsiadm_standin
from infortrend_cinder.tests.functional import test_vendor_driver as vendor


class SwitchFromIntreeTest(vendor.IntreeTestBase):
    """The same backend section, from cinder's in-tree driver to ours."""

    def admin(self, line):
        """A command typed on the array's console by an administrator."""
        reply = server.Shell(self.array.state_dir, connected=True).handle(
            line)
        self.assertIn('Return: 0x0000', reply)

    def test_switch(self):
        # -- the population, made by the in-tree driver ---------------------
        self.admin('create iqn %s %s user=%s password=%s'
                   % (vendor.CHAP_INITIATOR, vendor.CHAP_ALIAS,
                      vendor.CHAP_USER, vendor.CHAP_SECRET))
        intree = self.load_intree()
        old = intree.driver
        vol_a = self.create(intree, 1)
        snap_a = self.snapshot(intree, vol_a)
        vol_b = self.create(intree, 1, pool='LV-2')
        vol_c = self.volume(intree, 2)
        conformance.apply_model_update(
            vol_c, old.create_volume_from_snapshot(vol_c, snap_a))
        vol_d = self.volume(intree, 1)
        conformance.apply_model_update(
            vol_d, old.create_cloned_volume(vol_d, vol_b))
        old.unmanage(vol_d)
        snap_b = self.snapshot(intree, vol_b)
        old.unmanage_snapshot(snap_b)
        plain = self.iscsi_connector()
        chap = self.iscsi_connector(vendor.CHAP_INITIATOR)
        old.initialize_connection(vol_a, plain)
        # iscsiadm runs on the cinder-volume host, here the attaching host.
        self.iscsiadm.use(vendor.CHAP_INITIATOR)
        old.initialize_connection(vol_b, chap)
        self.iscsiadm.use(vendor.INITIATOR)
        old.initialize_connection(vol_c, plain)
        data = self.array.read()
        self.assertEqual(
            {vendor.INTREE_ALIAS: {'iqn': vendor.INITIATOR},
             vendor.CHAP_ALIAS: {'iqn': vendor.CHAP_INITIATOR,
                                 'user': vendor.CHAP_USER,
                                 'password': vendor.CHAP_SECRET}},
            data['iqns'])
        part_a, part_b, part_c = (self.part(v)[0]
                                  for v in (vol_a, vol_b, vol_c))
        self.assertEqual({vendor.INITIATOR},
                         {m[3] for m in self.maps_of(part_a)})
        self.assertEqual({vendor.CHAP_INITIATOR.lower()},
                         {m[3] for m in self.maps_of(part_b)})
        unmanaged = [p['name'] for p in data['parts'].values()
                     if p['name'].startswith('cinder-unmanaged-')]
        self.assertEqual(1, len(unmanaged))
        # cinder-volume stops; the section now names this package's driver.
        self._unload(intree)

        # -- the switch ---------------------------------------------------
        ours = self.load_ours()
        new = ours.driver
        for each in (vol_a, vol_b, vol_c, snap_a):
            self.rehome(ours, each)
        stats = new.get_volume_stats(refresh=True)
        self.assertEqual({'LV-1', 'LV-2'},
                         {p['pool_name'] for p in stats['pools']})

        # Existing attachments detach; each initiator entry goes with its
        # host's last map, whatever name the in-tree driver gave it.
        new.terminate_connection(vol_c, plain)
        self.assertEqual(set(), self.maps_of(part_c))
        self.assertIn(vendor.INTREE_ALIAS, self.array.read()['iqns'])
        new.terminate_connection(vol_a, plain)
        self.assertEqual(set(), self.maps_of(part_a))
        new.terminate_connection(vol_b, chap)
        self.assertEqual(set(), self.maps_of(part_b))
        self.assertEqual({}, self.array.read()['iqns'])

        # Attach again, with our driver's own initiator entry and map.
        info = new.initialize_connection(vol_a, plain)
        [(ch, tid, lun, host)] = self.maps_of(part_a)
        self.assertEqual((vendor.INITIATOR, lun),
                         (host, info['data']['target_lun']))
        self.assertIn((info['data']['target_portal'] + ',1',
                       info['data']['target_iqn']),
                      iscsiadm_standin.discover(
                          info['data']['target_portal'], vendor.INITIATOR))
        new.terminate_connection(vol_a, plain)
        self.assertEqual(set(), self.maps_of(part_a))
        self.assertEqual({}, self.array.read()['iqns'])

        # Snapshot, clone, volume from the in-tree snapshot, extend.
        snap_c = self.snapshot(ours, vol_c)
        self.assertEqual({snap_c.id}, self.sis_of(part_c))
        clone = self.volume(ours, 1)
        conformance.apply_model_update(
            clone, new.create_cloned_volume(clone, vol_a))
        self.assertIsNotNone(self.part(clone))
        from_old_snap = self.volume(ours, 1)
        conformance.apply_model_update(
            from_old_snap,
            new.create_volume_from_snapshot(from_old_snap, snap_a))
        self.assertIsNotNone(self.part(from_old_snap))
        new.extend_volume(vol_b, 2)
        self.assertEqual(2048, self.part(vol_b)[1]['size'])
        vol_b.size = 2

        # The listings: the in-tree driver's volumes and snapshots are
        # cinder's, what it unmanaged is offered and manageable.
        cinders = [vol_a, vol_b, vol_c, clone, from_old_snap]
        listed = {e['reference']['source-id']: e for e in
                  new.get_manageable_volumes(
                      cinders, None, 100, 0, ['size'], ['asc'])}
        self.assertEqual(
            {self.part(v)[0]: (False, v.id) for v in cinders},
            {k: (e['safe_to_manage'], e['cinder_id'])
             for k, e in listed.items() if e['cinder_id']})
        [offered] = [e for e in listed.values() if e['safe_to_manage']]
        self.assertEqual(unmanaged[0], offered['reference']['source-name'])
        snaps = {e['reference']['source-id']: e for e in
                 new.get_manageable_snapshots([snap_a, snap_c], None, 100,
                                              0, ['size'], ['asc'])}
        for snap in (snap_a, snap_c):
            self.assertEqual((False, snap.id), (
                snaps[snap.provider_location]['safe_to_manage'],
                snaps[snap.provider_location]['cinder_id']))
        [offered_si] = [k for k, e in snaps.items() if e['safe_to_manage']]
        self.assertEqual(
            ('cinder-unmanaged-' + snap_b.id[:19], {'volume-id': vol_b.id}),
            (snaps[offered_si]['reference']['source-name'],
             snaps[offered_si]['source_reference']))
        self.assertEqual(3, len(snaps))
        snap_b.provider_location = None
        # vol_b was extended: an image is the size of its partition.
        self.assertEqual(2, new.manage_existing_snapshot_get_size(
            snap_b, {'source-id': offered_si}))
        conformance.apply_model_update(snap_b, new.manage_existing_snapshot(
            snap_b, {'source-id': offered_si}))
        self.assertEqual({snap_b.id}, self.sis_of(part_b))

        # Manage what the in-tree driver unmanaged; unmanage, manage again.
        managed = self.volume(ours, 1)
        self.assertEqual(1, new.manage_existing_get_size(
            managed, {'source-name': unmanaged[0]}))
        conformance.apply_model_update(managed, new.manage_existing(
            managed, {'source-name': unmanaged[0]}))
        managed_part = self.part(managed)[0]
        new.unmanage(managed)
        self.assertIsNone(self.part(managed))
        conformance.apply_model_update(managed, new.manage_existing(
            managed, {'source-id': managed_part}))
        self.assertEqual(managed_part, self.part(managed)[0])

        # Delete everything, the in-tree driver's objects included.
        new.delete_snapshot(snap_c)
        new.delete_snapshot(snap_a)
        new.delete_snapshot(snap_b)
        self.assertEqual(set(), self.sis_of(part_a))
        for each in (clone, from_old_snap, managed, vol_c, vol_b, vol_a):
            new.delete_volume(each)
        self.assert_empty()


class SwitchFromIntreeFCTest(vendor.IntreeTestBase):
    """The FC section, from cinder's in-tree driver to ours."""

    array_class = vendor.IntreeFCArray

    def test_switch(self):
        intree = self.load_intree()
        old = intree.driver
        volume = self.create(intree, 1)
        snap = self.snapshot(intree, volume)
        connector = self.fc_connector()
        old_lun = old.initialize_connection(volume, connector)['data'][
            'target_lun']
        part_id = self.part(volume)[0]
        self.assertEqual({old_lun}, {m[2] for m in self.maps_of(part_id)})
        self._unload(intree)

        ours = self.load_ours()
        new = ours.driver
        self.rehome(ours, volume)
        new.terminate_connection(volume, connector)
        self.assertEqual(set(), self.maps_of(part_id))
        info = new.initialize_connection(volume, connector)
        maps = self.maps_of(part_id)
        self.assertEqual({info['data']['target_lun']}, {m[2] for m in maps})
        self.assertEqual({w.lower() for w in vendor.WWPNS},
                         {m[3] for m in maps})
        new.terminate_connection(volume, connector)
        self.assertEqual(set(), self.maps_of(part_id))
        from_snap = self.volume(ours, 1)
        conformance.apply_model_update(
            from_snap, new.create_volume_from_snapshot(from_snap, snap))
        new.extend_volume(volume, 2)
        self.assertEqual(2048, self.part(volume)[1]['size'])
        new.delete_snapshot(snap)
        new.delete_volume(from_snap)
        new.delete_volume(volume)
        self.assert_empty()
