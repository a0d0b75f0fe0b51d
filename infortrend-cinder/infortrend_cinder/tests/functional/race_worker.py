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

"""One cinder-volume service of the active/active tests, as a process.

``common_testing.race.Service`` (the test's side) starts this module;
``common_testing.race`` reads the setup line and serves the lines of
operations, this module loads the driver and runs each operation.
Volumes are given as ``{"id", "size", "provider_location"}``.
"""

import json
import os
import sys

from common_testing import race


def main():
    setup = json.loads(sys.stdin.readline())
    from unittest import mock

    from cinder import objects

    loaded = race.load_driver(setup)
    for cls in (objects.Volume, objects.Snapshot):
        mock.patch.object(cls, 'save').start()   # no database here
    volume, snapshot = race.spec_objects(
        loaded.context, '%s#LV-1' % loaded.host)
    run = race.operations(loaded.driver, volume, snapshot)

    try:
        race.serve(run)
    finally:
        loaded.driver.close()
        loaded.cleanUp()


if __name__ == '__main__':
    # A plain threaded process, as the tests run cinder: no eventlet.
    os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')
    from oslo_service import backend
    backend.init_backend(backend.BackendType.THREADING)
    main()
