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
"""python -m common_testing.cert <backend>: one certification run.

Brings up Keystone and the full stack with only ``<backend>`` (a backend
section of the launcher, e.g. ise-iscsi), generates tempest.conf from what
the backend supports, runs Tempest's volume API tests and
cinder-tempest-plugin's with the skip list, and writes to the output
directory: ``tempest.subunit`` (the stream), ``report.txt``,
``certification.rst`` (the README table), ``tempest.conf``,
``exclude-list.txt`` and the services' ``logs/``.  ``--readme`` also puts
the table into a README between its certification markers, and
``--results`` copies the report and the table into the repository's
``cert/results/`` as ``<backend>-report.txt`` and ``<backend>.rst``, so the
README table is committed with the run it came from.

Exit status: 0 all run tests passed, 1 a test failed, 2 the run did not
happen (stack, Keystone or Tempest setup failed).
"""

import argparse
import datetime
import importlib.metadata
import os
import shutil
import subprocess
import sys
import time

from common_testing.cert import identity
from common_testing.cert import report
from common_testing.cert import skiplist
from common_testing.cert import stack as cert_stack
from common_testing.cert import tempest_conf
from common_testing.cert import tempest_env
import common_testing.fullstack as fullstack_mod
from common_testing.fullstack import processes

REGEX = '^tempest.api.volume|^cinder_tempest_plugin.api.volume'
TEMPEST_TIMEOUT = 3 * 3600
IMAGE_SIZE = 1024 * 1024


def backend_vendors():
    """{backend section: Backend} of every vendor that declares one."""
    return {section: vendor for vendor in fullstack_mod.all_backends()
            for section in vendor.protocols}


def parse_args(argv):
    # The backends come from the installed vendor packages (entry points):
    # main() checks the name, so the command line parses without them.
    parser = argparse.ArgumentParser(
        prog='python -m common_testing.cert',
        description='Driver certification: Tempest volume API tests '
                    'against the full stack with one backend.')
    parser.add_argument('backend', metavar='BACKEND',
                        help='a backend section of an installed vendor '
                             'package (pure-iscsi, ise-fc, sds, ...)')
    parser.add_argument('--output', default=None,
                        help='artefact directory (default: '
                             'cert-results/<backend>)')
    parser.add_argument('--keystone-bin', default=None,
                        help='bin directory holding keystone-manage and '
                             'gunicorn (default: this Python\'s)')
    parser.add_argument('--skips-dir', default=skiplist.SKIPS_DIR)
    parser.add_argument('--concurrency', type=int, default=2)
    parser.add_argument('--regex', default=REGEX)
    parser.add_argument('--readme', default=None,
                        help='README.rst whose certification section for '
                             'this backend gets the generated table')
    parser.add_argument('--results', default=None,
                        help='directory that gets copies of the report and '
                             'the table as <backend>-report.txt and '
                             '<backend>.rst (the repository keeps them in '
                             'common-testing/cert/results)')
    return parser.parse_args(argv)


