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
"""The README demo as a functional test: real cinder services and glance
on the vendor simulators, every operation through the API.

Runs on every vendor (the tox ``fullstack`` environment installs them all,
with glance, gunicorn and PyMySQL); ``FULLSTACK_VENDORS`` (comma-separated
directory names) chooses fewer.  A wanted vendor that is not installed
fails the test: that is a broken environment, not a reason to skip.  On failure
the run directory (every process's log, cinder.conf, array state) is kept
and named in the output.
"""

import os
import shutil
import tempfile
import time

import fixtures
import testtools

import common_testing.fullstack as fullstack_mod
from common_testing.fullstack import demo
from common_testing.fullstack import processes
from common_testing.fullstack import stack as stack_mod
from common_testing.tests import base

TIMEOUT = 900     # seconds for bring-up, scenario and teardown
# Every backend the demo shows; FULLSTACK_VENDORS overrides.
DEFAULT_VENDORS = ['xio-cinder', 'pure-cinder', 'infortrend-cinder',
                   'huawei-sds-cinder']
RESTART_VOLUMES = 6
RESTART_TIMEOUT = 300
# A create still 'creating' this long without any change after the restart
# was lost (see _restart_under_load).
LOST_AFTER = 60


def _wanted_vendors():
    wanted = os.environ.get('FULLSTACK_VENDORS')
    return ([name.strip() for name in wanted.split(',')] if wanted
            else DEFAULT_VENDORS)


class TestProcessGroup(base.TestCase):
    """Stopping stops the whole process group, children included."""

    def test_stop_all_kills_children_of_the_group(self):
        log_dir = self.useFixture(fixtures.TempDir()).path
        group = processes.ProcessGroup(log_dir)
        self.addCleanup(group.stop_all)
        parent = group.start('sleeper', [
            'sh', '-c', 'sleep 300 & echo $! > %s/child; wait'
            % log_dir])
        child_file = os.path.join(log_dir, 'child')
        child = processes.wait_for(
            lambda: os.path.getsize(child_file) and int(open(
                child_file).read()), 10, 'the child pid')
        self.assertTrue(processes.pid_alive(child))
        self.assertEqual([], group.stop_all())
        self.assertFalse(processes.pid_alive(parent.pid))
        self.assertFalse(processes.pid_alive(child))
        self.assertEqual([], group.processes)

    def test_wait_for_fails_naming_a_dead_process(self):
        log_dir = self.useFixture(fixtures.TempDir()).path
        group = processes.ProcessGroup(log_dir)
        self.addCleanup(group.stop_all)
        dead = group.start('quitter', ['sh', '-c', 'echo bye >&2; exit 3'])
        dead.popen.wait()
        error = self.assertRaises(processes.ProcessError,
                                  processes.wait_for, lambda: False, 30,
                                  'nothing', processes=[dead])
        self.assertIn('quitter', str(error))
        self.assertIn('exited with 3', str(error))
        self.assertIn('bye', dead.log_tail())


class TestConsoleProgress(base.TestCase):

    def test_timed_lines_and_sigterm_as_ctrl_c(self):
        import io
        import signal
        self.addCleanup(signal.signal, signal.SIGTERM,
                        signal.getsignal(signal.SIGTERM))
        out = self.useFixture(fixtures.MonkeyPatch(
            'sys.stdout', io.StringIO())).new_value
        progress = processes.console_progress()
        progress('starting')
        self.assertRegex(out.getvalue(), r'^\[ +\d+\.\ds\] starting\n$')
        self.assertRaises(KeyboardInterrupt, os.kill, os.getpid(),
                          signal.SIGTERM)


class TestFailedStart(base.TestCase):
    """A stack that fails to start leaves no vhost, database or process."""

    def test_cleanup_after_a_failed_start(self):
        from common_testing.fullstack import services
        # The stack starts them itself; here they are needed for the checks.
        services.ensure_rabbitmq()
        services.ensure_mariadb()
        run_dir = self.useFixture(fixtures.TempDir()).path
        stack = stack_mod.Stack(vendors=['no-such-vendor'], run_dir=run_dir)
        error = self.assertRaises(fixtures.MultipleExceptions, stack.setUp)
        self.assertIn('no vendor package installed', str(error.args[0][1]))
        database = services.Database(stack.run_id)
        connection = database._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW DATABASES LIKE '%s%%'" % stack.run_id)
                self.assertEqual((), cursor.fetchall())
                cursor.execute("SELECT user FROM mysql.user WHERE user "
                               "LIKE '%s%%'" % stack.run_id)
                self.assertEqual((), cursor.fetchall())
        finally:
            connection.close()
        vhosts = services._run('rabbitmqctl', '-q', 'list_vhosts')
        self.assertNotIn(stack.run_id, vhosts)


