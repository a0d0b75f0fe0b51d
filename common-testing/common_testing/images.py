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
"""An image service stand-in for copy-image tests: images are files.

``LocalImageService`` implements the part of cinder's GlanceImageService
(cinder/image/glance.py) that cinder's ``image_utils.fetch_to_raw``,
``image_utils.upload_volume`` and the base ``VolumeDriver``'s
``copy_image_to_volume`` / ``copy_volume_to_image`` call: ``show``,
``download``, ``create``, ``update``, ``delete`` and the ``temp_images``
attribute.  Image data lives in files in a directory; formats (raw, qcow2)
are whatever qemu-img made of them, and ``virtual_size`` comes from
``qemu-img info``, as Glance's format inspection would report it.

Until the full-stack work brings a real Glance, this is what the functional
tests hand to the driver as ``image_service``.
"""

import copy
import json
import os
import shutil
import tempfile
import threading
import uuid

import fixtures
from oslo_concurrency import processutils
from oslo_utils import timeutils

from common_testing import initiator

CHUNK_SIZE = 1024 * 1024
# Fields Glance computes; a caller's values for them are ignored.
READ_ONLY_FIELDS = ('id', 'size', 'virtual_size', 'status', 'checksum',
                    'created_at', 'updated_at', 'file', 'locations')


def _image_not_found(image_id):
    # cinder's own exception, as GlanceImageService raises it; imported
    # late so that importing this module does not load cinder.
    from cinder import exception
    return exception.ImageNotFound(image_id=image_id)


def qemu_img_info(path):
    """``qemu-img info`` of ``path`` as a dict."""
    out, _err = processutils.execute('qemu-img', 'info', '--output=json',
                                     '-U', path)
    return json.loads(out)


def convert(source, dest, out_format, in_format=None):
    """Convert ``source`` to ``dest`` in ``out_format`` with qemu-img."""
    cmd = ['qemu-img', 'convert', '-O', out_format]
    if in_format:
        cmd += ['-f', in_format]
    processutils.execute(*(cmd + [source, dest]))


