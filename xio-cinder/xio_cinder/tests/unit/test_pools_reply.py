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

"""The /storage/pools reply, parsed without a tree of its volumes.

parse_pools counts each pool's <volumes> children as the parser meets
them; the pools' own facts are a tree as before; defusedxml's refusals
still hold (issue 17 item 3).
"""

import tracemalloc

import ddt

from xio_cinder import client
from xio_cinder.tests import base as test_base

POOL = ('<pool self="http://10.0.0.1/storage/pools/%(id)d">'
        '<name>Pool %(id)d</name><id>%(id)d</id>'
        '<status value="0" string="Operational"><details>'
        '<detail>None</detail></details></status>'
        '<available total="%(free)d"><byredundancy><raid-1>%(half)d'
        '</raid-1></byredundancy></available>'
        '<used total="7"><byredundancy><raid-1>7</raid-1></byredundancy>'
        '</used><volumes>%(volumes)s</volumes>'
        '<IOPSmincap>100</IOPSmincap></pool>')


def volumes(count, start=0):
    return ''.join('<volume><globalid>V%08d</globalid></volume>' % n
                   for n in range(start, start + count))


def reply(*counts):
    return '<pools>%s</pools>' % ''.join(
        POOL % {'id': index + 1, 'free': 100, 'half': 50,
                'volumes': volumes(count)}
        for index, count in enumerate(counts))


@ddt.ddt
class ParsePoolsTest(test_base.TestCase):

    def test_counts_each_pools_volumes_and_keeps_its_facts(self):
        root, counts = client.parse_pools(reply(3, 0, 5))
        pools = list(root.iter('pool'))
        self.assertEqual(['Pool 1', 'Pool 2', 'Pool 3'],
                         [p.findtext('name') for p in pools])
        self.assertEqual([3, 0, 5], [counts[p] for p in pools])
        self.assertEqual('50', pools[0].findtext(
            'available/byredundancy/raid-1'))
        self.assertEqual('100', pools[2].findtext('IOPSmincap'))
        # The volumes were counted, never built.
        self.assertEqual([], [v for p in pools
                              for v in p.iter('volume')])

    def test_a_volume_element_nested_deeper_counts_once(self):
        body = reply(1).replace(
            '<volume><globalid>V00000000</globalid></volume>',
            '<volume><clones><volume/><volume/></clones></volume>')
        root, counts = client.parse_pools(body)
        self.assertEqual([1], list(counts.values()))

    def test_list_pools_reports_the_counts(self):
        ise = client.ISEClient('10.0.0.1', 'admin', 's3cret')
        ise.request = lambda *a, **k: client.Reply(200, reply(2, 4), None)
        pools = ise.list_pools()
        self.assertEqual([2, 4], [p.volume_count for p in pools])
        self.assertEqual([100, 100], [p.available_gb for p in pools])
        self.assertEqual({'raid-1': 7}, pools[0].used_by_raid)

    @ddt.data('<!DOCTYPE pools [<!ENTITY x "y">]><pools>&x;</pools>',
              '<pools><pool><volumes><volume></pools>', '', '  ')
    def test_refused_replies_are_malformed(self, body):
        self.assertRaises(client.ISEMalformedReply, client.parse_pools,
                          body)

    def test_memory_does_not_grow_with_the_volumes(self):
        def peak(count):
            body = reply(count)
            tracemalloc.start()
            try:
                client.parse_pools(body)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        small, large = peak(100), peak(20000)
        # 200 times the volumes: the parse's own peak hardly moves (a
        # tree of them would take several MiB).
        self.assertLess(large, small + 256 * 1024)
