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
"""Keystone for a certification run: gunicorn on a free loopback port,
a MariaDB database of its own (created here, dropped at cleanup), fernet
tokens, bootstrapped with an admin project and user, and helpers to add
the service users, services and endpoints the rest of the stack needs.

Keystone may live in another virtualenv than the caller (``bin_dir``):
only its ``keystone-manage`` and ``gunicorn`` are run, never imported.
"""

import os
import secrets
import sys
import uuid

import fixtures
import requests

from common_testing.fullstack import processes
from common_testing.fullstack import services
from common_testing.fullstack import stack as stack_mod
from common_testing import net

START_TIMEOUT = 120
REGION = 'RegionOne'
DOMAIN = 'Default'
ADMIN = 'admin'
SERVICE_PROJECT = 'service'
APP_DIR = os.path.dirname(os.path.abspath(__file__))


class KeystoneError(Exception):
    """Keystone did not come up or refused a bootstrap request."""


class Keystone(fixtures.Fixture):
    """See the module docstring.

    After setUp: ``url`` (http://127.0.0.1:port), ``uri_v3``,
    ``admin_password``, ``group`` (the ProcessGroup running gunicorn),
    ``database``.
    """

    def __init__(self, run_dir, log_dir=None, bin_dir=None, name=None):
        super().__init__()
        self.run_dir = run_dir
        self.log_dir = log_dir or os.path.join(run_dir, 'logs')
        self.bin_dir = bin_dir or os.path.dirname(sys.executable)
        self.name = name or 'keystone_%s' % uuid.uuid4().hex[:12]

    def _program(self, name):
        path = os.path.join(self.bin_dir, name)
        if not os.path.exists(path):
            raise KeystoneError('%s not found in %s: install keystone and '
                                'gunicorn there' % (name, self.bin_dir))
        return path

    def _setUp(self):
        os.makedirs(self.log_dir, exist_ok=True)
        conf_dir = os.path.join(self.run_dir, 'keystone')
        os.makedirs(conf_dir, exist_ok=True)
        services.ensure_mariadb()
        self.database = services.Database(self.name)
        self.addCleanup(self.database.drop)
        self.database.create()
        self.group = processes.ProcessGroup(self.log_dir)
        self.addCleanup(self._stop)

        port = net.free_port('127.0.0.1')
        self.url = 'http://127.0.0.1:%d' % port
        self.uri_v3 = self.url + '/v3'
        self.admin_password = secrets.token_urlsafe(16)
        conf = os.path.join(conf_dir, 'keystone.conf')
        stack_mod.write_ini(conf, {
            'DEFAULT': {'debug': True,
                        'log_file': os.path.join(self.log_dir,
                                                 'keystone.log')},
            'database': {'connection': self.database.url},
            'token': {'provider': 'fernet'},
            'fernet_tokens': {'key_repository':
                              os.path.join(conf_dir, 'fernet-keys')},
            'fernet_receipts': {'key_repository':
                                os.path.join(conf_dir, 'fernet-receipts')},
            'credential': {'key_repository':
                           os.path.join(conf_dir, 'credential-keys')},
            'cache': {'enabled': False},
            # bcrypt's minimum cost: Tempest creates and authenticates
            # hundreds of throwaway users; the default cost (12) makes each
            # token request take seconds on a loaded machine.
            'identity': {'password_hash_rounds': 4},
        })
        manage = [self._program('keystone-manage'), '--config-file', conf]
        user = ['--keystone-user', str(os.getuid()),
                '--keystone-group', str(os.getgid())]
        self._manage('db_sync', manage + ['db_sync'])
        self._manage('fernet_setup', manage + ['fernet_setup'] + user)
        self._manage('credential_setup', manage + ['credential_setup'] + user)
        # The password goes through the environment, not argv (ps).
        self._manage('bootstrap', manage + [
            'bootstrap', '--bootstrap-username', ADMIN,
            '--bootstrap-project-name', ADMIN,
            '--bootstrap-role-name', ADMIN,
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', REGION,
            '--bootstrap-admin-url', self.uri_v3,
            '--bootstrap-public-url', self.uri_v3,
            '--bootstrap-internal-url', self.uri_v3],
            env=dict(os.environ, OS_BOOTSTRAP_PASSWORD=self.admin_password))

        env = dict(os.environ, OS_KEYSTONE_CONFIG_DIR=conf_dir)
        server = self.group.start('keystone-gunicorn', [
            self._program('gunicorn'), '--bind', '127.0.0.1:%d' % port,
            '--workers', '2', '--timeout', '300',
            '--pythonpath', APP_DIR, 'keystone_app:application'], env=env)
        processes.wait_for(
            lambda: requests.get(self.uri_v3, timeout=5).status_code == 200,
            START_TIMEOUT, 'keystone at %s' % self.uri_v3,
            processes=[server])
        self._token = None
        self.project(SERVICE_PROJECT)
        for role in ('member', 'reader', 'service'):
            self.role(role)

    def _manage(self, what, args, env=None):
        process = self.group.start('keystone-manage-' + what, args, env=env)
        try:
            code = process.popen.wait(timeout=START_TIMEOUT)
        except Exception:
            self.group.stop(process)
            raise
        self.group.stop(process)
        if code != 0:
            raise KeystoneError('keystone-manage %s exited %d: %s'
                                % (what, code, process.log_tail()))

    def _stop(self):
        errors = self.group.stop_all()
        if errors:
            raise KeystoneError('stopping: %s' % '; '.join(errors))

    # -- admin API ------------------------------------------------------------

    def token(self):
        if self._token is None:
            body = {'auth': {
                'identity': {'methods': ['password'], 'password': {'user': {
                    'name': ADMIN, 'domain': {'id': 'default'},
                    'password': self.admin_password}}},
                'scope': {'project': {'name': ADMIN,
                                      'domain': {'id': 'default'}}}}}
            response = requests.post(self.uri_v3 + '/auth/tokens',
                                     json=body, timeout=30)
            self._check(response, 'admin token')
            self._token = response.headers['X-Subject-Token']
        return self._token

    @staticmethod
    def _check(response, what):
        if response.status_code >= 400:
            raise KeystoneError('%s: HTTP %d %s' % (what,
                                                    response.status_code,
                                                    response.text[:300]))

    def _call(self, method, path, what, **kwargs):
        response = requests.request(
            method, self.uri_v3 + path, timeout=30,
            headers={'X-Auth-Token': self.token()}, **kwargs)
        self._check(response, what)
        return response.json() if response.content else {}

    def _find_or_create(self, collection, name, body, what, query=None):
        key = collection.rstrip('s')
        found = self._call('GET', '/' + collection, 'list ' + collection,
                           params=dict(query or {}, name=name))[collection]
        if found:
            return found[0]['id']
        return self._call('POST', '/' + collection, what,
                          json={key: dict(body, name=name)})[key]['id']

    def project(self, name):
        """Id of project ``name`` in the default domain (created if new)."""
        return self._find_or_create('projects', name,
                                    {'domain_id': 'default'},
                                    'create project %s' % name)

    def role(self, name):
        return self._find_or_create('roles', name, {}, 'create role %s'
                                    % name)

    def user(self, name, password, project, roles):
        """A user with ``roles`` on ``project``; returns the user id."""
        user_id = self._find_or_create(
            'users', name, {'domain_id': 'default', 'password': password,
                            'default_project_id': self.project(project)},
            'create user %s' % name)
        project_id = self.project(project)
        for role in roles:
            self._call('PUT', '/projects/%s/users/%s/roles/%s'
                       % (project_id, user_id, self.role(role)),
                       'grant %s on %s to %s' % (role, project, name))
        return user_id

    def service_user(self, name):
        """A service user for keystonemiddleware; returns its password.

        It gets the admin and service roles in the service project.
        """
        password = secrets.token_urlsafe(16)
        self.user(name, password, SERVICE_PROJECT, ['admin', 'service'])
        return password

    def endpoint(self, service_type, name, url):
        """Service ``service_type`` with public/internal/admin ``url``."""
        service_id = self._find_or_create(
            'services', name, {'type': service_type, 'enabled': True},
            'create service %s' % name)
        for interface in ('public', 'internal', 'admin'):
            self._call('POST', '/endpoints', 'create %s endpoint of %s'
                       % (interface, name), json={'endpoint': {
                           'service_id': service_id, 'interface': interface,
                           'region_id': REGION, 'url': url,
                           'enabled': True}})
        return service_id

    def authtoken_options(self, user, password):
        """[keystone_authtoken] of a service that validates tokens here."""
        return {'www_authenticate_uri': self.uri_v3,
                'auth_url': self.uri_v3,
                'auth_type': 'password',
                'username': user, 'password': password,
                'project_name': SERVICE_PROJECT,
                'user_domain_name': DOMAIN,
                'project_domain_name': DOMAIN,
                'region_name': REGION}
