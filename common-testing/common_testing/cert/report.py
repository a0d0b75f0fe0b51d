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
"""The certification report, from the run's subunit stream.

``parse`` reads a subunit v2 stream (``tempest last --subunit``) into one
``Result`` per test; ``Summary`` counts them and groups skips by reason;
``text_report`` is the artefact kept next to the stream and ``rst_table``
the table for the vendor README, which ``update_readme`` puts between the
``.. begin certification: <backend>`` / ``.. end certification: <backend>``
markers of a README.
"""

import collections
import dataclasses
import io
import re

import subunit
import testtools

PASSED = ('success', 'xfail')
SKIPPED = ('skip',)
NOT_RESULTS = ('exists',)   # a listing, not an outcome
_ATTRS = re.compile(r'\[[^\]]*\]$')
# Why Tempest's own skip reasons hold in this deployment (the table says it
# next to Tempest's terse reason). First match wins.
SKIP_CONTEXT = [
    ('Neutron is not available',
     'the class attaches volumes to Nova servers on a Neutron network; '
     'no Nova or Neutron here (compute tests are out of scope)'),
    ('compute service is not available',
     'needs Nova; no compute service here (out of scope)'),
    ('multi-attach is not available',
     "gated by Nova's volume_multiattach; no Nova here"),
    ('backup feature disabled', 'no cinder-backup service deployed'),
    ('multi-backend feature disabled', 'one backend per certification run'),
    ('replication feature disabled', 'the driver offers no replication'),
    ('Manage volume tests are disabled',
     'manage_volume is off in tempest.conf: the driver implements no '
     'manage, or names what it unmanages in a way Tempest cannot (its '
     'manage_volume_ref puts the whole volume id into the name); the '
     "vendor's suite and the demo test unmanage and manage"),
    ('consistency group feature disabled',
     'the legacy consistency-group API; generic groups, which replace it, '
     'run'),
]


def skip_context(reason):
    """Why Tempest's skip ``reason`` holds here, or ''."""
    for marker, why in SKIP_CONTEXT:
        if marker in reason:
            return why
    return ''


@dataclasses.dataclass
class Result:
    test_id: str
    status: str
    seconds: float
    reason: str = ''        # skip reason or the failure's traceback

    @property
    def name(self):
        """The id without Tempest's ``[id-...,smoke]`` attributes."""
        return _ATTRS.sub('', self.test_id)


def _text(content):
    return b''.join(bytes(chunk) for chunk in content.iter_bytes()).decode(
        'utf-8', 'replace')


def parse(stream):
    """[Result] from a subunit v2 byte stream (file object or bytes)."""
    if isinstance(stream, bytes):
        stream = io.BytesIO(stream)
    results = []

    def on_test(test):
        if test['status'] in NOT_RESULTS:
            return
        details = test['details']
        if 'reason' in details:
            reason = _text(details['reason'])
        elif 'traceback' in details:
            reason = _text(details['traceback'])
        else:
            reason = ''
        start, stop = test['timestamps']
        seconds = (stop - start).total_seconds() if start and stop else 0.0
        results.append(Result(test['id'], test['status'], seconds,
                              reason.strip()))

    case = subunit.ByteStreamToStreamResult(stream, non_subunit_name='stdout')
    collector = testtools.StreamToDict(on_test)
    collector.startTestRun()
    try:
        case.run(collector)
    finally:
        collector.stopTestRun()
    return results


@dataclasses.dataclass
class Summary:
    backend: str
    results: list
    excluded: list              # skiplist.Skip entries of the run
    date: str                   # ISO date of the run
    versions: dict              # distribution -> version
    seconds: float = 0.0
    commit: str = 'unknown'     # the repository commit the code came from

    @property
    def passed(self):
        return [r for r in self.results if r.status in PASSED]

    @property
    def skipped(self):
        return [r for r in self.results if r.status in SKIPPED]

    @property
    def failed(self):
        return [r for r in self.results
                if r.status not in PASSED + SKIPPED]

    @property
    def ok(self):
        return bool(self.results) and not self.failed

    def skip_reasons(self):
        """[(reason, count)], most frequent first."""
        counts = collections.Counter(r.reason or '(no reason given)'
                                     for r in self.skipped)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def text_report(summary):
    lines = ['Certification run: %s' % summary.backend,
             'Date: %s' % summary.date,
             'Commit: %s' % summary.commit,
             'Duration: %.0f s' % summary.seconds]
    lines += ['%s: %s' % item for item in sorted(summary.versions.items())]
    lines += ['',
              'Tests run: %d  passed: %d  skipped: %d  failed: %d'
              % (len(summary.results), len(summary.passed),
                 len(summary.skipped), len(summary.failed)),
              'Result: %s' % ('PASSED' if summary.ok else 'FAILED'), '']
    if summary.failed:
        lines.append('Failed:')
        for result in summary.failed:
            lines.append('  %s (%s)' % (result.name, result.status))
            lines += ['    ' + line
                      for line in result.reason.splitlines()[-15:]]
        lines.append('')
    lines.append('Skipped by Tempest (reason: tests):')
    for reason, count in summary.skip_reasons():
        lines.append('  %4d  %s' % (count, reason))
        if skip_context(reason):
            lines.append('        (%s)' % skip_context(reason))
    lines.append('')
    lines.append('Excluded by the skip list (regex: reason):')
    for skip in summary.excluded:
        lines.append('  %s: %s  [%s]' % (skip.regex, skip.reason,
                                         skip.source))
    if not summary.excluded:
        lines.append('  none')
    lines.append('')
    lines.append('Every test:')
    for result in sorted(summary.results, key=lambda r: r.name):
        lines.append('  %-8s %6.1fs  %s' % (result.status, result.seconds,
                                            result.name))
    return '\n'.join(lines) + '\n'


