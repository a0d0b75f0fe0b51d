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

from pure_cinder.simulator import server
from pure_cinder.tests import base

HOST = {'name': 'h1', 'iqns': ['iqn.a', 'iqn.b'], 'wwns': ['10000090FA000001'],
        'is_local': True}
PORT = {'name': 'CT0.ETH4', 'eth': {'subtype': 'vif'}, 'status': 'ready'}
VOLUME = {'name': 'vol-7', 'provisioned': 2048, 'destroyed': False,
          'qos': {'iops_limit': None}, 'space': {'data_reduction': 1.5}}
POD = {'name': 'pod0', 'arrays': [{'name': 'fa-1', 'status': 'online'},
                                  {'name': 'fa-2', 'status': 'online'}]}


@ddt.ddt
class FilterTest(base.TestCase):

    @ddt.data(
        ("iqns='iqn.b' and is_local", HOST, True),
        ("iqns='iqn.c' and is_local", HOST, False),
        ("iqns='iqn.a' and not is_local", HOST, False),
        ("wwns='10000090fa000001' and is_local", HOST, True),
        ("wwns='X' and is_local or wwns='10000090FA000001' and is_local",
         HOST, True),
        ("iqns!='iqn.c'", HOST, True),
        ("iqns!='iqn.a'", HOST, False),
        ("name='CT0.*'", PORT, True),
        ("name='CT1.*'", PORT, False),
        ("name='*ETH?'", PORT, False),
        ("eth.subtype='lacp_bond' or eth.subtype='vif'", PORT, True),
        ("status='ready'", PORT, True),
        ('status="ready"', PORT, True),
        ("", PORT, True),
        ("provisioned>1", VOLUME, True),
        ("provisioned>2048", VOLUME, False),
        ("provisioned>=2048", VOLUME, True),
        ("provisioned<2048", VOLUME, False),
        ("provisioned<=2048", VOLUME, True),
        ("provisioned=2048", VOLUME, True),
        ("provisioned!=2048", VOLUME, False),
        ("space.data_reduction>1.25", VOLUME, True),
        ("name!='x'", VOLUME, True),
        ("name!='vol-*'", VOLUME, False),
        ("NOT destroyed", VOLUME, True),
        ("destroyed=false", VOLUME, True),
        ("destroyed=true", VOLUME, False),
        ("qos.iops_limit=null", VOLUME, True),
        ("not (name='x' or provisioned<1) and name='VOL-7'", VOLUME, True),
        ("(name='x' or provisioned>1) and (destroyed or name='vol*')",
         VOLUME, True),
        ("not not destroyed", VOLUME, False),
        ("name>'vol-6' and name<'vol-8'", VOLUME, True),
        ("arrays.name='fa-2'", POD, True),
        ("arrays.status!='offline'", POD, True),
        ("arrays.status='offline'", POD, False),
    )
    @ddt.unpack
    def test_filters(self, expression, obj, expected):
        self.assertEqual(expected, server.compile_filter(expression)(obj))

    @ddt.data("name >", "name = 'x", "(name='x'", "name='x')",
              "name='x' and", "or name='x'", "name=='x'", "name = x",
              "name='x' name='y'", "not", "name ~ 'x'", "()", "'x'",
              "name=3 and @")
    def test_malformed_is_refused(self, expression):
        self.assertRaises(server.FilterError, server.compile_filter,
                          expression)

    def test_unknown_field_is_refused_when_evaluated(self):
        keep = server.compile_filter("colour='red'")
        self.assertRaises(server.FilterError, keep, VOLUME)
