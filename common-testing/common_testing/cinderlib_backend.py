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

"""A cinderlib Backend for lifecycle tests, one per test.

cinderlib keeps process-wide state: ``cinderlib.setup`` may run once per
process (it sets cinder's CONF, replaces cinder's database with its
persistence plugin and starts the coordinator), and ``Backend`` objects are
singletons by backend name.  So :func:`setup_once` runs the setup the
first time any test asks, with in-memory persistence and logging left on
(cinderlib's ``disable_logs`` would silence every logger of the process,
logcheck included); each :class:`CinderlibBackend` uses a backend name of
its own and, when the test ends, deletes what the test left through the
backend and forgets the backend, so the next test starts clean.

Beware: after cinderlib.setup, ``sys.modules['http.server']`` is an
eventlet-green copy; a simulator's HTTP server should be built on
``socketserver`` (which stays real) or import ``http.server`` before.
"""

import tempfile
import threading
import uuid

import fixtures

_setup_lock = threading.Lock()


def setup_once():
    """Run cinderlib.setup for this process if nothing did yet."""
    from cinder import coordination
    import cinderlib
    with _setup_lock:
        if not cinderlib.Backend.global_initialization:
            cinderlib.setup(
                persistence_config={'storage': 'memory'},
                file_locks_path=tempfile.mkdtemp(prefix='cinderlib-locks-'),
                disable_logs=False,
                host='cinderlib-test')
        # Another fixture of this process (driver_loader) may have stopped
        # it; drivers with coordination.synchronized need it.
        coordination.COORDINATOR.start()
    return cinderlib


class CinderlibBackend(fixtures.Fixture):
    """``cinderlib.Backend`` for the driver named in ``options``.

    ``options`` is the same dict as for driver_loader.LoadedDriver
    (``volume_driver`` plus the vendor options).  Attribute ``backend``
    after setUp; ``backend_name`` is unique to this fixture.
    """

    def __init__(self, options, backend_name=None):
        super().__init__()
        if 'volume_driver' not in options:
            raise ValueError('backend options must name the driver class '
                             'in volume_driver')
        self.options = dict(options)
        self.options.pop('volume_backend_name', None)
        self.backend_name = backend_name or 'cinderlib-%s' % (
            uuid.uuid4().hex[:8])
        self.backend = None

    def _setUp(self):
        cinderlib = setup_once()
        self.addCleanup(self._forget_backend, cinderlib)
        self.backend = cinderlib.Backend(volume_backend_name=self.backend_name,
                                         **self.options)
        self.addCleanup(self._delete_leftovers)

    def _delete_leftovers(self):
        """Delete volumes (and their snapshots) the test left behind."""
        for volume in list(self.backend.volumes):
            for connection in list(volume.connections):
                connection.disconnect(force=True)
            for snapshot in list(volume.snapshots):
                snapshot.delete()
            volume.delete()

    def _forget_backend(self, cinderlib):
        cinderlib.Backend.backends.pop(self.backend_name, None)
