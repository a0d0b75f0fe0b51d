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

import logging
import unittest

import ddt
from oslo_log import log as oslo_logging
import testtools

from common_testing import logcheck
from common_testing.tests import base

SECRET = 'hunter2-Zq9'
LOG = oslo_logging.getLogger('common_testing.tests.leaky_driver')
STD_LOG = logging.getLogger('common_testing.tests.leaky_client')


def _log_in_message():
    LOG.debug('logging in with password ' + SECRET)


def _log_in_args():
    STD_LOG.info('request body %s', {'password': SECRET})


def _log_in_exception():
    try:
        raise RuntimeError('login refused for key %s' % SECRET)
    except RuntimeError:
        LOG.exception('login failed')


def _log_masked():
    LOG.debug('logging in with password %s', '***')


def _run_case(body, secrets=(SECRET,)):
    """Run ``body`` as a test using the fixture; returns the result."""

    class Case(testtools.TestCase):
        def test(self):
            self.useFixture(logcheck.SecretsNotLogged(secrets))
            body()

    result = unittest.TestResult()
    Case('test').run(result)
    return result


@ddt.ddt
class TestSecretsNotLogged(base.TestCase):

    @ddt.data(_log_in_message, _log_in_args, _log_in_exception)
    def test_a_leak_fails_the_test(self, leak):
        result = _run_case(leak)
        self.assertFalse(result.wasSuccessful())
        failures = result.failures + result.errors
        self.assertEqual(1, len(failures))
        report = failures[0][1]
        self.assertIn('SecretLeaked', report)
        self.assertIn('***', report)
        # The failure report itself must not repeat the secret.
        self.assertNotIn(SECRET, report)

    def test_a_clean_test_passes(self):
        result = _run_case(_log_masked)
        self.assertTrue(result.wasSuccessful(), result.errors)

    def test_debug_records_are_seen_even_if_root_logs_warnings_only(self):
        root = logging.getLogger()
        self.addCleanup(root.setLevel, root.level)
        root.setLevel(logging.WARNING)
        self.assertFalse(_run_case(_log_in_message).wasSuccessful())
        self.assertEqual(logging.WARNING, root.level)

    def test_secret_added_later_is_checked(self):
        checker = logcheck.SecretsNotLogged([''])
        checker.setUp()
        self.addCleanup(checker.cleanUp)
        checker.add_secret(SECRET)
        _log_in_args()
        self.assertEqual(1, len(checker.leaks()))
        self.assertRaises(logcheck.SecretLeaked, checker.check)
        # Let the cleanup pass: the leak is what this test expects.
        checker.secrets.remove(SECRET)
