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

"""X-IO ISE in the driver benchmark (common_testing.bench).

Our iSCSI and FC drivers on xio-cinder-simulator running as its own
process.  cinder 29 no longer ships an X-IO driver, so there is no vendor
driver beside ours; the former one's request counts are in the README.
The array's asynchronous steps take no time for the operation table
(the polling row gives the copy 0.5 s at commit); volumes for stats at
scale go straight into its state (POST /_sim/seed).
"""

from common_testing.bench import backend
from xio_cinder.tests.functional import fixtures

DRIVERS = {'iSCSI': 'xio_cinder.iscsi.XIOISCSIDriver',
           'FC': 'xio_cinder.fc.XIOFCDriver'}
STEPS = ('create', 'prepare', 'commit', 'delete')


class XIOBench(backend.BenchBackend):

    package = 'xio_cinder'
    pool = 'Pool_1'
    slow_operation = 'clone'

    def __init__(self, protocol):
        self.protocol = protocol
        self.name = 'ise-%s' % protocol.lower()

    def start(self, stack):
        self.sim = stack.useFixture(fixtures.Simulator(
            '--pool', '1:Pool 1:400000',
            *[arg for step in STEPS for arg in ('--delay', step + '=0')]))
        self.requests = backend.http_request_log(
            'http://%s/_sim/requests' % self.sim.controllers[0],
            auth=(self.sim.login, self.sim.password))

    def drivers(self):
        options = {'volume_driver': DRIVERS[self.protocol],
                   'san_ip': self.sim.san_ip, 'san_login': 'admin',
                   'san_password': self.sim.password,
                   'ise_raid_level': 1,
                   'ise_retry_interval': 1.0,
                   'ise_completion_retries': 30}
        if self.sim.san_api_port:
            options['san_api_port'] = self.sim.san_api_port
        if self.protocol == 'iSCSI':
            options['iscsi_ip_address'] = self.sim.info['iscsi_ips'][0]
        return [('xio-cinder', options)]

    def seed_volumes(self, count):
        self.sim.control('POST', 'seed', {'count': count})

    def set_array_seconds(self, seconds):
        # The copy happens at commit (protocol.rst: prepare reserves the
        # clone, commit copies the data).
        self.sim.control('PUT', 'delays', {'commit': seconds})


def backends():
    return [XIOBench('iSCSI'), XIOBench('FC')]
