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
"""Build every package and install each one alone next to cinder.

Usage: check_packaging.py [--no-isolation] [--keep] [DIR ...]

For each package directory (default: every top-level directory with a
setup.cfg) this

1. builds the sdist, then the wheel *from the sdist* (``python -m build``),
   so a package that only builds inside the checkout fails here;
2. checks both carry the version common-testing/tools/pkgversion.py gives
   the package, and that cinder is not an install requirement;
3. makes a fresh virtualenv that sees cinder (the environment running this
   script, through a .pth file) and none of our other packages, installs
   the wheel into it with common-testing/constraints.txt, then imports
   each of its packages and loads every oslo.config.opts entry point
   (list_opts() must return options);
4. then installs the package's extras (``simulator`` pulls common-testing,
   taken from the wheel built here) and loads every console script.

The running environment must have cinder and ``build`` installed and none of
our packages (tox -e packaging). Exits 1 naming each package that failed.
"""

import argparse
import configparser
import glob
import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(TOOLS))
CONSTRAINTS = os.path.join(ROOT, 'common-testing', 'constraints.txt')

# Run inside the package's virtualenv: everything the installed wheel
# declares must load from there.
PROBE = r'''
import importlib, importlib.metadata, json, sys
dist = importlib.metadata.distribution(sys.argv[1])
with_scripts = sys.argv[3] == "scripts"
report = {"version": dist.version, "location": str(dist.locate_file(""))}
for module in json.loads(sys.argv[2]):
    report.setdefault("modules", {})[module] = importlib.import_module(
        module).__file__
for ep in dist.entry_points:
    if ep.group == "console_scripts" and with_scripts:
        if not callable(ep.load()):
            raise SystemExit("console script %s: %s is not callable"
                             % (ep.name, ep.value))
        report.setdefault("console_scripts", []).append(ep.name)
    elif ep.group == "oslo.config.opts":
        groups = ep.load()()
        count = sum(len(list(opts)) for _group, opts in groups)
        if not count:
            raise SystemExit("oslo.config.opts %s: list_opts() returned no "
                             "options" % ep.name)
        report.setdefault("oslo.config.opts", {})[ep.name] = count
print(json.dumps(report))
'''


class PackagingError(Exception):
    pass


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True,
                            **kwargs)
    if result.returncode:
        raise PackagingError('%s failed (exit %d):\n%s%s' % (
            ' '.join(command), result.returncode, result.stdout[-3000:],
            result.stderr[-3000:]))
    return result.stdout


def package_dirs():
    return sorted(os.path.join(ROOT, d) for d in os.listdir(ROOT)
                  if os.path.isfile(os.path.join(ROOT, d, 'setup.cfg')))


def read_setup_cfg(package_dir):
    setup_cfg = configparser.ConfigParser(interpolation=None)
    setup_cfg.read(os.path.join(package_dir, 'setup.cfg'))
    name = setup_cfg.get('metadata', 'name')
    modules = setup_cfg.get('files', 'packages', fallback='').split()
    extras = setup_cfg.options('extras') if setup_cfg.has_section(
        'extras') else []
    return name, modules, extras


def expected_version(package_dir):
    env = dict(os.environ)
    if env.get('PBR_VERSION'):
        return env['PBR_VERSION']
    out = run([sys.executable, os.path.join(TOOLS, 'pkgversion.py'),
               package_dir])
    return out.split()[-1]


def build(package_dir, out_dir, isolation):
    command = [sys.executable, '-m', 'build', '--outdir', out_dir]
    if not isolation:
        command.append('--no-isolation')
    # Without --sdist/--wheel, build makes the wheel from the sdist.
    run(command + [package_dir])
    sdists = glob.glob(os.path.join(out_dir, '*.tar.gz'))
    wheels = glob.glob(os.path.join(out_dir, '*.whl'))
    if len(sdists) != 1 or len(wheels) != 1:
        raise PackagingError('expected one sdist and one wheel, got %s'
                             % os.listdir(out_dir))
    return sdists[0], wheels[0]


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as whl:
        name = next(n for n in whl.namelist()
                    if n.endswith('.dist-info/METADATA'))
        return whl.read(name).decode()


def sdist_version(sdist):
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers()
                      if m.name.count('/') == 1
                      and m.name.endswith('/PKG-INFO'))
        return _field(tar.extractfile(member).read().decode(), 'Version')[0]


def _field(metadata, field):
    prefix = field + ': '
    return [line[len(prefix):] for line in metadata.splitlines()
            if line.startswith(prefix)]


