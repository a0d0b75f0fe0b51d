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
"""cinder 29's in-tree Pure drivers, loaded from cinder.conf, on the simulator.

The in-tree driver reads cinder's database where cinder-volume has one: the
volume (``_get_attachments``) and the CHAP secret it keeps per initiator
(driver_initiator_data).  So these tests give it a real one: a sqlite
database of this test process, migrated once with cinder's own migrations,
volumes saved in it as cinder's API would.

py-pure-client 1.96.0 stores ``ssl_cert`` (driver_ssl_cert_path) where its
transport never reads it, so the in-tree driver verifies TLS against the
default trust store only; the tests point SSL_CERT_FILE at the simulator's
CA, as an operator would install the array's CA on the host.
"""

import os
import tempfile
import threading

import fixtures
import testtools

from common_testing import driver_loader
from pure_cinder.tests import sim_fixture

GiB = 1024 ** 3
INTREE_CLASSES = {'iSCSI': 'cinder.volume.drivers.pure.PureISCSIDriver',
                  'FC': 'cinder.volume.drivers.pure.PureFCDriver'}
OUR_CLASSES = {'iSCSI': 'pure_cinder.iscsi.PureISCSIDriver',
               'FC': 'pure_cinder.fc.PureFCDriver'}
_db_lock = threading.Lock()
_db_url = []


def _import_intree_driver():
    # Done when the test modules are imported, before any test runs:
    # cinder's in-tree Pure module registers its options in
    # [backend_defaults] at import and fails on names pure_cinder's drivers
    # registered there first (cinder's Configuration, which registers a
    # driver's options, tolerates the other order).
    from cinder import objects
    objects.register_all()
    from cinder.volume.drivers import pure  # noqa: F401


_import_intree_driver()


def cinder_database():
    """This process's cinder database (sqlite), migrated on first use."""
    from cinder.db import migration
    from oslo_config import cfg
    with _db_lock:
        if not _db_url:
            path = os.path.join(tempfile.mkdtemp(prefix='pure-cinder-db-'),
                                'cinder.sqlite')
            _db_url.append('sqlite:///' + path)
            cfg.CONF.set_override('connection', _db_url[0],
                                  group='database')
            migration.db_sync()
    return _db_url[0]


class VendorDriverTestCase(testtools.TestCase):
    """A simulator, cinder's database, and drivers loaded from options."""

    protocol = 'iSCSI'

    def setUp(self):
        super().setUp()
        from cinder import objects
        objects.register_all()
        self.sim = self.useFixture(sim_fixture.Simulator(
            iscsi_portal=['127.0.0.1:3260']))
        self.useFixture(fixtures.EnvironmentVariable(
            'SSL_CERT_FILE', self.sim.ca_path))
        self.db_url = cinder_database()

    def intree_options(self, **overrides):
        """The in-tree driver's cinder.conf section for the simulator."""
        options = {'volume_driver': INTREE_CLASSES[self.protocol],
                   'volume_backend_name': 'pure',
                   'san_ip': self.sim.target,
                   'pure_api_token': self.sim.api_token,
                   'driver_ssl_cert_verify': True,
                   'driver_ssl_cert_path': self.sim.ca_path}
        options.update(overrides)
        return options

    def load(self, options):
        loaded = self.useFixture(driver_loader.LoadedDriver(
            options, backend_name='pure', hostname='cinder-volume-1',
            default_options={}))
        # The database connection must survive the loader's conf reset.
        from oslo_config import cfg
        cfg.CONF.set_override('connection', self.db_url, group='database')
        array = getattr(loaded.driver, '_array', None)
        token_manager = getattr(array, '_token_man', None)
        if token_manager is not None:
            # The SDK logs out at interpreter exit otherwise, after the
            # simulator is gone.
            self.addCleanup(token_manager.close_session)
        return loaded

    # -- cinder objects, saved as cinder's API saves them --------------------

    def volume(self, loaded, size=1, **fields):
        from cinder import objects
        values = {'size': size,
                  'status': 'creating', 'attach_status': 'detached',
                  'host': loaded.host + '#pure', 'project_id': 'project-1',
                  'user_id': 'user-1', 'volume_type_id': None,
                  'multiattach': False, 'bootable': False}
        values.update(fields)
        volume = objects.Volume(loaded.context, **values)
        volume.create()
        self.addCleanup(self._destroy, volume)
        return objects.Volume.get_by_id(loaded.context, volume.id)

    @staticmethod
    def _destroy(obj):
        try:
            obj.destroy()
        except Exception:   # already gone
            pass

    def created(self, loaded, volume, update):
        volume.update(update or {})
        volume.status = 'available'
        volume.save()
        return volume

    def snapshot(self, loaded, volume):
        from cinder import objects
        snapshot = objects.Snapshot(
            loaded.context, volume_id=volume.id,
            volume_size=volume.size, status='creating',
            project_id='project-1', user_id='user-1')
        snapshot.create()
        self.addCleanup(self._destroy, snapshot)
        snapshot.volume = volume
        return snapshot

    def connector(self, host='compute-1'):
        return {'host': host,
                'initiator': 'iqn.1993-08.org.debian:01:%s' % host,
                'wwpns': ['10000090fa0000%02x' % (len(host) % 256)],
                'wwnns': ['20000090fa000001'], 'multipath': False,
                'platform': 'x86_64', 'os_type': 'linux'}

    # -- the array --------------------------------------------------------

    def live_volumes(self):
        return {n for n, v in self.sim.array.volumes.items()
                if not v['destroyed']}

    def live_snapshots(self):
        return {n for n, s in self.sim.array.snapshots.items()
                if not s['destroyed']}

    def _data_path(self, name):
        array = self.sim.array
        return array._data_path(array.volumes[name]['id'])

    def write(self, name, payload):
        with open(self._data_path(name), 'r+b') as data:
            data.write(payload)

    def read(self, name, length):
        with open(self._data_path(name), 'rb') as data:
            return data.read(length)
