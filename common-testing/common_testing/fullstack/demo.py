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
"""The README demo: every operation on every backend through the API.

Through python-cinderclient against cinder-api, per backend section (a
volume type each): create; snapshot; volume from snapshot; clone; extend;
attach (an attachment with a connector; for iSCSI the LUN is written and
read over real iSCSI with the kit's user-space initiator); detach; upload
to image (Glance); create from image (compared byte for byte with the
volume it came from, and with the image in Glance); unmanage and manage
back; delete.  Fibre Channel has no data path on this machine: its attach
checks the connection information, and the image steps (which need
cinder-volume to attach the volume over FC) are reported as skipped.
"""

import hashlib
import os
import time

import requests

from common_testing import initiator as initiator_mod

OPERATIONS = ('create', 'snapshot', 'volume from snapshot', 'clone',
              'extend', 'attach', 'detach', 'upload to image',
              'create from image', 'unmanage', 'manage', 'delete')
OK, FAILED, SKIPPED = 'ok', 'FAILED', 'skipped'
TIMEOUT = 600
CHUNK = 4 * 1024 * 1024
GIB = 1024 ** 3
HOST_NAME = 'fullstack-demo'
FC_WWPN = '10000090fa0d6c01'
FC_WWNN = '20000090fa0d6c01'
# Protocols with a data path on this machine: iSCSI through the kit's
# user-space initiator, SDSHypervisor through os-brick's own connector
# and the package's sds_cli.
DATA_PROTOCOLS = ('iSCSI', 'SDSHypervisor')


IMAGE_STEPS = ('upload to image', 'create from image')


def connection_data(info):
    """An attachment's connection_info as the initiator takes it.

    The attachments API flattens the driver's ``data`` into the top level
    next to ``driver_volume_type``.
    """
    return {key: value for key, value in info.items()
            if key != 'driver_volume_type'}


class StepFailed(Exception):
    pass


class Skip(Exception):
    pass


def wait_status(get, wanted, what, timeout=TIMEOUT):
    """Poll ``get()`` until its status is ``wanted``; fail on error."""
    deadline = time.monotonic() + timeout
    while True:
        obj = get()
        status = obj.status
        if status == wanted:
            return obj
        if status.startswith('error'):
            raise StepFailed('%s went to status %s' % (what, status))
        if time.monotonic() > deadline:
            raise StepFailed('%s still %s after %ds (wanted %s)'
                             % (what, status, timeout, wanted))
        time.sleep(0.5)


def wait_gone(get, what, timeout=TIMEOUT):
    from cinderclient import exceptions
    deadline = time.monotonic() + timeout
    seen = set()
    while True:
        try:
            obj = get()
        except exceptions.NotFound:
            return
        seen.add(obj.status)
        if obj.status.startswith('error') or (
                obj.status in ('available', 'in-use') and 'deleting' in seen):
            # cinder puts back what the driver refused to delete.
            raise StepFailed('%s went to status %s' % (what, obj.status))
        if time.monotonic() > deadline:
            raise StepFailed('%s still %s after %ds'
                             % (what, obj.status, timeout))
        time.sleep(0.5)


def digest_file(path, size):
    """sha256 of the first ``size`` bytes of ``path``."""
    digest = hashlib.sha256()
    with open(path, 'rb') as source:
        left = size
        while left:
            block = source.read(min(CHUNK, left))
            if not block:
                raise StepFailed('%s ended %d bytes early' % (path, left))
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def device_size(path):
    """Size of a file or block device."""
    with open(path, 'rb') as device:
        return device.seek(0, os.SEEK_END)


