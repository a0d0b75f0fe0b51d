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
"""Switching a backend from cinder's in-tree Pure driver to pure_cinder's.

cinder 29's in-tree PureISCSIDriver builds a population on the simulator
(volumes, a snapshot, a host with CHAP and one without, attachments); then
the same cinder.conf section names pure_cinder's driver instead, and the
same cinder objects (provider_id as the in-tree driver returned it) go
through detach, attach, snapshot, clone, extend, revert, unmanage, manage
and delete.  At the end nothing is left on the array.
"""

from common_testing import driver_loader
from pure_cinder.tests.functional import fixtures

GiB = fixtures.GiB


class SwitchFromInTreeTest(fixtures.VendorDriverTestCase):

    def _load_unmanaged(self, options):
        # Loaded and unloaded by hand: the switch reuses the section.
        loaded = driver_loader.LoadedDriver(options, backend_name='pure',
                                            hostname='cinder-volume-1')
        loaded.setUp()
        from oslo_config import cfg
        cfg.CONF.set_override('connection', self.db_url, group='database')
        return loaded

    def test_switch_keeps_every_object_working(self):
        array = self.sim.array
        section = self.intree_options(use_chap_auth=True,
                                      pure_eradicate_on_delete=True)
        # A host without CHAP first: the in-tree driver with CHAP off.
        plain = self._load_unmanaged(dict(section, use_chap_auth=False))
        plain_volume = self.volume(plain)
        self.created(plain, plain_volume,
                     plain.driver.create_volume(plain_volume))
        plain.driver.initialize_connection(plain_volume,
                                           self.connector('compute-plain'))
        plain.driver._array._token_man.close_session()
        plain.cleanUp()

        intree = self._load_unmanaged(section)
        chap_connector = self.connector('compute-chap')
        volumes = []
        for _n in range(2):
            volume = self.volume(intree)
            self.created(intree, volume, intree.driver.create_volume(volume))
            volumes.append(volume)
        first, second = volumes
        intree.driver.create_snapshot(self.snapshot(intree, first))
        self.write(first.provider_id, b'snapped')
        snapshot = self.snapshot(intree, first)
        intree.driver.create_snapshot(snapshot)
        intree_data = {}
        for volume in volumes:
            intree_data[volume.id] = intree.driver.initialize_connection(
                volume, chap_connector)['data']
        intree.driver._array._token_man.close_session()
        intree.cleanUp()
        hosts = dict(array.hosts)
        self.assertEqual(2, len(hosts))
        chap_host = next(n for n, h in hosts.items()
                         if h['chap']['host_user'] == 'compute-chap')
        self.assertEqual(
            intree_data[first.id]['auth_password'],
            array.hosts[chap_host]['chap']['host_password'])

        # The switch: the same section, our driver's class.
        ours = self.load(dict(section,
                              volume_driver=fixtures.OUR_CLASSES['iSCSI']))
        driver = ours.driver

        # Detach what the in-tree driver attached.
        driver.terminate_connection(plain_volume,
                                    self.connector('compute-plain'))
        driver.terminate_connection(first, chap_connector)
        self.assertEqual({(chap_host, second.provider_id)},
                         set(array.connections))
        self.assertEqual({chap_host}, set(array.hosts))

        # Attach again to the in-tree driver's CHAP host: the connection
        # info must carry the secret the array holds for that host.
        data = driver.initialize_connection(first, chap_connector)['data']
        self.assertEqual('CHAP', data['auth_method'])
        self.assertEqual('compute-chap', data['auth_username'])
        self.assertEqual(data['auth_password'],
                         array.hosts[chap_host]['chap']['host_password'])
        self.assertIn((chap_host, first.provider_id), array.connections)
        plain_data = driver.initialize_connection(
            plain_volume, self.connector('compute-plain'))['data']
        # The host without CHAP went with its last connection; the
        # section now has use_chap_auth, so the new host has CHAP.
        plain_host = next(n for n, h in array.hosts.items()
                          if h['chap']['host_user'] == 'compute-plain')
        self.assertEqual(plain_data['auth_password'],
                         array.hosts[plain_host]['chap']['host_password'])

        # Snapshot, clone, extend, revert on the in-tree driver's volumes.
        ours_snapshot = self.snapshot(ours, first)
        ours_snapshot.update(driver.create_snapshot(ours_snapshot) or {})
        clone = self.volume(ours, size=2)
        self.created(ours, clone, driver.create_cloned_volume(clone, first))
        self.assertEqual('volume-%s-cinder' % clone.id, clone.provider_id)
        restored = self.volume(ours)
        self.created(ours, restored,
                     driver.create_volume_from_snapshot(restored, snapshot))
        self.assertEqual(b'snapped', self.read(restored.provider_id, 7))
        driver.extend_volume(second, 2)
        self.assertEqual(2 * GiB,
                         array.volumes[second.provider_id]['provisioned'])
        self.write(first.provider_id, b'changed')
        driver.revert_to_snapshot(ours.context, first, snapshot)
        self.assertEqual(b'snapped', self.read(first.provider_id, 7))

        # Unmanage and manage again a volume the in-tree driver made.
        driver.terminate_connection(plain_volume,
                                    self.connector('compute-plain'))
        driver.unmanage(plain_volume)
        unmanaged = plain_volume.provider_id + '-unmanaged'
        self.assertIn(unmanaged, array.volumes)
        managed = self.volume(ours)
        ref = {'source-name': unmanaged}
        self.assertEqual(1, driver.manage_existing_get_size(managed, ref))
        self.created(ours, managed, driver.manage_existing(managed, ref))

        # Delete everything; nothing may be left on the array.
        for volume in volumes:
            driver.terminate_connection(volume, chap_connector)
        driver.delete_snapshot(ours_snapshot)
        for each in self._snapshots_of(ours, first):
            driver.delete_snapshot(each)
        for volume in (clone, restored, managed, second, first):
            driver.delete_volume(volume)
        self.assertEqual({}, array.volumes)
        self.assertEqual({}, array.snapshots)
        self.assertEqual({}, array.hosts)
        self.assertEqual({}, array.connections)

    def _snapshots_of(self, loaded, volume):
        """Cinder's snapshot objects of ``volume`` (as cinder lists them)."""
        from cinder import objects
        found = objects.SnapshotList.get_all_for_volume(loaded.context,
                                                        volume.id)
        for snapshot in found:
            snapshot.volume = volume
        return found
