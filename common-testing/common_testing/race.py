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

"""Active/active tests: cinder-volume services as processes racing.

A vendor's race worker module is one cinder-volume service. Its process
reads the first line on stdin, a JSON object with ``options`` (the backend
section), ``backend_name`` and ``coordination_url`` (the tooz backend
shared with the other services), and hands it to :func:`load_driver`;
each later line is a JSON list of operations ``[name, {arguments}]``,
which :func:`serve` runs all at once from a thread pool through the
vendor's ``run(name, args)``. The answer is one line ``RESULT <JSON>``:
per operation ``[true, result]`` or ``[false, error text]``.

The test's side is :class:`Service` (one worker process) and
:func:`run_at_once` (every service its operations, at one time).
"""

import json
import os
import select
import subprocess
import sys
import time

import fixtures


def load_driver(setup):
    """The driver of ``setup``, its locks in the shared tooz backend.

    Returns the set-up :class:`common_testing.driver_loader.LoadedDriver`;
    the caller cleans it up.
    """
    from cinder import coordination
    from cinder import objects
    from oslo_config import cfg

    from common_testing import driver_loader
    objects.register_all()
    loaded = driver_loader.LoadedDriver(setup['options'],
                                        backend_name=setup['backend_name'])
    loaded.setUp()
    # Share the other service's tooz backend: that is what makes the
    # driver's locks hold across the processes.
    coordination.COORDINATOR.stop()
    cfg.CONF.set_override('backend_url', setup['coordination_url'],
                          group='coordination')
    coordination.COORDINATOR.start()
    return loaded


def spec_objects(ctxt, host, **volume_fields):
    """``volume(spec)``, ``snapshot(spec, volume_spec)`` for operations.

    A spec is ``{"id", "size", "provider_location"}`` (size 1 and no
    location when left out); volumes are available on ``host`` (with its
    pool), with ``volume_fields`` besides.
    """
    from cinder import objects

    def volume(spec):
        return objects.Volume(
            ctxt, id=spec['id'], size=spec.get('size', 1), _name_id=None,
            volume_type_id=None, status='available', host=host,
            provider_location=spec.get('provider_location'),
            provider_id=None, multiattach=False, **volume_fields)

    def snapshot(spec, volume_spec):
        snap = objects.Snapshot(
            ctxt, id=spec['id'], volume_id=volume_spec['id'],
            volume_size=volume_spec.get('size', 1),
            provider_location=spec.get('provider_location'))
        snap.volume = volume(volume_spec)
        return snap
    return volume, snapshot


def operations(driver, volume, snapshot):
    """``run(name, args)`` of the operations every vendor's worker knows.

    ``volume(spec)`` and ``snapshot(spec, volume_spec)`` make the cinder
    objects of the specs the test gives (the worker's own form). Each
    operation that makes an object answers what the driver returns (its
    model update), ``attach`` the LUN of its connection info, the others
    None.
    """
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
            return None
        if name == 'snapshot':
            return driver.create_snapshot(snapshot(args['snapshot'],
                                                   args['volume']))
        if name == 'from_snapshot':
            return driver.create_volume_from_snapshot(
                volume(args['volume']),
                snapshot(args['snapshot'], args['source']))
        if name == 'clone':
            return driver.create_cloned_volume(volume(args['volume']),
                                               volume(args['source']))
        if name == 'delete':
            driver.delete_volume(volume(args['volume']))
            return None
        if name == 'delete_snapshot':
            driver.delete_snapshot(snapshot(args['snapshot'],
                                            args['volume']))
            return None
        raise ValueError('unknown operation %s' % name)
    return run


def serve(run, stdin=None, stdout=None):
    """Run each line of operations from ``stdin`` at once; answer each."""
    from concurrent import futures
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout

    def attempt(operation):
        try:
            return [True, run(*operation)]
        except Exception as exc:
            return [False, '%s: %s' % (type(exc).__name__, exc)]

    for line in stdin:
        operations = json.loads(line)
        with futures.ThreadPoolExecutor(
                max_workers=max(1, len(operations))) as pool:
            results = list(pool.map(attempt, operations))
        stdout.write('RESULT %s\n' % json.dumps(results))
        stdout.flush()


class Service(fixtures.Fixture):
    """A cinder-volume service: the worker ``module`` in its own process.

    ``submit(operations)`` hands it a list of ``[name, {arguments}]`` to
    run at once; ``results()`` waits for their ``[ok, value]`` list.
    Services given one ``coordination_url`` share their locks. Further
    keyword arguments go into the worker's setup line as they are;
    ``timeout`` is how long ``results()`` waits.
    """

    TIMEOUT = 180

    def __init__(self, module, options, coordination_url, backend_name,
                 timeout=TIMEOUT, **more_setup):
        super().__init__()
        self.module = module
        self.timeout = timeout
        self.setup = dict(more_setup, options=options,
                          backend_name=backend_name,
                          coordination_url=coordination_url)

    def _setUp(self):
        self.log = open(os.path.join(self.useFixture(
            fixtures.TempDir()).path, 'service.log'), 'w+b')
        self.addCleanup(self.log.close)
        self.process = subprocess.Popen(
            [sys.executable, '-m', self.module], stdin=subprocess.PIPE,
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
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([self.process.stdout], [], [],
                                          deadline - time.monotonic())
            line = self.process.stdout.readline() if ready else b''
            if not line:
                break
            if line.startswith(b'RESULT '):
                return json.loads(line[len(b'RESULT '):])
        self.log.seek(0)
        raise RuntimeError('the cinder-volume service %s gave no result: %s'
                           % (self.module, self.log.read()[-3000:].decode()))


def run_at_once(test, services, *operations):
    """Each service runs its operations, the services at one time.

    Asserts on ``test`` that every operation succeeded; returns each
    service's list of values.
    """
    for service, ops in zip(services, operations):
        service.submit(ops)
    results = [service.results() for service in services]
    for ops, answers in zip(operations, results):
        failed = [(op, answer) for op, answer in zip(ops, answers)
                  if not answer[0]]
        test.assertEqual([], failed)
    return [[value for _ok, value in answers] for answers in results]
