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
"""A sandbox to `puppet apply` the plugin's task manifests in.

Puppet runs with its own confdir/codedir/vardir/logdir/rundir under a
temporary directory and hiera data for a sample environment; cinder.conf,
the Pacemaker state and the offline CIB file are paths in that directory.
Only package and service resources are stubbed (the sandbox_stub module's
providers keep their state in files), because they need a real host.
"""

import grp
import os
import pwd
import stat

import fixtures
import yaml

from datera_fuel_tests import base

# puppet apply --detailed-exitcodes
NO_CHANGES = 0
CHANGES = 2


class PuppetSandbox(fixtures.Fixture):

    def __init__(self, hostname='node-1'):
        super().__init__()
        self.hostname = hostname

    def _setUp(self):
        self.root = self.useFixture(fixtures.TempDir()).path
        for name in ('etc', 'code', 'var', 'log', 'run', 'public', 'state',
                     'hieradata', 'etc/cinder', 'lib'):
            os.makedirs(self.path(name), exist_ok=True)
        self.cinder_conf = self.path('etc/cinder/cinder.conf')
        self.state_dir = self.path('lib/fuel-plugin-datera-cinder')
        self.cib_file = None
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.group = grp.getgrgid(os.getgid()).gr_name
        with open(self.path('hiera.yaml'), 'w') as f:
            yaml.safe_dump({
                'version': 5,
                'defaults': {'datadir': self.path('hieradata'),
                             'data_hash': 'yaml_data'},
                'hierarchy': [{'name': 'astute', 'path': 'astute.yaml'}],
            }, f)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write_hiera(self, settings, fuel_version='9.0', cib_file=None,
                    **extra):
        """Hiera data as Fuel's astute.yaml gives it (root-only, 0600)."""
        data = {
            base.PLUGIN_NAME: settings,
            'fuel_version': fuel_version,
            'datera_cinder::controller::cinder_conf_path': self.cinder_conf,
            # Whoever runs the tests owns the sandbox's files.
            'datera_cinder::controller::cinder_conf_owner': self.user,
            'datera_cinder::controller::cinder_conf_group': self.group,
            'datera_cinder::pacemaker::state_owner': self.user,
            'datera_cinder::controller::package_provider': 'sandbox',
            'datera_cinder::controller::service_provider': 'sandbox',
            'datera_cinder::pacemaker::state_dir': self.state_dir,
        }
        if cib_file:
            data['datera_cinder::pacemaker::cib_file'] = cib_file
        data.update(extra)
        path = self.path('hieradata', 'astute.yaml')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            yaml.safe_dump(data, f)

    def apply(self, manifest, expect=None, verbose=False):
        """puppet apply one of the plugin's task manifests.

        expect: the --detailed-exitcodes value the run must end with.
        """
        argv = [
            'puppet', 'apply', '--detailed-exitcodes', '--color=false',
            '--confdir', self.path('etc'), '--codedir', self.path('code'),
            '--vardir', self.path('var'), '--logdir', self.path('log'),
            '--rundir', self.path('run'), '--publicdir', self.path('public'),
            '--hiera_config', self.path('hiera.yaml'),
            '--modulepath', ':'.join([base.PLUGIN_MODULES,
                                      base.SYSTEM_MODULES,
                                      base.STUB_MODULES]),
        ]
        if verbose:
            # Info level, as an operator's log has it. (--debug on Puppet
            # >= 4 also prints hiera's lookup explanation, values included;
            # Puppet 3 on Fuel 7.0-9.0 does not.)
            argv.append('--verbose')
        argv.append(os.path.join(base.PUPPET_DIR, 'manifests', manifest))
        env = dict(os.environ,
                   DATERA_SANDBOX_STATE=self.path('state'),
                   FACTER_hostname=self.hostname,
                   FACTER_fqdn=self.hostname,
                   PATH=os.environ.get('PATH', '') + ':/usr/sbin:/sbin')
        proc = base.run(argv, env=env, check=False)
        if expect is not None and proc.returncode != expect:
            raise AssertionError(
                'puppet apply %s exited %d, expected %d\nstdout:\n%s\n'
                'stderr:\n%s' % (manifest, proc.returncode, expect,
                                 proc.stdout, proc.stderr))
        return proc

    def world_readable_files(self):
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                path = os.path.join(dirpath, name)
                if os.lstat(path).st_mode & stat.S_IROTH:
                    yield path