class TestBackendSelection(base.TestCase):
    """``backends`` narrows cinder to some sections of the simulators."""

    def _stack(self, backends):
        stack = stack_mod.Stack(backends=backends)
        stack.sections = {'ise-iscsi': {'a': 1}, 'ise-fc': {'b': 2}}
        stack.protocols = {'ise-iscsi': 'iSCSI', 'ise-fc': 'FC'}
        stack.vendors = {'ise-iscsi': 'xio', 'ise-fc': 'xio'}
        return stack

    def test_only_the_named_sections_stay(self):
        stack = self._stack(['ise-fc'])
        stack._keep_only(['ise-fc'])
        self.assertEqual(({'ise-fc': {'b': 2}}, {'ise-fc': 'FC'},
                          {'ise-fc': 'xio'}),
                         (stack.sections, stack.protocols, stack.vendors))

    def test_an_unknown_section_is_named(self):
        stack = self._stack(['ise-nvme'])
        error = self.assertRaises(stack_mod.processes.ProcessError,
                                  stack._keep_only, ['ise-nvme', 'ise-fc'])
        self.assertEqual('no backend section ise-nvme (the simulators '
                         'serve ise-fc, ise-iscsi)', str(error))

    def test_conf_overrides_reach_cinder_conf(self):
        import configparser
        import types

        class Overriding(stack_mod.Stack):
            def cinder_conf_overrides(self):
                return {'DEFAULT': {'auth_strategy': 'keystone'},
                        'keystone_authtoken': {'username': 'cinder'}}

        stack = Overriding()
        stack.run_dir = self.useFixture(fixtures.TempDir()).path
        stack.vhost = types.SimpleNamespace(transport_url='rabbit://x')
        stack.database = types.SimpleNamespace(url='mysql+pymysql://x')
        stack.glance_url = 'http://127.0.0.1:9292'
        stack.sections = {'ise-iscsi': {'volume_driver': 'x.Driver'}}
        stack._cinder_conf()
        conf = configparser.RawConfigParser()
        conf.read(stack.cinder_conf)
        self.assertEqual('keystone', conf.get('DEFAULT', 'auth_strategy'))
        self.assertEqual('cinder', conf.get('keystone_authtoken',
                                            'username'))
        self.assertEqual('x.Driver', conf.get('ise-iscsi', 'volume_driver'))
        self.assertEqual('ise-iscsi', conf.get('DEFAULT',
                                               'enabled_backends'))


class FullStackTestCase(base.TestCase):
    """Checks the wanted vendors, bounds the time, keeps a failed run.

    Subclasses set ``timeout``, ``run_dir_prefix`` and ``wanted_vendors``.
    """

    timeout = TIMEOUT
    run_dir_prefix = 'cinder-fullstack-test-'

    @staticmethod
    def wanted_vendors():
        return _wanted_vendors()

    def setUp(self):
        super().setUp()
        # tox -e fullstack installs every vendor package; a missing one is
        # an error of the environment, not a reason to skip.
        wanted = self.wanted_vendors()
        self.assertEqual(len(wanted), len(fullstack_mod.vendors(wanted)),
                         'not every vendor package of %s is installed'
                         % wanted)
        self.useFixture(fixtures.Timeout(self.timeout, gentle=True))

    def _run_dir(self):
        run_dir = tempfile.mkdtemp(prefix=self.run_dir_prefix)
        failed = []
        self.addOnException(lambda exc_info: failed.append(exc_info))

        def remove_unless_failed():
            if failed:
                self.addDetailUniqueName(
                    'run-dir', testtools.content.text_content(run_dir))
                print('full stack run kept in %s' % run_dir)
            else:
                shutil.rmtree(run_dir, ignore_errors=True)
        self.addCleanup(remove_unless_failed)
        return run_dir