class LocalImageService(object):
    """Images as files in ``directory``; see the module docstring."""

    def __init__(self, directory):
        self.directory = directory
        self.temp_images = None     # cinder's TemporaryImages sets this
        self._images = {}
        self._lock = threading.Lock()

    # -- helpers for tests -------------------------------------------------

    def path(self, image_id):
        """The file that holds the data of ``image_id``."""
        self._meta(image_id)
        return os.path.join(self.directory, image_id)

    def add_image(self, data, disk_format='raw', name=None, **properties):
        """Create an image from raw bytes ``data``, stored as ``disk_format``.

        Returns its metadata (``id``, ``size``, ``virtual_size``...).
        """
        meta = self.create(None, {'name': name or 'test-image',
                                  'disk_format': disk_format,
                                  'container_format': 'bare',
                                  'properties': properties})
        stored = os.path.join(self.directory, meta['id'] + '.new')
        if disk_format == 'raw':
            # As uploaded: qemu-img would pad it to whole sectors.
            with open(stored, 'wb') as image:
                image.write(data)
        else:
            with tempfile.NamedTemporaryFile(dir=self.directory,
                                             suffix='.raw') as raw:
                raw.write(data)
                raw.flush()
                convert(raw.name, stored, disk_format, in_format='raw')
        self._finish_upload(meta['id'], stored)
        return self.show(None, meta['id'])

    def read_raw(self, image_id):
        """The image's content as raw bytes (converted with qemu-img)."""
        meta = self.show(None, image_id)
        with tempfile.TemporaryDirectory(dir=self.directory) as tmp:
            raw = os.path.join(tmp, 'raw')
            convert(self.path(image_id), raw, 'raw',
                    in_format=meta['disk_format'])
            with open(raw, 'rb') as f:
                return f.read()

    # -- the image service interface ---------------------------------------

    def _meta(self, image_id):
        with self._lock:
            try:
                return self._images[image_id]
            except KeyError:
                raise _image_not_found(image_id) from None

    def show(self, context, image_id):
        """Metadata of ``image_id`` (raises cinder's ImageNotFound)."""
        meta = self._meta(image_id)
        with self._lock:
            return copy.deepcopy(meta)

    def detail(self, context, **kwargs):
        with self._lock:
            return [copy.deepcopy(meta) for meta in self._images.values()]

    def create(self, context, image_meta, data=None):
        """Register an image (status queued until it has data)."""
        meta = {key: value for key, value in (image_meta or {}).items()
                if key not in READ_ONLY_FIELDS}
        image_id = (image_meta or {}).get('id') or str(uuid.uuid4())
        now = timeutils.utcnow()
        meta.update({'id': image_id, 'status': 'queued', 'size': None,
                     'virtual_size': None, 'created_at': now,
                     'updated_at': now})
        meta.setdefault('name', image_id)
        meta.setdefault('container_format', 'bare')
        meta.setdefault('disk_format', 'raw')
        meta.setdefault('min_disk', 0)
        meta.setdefault('properties', {})
        with self._lock:
            if image_id in self._images:
                raise ValueError('image %s exists already' % image_id)
            self._images[image_id] = meta
        if data is not None:
            return self.update(context, image_id, {}, data)
        return self.show(context, image_id)

    def update(self, context, image_id, image_meta, data=None,
               purge_props=True, store_id=None, base_image_ref=None):
        """Store ``data`` (a file-like object) and/or update metadata."""
        self._meta(image_id)
        if data is not None:
            partial = os.path.join(self.directory, image_id + '.new')
            with open(partial, 'wb') as out:
                shutil.copyfileobj(data, out, CHUNK_SIZE)
            self._finish_upload(image_id, partial)
        if image_meta:
            with self._lock:
                meta = self._images[image_id]
                new_props = image_meta.get('properties', {})
                if purge_props:
                    meta['properties'] = dict(new_props)
                else:
                    meta['properties'].update(new_props)
                meta.update({key: value for key, value in image_meta.items()
                             if key not in READ_ONLY_FIELDS
                             and key != 'properties'})
                meta['updated_at'] = timeutils.utcnow()
        return self.show(context, image_id)

    def _finish_upload(self, image_id, partial):
        final = os.path.join(self.directory, image_id)
        os.replace(partial, final)
        info = qemu_img_info(final)
        with self._lock:
            meta = self._images[image_id]
            meta.update({'status': 'active',
                         'size': os.path.getsize(final),
                         'virtual_size': info['virtual-size'],
                         'updated_at': timeutils.utcnow()})

    def download(self, context, image_id, data=None):
        """Write the image into file-like ``data``, or return its chunks."""
        meta = self._meta(image_id)
        if meta['status'] != 'active':
            from cinder import exception
            raise exception.ImageDownloadFailed(
                image_href=image_id,
                reason='image is %s, it has no data' % meta['status'])
        path = os.path.join(self.directory, image_id)
        if data is not None:
            with open(path, 'rb') as image:
                shutil.copyfileobj(image, data, CHUNK_SIZE)
            return None
        return self._chunks(path)

    @staticmethod
    def _chunks(path):
        with open(path, 'rb') as image:
            while True:
                chunk = image.read(CHUNK_SIZE)
                if not chunk:
                    return
                yield chunk

    def delete(self, context, image_id):
        """Delete ``image_id`` (raises ImageNotFound if unknown)."""
        with self._lock:
            if self._images.pop(image_id, None) is None:
                raise _image_not_found(image_id)
        for name in (image_id, image_id + '.new'):
            try:
                os.unlink(os.path.join(self.directory, name))
            except FileNotFoundError:
                pass
        return True


class LocalImages(fixtures.Fixture):
    """A LocalImageService in a temporary directory.

    Also points cinder's ``image_conversion_dir`` (where fetch_to_raw and
    upload_volume put their temporary files; /var/lib/cinder by default)
    into that directory for the fixture's lifetime, and runs cinder's
    privsep entrypoints in-process.  Attributes: ``service``,
    ``conversion_dir``.
    """

    def _setUp(self):
        from cinder.image import image_utils  # noqa: F401 registers options
        from oslo_config import cfg
        directory = self.useFixture(fixtures.TempDir()).path
        images = os.path.join(directory, 'images')
        conversion = os.path.join(directory, 'conversion')
        os.mkdir(images)
        os.mkdir(conversion)
        # fetch_to_raw and upload_volume call privsep entrypoints (format
        # inspection) that must run in-process here; see initiator.py.
        self.useFixture(initiator.PrivsepInProcess())
        cfg.CONF.set_override('image_conversion_dir', conversion)
        self.addCleanup(cfg.CONF.clear_override, 'image_conversion_dir')
        self.service = LocalImageService(images)
        self.conversion_dir = conversion
