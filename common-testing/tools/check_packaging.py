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
   the package, that the wheel requires everything in requirements.txt
   and that cinder is not an install requirement;
3. makes a fresh virtualenv that sees cinder (the environment running this
   script, through a .pth file) and none of our other packages, installs
   the wheel into it with common-testing/constraints.txt, then imports
   each of its packages and loads every oslo.config.opts entry point
   (list_opts() must return options);
4. checks that plain install brought only the driver's runtime libraries
   (no common-testing, no new or changed cinder/os-brick, no test library)
   and that every console script it declares runs ``--help`` (exit 0);
5. checks that no console script is named like a vendor's own tool and
   that no two scripts are one program under two names;
6. installs the package's extras (``simulator`` pulls common-testing,
   taken from the wheel built here) and loads every console script;
7. installs ``<wheel>[simulator]`` into a fresh virtualenv WITHOUT cinder,
   proves cinder is not importable there and the simulator kit (its tgtd
   export included) is, starts ``<dist>-simulator`` on a
   loopback address and a free port, waits for its READY line
   (common_testing.simkit.process), makes one protocol request and stops
   it by PID.

Steps 4, 5 and 7 are issue 15's install rules (D1).

The running environment must have cinder and ``build`` installed and none of
our packages (tox -e packaging). Exits 1 naming each package that failed.
"""

import argparse
import configparser
import glob
import json
import os
import re
import socket
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(TOOLS))
CONSTRAINTS = os.path.join(ROOT, 'common-testing', 'constraints.txt')

# The READY line's reader, from the source tree (it needs the standard
# library only; none of our packages is installed here).
sys.path.insert(0, os.path.join(ROOT, 'common-testing'))
from common_testing.simkit import process  # noqa: E402

# Names of vendors' own host tools: no program of ours may take them.
VENDOR_TOOL_NAMES = frozenset((
    'sds_cli', 'sds-cli', 'raidcmd', 'purecli', 'purevol', 'purehost',
    'purearray', 'pureadm', 'purepgroup', 'iseadm', 'xiocli',
    'huawei-sds-simulator', 'dsware', 'fsc_cli'))

# Distributions plain install must never add next to cinder.
NOT_IN_PLAIN_INSTALL = frozenset((
    'common-testing', 'cinder', 'os-brick', 'oslotest', 'stestr',
    'testtools', 'ddt', 'fixtures', 'mock', 'hacking', 'cinderlib'))

# How to start each simulator for step 7: ``setup`` (arguments of a run of
# the script that must exit 0 first, or None), ``args``, ``env`` (secrets the
# simulator takes from its environment) and one protocol ``request``:
# ('http', path) or ('https', path) expects any HTTP answer, ('ssh',) an SSH
# banner, ('tcp',) an accepted connection.  {address}, {port}, {state_dir}
# and {work_dir} are filled in.
SIMULATORS = {
    'pure-cinder': {
        'args': ['--listen', '{address}', '--port', '{port}',
                 '--state-dir', '{state_dir}', '--http'],
        'env': {'PURE_SIM_API_TOKEN': 'check-packaging-token'},
        'request': ('http', '/api/api_version')},
    'xio-cinder': {
        'args': ['--listen', '{address}', '--port', '{port}',
                 '--state-dir', '{state_dir}'],
        'env': {'XIO_SIM_PASSWORD': 'check-packaging-password'},
        'request': ('http', '/query')},
    'infortrend-cinder': {
        'setup': ['init', '--state-dir', '{state_dir}', '--san-ip',
                  '{address}'],
        'args': ['ssh', '--state-dir', '{state_dir}', '--listen',
                 '{address}', '--port', '{port}', '--host-key',
                 '{work_dir}/host_key'],
        'request': ('ssh',)},
    'huawei-sds-cinder': {
        'args': ['--listen', '{address}', '--port', '{port}',
                 '--state-dir', '{state_dir}'],
        'request': ('tcp',)},
}
# What every [simulator] install must import: the simulator kit with its
# tgtd export plumbing (the tgtd binary itself is the host's).
SIMULATOR_KIT_MODULES = ('common_testing.simkit.export',
                         'common_testing.simkit.control',
                         'common_testing.simkit.process')
SIMULATOR_START_TIMEOUT = 60.0

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


def _name(requirement):
    """The normalized distribution name of a requirement line."""
    name = re.split(r'[\s;<>=!~\[(]', requirement.strip(), 1)[0]
    return re.sub(r'[-_.]+', '-', name).lower()


def _requirement_names(package_dir):
    """Names in the package's requirements.txt (install requirements)."""
    path = os.path.join(package_dir, 'requirements.txt')
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = [line.split('#', 1)[0].strip() for line in f]
    return [_name(line) for line in lines if line and line[0] != '-']


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


