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

import ddt
import testtools

from pure_cinder.simulator import server

HOST = {'name': 'h1', 'iqns': ['iqn.a', 'iqn.b'], 'wwns': ['10000090FA000001'],
        'is_local': True}
PORT = {'name': 'CT0.ETH4', 'eth': {'subtype': 'vif'}, 'status': 'ready'}


@ddt.ddt
class FilterTest(testtools.TestCase):

    @ddt.data(
        ("iqns='iqn.b' and is_local", HOST, True),
        ("iqns='iqn.c' and is_local", HOST, False),
        ("iqns='iqn.a' and not is_local", HOST, False),
        ("wwns='10000090fa000001' and is_local", HOST, True),
        ("wwns='X' and is_local or wwns='10000090FA000001' and is_local",
         HOST, True),
        ("name='CT0.*'", PORT, True),
        ("name='CT1.*'", PORT, False),
        ("eth.subtype='lacp_bond' or eth.subtype='vif'", PORT, True),
        ("status='ready'", PORT, True),
        ("", PORT, True),
    )
    @ddt.unpack
    def test_filters(self, expression, obj, expected):
        self.assertEqual(expected, server.compile_filter(expression)(obj))

    def test_unknown_syntax_is_refused(self):
        self.assertRaises(server.FilterError, server.compile_filter,
                          "name >= 3")
