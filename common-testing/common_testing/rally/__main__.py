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
"""python -m common_testing.rally: the full stack under Rally.

For each backend in turn (the null backend first, the baseline): Keystone
and the certification stack with only that backend, its block-storage
endpoints, a Rally environment on Keystone's admin, and the task of
``task.py`` (six cinder scenarios, ``--times`` iterations at
``--concurrency``, status polled every ``--poll`` s); then the stack
stops.  Writes to ``--output``: ``report.html`` (Rally's report of every
backend's task, self-contained), ``rally.rst`` (the README table), and per
backend ``<backend>/report.json``, ``<backend>/report.html``, the Rally
output and the stack's logs; with ``--profile``, py-spy's samples of
cinder-volume (``<backend>/cinder-volume.txt``, collapsed stacks, and
``cinder-volume-top.txt``, the functions where the samples were).

Exit status: 0 every iteration passed, 1 an iteration failed, 2 the run
did not happen.
"""

import argparse
import collections
import datetime
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys

from common_testing.cert import __main__ as cert_main
from common_testing.cert import identity
from common_testing.fullstack import processes
from common_testing.rally import rally_env
from common_testing.rally import report
from common_testing.rally import stack as rally_stack
from common_testing.rally import task as rally_task

TASK_TIMEOUT = 3 * 3600
RALLY_TIMEOUT = 600
# The Keystone user and project the scenarios run as.
USER = 'rally'


def backend_vendors():
    """{backend section: Backend}: the null backend and the vendors'."""
    found = {rally_stack.NULL: rally_stack.NullBackend()}
    found.update(cert_main.backend_vendors())
    return found


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m common_testing.rally',
        description="rally-openstack's cinder scenarios against the full "
                    'stack behind Keystone, per backend and on the null '
                    'backend.')
    parser.add_argument('--backends', default=None,
                        help='comma-separated backend sections (default: '
                             'null and every installed vendor backend); '
                             'null is always measured too')
    parser.add_argument('--output', default='.rally-results')
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--times', type=int, default=100,
                        help='iterations of each scenario')
    parser.add_argument('--poll', type=float, default=0.1,
                        help='seconds between Rally status polls')
    parser.add_argument('--keystone-bin', default=None,
                        help='bin directory holding keystone-manage and '
                             'gunicorn (default: this Python\'s)')
    parser.add_argument('--profile', action='store_true',
                        help='sample cinder-volume with py-spy during '
                             'each task')
    parser.add_argument('--report-only', action='store_true',
                        help='measure nothing: the table and report.html '
                             'from the backends\' report.json already in '
                             '--output')
    parser.add_argument('--readme', default=None,
                        help='README.rst whose rally section gets the '
                             'table')
    return parser.parse_args(argv)


def chosen_backends(wanted, known):
    """The backends to measure, null first; ValueError names unknowns."""
    names = ([name.strip() for name in wanted.split(',') if name.strip()]
             if wanted else sorted(known))
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError('unknown backend %s; known: %s'
                         % (', '.join(unknown), ', '.join(sorted(known))))
    rest = [name for name in names if name != rally_stack.NULL]
    return [rally_stack.NULL] + sorted(set(rest), key=rest.index)


class Rally(object):
    """The venv's rally command on the run's own configuration.

    The run's own database and HOME too (rally keeps its default
    environment there).
    """

    def __init__(self, venv, output, poll):
        self.bin = os.path.join(venv, 'bin', 'rally')
        self.home = os.path.join(output, 'rally-home')
        os.makedirs(self.home, exist_ok=True)
        self.conf = os.path.join(output, 'rally.conf')
        database = os.path.join(output, 'rally.sqlite')
        if os.path.exists(database):
            os.unlink(database)
        from common_testing.fullstack import stack as stack_mod
        stack_mod.write_ini(self.conf, rally_task.config(database, poll))
        self('db', 'create')

    def __call__(self, *args, log=None, timeout=RALLY_TIMEOUT):
        command = [self.bin, '--config-file', self.conf] + list(args)
        env = dict(os.environ, HOME=self.home)
        if log:
            with open(log, 'ab') as out:
                done = subprocess.run(command, stdout=out,
                                      stderr=subprocess.STDOUT, env=env,
                                      timeout=timeout)
            output = ''
        else:
            done = subprocess.run(command, capture_output=True, text=True,
                                  env=env, timeout=timeout)
            output = done.stdout + done.stderr
        if done.returncode != 0:
            raise RuntimeError('rally %s exited %d: %s' % (
                ' '.join(args[:2]), done.returncode,
                output[-2000:] or 'see %s' % log))
        return done.stdout if not log else None

    def task_uuids(self, env):
        out = self('task', 'list', '--uuids-only', '--env', env)
        return [line.strip() for line in out.splitlines() if line.strip()]


