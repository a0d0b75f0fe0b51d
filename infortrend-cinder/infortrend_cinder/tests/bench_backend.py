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
"""Infortrend EonStor DS in the driver benchmark (common_testing.bench).

Our iSCSI and FC drivers on one simulator each, and beside our iSCSI
driver cinder 29's in-tree InfortrendCLIISCSIDriver (2.1.4), set up as
test_vendor_driver sets them up: java_path runs the simulator's raidcmd,
the test-env-only iscsiadm stand-in answers the in-tree driver's
discovery, LUN 0 of each iSCSI path is another host's.  The simulator
logs each command with its duration (state key ``request_log``).  Replica
jobs finish at once for the operation table (the in-tree driver looks
every 15 s); the polling row gives our clone a 0.5 s copy.
"""

import types

from common_testing.bench import backend

from infortrend_cinder.simulator import server
from infortrend_cinder.simulator import state as state_mod
from infortrend_cinder.tests.functional import fixtures as sim
from infortrend_cinder.tests.functional import iscsiadm_standin
from infortrend_cinder.tests.functional import test_vendor_driver as vendor


class InfortrendBench(backend.BenchBackend):

    package = 'infortrend_cinder'
    pool = 'LV-1'
    slow_operation = 'clone'
    # cinder's in-tree driver takes 11 s for stats with 1,000 partitions
    # (a fresh raidcmd per command, each read polled every 0.5 s).
    theirs_at_scale = False

    def __init__(self, protocol):
        self.protocol = protocol
        self.name = 'eonstor-%s' % protocol.lower()

    def start(self, stack):
        self.array = sim.start_array(
            stack, vendor.IntreeArray if self.protocol == 'iSCSI'
            else vendor.IntreeFCArray)
        self.array.update(replica_seconds=0, request_log=True)
        self.iscsiadm = None
        if self.protocol == 'iSCSI':
            self.iscsiadm = stack.useFixture(
                iscsiadm_standin.IscsiadmOnPath(vendor.INITIATOR))
            vendor.IntreeTestBase._take_lun_0(
                types.SimpleNamespace(array=self.array))

    def drivers(self):
        # With 100,000 partitions the simulator reads and rewrites a
        # large state file for every command: seconds on a busy machine.
        ours = [('infortrend-cinder', dict(self.array.backend_options(),
                                           infortrend_cli_timeout=300))]
        if self.protocol != 'iSCSI':
            # The in-tree driver's iSCSI class stands for both: one run of
            # it takes half a minute (see theirs_at_scale).
            return ours
        return ours + [('cinder 29 in-tree',
                        self.array.intree_backend_options())]

    def unload(self, loaded):
        if hasattr(loaded.driver, 'common'):
            vendor._stop_intree_cli(loaded.driver.common)
        else:
            loaded.driver.close()
        loaded.cleanUp()

    def connector(self, host):
        connector = super().connector(host)
        if self.iscsiadm is not None:
            self.iscsiadm.use(connector['initiator'])
        return connector

    def requests(self, since=0):
        return server.request_log_entries(self.array.state_dir, since)

    def seed_volumes(self, count):
        with state_mod.Array.open(self.array.state_dir) as array:
            lv_id = sorted(array.data['lvs'])[0]
            parts = array.data['parts']
            start = len(parts)
            for index in range(start, start + count):
                parts['B%015X' % index] = {
                    'name': 'seeded-%d' % index, 'lv': lv_id, 'size': 1,
                    'min': 0, 'used': 0, 'tier': None, 'created': '---',
                    'modified': '---', 'migrate_until': 0, 'seq': index}

    def set_array_seconds(self, seconds):
        self.array.update(replica_seconds=seconds)


def backends():
    return [InfortrendBench('iSCSI'), InfortrendBench('FC')]
