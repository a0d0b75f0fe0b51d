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
import secrets

from cinder import exception
import requests

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
        self.use_cinder_database()
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


class CHAPChangesTest(fixtures.DriverAgainstSimulator):
    """API token rotation and CHAP setting changes break no attach.

    Connection info carries the CHAP a host holds on the array, kept in
    cinder's database, so it neither follows the API token nor the
    current use_chap_auth.  Every attach here logs in over real iSCSI.
    """

    protocol = 'iSCSI'
    iscsi_data_path = True
    simulator_options = {}

    def setUp(self):
        super().setUp()
        self.use_cinder_database()
        # Two compute hosts, each with an initiator of its own.
        self.initiators = [
            self.useFixture(initiator.UserSpaceISCSI(
                name='%s-%s' % (initiator.initiator_name(), suffix)))
            for suffix in ('first', 'second')]

    def connector_of(self, index):
        connector = self.connector('chap-host-%d' % index)
        connector['initiator'] = self.initiators[index].name
        return connector

    def attach_and_write(self, driver, volume, index, info=None):
        """Log in with ``info`` (else a new attach) and write through it."""
        if info is None:
            info = driver.initialize_connection(volume,
                                                self.connector_of(index))
        if 'auth_password' in info['data']:
            self.logs.add_secret(info['data']['auth_password'])
        user_space = self.initiators[index].initiator
        attachment = user_space.attach(info)
        payload = os.urandom(4096)
        try:
            with open(attachment.path, 'r+b') as disk:
                disk.write(payload)
                disk.flush()
                os.fsync(disk.fileno())
        finally:
            user_space.detach(attachment.path)
        self.assertEqual(payload, self.read_at(volume, 0, len(payload)))
        return info

    def test_token_rotation_during_a_rolling_restart(self):
        # The old service runs with token A, logged in before the rotation.
        old = self.load_driver(use_chap_auth=True, backend_name='old').driver
        first = self.create_volume()
        first_info = self.attach_and_write(old, first, 0)
        self.assertEqual('CHAP', first_info['data']['auth_method'])
        secret = first_info['data']['auth_password']

        # Rotation: the operator creates token B for a second array user
        # (Purity issues one token per user); both are valid until the
        # operator deletes the old one, and the new service runs with B.
        token_b = secrets.token_hex(16)
        self.logs.add_secret(token_b)
        self.api_tokens('POST', {'user': 'cinder-b', 'token': token_b})
        self.assertEqual(['cinder-b', 'pureuser'],
                         self.api_tokens('GET')['users'])
        new = self.load_driver(use_chap_auth=True, backend_name='new',
                               pure_api_token=token_b).driver

        # The new service hands out the secret the host holds ...
        second = self.create_volume()
        info = self.attach_and_write(new, second, 0)
        self.assertEqual(secret, info['data']['auth_password'])
        # ... so the connection info handed out before still logs in
        # (what nova keeps, and uses again after a compute host reboot).
        self.attach_and_write(old, first, 0, info=first_info)
        # A host the new service creates.
        third = self.create_volume()
        new_host_info = self.attach_and_write(new, third, 1)
        self.assertEqual('CHAP', new_host_info['data']['auth_method'])
        # The old service, still running, attaches to both hosts.
        for index, expected in ((0, info), (1, new_host_info)):
            volume = self.create_volume()
            again = self.attach_and_write(old, volume, index)
            self.assertEqual(expected['data']['auth_password'],
                             again['data']['auth_password'])
        # No host's secret was ever rewritten.
        self.assertEqual(0, self.sim.server.request_count(
            'PATCH /api/2.36/hosts'))
        # The old service logs in again with token A during the overlap.
        self.sim.server.expire_sessions()
        self.attach_and_write(old, self.create_volume(), 0)
        # The rotation ends: token A is deleted, the new service goes on.
        self.api_tokens('DELETE', {'user': 'pureuser'})
        last = self.volume()
        last.update(new.create_volume(last))
        self.attach_and_write(new, last, 1)
        self.assertRaisesRegex(exception.VolumeDriverException,
                               'refused the API token',
                               old.create_volume, self.volume())

    def api_tokens(self, method, body=None):
        """The simulator's array users' API tokens (its control surface)."""
        reply = requests.request(method, self.sim.url + '/_sim/api-tokens',
                                 json=body, verify=self.sim.ca_path,
                                 timeout=30)
        self.assertEqual(200, reply.status_code, reply.text)
        return reply.json()

    def test_chap_turned_on_keeps_a_host_without_chap_working(self):
        plain = self.load_driver(backend_name='plain').driver
        first = self.create_volume()
        first_info = self.attach_and_write(plain, first, 0)
        self.assertNotIn('auth_method', first_info['data'])
        chap = self.load_driver(use_chap_auth=True,
                                backend_name='chap').driver
        info = self.attach_and_write(chap, self.create_volume(), 0)
        self.assertNotIn('auth_method', info['data'])
        self.attach_and_write(plain, first, 0, info=first_info)

    def test_chap_turned_off_keeps_a_host_with_chap_working(self):
        chap = self.load_driver(use_chap_auth=True,
                                backend_name='chap').driver
        first = self.create_volume()
        first_info = self.attach_and_write(chap, first, 0)
        plain = self.load_driver(backend_name='plain').driver
        info = self.attach_and_write(plain, self.create_volume(), 0)
        self.assertEqual('CHAP', info['data']['auth_method'])
        self.assertEqual(first_info['data']['auth_password'],
                         info['data']['auth_password'])
        self.attach_and_write(chap, first, 0, info=first_info)


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
