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
"""Keystone's WSGI application for gunicorn, imported as a top-level module
(``--pythonpath <this directory> keystone_app:application``).

oslo.config in Keystone parses ``sys.argv``, which under gunicorn holds
gunicorn's own options, and every worker dies on them; the configuration
comes from OS_KEYSTONE_CONFIG_DIR instead.
"""

import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application  # noqa: E402,F401,H306
