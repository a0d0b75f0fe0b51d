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
import os
import secrets
import types

import fixtures

from common_testing import net
from common_testing import tls
from pure_cinder.simulator import __main__ as sim_main
from pure_cinder.simulator import server


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
