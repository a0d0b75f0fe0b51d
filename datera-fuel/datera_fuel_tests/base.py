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
"""Paths and helpers shared by the plugin's tests."""

import os
import shutil
import subprocess

import fixtures
import testtools
import yaml

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(TESTS_DIR)
PLUGIN_DIR = os.path.join(PACKAGE_DIR, 'fuel-plugin-datera-cinder')
PUPPET_DIR = os.path.join(PLUGIN_DIR, 'deployment_scripts', 'puppet')
PLUGIN_MODULES = os.path.join(PUPPET_DIR, 'modules')
STUB_MODULES = os.path.join(TESTS_DIR, 'fixtures', 'modules')
# Debian's puppet-module-puppetlabs-inifile installs ini_setting here; on a
# Fuel node it is in /etc/puppet/modules (the tasks' puppet_modules path).
SYSTEM_MODULES = '/usr/share/puppet/modules'
PLUGIN_NAME = 'fuel-plugin-datera-cinder'

# Long enough for a puppet apply on a busy shared machine.
TOOL_TIMEOUT = 300


def run(argv, env=None, cwd=None, check=True, timeout=TOOL_TIMEOUT,
        input=None):
    """Run a tool; on an unexpected exit code fail with its whole output."""
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise AssertionError('%s exited %d\nstdout:\n%s\nstderr:\n%s' % (
            ' '.join(argv), proc.returncode, proc.stdout, proc.stderr))
    return proc


def require_tool(test, name):
    path = shutil.which(name, path=os.environ.get('PATH', '') +
                        ':/usr/sbin:/sbin')
    if path is None:
        test.fail('%s is not installed: run common-testing/tools/'
                  'install-system-deps.sh' % name)
    return path


def load_yaml(*parts):
    with open(os.path.join(*parts)) as f:
        return yaml.safe_load(f)


def sample_settings(**overrides):
    """The plugin's hiera hash as Fuel writes it for a sample environment."""
    config = load_yaml(PLUGIN_DIR, 'environment_config.yaml')
    settings = {name: attr['value']
                for name, attr in config['attributes'].items()
                if name != 'metadata'}
    settings.update({
        'datera_mvip': '192.0.2.10',
        'datera_admin_login': 'openstack',
        'datera_admin_password': 'S3cret-Datera-pw',
    })
    settings.update(overrides)
    return settings


class TestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(TOOL_TIMEOUT * 3, gentle=True))
