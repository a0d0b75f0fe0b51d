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
"""The installable plugin package: fpb 4.2.0 --build with rpmbuild."""

import hashlib
import io
import os
import subprocess
import tarfile

import yaml

from datera_fuel_tests import base
from datera_fuel_tests import fpb

INSTALL_DIR = 'var/www/nailgun/plugins/fuel-plugin-datera-cinder-2.0/'


class BuildTest(base.TestCase):

    def setUp(self):
        super().setUp()
        for tool in ('rpmbuild', 'rpm', 'rpm2archive', 'createrepo_c',
                     'dpkg-scanpackages'):
            base.require_tool(self, tool)
        self.fpb = self.useFixture(fpb.FuelPluginBuilder())
        out = self.useFixture(base.fixtures.TempDir()).path
        self.rpm = self.fpb.build(base.PLUGIN_DIR, out)

    def query(self, fmt):
        return base.run(['rpm', '-qp', '--queryformat', fmt,
                         self.rpm]).stdout

    def payload(self):
        with open(self.rpm, 'rb') as f:
            data = subprocess.run(['rpm2archive', '-'], stdin=f,
                                  capture_output=True, check=True,
                                  timeout=120).stdout
        tar = tarfile.open(fileobj=io.BytesIO(data))
        return {m.name[2:] if m.name.startswith('./') else m.name: m
                for m in tar.getmembers()}, tar

    def test_rpm_metadata(self):
        self.assertEqual('fuel-plugin-datera-cinder-2.0-2.0.0-1.noarch.rpm',
                         os.path.basename(self.rpm))
        self.assertEqual(
            'fuel-plugin-datera-cinder-2.0|2.0.0|1|noarch|'
            'Apache License Version 2.0|Datera EBS as a Cinder backend',
            self.query('%{NAME}|%{VERSION}|%{RELEASE}|%{ARCH}|%{LICENSE}|'
                       '%{SUMMARY}'))

    def test_rpm_installs_the_plugin_where_fuel_looks(self):
        members, tar = self.payload()
        files = {name for name, m in members.items() if m.isfile()}
        for name in ('metadata.yaml', 'environment_config.yaml',
                     'deployment_tasks.yaml', 'pre_build_hook',
                     'checksums.sha1', 'repositories/ubuntu/Packages.gz',
                     'repositories/ubuntu/Release',
                     'deployment_scripts/puppet/manifests/'
                     'primary_controller.pp',
                     'deployment_scripts/puppet/manifests/controller.pp',
                     'deployment_scripts/puppet/modules/datera_cinder/'
                     'manifests/pacemaker.pp'):
            self.assertIn(INSTALL_DIR + name, files)
        self.assertEqual(set(), {f for f in files
                                 if not f.startswith(INSTALL_DIR)})
        # The packaged metadata is the source's, and every file matches
        # the checksums fpb recorded.
        packaged = yaml.safe_load(tar.extractfile(
            members[INSTALL_DIR + 'metadata.yaml']))
        self.assertEqual(base.load_yaml(base.PLUGIN_DIR, 'metadata.yaml'),
                         packaged)
        sums = tar.extractfile(
            members[INSTALL_DIR + 'checksums.sha1']).read().decode()
        checked = 0
        for line in sums.splitlines():
            digest, path = line.split(None, 1)
            name = INSTALL_DIR + os.path.normpath(path.strip())
            data = tar.extractfile(members[name]).read()
            self.assertEqual(digest, hashlib.sha1(data).hexdigest(), name)
            checked += 1
        self.assertGreater(checked, 8)
