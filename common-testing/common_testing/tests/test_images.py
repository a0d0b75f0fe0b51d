# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

import io
import os

import ddt
import fixtures

from common_testing import data
from common_testing import images
from common_testing.tests import base

MiB = 1024 * 1024


@ddt.ddt
class TestLocalImageService(base.TestCase):

    def setUp(self):
        super().setUp()
        from cinder import context
        from cinder import exception
        self.exception = exception
        self.context = context.get_admin_context()
        self.fixture = self.useFixture(images.LocalImages())
        self.service = self.fixture.service
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def assertSameBytes(self, expected, actual):
        # Digests, so that a failure prints a line rather than megabytes.
        self.assertEqual(data.digest(expected), data.digest(actual))

    @ddt.data('raw', 'qcow2')
    def test_add_image_and_show(self, disk_format):
        payload = os.urandom(MiB) + b'\0' * MiB
        meta = self.service.add_image(payload, disk_format, name='cirros',
                                      os_distro='cirros')
        shown = self.service.show(self.context, meta['id'])
        self.assertEqual(('cirros', 'active', disk_format, 'bare', 2 * MiB,
                          {'os_distro': 'cirros'}),
                         (shown['name'], shown['status'],
                          shown['disk_format'], shown['container_format'],
                          shown['virtual_size'], shown['properties']))
        self.assertEqual(os.path.getsize(self.service.path(meta['id'])),
                         shown['size'])
        self.assertEqual(disk_format, images.qemu_img_info(
            self.service.path(meta['id']))['format'])
        self.assertSameBytes(payload, self.service.read_raw(meta['id']))

    def test_show_returns_a_copy(self):
        meta = self.service.add_image(b'x' * 512)
        self.service.show(self.context, meta['id'])['properties']['a'] = 1
        self.assertEqual({}, self.service.show(self.context,
                                               meta['id'])['properties'])

    def test_unknown_image(self):
        for call in (self.service.show, self.service.download,
                     self.service.delete):
            exc = self.assertRaises(self.exception.ImageNotFound,
                                    call, self.context, 'no-such-image')
            self.assertIn('no-such-image', str(exc))

    def test_download_to_file_and_as_chunks(self):
        payload = os.urandom(3 * MiB + 17)
        meta = self.service.add_image(payload)
        out = io.BytesIO()
        self.assertIsNone(self.service.download(self.context, meta['id'],
                                                out))
        self.assertSameBytes(payload, out.getvalue())
        self.assertSameBytes(payload, b''.join(
            self.service.download(self.context, meta['id'])))

    def test_download_of_queued_image_fails(self):
        meta = self.service.create(self.context, {'name': 'empty'})
        self.assertEqual('queued', meta['status'])
        self.assertRaises(self.exception.ImageDownloadFailed,
                          self.service.download, self.context, meta['id'])

    def test_update_data_and_metadata(self):
        meta = self.service.create(self.context, {
            'name': 'up', 'disk_format': 'raw',
            'properties': {'keep': 'no', 'other': '1'}})
        updated = self.service.update(self.context, meta['id'],
                                      {'properties': {'keep': 'yes'},
                                       'id': 'ignored', 'size': 1},
                                      io.BytesIO(b'y' * 4096))
        self.assertEqual(('active', 4096, {'keep': 'yes'}, meta['id']),
                         (updated['status'], updated['size'],
                          updated['properties'], updated['id']))
        merged = self.service.update(self.context, meta['id'],
                                     {'properties': {'new': '2'}},
                                     purge_props=False)
        self.assertEqual({'keep': 'yes', 'new': '2'}, merged['properties'])

    def test_delete(self):
        meta = self.service.add_image(b'z' * 512)
        path = self.service.path(meta['id'])
        self.assertTrue(self.service.delete(self.context, meta['id']))
        self.assertFalse(os.path.exists(path))
        self.assertEqual([], self.service.detail(self.context))

    def test_conversion_dir_set_and_restored(self):
        from oslo_config import cfg
        self.assertEqual(self.fixture.conversion_dir,
                         cfg.CONF.image_conversion_dir)
        self.fixture.cleanUp()
        self.assertNotEqual(self.fixture.conversion_dir,
                            cfg.CONF.image_conversion_dir)
        self.fixture.setUp()

    @ddt.data('raw', 'qcow2')
    def test_cinder_fetch_to_raw(self, disk_format):
        from cinder.image import image_utils
        payload = os.urandom(2 * MiB)
        meta = self.service.add_image(payload, disk_format)
        dest = os.path.join(self.tmp, 'volume')
        with open(dest, 'wb') as f:
            f.truncate(4 * MiB)
        image_utils.fetch_to_raw(self.context, self.service, meta['id'],
                                 dest, '1M', size=1)
        with open(dest, 'rb') as f:
            self.assertSameBytes(payload, f.read(2 * MiB))
        # cinder's temporary download went to the fixture's directory.
        self.assertEqual([], os.listdir(self.fixture.conversion_dir))

    @ddt.data('raw', 'qcow2')
    def test_cinder_upload_volume(self, disk_format):
        from cinder.image import image_utils
        payload = os.urandom(MiB)
        volume = os.path.join(self.tmp, 'volume')
        with open(volume, 'wb') as f:
            f.truncate(3 * MiB)
            f.seek(MiB)
            f.write(payload)
        meta = self.service.create(self.context, {
            'name': 'uploaded', 'disk_format': disk_format,
            'container_format': 'bare'})
        image_utils.upload_volume(self.context, self.service, meta, volume)
        shown = self.service.show(self.context, meta['id'])
        self.assertEqual(('active', 3 * MiB),
                         (shown['status'], shown['virtual_size']))
        self.assertEqual(disk_format, images.qemu_img_info(
            self.service.path(meta['id']))['format'])
        self.assertSameBytes(payload, self.service.read_raw(meta['id'])[
            MiB:2 * MiB])
