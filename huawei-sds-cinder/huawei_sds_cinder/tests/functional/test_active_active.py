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

"""Two cinder-volume services (two processes) on one VBS (README).

Each service is huawei_sds_cinder.tests.functional.race_worker in its own
process; both share one tooz backend, so the driver's coordination locks
hold across them as they do across the hosts of a cinder cluster.
"""

import uuid

from common_testing import race
import fixtures

from huawei_sds_cinder.tests.functional import race_worker
from huawei_sds_cinder.tests.functional import test_driver


class ActiveActiveTest(test_driver.DriverTestBase):

    def service(self):
        return self.useFixture(race.Service(
            race_worker.__name__,
            dict(self.backend_options, huawei_sds_delete_timeout=30,
                 huawei_sds_linked_clones=True),
            self.coordination_url, 'sds',
            # A full clone copies 1 GB through the VBS, and clones of one
            # source wait for each other (its lock): minutes on a loaded
            # test machine.
            timeout=900,
            lock_path=self.useFixture(fixtures.TempDir()).path))

    def run_at_once(self, services, *operations):
        """Each service runs its operations, the services at one time."""
        return race.run_at_once(self, services, *operations)

    def test_copies_of_one_source_race_from_two_services(self):
        self.coordination_url = 'file://' + self.useFixture(
            fixtures.TempDir()).path
        first, second = self.service(), self.service()
        source = self._create()
        source_spec = {'id': source.id, 'size': 1,
                       'provider_location': source.provider_location}
        snaps = [[{'id': str(uuid.uuid4())} for _n in range(2)]
                 for _s in (first, second)]
        # One full copy per service (1 GB through each host's VBS).
        clones = [[{'id': str(uuid.uuid4()), 'size': 1}]
                  for _s in (first, second)]
        # Snapshots and full clones of one source from both services at
        # once: each clone takes a temporary snapshot and linked volume
        # of the source and copies through this host's VBS.
        results = self.run_at_once(
            (first, second), *[
                [['snapshot', {'snapshot': s, 'volume': source_spec}]
                 for s in snaps[n]] +
                [['clone', {'volume': c, 'source': source_spec}]
                 for c in clones[n]] for n in (0, 1)])
        for n in (0, 1):
            for spec, update in zip(snaps[n] + clones[n], results[n]):
                spec.update(update)
        inventory = self._inventory()
        self.assertEqual(1 + 2, len(inventory['volume']))
        self.assertEqual(4, len(inventory['snapshot']))
        self.assertEqual(set(), inventory['attachment'])
        # Linked clones of one snapshot from both services at once.
        copies = [{'id': str(uuid.uuid4()), 'size': 1} for _n in range(4)]
        self.run_at_once(
            (first, second), *[
                [['from_snapshot', {'volume': c, 'snapshot': snaps[0][0],
                                    'source': source_spec}]
                 for c in copies[n::2]] for n in (0, 1)])
        self.assertEqual(1 + 2 + 4, len(self._inventory()['volume']))
        # Everything deleted from both (a snapshot after its linked
        # clones): nothing is left on the VBS, no temporary snapshot or
        # linked volume either.
        self.run_at_once(
            (first, second), *[
                [['delete', {'volume': v}] for v in clones[n] + copies[n::2]]
                for n in (0, 1)])
        self.run_at_once(
            (first, second), *[
                [['delete_snapshot', {'snapshot': s, 'volume': source_spec}]
                 for s in snaps[n]] for n in (0, 1)])
        self.run_at_once((first, second),
                         [['delete', {'volume': source_spec}]], [])
        self.assertEqual({'volume': set(), 'snapshot': set(),
                          'attachment': set()}, self._inventory())
