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

import os
import socket
import ssl
import stat
import threading

from cryptography import x509
import fixtures

from common_testing import net
from common_testing.tests import base
from common_testing import tls


class TestWriteSelfSignedCert(base.TestCase):

    def setUp(self):
        super().setUp()
        self.directory = self.useFixture(fixtures.TempDir()).path
        self.address = net.private_loopback()

    def _serve_once(self, cert_path, key_path):
        """A TLS server on a port of our own that answers one handshake."""
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(cert_path, key_path)
        listener = socket.socket()
        self.addCleanup(listener.close)
        listener.bind((self.address, 0))
        listener.listen(1)
        listener.settimeout(10)

        def serve():
            try:
                conn, _peer = listener.accept()
                with server_context.wrap_socket(conn, server_side=True) as s:
                    s.sendall(b'hello')
            except (OSError, ssl.SSLError):
                pass   # a client that refuses the certificate hangs up

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        return listener.getsockname()[1]

    def _handshake(self, port, cafile):
        context = ssl.create_default_context(cafile=cafile)
        with socket.create_connection((self.address, port), timeout=10) as s:
            with context.wrap_socket(s, server_hostname=self.address) as t:
                return t.recv(5)

    def test_client_verifies_server_with_the_cert_as_ca(self):
        cert_path, key_path = tls.write_self_signed_cert(self.directory,
                                                         self.address)
        port = self._serve_once(cert_path, key_path)
        self.assertEqual(b'hello', self._handshake(port, cert_path))

    def test_client_refuses_a_cert_it_does_not_trust(self):
        cert_path, key_path = tls.write_self_signed_cert(self.directory,
                                                         self.address)
        other_dir = self.useFixture(fixtures.TempDir()).path
        other_cert, _key = tls.write_self_signed_cert(other_dir,
                                                      self.address)
        port = self._serve_once(cert_path, key_path)
        self.assertRaises(ssl.SSLCertVerificationError,
                          self._handshake, port, other_cert)

    def test_files_names_and_key_mode(self):
        cert_path, key_path = tls.write_self_signed_cert(
            self.directory, self.address, basename='ise')
        self.assertEqual(os.path.join(self.directory, 'ise.pem'), cert_path)
        self.assertEqual(os.path.join(self.directory, 'ise.key'), key_path)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(key_path).st_mode))

    def test_cert_is_a_ca_named_for_a_host_name(self):
        cert_path, _key = tls.write_self_signed_cert(
            self.directory, 'localhost', common_name='simulator')
        with open(cert_path, 'rb') as f:
            cert = x509.load_pem_x509_certificate(f.read())
        constraints = cert.extensions.get_extension_for_class(
            x509.BasicConstraints)
        self.assertTrue(constraints.value.ca)
        alt_names = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
        self.assertEqual(['localhost'],
                         alt_names.get_values_for_type(x509.DNSName))
        self.assertEqual(cert.subject, cert.issuer)
        self.assertEqual(
            'simulator',
            cert.subject.get_attributes_for_oid(
                x509.oid.NameOID.COMMON_NAME)[0].value)