def make_venv(venv_dir):
    """A fresh virtualenv that also sees this environment's cinder."""
    run([sys.executable, '-m', 'venv', venv_dir])
    python = os.path.join(venv_dir, 'bin', 'python')
    site = run([python, '-c',
                'import sysconfig; print(sysconfig.get_paths()["purelib"])'])
    base = {sysconfig.get_paths()['purelib'], sysconfig.get_paths()['platlib']}
    with open(os.path.join(site.strip(), 'cinder-base.pth'), 'w') as f:
        f.write(''.join(p + '\n' for p in sorted(base)))
    return python


def check_package(package_dir, work_dir, isolation, find_links):
    name, modules, extras = read_setup_cfg(package_dir)
    version = expected_version(package_dir)
    out_dir = os.path.join(work_dir, 'dist')
    os.makedirs(out_dir)
    sdist, wheel = build(package_dir, out_dir, isolation)
    metadata = wheel_metadata(wheel)
    built = {'sdist': sdist_version(sdist),
             'wheel': _field(metadata, 'Version')[0]}
    for kind, got in built.items():
        if got != version:
            raise PackagingError('%s version %s, expected %s (pkgversion)'
                                 % (kind, got, version))
    requires = _field(metadata, 'Requires-Dist')
    if any(re.split(r'[\s;<>=!~\[(]', r, 1)[0].lower() == 'cinder'
           for r in requires):
        raise PackagingError('cinder is an install requirement (%s); it '
                             'must only be a test dependency' % requires)

    python = make_venv(os.path.join(work_dir, 'venv'))
    pip = [python, '-m', 'pip', 'install', '--quiet', '-c', CONSTRAINTS]
    run(pip + [wheel])
    probe = [python, '-c', PROBE, name, json.dumps(modules)]
    report = json.loads(run(probe + ['no-scripts']).splitlines()[-1])
    if extras:
        links = [arg for d in find_links for arg in ('--find-links', d)]
        run(pip + links + ['%s[%s]' % (wheel, ','.join(extras))])
    report.update(json.loads(run(probe + ['scripts']).splitlines()[-1]))
    report['extras'] = extras
    find_links.append(out_dir)
    venv_dir = os.path.join(work_dir, 'venv')
    for module, path in report.get('modules', {}).items():
        if not os.path.realpath(path).startswith(os.path.realpath(venv_dir)):
            raise PackagingError('%s imported from %s, not from the wheel'
                                 % (module, path))
    return version, report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--no-isolation', dest='isolation',
                        action='store_false',
                        help='build with this environment (needs wheel, '
                        'pbr, setuptools) instead of an isolated one')
    parser.add_argument('--keep', action='store_true',
                        help='keep the build directory and print it')
    parser.add_argument('dirs', nargs='*')
    args = parser.parse_args(argv)
    dirs = [os.path.abspath(d) for d in args.dirs] or package_dirs()
    # common-testing first: the others' simulator extra installs it.
    kit = os.path.join(ROOT, 'common-testing')
    if kit not in dirs:
        dirs.append(kit)
    dirs.sort(key=lambda d: (os.path.basename(d) != 'common-testing', d))
    ours = set()
    for package_dir in dirs:
        ours.add(read_setup_cfg(package_dir)[0])
    installed = run([sys.executable, '-m', 'pip', 'list',
                     '--format=json'])
    clash = sorted(ours & {d['name'] for d in json.loads(installed)})
    if clash:
        print('this environment already has %s installed; run in one with '
              'cinder and none of our packages (tox -e packaging)'
              % ', '.join(clash), file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix='check-packaging-')
    failed = []
    find_links = []
    try:
        for package_dir in dirs:
            rel = os.path.relpath(package_dir, ROOT)
            try:
                version, report = check_package(
                    package_dir, os.path.join(work, rel), args.isolation,
                    find_links)
            except PackagingError as exc:
                failed.append(rel)
                print('%s: FAILED: %s' % (rel, exc), file=sys.stderr)
                continue
            print('%s %s: sdist and wheel built; installed alone; imports %s;'
                  ' oslo.config.opts %s; with extras [%s]: console scripts '
                  '%s' % (
                      rel, version,
                      ', '.join(report.get('modules', {})) or '-',
                      ', '.join('%s (%d options)' % kv for kv in sorted(
                          report.get('oslo.config.opts', {}).items()))
                      or '-',
                      ','.join(report['extras']),
                      ', '.join(report.get('console_scripts', [])) or '-'))
    finally:
        if args.keep:
            print('build directory kept: %s' % work)
        else:
            subprocess.run(['rm', '-rf', work])
    if failed:
        print('packaging: %d package(s) failed: %s'
              % (len(failed), ', '.join(failed)), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
