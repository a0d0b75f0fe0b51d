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

# cinder.tests.unit (used by the shared conformance suite) monkey-patches
# eventlet on import unless told not to; the simulator and the driver run
# on native threads in these tests, as with cinder 29's threading backend.
# Choosing the backend now, before any oslo.service use picks eventlet.
os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')

from cinder import monkey_patch  # noqa: E402

monkey_patch.patch()
