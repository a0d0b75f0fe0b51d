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

import os

# cinder.tests.unit (fake_volume, fake_snapshot) monkey-patches eventlet on
# import unless told not to; a patched ssl module after requests was
# imported breaks HTTPS, and the driver does not need eventlet.
os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')

# Choose oslo.service's threading backend before any cinder import can
# select the eventlet one by default.
from oslo_service import backend as _service_backend  # noqa: E402

_service_backend.init_backend(_service_backend.BackendType.THREADING)
