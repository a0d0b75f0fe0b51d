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
"""A bounded in-memory log of the requests a simulator served.

Each entry says when a request came (``time``, seconds since the epoch),
what it was (``operation``, in the protocol's own words, the same key the
fault rules match), how it ended (``status``: the protocol's status code
or word, or ``'error'`` / ``'dropped'``) and how long it took
(``duration_ms``).  Tests read it to see which requests a driver made and
how slow they were; simulators serve it at ``/_sim/requests``.
"""

import collections
import contextlib
import itertools
import threading
import time

DEFAULT_LIMIT = 1000


class RequestLog:
    """The last ``limit`` requests, oldest first; safe from many threads."""

    def __init__(self, limit=DEFAULT_LIMIT):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=limit)
        self._seq = itertools.count(1)

    def add(self, operation, status, duration_ms, when=None):
        """Record one finished request; returns its entry (a dict)."""
        with self._lock:
            entry = {'seq': next(self._seq),
                     'time': time.time() if when is None else when,
                     'operation': operation, 'status': status,
                     'duration_ms': round(duration_ms, 3)}
            self._entries.append(entry)
        return entry

    @contextlib.contextmanager
    def record(self, operation):
        """Time the request handled in the ``with`` block.

        Yields a dict; the handler sets ``result['status']``.  An exception
        leaving the block is recorded as status ``'error'`` unless a status
        was set, and raised on.
        """
        result = {'status': None}
        when = time.time()
        start = time.monotonic()
        try:
            yield result
        except BaseException:
            if result['status'] is None:
                result['status'] = 'error'
            raise
        finally:
            self.add(operation, result['status'],
                     (time.monotonic() - start) * 1000.0, when=when)

    def entries(self, since=0):
        """Copies of the entries with ``seq`` above ``since``, oldest first."""
        with self._lock:
            return [dict(e) for e in self._entries if e['seq'] > since]

    def clear(self):
        with self._lock:
            self._entries.clear()
