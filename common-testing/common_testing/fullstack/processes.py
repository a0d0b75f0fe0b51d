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
"""Child processes of the stack: started in sessions of their own, logging
to files, stopped by PID (SIGTERM to the process group, then SIGKILL)."""

import contextlib
import os
import signal
import subprocess
import time

from common_testing.simkit import process as simkit_process

STOP_TIMEOUT = 20.0     # cinder-volume takes up to 15 s on SIGTERM

# The helpers live in the simulator kit; these names stay for callers.
pid_alive = simkit_process.pid_alive
group_alive = simkit_process.group_alive


def stop_pid(pid, timeout=STOP_TIMEOUT, group=False):
    """SIGTERM ``pid`` (its group if ``group``), then SIGKILL; see simkit."""
    simkit_process.stop_pid(pid, timeout=timeout, group=group)


class ProcessError(Exception):
    """A stack process did not start or died; the message names it."""


class Process(object):
    """One started program: ``name``, ``pid``, ``log_path``, ``popen``."""

    def __init__(self, name, popen, log_path):
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        self.log_path = log_path

    def running(self):
        return self.popen.poll() is None

    def check_running(self):
        if not self.running():
            raise ProcessError('%s (pid %d) exited with %s; see %s'
                               % (self.name, self.pid, self.popen.returncode,
                                  self.log_path))

    def log_tail(self, size=3000):
        with contextlib.suppress(OSError):
            with open(self.log_path, 'rb') as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - size))
                return log.read().decode(errors='replace')
        return ''

    def stop(self):
        if self.popen.poll() is None:
            stop_pid(self.pid, group=True)
        else:
            # The leader is gone; its group may still hold workers.
            stop_pid(self.pid, timeout=2, group=True)
        self.popen.wait()


class ProcessGroup(object):
    """Starts processes and stops all of them, newest first, by PID."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.processes = []

    def start(self, name, args, env=None, stdout=None, cwd=None):
        """Start ``args``, logging to ``<log_dir>/<name>.log``."""
        log_path = os.path.join(self.log_dir, name + '.log')
        log = open(log_path, 'ab')
        try:
            popen = subprocess.Popen(
                args, stdin=subprocess.DEVNULL,
                stdout=log if stdout is None else stdout, stderr=log,
                env=env, cwd=cwd, start_new_session=True)
        finally:
            log.close()
        process = Process(name, popen, log_path)
        self.processes.append(process)
        return process

    def stop(self, process):
        process.stop()
        with contextlib.suppress(ValueError):
            self.processes.remove(process)

    def stop_all(self):
        errors = []
        while self.processes:
            process = self.processes.pop()
            try:
                process.stop()
            except Exception as exc:     # keep stopping the others
                errors.append('%s: %s' % (process.name, exc))
        return errors


def wait_for(predicate, timeout, what, interval=0.2, processes=()):
    """Poll ``predicate`` until true; fail naming ``what`` on timeout.

    Fails at once if one of ``processes`` died.
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        for process in processes:
            process.check_running()
        try:
            result = predicate()
        except ImportError:
            # A missing module will not appear by waiting for it.
            raise
        except Exception as error:
            # Services refuse connections while they start; keep the last
            # reason so a timeout says what was still wrong.
            result, last_error = None, error
        if result:
            return result
        if time.monotonic() > deadline:
            raise ProcessError('timed out after %ds waiting for %s%s'
                               % (timeout, what,
                                  ' (last error: %s)' % last_error
                                  if last_error else ''))
        time.sleep(interval)


def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def console_progress():
    """progress(message) for a command line run, timed from now.

    From here on SIGTERM takes the same way out as Ctrl-C, through every
    cleanup, so a killed run leaves no process behind.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()

    def progress(message):
        print('[%6.1fs] %s' % (time.monotonic() - started, message),
              flush=True)
    return progress
