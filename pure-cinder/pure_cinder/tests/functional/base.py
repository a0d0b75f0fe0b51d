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
"""The real driver, loaded from cinder.conf options, against the simulator."""

import uuid
import zlib

import testtools

from common_testing import driver_loader
from common_testing import logcheck
from pure_cinder.tests import sim_fixture

GiB = 1024 ** 3
DRIVER_CLASSES = {'iSCSI': 'pure_cinder.iscsi.PureISCSIDriver',
                  'FC': 'pure_cinder.fc.PureFCDriver'}


class DriverAgainstSimulator(testtools.TestCase):
    """Starts a simulator and loads the driver class under test."""

    protocol = 'iSCSI'
    simulator_options = {'iscsi_portal': ['127.0.0.1:3260']}
    iscsi_data_path = False

    def setUp(self):
        super().setUp()
        # cinder.volume.manager (which the loader imports) needs cinder's
        # objects registered first, as cinder-volume does at start-up.
        from cinder import objects
        objects.register_all()
        self.sim = self.useFixture(sim_fixture.Simulator(
            iscsi=self.iscsi_data_path, **self.simulator_options))
        self.logs = self.useFixture(logcheck.SecretsNotLogged(
            [self.sim.api_token]))
        self.loaded = self.load_driver()
        self.driver = self.loaded.driver
        self.context = self.loaded.context

    def backend_options(self, **overrides):
        options = {'volume_driver': DRIVER_CLASSES[self.protocol],
                   'volume_backend_name': 'pure-sim'}
        options.update(self.sim.driver_options())
        options.update(overrides)
        return {k: v for k, v in options.items() if v is not None}

    def load_driver(self, setup=True, backend_name='pure-sim', **overrides):
        return self.useFixture(driver_loader.LoadedDriver(
            self.backend_options(**overrides), backend_name=backend_name,
            setup=setup))

    # -- cinder objects ------------------------------------------------------

    # Built from cinder.objects directly: cinder.tests.unit's helpers
    # monkey-patch eventlet on import, which breaks the simulator's threads.

    def volume(self, size=1, **fields):
        from cinder import objects
        values = {'id': str(uuid.uuid4()), 'size': size,
                  'provider_id': None, 'provider_location': None,
                  'volume_type_id': None, 'multiattach': False,
                  '_name_id': None,
                  'status': 'creating', 'attach_status': 'detached',
                  'host': self.loaded.host + '#pure-sim'}
        values.update(fields)
        volume = objects.Volume(self.context, **values)
        if 'volume_attachment' not in fields:
            volume.volume_attachment = objects.VolumeAttachmentList(
                objects=[])
        volume.obj_reset_changes()
        return volume

    def create_volume(self, size=1, **fields):
        volume = self.volume(size, **fields)
        volume.update(self.driver.create_volume(volume) or {})
        return volume

    def snapshot(self, volume, **fields):
        from cinder import objects
        values = {'id': str(uuid.uuid4()), 'volume_id': volume.id,
                  'volume_size': volume.size, 'provider_id': None,
                  'status': 'creating'}
        values.update(fields)
        snapshot = objects.Snapshot(self.context, **values)
        snapshot.volume = volume
        return snapshot

    def connector(self, host='compute-1', index=1):
        return {'host': host, 'initiator':
                'iqn.1993-08.org.debian:01:%s-%d' % (host, index),
                'wwpns': ['10000090fa%06x' % (
                    (zlib.crc32(host.encode()) % 4096) * 1000 + index)],
                'wwnns': ['20000090fa000001'], 'multipath': False,
                'platform': 'x86_64', 'os_type': 'linux'}

    # -- the array as the simulator sees it ---------------------------------

    @property
    def array(self):
        return self.sim.array

    def array_volume(self, volume):
        return self.array.volumes.get(volume.provider_id)

    def data_path(self, volume):
        return self.array._data_path(self.array_volume(volume)['id'])

    def write_at(self, volume, offset, payload):
        with open(self.data_path(volume), 'r+b') as data:
            data.seek(offset)
            data.write(payload)

    def read_at(self, volume, offset, length):
        with open(self.data_path(volume), 'rb') as data:
            data.seek(offset)
            return data.read(length)
