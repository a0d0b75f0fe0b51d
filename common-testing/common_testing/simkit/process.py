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
"""Process helpers for simulators and the tests that start them.

A simulator started as a program announces that it serves with ONE ready
line on stdout, ``READY {json}``, where the JSON object says where it
listens (``announce_ready``); whoever started it waits for that line
(``wait_ready``) and stops it by PID at the end (``stop_pid``).
"""

import contextlib
import json
import os
import select
import signal
import sys
import time

READY_PREFIX = 'READY '
STOP_TIMEOUT = 20.0
POLL_INTERVAL = 0.05


class NotReady(Exception):
    """A started program did not print its ready line; says why."""


def pid_alive(pid):
    """True if process ``pid`` exists and is not a zombie."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            state = stat.read().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ('Z', 'X')


def processes():
    """(pid, command name, stat fields after the name) of every process.

    The fields start with state, ppid, pgrp (proc(5)); a process that ends
    while it is read is left out.
    """
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as stat:
                text = stat.read()
        except OSError:
            continue
        head, _paren, tail = text.rpartition(')')
        fields = tail.split()
        if fields:
            yield int(entry), head.partition('(')[2], fields


def group_alive(pgid):
    """True if any live (non-zombie) process is in process group ``pgid``."""
    return any(int(fields[2]) == pgid and fields[0] not in ('Z', 'X')
               for _pid, _name, fields in processes())


def stop_pid(pid, timeout=STOP_TIMEOUT, group=False):
    """SIGTERM ``pid`` (its process group if ``group``), then SIGKILL.

    Returns once nothing of it is left: with ``group``, once no process of
    the group is alive, since workers may outlive their leader.  A child
    of this process must still be reaped by its Popen (wait()).
    """
    kill = os.killpg if group else os.kill
    alive = group_alive if group else pid_alive
    with contextlib.suppress(ProcessLookupError, PermissionError):
        kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        kill(pid, signal.SIGKILL)
    while alive(pid) and time.monotonic() < deadline + 5:
        time.sleep(POLL_INTERVAL)


def ready_line(info):
    """The ready line (without newline) announcing ``info`` (a dict)."""
    return READY_PREFIX + json.dumps(dict(info, pid=os.getpid()),
                                     sort_keys=True)


def announce_ready(info, stream=None):
    """Print the ready line for ``info`` on ``stream`` (stdout) and flush."""
    stream = sys.stdout if stream is None else stream
    print(ready_line(info), file=stream, flush=True)


def parse_ready_line(line):
    """The dict of a ready line, or None if ``line`` is not one."""
    if isinstance(line, bytes):
        line = line.decode(errors='replace')
    line = line.strip()
    if not line.startswith(READY_PREFIX):
        return None
    try:
        info = json.loads(line[len(READY_PREFIX):])
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def wait_ready(popen, timeout=30.0, what=None):
    """Read ``popen.stdout`` until the ready line; return its dict.

    Other lines before it are kept and shown if it never comes.  Raises
    NotReady if the program exits or ``timeout`` seconds pass first.
    """
    what = what or 'pid %d' % popen.pid
    seen = []
    buffered = b''
    fd = popen.stdout.fileno()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NotReady('%s printed no ready line within %.0f s; output: '
                           '%s' % (what, timeout, _tail(seen, buffered)))
        readable, _w, _x = select.select([fd], [], [], remaining)
        if not readable:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            popen.wait(timeout=5)
            raise NotReady('%s exited with %s before its ready line; output: '
                           '%s' % (what, popen.returncode,
                                   _tail(seen, buffered)))
        buffered += chunk
        while b'\n' in buffered:
            line, buffered = buffered.split(b'\n', 1)
            info = parse_ready_line(line)
            if info is not None:
                return info
            seen.append(line.decode(errors='replace'))


def _tail(seen, buffered):
    lines = seen[-5:] + ([buffered.decode(errors='replace')]
                         if buffered else [])
    return ' | '.join(lines) or '(none)'
