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

import ipaddress
import os
import socket

from common_testing import net
from common_testing.tests import base


class TestFreePort(base.TestCase):

    def test_port_can_be_listened_on(self):
        port = net.free_port()
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', port))
            sock.listen()
            self.assertTrue(net.is_listening('127.0.0.1', port))

    def test_port_on_private_address(self):
        address = net.private_loopback()
        port = net.free_port(address)
        self.assertFalse(net.is_listening(address, port))
        with socket.socket() as sock:
            sock.bind((address, port))


class TestPrivateLoopback(base.TestCase):

    def test_is_loopback_outside_127_0(self):
        address = ipaddress.ip_address(net.private_loopback())
        self.assertTrue(address.is_loopback)
        self.assertNotIn(address, ipaddress.ip_network('127.0.0.0/16'))

    def test_derived_from_this_pid(self):
        self.assertEqual(net.loopback_for_pid(os.getpid()),
                         net.private_loopback())

    def test_distinct_for_every_pid(self):
        pids = [1, 255, 256, 65535, 65536, 2 ** 22 - 1]
        addresses = {net.loopback_for_pid(pid) for pid in pids}
        self.assertEqual(len(pids), len(addresses))
        for address in addresses:
            self.assertTrue(ipaddress.ip_address(address).is_loopback)

    def test_pid_out_of_range(self):
        self.assertRaises(ValueError, net.loopback_for_pid, 2 ** 22)
        self.assertRaises(ValueError, net.loopback_for_pid, 0)

    def test_child_process_gets_its_own(self):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:     # child: report its address and leave at once
            os.write(write_end, net.private_loopback().encode())
            os._exit(0)
        os.close(write_end)
        child_address = os.read(read_end, 64).decode()
        os.close(read_end)
        os.waitpid(pid, 0)
        self.assertEqual(net.loopback_for_pid(pid), child_address)
        self.assertNotEqual(net.private_loopback(), child_address)
