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

import io
import os

import fixtures

from common_testing.cert import changed
from common_testing.cert import report
from common_testing.tests import base
from common_testing.tests import scratch_git

TOX_INI = """[tox]
envlist = acme-cinder

[testenv:cert-acme-iscsi]
deps =
    {[cert]deps}
    {toxinidir}/acme-cinder[simulator]

[testenv:cert-acme-fc]
deps =
    {[cert]deps}
    {toxinidir}/acme-cinder[simulator]
"""
README = """acme-cinder
===========

.. begin certification: acme-iscsi

Not run yet.

.. end certification: acme-iscsi

.. begin certification: acme-fc

Not run yet.

.. end certification: acme-fc
"""


class TestWhyCertify(scratch_git.ScratchGitMixin, base.TestCase):

    def certify(self, backend, commit):
        path = os.path.join(self.repo, 'acme-cinder', 'README.rst')
        with open(path) as readme:
            text = readme.read()
        summary = report.Summary(backend, [], [], '2026-11-22', {},
                                 commit=commit)
        self.write('acme-cinder/README.rst', report.update_readme(
            text, backend, report.rst_table(summary)))

    def reasons(self):
        return {backend.name: changed.why_certify(self.repo, backend)
                for backend in changed.backends(self.repo)}

    def setUp(self):
        super().setUp()
        self.repo = self.useFixture(fixtures.TempDir()).path
        self.git('init', '-q')
        self.write('tox.ini', TOX_INI)
        self.write('acme-cinder/README.rst', README)
        self.write('acme-cinder/acme/driver.py', 'one\n')
        self.write('common-testing/cert/skips/common.txt', '\n')
        self.certified = self.commit()
        self.certify('acme-iscsi', self.certified)
        self.certify('acme-fc', self.certified)
        self.commit()

    def test_backends_and_packages_come_from_tox_ini(self):
        self.assertEqual(
            [('acme-iscsi', 'acme-cinder'), ('acme-fc', 'acme-cinder')],
            [(b.name, b.package_dir) for b in changed.backends(self.repo)])

    def test_unchanged_code_needs_no_run(self):
        self.assertEqual({'acme-iscsi': None, 'acme-fc': None},
                         self.reasons())

    def test_docs_and_release_notes_do_not_count(self):
        self.write('acme-cinder/doc/index.rst', 'words\n')
        self.write('acme-cinder/releasenotes/notes/a.yaml', 'fixes: []\n')
        self.commit()
        self.assertEqual({'acme-iscsi': None, 'acme-fc': None},
                         self.reasons())

    def test_the_vendor_test_suite_does_not_count(self):
        self.write('acme-cinder/acme/tests/functional/test_x.py', 'two\n')
        self.write('acme-cinder/test-requirements.txt', 'ddt\n')
        self.commit()
        self.assertEqual({'acme-iscsi': None, 'acme-fc': None},
                         self.reasons())

    def test_comments_and_docstrings_do_not_count(self):
        self.write('acme-cinder/acme/driver.py',
                   '"""What the driver holds."""\n\n'
                   '# why the next line is so (protocol fact 3)\n'
                   'one\n')
        self.commit()
        self.assertEqual({'acme-iscsi': None, 'acme-fc': None},
                         self.reasons())

    def test_a_new_module_counts(self):
        self.write('acme-cinder/acme/helpers.py', '"""Helpers."""\n')
        self.commit()
        self.assertIsNotNone(self.reasons()['acme-iscsi'])

    def test_code_beside_a_comment_change_counts(self):
        self.write('acme-cinder/acme/driver.py', '# a comment\none + 1\n')
        self.commit()
        self.assertIn('acme/driver.py', self.reasons()['acme-iscsi'])

    def test_changed_simulator_recertifies(self):
        self.write('acme-cinder/acme/simulator/state.py', 'two\n')
        self.commit()
        self.assertIsNotNone(self.reasons()['acme-iscsi'])

    def test_changed_driver_code_recertifies_every_backend_of_it(self):
        self.write('acme-cinder/acme/driver.py', 'two\n')
        self.commit()
        reasons = self.reasons()
        self.assertIn('acme-cinder/acme/driver.py', reasons['acme-iscsi'])
        self.assertIn(self.certified, reasons['acme-fc'])

    def test_uncommitted_code_counts_too(self):
        self.write('acme-cinder/acme/driver.py', 'two\n')
        self.assertIsNotNone(self.reasons()['acme-iscsi'])

    def test_protocol_skip_list_recertifies_that_protocol_only(self):
        self.write('common-testing/cert/skips/fc.txt', 'x  # a b c\n')
        self.commit()
        reasons = self.reasons()
        self.assertIsNone(reasons['acme-iscsi'])
        self.assertIn('skips/fc.txt', reasons['acme-fc'])

    def test_no_table_or_an_unknown_commit_needs_a_run(self):
        self.write('acme-cinder/README.rst', README)
        self.certify('acme-fc', 'deadbeef0123')
        reasons = self.reasons()
        self.assertIn('no table naming a commit', reasons['acme-iscsi'])
        self.assertIn('lacks', reasons['acme-fc'])

    def test_main_prints_the_backends_to_run(self):
        self.write('acme-cinder/acme/driver.py', 'two\n')
        out = self.useFixture(fixtures.MonkeyPatch('sys.stdout',
                                                   io.StringIO())).new_value
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', io.StringIO()))
        changed.main(['--repo-root', self.repo])
        self.assertEqual(['acme-iscsi', 'acme-fc'], out.getvalue().split())
