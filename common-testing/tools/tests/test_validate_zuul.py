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
"""Tests of validate_zuul.py; they need zuul, so they run in tox -e zuul."""

import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import validate_zuul

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(TOOLS))
VENDOR_JOBS = {
    'pure-cinder': 'cinder-backends-tox-pure-cinder',
    'xio-cinder': 'cinder-backends-tox-xio-cinder',
    'infortrend-cinder': 'cinder-backends-tox-infortrend-cinder',
    'huawei-sds-cinder': 'cinder-backends-tox-huawei-sds-cinder',
    'datera-fuel': 'cinder-backends-tox-datera-fuel',
}
PACKAGE_JOBS = set(VENDOR_JOBS.values()) | {
    'cinder-backends-tox-common-testing'}
CERT_JOBS = {
    'pure-cinder': 'cinder-backends-cert-pure-cinder',
    'xio-cinder': 'cinder-backends-cert-xio-cinder',
    'infortrend-cinder': 'cinder-backends-cert-infortrend-cinder',
    'huawei-sds-cinder': 'cinder-backends-cert-huawei-sds-cinder',
}


class RealConfigTest(unittest.TestCase):
    """The committed zuul.d/ against the committed tox.ini."""

    def test_real_zuul_d_is_valid(self):
        problems = validate_zuul.validate(REPO)
        self.assertEqual([], [str(p) for p in problems])

    def test_vendor_change_runs_only_that_vendors_package_job(self):
        for directory, job in VENDOR_JOBS.items():
            for pipeline in validate_zuul.PIPELINES:
                ran = set(validate_zuul.jobs_run_for(
                    REPO, directory + '/some_module.py', pipeline))
                self.assertEqual({job}, ran & PACKAGE_JOBS,
                                 '%s in %s' % (directory, pipeline))
                self.assertIn('cinder-backends-tox-pep8', ran)

    def test_vendor_change_certifies_only_that_vendor(self):
        for directory, job in CERT_JOBS.items():
            for pipeline in validate_zuul.PIPELINES:
                ran = set(validate_zuul.jobs_run_for(
                    REPO, directory + '/driver.py', pipeline))
                self.assertEqual({job}, ran & set(CERT_JOBS.values()),
                                 '%s in %s' % (directory, pipeline))

    def test_every_backend_has_a_certification_job(self):
        tox = validate_zuul.read_tox(REPO)
        self.assertEqual(
            {'cert-pure-iscsi': 'pure-cinder', 'cert-pure-fc': 'pure-cinder',
             'cert-ise-iscsi': 'xio-cinder', 'cert-ise-fc': 'xio-cinder',
             'cert-eonstor-iscsi': 'infortrend-cinder',
             'cert-eonstor-fc': 'infortrend-cinder',
             'cert-sds': 'huawei-sds-cinder'},
            validate_zuul.cert_envs(tox))

    def test_shared_changes_run_every_package_job(self):
        for changed in ('common-testing/constraints.txt', 'tox.ini',
                        'common-testing/common_testing/tgt.py'):
            ran = set(validate_zuul.jobs_run_for(REPO, changed, 'gate'))
            self.assertEqual(PACKAGE_JOBS, ran & PACKAGE_JOBS, changed)


