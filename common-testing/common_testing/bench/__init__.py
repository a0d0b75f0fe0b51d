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
"""One driver benchmark for every vendor package (``tox -e bench``).

Each vendor plugs in through the ``common_testing.bench`` entry point group
(:mod:`common_testing.bench.backend`); :mod:`common_testing.bench.__main__`
runs every operation with our driver and, where it runs against our
simulator, the vendor's own, on the same simulator, and prints one table
per backend (:mod:`common_testing.bench.table`).  It prints numbers and
asserts nothing about time.
"""
