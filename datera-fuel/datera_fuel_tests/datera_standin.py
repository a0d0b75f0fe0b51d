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
"""A minimal Datera REST API stand-in: just what the in-tree driver's
do_setup and get_volume_stats read (login, API schema, system), over TLS.

dfs_sdk always talks HTTPS to port 7718 of san_ip, so the stand-in binds
7718 on the test process's own loopback address (common_testing.net).
"""

import datetime
import http.server
import json
import os
import ssl
import threading

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID
import fixtures

from common_testing import net

DATERA_HTTPS_PORT = 7718
GIB = 1024 ** 3


def _write_self_signed(directory, address):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, 'cert.pem')
    key_path = os.path.join(directory, 'key.pem')
    with open(cert_path, 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


def _api_schema():
    # The entity endpoints the SDK builds objects for, and the metric enums
    # its readers look up.
    metric = {'read': {'urlParamSchema': {'metric': {'enum': ['iops']}}}}
    schema = {path: {} for path in ('/system', '/app_instances', '/tenants',
                                    '/storage_nodes', '/app_templates',
                                    '/initiators', '/initiator_groups')}
    schema['/metrics/io/:x'] = metric
    schema['/metrics/hw/:x'] = metric
    return schema


class DateraStandIn(fixtures.Fixture):
    """Serves login / api / system for one login and password.

    Attributes: ``address``, ``requests`` [(method, path)], ``logins``
    [(name, password)] as received.
    """

    def __init__(self, login, password, total_bytes=100 * GIB,
                 available_bytes=90 * GIB):
        super().__init__()
        self.login = login
        self.password = password
        self.total_bytes = total_bytes
        self.available_bytes = available_bytes
        self.requests = []
        self.logins = []

    def _setUp(self):
        self.address = net.private_loopback()
        tmp = self.useFixture(fixtures.TempDir()).path
        cert, key = _write_self_signed(tmp, self.address)
        handler = self._handler_class()
        server = http.server.ThreadingHTTPServer(
            (self.address, DATERA_HTTPS_PORT), handler)
        self.addCleanup(server.server_close)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever,
                                  kwargs={'poll_interval': 0.1}, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.shutdown)

    def system(self):
        return {'name': 'standin',
                'uuid': '3f1e2a9c-0000-4000-8000-0000000000d1',
                'sw_version': '3.3.5', 'op_state': 'running',
                'total_capacity': self.total_bytes,
                'available_capacity': self.available_bytes,
                'all_flash_total_capacity': self.total_bytes,
                'all_flash_available_capacity': self.available_bytes,
                'hybrid_total_capacity': 0,
                'hybrid_available_capacity': 0}

    def _handler_class(self):
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):

            def log_message(self, *args):
                pass

            def _reply(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self):
                return self.headers.get('auth-token') == 'standin-key'

            def do_PUT(self):
                standin.requests.append(('PUT', self.path))
                length = int(self.headers.get('Content-Length') or 0)
                body = json.loads(self.rfile.read(length) or b'{}')
                if self.path.split('?')[0].endswith('/login'):
                    standin.logins.append((body.get('name'),
                                           body.get('password')))
                    if (body.get('name'), body.get('password')) != (
                            standin.login, standin.password):
                        return self._reply(401, {
                            'name': 'AuthFailedError', 'code': 401,
                            'http': 'Unauthorized',
                            'message': 'Invalid credentials'})
                    return self._reply(200, {'key': 'standin-key',
                                             'version': 'v2.2'})
                self._reply(404, {'message': 'not found'})

            def do_GET(self):
                standin.requests.append(('GET', self.path))
                path = self.path.split('?')[0]
                if not self._authorized():
                    return self._reply(401, {
                        'name': 'AuthFailedError', 'code': 401,
                        'message': 'login required'})
                if path.endswith('/api'):
                    return self._reply(200, _api_schema())
                if path.endswith('/system'):
                    return self._reply(200, {'data': standin.system(),
                                             'tenant': '/root'})
                self._reply(404, {'message': 'not found: %s' % path})

        return Handler
