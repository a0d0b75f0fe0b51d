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
"""puppet apply of each task's manifest into a sandbox."""

import configparser
import os
import stat

import ddt

from datera_fuel_tests import base
from datera_fuel_tests import cib
from datera_fuel_tests import puppet

PASSWORD = 'S3cret-Datera-pw'


def read_ini(path):
    parser = configparser.RawConfigParser(default_section='__none__')
    parser.optionxform = str
    parser.read(path)
    return {name: dict(parser.items(name)) for name in parser.sections()}


@ddt.ddt
class ApplyTest(base.TestCase):

    def sandbox(self, hostname='node-1'):
        return self.useFixture(puppet.PuppetSandbox(hostname))

    def assert_password_kept_secret(self, sandbox, *procs):
        for proc in procs:
            self.assertNotIn(PASSWORD, proc.stdout + proc.stderr)
        for path in sandbox.world_readable_files():
            with open(path, 'rb') as f:
                self.assertNotIn(PASSWORD.encode(), f.read(), path)
        mode = stat.S_IMODE(os.stat(sandbox.cinder_conf).st_mode)
        self.assertEqual(0o640, mode)

    def test_primary_controller_current_release(self):
        sandbox = self.sandbox()
        cib_file = cib.make_cluster(sandbox.path('cib.xml'),
                                    ['node-1', 'node-2', 'node-3'])
        sandbox.write_hiera(base.sample_settings(
            datera_cinder_release='current', datera_replica_count='2',
            datera_use_chap=True, datera_tenant_mode='map'),
            cib_file=cib_file)
        # The package's postinst left the init system starting the service.
        open(sandbox.path('state', 'service-cinder-volume.enabled'),
             'w').close()

        first = sandbox.apply('primary_controller.pp', puppet.CHANGES,
                              verbose=True)
        conf = read_ini(sandbox.cinder_conf)
        self.assertEqual({
            'volume_driver':
                'cinder.volume.drivers.datera.datera_iscsi.DateraDriver',
            'volume_backend_name': 'datera',
            'backend_host': 'datera-cinder',
            'san_ip': '192.0.2.10',
            'san_login': 'openstack',
            'san_password': PASSWORD,
            'datera_volume_type_defaults': 'replica_count:2',
            'use_chap_auth': 'True',
            'datera_tenant_id': 'Map',
        }, conf['datera'])
        self.assertEqual({'enabled_backends': 'datera'}, conf['DEFAULT'])
        # Pacemaker, not the init system, starts cinder-volume.
        self.assertFalse(os.path.exists(
            sandbox.path('state', 'service-cinder-volume.enabled')))
        self.assertTrue(os.path.exists(
            sandbox.path('state', 'package-cinder-volume')))
        self.assertEqual(
            ['p_cinder-volume-datera'],
            [p.get('id') for p in
             cib.configuration(cib_file).iter('primitive')])

        with open(cib_file) as f:
            cib_after_first = f.read()
        second = sandbox.apply('primary_controller.pp', puppet.NO_CHANGES)
        with open(cib_file) as f:
            self.assertEqual(cib_after_first, f.read())
        self.assert_password_kept_secret(sandbox, first, second)

    @ddt.data(
        ('7.0', 'kilo'), ('8.0', 'liberty'), ('9.0', 'mitaka'))
    @ddt.unpack
    def test_controller_old_release_from_fuel_version(self, fuel_version,
                                                      release):
        sandbox = self.sandbox('node-2')
        sandbox.write_hiera(base.sample_settings(datera_replica_count='2'),
                            fuel_version=fuel_version)
        first = sandbox.apply('controller.pp', puppet.CHANGES, verbose=True)
        conf = read_ini(sandbox.cinder_conf)
        self.assertEqual({
            'volume_driver': 'cinder.volume.drivers.datera.DateraDriver',
            'volume_backend_name': 'datera',
            'backend_host': 'datera-cinder',
            'san_ip': '192.0.2.10',
            'san_login': 'openstack',
            'san_password': PASSWORD,
            'datera_num_replicas': '2',
            'use_chap_auth': 'False',
        }, conf['datera'], release)
        second = sandbox.apply('controller.pp', puppet.NO_CHANGES)
        self.assert_password_kept_secret(sandbox, first, second)
        # The controller task leaves Pacemaker to the primary controller.
        self.assertFalse(os.path.exists(sandbox.state_dir))

    def test_multibackend_appends_and_keeps_other_backends(self):
        sandbox = self.sandbox('node-2')
        with open(sandbox.cinder_conf, 'w') as f:
            f.write('[DEFAULT]\n'
                    'debug = True\n'
                    'enabled_backends = lvm,ceph\n'
                    '\n[lvm]\n'
                    'volume_driver = '
                    'cinder.volume.drivers.lvm.LVMVolumeDriver\n'
                    'volume_group = cinder\n'
                    '\n[ceph]\n'
                    'volume_driver = cinder.volume.drivers.rbd.RBDDriver\n')
        before = read_ini(sandbox.cinder_conf)
        sandbox.write_hiera(base.sample_settings(
            multibackend=True, datera_cinder_release='current'))
        sandbox.apply('controller.pp', puppet.CHANGES)
        conf = read_ini(sandbox.cinder_conf)
        self.assertEqual('lvm,ceph,datera',
                         conf['DEFAULT']['enabled_backends'])
        self.assertEqual('True', conf['DEFAULT']['debug'])
        self.assertEqual(before['lvm'], conf['lvm'])
        self.assertEqual(before['ceph'], conf['ceph'])
        self.assertEqual('datera-cinder', conf['datera']['backend_host'])
        sandbox.apply('controller.pp', puppet.NO_CHANGES)
        self.assertEqual('lvm,ceph,datera',
                         read_ini(sandbox.cinder_conf)['DEFAULT'][
                             'enabled_backends'])

    def test_all_controllers_get_the_same_backend_section(self):
        settings = base.sample_settings(datera_cinder_release='current',
                                        datera_cinder_host='cinder-ha')
        sections = []
        primary = self.sandbox('node-1')
        primary.write_hiera(settings, cib_file=cib.make_cluster(
            primary.path('cib.xml'), ['node-1', 'node-2']))
        primary.apply('primary_controller.pp', puppet.CHANGES)
        sections.append(read_ini(primary.cinder_conf)['datera'])
        other = self.sandbox('node-2')
        other.write_hiera(settings)
        other.apply('controller.pp', puppet.CHANGES)
        sections.append(read_ini(other.cinder_conf)['datera'])
        self.assertEqual(sections[0], sections[1])
        self.assertEqual('cinder-ha', sections[0]['backend_host'])

    @ddt.data(
        ({'datera_admin_password': ''}, 'datera_admin_password'),
        ({'datera_mvip': ''}, 'datera_mvip'),
        ({'datera_replica_count': '9'}, 'datera_replica_count'),
        ({'datera_cinder_release': 'kilo', 'datera_tenant_mode': 'map'},
         'datera_tenant_mode'),
        ({'datera_cinder_release': 'icehouse'}, 'datera_cinder_release'),
    )
    @ddt.unpack
    def test_bad_setting_fails_naming_it(self, overrides, setting):
        sandbox = self.sandbox()
        sandbox.write_hiera(base.sample_settings(**overrides))
        proc = sandbox.apply('controller.pp')
        self.assertNotIn(proc.returncode, (puppet.NO_CHANGES, puppet.CHANGES))
        self.assertIn(setting, proc.stderr)
        self.assertFalse(os.path.exists(sandbox.cinder_conf))

    def test_auto_release_on_unknown_fuel_version_fails(self):
        sandbox = self.sandbox()
        sandbox.write_hiera(base.sample_settings(), fuel_version='10.0')
        proc = sandbox.apply('controller.pp')
        self.assertIn("Fuel release '10.0'", proc.stderr)
        self.assertFalse(os.path.exists(sandbox.cinder_conf))

    def test_password_change_is_applied_without_logging_it(self):
        sandbox = self.sandbox()
        sandbox.write_hiera(base.sample_settings(
            datera_cinder_release='current'))
        first = sandbox.apply('controller.pp', puppet.CHANGES, verbose=True)
        new_password = 'N3w-Datera-pw'
        sandbox.write_hiera(base.sample_settings(
            datera_cinder_release='current',
            datera_admin_password=new_password))
        second = sandbox.apply('controller.pp', puppet.CHANGES, verbose=True)
        self.assertIn('san_password', second.stdout)
        self.assertNotIn(new_password, second.stdout + second.stderr)
        self.assertEqual(new_password,
                         read_ini(sandbox.cinder_conf)['datera'][
                             'san_password'])
        self.assert_password_kept_secret(sandbox, first, second)
