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
Objects are named by the cinder ids given.
"""

import json
import sys

from common_testing import race

import xio_cinder.tests  # noqa: F401  (threading backend, no eventlet)


def main():
    setup = json.loads(sys.stdin.readline())
    from cinder import objects

    loaded = race.load_driver(setup)
    driver = loaded.driver
    ctxt = loaded.context

    def volume(vid, size=1):
        return objects.Volume(
            ctxt, id=vid, size=size, _name_id=None, volume_type_id=None,
            host='h@%s#Pool_1' % setup['backend_name'],
            provider_location=None, provider_id=None, multiattach=False)

    def snapshot(sid, vid):
        snap = objects.Snapshot(ctxt, id=sid, volume_id=vid, volume_size=1,
                                provider_location=None)
        snap.volume = volume(vid)
        return snap

    common = race.operations(driver, volume, snapshot)

    def run(name, args):
        if name == 'cycle':
            # Attach and detach again and again: the host empties often.
            for _n in range(args['times']):
                driver.initialize_connection(volume(args['volume']),
                                             args['connector'])
                driver.terminate_connection(volume(args['volume']),
                                            args['connector'])
            return None
        return common(name, args)

    try:
        race.serve(run)
    finally:
        loaded.cleanUp()


if __name__ == '__main__':
    main()
