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
"""cinder 29's in-tree PureISCSIDriver and PureFCDriver on the simulator.

Pure's own driver on Pure's own SDK (py-pure-client 1.96.0), loaded from a
cinder.conf section as cinder-volume loads it, runs its whole lifecycle
against the simulator over TLS with no shim; every step is checked on the
simulator's state.
"""

from pure_cinder.tests.functional import fixtures

GiB = fixtures.GiB


class _Lifecycle:

    def test_lifecycle(self):
        array = self.sim.array
        loaded = self.load(self.intree_options())
        driver = loaded.driver
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual('Pure Storage', stats['vendor_name'])
        self.assertEqual(1024, stats['total_capacity_gb'])

        volume = self.volume(loaded)
        self.created(loaded, volume, driver.create_volume(volume))
        name = 'volume-%s-cinder' % volume.id
        self.assertEqual(name, volume.provider_id)
        self.assertEqual(GiB, array.volumes[name]['provisioned'])

        self.write(name, b'before')
        snapshot = self.snapshot(loaded, volume)
        driver.create_snapshot(snapshot)
        self.write(name, b'after!')
        snap_name = '%s.snapshot-%s' % (name, snapshot.id)
        self.assertIn(snap_name, self.live_snapshots())

        restored = self.volume(loaded, size=2)
        self.created(loaded, restored,
                     driver.create_volume_from_snapshot(restored, snapshot))
        self.assertEqual(2 * GiB,
                         array.volumes[restored.provider_id]['provisioned'])
        clone = self.volume(loaded, size=1)
        self.created(loaded, clone, driver.create_cloned_volume(clone,
                                                                volume))
        driver.extend_volume(clone, 3)
        self.assertEqual(3 * GiB,
                         array.volumes[clone.provider_id]['provisioned'])
        self.assertEqual(4, len(self.live_volumes() | self.live_snapshots()))

        connector = self.connector()
        info = driver.initialize_connection(volume, connector)
        self.assertEqual(1, len(array.hosts))
        host_name, host = next(iter(array.hosts.items()))
        self.assertRegex(host_name, r'^compute-1-[0-9a-f]{32}-cinder$')
        self.assertIn((host_name, name), array.connections)
        self.check_connection_info(info, host)
        driver.terminate_connection(volume, connector)
        self.assertEqual({}, array.connections)
        self.assertEqual({}, array.hosts)

        driver.revert_to_snapshot(loaded.context, volume, snapshot)
        self.assertEqual(b'before', self.read(name, 6))

        driver.unmanage(clone)
        unmanaged = clone.provider_id + '-unmanaged'
        self.assertIn(unmanaged, self.live_volumes())
        managed = self.volume(loaded, size=3)
        ref = {'source-name': unmanaged}
        self.assertEqual(3, driver.manage_existing_get_size(managed, ref))
        self.created(loaded, managed, driver.manage_existing(managed, ref))
        self.assertIn('volume-%s-cinder' % managed.id, self.live_volumes())

        driver.delete_snapshot(snapshot)
        for each in (volume, restored, managed):
            driver.delete_volume(each)
        self.assertEqual(set(), self.live_volumes())
        self.assertEqual(set(), self.live_snapshots())


class ISCSILifecycleTest(_Lifecycle, fixtures.VendorDriverTestCase):
    protocol = 'iSCSI'

    def check_connection_info(self, info, host):
        self.assertEqual('iscsi', info['driver_volume_type'])
        data = info['data']
        self.assertEqual([1], sorted(set(data['target_luns'])))
        self.assertEqual(['127.0.0.1:3260'], data['target_portals'])
        self.assertNotIn('auth_method', data)
        self.assertIsNone(host['chap']['host_user'])

    def test_chap_attach_and_detach(self):
        array = self.sim.array
        loaded = self.load(self.intree_options(use_chap_auth=True))
        driver = loaded.driver
        volume = self.volume(loaded)
        self.created(loaded, volume, driver.create_volume(volume))
        connector = self.connector('compute-chap')
        data = driver.initialize_connection(volume, connector)['data']
        host = next(iter(array.hosts.values()))
        self.assertEqual('CHAP', data['auth_method'])
        self.assertEqual('compute-chap', data['auth_username'])
        self.assertEqual(data['auth_username'], host['chap']['host_user'])
        self.assertEqual(data['auth_password'],
                         host['chap']['host_password'])
        # The secret is kept in cinder's database: the next attach from
        # this initiator hands out the same one.
        second = self.volume(loaded)
        self.created(loaded, second, driver.create_volume(second))
        again = driver.initialize_connection(second, connector)['data']
        self.assertEqual(data['auth_password'], again['auth_password'])
        for each in (volume, second):
            driver.terminate_connection(each, connector)
            driver.delete_volume(each)
        self.assertEqual({}, array.hosts)
        self.assertEqual(set(), self.live_volumes())


class FCLifecycleTest(_Lifecycle, fixtures.VendorDriverTestCase):
    protocol = 'FC'

    def check_connection_info(self, info, host):
        self.assertEqual('fibre_channel', info['driver_volume_type'])
        data = info['data']
        self.assertEqual(1, data['target_lun'])
        self.assertTrue(data['target_wwn'])
        self.assertEqual([w.upper() for w in self.connector()['wwpns']],
                         host['wwns'])
