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
"""Skip lists: one regex per line, then ``#`` and the reason it is skipped.

The format is stestr's exclude list (``tempest run --exclude-list``), which
accepts a line without a reason; certification does not, so ``load``
refuses a file where any entry lacks a reason or does not compile, naming
the file and line.  ``common.txt`` applies to every backend,
``<protocol>.txt`` to the backends of one protocol (``fc.txt`` to every
``*-fc`` backend) and ``<backend>.txt`` to one.
"""

import dataclasses
import os
import re


def _skips_dir():
    """common-testing/cert/skips, where the data of the kit lives.

    Next to the package in a source tree; from the working directory
    (tox's changedir) when the kit is installed into site-packages.
    """
    source = os.path.join(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))), 'cert', 'skips')
    if os.path.isdir(source):
        return source
    return os.path.join(os.getcwd(), 'cert', 'skips')


SKIPS_DIR = _skips_dir()
COMMON = 'common'
MIN_REASON_WORDS = 3


class SkipListError(ValueError):
    """A skip list entry is malformed; the message names file and line."""


@dataclasses.dataclass(frozen=True)
class Skip:
    regex: str
    reason: str
    source: str         # "file:line"

    def matches(self, test_id):
        return re.search(self.regex, test_id) is not None


def parse(text, source='<skip list>'):
    """The ``Skip`` entries of a skip list's text."""
    skips = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        where = '%s:%d' % (source, number)
        regex, _sep, reason = line.partition('#')
        regex, reason = regex.strip(), reason.strip()
        if '#' in reason:
            raise SkipListError('%s: more than one "#" (stestr would join '
                                'them into the reason)' % where)
        if len(reason.split()) < MIN_REASON_WORDS:
            raise SkipListError('%s: skip of %r has no reason (write "regex'
                                '  # why it cannot run here", at least %d '
                                'words)' % (where, regex, MIN_REASON_WORDS))
        try:
            re.compile(regex)
        except re.error as exc:
            raise SkipListError('%s: %r is not a regex: %s'
                                % (where, regex, exc))
        skips.append(Skip(regex, reason, where))
    return skips


def load_file(path):
    with open(path) as skip_file:
        return parse(skip_file.read(), os.path.relpath(path))


def for_backend(backend, skips_dir=SKIPS_DIR):
    """The common skips, the protocol's and the backend's own.

    A backend is named ``<vendor>-<protocol>`` (``ise-fc``) or just
    ``<vendor>`` (``sds``); the protocol and backend files may be absent.
    The common file must exist: a missing directory means a broken install,
    not "nothing to skip".
    """
    common = os.path.join(skips_dir, COMMON + '.txt')
    if not os.path.exists(common):
        raise SkipListError('%s is missing' % common)
    skips = load_file(common)
    names = [backend]
    if '-' in backend:
        names.insert(0, backend.rsplit('-', 1)[1])
    for name in names:
        path = os.path.join(skips_dir, name + '.txt')
        if os.path.exists(path):
            skips += load_file(path)
    return skips


def write_exclude_list(skips, path):
    """One file for ``tempest run --exclude-list``, reasons kept."""
    with open(path, 'w') as out:
        for skip in skips:
            out.write('%s  # %s\n' % (skip.regex, skip.reason))
    return path
