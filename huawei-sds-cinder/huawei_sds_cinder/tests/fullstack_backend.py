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
"""Huawei SDSHypervisor in the full stack (common_testing.fullstack entry
point): the VBS key-value socket protocol.

Hosts attach through os-brick's HuaweiStorHyperConnector running the
sds_cli stand-in, written as a wrapper into the run's state directory
(no program of ours is installed under Huawei's tool name).
"""

import subprocess

import requests

from common_testing.fullstack import backend
from huawei_sds_cinder.simulator import sds_cli


class HuaweiSDSBackend(backend.Backend):

    name = 'huawei-sds-cinder-simulator'
    package = 'huawei_sds_cinder'
    protocols = {'sds': 'SDSHypervisor'}
    POOLS = ('16384', '16385')

    def start(self, group, address, state_dir):
        script = backend.console_script(self.name) or self.name
        args = [script, '--listen', address, '--port', '0',
                '--state-dir', state_dir, '--control-port', '0']
        for pool in self.POOLS:
            args += ['--pool', '%s:100' % pool]
        process = group.start(self.name, args, stdout=subprocess.PIPE)
        info = backend.read_ready_line(process, self.name)
        self._vbs = '%s:%d' % (info['address'], info['port'])
        self._control = info['control_url']
        self._sds_cli = sds_cli.write_wrapper(state_dir)
        return {'sds': {
            'volume_driver':
                'huawei_sds_cinder.driver.HuaweiSDSHypervisorDriver',
            'huawei_sds_vbs_addresses': ','.join(info['addresses']),
            'huawei_sds_vbs_port': info['port'],
            'huawei_sds_pools': list(self.POOLS)}}

    def array_objects(self):
        reply = requests.get(self._control + '/_sim/inventory', timeout=30)
        reply.raise_for_status()
        return reply.json()

    def host_env(self):
        # os-brick finds sds_cli only through this variable; sds_cli finds
        # the (simulated) local VBS through the second.
        return {'HUAWEISDSHYPERVISORCLI_PATH': self._sds_cli,
                sds_cli.VBS_ENV: self._vbs}
