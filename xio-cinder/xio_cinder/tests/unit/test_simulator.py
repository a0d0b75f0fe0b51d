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

"""The simulator's console script without the simulator extra installed."""

from common_testing import plain_install

from xio_cinder.tests import base as test_base


class ConsoleScriptWithoutExtraTest(plain_install.SimulatorScriptTests,
                                    test_base.TestCase):
    module = 'xio_cinder.simulator.__main__'
    dist = 'xio-cinder'
    env = {'XIO_SIM_PASSWORD': 'x'}
