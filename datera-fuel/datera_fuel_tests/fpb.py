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
"""fuel-plugin-builder 4.2.0 made importable on Python 3.

fpb is a Python 2 tool that pins PyYAML 3.10, Mako 0.9.1 and jsonschema
2.4.0, none of which install on Python 3.11; its code works with today's
versions given two shims. If fpb is not importable, it is installed once,
with --no-deps, into a cache directory shared by the test workers.
"""

import fcntl
import importlib
import os
import subprocess
import sys
import tempfile

import fixtures
import yaml

FPB_REQUIREMENT = 'fuel-plugin-builder==4.2.0'
_YAML_LOAD = yaml.load
CACHE_DIR = os.path.join(tempfile.gettempdir(), 'datera-fuel-fpb-4.2.0')


def _ensure_importable():
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


def _load_yaml_like_py2(stream, Loader=yaml.SafeLoader):
    # fpb calls yaml.load(stream) without a Loader (PyYAML < 5 style).
    return _YAML_LOAD(stream, Loader=Loader)


class FuelPluginBuilder(fixtures.Fixture):
    """Gives the test fpb's version mapping with the Python 3 shims on."""

    def _setUp(self):
        _ensure_importable()
        # fpb's cli and errors use the Python 2 builtin unicode().
        self.useFixture(fixtures.MonkeyPatch('builtins.unicode', str))
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