def make_venv(venv_dir, with_cinder=True):
    """A fresh virtualenv; with_cinder: it also sees this env's cinder."""
    run([sys.executable, '-m', 'venv', venv_dir])
    python = os.path.join(venv_dir, 'bin', 'python')
    if not with_cinder:
        return python
    site = run([python, '-c',
                'import sysconfig; print(sysconfig.get_paths()["purelib"])'])
    base = {sysconfig.get_paths()['purelib'], sysconfig.get_paths()['platlib']}
    with open(os.path.join(site.strip(), 'cinder-base.pth'), 'w') as f:
        f.write(''.join(p + '\n' for p in sorted(base)))
    return python


def metadata_dir(python, name):
    """The installed .dist-info of ``name`` in the venv of ``python``."""
    return run([python, '-c', 'import importlib.metadata as m, sys; '
                'print(m.distribution(sys.argv[1])._path)', name]).strip()


def console_scripts(dist_info):
    """{script name: entry point} from an installed entry_points.txt."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(os.path.join(dist_info, 'entry_points.txt'))
    if not parser.has_section('console_scripts'):
        return {}
    return dict(parser.items('console_scripts'))


def check_plain_install(python, name):
    """Plain install next to cinder: only the driver's runtime libraries."""
    site = run([python, '-c', 'import sysconfig; '
                'print(sysconfig.get_paths()["purelib"])']).strip()
    listed = json.loads(run([python, '-m', 'pip', 'list', '--format=json',
                             '--path', site]))
    added = {d['name'].lower().replace('_', '-') for d in listed}
    added.discard(name)
    unwanted = sorted(added & NOT_IN_PLAIN_INSTALL)
    if unwanted:
        return ['plain install added %s next to cinder (only the driver\'s '
                'runtime libraries belong there)' % ', '.join(unwanted)]
    return []


