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
"""The one fault-control surface of every simulator.

Rules are common_testing.faults rules in their JSON form::

    {"match": "<regex on the request key>", "action": "fail" | "delay" |
     "drop" | "lose_response", "nth": 1, "count": 1, "seconds": 0.0,
     "status": 500, "message": "injected fault"}

A simulator keeps one ``ControlSurface`` (a FaultPlan and a RequestLog)
and wraps each request of its protocol with ``surface.request(key)``.
The surface answers two URLs, the same for every simulator:

- ``/_sim/faults``: GET lists the rules (with their ``seen``/``fired``
  counters), POST adds one rule (a JSON object) or several (a list),
  DELETE removes all;
- ``/_sim/requests``: GET lists the request log (``?since=<seq>`` for the
  newer ones), DELETE clears it.

A simulator's own control URLs (a state dump, taking an address down)
go under ``/_sim/`` too, through ``surface.add_route(name, handler)``: the
surface parses the JSON body, calls ``handler(method, rest, data)`` and
answers with its JSON result, so every control URL answers alike.

An http.server-based simulator calls ``surface.serve(handler)`` first in
its ``do_GET``/``do_POST``/``do_DELETE``; a simulator whose protocol is
not HTTP starts ``simkit.control.ControlServer(surface)`` instead.
"""

import contextlib
import json
import urllib.parse

from common_testing.faults import ACTIONS  # noqa: F401 (kit API)
from common_testing.faults import DELAY  # noqa: F401
from common_testing.faults import DROP  # noqa: F401
from common_testing.faults import DropConnection
from common_testing.faults import FAIL  # noqa: F401
from common_testing.faults import FaultPlan
from common_testing.faults import FaultRule  # noqa: F401
from common_testing.faults import InjectedFailure  # noqa: F401
from common_testing.faults import LOSE_RESPONSE  # noqa: F401
from common_testing.simkit import requestlog

PREFIX = '/_sim/'
FAULTS_PATH = PREFIX + 'faults'
REQUESTS_PATH = PREFIX + 'requests'
PATHS = (FAULTS_PATH, REQUESTS_PATH)


class MethodNotAllowed(Exception):
    """A route handler's answer to a method it does not take (405)."""


class ControlSurface:
    """Fault rules and request log of one simulator, and their two URLs.

    Attributes: ``plan`` (common_testing.faults.FaultPlan), ``requests``
    (simkit.requestlog.RequestLog).
    """

    def __init__(self, rules=(), log_limit=requestlog.DEFAULT_LIMIT):
        self.plan = FaultPlan()
        self.plan.load(rules)
        self.requests = requestlog.RequestLog(log_limit)
        self._routes = {}

    def add_route(self, name, handler):
        """Answer ``/_sim/<name>`` and ``/_sim/<name>/<rest>`` by handler.

        ``handler(method, rest, data)`` gets the rest of the path after
        ``<name>/`` ('' for ``/_sim/<name>``) and the request's JSON body
        (None if empty) and returns the reply's JSON payload.  It raises
        KeyError for an unknown object (404), MethodNotAllowed (405), or
        ValueError/TypeError for a bad request (400).
        """
        self._routes[name] = handler

    def _route(self, path):
        """(handler, rest) of ``path``, or (None, None)."""
        if not path.startswith(PREFIX):
            return None, None
        name, _slash, rest = path[len(PREFIX):].partition('/')
        handler = self._routes.get(name)
        return (handler, rest) if handler else (None, None)

    def answers(self, path):
        """True if ``path`` (without query) is one of this surface's URLs."""
        return path in PATHS or self._route(path)[0] is not None

    @contextlib.contextmanager
    def request(self, key, sleep=None):
        """Handle the request named ``key`` in the ``with`` block.

        Consults the plan before (may sleep, raise InjectedFailure or
        DropConnection) and after the block (DropConnection: the change is
        kept, the reply lost) and logs the request with its duration.
        Yields the log entry's dict: set ``result['status']``.  A dropped
        request is logged with status ``'dropped'``, an injected failure
        with the rule's status.
        """
        with self.requests.record(key) as result:
            try:
                self.plan.before(key, sleep=sleep)
                yield result
                self.plan.after(key)
            except DropConnection:
                result['status'] = 'dropped'
                raise
            except InjectedFailure as exc:
                result['status'] = exc.status
                raise

    def handle(self, method, target, body=b''):
        """Answer a control request: returns (status, JSON bytes).

        ``target`` is the request path with its query; a path that is not
        one of PATHS gives 404.
        """
        parsed = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(parsed.query)
        handler, rest = self._route(parsed.path)
        try:
            if parsed.path == FAULTS_PATH:
                payload = self._faults(method, body)
            elif parsed.path == REQUESTS_PATH:
                payload = self._requests(method, query)
            elif handler is not None:
                payload = handler(method, rest, json.loads(body or b'null'))
            else:
                known = list(PATHS) + [PREFIX + name
                                       for name in sorted(self._routes)]
                return 404, _json({'error': 'no control URL %s; known: %s'
                                   % (parsed.path, ', '.join(known))})
        except MethodNotAllowed:
            return 405, _json({'error': '%s is not allowed on %s'
                               % (method, parsed.path)})
        except KeyError as exc:
            return 404, _json({'error': 'no such object on %s: %s'
                               % (parsed.path, exc)})
        except (ValueError, TypeError) as exc:
            return 400, _json({'error': 'bad %s request on %s: %s'
                               % (method, parsed.path, exc)})
        return 200, _json(payload)

    def _faults(self, method, body):
        if method == 'GET':
            return self.plan.rules()
        if method == 'POST':
            data = json.loads(body or b'null')
            rules = data if isinstance(data, list) else [data]
            if not all(isinstance(rule, dict) for rule in rules):
                raise ValueError('expected a rule object or a list of them')
            # All or nothing: parse every rule before adding any.
            for rule in [FaultRule.from_dict(rule) for rule in rules]:
                self.plan.add(rule)
            return self.plan.rules()
        if method == 'DELETE':
            self.plan.clear()
            return []
        raise MethodNotAllowed()

    def _requests(self, method, query):
        if method == 'GET':
            since = int(query.get('since', ['0'])[0])
            return self.requests.entries(since=since)
        if method == 'DELETE':
            self.requests.clear()
            return []
        raise MethodNotAllowed()

    def serve(self, handler):
        """Answer ``handler``'s request if it is a control URL.

        ``handler`` is an http.server.BaseHTTPRequestHandler in one of its
        do_* methods.  Returns True if the request was answered, False if
        its path is not a control URL (the simulator handles it then).
        """
        if not self.answers(urllib.parse.urlsplit(handler.path).path):
            return False
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length) if length else b''
        status, payload = self.handle(handler.command, handler.path, body)
        handler.send_response(status)
        handler.send_header('Content-Type', 'application/json')
        handler.send_header('Content-Length', str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
        return True


def _json(payload):
    return json.dumps(payload).encode()
