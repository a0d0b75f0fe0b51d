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

"""Fault injection rules that every simulator consults.

A simulator names each request with a key string in its own protocol's
words, for example ``"POST /api/2.4/volume"`` for REST or
``"create part"`` for a CLI, and wraps the handling of each request::

    plan.before(key)      # may sleep, raise InjectedFailure or DropConnection
    ...apply the request to the array state...
    plan.after(key)       # may raise DropConnection: change kept, reply lost

``InjectedFailure`` is turned into the protocol's own error reply (the rule's
``status`` and ``message`` are hints); ``DropConnection`` means: close the
connection without answering.  The plan is thread-safe and can be changed
while the simulator runs (``add``, ``clear``, ``load``), so a simulator can
expose it over its control interface as JSON (``FaultRule.to_dict``).
"""

import re
import threading
import time

FAIL = 'fail'
DELAY = 'delay'
DROP = 'drop'
LOSE_RESPONSE = 'lose_response'
ACTIONS = (FAIL, DELAY, DROP, LOSE_RESPONSE)


class InjectedFailure(Exception):
    """The simulator must answer this request with a protocol error."""

    def __init__(self, rule, key):
        self.rule = rule
        self.key = key
        self.status = rule.status
        super().__init__('injected failure for %r: %s' % (key, rule.message))


class DropConnection(Exception):
    """The simulator must close the connection without any reply."""

    def __init__(self, rule, key):
        self.rule = rule
        self.key = key
        super().__init__('injected %s for %r' % (rule.action, key))


class FaultRule:
    """Apply ``action`` to the ``nth`` request matching ``match`` (a regex).

    It fires on the nth match and on the ``count - 1`` matches after it
    (``count=None``: on every match from the nth on).
    """

    def __init__(self, match, action, nth=1, count=1, seconds=0.0,
                 status=500, message='injected fault'):
        if action not in ACTIONS:
            raise ValueError('unknown fault action %r, expected one of %s'
                             % (action, ', '.join(ACTIONS)))
        if nth < 1:
            raise ValueError('fault rule nth must be >= 1, got %r' % nth)
        if count is not None and count < 1:
            raise ValueError('fault rule count must be >= 1 or None, got %r'
                             % count)
        self.match = match
        self.pattern = re.compile(match)
        self.action = action
        self.nth = nth
        self.count = count
        self.seconds = seconds
        self.status = status
        self.message = message
        self.seen = 0
        self.fired = 0

    @classmethod
    def from_dict(cls, data):
        """Build a rule from the JSON form a control interface receives."""
        known = {'match', 'action', 'nth', 'count', 'seconds', 'status',
                 'message'}
        unknown = set(data) - known
        if unknown:
            raise ValueError('unknown fault rule fields: %s'
                             % ', '.join(sorted(unknown)))
        return cls(**data)

    def to_dict(self):
        """The JSON form that from_dict reads back."""
        return {'match': self.match, 'action': self.action, 'nth': self.nth,
                'count': self.count, 'seconds': self.seconds,
                'status': self.status, 'message': self.message}

    def _hit(self, key):
        """Count a request; True if this request is one the rule fires on."""
        if not self.pattern.search(key):
            return False
        self.seen += 1
        if self.seen < self.nth:
            return False
        if self.count is not None and self.fired >= self.count:
            return False
        self.fired += 1
        return True

    def __repr__(self):
        return 'FaultRule(%r)' % self.to_dict()


class FaultPlan:
    """The rules one simulator consults; safe to use from many threads.

    ``after(key)`` must be called from the thread that called
    ``before(key)`` for the same request (threaded servers do that).
    """

    def __init__(self, rules=()):
        self._lock = threading.Lock()
        self._rules = list(rules)
        self._pending = threading.local()
        #: (key, action) of every fault fired, in order; for tests.
        self.fired = []

    def add(self, rule):
        """Add a FaultRule (or its dict form); returns the rule."""
        if isinstance(rule, dict):
            rule = FaultRule.from_dict(rule)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self):
        with self._lock:
            self._rules.clear()

    def load(self, rules):
        """Replace all rules with these (dicts or FaultRule objects)."""
        parsed = [FaultRule.from_dict(r) if isinstance(r, dict) else r
                  for r in rules]
        with self._lock:
            self._rules[:] = parsed

    def rules(self):
        """The current rules in JSON form, with their counters."""
        with self._lock:
            return [dict(rule.to_dict(), seen=rule.seen, fired=rule.fired)
                    for rule in self._rules]

    def before(self, key, sleep=None):
        """Consult the plan before handling the request named ``key``.

        ``sleep`` performs a DELAY (default: time.sleep). A simulator that
        must not hold a lock while it waits passes a callable that only
        records the seconds, and sleeps once it has let go (the rule's
        counters are already updated by then).
        """
        with self._lock:
            firing = [rule for rule in self._rules if rule._hit(key)]
            self.fired.extend((key, rule.action) for rule in firing)
        lost = [rule for rule in firing if rule.action == LOSE_RESPONSE]
        self._pending_for_thread()[key] = lost
        for rule in firing:
            if rule.action == DELAY:
                (sleep or time.sleep)(rule.seconds)
        for rule in firing:
            if rule.action == DROP:
                raise DropConnection(rule, key)
            if rule.action == FAIL:
                raise InjectedFailure(rule, key)

    def after(self, key):
        """Consult the plan after the request ``key`` changed the state."""
        lost = self._pending_for_thread().pop(key, None)
        if lost:
            raise DropConnection(lost[0], key)

    def _pending_for_thread(self):
        pending = getattr(self._pending, 'by_key', None)
        if pending is None:
            pending = self._pending.by_key = {}
        return pending
