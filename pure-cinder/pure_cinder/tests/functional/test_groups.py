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
"""Generic volume groups and consistent group snapshots on the simulator.

A group whose type asks for consistent group snapshots is a protection
group on the array; any other group is left to cinder's generic code.
"""

import uuid

from common_testing import faults
from pure_cinder import common
from pure_cinder.tests.functional import fixtures as pure_fixtures


class GroupTest(pure_fixtures.DriverAgainstSimulator):

    def setUp(self):
        super().setUp()
        self.use_cinder_database()
        from cinder.volume import group_types
        self.cg_type = group_types.create(
            self.context, 'cg-%s' % uuid.uuid4().hex,
            {'consistent_group_snapshot_enabled': '<is> True'})['id']
        self.plain_type = group_types.create(
            self.context, 'plain-%s' % uuid.uuid4().hex, {})['id']

    def group(self, type_id=None):
        from cinder import objects
        return objects.Group(self.context, id=str(uuid.uuid4()),
                             group_type_id=type_id or self.cg_type,
                             status='creating')

    def group_snapshot(self, group):
        from cinder import objects
        return objects.GroupSnapshot(
            self.context, id=str(uuid.uuid4()), group_id=group.id,
            group_type_id=group.group_type_id, status='creating')

    def member(self, group, **fields):
        volume = self.volume(group_id=group.id, **fields)
        volume.group = group
        return volume

    def create_member(self, group):
        volume = self.member(group)
        volume.update(self.driver.create_volume(volume))
        return volume

    def pgroup(self, group):
        return 'consisgroup-%s-cinder' % group.id

    def members(self, group):
        return sorted(m['member']['name'] for m in
                      self.array.list_pgroup_volumes([self.pgroup(group)]))

    def live_volumes(self):
        return sorted(v['name'] for v in self.array.dump()['volumes']
                      if not v['destroyed'])

    def test_group_snapshot_and_groups_from_it_and_from_a_group(self):
        group = self.group()
        self.assertEqual({'status': 'available'},
                         self.driver.create_group(self.context, group))
        self.assertIn(self.pgroup(group), self.array.pgroups)
        # A volume created in the group joins it; update_group adds and
        # removes others.
        first = self.create_member(group)
        second = self.create_volume()
        third = self.create_volume()
        self.driver.update_group(self.context, group,
                                 add_volumes=[second, third])
        self.driver.update_group(self.context, group,
                                 remove_volumes=[third])
        self.assertEqual(sorted([first.provider_id, second.provider_id]),
                         self.members(group))
        self.write_at(first, 0, b'first one')
        self.write_at(second, 0, b'second one')

        group_snapshot = self.group_snapshot(group)
        snapshots = [self.snapshot(v, group_snapshot_id=group_snapshot.id)
                     for v in (first, second)]
        model, updates = self.driver.create_group_snapshot(
            self.context, group_snapshot, snapshots)
        pgsnap = '%s.cgsnapshot-%s-cinder' % (self.pgroup(group),
                                              group_snapshot.id)
        self.assertIn(pgsnap, self.array.pgroup_snapshots)
        for snapshot, update in zip(snapshots, updates):
            self.assertEqual('%s.%s' % (pgsnap, snapshot.volume.provider_id),
                             update['provider_id'])
            self.assertIn(update['provider_id'], self.array.snapshots)
            snapshot.update(update)
        self.write_at(first, 0, b'overwrite')

        # From the group snapshot: the data as it was.
        copy_group = self.group()
        copies = [self.member(copy_group, snapshot_id=s.id)
                  for s in reversed(snapshots)]
        model, updates = self.driver.create_group_from_src(
            self.context, copy_group, copies, group_snapshot=group_snapshot,
            snapshots=snapshots)
        self.assertEqual('available', model['status'])
        for copy, update in zip(copies, updates):
            self.assertEqual(copy.id, update['id'])
            copy.update(update)
        self.assertEqual(b'second one', self.read_at(copies[0], 0, 10))
        self.assertEqual(b'first one', self.read_at(copies[1], 0, 9))
        self.assertEqual(sorted(c.provider_id for c in copies),
                         self.members(copy_group))

        # From the group: the data as it is, and no temporary snapshot.
        clone_group = self.group()
        clones = [self.member(clone_group, source_volid=v.id)
                  for v in (first, second)]
        pgsnaps_before = sorted(self.array.pgroup_snapshots)
        model, updates = self.driver.create_group_from_src(
            self.context, clone_group, clones, source_group=group,
            source_vols=[first, second])
        for clone, update in zip(clones, updates):
            clone.update(update)
        self.assertEqual(b'overwrite', self.read_at(clones[0], 0, 9))
        self.assertEqual(b'second one', self.read_at(clones[1], 0, 10))
        self.assertEqual(pgsnaps_before, sorted(self.array.pgroup_snapshots))

        # Deleting the group snapshot and the groups.
        self.driver.delete_group_snapshot(self.context, group_snapshot,
                                          snapshots)
        self.assertTrue(self.array.pgroup_snapshots[pgsnap]['destroyed'])
        for one, volumes in ((group, [first, second]),
                             (copy_group, copies), (clone_group, clones)):
            model, updates = self.driver.delete_group(self.context, one,
                                                      volumes)
            self.assertEqual('deleted', model['status'])
            self.assertEqual({'deleted'}, {u['status'] for u in updates})
            self.assertTrue(self.array.pgroups[self.pgroup(one)]
                            ['destroyed'])
        self.assertEqual([third.provider_id], self.live_volumes())

    def test_a_group_without_consistent_snapshots_is_cinders(self):
        group = self.group(self.plain_type)
        snapshot = self.group_snapshot(group)
        for call in (
                lambda: self.driver.create_group(self.context, group),
                lambda: self.driver.update_group(self.context, group),
                lambda: self.driver.delete_group(self.context, group, []),
                lambda: self.driver.create_group_snapshot(
                    self.context, snapshot, []),
                lambda: self.driver.delete_group_snapshot(
                    self.context, snapshot, []),
                lambda: self.driver.create_group_from_src(
                    self.context, group, [], group_snapshot=snapshot,
                    snapshots=[])):
            self.assertRaises(NotImplementedError, call)
        # A volume created in it is a plain volume.
        self.create_member(group)
        self.assertEqual({}, self.array.pgroups)

    def test_failed_group_from_a_group_leaves_nothing(self):
        group = self.group()
        self.driver.create_group(self.context, group)
        sources = [self.create_member(group) for _i in range(3)]
        before = self.live_volumes()
        # The third copy fails: the two made, the new protection group and
        # the temporary group snapshot all go.
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^POST /api/2\.\d+/volumes$', faults.FAIL, status=400,
            message='Volume limit reached.', nth=3))
        clone_group = self.group()
        clones = [self.member(clone_group, source_volid=v.id)
                  for v in sources]
        self.assertRaises(common.PureDriverException,
                          self.driver.create_group_from_src, self.context,
                          clone_group, clones, source_group=group,
                          source_vols=sources)
        self.assertEqual(before, self.live_volumes())
        self.assertEqual([self.pgroup(group)], sorted(self.array.pgroups))
        self.assertEqual([], sorted(self.array.pgroup_snapshots))
        self.assertEqual(sorted(v.provider_id for v in sources),
                         sorted(v['name'] for v in self.array.dump()[
                             'volumes']))

    def test_a_member_that_cannot_join_its_group_is_not_left(self):
        group = self.group()
        self.driver.create_group(self.context, group)
        self.sim.server.surface.plan.add(faults.FaultRule(
            r'^POST /api/2\.\d+/protection-groups/volumes$', faults.FAIL,
            status=400, message='Protection group limit reached.'))
        self.assertRaises(common.PureDriverException,
                          self.driver.create_volume, self.member(group))
        self.assertEqual([], sorted(v['name'] for v in self.array.dump()[
            'volumes']))

    def test_stats_report_consistent_group_snapshots(self):
        self.assertTrue(self.driver.get_volume_stats(True)[
            'consistent_group_snapshot_enabled'])
