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
"""Run the FlashArray simulator in the test process, over verifiable TLS."""

import contextlib
import datetime
import ipaddress
import os
import secrets
import types

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID
import fixtures

from common_testing import net
from pure_cinder.simulator import __main__ as sim_main
from pure_cinder.simulator import server


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def write_ca_and_server_cert(directory, address):
    """A throwaway CA and a server certificate for ``address``.

    Returns (ca_path, cert_path, key_path).
    """
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder()
               .subject_name(_name('pure-cinder test CA'))
               .issuer_name(_name('pure-cinder test CA'))
               .public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                              critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=True, content_commitment=False,
                   key_encipherment=False, data_encipherment=False,
                   key_agreement=False, key_cert_sign=True, crl_sign=True,
                   encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                   ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(_name(address))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(address))]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [os.path.join(directory, n) for n in ('ca.pem', 'server.pem',
                                                  'server.key')]
    with open(paths[0], 'wb') as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return tuple(paths)


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

    def _setUp(self):
        self.api_token = secrets.token_hex(16)
        workdir = self.useFixture(fixtures.TempDir()).path
        address = net.private_loopback()
        self.ca_path = cert = key = None
        if self.tls:
            self.ca_path, cert, key = write_ca_and_server_cert(workdir,
                                                               address)
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
