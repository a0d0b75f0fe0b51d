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
"""The full stack for one certification run: one backend, behind Keystone.

``CertStack`` is the kit's ``fullstack.stack.Stack`` narrowed to one
backend section (the default volume type) with cinder-api validating
Keystone tokens.  It changes the launcher only through its hooks (options
merged into cinder.conf, the volume types, the admin client); glance-api
stays as the launcher runs it (no auth: it accepts the token cinder and
Tempest send and ignores it).
"""

from common_testing.cert import identity
from common_testing.fullstack import stack as stack_mod

CINDER_USER = 'cinder'


class CertStack(stack_mod.Stack):
    """See the module docstring; ``keystone`` is a started Keystone."""

    def __init__(self, backend, vendor, keystone, **kwargs):
        super().__init__(vendors=[vendor.name], backends=[backend], **kwargs)
        self.backend = backend
        self.keystone = keystone

    def cinder_conf_overrides(self):
        password = self.keystone.service_user(CINDER_USER)
        return {
            'DEFAULT': {'auth_strategy': 'keystone',
                        'default_volume_type': self.backend},
            'keystone_authtoken': self.keystone.authtoken_options(
                CINDER_USER, password),
        }

    def create_volume_types(self):
        # Quotas stay at cinder's defaults: Tempest's dynamic projects are
        # Keystone projects, and its quota tests expect the defaults.
        volume_type = self.client().volume_types.create(self.backend)
        volume_type.set_keys({'volume_backend_name': self.backend})
        self.volume_types = {self.backend: volume_type.id}

    def client(self):
        from cinderclient import client as cinder_client
        from keystoneauth1.identity import v3
        from keystoneauth1 import session as ks_session
        auth = v3.Password(auth_url=self.keystone.uri_v3,
                           username=identity.ADMIN,
                           password=self.keystone.admin_password,
                           project_name=identity.ADMIN,
                           user_domain_id='default',
                           project_domain_id='default')
        return cinder_client.Client(stack_mod.API_VERSION,
                                    session=ks_session.Session(auth=auth),
                                    os_endpoint=self.api_url)

    def pool_capabilities(self):
        """The stats cinder reports for the backend's (first) pool."""
        prefix = '%s@%s#' % (stack_mod.HOST, self.backend)
        for pool in self.client().pools.list(detailed=True):
            if pool.name.startswith(prefix):
                info = pool.to_dict()
                return dict(info.get('capabilities') or info)
        raise stack_mod.processes.ProcessError(
            'cinder reports no pool of %s yet' % self.backend)
