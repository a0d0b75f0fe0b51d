# Copyright 2026 Cinder backends team
#
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

"""Run xio-cinder-simulator as a process for one test."""

import os
import signal
import subprocess
import sys
import time

import fixtures
import requests

from common_testing import net
from common_testing.simkit import process as simkit_process
from common_testing import tls

PASSWORD = 'sim-Pa55word-9f3k'
CHAP_SECRET = 'chapSecret12345x'


class Simulator(fixtures.Fixture):
    """The simulator console script on this process's loopback address.

    Attributes: ``info`` (the JSON line it prints), ``san_ip``,
    ``san_api_port``, ``password``; ``control(method, path, json)`` for
    the /_sim/ interface.
    """

    START_TIMEOUT = 30

    def __init__(self, *extra_args, tgtd=False, chap=False, login='admin',
                 tls=False):
        super().__init__()
        self.tls = tls
        self.ca_path = None
        self.extra_args = list(extra_args)
        self.tgtd = tgtd
        self.chap = chap
        self.login = login
        self.password = PASSWORD
        self.users = {login: PASSWORD}

    def _setUp(self):
        address = net.private_loopback()
        state_dir = self.useFixture(fixtures.TempDir()).path
        args = [sys.executable, '-m', 'xio_cinder.simulator',
                '--listen', address, '--state-dir', state_dir,
                '--login', self.login] + self.extra_args
        env = dict(os.environ, XIO_SIM_PASSWORD=self.password)
        if self.tgtd:
            args += ['--tgtd', '--tgtd-address', address]
        if self.tls:
            self.ca_path, key_path = tls.write_self_signed_cert(
                state_dir, address, common_name='ISE simulator',
                basename='ise')
            args += ['--tls-cert', self.ca_path, '--tls-key', key_path]
        if self.chap:
            args += ['--chap-user', 'chapuser']
            env['XIO_SIM_CHAP_SECRET'] = CHAP_SECRET
        self.stderr_path = os.path.join(state_dir, 'simulator.log')
        stderr = open(self.stderr_path, 'wb')
        self.addCleanup(stderr.close)
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE,
                                        stderr=stderr, env=env)
        self.addCleanup(self._stop)
        try:
            self.info = simkit_process.wait_ready(
                self.process, self.START_TIMEOUT, 'xio-cinder-simulator')
        except simkit_process.NotReady as exc:
            with open(self.stderr_path, 'rb') as log:
                raise RuntimeError('%s: %s' % (
                    exc, log.read()[-2000:].decode()))
        self.san_ip = self.info['san_ip']
        self.san_api_port = self.info['san_api_port']
        self.controllers = self.info['controllers']

    def _stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()

    def control(self, method, path, payload=None, controller=None):
        """Call /_sim/<path> on controller ``controller`` (default 0)."""
        index = controller or 0
        response = requests.request(
            method, '%s://%s/_sim/%s' % ('https' if self.tls else 'http',
                                         self.controllers[index], path),
            json=payload, auth=(self.login, self.password), timeout=30,
            verify=self.ca_path or True)
        response.raise_for_status()
        return response.json()

    def set_users(self, **users):
        """Add (login=password) or remove (login=None) ISE user accounts.

        The fixture's own requests then use an account that remains.
        """
        logins = self.control('PUT', 'users', users)
        self.users.update(users)
        if users.get(self.login, self.password) is None:
            self.login = next(name for name in logins
                              if self.users.get(name))
            self.password = self.users[self.login]
        return logins

    def stop_controllers(self, timeout=10):
        """Stop both controllers; return once neither accepts connections."""
        self.control('POST', 'controllers/0/stop', controller=1)
        self.control('POST', 'controllers/1/stop', controller=1)
        deadline = time.monotonic() + timeout
        for address in self.controllers:
            host, port = address.rsplit(':', 1)
            while net.is_listening(host, int(port)):
                if time.monotonic() > deadline:
                    raise RuntimeError('ISE controller %s did not stop'
                                       % address)
                time.sleep(0.05)

    def state(self, controller=None):
        return self.control('GET', 'state', controller=controller)

    def wait_settled(self, timeout=10):
        """Wait until no object is in a transitional state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            volumes = self.state()['volumes']
            if all(v['status'] == 'Operational' for v in volumes.values()):
                return
            time.sleep(0.05)
