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

"""One cinder-volume service of the active/active tests, as a process.

``Service`` (the test's side) starts this module: the first line on stdin
is a JSON object with ``options`` (the backend section), ``backend_name``
and ``coordination_url`` (the tooz backend shared with the other
service); each later line a JSON list of operations ``[name,
{arguments}]``, all run at once from a thread pool. The answer is one
line ``RESULT <JSON>``: per operation ``[true, result]`` or ``[false,
error text]``. Volumes are given as ``{"id", "size",
"provider_location"}``. The environment names the sds_cli stand-in
(functional.fixtures.SdsCli), through which the service attaches volumes
on its host for copies, as a real one does through Huawei's sds_cli.
"""

import json
import os
import select
import subprocess
import sys
import time

import fixtures


def main():
    setup = json.loads(sys.stdin.readline())
    from concurrent import futures
    from unittest import mock

    from cinder import coordination
    from cinder import objects
    from cinder import privsep as cinder_privsep
    import os_brick
    from os_brick import privileged as brick_privileged
    from oslo_concurrency import lockutils
    from oslo_config import cfg

    from common_testing import driver_loader
    objects.register_all()
    # As the functional tests' base: os-brick's lock directory, and its
    # privileged calls in this process (the tests run as root).
    lockutils.set_defaults(setup['lock_path'])
    cfg.CONF.set_override('lock_path', setup['lock_path'],
                          group='oslo_concurrency')
    os_brick.setup(cfg.CONF)
    for privileged in (brick_privileged.default,
                       cinder_privsep.sys_admin_pctxt):
        privileged.set_client_mode(False)
    for cls in (objects.Volume, objects.Snapshot):
        mock.patch.object(cls, 'save').start()   # no database here
    loaded = driver_loader.LoadedDriver(setup['options'],
                                        backend_name=setup['backend_name'])
    loaded.setUp()
    # Share the other service's tooz backend: that is what makes the
    # driver's locks hold across the two processes.
    coordination.COORDINATOR.stop()
    cfg.CONF.set_override('backend_url', setup['coordination_url'],
                          group='coordination')
    coordination.COORDINATOR.start()
    driver = loaded.driver
    ctxt = loaded.context

    def volume(spec):
        return objects.Volume(
            ctxt, id=spec['id'], size=spec.get('size', 1), _name_id=None,
            volume_type_id=None, status='available',
            host='%s#16384' % loaded.host, encryption_key_id=None,
            provider_location=spec.get('provider_location'),
            provider_id=None, multiattach=False)

    def snapshot(spec, volume_spec):
        snap = objects.Snapshot(
            ctxt, id=spec['id'], volume_id=volume_spec['id'],
            volume_size=volume_spec.get('size', 1),
            provider_location=spec.get('provider_location'))
        snap.volume = volume(volume_spec)
        return snap

    def run(name, args):
        if name == 'create':
            return driver.create_volume(volume(args['volume']))
        if name == 'attach':
            info = driver.initialize_connection(volume(args['volume']),
                                                args['connector'])
            return info['data']['target_lun']
        if name == 'detach':
            driver.terminate_connection(volume(args['volume']),
                                        args['connector'])
        elif name == 'snapshot':
            return driver.create_snapshot(snapshot(args['snapshot'],
                                                   args['volume']))
        elif name == 'from_snapshot':
            return driver.create_volume_from_snapshot(
                volume(args['volume']),
                snapshot(args['snapshot'], args['source']))
        elif name == 'clone':
            return driver.create_cloned_volume(volume(args['volume']),
                                               volume(args['source']))
        elif name == 'delete':
            driver.delete_volume(volume(args['volume']))
        elif name == 'delete_snapshot':
            driver.delete_snapshot(snapshot(args['snapshot'],
                                            args['volume']))
        else:
            raise ValueError('unknown operation %s' % name)

    def attempt(operation):
        try:
            return [True, run(*operation)]
        except Exception as exc:
            return [False, '%s: %s' % (type(exc).__name__, exc)]

    try:
        for line in sys.stdin:
            operations = json.loads(line)
            with futures.ThreadPoolExecutor(
                    max_workers=max(1, len(operations))) as pool:
                results = list(pool.map(attempt, operations))
            sys.stdout.write('RESULT %s\n' % json.dumps(results))
            sys.stdout.flush()
    finally:
        loaded.cleanUp()


class Service(fixtures.Fixture):
    """A cinder-volume service: this module in its own process.

    ``submit(operations)`` hands it a list of ``[name, {arguments}]`` to
    run at once; ``results()`` waits for their ``[ok, value]`` list.
    Services given one ``coordination_url`` share their locks.
    """

    # A full clone copies 1 GB through the VBS, and clones of one source
    # wait for each other (its lock): minutes on a loaded test machine.
    TIMEOUT = 900

    def __init__(self, options, coordination_url, lock_path,
                 backend_name='sds'):
        super().__init__()
        self.setup = {'options': options, 'backend_name': backend_name,
                      'coordination_url': coordination_url,
                      'lock_path': lock_path}

    def _setUp(self):
        self.log = open(os.path.join(self.useFixture(
            fixtures.TempDir()).path, 'service.log'), 'w+b')
        self.addCleanup(self.log.close)
        self.process = subprocess.Popen(
            [sys.executable, '-m', __name__], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log)
        self.addCleanup(self.stop)
        self._write(self.setup)

    def _write(self, payload):
        self.process.stdin.write(json.dumps(payload).encode() + b'\n')
        self.process.stdin.flush()

    def stop(self):
        """End the service (it finishes what it runs), as a restart does."""
        if self.process.stdin.closed:
            return
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def submit(self, operations):
        self._write(operations)

    def results(self):
        deadline = time.monotonic() + self.TIMEOUT
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([self.process.stdout], [], [],
                                          deadline - time.monotonic())
            line = self.process.stdout.readline() if ready else b''
            if not line:
                break
            if line.startswith(b'RESULT '):
                return json.loads(line[len(b'RESULT '):])
        self.log.seek(0)
        raise RuntimeError('the cinder-volume service gave no result: %s'
                           % self.log.read()[-3000:].decode())


if __name__ == '__main__':
    # A plain threaded process, as the tests run cinder: no eventlet.
    os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')
    from oslo_service import backend
    backend.init_backend(backend.BackendType.THREADING)
    main()
