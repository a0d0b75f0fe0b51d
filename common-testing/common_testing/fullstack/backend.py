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
"""What the stack needs from a vendor: the ``Backend`` base class.

Each vendor package offers its full-stack backend through the entry point
group ``common_testing.fullstack`` (setup.cfg: ``<dist> =
<pkg>.tests.fullstack_backend:<Class>``); common_testing.fullstack finds
them there and never imports a vendor package itself.  A backend starts
its simulator as a stack process and returns the cinder.conf sections
(one per driver class) that point at it; every section also gets
``volume_backend_name`` = its section name.
"""

import importlib.util
import os
import shutil
import sys

import requests

from common_testing.fullstack import processes
from common_testing.simkit import process as simkit_process

START_TIMEOUT = 60


def console_script(name):
    """Path of console script ``name``: next to this python, else on PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else shutil.which(name)


def read_ready_line(process, what, timeout=START_TIMEOUT):
    """The JSON of the simkit READY line a simulator prints once it serves.

    ``process`` is a stack process started with ``stdout=PIPE``.
    """
    try:
        return simkit_process.wait_ready(process.popen, timeout, what)
    except simkit_process.NotReady as exc:
        raise processes.ProcessError('%s; log: %s'
                                     % (exc, process.log_tail()))


class Backend(object):
    """One vendor's simulator and its cinder.conf sections.

    ``dist`` is the distribution (the entry point's name), ``name`` the
    simulator's process name, ``package`` the import package (the vendor
    is skipped if it is not installed), ``protocols`` {section: storage
    protocol}.
    """

    dist = None
    name = None
    package = None
    protocols = {}

    def start(self, group, address, state_dir):
        """Start the simulator in ``group``; return {section: options}."""
        raise NotImplementedError

    def host_env(self):
        """Environment a host (cinder-volume, the demo) attaches with."""
        return {}

    def array_volumes(self):
        """Names of the volumes on the array, or None if not observable."""
        return None

    def array_objects(self):
        """Every object the drivers leave on the array, or None.

        ``{kind: sorted names}`` for each kind of object a driver creates
        and must remove again (volumes, snapshots, hosts, initiator
        entries, maps or connections, LUNs, copy jobs), read from the
        simulator's own state.  The scale-out run checks that every list
        is empty at its end.  The default knows volumes only.
        """
        volumes = self.array_volumes()
        return None if volumes is None else {'volume': volumes}

    def array_name(self, volume_id):
        """The array name of the unmanaged volume ``volume_id``.

        It is what manage is given as source-name.
        """
        return 'volume-%s' % volume_id

    def request_counter(self, options):
        """A callable returning the simulator's request count, or None.

        ``options`` are the section's cinder.conf options (benchmark).
        """
        return None

    def available(self):
        return importlib.util.find_spec(self.package) is not None


def request_log_counter(url, **request_args):
    """A Backend.request_counter over a simulator's ``/_sim/requests`` log.

    The kit's request log keeps only the newest entries but numbers every
    request, so the newest entry's ``seq`` is the count so far.
    ``request_args`` go to requests.get (verify=, auth=).
    """
    def count():
        reply = requests.get(url, timeout=30, **request_args)
        reply.raise_for_status()
        entries = reply.json()
        return entries[-1]['seq'] if entries else 0
    return count
