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
"""fuel-plugin-builder 4.2.0 made usable on Python 3: validate and build.

fpb is a Python 2 tool that pins PyYAML 3.10, Mako 0.9.1 and jsonschema
2.4.0, none of which install on Python 3.11; its code works with today's
versions given two shims. If fpb is not importable, it is installed once,
with --no-deps, into a cache directory shared by the test workers.

Also the plugin's build command (what the build tox environment runs):

    python -m datera_fuel_tests.fpb --build OUTPUT_DIR
"""

import argparse
import builtins
import fcntl
import glob
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

import fixtures
import yaml

FPB_REQUIREMENT = 'fuel-plugin-builder==4.2.0'
_YAML_LOAD = yaml.load
CACHE_DIR = os.path.join(tempfile.gettempdir(), 'datera-fuel-fpb-4.2.0')


def ensure_importable():
    try:
        importlib.import_module('fuel_plugin_builder')
        return
    except ImportError:
        pass
    os.makedirs(CACHE_DIR, exist_ok=True)
    # Parallel stestr workers: one installs, the others wait for it.
    with open(os.path.join(CACHE_DIR, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        target = os.path.join(CACHE_DIR, 'site')
        if not os.path.isdir(os.path.join(target, 'fuel_plugin_builder')):
            subprocess.run(
                [sys.executable, '-m', 'pip', 'install', '--quiet',
                 '--no-deps', '--target', target, FPB_REQUIREMENT],
                check=True, timeout=300)
    if target not in sys.path:
        sys.path.append(target)
    importlib.invalidate_caches()
    importlib.import_module('fuel_plugin_builder')


def _py2_filter(function, iterable):
    # fpb indexes and truth-tests filter() results (lists on Python 2).
    return list(builtins.filter(function, iterable))


def _load_yaml_like_py2(stream, Loader=yaml.SafeLoader):
    # fpb calls yaml.load(stream) without a Loader (PyYAML < 5 style).
    return _YAML_LOAD(stream, Loader=Loader)


class FuelPluginBuilder(fixtures.Fixture):
    """Gives the test fpb's version mapping with the Python 3 shims on."""

    def _setUp(self):
        ensure_importable()
        # fpb's cli and errors use the Python 2 builtin unicode().
        self.useFixture(fixtures.MonkeyPatch('builtins.unicode', str))
        for module in ('fuel_plugin_builder.version_mapping',
                       'fuel_plugin_builder.actions.build'):
            self.useFixture(fixtures.MonkeyPatch(module + '.filter',
                                                 _py2_filter))
        from fuel_plugin_builder import utils
        self.useFixture(fixtures.MonkeyPatch(
            'fuel_plugin_builder.utils.yaml.load', _load_yaml_like_py2))
        self.utils = utils
        from fuel_plugin_builder import errors
        self.errors = errors
        from fuel_plugin_builder import version_mapping
        self.version_mapping = version_mapping

    def validator_for(self, plugin_path, package_version=None):
        """fpb's own validator class for the plugin's package_version.

        fpb's get_plugin_for_version indexes a filter object (Python 2), so
        the mapping list is searched here instead.
        """
        version = package_version or self.utils.parse_yaml(
            os.path.join(plugin_path, 'metadata.yaml'))['package_version']
        for entry in self.version_mapping.get_mapping():
            if entry['version'] == version:
                return entry['validator'](plugin_path)
        raise AssertionError('fpb knows no package_version %r' % version)

    def build(self, plugin_path, output_dir):
        """fpb --build on a copy of the plugin; returns the .rpm's path.

        fpb builds inside the plugin directory (.build/ and the .rpm next to
        metadata.yaml), so it works on a copy. Debian's createrepo-c only
        ships createrepo_c; fpb looks for createrepo.
        """
        work = self.useFixture(fixtures.TempDir()).path
        copy = os.path.join(work, os.path.basename(plugin_path.rstrip('/')))
        shutil.copytree(plugin_path, copy,
                        ignore=shutil.ignore_patterns('.build', '*.rpm'))
        shim_bin = os.path.join(work, 'bin')
        os.mkdir(shim_bin)
        createrepo_c = shutil.which('createrepo_c')
        if createrepo_c:
            os.symlink(createrepo_c, os.path.join(shim_bin, 'createrepo'))
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', os.pathsep.join([shim_bin, os.environ.get('PATH', ''),
                                     '/usr/sbin', '/sbin'])))
        version = self.utils.parse_yaml(
            os.path.join(copy, 'metadata.yaml'))['package_version']
        from fuel_plugin_builder import version_mapping
        builder = version_mapping.get_plugin_for_version(version)['builder']
        builder(copy).run()
        rpms = glob.glob(os.path.join(copy, '*.noarch.rpm'))
        if len(rpms) != 1:
            raise RuntimeError('fpb built %r, expected one .rpm' % rpms)
        os.makedirs(output_dir, exist_ok=True)
        return shutil.copy(rpms[0], output_dir)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Validate or build the Fuel plugin with fpb 4.2.0.')
    parser.add_argument('--plugin', default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        'fuel-plugin-datera-cinder'))
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--check', action='store_true')
    group.add_argument('--build', metavar='OUTPUT_DIR')
    args = parser.parse_args(argv)
    with FuelPluginBuilder() as fpb:
        if args.check:
            fpb.validator_for(args.plugin).validate()
            print('%s: valid' % args.plugin)
        else:
            print(fpb.build(args.plugin, args.build))


if __name__ == '__main__':
    main()
