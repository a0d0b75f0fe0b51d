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
"""Infortrend EonStor DS in the full stack (common_testing.fullstack entry
point): raidcmd over SSH; iSCSI LUNs through the simulator's tgtd."""

import json
import os
import secrets
import subprocess

from common_testing.fullstack import backend
from common_testing.fullstack import processes


class InfortrendBackend(backend.Backend):

    name = 'infortrend-cinder-simulator'
    package = 'infortrend_cinder'
    protocols = {'eonstor-iscsi': 'iSCSI', 'eonstor-fc': 'FC'}
    USER = 'cinder'
    POOLS = ('LV-1', 'LV-2')

    def start(self, group, address, state_dir):
        password = 'Sim-' + secrets.token_hex(8)
        script = backend.console_script(self.name) or self.name
        array_dir = os.path.join(state_dir, 'array')
        self._array_dir = array_dir
        init = group.start(self.name + '-init', [
            script, 'init', '--state-dir', array_dir, '--san-ip', address,
            '--password', password, '--portal-ip', address,
            '--replica-seconds', '0.2'] + [
                arg for pool in self.POOLS
                for arg in ('--pool', '%s:%d' % (pool, 200 * 1024))])
        if init.popen.wait(timeout=backend.START_TIMEOUT) != 0:
            raise processes.ProcessError('%s init failed: %s'
                                         % (self.name, init.log_tail()))
        group.stop(init)
        process = group.start(self.name, [
            script, 'ssh', '--state-dir', array_dir, '--listen', address,
            '--port', '0', '--host-key', os.path.join(state_dir, 'host_key'),
            '--user', self.USER, '--password', password, '--tgtd'],
            stdout=subprocess.PIPE)
        info = backend.read_ready_line(process, self.name)
        ssh_port = info['port']
        iscsi_port = int(info['iscsi_portal'].rsplit(':', 1)[1])
        with open(info['host_key']) as key:
            kind, blob = key.read().split()[:2]
        known_hosts = os.path.join(state_dir, 'known_hosts')
        with open(known_hosts, 'w') as out:
            out.write('[%s]:%d %s %s\n' % (address, ssh_port, kind, blob))
        options = {'san_ip': address, 'san_login': self.USER,
                   'san_password': password, 'san_ssh_port': ssh_port,
                   'infortrend_cli_transport': 'ssh',
                   'infortrend_ssh_known_hosts_file': known_hosts,
                   'infortrend_pools_name': list(self.POOLS),
                   'infortrend_slots_a_channels_id': '0,1,2,3,4',
                   'infortrend_slots_b_channels_id': '0,1,2,3,4',
                   'infortrend_iscsi_port': iscsi_port,
                   'infortrend_cli_timeout': 30,
                   'infortrend_replica_timeout': 120}
        return {
            'eonstor-iscsi': dict(options, volume_driver='infortrend_cinder.'
                                  'iscsi.InfortrendCLIISCSIDriver'),
            'eonstor-fc': dict(options, volume_driver='infortrend_cinder.fc.'
                               'InfortrendCLIFCDriver'),
        }

    def array_objects(self):
        # The simulator keeps the array in one JSON file, replaced whole
        # under its lock (state.Array.open): a read sees one whole state.
        from infortrend_cinder.simulator import state
        with open(os.path.join(self._array_dir, state.STATE_FILE)) as f:
            data = json.load(f)
        return {'partition': sorted(data['parts']),
                'snapshot image': sorted(data['sis']),
                'map': sorted('%(part)s ch%(ch)s/%(tid)s/%(lun)s %(host)s'
                              % m for m in data['maps']),
                'iqn': sorted(data['iqns']),
                'replica': sorted(data['replicas'])}

    def array_name(self, volume_id):
        # The name unmanage gives the partition.
        # TODO(infortrend-cinder): unmanage's naming should be a function
        # of common.py that this calls instead of repeating the slice.
        from infortrend_cinder import common  # only once cinder is set up
        return common.UNMANAGED_PREFIX + volume_id[:19]
