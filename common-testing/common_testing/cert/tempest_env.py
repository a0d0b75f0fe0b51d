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
"""Tempest and cinder-tempest-plugin in a virtualenv of their own.

Tempest's requirements are not cinder's, so it never shares the test
environment: the venv lives under ~/.cache/cinder-backends/ (outside the
repository), is created on first use and reused while its pinned versions
match; a half-built one (no ``.complete`` marker) is rebuilt.
"""

import os
import shutil
import subprocess
import sys

TEMPEST_VERSION = '47.0.0'
PLUGIN_VERSION = '1.23.0'
CACHE = os.path.join(os.path.expanduser('~'), '.cache', 'cinder-backends')
INSTALL_TIMEOUT = 1800


class TempestEnvError(Exception):
    """The Tempest virtualenv could not be built."""


def requirements():
    return ['tempest==%s' % TEMPEST_VERSION,
            'cinder-tempest-plugin==%s' % PLUGIN_VERSION]


def venv_dir(cache=CACHE):
    return os.path.join(cache, 'tempest-%s-cinder-tempest-plugin-%s'
                        % (TEMPEST_VERSION, PLUGIN_VERSION))


def ensure(cache=CACHE, python=None, log=print):
    """The venv's directory, built if it is not complete yet."""
    return ensure_venv(venv_dir(cache), requirements(), 'Tempest',
                       python=python, log=log)


def ensure_venv(path, wanted, what, python=None, log=print):
    """Virtualenv ``path`` holding ``wanted`` (pip requirements).

    Built if it is not complete yet; also used for Rally's
    (common_testing.rally.rally_env).
    """
    marker = os.path.join(path, '.complete')
    if os.path.exists(marker):
        return path
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    log('building the %s virtualenv in %s' % (what, path))
    python = python or getattr(sys, '_base_executable', sys.executable)
    pip = os.path.join(path, 'bin', 'pip')
    for args in ([python, '-m', 'venv', path],
                 [pip, 'install', '--quiet'] + list(wanted)):
        try:
            subprocess.run(args, check=True, timeout=INSTALL_TIMEOUT,
                           capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            raise TempestEnvError('%s failed: %s' % (' '.join(args),
                                                     exc.stderr[-2000:]))
        except subprocess.TimeoutExpired:
            raise TempestEnvError('%s took more than %ds'
                                  % (' '.join(args), INSTALL_TIMEOUT))
    with open(marker, 'w') as done:
        done.write('\n'.join(wanted) + '\n')
    return path


def versions(path):
    """{distribution: version} of Tempest and the plugin in the venv."""
    return venv_versions(path, ('tempest', 'cinder-tempest-plugin'))


def venv_versions(path, names):
    """{distribution: version} of each of ``names`` in the venv."""
    script = ('import importlib.metadata as m\n'
              'for name in %r:\n'
              '    print(name, m.version(name))\n' % (tuple(names),))
    out = subprocess.run([os.path.join(path, 'bin', 'python'), '-c',
                          script], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    return dict(line.split(' ', 1) for line in out.splitlines())
