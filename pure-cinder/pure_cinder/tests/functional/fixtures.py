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
"""The FlashArray simulator and the driver under test, for functional tests.

``Simulator`` runs the simulator in the test process over verifiable TLS;
``DriverAgainstSimulator`` loads pure_cinder's driver from cinder.conf
options against it; ``VendorDriverTestCase`` does the same for cinder's
in-tree Pure drivers, with a cinder database of this process.  Run as a
module (``python -m pure_cinder.tests.functional.fixtures``) it is a second
cinder-volume process for the cross-process attach test (``attach_main``).

The in-tree driver reads cinder's database where cinder-volume has one: the
volume (``_get_attachments``) and the CHAP secret it keeps per initiator
(driver_initiator_data).  So its tests give it a real one: a sqlite
database of this test process, migrated once with cinder's own migrations,
volumes saved in it as cinder's API would.

py-pure-client 1.96.0 stores ``ssl_cert`` (driver_ssl_cert_path) where its
transport never reads it, so the in-tree driver verifies TLS against the
default trust store only; the tests point SSL_CERT_FILE at the simulator's
CA, as an operator would install the array's CA on the host.
"""

import contextlib
import json
import os
import secrets
import sys
import tempfile
import threading
import types
import uuid
import zlib

import fixtures

from common_testing import driver_loader
from common_testing import logcheck
from common_testing import net
from common_testing import tls
from pure_cinder.simulator import __main__ as sim_main
from pure_cinder.simulator import server
from pure_cinder.tests import base

GiB = 1024 ** 3
DRIVER_CLASSES = {'iSCSI': 'pure_cinder.iscsi.PureISCSIDriver',
                  'FC': 'pure_cinder.fc.PureFCDriver'}
OUR_CLASSES = DRIVER_CLASSES
INTREE_CLASSES = {'iSCSI': 'cinder.volume.drivers.pure.PureISCSIDriver',
                  'FC': 'cinder.volume.drivers.pure.PureFCDriver'}
_db_lock = threading.Lock()
_db_url = []


class Simulator(fixtures.Fixture):
    """A simulator on this process's loopback address and a free port.

    Attributes: ``array`` (FlashArrayState), ``server``, ``url``,
    ``target`` (host:port for pure_target), ``api_token``, ``ca_path``,
    ``tgtd`` (with ``iscsi=True``).
    """

    def __init__(self, iscsi=False, tls=True, **server_options):
        super().__init__()
        self.iscsi = iscsi
        self.tls = tls
        self.server_options = server_options

    def driver_options(self):
        """cinder.conf backend options that reach this simulator.

        TLS is verified against ``ca_path``; short API timeouts keep tests
        of an unreachable array quick.
        """
        return {'pure_target': self.target,
                'pure_api_token': self.api_token,
                'driver_ssl_cert_verify': True,
                'driver_ssl_cert_path': self.ca_path,
                'pure_api_retry_timeout': 3,
                'pure_api_timeout': 5}

    def _setUp(self):
        self.api_token = secrets.token_hex(16)
        workdir = self.useFixture(fixtures.TempDir()).path
        address = net.private_loopback()
        self.ca_path = cert = key = None
        if self.tls:
            # The self-signed certificate is its own CA.
            cert, key = tls.write_self_signed_cert(
                workdir, address, common_name='pure-cinder simulator')
            self.ca_path = cert
        tgt_admin = tgt_portal = None
        self.tgtd = None
        if self.iscsi:
            from common_testing import tgt
            self.tgtd = self.useFixture(tgt.Tgtd())
            tgt_admin, tgt_portal = self.tgtd.admin, self.tgtd.portal
        args = types.SimpleNamespace(
            iscsi_portal=[], tgtd=False, tgtd_control_port=None,
            state_dir=os.path.join(workdir, 'state'), name='sim-fa',
            capacity_gb=1024, fc_wwn=None, listen=address, port=0,
            api_token=self.api_token, http=not self.tls, tls_cert=cert,
            tls_key=key, session_ttl=3600.0, rate_limit=None,
            page_size=None)
        for key_, value in self.server_options.items():
            setattr(args, key_, value)
        stack = contextlib.ExitStack()
        self.addCleanup(stack.close)
        self.array, self.server = sim_main.build(args, stack, tgt_admin,
                                                 tgt_portal)
        server.serve_in_thread(self.server)
        stack.callback(self.server.shutdown)
        self.url = self.server.url
        self.target = '%s:%d' % self.server.server_address[:2]
        self.address = address

    def stop(self):
        """Stop answering (the array becomes unreachable)."""
        self.server.shutdown()
        self.server.server_close()