def _simple_table(header, rows):
    """An RST simple table; cells are single lines."""
    rows = [[str(cell).replace('\n', ' ') for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in rows))
              if rows else len(str(h)) for i, h in enumerate(header)]
    rule = '  '.join('=' * width for width in widths)

    def line(cells):
        return '  '.join(cell.ljust(width)
                         for cell, width in zip(cells, widths)).rstrip()

    return '\n'.join([rule, line(header), rule]
                     + [line(row) for row in rows] + [rule])


def rst_table(summary):
    """The README section: totals, versions, skips with their reasons."""
    title = 'Certification: %s' % summary.backend
    versions = ', '.join('%s %s' % item
                         for item in sorted(summary.versions.items()))
    totals = _simple_table(['Item', 'Value'], [
        ['Result', 'passed' if summary.ok else 'FAILED'],
        ['Tests run', len(summary.results)],
        ['Passed', len(summary.passed)],
        ['Skipped', len(summary.skipped)],
        ['Failed', len(summary.failed)],
        ['Excluded by skip list', len(summary.excluded)],
        ['Date', summary.date],
        ['Commit', summary.commit],
        ['Tempest time', '%.0f s' % summary.seconds],
        ['Versions', versions],
    ])
    parts = [title, '~' * len(title), '',
             'Generated by ``python -m common_testing.cert %s`` from the '
             "run's subunit stream (Tempest ``^tempest.api.volume`` and "
             '``^cinder_tempest_plugin.api.volume``); do not edit by hand.'
             % summary.backend, '', totals, '']
    reasons = summary.skip_reasons()
    if reasons:
        parts += ['Skipped by Tempest:', '',
                  _simple_table(['Tests', 'Reason', 'Why it holds here'],
                                [[count, reason, skip_context(reason)]
                                 for reason, count in reasons]), '']
    if summary.excluded:
        parts += ['Excluded by the skip list:', '',
                  _simple_table(['Regex', 'Reason'],
                                [['``%s``' % skip.regex, skip.reason]
                                 for skip in summary.excluded]), '']
    if summary.failed:
        parts += ['Failed:', ''] + ['- ``%s``' % result.name
                                    for result in summary.failed] + ['']
    return '\n'.join(parts)


def _section(text, backend):
    begin = '.. begin certification: %s' % backend
    end = '.. end certification: %s' % backend
    start = text.find(begin)
    stop = text.find(end)
    if start < 0 or stop < start:
        raise ValueError('README has no "%s" ... "%s" section'
                         % (begin, end))
    return begin, start, stop


def readme_table(text, backend):
    """What the backend's README section holds, without the markers."""
    begin, start, stop = _section(text, backend)
    return text[start + len(begin):stop].strip()


def certified_commit(text, backend):
    """The commit in the backend's README table, or None.

    None when the section holds no table yet or the run was made from a
    working tree with uncommitted changes (no commit names its code).
    """
    match = re.search(r'^Commit +([0-9a-f]{7,40})\s*$',
                      readme_table(text, backend), re.MULTILINE)
    return match.group(1) if match else None


def update_readme(text, backend, table):
    """``text`` with the backend's marked section replaced by ``table``.

    Raises ValueError naming the missing marker: a README without the
    markers is not silently left stale.
    """
    begin, start, stop = _section(text, backend)
    return (text[:start] + begin + '\n\n' + table.rstrip('\n') + '\n\n'
            + text[stop:])
