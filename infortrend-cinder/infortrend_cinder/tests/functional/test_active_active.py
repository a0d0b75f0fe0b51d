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

"""Two cinder-volume services (two processes) on one array (README).

Each service is infortrend_cinder.tests.functional.race_worker in its own
process; both share one tooz backend, so the driver's coordination locks
hold across them as they do across the hosts of a cinder cluster.
"""

import uuid

from cinder import exception
from common_testing import driver_loader
from common_testing import logcheck
from common_testing import race
import fixtures as fixtures_lib

from infortrend_cinder.tests import base
from infortrend_cinder.tests.functional import fixtures as sim
from infortrend_cinder.tests.functional import race_worker

CONNECTOR = {'host': 'shared-compute', 'initiator':
             'iqn.1993-08.org.debian:01:shared-compute'}


class TwoServicesBase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.array = sim.start_array(self, sim.SimulatedArray)
        self.logs = self.useFixture(
            logcheck.SecretsNotLogged(self.array.secrets()))
        self.coordination_url = 'file://' + self.useFixture(
            fixtures_lib.TempDir()).path

    def service(self, **overrides):
        options = dict(self.array.backend_options(), **overrides)
        return self.useFixture(race.Service(
            race_worker.__name__, options, self.coordination_url,
            'infortrend'))

    def run_at_once(self, services, *operations):
        """Each service runs its operations, the services at one time."""
        return race.run_at_once(self, services, *operations)

    @staticmethod
    def new_volume():
        return {'id': str(uuid.uuid4()), 'size': 1}

    def create(self, services, count):
        """``count`` volumes made by each service at once."""
        made = [[self.new_volume() for _n in range(count)]
                for _s in services]
        updates = self.run_at_once(
            services, *[[['create', {'volume': v}] for v in mine]
                        for mine in made])
        for mine, theirs in zip(made, updates):
            for volume, update in zip(mine, theirs):
                volume.update(update)
        return made

    @staticmethod
    def attach(volume):
        return ['attach', {'volume': volume, 'connector': CONNECTOR}]

    @staticmethod
    def detach(volume):
        return ['detach', {'volume': volume, 'connector': CONNECTOR}]

    def assert_maps_consistent(self, count):
        inventory = self.array.inventory()
        self.assertEqual(count, len(inventory['map']))
        # One LUN per channel and target (protocol.rst P28).
        places = [m.split(':', 1)[1].rsplit(':', 1)[0]
                  for m in inventory['map']]
        self.assertEqual(len(places), len(set(places)))
        # Every initiator with a map has its initiator entry.
        data = self.array.read()
        entries = {e['iqn'].lower() for e in data['iqns'].values()}
        self.assertEqual(set(), {m['host'].lower() for m in data['maps']}
                         - entries)
        return inventory


class ActiveActiveTest(TwoServicesBase):

    def test_attaches_and_copies_race_from_two_services(self):
        first, second = self.service(), self.service()
        mine, theirs = self.create((first, second), 7)
        source = mine.pop()
        clones = [self.new_volume() for _n in range(4)]
        snaps = [{'id': str(uuid.uuid4())} for _n in range(2)]
        # One new initiator, attached to from both services at once,
        # while both copy one source.
        results = self.run_at_once(
            (first, second),
            [self.attach(v) for v in mine] + [
                ['clone', {'volume': c, 'source': source}]
                for c in clones[:2]] + [
                ['snapshot', {'snapshot': snaps[0], 'volume': source}]],
            [self.attach(v) for v in theirs] + [
                ['clone', {'volume': c, 'source': source}]
                for c in clones[2:]] + [
                ['snapshot', {'snapshot': snaps[1], 'volume': source}]])
        for clone, update in zip(clones, results[0][6:8] + results[1][7:9]):
            clone.update(update)
        for snap, update in zip(snaps, (results[0][8], results[1][9])):
            snap.update(update)
        inventory = self.assert_maps_consistent(13)
        self.assertEqual(1, len(inventory['iqn']))
        self.assertEqual(7 + 7 + 4, len(inventory['partition']))
        self.assertEqual(2, len(inventory['snapshot-image']))
        self.assertEqual(set(), inventory['replica'])
        # Detaches from both, and attaches of the clones meanwhile.
        self.run_at_once(
            (first, second),
            [self.detach(v) for v in mine + theirs[:3]],
            [self.detach(v) for v in theirs[3:]] + [
                self.attach(c) for c in clones])
        self.assert_maps_consistent(4)
        # The last detaches of the initiator while the other service
        # attaches it again: an entry is never dropped under a map being
        # made.  A slow map widens the gap the maps lock closes.
        self.array.add_fault(match='^create map ', action='delay',
                             seconds=0.3, count=1000)
        self.run_at_once((first, second),
                         [self.attach(v) for v in mine[:3]],
                         [self.detach(c) for c in clones])
        self.assert_maps_consistent(3)
        self.run_at_once((first, second),
                         [self.detach(v) for v in mine[:1]],
                         [self.detach(v) for v in mine[1:3]])
        inventory = self.array.inventory()
        self.assertEqual((set(), set()), (inventory['map'],
                                          inventory['iqn']))
        # Deleting everything from both leaves nothing behind.
        everything = [['delete', {'volume': v}]
                      for v in mine + theirs + clones]
        self.run_at_once(
            (first, second),
            [['delete_snapshot', {'snapshot': s, 'volume': source}]
             for s in snaps] + everything[::2], everything[1::2])
        self.run_at_once((first, second), [['delete', {'volume': source}]],
                         [])
        self.assertEqual({'partition': set(), 'snapshot-image': set(),
                          'map': set(), 'iqn': set(), 'replica': set()},
                         self.array.inventory())


class PasswordRotationTest(TwoServicesBase):
    """The array password changed, services restarted one at a time."""

    def test_rotation_with_attaches_before_during_and_after(self):
        new_password = 'Rotated-pa55-%s' % uuid.uuid4().hex[:6]
        self.logs.add_secret(new_password)
        first, second = self.service(), self.service()
        mine, theirs = self.create((first, second), 4)
        # Before.
        self.run_at_once((first, second), [self.attach(mine[0])],
                         [self.attach(theirs[0])])
        # 1. The array's password changes: open sessions go on.
        self.array.update(password=new_password)
        self.run_at_once((first, second), [self.attach(mine[1])],
                         [self.attach(theirs[1])])
        # 2. Each service restarted in turn with the new san_password.
        first.stop()
        first = self.service(san_password=new_password)
        self.run_at_once((first, second), [self.attach(mine[2])],
                         [self.attach(theirs[2])])
        second.stop()
        second = self.service(san_password=new_password)
        self.run_at_once((first, second), [self.attach(mine[3])],
                         [self.attach(theirs[3])])
        # A service started with the old password is refused, the option
        # named.
        loaded = self.useFixture(driver_loader.LoadedDriver(
            self.array.backend_options(), backend_name='infortrend',
            setup=False))
        self.addCleanup(loaded.driver.close)
        error = self.assertRaises(exception.VolumeBackendAPIException,
                                  loaded.init_host)
        self.assertIn('san_password', str(error))
        self.run_at_once((first, second), [self.detach(v) for v in mine],
                         [self.detach(v) for v in theirs])
        self.run_at_once(
            (first, second), [['delete', {'volume': v}] for v in mine],
            [['delete', {'volume': v}] for v in theirs])
        self.assertEqual({'partition': set(), 'snapshot-image': set(),
                          'map': set(), 'iqn': set(), 'replica': set()},
                         self.array.inventory())
