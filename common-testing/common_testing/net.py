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
"""Loopback addresses and ports that a test process can call its own.

stestr runs tests in several worker processes at once, and each may start
servers (tgtd, simulators).  Every process gets a 127.x.y.z address derived
from its pid, so two workers never listen on the same address, and ports
come from the kernel (bind to port 0) rather than from a fixed list.
"""

import os
import socket

# 127.0.0.0/16 is where people put hand-picked addresses (127.0.0.1,
# 127.0.0.5, ...); the pid-derived addresses start above it.
_FIRST_SECOND_OCTET = 100
_PID_BITS = 22      # kernel.pid_max is at most 2**22


def free_port(host='127.0.0.1'):
    """Return a TCP port on ``host`` that nothing listens on right now.

    The port is only free at the time of the call; a caller that starts a
    server on it must be ready to retry with another port if it lost a race.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def loopback_for_pid(pid):
    """The 127.x.y.z address that belongs to process ``pid``."""
    if not 0 < pid < 2 ** _PID_BITS:
        raise ValueError('pid %r is outside 1..%d' % (pid, 2 ** _PID_BITS - 1))
    return '127.%d.%d.%d' % (_FIRST_SECOND_OCTET + (pid >> 16),
                             (pid >> 8) & 0xff, pid & 0xff)


def private_loopback():
    """Return the loopback address of this process, checked to be bindable.

    Derived from the pid (computed on every call, so a forked child gets its
    own), so no other live process on this machine uses it.
    """
    address = loopback_for_pid(os.getpid())
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((address, 0))
        except OSError as exc:
            raise RuntimeError('cannot bind the private loopback address '
                               '%s of pid %d: %s'
                               % (address, os.getpid(), exc)) from exc
    return address


def is_listening(host, port, timeout=0.5):
    """True if a TCP connection to ``host:port`` is accepted."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