class Profiler(object):
    """py-spy record of cinder-volume and its backend process."""

    def __init__(self, pid, path):
        self.path = path
        py_spy = shutil.which('py-spy') or os.path.join(
            os.path.dirname(sys.executable), 'py-spy')
        self.log = open(path + '.log', 'wb')
        self.popen = subprocess.Popen(
            [py_spy, 'record', '--pid', str(pid), '--subprocesses',
             '--rate', '25', '--format', 'raw', '--output', path],
            stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self.log.close()


def top_frames(collapsed, limit=25):
    """Text: the innermost frames holding most of py-spy's samples."""
    counts = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _sep, count = line.rpartition(' ')
        if not stack or not count.isdigit():
            continue
        total += int(count)
        counts[stack.split(';')[-1]] += int(count)
    lines = ['%d samples' % total]
    for frame, count in counts.most_common(limit):
        lines.append('%5.1f%%  %s' % (100.0 * count / max(total, 1), frame))
    return '\n'.join(lines) + '\n'


def html_report(rally, tasks, path, progress):
    """Rally's self-contained HTML report of ``tasks`` at ``path``.

    ``tasks`` are uuids or JSON report files. A task that did not finish
    has no statistics, and Rally then writes no report: said, not fatal
    (report.json has the data).
    """
    try:
        rally(*(['task', 'report'] + list(tasks) + [
            '--html-static', '--out', path]))
    except RuntimeError as exc:
        progress('no HTML report %s: %s' % (path, exc))


def measure(backend, vendor, args, rally, progress):
    """Stand the backend's stack up, run the task; its task uuid."""
    out = os.path.join(args.output, backend)
    if os.path.exists(out):
        shutil.rmtree(out)
    run_dir = os.path.join(out, 'stack')
    keystone = identity.Keystone(run_dir, bin_dir=args.keystone_bin)
    started = []
    try:
        progress('%s: Keystone' % backend)
        keystone.setUp()
        started.append(keystone)
        stack = rally_stack.RallyStack(
            backend, vendor, keystone, run_dir=run_dir,
            progress=lambda m: progress('%s: starting %s' % (backend, m)))
        stack.setUp()
        started.append(stack)
        for service_type, name in (('block-storage', 'cinder'),
                                   ('volumev3', 'cinderv3')):
            keystone.endpoint(service_type, name, stack.api_url)
        password = secrets.token_urlsafe(16)
        keystone.user(USER, password, USER, ['member'])
        stack.client().quotas.update(keystone.project(USER), volumes=-1,
                                     snapshots=-1, gigabytes=-1)
        spec = os.path.join(out, 'env.json')
        fd = os.open(spec, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as env_file:
            json.dump(rally_task.environment(
                keystone.uri_v3, keystone.admin_password, identity.REGION,
                USER, password), env_file)
        try:
            rally('env', 'create', '--name', backend, '--spec', spec)
        finally:
            os.unlink(spec)
        task_file = os.path.join(out, 'task.json')
        with open(task_file, 'w') as task_out:
            json.dump(rally_task.task('cinder on %s' % backend, args.times,
                                      args.concurrency), task_out,
                      indent=2)
        profiler = None
        if args.profile:
            profiler = Profiler(stack.cinder_processes[-1].popen.pid,
                                os.path.join(out, 'cinder-volume.txt'))
        progress('%s: rally task start (%d x %d scenarios at concurrency '
                 '%d); output in %s' % (backend, args.times,
                                        len(rally_task.SCENARIOS),
                                        args.concurrency, out))
        try:
            try:
                rally('task', 'start', task_file, '--env', backend,
                      '--tag', backend,
                      log=os.path.join(out, 'rally-task.log'),
                      timeout=TASK_TIMEOUT)
            except RuntimeError:
                # A failed SLA exits non-zero too; the report tells.
                pass
        finally:
            if profiler:
                profiler.stop()
                if os.path.exists(profiler.path):
                    with open(profiler.path) as samples:
                        text = top_frames(samples.read())
                    with open(os.path.join(
                            out, 'cinder-volume-top.txt'), 'w') as top:
                        top.write(text)
        new = rally.task_uuids(backend)
        if not new:
            raise RuntimeError('rally started no task: see %s'
                               % os.path.join(out, 'rally-task.log'))
        uuid = new[-1]
        rally('task', 'report', uuid, '--json', '--out',
              os.path.join(out, 'report.json'))
        html_report(rally, [uuid], os.path.join(out, 'report.html'),
                    progress)
        return uuid
    finally:
        for fixture in reversed(started):
            try:
                fixture.cleanUp()
            except Exception as exc:
                progress('%s: cleanup: %s' % (backend, exc))


def run_info(args, results, versions):
    info = collections.OrderedDict()
    info['Date'] = datetime.datetime.now(
        datetime.timezone.utc).date().isoformat()
    info['Commit'] = cert_main.source_commit()
    info['Load'] = '%s; status polled every %g s' % (report.load(results),
                                                     args.poll)
    info['Versions'] = ', '.join('%s %s' % item for item in
                                 sorted(versions.items()))
    return info


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    known = backend_vendors()
    try:
        backends = chosen_backends(args.backends, known)
    except ValueError as exc:
        print('python -m common_testing.rally: %s' % exc, file=sys.stderr)
        return 2
    args.output = os.path.abspath(args.output)
    os.makedirs(args.output, exist_ok=True)
    progress = processes.console_progress()
    results, uuids, failed = {}, [], []
    try:
        progress('Rally virtualenv')
        venv = rally_env.ensure(log=progress)
        rally = Rally(venv, args.output, args.poll)
        for backend in backends:
            if args.report_only:
                path = os.path.join(args.output, backend, 'report.json')
                if os.path.exists(path):
                    uuids.append(path)
                    with open(path) as data:
                        results[backend] = report.workloads(json.load(data))
                continue
            try:
                uuids.append(measure(backend, known[backend], args, rally,
                                     progress))
            except Exception as exc:
                progress('%s: FAILED: %s: %s' % (backend, type(exc).__name__,
                                                 exc))
                failed.append(backend)
                continue
            with open(os.path.join(args.output, backend,
                                   'report.json')) as data:
                results[backend] = report.workloads(json.load(data))
        if uuids:
            html_report(rally, uuids, os.path.join(args.output,
                                                   'report.html'), progress)
    except KeyboardInterrupt:
        progress('interrupted')
        return 130
    except Exception as exc:
        progress('FAILED: %s: %s' % (type(exc).__name__, exc))
        return 2
    if not results:
        return 2
    versions = rally_env.versions(venv)
    versions['cinder'] = cert_main._version('cinder')
    table = report.rst_table(results, run_info(args, results, versions))
    with open(os.path.join(args.output, 'rally.rst'), 'w') as out:
        out.write(table)
    print(table)
    if args.readme:
        with open(args.readme) as readme:
            text = readme.read()
        with open(args.readme, 'w') as readme:
            readme.write(report.update_readme(text, table))
    for backend, scenario, ratio in report.below_goal(results):
        progress('%s: %s at %.2fx of the null backend (goal %.1fx)'
                 % (backend, scenario, ratio, report.GOAL))
    progress('report: %s' % os.path.join(args.output, 'report.html'))
    iterations_failed = any(w.failures for measured in results.values()
                            for w in measured)
    if failed:
        progress('not measured: %s' % ', '.join(failed))
    return 1 if (failed or iterations_failed) else 0


if __name__ == '__main__':
    sys.exit(main())