def check_scripts_help(venv_dir, scripts):
    """Every console script runs --help from a plain install (exit 0)."""
    problems = []
    for script in sorted(scripts):
        path = os.path.join(venv_dir, 'bin', script)
        result = subprocess.run([path, '--help'], capture_output=True,
                                text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
        if result.returncode:
            last = (result.stderr or result.stdout).strip().splitlines()
            problems.append('%s --help from a plain install exits %d: %s'
                            % (script, result.returncode,
                               last[-1] if last else '(no output)'))
    return problems


def check_script_names(name, scripts):
    """No vendor tool's name; one name per program; simulator's name."""
    problems = ['console script %s takes the name of a vendor\'s own tool'
                % script for script in sorted(scripts)
                if script.lower() in VENDOR_TOOL_NAMES]
    by_target = {}
    for script, target in scripts.items():
        by_target.setdefault(target.strip(), []).append(script)
    problems += ['one program under several names: %s (%s)'
                 % (', '.join(sorted(names)), target)
                 for target, names in sorted(by_target.items())
                 if len(names) > 1]
    problems += ['console script %s is not named %s-simulator'
                 % (script, name) for script in sorted(scripts)
                 if 'simulator' in script and script != name + '-simulator']
    return problems


def _free_port(address):
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def _protocol_request(kind, address, port):
    """One request in the simulator's protocol; returns what answered."""
    if kind[0] in ('http', 'https'):
        import http.client
        import ssl
        if kind[0] == 'https':
            conn = http.client.HTTPSConnection(
                address, port, timeout=10,
                context=ssl._create_unverified_context())
        else:
            conn = http.client.HTTPConnection(address, port, timeout=10)
        try:
            conn.request('GET', kind[1])
            return 'HTTP %d on GET %s' % (conn.getresponse().status,
                                          kind[1])
        finally:
            conn.close()
    with socket.create_connection((address, port), timeout=10) as sock:
        if kind[0] == 'ssh':
            banner = sock.recv(256)
            if not banner.startswith(b'SSH-2.0'):
                raise OSError('no SSH banner, got %r' % banner[:40])
            return banner.decode(errors='replace').strip()
        return 'TCP connection accepted'


def check_simulator(name, wheel, links, work_dir):
    """[simulator] without cinder: a simulator that starts and answers."""
    python = make_venv(os.path.join(work_dir, 'venv'), with_cinder=False)
    try:
        run([python, '-m', 'pip', 'install', '--quiet', '-c', CONSTRAINTS]
            + links + ['%s[simulator]' % wheel])
    except PackagingError as exc:
        return ['[simulator] does not install without cinder: %s'
                % str(exc)[-500:]]
    problems = []
    imports = subprocess.run([python, '-c', 'import cinder'],
                             capture_output=True, timeout=60)
    if imports.returncode == 0:
        problems.append('[simulator] installed cinder (import cinder works)')
    kit = subprocess.run(
        [python, '-c', 'import importlib, sys\n'
         'for name in sys.argv[1:]: importlib.import_module(name)']
        + list(SIMULATOR_KIT_MODULES), capture_output=True, text=True,
        timeout=60)
    if kit.returncode:
        last = kit.stderr.strip().splitlines()
        problems.append('[simulator] cannot import the simulator kit (%s): '
                        '%s' % (', '.join(SIMULATOR_KIT_MODULES),
                                last[-1] if last else '(no output)'))
    script = os.path.join(work_dir, 'venv', 'bin', name + '-simulator')
    if not os.path.exists(script):
        return problems + ['no console script %s-simulator' % name]
    recipe = SIMULATORS[name]
    address = '127.0.0.1'
    port = _free_port(address)
    state_dir = os.path.join(work_dir, 'state')
    os.makedirs(state_dir)
    values = dict(address=address, port=port, state_dir=state_dir,
                  work_dir=work_dir)
    env = dict(os.environ, **recipe.get('env', {}))
    if recipe.get('setup'):
        setup = [script] + [a.format(**values) for a in recipe['setup']]
        done = subprocess.run(setup, capture_output=True, text=True,
                              timeout=120, env=env,
                              stdin=subprocess.DEVNULL)
        if done.returncode:
            return problems + ['%s exits %d: %s' % (
                ' '.join(setup), done.returncode,
                (done.stderr or done.stdout).strip()[-500:])]
    command = [script] + [a.format(**values) for a in recipe['args']]
    popen = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
    try:
        info = process.wait_ready(popen, SIMULATOR_START_TIMEOUT,
                                  name + '-simulator')
        answer = _protocol_request(recipe['request'],
                                   info.get('address', address),
                                   int(info.get('port', port)))
        print('%s-simulator without cinder: ready (pid %s), %s; tgtd '
              'export plumbing imports' % (name, info.get('pid'), answer))
    except (process.NotReady, OSError, ValueError) as exc:
        problems.append('%s: %s' % (' '.join(command), exc))
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, 15)
            try:
                popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, 9)
                popen.wait()
        popen.stdout.close()
    return problems


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
    missing = sorted(set(_requirement_names(package_dir))
                     - {_name(r) for r in requires if 'extra ==' not in r})
    if missing:
        raise PackagingError('the wheel does not require %s (from '
                             'requirements.txt): its sdist lost the file?'
                             % ', '.join(missing))
    if name == 'common-testing':
        # The kit's `cinder` extra is for test environments only.
        requires = [r for r in requires if 'extra == "cinder"' not in r]
    if any(_name(r) == 'cinder' for r in requires):
        raise PackagingError('cinder is an install requirement (%s); it '
                             'must only be a test dependency' % requires)

    python = make_venv(os.path.join(work_dir, 'venv'))
    pip = [python, '-m', 'pip', 'install', '--quiet', '-c', CONSTRAINTS]
    run(pip + [wheel])
    probe = [python, '-c', PROBE, name, json.dumps(modules)]
    report = json.loads(run(probe + ['no-scripts']).splitlines()[-1])
    scripts = console_scripts(metadata_dir(python, name))
    problems = []
    if name != 'common-testing':     # the kit itself is no driver
        problems += check_plain_install(python, name)
    problems += check_scripts_help(os.path.join(work_dir, 'venv'), scripts)
    problems += check_script_names(name, scripts)
    links = [arg for d in find_links + [out_dir]
             for arg in ('--find-links', d)]
    if 'simulator' in extras:
        problems += check_simulator(name, wheel, links,
                                    os.path.join(work_dir, 'sim'))
    report['d1_problems'] = problems
    if extras:
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
            problems = report.get('d1_problems', [])
            for problem in problems:
                print('%s: FAILED: %s' % (rel, problem), file=sys.stderr)
            if problems:
                failed.append(rel)
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
