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
"""The base class of every pure-cinder test: quiet while it passes.

Each test's log records (every logger, every level), its stdout and its
stderr are captured into the test's details, which stestr prints for a
failing test only: the kit's one implementation, common_testing.quiet.
"""

from common_testing import quiet

CapturedOutput = quiet.CapturedOutput
TestCase = quiet.TestCase
