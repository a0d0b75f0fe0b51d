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
"""The simulator's sort, paging tokens, totals and parameter parsing."""

import ddt

from pure_cinder.simulator import query
from pure_cinder.simulator import server
from pure_cinder.tests import base

ITEMS = [{'name': 'b', 'size': 2, 'qos': {'iops': None}},
         {'name': 'A', 'size': 1, 'qos': {'iops': 5}},
         {'name': 'c', 'size': 2, 'qos': {'iops': 3}}]


@ddt.ddt
class SortTest(base.TestCase):

    @ddt.data(('name', ['A', 'b', 'c']), ('name-', ['c', 'b', 'A']),
              ('size-,name', ['b', 'c', 'A']), ('size,name-', ['A', 'c', 'b']),
              ('qos.iops', ['c', 'A', 'b']))
    @ddt.unpack
    def test_sort(self, sort, expected):
        self.assertEqual(expected, [i['name'] for i in query.sort_items(
            list(ITEMS), sort)])

    @ddt.data('colour', ',', 'name,,', '1name', 'name--')
    def test_bad_sort(self, sort):
        self.assertRaises(query.QueryError, query.sort_items, list(ITEMS),
                          sort)


class TokenTest(base.TestCase):

    def test_round_trip(self):
        self.assertEqual(7, query.decode_token(query.encode_token(7)))

    def test_garbage(self):
        for token in ('x', 'bm90IGpzb24=', query.encode_token(-1)[:-2]):
            self.assertRaises(query.QueryError, query.decode_token, token)


class ParamsTest(base.TestCase):

    def test_types(self):
        route = server.ROUTES[('GET', 'volumes')]
        params = server.parse_params(route, {
            'names': 'a,b', 'destroyed': 'TRUE', 'limit': '3',
            'filter': "name='a'"})
        self.assertEqual({'names': ['a', 'b'], 'destroyed': True,
                          'limit': 3, 'filter': "name='a'"}, params)

    def test_refusals_name_the_parameter(self):
        route = server.ROUTES[('GET', 'volumes')]
        for query_ in ({'bogus': '1'}, {'limit': '1.5'},
                       {'total_only': 'yes'}, {'ids': ','},
                       {'ids': 'x', 'names': 'y'}):
            exc = self.assertRaises(query.QueryError, server.parse_params,
                                    route, query_)
            self.assertIn(exc.context, query_)

    def test_aggregate_sums_and_averages_ratios(self):
        total = server.aggregate([
            {'provisioned': 2, 'space': {'total_physical': 1,
                                         'data_reduction': 1.0}},
            {'provisioned': 3, 'space': {'total_physical': 2,
                                         'data_reduction': 3.0}}])
        self.assertEqual({'provisioned': 5, 'space': {
            'total_physical': 3, 'data_reduction': 2.0}}, total)
