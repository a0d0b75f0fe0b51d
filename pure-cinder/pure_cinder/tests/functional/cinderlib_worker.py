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
"""The cinderlib side of test_cinderlib, in a process of its own.

cinderlib.setup changes the whole process for good (cinder's database
replaced by its persistence plugin, every OVO's save disabled), so it runs
here and not in a test worker shared with other tests.  Reads a JSON line on
stdin (the backend options), runs the lifecycle through cinderlib, prints
as JSON the provider_id (the array name) of every object, then waits for a
line on stdin: "delete" deletes everything through cinderlib.
"""

import json
import sys

import pure_cinder.tests  # noqa: F401  (threading backend, no eventlet)

RESULT = 'cinderlib-result: '


def main():
    job = json.loads(sys.stdin.readline())
    from common_testing import cinderlib_backend

    lib = cinderlib_backend.CinderlibBackend(job['options'])
    lib.setUp()
    steps = {}
    try:
        backend = lib.backend
        source = backend.create_volume(size=1)
        snapshot = source.create_snapshot()
        restored = snapshot.create_volume(size=2)
        clone = source.clone(size=3)
        clone.extend(4)
        for key, volume in (('source', source), ('from_snapshot', restored),
                            ('clone', clone)):
            steps[key] = {'id': volume.id, 'size': volume.size,
                          'provider_id': volume._ovo.provider_id}
        steps['snapshot'] = {'id': snapshot.id,
                             'provider_id': snapshot._ovo.provider_id}
        # Logs share stdout: the result is the line that starts so.
        print(RESULT + json.dumps(steps))
        sys.stdout.flush()
        # The test inspects the array, then says how to end.
        if sys.stdin.readline().strip() == 'delete':
            for volume in (clone, restored):
                volume.delete()
            snapshot.delete()
            source.delete()
    finally:
        lib.cleanUp()


if __name__ == '__main__':
    main()
