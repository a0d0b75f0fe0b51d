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
"""The product as an operator runs it: real cinder services and glance on
the vendor simulators, from one multi-backend cinder.conf (README.rst).

The vendors' backends (fullstack.backend.Backend subclasses) are found
through the entry point group ``common_testing.fullstack``: this package
imports no vendor package.
"""

import importlib.metadata

ENTRY_POINT_GROUP = 'common_testing.fullstack'


def all_backends():
    """A Backend instance of every vendor that declares one, by dist name.

    Sorted by distribution name, so stacks and reports keep one order.
    """
    found = []
    for entry_point in sorted(importlib.metadata.entry_points(
            group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        backend = entry_point.load()()
        backend.dist = entry_point.name
        found.append(backend)
    return found


def vendors(wanted=None):
    """The installed backends (only the ``wanted`` ones, if given).

    ``wanted`` names a vendor by distribution (xio-cinder), simulator
    (xio-cinder-simulator) or import package (xio_cinder).
    """
    chosen = []
    for backend in all_backends():
        if wanted and not ({backend.dist, backend.name, backend.package}
                           & set(wanted)):
            continue
        if backend.available():
            chosen.append(backend)
    return chosen