class DriverAgainstSimulator(base.TestCase):
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
        self.sim = self.useFixture(Simulator(
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
        if self.iscsi_data_path:
            # A connection is a tgtd export (several tgtadm runs), which
            # takes seconds on a loaded machine.
            options['pure_api_timeout'] = 60
        options.update(overrides)
        return {k: v for k, v in options.items() if v is not None}

    def load_driver(self, setup=True, backend_name='pure-sim', **overrides):
        return self.useFixture(driver_loader.LoadedDriver(
            self.backend_options(**overrides), backend_name=backend_name,
            setup=setup))

    def use_cinder_database(self):
        """Give the drivers cinder's database, as cinder-volume has one.

        With use_chap_auth the drivers keep CHAP secrets there
        (driver_initiator_data), in the namespace of volume_backend_name,
        which every driver these tests load shares.
        """
        from oslo_config import cfg
        cfg.CONF.set_override('connection', cinder_database(),
                              group='database')

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


# -- cinder's in-tree drivers, with a cinder database ------------------------

def _import_intree_driver():
    # Done when the test modules are imported, before any test runs:
    # cinder's in-tree Pure module registers its options in
    # [backend_defaults] at import and fails on names pure_cinder's drivers
    # registered there first (cinder's Configuration, which registers a
    # driver's options, tolerates the other order).
    from cinder import objects
    objects.register_all()
    from cinder.volume.drivers import pure  # noqa: F401


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


class VendorDriverTestCase(base.TestCase):
    """A simulator, cinder's database, and drivers loaded from options."""

    protocol = 'iSCSI'

    def setUp(self):
        super().setUp()
        _import_intree_driver()
        self.sim = self.useFixture(Simulator(
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


# -- a second cinder-volume process ------------------------------------------

def attach_main():
    """Attach volumes as a second cinder-volume process would.

    Reads a JSON job on stdin: backend options, the coordination backend
    URL shared with the other process, a connector and volume ids; attaches
    all volumes concurrently and prints the LUNs as JSON.
    """
    job = json.load(sys.stdin)
    from concurrent import futures

    from cinder import coordination
    from cinder import objects
    from oslo_config import cfg

    objects.register_all()
    loaded = driver_loader.LoadedDriver(job['options'],
                                        backend_name='pure-sim')
    loaded.setUp()
    try:
        # Share the other process's lock directory: that is what makes
        # the per-compute-host lock hold across processes.
        coordination.COORDINATOR.stop()
        cfg.CONF.set_override('backend_url', job['coordination_url'],
                              group='coordination')
        coordination.COORDINATOR.start()
        volumes = []
        for volume_id, provider_id in job['volumes']:
            volume = objects.Volume(
                loaded.context, id=volume_id, size=1, _name_id=None,
                provider_id=provider_id, provider_location=None,
                multiattach=False, volume_type_id=None)
            volumes.append(volume)
        with futures.ThreadPoolExecutor(max_workers=len(volumes)) as pool:
            infos = list(pool.map(
                lambda v: loaded.driver.initialize_connection(
                    v, job['connector']), volumes))
        print(json.dumps([i['data']['target_lun'] for i in infos]))
    finally:
        loaded.cleanUp()


if __name__ == '__main__':
    attach_main()
