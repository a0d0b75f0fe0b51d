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

from oslo_config import cfg

from huawei_sds_cinder import options
from huawei_sds_cinder.tests import base


class ListOptsTest(base.TestCase):

    def test_every_option_listed_once_in_backend_group(self):
        groups = options.list_opts()
        self.assertEqual(['backend'], [name for name, _ in groups])
        names = [opt.name for opt in groups[0][1]]
        self.assertEqual(len(names), len(set(names)))
        for expected in ('huawei_sds_vbs_addresses', 'huawei_sds_vbs_port',
                         'huawei_sds_pools', 'cinder_huawei_sds_conf_file',
                         'huawei_sds_thin_provisioning',
                         'huawei_sds_replica_count'):
            self.assertIn(expected, names)

    def test_defaults_match_legacy_volume_policy(self):
        conf = cfg.ConfigOpts()
        conf.register_opts(options.ALL_OPTS)
        conf([])
        self.assertEqual(10599, conf.huawei_sds_vbs_port)
        self.assertEqual(100, conf.huawei_sds_iops)
        self.assertEqual(1, conf.huawei_sds_replica_count)
        self.assertFalse(conf.huawei_sds_thin_provisioning)
