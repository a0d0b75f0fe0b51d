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
"""Rally and rally-openstack in a virtualenv of their own.

rally-openstack's requirements are not cinder's pins, so, like Tempest
(cert.tempest_env, which builds it), it lives under
~/.cache/cinder-backends/ in a venv named after the pinned versions, built
on first use.
"""

import os

from common_testing.cert import tempest_env

RALLY_VERSION = '5.1.1'
RALLY_OPENSTACK_VERSION = '4.1.0'


def requirements():
    return ['rally==%s' % RALLY_VERSION,
            'rally-openstack==%s' % RALLY_OPENSTACK_VERSION]


def venv_dir(cache=tempest_env.CACHE):
    return os.path.join(cache, 'rally-%s-rally-openstack-%s'
                        % (RALLY_VERSION, RALLY_OPENSTACK_VERSION))


def ensure(cache=tempest_env.CACHE, log=print):
    """The venv's directory, built if it is not complete yet."""
    return tempest_env.ensure_venv(venv_dir(cache), requirements(),
                                   'Rally', log=log)


def versions(path):
    """{distribution: version} of Rally and rally-openstack in the venv."""
    return tempest_env.venv_versions(path, ('rally', 'rally-openstack'))
