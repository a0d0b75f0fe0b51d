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
"""common-testing's requirements: base = simulator kit, extra = the rest."""

import configparser
import os
import re

from common_testing.tests import base

KIT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
NEVER_IN_BASE = ('cinder', 'os-brick', 'oslotest', 'stestr', 'testtools',
                 'ddt')


def requirement_lines(text):
    lines = [line.split('#', 1)[0].strip() for line in text.splitlines()]
    return [line for line in lines if line]


def name(requirement):
    return re.split(r'[<>=!~\[; ]', requirement, maxsplit=1)[0].lower()


class TestKitRequirements(base.TestCase):

    def read(self, filename):
        with open(os.path.join(KIT_DIR, filename)) as f:
            return f.read()

    def test_base_install_carries_no_cinder_nor_test_runner(self):
        base = {name(r) for r in
                requirement_lines(self.read('requirements.txt'))}
        self.assertEqual(set(), base & set(NEVER_IN_BASE))
        self.assertIn('pbr', base)

    def test_cinder_extra_is_the_cinder_requirements_file(self):
        setup_cfg = configparser.ConfigParser()
        setup_cfg.read_string(self.read('setup.cfg'))
        extra = requirement_lines(setup_cfg.get('extras', 'cinder'))
        listed = requirement_lines(self.read('cinder-requirements.txt'))
        self.assertEqual(listed, extra)
        self.assertIn('cinder', {name(r) for r in extra})