def _version(distribution, bin_dir=None):
    if bin_dir:
        python = os.path.join(bin_dir, 'python')
        try:
            return subprocess.run(
                [python, '-c', 'import importlib.metadata as m; '
                 'print(m.version(%r))' % distribution], check=True,
                capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return 'unknown'
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return 'unknown'


def source_commit(path='.'):
    """The commit the run's code comes from, as the README table shows it.

    The tox environment installs the packages from the working tree, so
    with uncommitted changes there no commit names the code: the table
    then says so, and CI treats the backend as not certified.
    """
    def git(*args):
        return subprocess.run(['git', '-C', path] + list(args),
                              capture_output=True, text=True, check=True,
                              timeout=60).stdout.strip()
    try:
        commit = git('rev-parse', 'HEAD')
        dirty = git('status', '--porcelain', '--untracked-files=no')
    except (OSError, subprocess.SubprocessError):
        return 'unknown (not a git checkout)'
    if dirty:
        return '%s with uncommitted changes' % commit[:12]
    return commit[:12]


def driver_class(path):
    """The driver class at ``path``, imported as cinder-volume imports it.

    cinder-volume registers cinder's versioned objects first; many driver
    modules import cinder code (the volume manager, FC zoning utils) that
    fails at import time without them.
    """
    from cinder import objects
    from oslo_utils import importutils
    objects.register_all()
    return importutils.import_class(path)


def _volume_name_format(vendor):
    """The vendor's name for an unmanaged volume as a '%s' format.

    None when the driver's naming is not a plain substitution of the id.
    """
    sample = '0d5b0b2e-1d0c-4c43-9e4f-3f4c1f1d6a77'
    template = vendor.array_name('%s')
    try:
        if template % sample == vendor.array_name(sample):
            return template
    except (TypeError, ValueError):
        pass
    return None


def publish_results(output, results_dir, backend):
    """Copy a run's report and table from ``output`` into ``results_dir``."""
    os.makedirs(results_dir, exist_ok=True)
    for name, published in (('report.txt', '%s-report.txt' % backend),
                            ('certification.rst', '%s.rst' % backend)):
        shutil.copyfile(os.path.join(output, name),
                        os.path.join(results_dir, published))


class Run(object):

    def __init__(self, args, progress):
        self.args = args
        self.progress = progress
        self.backend = args.backend
        self.vendor = backend_vendors()[self.backend]
        self.output = os.path.abspath(
            args.output or os.path.join('cert-results', self.backend))

    def prepare(self):
        os.makedirs(self.output, exist_ok=True)
        self.skips = skiplist.for_backend(self.backend, self.args.skips_dir)
        self.exclude_list = skiplist.write_exclude_list(
            self.skips, os.path.join(self.output, 'exclude-list.txt'))
        self.progress('Tempest virtualenv')
        self.tempest_venv = tempest_env.ensure(log=self.progress)

    def up(self, stack_holder):
        run_dir = os.path.join(self.output, 'stack')
        if os.path.exists(run_dir):
            shutil.rmtree(run_dir)
        self.progress('Keystone')
        self.keystone = identity.Keystone(
            run_dir, bin_dir=self.args.keystone_bin)
        self.keystone.setUp()
        stack_holder.append(self.keystone)
        self.stack = cert_stack.CertStack(
            self.backend, self.vendor, self.keystone, run_dir=run_dir,
            progress=lambda m: self.progress('starting ' + m))
        self.stack.setUp()
        stack_holder.append(self.stack)
        self.progress('catalog: block-storage %s, image %s'
                      % (self.stack.api_url, self.stack.glance_url))
        for service_type, name in (('block-storage', 'cinder'),
                                   ('volumev3', 'cinderv3')):
            self.keystone.endpoint(service_type, name, self.stack.api_url)
        self.keystone.endpoint('image', 'glance', self.stack.glance_url)
        self.image_ref = self.upload_image()

    def upload_image(self):
        """Upload a community raw image; returns its id.

        Tests that create volumes from an image need one (devstack's cirros
        image plays this part elsewhere). Community, not public: Glance
        without auth may not publicize.
        """
        import requests
        headers = {'X-Auth-Token': self.keystone.token()}
        response = requests.post(
            self.stack.glance_url + '/v2/images', headers=headers,
            json={'name': 'cert-image', 'disk_format': 'raw',
                  'container_format': 'bare', 'visibility': 'community'},
            timeout=60)
        response.raise_for_status()
        image_id = response.json()['id']
        pattern = b'cinder certification image\n'
        data = (pattern * (IMAGE_SIZE // len(pattern) + 1))[:IMAGE_SIZE]
        response = requests.put(
            self.stack.glance_url + '/v2/images/%s/file' % image_id,
            headers=dict(headers, **{
                'Content-Type': 'application/octet-stream'}),
            data=data, timeout=300)
        response.raise_for_status()
        return image_id

    def capabilities(self):
        driver_cls = driver_class(
            self.stack.sections[self.backend]['volume_driver'])
        pool = self.stack.pool_capabilities()
        caps = tempest_conf.from_driver(
            driver_cls, pool, self.backend,
            volume_name_format=_volume_name_format(self.vendor))
        if _volume_name_format(self.vendor) is None:
            # Tempest can only format the full id into the name.
            caps.manage_volume = False
        return caps

    def tempest(self, caps):
        workspace = os.path.join(self.output, 'tempest')
        if os.path.exists(workspace):
            shutil.rmtree(workspace)
        tempest = os.path.join(self.tempest_venv, 'bin', 'tempest')
        # A registry of its own: ~/.tempest's would refuse a second
        # workspace of the same name.
        registry = os.path.join(self.output, 'tempest-workspaces.yaml')
        if os.path.exists(registry):
            os.unlink(registry)
        init = subprocess.run([tempest, 'init', '--workspace-path',
                               registry, workspace], capture_output=True,
                              text=True, timeout=300)
        if init.returncode != 0:
            raise RuntimeError('tempest init failed: %s'
                               % (init.stderr or init.stdout)[-2000:])
        text = tempest_conf.render(caps, tempest_conf.Deployment(
            self.keystone.uri_v3, identity.ADMIN,
            self.keystone.admin_password, image_ref=self.image_ref))
        for path in (os.path.join(workspace, 'etc', 'tempest.conf'),
                     os.path.join(self.output, 'tempest.conf')):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, 'w') as conf:
                conf.write(text)
        stream = os.path.join(self.output, 'tempest.subunit')
        self.progress('tempest run --regex %r (concurrency %d); stream in %s'
                      % (self.args.regex, self.args.concurrency, stream))
        errors = os.path.join(self.output, 'tempest-stderr.log')
        with open(stream, 'wb') as out, open(errors, 'wb') as err:
            subprocess.run([tempest, 'run', '--subunit',
                            '--regex', self.args.regex,
                            '--exclude-list', self.exclude_list,
                            '--concurrency', str(self.args.concurrency)],
                           cwd=workspace, stdout=out, stderr=err,
                           timeout=TEMPEST_TIMEOUT)
        return stream

    def versions(self):
        found = {name: _version(name) for name in
                 ('cinder', 'glance', self.vendor.name.replace(
                     '-simulator', ''))}
        found['keystone'] = _version('keystone', self.args.keystone_bin)
        found.update(tempest_env.versions(self.tempest_venv))
        return found

    def write_report(self, stream, seconds):
        with open(stream, 'rb') as data:
            results = report.parse(data)
        summary = report.Summary(
            self.backend, results, self.skips,
            datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
            self.versions(), seconds, commit=source_commit())
        with open(os.path.join(self.output, 'report.txt'), 'w') as out:
            out.write(report.text_report(summary))
        table = report.rst_table(summary)
        with open(os.path.join(self.output, 'certification.rst'), 'w') as out:
            out.write(table)
        if self.args.readme:
            with open(self.args.readme) as readme:
                text = readme.read()
            with open(self.args.readme, 'w') as readme:
                readme.write(report.update_readme(text, self.backend, table))
        if self.args.results:
            publish_results(self.output, self.args.results, self.backend)
        return summary


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    known = sorted(backend_vendors())
    if args.backend not in known:
        print('python -m common_testing.cert: unknown backend %r; the '
              'installed vendor packages declare: %s'
              % (args.backend, ', '.join(known) or 'none'), file=sys.stderr)
        return 2
    progress = processes.console_progress()

    run = Run(args, progress)
    started_fixtures = []
    code = 2
    try:
        run.prepare()
        run.up(started_fixtures)
        caps = run.capabilities()
        progress('capabilities: %s' % caps)
        tempest_started = time.monotonic()
        stream = run.tempest(caps)
        summary = run.write_report(stream,
                                   time.monotonic() - tempest_started)
        progress('%d run, %d passed, %d skipped, %d failed; report in %s'
                 % (len(summary.results), len(summary.passed),
                    len(summary.skipped), len(summary.failed),
                    run.output))
        code = 0 if summary.ok else 1
    except KeyboardInterrupt:
        progress('interrupted')
        code = 130
    except Exception as exc:
        progress('FAILED: %s: %s' % (type(exc).__name__, exc))
    finally:
        progress('stopping')
        for fixture in reversed(started_fixtures):
            try:
                fixture.cleanUp()
            except Exception as exc:
                progress('cleanup: %s' % exc)
        progress('logs in %s' % os.path.join(run.output, 'stack', 'logs'))
    return code


if __name__ == '__main__':
    sys.exit(main())
