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

"""Run the conformance scenarios and print a table of what happened.

``python -m common_testing.demo`` runs them against the kit's reference
backend (a real driver, a simulated array, real iSCSI through tgtd) and
exits non-zero if any failed.  ``run_table(test_case_class)`` and
``format_table`` are what other demos reuse for other drivers.
"""

import argparse
import logging
import re
import sys
import time
import unittest

PASS = 'ok'
FAIL = 'FAILED'
ERROR = 'ERROR'


def operation_name(test):
    """A readable scenario name from a test id (ddt suffix in brackets).

    'test_clone_has_the_source_data_2_2' -> 'clone has the source data (2)'
    """
    name = test.id().rsplit('.', 1)[-1]
    name = re.sub(r'^test_', '', name)
    match = re.match(r'^(.*)_\d+_(.+)$', name)
    if match:
        return '%s (%s)' % (match.group(1).replace('_', ' '),
                            match.group(2).replace('_', ' '))
    return name.replace('_', ' ')


class TableResult(unittest.TestResult):
    """Collects (operation, result, seconds, detail) rows as tests end."""

    def __init__(self, stream=None):
        super().__init__()
        self.rows = []
        self.stream = stream
        self._started = None

    def startTest(self, test):
        super().startTest(test)
        self._started = time.monotonic()

    def _row(self, test, outcome, detail=''):
        seconds = time.monotonic() - self._started
        self.rows.append((operation_name(test), outcome, seconds, detail))
        if self.stream is not None:
            self.stream.write('%-8s %6.1fs  %s\n' % (
                outcome, seconds, operation_name(test)))
            self.stream.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._row(test, PASS)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._row(test, FAIL, self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self._row(test, ERROR, self.errors[-1][1])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._row(test, 'skipped', reason)


def format_table(rows, headers=('operation', 'result', 'seconds')):
    """Rows of (operation, result, seconds[, ...]) as an aligned table."""
    cells = [tuple(headers)] + [
        (str(row[0]), str(row[1]), '%.1f' % row[2]) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(3)]
    rule = '-+-'.join('-' * width for width in widths)
    lines = [rule]
    for index, row in enumerate(cells):
        lines.append(' | '.join([row[0].ljust(widths[0]),
                                 row[1].ljust(widths[1]),
                                 row[2].rjust(widths[2])]))
        if index == 0:
            lines.append(rule)
    lines.append(rule)
    return '\n'.join(lines)


def run_table(test_case_class, pattern=None, progress=None):
    """Run the tests of ``test_case_class`` (matching ``pattern``)."""
    suite = unittest.TestLoader().loadTestsFromTestCase(test_case_class)
    if pattern:
        suite = unittest.TestSuite(
            test for test in suite if re.search(pattern, test.id()))
    result = TableResult(progress)
    suite.run(result)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Run the driver conformance scenarios against the '
                    'reference backend and print a table.')
    parser.add_argument('-k', '--pattern',
                        help='only scenarios whose test id matches')
    parser.add_argument('-v', '--verbose', action='store_true',
                        help='print each scenario as it ends, and the '
                             'details of failures')
    args = parser.parse_args(argv)
    # The scenarios log at DEBUG (logcheck reads every record); keep the
    # table readable.
    logging.getLogger().addHandler(logging.NullHandler())

    from common_testing.tests import test_conformance
    result = run_table(test_conformance.TestReferenceConformance,
                       args.pattern, sys.stderr if args.verbose else None)
    print(format_table(result.rows))
    failed = [row for row in result.rows if row[1] in (FAIL, ERROR)]
    print('%d scenarios, %d failed' % (len(result.rows), len(failed)))
    if args.verbose:
        for operation, _outcome, _seconds, detail in failed:
            print('\n== %s ==\n%s' % (operation, detail))
    return 1 if failed or not result.rows else 0


if __name__ == '__main__':
    sys.exit(main())
