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
"""The stack Rally measures: certification's, for a vendor or the null
backend.

``RallyStack`` is ``cert.stack.CertStack`` (one backend, the default
volume type, cinder-api behind Keystone) starting exactly the Backend it
is given, so the null backend, which no vendor package declares, runs in
the same deployment as the vendors'.  ``NullBackend`` starts no
simulator: its one section loads ``common_testing.null_driver``.
"""

from common_testing.cert import stack as cert_stack
from common_testing.fullstack import backend as backend_mod

NULL = 'null'


class NullBackend(backend_mod.Backend):
    """The baseline: cinder with a driver that does nothing."""

    dist = NULL
    name = NULL
    package = 'common_testing'
    protocols = {NULL: NULL}

    def start(self, group, address, state_dir):
        return {NULL: {'volume_driver':
                       'common_testing.null_driver.NullDriver'}}


class RallyStack(cert_stack.CertStack):
    """See the module docstring."""

    def __init__(self, backend, vendor, keystone, **kwargs):
        super().__init__(backend, vendor, keystone, **kwargs)
        self.vendor = vendor

    def find_vendors(self):
        return [self.vendor]
