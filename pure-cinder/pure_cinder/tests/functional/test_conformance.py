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
"""The shared conformance suite on both driver classes (simulator)."""

from common_testing import conformance
from common_testing import faults
from pure_cinder.tests import base
from pure_cinder.tests.functional import fixtures

GiB = 1024 ** 3


class FlashArraySimulator(conformance.ArrayUnderTest):
    """The simulator in the test process, TLS verified, tgtd for iSCSI."""

    driver_class = 'pure_cinder.iscsi.PureISCSIDriver'
    storage_protocol = 'iSCSI'
    create_volume_request = r'^POST /api/2\.\d+/volumes$'
    ci_wiki_name = 'Pure_Storage_CI'
    # PureDriverException, a VolumeDriverException naming the operation
    # and pure_target (or san_ip).
    error_class = 'VolumeDriverException'
    credentials_error_names_option = True
    # No address at all (pure_target unset, san_ip empty), no token, a
    # CIDR that is none and a host personality Purity does not know.
    bad_option_values = (('pure_target', ''), ('pure_api_token', ''),
                         ('pure_iscsi_cidr', 'not-a-cidr'),
                         ('pure_iscsi_cidr', '10.0.0/33'),
                         ('pure_host_personality', 'windows'))
    # A failed create, and a create whose connection broke before the
    # array answered (the driver looks, finds nothing, and says so).
    create_volume_failures = (faults.FAIL, faults.DROP)

    def start(self, test):
        self.sim = test.useFixture(fixtures.Simulator(
            iscsi=self.storage_protocol == 'iSCSI'))

    def backend_options(self):
        return dict(self.sim.driver_options(),
                    volume_driver=self.driver_class)

    def address(self):
        return self.sim.target

    def inventory(self):
        # Destroyed objects are pending eradication: gone for cinder, and
        # eradicated by the array itself after 24 h.
        dump = self.sim.array.dump()
        return {
            'volume': {v['name'] for v in dump['volumes']
                       if not v['destroyed']},
            'snapshot': {s['name'] for s in dump['volume_snapshots']
                         if not s['destroyed']},
            'host': {h['name'] for h in dump['hosts']},
            'connection': {'%s:%s' % (c['host']['name'], c['volume']['name'])
                           for c in dump['connections']},
        }

    def pools(self):
        space = self.sim.array.array_space()
        return [{'name': self.sim.array.array['name'],
                 'total_capacity_gb': space['capacity'] / GiB,
                 'free_capacity_gb': (space['capacity'] -
                                      space['space']['total_physical']) / GiB}]

    def make_unreachable(self):
        self.sim.stop()

    def refused_credentials_options(self):
        return {'pure_api_token': 'not-the-array-token-4711'}

    def secrets(self):
        return [self.sim.api_token]

    def inject_fault(self, rule):
        self.sim.server.surface.plan.add(rule)

    def fc_target_wwpns(self):
        return {p['wwn'].replace(':', '').lower()
                for p in self.sim.array.ports if p['wwn']}

    def fc_lun(self, volume, initiator_wwpns):
        wanted = {w.replace(':', '').upper() for w in initiator_wwpns}
        array = self.sim.array
        for (host, name), lun in array.connections.items():
            if (name == volume.provider_id and
                    wanted & set(array.hosts[host]['wwns'])):
                return lun
        return None


class FlashArrayFCSimulator(FlashArraySimulator):
    driver_class = 'pure_cinder.fc.PureFCDriver'
    storage_protocol = 'FC'


class ISCSIConformanceTest(conformance.ConformanceTests, base.TestCase):
    array_class = FlashArraySimulator


class FCConformanceTest(conformance.ConformanceTests, base.TestCase):
    array_class = FlashArrayFCSimulator
