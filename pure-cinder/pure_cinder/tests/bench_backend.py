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
"""Pure FlashArray in the driver benchmark (common_testing.bench).

Our iSCSI and FC drivers and cinder 29's in-tree ones (Pure's own, on
py-pure-client) on one simulator each: pure-cinder-simulator as its own
process over verified TLS (so the driver's CPU is this process's), with
cinder's database for the in-tree driver as in test_vendor_driver (the
tests' fixtures module imports the in-tree module first: its options
before ours).  Volumes for stats at scale go straight into the
simulator's state (POST /_sim/seed).
"""

import json
import os
import re
import secrets
import select
import subprocess
import sys

import fixtures
from oslo_config import cfg
import requests

from common_testing.bench import backend
from common_testing import net
from common_testing import tls
from pure_cinder.tests.functional import fixtures as pure_fixtures

START_TIMEOUT = 60


class PureBench(backend.BenchBackend):

    package = 'pure_cinder'
    pool = 'pure'
    # cinder's in-tree driver lists every volume for stats (7 calls):
    # 0.9 s and 90 ms of CPU at 1,000 volumes, minutes at 100,000.
    theirs_at_scale = False

    def __init__(self, protocol):
        self.protocol = protocol
        self.name = 'pure-%s' % protocol.lower()

    def start(self, stack):
        from cinder import objects
        objects.register_all()
        workdir = stack.useFixture(fixtures.TempDir()).path
        address = net.private_loopback()
        self.ca_path, key = tls.write_self_signed_cert(
            workdir, address, common_name=address)
        self.token = secrets.token_hex(16)
        args = [sys.executable, '-m', 'pure_cinder.simulator',
                '--listen', address, '--port', '0',
                '--state-dir', os.path.join(workdir, 'state'),
                '--tls-cert', self.ca_path, '--tls-key', key,
                '--iscsi-portal', '127.0.0.1:3260',
                '--fc-wwn', '524a937000000101']
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=dict(os.environ, PURE_SIM_API_TOKEN=self.token))
        stack.addCleanup(_stop, process)
        self.url = _ready_url(process)
        self.target = self.url.split('://', 1)[1].rstrip('/')
        # py-pure-client verifies against the default trust store only.
        stack.useFixture(fixtures.EnvironmentVariable(
            'SSL_CERT_FILE', self.ca_path))
        self.db_url = pure_fixtures.cinder_database()
        self.requests = backend.http_request_log(
            self.url.rstrip('/') + '/_sim/requests', verify=self.ca_path)

    def drivers(self):
        ours = {'volume_driver': pure_fixtures.OUR_CLASSES[self.protocol],
                'pure_target': self.target, 'pure_api_token': self.token,
                'driver_ssl_cert_verify': True,
                'driver_ssl_cert_path': self.ca_path}
        theirs = {'volume_driver':
                  pure_fixtures.INTREE_CLASSES[self.protocol],
                  'san_ip': self.target, 'pure_api_token': self.token,
                  'driver_ssl_cert_verify': True,
                  'driver_ssl_cert_path': self.ca_path}
        return [('pure-cinder', ours), ('cinder 29 in-tree', theirs)]

    def load(self, stack, label, options):
        from common_testing import driver_loader
        loaded = driver_loader.LoadedDriver(
            dict(options, volume_backend_name='pure'), backend_name='pure',
            hostname='cinder-volume-1', default_options={})
        loaded.setUp()
        self._loaded = loaded
        # The database connection must survive the loader's conf reset.
        cfg.CONF.set_override('connection', self.db_url, group='database')
        return loaded

    def unload(self, loaded):
        session = getattr(getattr(loaded.driver, 'client', None), 'session',
                          None)
        if session is not None:
            session.close()
        array = getattr(loaded.driver, '_array', None)
        token_manager = getattr(array, '_token_man', None)
        if token_manager is not None:
            token_manager.close_session()
        loaded.cleanUp()

    def seed_volumes(self, count):
        reply = requests.post(self.url.rstrip('/') + '/_sim/seed',
                              json={'count': count}, verify=self.ca_path,
                              timeout=600)
        reply.raise_for_status()

    # Saved in cinder's database as cinder's API saves them: the in-tree
    # driver reads attachments and CHAP secrets from there.
    def volume(self, loaded, size=1):
        from cinder import objects
        volume = objects.Volume(
            loaded.context, size=size, status='creating',
            attach_status='detached', host=loaded.host + '#pure',
            project_id='project-1', user_id='user-1', volume_type_id=None,
            multiattach=False, bootable=False)
        volume.create()
        return objects.Volume.get_by_id(loaded.context, volume.id)

    def snapshot(self, loaded, volume):
        from cinder import objects
        snapshot = objects.Snapshot(
            loaded.context, volume_id=volume.id, volume_size=volume.size,
            status='creating', project_id='project-1', user_id='user-1')
        snapshot.create()
        snapshot.volume = volume
        return snapshot

    def created(self, obj, update):
        obj.update(update or {})
        obj.status = 'available'
        # A snapshot's volume is a loaded object, not a field to save.
        obj.obj_reset_changes(['volume'])
        obj.save()
        return obj


def _ready_url(process):
    """The URL the simulator serves, from its first line on stdout."""
    ready, _w, _x = select.select([process.stdout], [], [], START_TIMEOUT)
    line = (process.stdout.readline() if ready else b'').decode().strip()
    if line.startswith('READY '):
        return json.loads(line[len('READY '):])['url']
    match = re.search(r'listening on (https?://\S+)', line)
    if not match:
        raise RuntimeError('pure-cinder-simulator did not start: %r' % line)
    return match.group(1)


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.stdout.close()


def backends():
    return [PureBench('iSCSI'), PureBench('FC')]
