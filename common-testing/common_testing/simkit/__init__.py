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
"""The simulator kit: what every vendor simulator shares.

A vendor simulator keeps its protocol front-end and its array state; the
rest comes from here: ``volumes`` (sparse data files), ``export`` (tgtd
export of those files), ``faults`` and ``control`` (fault rules and the
request log at ``/_sim/faults`` and ``/_sim/requests``), ``requestlog``
and ``process`` (pid checks, stop by pid, the ready line).

The kit needs neither cinder nor os-brick nor any test runner, so that
``pip install '<dist>[simulator]'`` gives a working simulator on a host
without cinder; common_testing/tests/test_simkit_imports.py proves it.
"""
