# Copyright 2026 Cinder backends team
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

import logging
import os
import warnings

# cinder.tests.unit (fake_volume, fake_snapshot) monkey-patches eventlet on
# import unless told not to; a patched ssl module after requests was
# imported breaks HTTPS, and the driver does not need eventlet.
os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')
# futurist imports eventlet, which warns on import that it is deprecated;
# these tests never run on eventlet.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

# Choose oslo.service's threading backend before any cinder import can
# select the eventlet one by default.
from oslo_service import backend as _service_backend  # noqa: E402

_service_backend.init_backend(_service_backend.BackendType.THREADING)

# cinder's config module registers oslo.log's options, and oslo.log then
# puts a stderr handler on the root logger of whoever imported it. Tests
# capture their logs per test (xio_cinder.tests.base) and print them only
# for a failure: the handler is taken off again here, once, at import.
_root = logging.getLogger()
_before = list(_root.handlers)
from cinder.common import config as _cinder_config  # noqa: E402,F401,I202

for _handler in list(_root.handlers):
    if _handler not in _before:
        _root.removeHandler(_handler)
# With no handler anywhere, Python would print warnings logged outside a
# test (cinder's "native threading" notice when cinder.tests.unit is
# imported) through its last-resort handler; records still reach the
# root logger, so a test's captured log shows them.
logging.getLogger('cinder').addHandler(logging.NullHandler())
