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
"""Every module of the kit ships in its installed package.

A directory of modules without __init__.py imports fine from a checkout
(as a namespace package) but is left out of the wheel, so the README demo,
which runs from the installed kit, could not find common_testing.fullstack.
"""

import os

import common_testing
from common_testing.tests import base

PACKAGE_DIR = os.path.dirname(os.path.abspath(common_testing.__file__))


class TestPackageLayout(base.TestCase):

    def test_every_module_directory_is_a_regular_package(self):
        missing = []
        for directory, subdirs, files in os.walk(PACKAGE_DIR):
            subdirs[:] = [d for d in subdirs if d != '__pycache__']
            if (any(name.endswith('.py') for name in files)
                    and '__init__.py' not in files):
                missing.append(os.path.relpath(directory, PACKAGE_DIR))
        self.assertEqual([], missing)
