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

"""Fail a test when a secret shows up in any log record.

``self.useFixture(logcheck.SecretsNotLogged(['s3cret', token]))`` listens on
the root logger at DEBUG for the whole test.  oslo.log's loggers are
standard library loggers underneath, so their records arrive there too.
Each record is checked in its message, its arguments and its exception and
stack text; at the end of the test any leak fails it, naming the logger and
the record with the secret masked (the failure itself must not leak).
"""

import logging

import fixtures

MASK = '***'


class SecretLeaked(AssertionError):
    """A configured secret appeared in a log record."""


class _RecordCollector(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _texts_of(record):
    """Every text a log handler could write for this record."""
    texts = [str(record.msg)]
    try:
        texts.append(record.getMessage())
    except Exception:  # a bad format string still must not hide a leak
        pass
    if record.args:
        texts.append(repr(record.args))
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        texts.append(record.exc_text)
    if record.stack_info:
        texts.append(record.stack_info)
    return texts


def mask(text, secrets):
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class SecretsNotLogged(fixtures.Fixture):
    """Collect every log record of a test; fail the test on a leaked secret.

    ``secrets`` are strings; empty ones are ignored.  ``add_secret`` adds
    one later (e.g. a token the simulator generates).  ``records`` holds the
    log records seen so far.
    """

    def __init__(self, secrets=()):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def add_secret(self, secret):
        if secret:
            self.secrets.append(secret)

    @property
    def records(self):
        return list(self._collector.records)

    def _setUp(self):
        self._collector = _RecordCollector()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(self._collector)
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.setLevel, old_level)
        self.addCleanup(root.removeHandler, self._collector)
        # Runs first at cleanup time, while the handler still listens.
        self.addCleanup(self.check)

    def leaks(self):
        """Descriptions (secrets masked) of the records that leak."""
        found = []
        for record in list(self._collector.records):
            for text in _texts_of(record):
                if any(secret in text for secret in self.secrets):
                    found.append('%s %s: %s' % (
                        record.name, record.levelname,
                        mask(text, self.secrets)))
                    break
        return found

    def check(self):
        """Raise SecretLeaked if any record so far holds a secret."""
        found = self.leaks()
        if found:
            raise SecretLeaked(
                '%d log record(s) contain a configured secret (masked '
                'here as %s):\n%s' % (len(found), MASK, '\n'.join(found)))
