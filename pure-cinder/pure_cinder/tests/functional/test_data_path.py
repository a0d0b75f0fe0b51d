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
"""The iSCSI data path: real iSCSI sessions to the simulator's tgtd."""

import os

from common_testing import images
from common_testing import initiator

from pure_cinder.tests.functional import fixtures

MiB = 1024 * 1024


class ISCSIDataPathTest(fixtures.DriverAgainstSimulator):

    protocol = 'iSCSI'
    iscsi_data_path = True
    simulator_options = {'iscsi_paths': 2}

    def setUp(self):
        super().setUp()
        self.user_space = self.useFixture(initiator.UserSpaceISCSI())

    def iscsi_connector(self, multipath=False):
        connector = self.connector('data-host')
        connector.update(initiator=self.user_space.name,
                         multipath=multipath)
        return connector

    def _round_trip(self, connector):
        volume = self.create_volume()
        info = self.driver.initialize_connection(volume, connector)
        attachment = self.user_space.initiator.attach(info)
        payload = os.urandom(MiB)
        try:
            with open(attachment.path, 'r+b') as disk:
                disk.seek(3 * MiB)
                disk.write(payload)
                disk.flush()
                os.fsync(disk.fileno())
        finally:
            self.user_space.initiator.detach(attachment.path)
        self.driver.terminate_connection(volume, connector)
        self.assertEqual(payload, self.read_at(volume, 3 * MiB, MiB))
        self.assertEqual({}, self.array.hosts)
        return info

    def test_write_through_iscsi_lands_in_the_volume(self):
        info = self._round_trip(self.iscsi_connector())
        self.assertNotIn('auth_method', info['data'])

    def test_multipath_lists_are_consistent_and_usable(self):
        info = self._round_trip(self.iscsi_connector(multipath=True))
        data = info['data']
        self.assertEqual(2, len(data['target_portals']))
        self.assertEqual(len(data['target_portals']),
                         len(data['target_iqns']))
        self.assertEqual(len(data['target_portals']),
                         len(data['target_luns']))

    def test_chap_login(self):
        self.driver = self.load_driver(use_chap_auth=True,
                                       backend_name='chap').driver
        info = self._round_trip(self.iscsi_connector())
        self.assertEqual('CHAP', info['data']['auth_method'])
        self.logs.add_secret(info['data']['auth_password'])

    def test_initiator_of_another_host_is_refused(self):
        volume = self.create_volume()
        info = self.driver.initialize_connection(
            volume, self.connector('someone-else'))
        self.assertRaises(initiator.InitiatorError,
                          self.user_space.initiator.attach, info)


class ImageCopyTest(fixtures.DriverAgainstSimulator):
    """cinder's generic copy_image_to_volume / copy_volume_to_image."""

    protocol = 'iSCSI'
    iscsi_data_path = True
    simulator_options = {}

    def setUp(self):
        super().setUp()
        self.brick = self.useFixture(initiator.UserSpaceISCSIForOsBrick())
        self.images = self.useFixture(images.LocalImages()).service

    def _volume_for_images(self):
        from cinder import objects
        volume = self.create_volume(encryption_key_id=None)
        volume.volume_type = objects.VolumeType(extra_specs={})
        volume.glance_metadata = {}
        return volume

    def test_copy_image_to_volume(self):
        payload = os.urandom(3 * MiB)
        image = self.images.add_image(payload, disk_format='qcow2')
        volume = self._volume_for_images()
        self.driver.copy_image_to_volume(self.context, volume, self.images,
                                         image['id'])
        self.assertEqual(payload, self.read_at(volume, 0, len(payload)))
        self.assertEqual({}, self.array.connections)
        self.assertEqual({}, self.array.hosts)

    def test_copy_volume_to_image(self):
        volume = self._volume_for_images()
        payload = os.urandom(2 * MiB)
        self.write_at(volume, 5 * MiB, payload)
        meta = self.images.create(self.context, {
            'name': 'from-volume', 'disk_format': 'raw',
            'container_format': 'bare'})
        self.driver.copy_volume_to_image(self.context, volume, self.images,
                                         meta)
        raw = self.images.read_raw(meta['id'])
        self.assertEqual(payload, raw[5 * MiB:7 * MiB])
        self.assertEqual({}, self.array.hosts)
