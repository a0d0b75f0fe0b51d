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

"""The shared conformance suite on both ISE driver classes."""


from common_testing import conformance

from xio_cinder.tests import base as test_base
from xio_cinder.tests.functional import fixtures

CREATE_VOLUME_REQUEST = r'^POST /storage/arrays/[^/]+/volumes$'


class ISESimulator(conformance.ArrayUnderTest):
    """xio-cinder-simulator as the array under test."""

    driver_class = 'xio_cinder.iscsi.XIOISCSIDriver'
    storage_protocol = 'iSCSI'
    volume_kind = 'volume'
    raid_level = 1
    ci_wiki_name = 'X-IO_ISE_CI'
    error_class = 'VolumeBackendAPIException'
    credentials_error_names_option = True
    bad_option_values = (('san_password', ''),)

    def start(self, test):
        self.sim = test.useFixture(fixtures.Simulator(
            tgtd=self.storage_protocol == 'iSCSI'))

    def backend_options(self):
        options = {
            'volume_driver': self.driver_class,
            'san_ip': self.sim.san_ip,
            'san_login': 'admin',
            'san_password': self.sim.password,
            'ise_raid_level': self.raid_level,
            'ise_connection_retries': 2,
            'ise_retry_interval': 0.1,
            'ise_completion_retries': 20,
        }
        if self.sim.san_api_port:
            options['san_api_port'] = self.sim.san_api_port
        if self.storage_protocol == 'iSCSI':
            options['iscsi_ip_address'] = self.sim.info['iscsi_ips'][0]
            options['target_port'] = int(
                self.sim.info['iscsi_portal'].rsplit(':', 1)[1])
        return options

    def inventory(self):
        state = self.sim.state()
        return {
            'volume': {n for n, v in state['volumes'].items()
                       if v['kind'] != 'snapshot'},
            'snapshot': {n for n, v in state['volumes'].items()
                         if v['kind'] == 'snapshot'},
            'host': set(state['hosts']),
            'allocation': {'%s:%s' % (a['host'], a['volume'])
                           for a in state['allocations']},
        }

    def pools(self):
        # free capacity is what the configured RAID level can still use
        factor = {0: 1.0, 1: 2.0, 5: 4.0 / 3.0, 6: 1.5}[self.raid_level]
        # The driver reports "Pool 1" as "Pool_1" (cinder refuses spaces
        # in host@backend#pool).
        return [{'name': name.replace(' ', '_'),
                 'total_capacity_gb': pool['capacity_gb'],
                 'free_capacity_gb': int(
                     (pool['capacity_gb'] - pool['used_raw_gb']) / factor)}
                for name, pool in self.sim.state()['pools'].items()]

    def address(self):
        # The first controller the driver tries (san_ip and its port).
        return self.sim.controllers[0]

    def make_unreachable(self):
        self.sim.stop_controllers()

    def refused_credentials_options(self):
        return {'san_password': 'refused-Pa55word-x'}

    def secrets(self):
        return [self.sim.password, fixtures.CHAP_SECRET]

    def inject_fault(self, rule):
        rule = rule.to_dict()
        for counter in ('seen', 'fired'):
            rule.pop(counter, None)
        self.sim.control('POST', 'faults', rule)

    @property
    def create_volume_request(self):
        return CREATE_VOLUME_REQUEST

    def fc_target_wwpns(self):
        return set(self.sim.state()['fc_wwns'])

    def fc_lun(self, volume, initiator_wwpns):
        state = self.sim.state()
        wanted = {w.lower() for w in initiator_wwpns}
        hosts = {name for name, host in state['hosts'].items()
                 if wanted & {e.lower() for e in host['endpoints']}}
        for alloc in state['allocations']:
            if alloc['volume'] == volume.name and alloc['host'] in hosts:
                return alloc['lun']
        return None


class ISEFCSimulator(ISESimulator):
    driver_class = 'xio_cinder.fc.XIOFCDriver'
    storage_protocol = 'FC'


class ISCSIConformanceTest(conformance.ConformanceTests, test_base.TestCase):
    array_class = ISESimulator


class FCConformanceTest(conformance.ConformanceTests, test_base.TestCase):
    array_class = ISEFCSimulator
