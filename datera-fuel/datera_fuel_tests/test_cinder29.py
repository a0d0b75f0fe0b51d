# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""The cinder.conf the plugin writes, loaded by cinder 29 itself."""

import json
import os
import sys

from datera_fuel_tests import base
from datera_fuel_tests import datera_standin
from datera_fuel_tests import puppet

EXISTING_CONF = ('[DEFAULT]\n'
                 'enabled_backends = lvm\n'
                 '\n[lvm]\n'
                 'volume_driver = cinder.volume.drivers.lvm.LVMVolumeDriver\n')


class Cinder29Test(base.TestCase):

    def generate_conf(self, **settings):
        sandbox = self.useFixture(puppet.PuppetSandbox('node-2'))
        with open(sandbox.cinder_conf, 'w') as f:
            f.write(EXISTING_CONF)
        sandbox.write_hiera(base.sample_settings(multibackend=True,
                                                 **settings))
        sandbox.apply('controller.pp', puppet.CHANGES)
        self.tmp = sandbox.root
        return sandbox.cinder_conf

    def probe(self, conf_path, setup=False, check=True):
        argv = [sys.executable, '-m', 'datera_fuel_tests.cinder_volume_probe',
                conf_path, '--backend', 'datera',
                '--schema-cache', os.path.join(self.tmp, 'dfs-schema.json')]
        if setup:
            argv.append('--setup')
        proc = base.run(argv, cwd=base.PACKAGE_DIR, check=check)
        if not check:
            return proc
        return json.loads(proc.stdout.splitlines()[-1]), proc

    def test_current_release_conf_loads_into_cinder_options(self):
        conf = self.generate_conf(datera_cinder_release='current',
                                  datera_replica_count='2',
                                  datera_tenant_mode='fixed',
                                  datera_tenant_id='openstack')
        result, _proc = self.probe(conf)
        self.assertEqual([], result['unknown'])
        self.assertEqual(
            'cinder.volume.drivers.datera.datera_iscsi.DateraDriver',
            result['driver'])
        self.assertEqual(['lvm', 'datera'], result['enabled_backends'])
        self.assertEqual('datera-cinder@datera', result['host'])
        values = result['values']
        self.assertEqual({'replica_count': '2'},
                         values['datera_volume_type_defaults'])
        self.assertEqual('openstack', values['datera_tenant_id'])
        self.assertEqual(False, values['use_chap_auth'])
        self.assertEqual('192.0.2.10', values['san_ip'])
        self.assertEqual(
            {'volume_driver', 'volume_backend_name', 'backend_host', 'san_ip',
             'san_login', 'datera_volume_type_defaults', 'use_chap_auth',
             'datera_tenant_id'}, set(values))

    def test_old_release_stanza_does_not_fit_cinder_29(self):
        # Why the plugin keeps a per-release table: the Kilo-Mitaka stanza
        # names a class cinder 29 no longer has.
        conf = self.generate_conf(datera_cinder_release='mitaka')
        proc = self.probe(conf, check=False)
        self.assertNotEqual(0, proc.returncode)
        self.assertIn('DateraDriver', proc.stderr)

    def test_datera_driver_sets_up_and_reports_stats(self):
        settings = base.sample_settings()
        standin = self.useFixture(datera_standin.DateraStandIn(
            settings['datera_admin_login'],
            settings['datera_admin_password']))
        conf = self.generate_conf(datera_cinder_release='current',
                                  datera_mvip=standin.address)
        result, proc = self.probe(conf, setup=True)
        self.assertEqual({
            'vendor_name': 'Datera', 'volume_backend_name': 'datera',
            'storage_protocol': 'iSCSI', 'total_capacity_gb': 100.0,
            'free_capacity_gb': 90.0, 'driver_version': '2019.12.10.0',
        }, result['stats'])
        self.assertIn((settings['datera_admin_login'],
                       settings['datera_admin_password']), standin.logins)
        self.assertIn(('GET', '/v2.2/system'), standin.requests)
        self.assertNotIn(settings['datera_admin_password'],
                         proc.stdout + proc.stderr)
