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
"""The shared conformance suite against the VBS simulator.

SDSHypervisor has no iSCSI or FC target: volumes are attached through
os-brick's HuaweiStorHyperConnector and our sds_cli (loop devices), so the
suite's iSCSI attach is replaced by that one.
"""

import contextlib
import os

from common_testing import conformance
from common_testing import faults
import ddt
from os_brick.initiator import connector as brick_connector

from huawei_sds_cinder.tests import base
from huawei_sds_cinder.tests.functional import fixtures as vbs_fixtures


class VbsArray(conformance.ArrayUnderTest):
    """Two VBS agents of one simulated SDSHypervisor."""

    storage_protocol = 'StorageHypervisor'
    volume_kind = 'volume'
    create_volume_request = '^CREATE_VOLUME_REQ '
    error_class = 'VolumeBackendAPIException'
    bad_option_values = (('huawei_sds_pools', ['404']),
                         ('huawei_sds_vbs_addresses', []))
    # A connection closed without a reply fails the create too.
    create_volume_failures = (faults.FAIL, faults.DROP)

    def start(self, test):
        self.vbs = test.useFixture(vbs_fixtures.VbsSimulatorFixture())
        test.useFixture(vbs_fixtures.SdsCli(self.vbs))

    def backend_options(self):
        return {'volume_driver':
                'huawei_sds_cinder.driver.HuaweiSDSHypervisorDriver',
                'huawei_sds_vbs_addresses': self.vbs.addresses,
                'huawei_sds_vbs_port': self.vbs.port,
                'huawei_sds_pools': sorted(self.vbs.pool_sizes),
                'huawei_sds_connect_timeout': 1.0,
                'huawei_sds_read_timeout': 3.0,
                'huawei_sds_delete_timeout': 5}

    def inventory(self):
        return self.vbs.array.inventory()

    def pools(self):
        pools = []
        for stor_id in sorted(self.vbs.pool_sizes):
            capability = self.vbs.array.pool_capability(stor_id)
            pools.append({'name': stor_id,
                          'total_capacity_gb': capability['total_capacity'],
                          'free_capacity_gb':
                              capability['usable_capacity']})
        return pools

    def make_unreachable(self):
        self.vbs.simulator.stop()

    def refused_credentials_options(self):
        raise NotImplementedError('the VBS socket API has no credentials')

    def secrets(self):
        return []

    def inject_fault(self, rule):
        self.vbs.plan.add(rule)

    def address(self):
        return self.vbs.addresses[0]


@ddt.ddt
class TestSDSHypervisorConformance(conformance.ConformanceTests,
                                   base.TestCase):
    array_class = VbsArray
    # The VBS socket API has no credentials to refuse: the scenario does not
    # apply (the unreachable-backend scenario still runs).
    test_refused_credentials_give_a_clear_error = None

    @contextlib.contextmanager
    def attached(self, volume):
        """Attach as nova or cinder would: os-brick runs sds_cli."""
        connector = self.connector()
        info = self.connect(volume)
        try:
            self.assertEqual('HUAWEISDSHYPERVISOR',
                             info['driver_volume_type'])
            brick = brick_connector.InitiatorConnector.factory(
                info['driver_volume_type'], None)
            device = brick.connect_volume(info['data'])
            try:
                yield device['path']
            finally:
                brick.disconnect_volume(info['data'], device)
        finally:
            self.disconnect(volume, connector)

    def assert_pattern(self, volume, seed, size_gb=None):
        # The suite measures size with getsize, which is 0 for the block
        # (loop) device sds_cli presents: measure the device itself.
        with self.attached(volume) as path:
            conformance.data.check_pattern(path, seed,
                                           offsets=self._written[seed])
            if size_gb is not None:
                with open(path, 'rb') as device:
                    self.assertEqual(size_gb * conformance.GiB,
                                     os.lseek(device.fileno(), 0,
                                              os.SEEK_END))
