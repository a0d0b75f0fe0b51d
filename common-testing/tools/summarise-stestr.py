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

"""Add up the latest stestr run of each package into one closing line.

Usage: summarise-stestr.py SUBUNIT_BIN_DIR STARTED_EPOCH DIR [DIR ...]

stestr's file repository keeps each run as a subunit v1 stream, so it is
converted to v2 (subunit-1to2) before subunit-stats counts it.

Every run newer than STARTED_EPOCH counts (several tox environments may
run stestr in one directory), and only those, so a stale .stestr repository
from an earlier run cannot pass for this one. Exits 1 when any test failed
or a listed package's suite did not run at all.
"""

import os
import subprocess
import sys


def runs_since(repo_dir, started):
    """Subunit streams a stestr repository gained since ``started``.

    Several tox environments may run stestr in one directory (common-testing
    and fullstack do), so every run of this invocation counts, not only the
    last one.
    """
    stestr_dir = os.path.join(repo_dir, '.stestr')
    if not os.path.isdir(stestr_dir):
        return []
    paths = [os.path.join(stestr_dir, name)
             for name in os.listdir(stestr_dir) if name.isdigit()]
    return sorted(path for path in paths if os.path.getmtime(path) >= started)


def stats(subunit_bin, stream_path):
    with open(stream_path, 'rb') as stream:
        v2 = subprocess.run([os.path.join(subunit_bin, 'subunit-1to2')],
                            stdin=stream, capture_output=True,
                            check=True).stdout
    # subunit-stats exits 1 when the stream holds a failure: read its
    # counts either way.
    out = subprocess.run([os.path.join(subunit_bin, 'subunit-stats'),
                          '--no-passthrough'], input=v2,
                         capture_output=True).stdout.decode()
    counts = {}
    for line in out.splitlines():
        key, _, value = line.partition(':')
        if value.strip().isdigit():
            counts[key.strip().lower()] = int(value)
    return (counts.get('passed tests', 0), counts.get('failed tests', 0),
            counts.get('skipped tests', 0))


def main(argv):
    subunit_bin, started, dirs = argv[1], float(argv[2]), argv[3:]
    total = [0, 0, 0]
    missing = []
    for package_dir in dirs:
        runs = runs_since(package_dir, started)
        if not runs:
            missing.append(package_dir)
            continue
        counts = [stats(subunit_bin, run) for run in runs]
        passed, failed, skipped = (sum(column) for column in zip(*counts))
        print('%-20s %d passed, %d failed, %d skipped'
              % (package_dir + ':', passed, failed, skipped))
        total = [total[0] + passed, total[1] + failed, total[2] + skipped]
    for package_dir in missing:
        print('%-20s suite did not run' % (package_dir + ':'))
    print('tests: %d passed, %d failed, %d skipped' % tuple(total))
    return 1 if total[1] or missing else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
