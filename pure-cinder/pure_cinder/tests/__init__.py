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
"""pure-cinder's tests: the threading backend, and nothing on stderr.

Imported before any test module, and by the worker processes tests start.
"""

import logging
import os

# cinder.tests.unit (used by the shared conformance suite) monkey-patches
# eventlet on import unless told not to; the simulator and the driver run
# on native threads in these tests, as with cinder 29's threading backend.
# Choosing the backend now, before any oslo.service use picks eventlet.
os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')

# cinder logs a warning when it starts on native threads, before anything
# configured logging: with no handler anywhere Python would print it (and
# cinder's later import-time notices) through its last-resort handler on
# every worker's stderr.  Records still reach the root logger, so a test's
# captured log (pure_cinder.tests.base) shows them.
logging.getLogger('cinder').addHandler(logging.NullHandler())

from cinder import monkey_patch  # noqa: E402

monkey_patch.patch()

# cinder's config module registers oslo.log's options, and oslo.log then
# puts a stderr handler on the root logger of whoever imported it. Tests
# capture their logs per test and print them only for a failure: the
# handler is taken off again here, once, at import.
_root = logging.getLogger()
_before = list(_root.handlers)
from cinder.common import config as _cinder_config  # noqa: E402,F401,I202

for _handler in list(_root.handlers):
    if _handler not in _before:
        _root.removeHandler(_handler)