class TestFullStackDemo(FullStackTestCase):

    def test_readme_scenario_on_every_backend(self):
        """The demo on every backend, then a restart under load.

        One stack for both phases: bringing it up is the expensive part.
        """
        progress = []
        stack = self.useFixture(stack_mod.Stack(
            vendors=_wanted_vendors(), run_dir=self._run_dir(),
            progress=progress.append))
        scenario = demo.Demo(stack, report=progress.append)
        ok = scenario.run()
        self.addDetail('table', testtools.content.text_content(
            scenario.table()))
        self.addDetail('progress', testtools.content.text_content(
            '\n'.join(progress)))
        self.assertTrue(ok, scenario.table())
        for section, steps in scenario.results.items():
            self.assertEqual(set(demo.OPERATIONS), set(steps), section)
            data_path = stack.protocols[section] in demo.DATA_PROTOCOLS
            for operation, (result, _s, detail) in steps.items():
                expected = (demo.SKIPPED if not data_path and
                            operation in demo.IMAGE_STEPS else demo.OK)
                self.assertEqual(expected, result, '%s / %s: %s'
                                 % (section, operation, detail))
        # Everything cinder made on the backends is gone again.
        client = stack.client()
        self.assertEqual([], client.volumes.list())
        self.assertEqual([], client.volume_snapshots.list())
        self._assert_arrays_empty(stack)
        stack.check_running()
        self._restart_under_load(stack)

    def _restart_under_load(self, stack):
        """cinder-volume restarted under creates, a delete and a snapshot.

        Creates end available or error, the delete finishes (cinder-volume
        resumes it when it starts), the snapshot ends available or error;
        then everything can be deleted and nothing is left on the array.
        One thing is cinder's, not the driver's: cinder-volume acknowledges
        an RPC cast before acting on it, so a create the stopped service had
        taken but not begun is lost and its volume stays 'creating', with
        nothing on the array; the operator's remedy, reset-state to error
        and delete, must then work.  The backend is one whose array the
        test can look into.
        """
        from cinderclient import exceptions
        client = stack.client()
        section = next(
            (name for name in sorted(stack.sections)
             if stack.vendors[name].array_volumes() is not None),
            sorted(stack.sections)[-1])
        vendor = stack.vendors[section]
        vtype = stack.volume_types[section]
        ready = [client.volumes.create(1, volume_type=vtype,
                                       name='restart-ready-%d' % index)
                 for index in range(2)]
        for volume in ready:
            demo.wait_status(lambda: client.volumes.get(volume.id),
                             'available', 'volume %s' % volume.id)
        doomed, snapped = ready
        ids = [client.volumes.create(1, volume_type=vtype,
                                     name='restart-%d' % index).id
               for index in range(RESTART_VOLUMES)]
        client.volumes.delete(doomed.id)
        snapshot = client.volume_snapshots.create(snapped.id)
        stack.restart_volume_service()

        def settled():
            states = {volume_id: client.volumes.get(volume_id).status
                      for volume_id in ids}
            states[snapshot.id] = client.volume_snapshots.get(
                snapshot.id).status
            try:
                states[doomed.id] = client.volumes.get(doomed.id).status
            except exceptions.NotFound:
                states[doomed.id] = 'deleted'
            return states

        final_states = ('available', 'error', 'deleted')
        deadline = time.monotonic() + RESTART_TIMEOUT
        states, changed = settled(), time.monotonic()
        while True:
            pending = {key: state for key, state in states.items()
                       if state not in final_states}
            lost = pending and set(pending.values()) == {'creating'} and (
                time.monotonic() - changed > LOST_AFTER)
            if not pending or lost:
                break
            if time.monotonic() > deadline:
                self.fail('still transitional %ds after a cinder-volume '
                          'restart: %s' % (RESTART_TIMEOUT, pending))
            time.sleep(1)
            previous, states = states, settled()
            if states != previous:
                changed = time.monotonic()
        self.addDetail('after-restart', testtools.content.text_content(
            repr(states)))
        self.assertEqual('deleted', states[doomed.id])
        on_array = vendor.array_volumes()
        for key in pending:
            if key == snapshot.id:
                client.volume_snapshots.reset_state(key, 'error')
                continue
            if on_array is not None:
                self.assertNotIn(vendor.array_name(key), on_array)
            client.volumes.reset_state(key, 'error')
        # The restarted service serves new requests...
        after = client.volumes.create(1, volume_type=vtype)
        ids += [after.id, snapped.id]
        demo.wait_status(lambda: client.volumes.get(after.id), 'available',
                         'volume %s after the restart' % after.id)
        # ...and deletes everything, also what ended in error.
        client.volume_snapshots.delete(snapshot.id)
        demo.wait_gone(lambda: client.volume_snapshots.get(snapshot.id),
                       'snapshot %s' % snapshot.id)
        for volume_id in ids:
            client.volumes.delete(volume_id)
        for volume_id in ids:
            demo.wait_gone(lambda: client.volumes.get(volume_id),
                           'volume %s' % volume_id)
        self.assertEqual([], client.volumes.list())
        self.assertEqual([], client.volume_snapshots.list())
        self._assert_arrays_empty(stack)
        stack.check_running()

    def _assert_arrays_empty(self, stack):
        """Nothing is left on a simulator that can be looked into."""
        for vendor in set(stack.vendors.values()):
            volumes = vendor.array_volumes()
            if volumes is not None:
                self.assertEqual([], volumes, vendor.name)
