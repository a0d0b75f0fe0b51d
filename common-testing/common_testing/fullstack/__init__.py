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
import importlib.util
import os
import sys

ENTRY_POINT_GROUP = 'common_testing.fullstack'


def _load(entry_point):
    """The class an entry point names, without its packages' __init__.

    A vendor's backend lives in ``<pkg>.tests``, whose __init__ prepares
    cinder for unit tests (eventlet patching, oslo.service's backend) when
    imported; that must not happen in the stack's processes, which have
    chosen their own.  So the module is loaded from its file.
    """
    module_name, _sep, attr = entry_point.value.partition(':')
    module = sys.modules.get(module_name)
    if module is None:
        parts = module_name.split('.')
        top = importlib.util.find_spec(parts[0])
        path = os.path.join(os.path.dirname(top.origin), *parts[1:]) + '.py'
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    return getattr(module, attr.strip())


def all_backends():
    """A Backend instance of every vendor that declares one, by dist name.

    Sorted by distribution name, so stacks and reports keep one order.
    """
    found = []
    for entry_point in sorted(importlib.metadata.entry_points(
            group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        backend = _load(entry_point)()
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
