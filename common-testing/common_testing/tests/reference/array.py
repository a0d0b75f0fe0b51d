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

"""The reference array as the conformance suite sees it."""

import requests

from common_testing import conformance
from common_testing.tests.reference import simulator

DRIVER = 'common_testing.tests.reference.driver.ReferenceISCSIDriver'


class ReferenceArrayUnderTest(conformance.ArrayUnderTest):

    storage_protocol = 'iSCSI'
    volume_kind = 'volume'
    create_volume_request = r'^POST /api/volumes$'
    ci_wiki_name = 'common-testing-reference'
    bad_option_values = (('reference_password', ''),)
    error_class = 'VolumeBackendAPIException'

    #: Class path of the driver class to load (broken subclasses in the
    #: kit's tests replace it).
    driver_class_path = DRIVER

    def start(self, test):
        self.simulator = test.useFixture(simulator.ReferenceSimulator())

    def backend_options(self):
        return {'volume_driver': self.driver_class_path,
                'reference_api_url': self.simulator.url,
                'reference_username': self.simulator.username,
                'reference_password': self.simulator.password,
                'reference_request_timeout': 5,
                'reference_retries': 1}

    def inventory(self):
        return self.simulator.array.inventory()

    def pools(self):
        return [{'name': pool['name'], 'total_capacity_gb': pool['total_gb'],
                 'free_capacity_gb': pool['free_gb']}
                for pool in self.simulator.array.pools()]

    def address(self):
        return self.simulator.url

    def make_unreachable(self):
        self.simulator.stop()

    def refused_credentials_options(self):
        return {'reference_password': 'not-' + self.simulator.password}

    def secrets(self):
        return [self.simulator.password]

    def inject_fault(self, rule):
        # Through the control interface, as a test of another process would.
        reply = requests.post(self.simulator.url + simulator.CONTROL_FAULTS,
                              json=rule.to_dict(), timeout=10)
        reply.raise_for_status()


class ReferenceFCArrayUnderTest(ReferenceArrayUnderTest):
    """The same array driven by the FC driver class: maps, no data path."""

    storage_protocol = 'FC'
    driver_class_path = (
        'common_testing.tests.reference.driver.ReferenceFCDriver')

    def fc_target_wwpns(self):
        return set(simulator.FC_PORTS)

    def fc_lun(self, volume, initiator_wwpns):
        wanted = {wwpn.lower() for wwpn in initiator_wwpns}
        array = self.simulator.array
        with array.lock:
            for (host, name), lun in array.connections.items():
                if (name == volume.name
                        and wanted & set(array.hosts[host]['wwpns'])):
                    return lun
        return None
