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
"""X-IO ISE in the full stack (common_testing.fullstack entry point).

REST/XML on two controllers; iSCSI LUNs through the simulator's tgtd.
"""

import os
import secrets
import subprocess
import sys

import requests

from common_testing.fullstack import backend


class XIOBackend(backend.Backend):

    name = 'xio-cinder-simulator'
    package = 'xio_cinder'
    protocols = {'ise-iscsi': 'iSCSI', 'ise-fc': 'FC'}

    def start(self, group, address, state_dir):
        password = secrets.token_urlsafe(12)
        script = backend.console_script(self.name)
        args = ([script] if script else
                [sys.executable, '-m', 'xio_cinder.simulator'])
        args += ['--listen', address, '--state-dir', state_dir,
                 '--login', 'admin', '--tgtd', '--tgtd-address', address]
        env = dict(os.environ, XIO_SIM_PASSWORD=password)
        process = group.start(self.name, args, env=env,
                              stdout=subprocess.PIPE)
        info = backend.read_ready_line(process, self.name)
        self._control = ('http://%s/_sim/state' % info['controllers'][0],
                         ('admin', password))
        common = {'san_ip': info['san_ip'], 'san_login': 'admin',
                  'san_password': password,
                  'ise_connection_retries': 3,
                  'ise_retry_interval': 0.2,
                  'ise_completion_retries': 100}
        if info.get('san_api_port'):
            common['san_api_port'] = info['san_api_port']
        iscsi = dict(common, volume_driver='xio_cinder.iscsi.XIOISCSIDriver',
                     iscsi_ip_address=info['iscsi_ips'][0],
                     target_port=int(info['iscsi_portal'].rsplit(':', 1)[1]))
        fc = dict(common, volume_driver='xio_cinder.fc.XIOFCDriver')
        return {'ise-iscsi': iscsi, 'ise-fc': fc}

    def array_volumes(self):
        url, auth = self._control
        response = requests.get(url, auth=auth, timeout=30)
        response.raise_for_status()
        return sorted(response.json()['volumes'])

    def array_objects(self):
        url, auth = self._control
        response = requests.get(url, auth=auth, timeout=30)
        response.raise_for_status()
        state = response.json()
        return {'volume': sorted(state['volumes']),
                'host': sorted(state['hosts']),
                'allocation': sorted('%(host)s:%(volume)s' % allocation
                                     for allocation
                                     in state['allocations'])}

    def request_counter(self, options):
        state_url, auth = self._control
        return backend.request_log_counter(
            state_url.rsplit('/', 1)[0] + '/requests', auth=auth)
