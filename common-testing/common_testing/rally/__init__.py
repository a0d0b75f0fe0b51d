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
"""The full stack under Rally (README.rst beside this file).

rally-openstack's cinder scenarios against the certification stack (one
backend, Keystone) of each backend and of the null backend, the baseline;
``python -m common_testing.rally`` (``tox -e rally``) runs them and writes
Rally's HTML report and the README table.
"""
