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
"""Every manifest parses (puppet parser validate) and passes puppet-lint."""

import glob
import os
import shutil

from datera_fuel_tests import base


def manifests():
    return sorted(glob.glob(os.path.join(base.PUPPET_DIR, '**', '*.pp'),
                            recursive=True))


class StaticTest(base.TestCase):

    def test_every_manifest_is_found(self):
        names = {os.path.relpath(p, base.PUPPET_DIR) for p in manifests()}
        self.assertTrue({
            'manifests/primary_controller.pp', 'manifests/controller.pp',
            'modules/datera_cinder/manifests/init.pp',
            'modules/datera_cinder/manifests/params.pp',
            'modules/datera_cinder/manifests/controller.pp',
            'modules/datera_cinder/manifests/pacemaker.pp'}.issubset(names))

    def test_puppet_parser_validate(self):
        base.require_tool(self, 'puppet')
        base.run(['puppet', 'parser', 'validate', '--color=false'] +
                 manifests())

    def test_puppet_lint(self):
        base.require_tool(self, 'puppet-lint')
        for path in manifests():
            base.run(['puppet-lint', '--fail-on-warnings', path])

    def test_templates_compile(self):
        base.require_tool(self, 'erb')
        for path in glob.glob(os.path.join(base.PUPPET_DIR, 'modules', '*',
                                           'templates', '*.erb')):
            source = base.run(['erb', '-x', '-T', '-', path]).stdout
            proc = base.run(['ruby', '-c'], check=False, input=source)
            self.assertEqual(0, proc.returncode, path + proc.stderr)

    def test_the_checks_catch_a_broken_manifest(self):
        # The same commands fail on a manifest with an error in it.
        tmp = self.useFixture(base.fixtures.TempDir()).path
        broken = os.path.join(tmp, 'broken.pp')
        shutil.copy(os.path.join(base.PUPPET_DIR, 'manifests',
                                 'controller.pp'), broken)
        with open(broken, 'a') as f:
            f.write('class broken {\n  file { "/tmp/x": mode => 644 }\n')
        self.assertNotEqual(0, base.run(
            ['puppet', 'parser', 'validate', broken], check=False).returncode)
        with open(broken, 'a') as f:
            f.write('}\n')
        self.assertEqual(0, base.run(
            ['puppet', 'parser', 'validate', broken], check=False).returncode)
        lint = base.run(['puppet-lint', '--fail-on-warnings', broken],
                        check=False)
        self.assertNotEqual(0, lint.returncode)
        self.assertIn('double quoted string', lint.stdout)
