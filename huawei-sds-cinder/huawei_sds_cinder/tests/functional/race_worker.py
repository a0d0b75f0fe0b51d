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
``common_testing.race`` reads the setup line (here also ``lock_path``)
and serves the lines of operations, this module loads the driver and
runs each operation. Volumes are given as ``{"id", "size",
"provider_location"}``. The environment names the sds_cli stand-in
(functional.fixtures.SdsCli), through which the service attaches volumes
on its host for copies, as a real one does through Huawei's sds_cli.
"""

import json
import os
import sys

from common_testing import race


def main():
    setup = json.loads(sys.stdin.readline())
    from unittest import mock

    from cinder import objects
    from cinder import privsep as cinder_privsep
    import os_brick
    from os_brick import privileged as brick_privileged
    from oslo_concurrency import lockutils
    from oslo_config import cfg

    # As the functional tests' base: os-brick's lock directory, and its
    # privileged calls in this process (the tests run as root).
    lockutils.set_defaults(setup['lock_path'])
    cfg.CONF.set_override('lock_path', setup['lock_path'],
                          group='oslo_concurrency')
    os_brick.setup(cfg.CONF)
    for privileged in (brick_privileged.default,
                       cinder_privsep.sys_admin_pctxt):
        privileged.set_client_mode(False)
    loaded = race.load_driver(setup)
    for cls in (objects.Volume, objects.Snapshot):
        mock.patch.object(cls, 'save').start()   # no database here
    volume, snapshot = race.spec_objects(
        loaded.context, '%s#16384' % loaded.host, encryption_key_id=None)
    run = race.operations(loaded.driver, volume, snapshot)

    try:
        race.serve(run)
    finally:
        loaded.cleanUp()


if __name__ == '__main__':
    # A plain threaded process, as the tests run cinder: no eventlet.
    os.environ.setdefault('OS_CINDER_DISABLE_EVENTLET_PATCHING', '1')
    from oslo_service import backend
    backend.init_backend(backend.BackendType.THREADING)
    main()
