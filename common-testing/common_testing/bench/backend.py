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
"""What the driver benchmark needs from a vendor: ``BenchBackend``.

A vendor package offers its benchmark backends through the entry point
group ``common_testing.bench`` (setup.cfg: ``<dist> =
<pkg>.tests.bench_backend:backends``, a callable returning a list of
:class:`BenchBackend`, one per table: usually one per driver class).  The
benchmark (``python -m common_testing.bench``, ``tox -e bench``) finds them
there and never imports a vendor package itself.

A backend starts one simulator, names the drivers to compare on it (ours
first, then the vendor's own driver where it runs against the simulator),
reads the simulator's request log (common_testing.simkit.requestlog: one
entry per request with its ``duration_ms``) and can seed the array with
many volumes directly in its state.
"""

import importlib.util
import uuid

import requests

from common_testing import conformance
from common_testing import driver_loader

GiB = 1024 ** 3


class BenchBackend(object):
    """One simulator and the drivers measured on it.

    ``name`` titles the table; ``package`` is the import package (the
    backend is left out when it is not installed); the results go to the
    README of the distribution named by the entry point.
    ``simulator_in_process``: the simulator answers from threads of this
    process, so the driver's CPU is the calling thread's
    (time.thread_time) rather than the process's.  ``slow_operation``
    names the operation (``clone`` or ``delete``) whose array-side time
    :meth:`set_array_seconds` sets, for the polling row.
    """

    name = None
    package = None
    simulator_in_process = False
    slow_operation = None
    pool = None
    #: measure the vendor's own driver at 10,000 and 100,000 volumes too
    theirs_at_scale = True
    #: operations measured in the first round only (a copy of real data)
    measure_once = ()

    def available(self):
        return importlib.util.find_spec(self.package) is not None

    # -- the simulator ----------------------------------------------------
    def start(self, stack):
        """Start the simulator; ``stack`` is a fixtures.Fixture to use."""
        raise NotImplementedError

    def drivers(self):
        """[(label, cinder.conf section)]: ours first, then theirs."""
        raise NotImplementedError

    def requests(self, since=0):
        """The simulator's request log entries with ``seq`` above since."""
        raise NotImplementedError

    def last_seq(self):
        entries = self.requests()
        return entries[-1]['seq'] if entries else 0

    def seed_volumes(self, count):
        """Make the array hold ``count`` more volumes, in its state."""
        raise NotImplementedError

    def set_array_seconds(self, seconds):
        """Make the array take ``seconds`` for ``slow_operation``."""
        raise NotImplementedError

    # -- drivers and cinder objects ------------------------------------------
    def load(self, stack, label, options):
        """A set-up driver (driver_loader.LoadedDriver) on ``options``.

        One at a time: :meth:`unload` ends it before the next is loaded
        (as a cinder-volume restart would).
        """
        loaded = driver_loader.LoadedDriver(
            dict(options, volume_backend_name=self.name),
            backend_name=self.name)
        loaded.setUp()
        return loaded

    def unload(self, loaded):
        """End a driver (its sessions), then the loader's configuration."""
        close = getattr(loaded.driver, 'close', None)
        if close is not None:
            close()
        loaded.cleanUp()

    def volume(self, loaded, size=1):
        return conformance.volume_object(
            loaded.context, size, '%s#%s' % (loaded.host, self.pool))

    def snapshot(self, loaded, volume):
        return conformance.snapshot_object(loaded.context, volume)

    def created(self, obj, update):
        """``obj`` once the driver created it (its model update applied)."""
        conformance.apply_model_update(obj, update)
        obj.status = 'available'
        return obj

    def connector(self, host):
        suffix = uuid.uuid5(uuid.NAMESPACE_DNS, host).hex
        return {'host': host, 'ip': '127.0.0.1',
                'initiator': 'iqn.1993-08.org.debian:01:%s' % suffix[:12],
                'wwpns': ['10000090fa%s' % suffix[:6]],
                'wwnns': ['20000090fa%s' % suffix[:6]],
                'multipath': False, 'platform': 'x86_64',
                'os_type': 'linux'}


def http_request_log(url, **request_args):
    """A BenchBackend.requests over a simulator's ``/_sim/requests``."""
    def entries(since=0):
        reply = requests.get(url, params={'since': since}, timeout=30,
                             **request_args)
        reply.raise_for_status()
        return reply.json()
    return entries
