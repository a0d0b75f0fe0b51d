#!/usr/bin/env python3
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
"""Generate each vendor package's sample configuration, or check it.

Usage: genconfig.py [--check] [--repo-root DIR] [DIR ...]

For every package directory (by default each top-level directory whose
setup.cfg declares ``oslo.config.opts`` entry points) this runs
``oslo-config-generator --namespace <ns>`` for its namespaces and compares
the result with the committed ``<dir>/etc/<dir>.conf.sample``.

Without --check the stale or missing samples are rewritten, and the exit
status is still 1 so that CI (and a developer) notices they must be
committed. With --check nothing is written. Either way each stale sample
is named and its diff printed. The packages must be installed in the
running environment (their entry points are how the generator finds them).
"""

import argparse
import configparser
import difflib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile


def opts_namespaces(package_dir):
    """The oslo.config.opts namespaces a package's setup.cfg declares."""
    setup_cfg = configparser.ConfigParser(interpolation=None)
    setup_cfg.read(os.path.join(package_dir, 'setup.cfg'))
    raw = setup_cfg.get('entry_points', 'oslo.config.opts', fallback='')
    return [line.split('=', 1)[0].strip()
            for line in raw.splitlines() if '=' in line]


def package_dirs(root):
    return [os.path.join(root, name) for name in sorted(os.listdir(root))
            if opts_namespaces(os.path.join(root, name))]


def sample_path(package_dir):
    name = os.path.basename(os.path.normpath(package_dir))
    return os.path.join(package_dir, 'etc', '%s.conf.sample' % name)


def _generator():
    beside_python = os.path.join(os.path.dirname(sys.executable),
                                 'oslo-config-generator')
    if os.path.exists(beside_python):
        return beside_python
    found = shutil.which('oslo-config-generator')
    if not found:
        raise SystemExit('oslo-config-generator not found: install '
                         'oslo.config in this environment')
    return found


def generate(package_dir):
    """The sample text oslo-config-generator produces for a package."""
    namespaces = opts_namespaces(package_dir)
    installed = {ep.name for ep in importlib.metadata.entry_points(
        group='oslo.config.opts')}
    missing = [ns for ns in namespaces if ns not in installed]
    if missing:
        # The generator would silently write an empty sample.
        raise SystemExit(
            '%s: oslo.config.opts namespace(s) %s not installed in this '
            'environment (pip install %s)' % (
                package_dir, ', '.join(missing), package_dir))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'sample.conf')
        command = [_generator(), '--output-file', out]
        for namespace in namespaces:
            command += ['--namespace', namespace]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            raise SystemExit('%s: %s failed:\n%s' % (
                package_dir, ' '.join(command), result.stderr))
        with open(out) as f:
            return f.read()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='only report stale samples; write nothing')
    parser.add_argument(
        '--repo-root', default=os.path.join(
            os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir))
    parser.add_argument('dirs', nargs='*',
                        help='package directories (default: all)')
    args = parser.parse_args(argv)
    root = os.path.abspath(args.repo_root)
    dirs = args.dirs or package_dirs(root)
    stale = []
    for package_dir in dirs:
        sample = sample_path(package_dir)
        rel = os.path.relpath(sample, root)
        wanted = generate(package_dir)
        try:
            with open(sample) as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current == wanted:
            print('%s: up to date' % rel)
            continue
        stale.append(rel)
        if current is None:
            print('%s: missing' % rel, file=sys.stderr)
        else:
            print('%s: out of date with the options in the code' % rel,
                  file=sys.stderr)
            sys.stderr.writelines(difflib.unified_diff(
                current.splitlines(True), wanted.splitlines(True),
                rel + ' (committed)', rel + ' (generated)'))
        if not args.check:
            os.makedirs(os.path.dirname(sample), exist_ok=True)
            with open(sample, 'w') as f:
                f.write(wanted)
            print('%s: rewritten; commit it' % rel, file=sys.stderr)
    return 1 if stale else 0


if __name__ == '__main__':
    sys.exit(main())