class BrokenConfigTest(unittest.TestCase):
    """A copy of the real configuration, broken one way per test."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='validate-zuul-')
        self.addCleanup(shutil.rmtree, self.root)
        shutil.copytree(os.path.join(REPO, 'zuul.d'),
                        os.path.join(self.root, 'zuul.d'))
        shutil.copytree(os.path.join(TOOLS, 'playbooks'),
                        os.path.join(self.root, 'common-testing', 'tools',
                                     'playbooks'))
        self._write_tox_ini()
        # The copy starts valid, so each test sees only its own breakage.
        self.assertEqual([], [str(p) for p in validate_zuul.validate(
            self.root)])

    def _write_tox_ini(self):
        tox = configparser.ConfigParser(interpolation=None)
        tox.read(os.path.join(REPO, 'tox.ini'))
        # The lead adds these sections to the real tox.ini; the copy must
        # not depend on whether that has happened yet.
        for env in ('zuul', 'genconfig', 'packaging'):
            if not tox.has_section('testenv:' + env):
                tox.add_section('testenv:' + env)
                tox.set('testenv:' + env, 'commands', 'true')
        with open(os.path.join(self.root, 'tox.ini'), 'w') as f:
            tox.write(f)

    def _edit(self, name, old, new, count=1):
        path = os.path.join(self.root, 'zuul.d', name)
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, 'w') as f:
            f.write(text.replace(old, new, count))

    def _problems(self):
        return [str(p) for p in validate_zuul.validate(self.root)]

    def test_misspelled_files_key(self):
        self._edit('jobs.yaml',
                   '    files:\n      - ^pure-cinder/.*',
                   '    file:\n      - ^pure-cinder/.*')
        self.assertEqual(
            ["zuul.d/jobs.yaml: job cinder-backends-tox-pure-cinder: "
             "key 'file': extra keys not allowed"], self._problems())

    def test_misspelled_key_in_project_pipeline_variant(self):
        self._edit('project.yaml',
                   '    gate:\n      jobs:\n'
                   '        - cinder-backends-tox-common-testing\n',
                   '    gate:\n      jobs:\n'
                   '        - cinder-backends-tox-common-testing:\n'
                   '            voteing: false\n')
        problems = self._problems()
        self.assertEqual(1, len(problems), problems)
        self.assertIn('zuul.d/project.yaml: project: ', problems[0])
        self.assertIn('voteing', problems[0])

    def test_negative_lookahead_is_not_re2(self):
        self._edit('jobs.yaml', '      - ^xio-cinder/.*',
                   '      - ^xio-cinder/(?!releasenotes/).*')
        problems = self._problems()
        self.assertEqual(1, len(problems), problems)
        self.assertIn("zuul.d/jobs.yaml: job cinder-backends-tox-xio-cinder: "
                      "key 'files': regex '^xio-cinder/(?!releasenotes/).*' "
                      "is not RE2-compatible", problems[0])

    def test_non_re2_regex_in_pipeline_variant(self):
        # The first occurrence is the check pipeline's.
        self._edit('project.yaml',
                   '        - cinder-backends-tox-pep8\n',
                   '        - cinder-backends-tox-pep8:\n'
                   '            irrelevant-files:\n'
                   '              - ^(?!.*\\.py$)\n')
        problems = self._problems()
        self.assertEqual(1, len(problems), problems)
        self.assertIn("key 'check.jobs.cinder-backends-tox-pep8."
                      "irrelevant-files'", problems[0])
        self.assertIn('not RE2-compatible', problems[0])

    def test_tox_env_missing_from_tox_ini(self):
        self._edit('jobs.yaml', 'tox_envlist: infortrend-cinder',
                   'tox_envlist: infortrend')
        problems = self._problems()
        self.assertIn(
            "zuul.d/jobs.yaml: job cinder-backends-tox-infortrend-cinder: "
            "key 'vars.tox_envlist': tox environment 'infortrend' has no "
            "[testenv:infortrend] section in tox.ini", problems)

    def test_duplicate_key(self):
        self._edit('jobs.yaml', '    vars:\n      tox_envlist: pep8',
                   '    vars:\n      tox_envlist: pep8\n'
                   '    vars:\n      tox_envlist: pep8')
        problems = self._problems()
        self.assertEqual(1, len(problems), problems)
        self.assertIn('zuul.d/jobs.yaml: does not load', problems[0])
        self.assertIn('"vars" appears more than once', problems[0])

    def test_missing_playbook(self):
        os.unlink(os.path.join(self.root, 'common-testing', 'tools',
                               'playbooks', 'install-system-deps.yaml'))
        problems = self._problems()
        self.assertEqual(
            ["zuul.d/jobs.yaml: job cinder-backends-tox-package: "
             "key 'pre-run': playbook 'common-testing/tools/playbooks/"
             "install-system-deps.yaml' does not exist"], problems)

    def test_vendor_matcher_too_wide_runs_other_vendors(self):
        self._edit('jobs.yaml', '      - ^pure-cinder/.*',
                   '      - ^[^/]+-cinder/.*')
        problems = self._problems()
        self.assertIn(
            "zuul.d/project.yaml: cinder-backends-tox-pure-cinder: "
            "key 'files': a change to xio-cinder/setup.cfg (package "
            "xio-cinder) also runs this pure-cinder job in check",
            problems)

    def test_package_job_not_run_by_shared_change(self):
        self._edit('jobs.yaml',
                   '      - ^huawei-sds-cinder/.*\n'
                   '      - ^common-testing/.*\n'
                   '      - ^tox\\.ini$\n',
                   '      - ^huawei-sds-cinder/.*\n')
        problems = self._problems()
        self.assertIn(
            "zuul.d/project.yaml: cinder-backends-tox-huawei-sds-cinder: "
            "key 'files': a change to common-testing/constraints.txt does "
            "not run this job in gate", problems)
        self.assertIn(
            "zuul.d/project.yaml: cinder-backends-tox-huawei-sds-cinder: "
            "key 'files': a change to tox.ini does not run this job in "
            "check", problems)

    def test_job_missing_from_gate(self):
        self._edit('project.yaml',
                   '        - cinder-backends-tox-datera-fuel\n', '', count=2)
        self._edit('project.yaml', '    check:\n      jobs:\n',
                   '    check:\n      jobs:\n'
                   '        - cinder-backends-tox-datera-fuel\n')
        problems = self._problems()
        self.assertIn("zuul.d/project.yaml: project: key 'gate': job "
                      "cinder-backends-tox-datera-fuel is defined but not "
                      "listed", problems)
        self.assertIn("zuul.d/project.yaml: project: key 'gate': package "
                      "datera-fuel needs exactly one job running tox -e "
                      "datera-fuel, found 0", problems)

    def test_cert_job_gated_unlike_its_vendors_unit_job(self):
        self._edit('jobs.yaml',
                   '      - ^pure-cinder/.*\n'
                   '      - ^common-testing/.*\n'
                   '      - ^tox\\.ini$\n'
                   '    vars:\n'
                   '      tox_envlist: cert-pure-iscsi',
                   '      - ^pure-cinder/.*\n'
                   '    vars:\n'
                   '      tox_envlist: cert-pure-iscsi')
        problems = self._problems()
        self.assertIn(
            "zuul.d/project.yaml: cinder-backends-cert-pure-cinder: key "
            "'files': differ from those of cinder-backends-tox-pure-cinder, "
            "so a change that runs pure-cinder's unit tests would not "
            "re-certify it (or the other way round)", problems)

    def test_backend_without_certification_job(self):
        self._edit('jobs.yaml', 'tox_envlist: cert-ise-iscsi,cert-ise-fc',
                   'tox_envlist: cert-ise-iscsi')
        problems = self._problems()
        self.assertEqual(
            ["zuul.d/project.yaml: project: key '%s': certification "
             "cert-ise-fc needs exactly one job running tox -e cert-ise-fc, "
             "found 0" % pipeline for pipeline in ('check', 'gate')],
            problems)

    def test_one_job_certifying_two_vendors(self):
        self._edit('jobs.yaml', 'tox_envlist: cert-ise-iscsi,cert-ise-fc',
                   'tox_envlist: cert-ise-iscsi')
        self._edit('jobs.yaml', 'tox_envlist: cert-sds',
                   'tox_envlist: cert-sds,cert-ise-fc')
        problems = self._problems()
        self.assertIn(
            "zuul.d/project.yaml: cinder-backends-cert-huawei-sds-cinder: "
            "key 'vars.tox_envlist': certifies backends of huawei-sds-cinder,"
            " xio-cinder: one job per vendor", problems)

    def test_command_line_exit_status_and_message(self):
        script = os.path.join(TOOLS, 'validate_zuul.py')
        ok = subprocess.run(
            [sys.executable, script, '--repo-root', self.root],
            capture_output=True, text=True)
        self.assertEqual(0, ok.returncode, ok.stderr)
        self.assertEqual('zuul.d: valid\n', ok.stdout)
        self._edit('jobs.yaml', '    files:', '    file:')
        bad = subprocess.run(
            [sys.executable, script, '--repo-root', self.root],
            capture_output=True, text=True)
        self.assertEqual(1, bad.returncode)
        self.assertIn("zuul.d/jobs.yaml: job cinder-backends-tox-common-"
                      "testing: key 'file': extra keys not allowed",
                      bad.stderr)
        self.assertIn('zuul.d: 1 problem(s)', bad.stderr)