def pattern(seed, size):
    """Deterministic, incompressible-looking bytes for the data checks."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b'%s-%d' % (seed, counter)).digest()
        counter += 1
    return bytes(out[:size])


class Demo(object):
    """Runs the scenario on every backend of ``stack``.

    ``results`` is ``{section: {operation: (result, seconds, detail)}}``.
    """

    def __init__(self, stack, report=print):
        self.stack = stack
        self.client = stack.client()
        self.report = report
        self.results = {}
        self.initiator = initiator_mod.UserSpaceInitiator(
            base_dir=os.path.join(stack.run_dir, 'demo-initiator'))
        os.makedirs(self.initiator.base_dir, exist_ok=True)

    def connector(self, section):
        # One host per backend: the iSCSI and FC sections of a vendor share
        # one simulated array, where a host name is one set of initiators.
        connector = {'ip': '127.0.0.1', 'host': '%s-%s' % (HOST_NAME,
                                                           section),
                     'platform': 'x86_64', 'os_type': 'linux',
                     'multipath': False, 'do_local_attach': False}
        if self.stack.protocols[section] == 'FC':
            connector.update(wwpns=[FC_WWPN], wwnns=[FC_WWNN])
        else:
            connector['initiator'] = self.initiator.name
        return connector

    # -- running -------------------------------------------------------------

    def run(self):
        try:
            for section in sorted(self.stack.sections):
                self.run_backend(section)
        finally:
            self.initiator.detach_all()
        return self.ok()

    def ok(self):
        return all(result != FAILED
                   for steps in self.results.values()
                   for result, _s, _d in steps.values())

    def _step(self, section, operation, function, *args):
        started = time.monotonic()
        try:
            value = function(*args)
        except Skip as exc:
            result, detail, value = SKIPPED, str(exc), None
        except Exception as exc:
            result, detail, value = FAILED, '%s: %s' % (
                type(exc).__name__, exc), None
        else:
            result, detail = OK, ''
        seconds = time.monotonic() - started
        self.results[section][operation] = (result, seconds, detail)
        self.report('[%s] %-20s %-7s %6.1fs %s' % (
            section, operation, result, seconds, detail))
        return result == OK, value

    def run_backend(self, section):
        self.results[section] = {}
        protocol = self.stack.protocols[section]
        vtype = self.stack.volume_types[section]
        v = self.client.volumes
        created = []     # volumes to delete at the end, newest last
        attachments = []     # attachments not deleted yet
        state = {}

        def make(key, **source):
            """A 1 GiB volume ``state[key]``, from ``source`` if given."""
            volume = v.create(1, name='%s-%s' % (section, key),
                              volume_type=vtype, **source)
            created.append(volume.id)
            state[key] = wait_status(lambda: v.get(volume.id), 'available',
                                     'volume %s' % volume.id)

        def create():
            make('a')

        def snapshot():
            snap = self.client.volume_snapshots.create(
                state['a'].id, name='%s-snap' % section)
            state['snap'] = wait_status(
                lambda: self.client.volume_snapshots.get(snap.id),
                'available', 'snapshot %s' % snap.id)

        def from_snapshot():
            make('b', snapshot_id=state['snap'].id)

        def clone():
            make('c', source_volid=state['a'].id)

        def extend():
            v.extend(state['a'].id, 2)
            volume = wait_status(lambda: v.get(state['a'].id), 'available',
                                 'volume %s' % state['a'].id)
            if volume.size != 2:
                raise StepFailed('volume %s is %s GiB after extend to 2'
                                 % (volume.id, volume.size))

        def attach():
            volume = state['b']
            attachment = self.client.attachments.create(
                volume.id, self.connector(section), mode='rw')
            attachments.append(attachment['id'])
            state['attachment'] = attachment['id']
            info = attachment['connection_info']
            if protocol in DATA_PROTOCOLS:
                path, state['detach'] = self._attach_local(info)
                size = device_size(path)
                if size != GIB:
                    raise StepFailed('%s of %s is %d bytes, not 1 GiB'
                                     % (path, volume.id, size))
                data = pattern(section.encode(), CHUNK)
                with open(path, 'r+b') as lun:
                    for offset in (0, GIB // 2, GIB - CHUNK):
                        lun.seek(offset)
                        lun.write(data)
                    lun.flush()
                    os.fsync(lun.fileno())
                state['digest'] = digest_file(path, GIB)
                with open(path, 'rb') as lun:
                    lun.seek(GIB // 2)
                    if lun.read(CHUNK) != data:
                        raise StepFailed('data read back over %s from '
                                         '%s differs' % (protocol,
                                                         volume.id))
            elif protocol == 'FC':
                if info.get('driver_volume_type') != 'fibre_channel' or \
                        not info.get('target_wwn'):
                    raise StepFailed('FC connection info lacks target_wwn: '
                                     '%r' % (info,))
            self.client.attachments.complete(attachment['id'])
            wait_status(lambda: v.get(volume.id), 'in-use',
                        'volume %s' % volume.id)

        def detach():
            if 'detach' in state:
                state.pop('detach')()
            self.client.attachments.delete(state['attachment'])
            attachments.remove(state['attachment'])
            wait_status(lambda: v.get(state['b'].id), 'available',
                        'volume %s' % state['b'].id)

        def upload():
            if protocol not in DATA_PROTOCOLS:
                raise Skip('cinder-volume cannot attach %s here' % protocol)
            _resp, body = v.upload_to_image(
                state['b'], False, '%s-image' % section, 'bare', 'raw',
                'private', False)
            image_id = body['os-volume_upload_image']['image_id']
            state['image'] = image_id
            wait_status(lambda: v.get(state['b'].id), 'available',
                        'volume %s' % state['b'].id)
            image = self._wait_image(image_id)
            if image['size'] != GIB:
                raise StepFailed('image %s has %s bytes, not 1 GiB'
                                 % (image_id, image['size']))
            if self._image_digest(image_id) != state['digest']:
                raise StepFailed('image %s differs from volume %s'
                                 % (image_id, state['b'].id))

        def from_image():
            if protocol not in DATA_PROTOCOLS:
                raise Skip('cinder-volume cannot attach %s here' % protocol)
            volume = v.create(1, imageRef=state['image'],
                              name='%s-d' % section, volume_type=vtype)
            created.append(volume.id)
            wait_status(lambda: v.get(volume.id), 'available',
                        'volume %s' % volume.id)
            attachment = self.client.attachments.create(
                volume.id, self.connector(section), mode='ro')
            attachments.append(attachment['id'])
            path, local_detach = self._attach_local(
                attachment['connection_info'])
            try:
                digest = digest_file(path, GIB)
            finally:
                local_detach()
                self.client.attachments.delete(attachment['id'])
                attachments.remove(attachment['id'])
            if digest != state['digest']:
                raise StepFailed('volume %s created from image %s differs '
                                 'from the image' % (volume.id,
                                                     state['image']))

        def unmanage():
            volume = v.get(state['c'].id)
            # Managed back into the same host@backend#pool: a driver whose
            # pool names the manage API refuses fails this step.
            state['c_host'] = getattr(volume, 'os-vol-host-attr:host')
            v.unmanage(volume)
            wait_gone(lambda: v.get(volume.id), 'volume %s' % volume.id)
            created.remove(volume.id)

        def manage():
            vendor = self.stack.vendors[section]
            ref = {'source-name': vendor.array_name(state['c'].id)}
            volume = v.manage(state['c_host'], ref, name='%s-managed'
                              % section, volume_type=vtype)
            created.append(volume.id)
            wait_status(lambda: v.get(volume.id), 'available',
                        'managed volume %s' % volume.id)

        def delete():
            for attachment_id in attachments:
                self.client.attachments.delete(attachment_id)
            if 'detach' in state:
                state.pop('detach')()
            # Volumes made from the snapshot go first (some arrays keep a
            # snapshot busy while a volume depends on it), then the
            # snapshot, then its source.
            source = [state['a'].id] if 'a' in state else []
            first = [i for i in created if i not in source]
            for group in (first, source):
                for volume_id in group:
                    v.delete(volume_id)
                for volume_id in group:
                    wait_gone(lambda: v.get(volume_id),
                              'volume %s' % volume_id)
                if 'snap' in state:
                    snap = state.pop('snap')
                    self.client.volume_snapshots.delete(snap.id)
                    wait_gone(lambda: self.client.volume_snapshots.get(
                        snap.id), 'snapshot %s' % snap.id)
            if 'image' in state:
                requests.delete('%s/v2/images/%s' % (
                    self.stack.glance_url, state['image']), timeout=60)

        steps = [('create', create, ()), ('snapshot', snapshot, ('a',)),
                 ('volume from snapshot', from_snapshot, ('snap',)),
                 ('clone', clone, ('a',)), ('extend', extend, ('a',)),
                 ('attach', attach, ('b',)), ('detach', detach,
                                              ('attachment',)),
                 ('upload to image', upload, ('digest',)),
                 ('create from image', from_image, ('image',)),
                 ('unmanage', unmanage, ('c',)),
                 ('manage', manage, ('c_host',)),
                 ('delete', delete, ())]
        for operation, function, needs in steps:
            if protocol not in DATA_PROTOCOLS and operation in IMAGE_STEPS:
                needs = ()     # the step reports itself skipped
            missing = [need for need in needs if need not in state]
            if missing and operation != 'delete':
                self.results[section][operation] = (
                    FAILED, 0.0, 'not run: an earlier step failed')
                self.report('[%s] %-20s %-7s        not run (an earlier step '
                            'failed)' % (section, operation,
                                         self.results[section][operation][0]))
                continue
            self._step(section, operation, function)

    def _attach_local(self, info):
        """Attach on this host; (path, a function detaching it)."""
        data = connection_data(info)
        if info.get('driver_volume_type') == 'iscsi':
            attached = self.initiator.attach(data)
            return attached.path, lambda: self.initiator.detach(
                attached.path)
        from os_brick.initiator import connector
        from oslo_concurrency import lockutils
        # os-brick serialises connects with an external lock.
        lockutils.set_defaults(os.path.join(self.stack.run_dir,
                                            'demo-locks'))
        import os_brick
        from oslo_config import cfg
        os_brick.setup(cfg.CONF)
        os.environ.update(self.stack.host_env)
        brick = connector.InitiatorConnector.factory(
            info['driver_volume_type'], None)
        device = brick.connect_volume(data)
        return device['path'], lambda: brick.disconnect_volume(data, device)

    # -- glance ------------------------------------------------------------

    def _wait_image(self, image_id, timeout=TIMEOUT):
        url = '%s/v2/images/%s' % (self.stack.glance_url, image_id)
        deadline = time.monotonic() + timeout
        while True:
            image = requests.get(url, timeout=30).json()
            if image.get('status') == 'active':
                return image
            if image.get('status') in ('killed', 'deleted') or \
                    time.monotonic() > deadline:
                raise StepFailed('image %s is %s' % (image_id,
                                                     image.get('status')))
            time.sleep(0.5)

    def _image_digest(self, image_id):
        digest = hashlib.sha256()
        with requests.get('%s/v2/images/%s/file' % (
                self.stack.glance_url, image_id), stream=True,
                timeout=60) as response:
            response.raise_for_status()
            for block in response.iter_content(CHUNK):
                digest.update(block)
        return digest.hexdigest()

    # -- the table -------------------------------------------------------

    def table(self):
        sections = sorted(self.results)
        width = max([len('operation')] + [len(o) for o in OPERATIONS])
        columns = [max(len(s), 14) for s in sections]
        lines = ['%-*s  %s' % (width, 'operation', '  '.join(
            '%-*s' % (c, s) for c, s in zip(columns, sections)))]
        lines.append('-' * len(lines[0]))
        for operation in OPERATIONS:
            cells = []
            for column, section in zip(columns, sections):
                result, seconds, _d = self.results[section].get(
                    operation, ('-', 0.0, ''))
                cell = result if result != OK else 'ok %.1fs' % seconds
                if result == FAILED:
                    cell = 'FAILED %.1fs' % seconds
                cells.append('%-*s' % (column, cell))
            lines.append('%-*s  %s' % (width, operation, '  '.join(cells)))
        failures = ['%s / %s: %s' % (section, operation, detail)
                    for section in sections
                    for operation, (result, _s, detail)
                    in self.results[section].items() if result == FAILED]
        if failures:
            lines += ['', 'failures:'] + ['  ' + f for f in failures]
        return '\n'.join(lines)
