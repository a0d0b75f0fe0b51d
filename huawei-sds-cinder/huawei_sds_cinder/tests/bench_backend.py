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
"""Huawei SDSHypervisor in the driver benchmark (common_testing.bench).

Our driver on the VBS simulator (two agents, in this process) with the
sds_cli stand-in; cinder 29 ships no SDSHypervisor driver, so there is no
vendor driver beside ours.  A volume from a snapshot is a linked clone
(huawei_sds_linked_clones); a clone copies its data through the host
with dd (half a minute per GB on the shared machine) and is measured
once.  Deletes finish at once for the operation
table; the polling row gives each delete a 0.5 s transitional status.
Volumes for stats at scale go straight into the state.
"""

import os

from common_testing.bench import backend

from huawei_sds_cinder.simulator import state as state_mod
from huawei_sds_cinder.tests.functional import fixtures as vbs_fixtures

POOL = '16384'


class HuaweiSDSBench(backend.BenchBackend):

    name = 'sds'
    package = 'huawei_sds_cinder'
    simulator_in_process = True
    pool = POOL
    slow_operation = 'delete'
    # A clone copies its data through this host (dd, decision D1).
    measure_once = ('clone',)

    def start(self, stack):
        self.vbs = stack.useFixture(vbs_fixtures.VbsSimulatorFixture(
            pools={POOL: 400000}, delete_seconds=0))
        stack.useFixture(vbs_fixtures.SdsCli(self.vbs))

    def drivers(self):
        return [('huawei-sds-cinder', {
            'volume_driver':
                'huawei_sds_cinder.driver.HuaweiSDSHypervisorDriver',
            'huawei_sds_vbs_addresses': self.vbs.addresses,
            'huawei_sds_vbs_port': self.vbs.port,
            'huawei_sds_pools': [POOL],
            'huawei_sds_linked_clones': True,
            'huawei_sds_delete_timeout': 30})]

    def requests(self, since=0):
        return self.vbs.simulator.surface.requests.entries(since)

    def seed_volumes(self, count):
        array = self.vbs.array
        # One empty file stands for every seeded volume's data: the VBS
        # counts used capacity from the files' blocks.
        path = os.path.join(array.state_dir, 'seeded.img')
        open(path, 'a').close()
        with array._lock:
            start = len(array.volumes)
            for index in range(start, start + count):
                name = 'seeded-%07d' % index
                array.volumes[name] = state_mod.Volume(
                    name, POOL, 1, path, True, {})

    def set_array_seconds(self, seconds):
        self.vbs.array.delete_seconds = seconds


def backends():
    return [HuaweiSDSBench()]
