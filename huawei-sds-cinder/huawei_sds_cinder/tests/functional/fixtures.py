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
"""Test fixtures: a VBS simulator on this test process's own addresses,
and the sds_cli stand-in os-brick runs to attach from it.
"""

import os
import subprocess

from common_testing import net
import fixtures

from huawei_sds_cinder.simulator import sds_cli
from huawei_sds_cinder.simulator import server
from huawei_sds_cinder.simulator import state


def release_loop_devices(state_dir):
    """Detach loop devices sds_cli left on files under state_dir."""
    try:
        out = subprocess.run(['losetup', '--noheadings', '--raw', '--list',
                              '--output', 'NAME,BACK-FILE'],
                             capture_output=True, text=True, timeout=30,
                             check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return
    for line in out.splitlines():
        name, _, back_file = line.partition(' ')
        if back_file.startswith(state_dir + os.sep):
            subprocess.run(['losetup', '--detach', name],
                           capture_output=True, timeout=30)


def second_loopback():
    """A second 127.x.y.z of this process (for fail-over between agents).

    common_testing.net gives each pid one address with a second octet of
    100..163; this one uses 164..227 with the same pid bits, so it is ours
    too.
    """
    first = net.private_loopback().split('.')
    return '127.%d.%s.%s' % (int(first[1]) + 64, first[2], first[3])


class VbsSimulatorFixture(fixtures.Fixture):
    """Two VBS agents (two addresses, one port) over one array state."""

    def __init__(self, pools=None, delete_seconds=0.05):
        super().__init__()
        self.pool_sizes = pools or {'16384': 20, '16385': 10}
        self.delete_seconds = delete_seconds

    def _setUp(self):
        self.state_dir = self.useFixture(fixtures.TempDir()).path
        self.addCleanup(release_loop_devices, self.state_dir)
        self.array = state.VbsState(self.state_dir, self.pool_sizes,
                                    delete_seconds=self.delete_seconds)
        self.addresses = [net.private_loopback(), second_loopback()]
        last_error = None
        for _attempt in range(5):
            port = net.free_port(self.addresses[0])
            simulator = server.VbsSimulator(self.array, self.addresses, port)
            try:
                simulator.start()
            except OSError as exc:     # lost a race for the port
                last_error = exc
                continue
            self.addCleanup(simulator.stop)
            self.simulator = simulator
            self.port = port
            self.plan = simulator.plan
            return
        raise last_error

    @property
    def cli_vbs(self):
        """The HUAWEI_SDS_CLI_VBS value that points sds_cli at us."""
        return ','.join('%s:%d' % (address, self.port)
                        for address in self.simulator.addresses)


class SdsCli(fixtures.Fixture):
    """os-brick attaches from ``vbs`` through the sds_cli stand-in.

    The stand-in is not on PATH (no program takes the name of Huawei's
    tool): a wrapper written into a directory of this test runs it, and
    os-brick's HuaweiStorHyperConnector finds it only through
    HUAWEISDSHYPERVISORCLI_PATH (default /usr/local/bin/sds/sds_cli). The
    stand-in finds the simulated local VBS through HUAWEI_SDS_CLI_VBS.
    """

    def __init__(self, vbs):
        super().__init__()
        self.vbs = vbs

    def _setUp(self):
        self.path = sds_cli.write_wrapper(
            self.useFixture(fixtures.TempDir()).path)
        self.useFixture(fixtures.EnvironmentVariable(
            'HUAWEISDSHYPERVISORCLI_PATH', self.path))
        self.useFixture(fixtures.EnvironmentVariable(
            'HUAWEI_SDS_CLI_VBS', self.vbs.cli_vbs))
