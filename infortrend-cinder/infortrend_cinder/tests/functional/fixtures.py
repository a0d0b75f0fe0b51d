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
"""The simulated array as the functional tests start and observe it."""

import os
import shutil
import subprocess
import sys
import tempfile

from cinder import objects
from common_testing import conformance
from common_testing import net
from common_testing.simkit import process as simkit_process
import fixtures
import requests

from infortrend_cinder.simulator import state as state_mod

PASSWORD = 'Sim-pa55-%d' % os.getpid()
SSH_USER = 'cinder'
SIMULATOR = 'infortrend-cinder-simulator'


def simulator_program():
    """The console script next to this interpreter (tox or the venv)."""
    candidate = os.path.join(os.path.dirname(sys.executable), SIMULATOR)
    return candidate if os.path.exists(candidate) else shutil.which(
        SIMULATOR)


class SimulatedArray(conformance.ArrayUnderTest):
    """An EonStor DS simulator reached over the local pty transport."""

    driver_class = 'infortrend_cinder.iscsi.InfortrendCLIISCSIDriver'
    storage_protocol = 'iSCSI'
    volume_kind = 'partition'
    transport = 'local'
    model = 'R'
    create_volume_request = r'^create part '
    ci_wiki_name = 'Infortrend_Storage_CI'
    error_class = 'VolumeBackendAPIException'
    bad_option_values = (('infortrend_pools_name', ['LV-9']),
                         ('infortrend_slots_a_channels_id', ['x']),
                         ('infortrend_slots_a_channels_id', ['1', 'a']))
    #: tgtd's portal port; None: a free one.  cinder's in-tree driver
    #: always gives port 3260 for the portals of show net.
    tgt_port = None

    def start(self, test):
        self.test = test
        self.state_dir = tempfile.mkdtemp(prefix='infortrend-sim-')
        test.addCleanup(shutil.rmtree, self.state_dir, ignore_errors=True)
        self.san_ip = net.private_loopback()
        tgt_port = portal_ip = None
        self.iscsi_port = 3260
        if self.storage_protocol == 'iSCSI':
            tgtd = self._start_tgtd(test, self.tgt_port)
            tgt_port, portal_ip = tgtd.control_port, tgtd.address
            self.iscsi_port = tgtd.port
        config = state_mod.default_config(
            model=self.model, pools=[('LV-1', 200 * 1024),
                                     ('LV-2', 100 * 1024)],
            san_ip=self.san_ip, password=PASSWORD,
            portal_ip=portal_ip or self.san_ip)
        config['tgt_control_port'] = tgt_port
        config['replica_seconds'] = 0.2
        state_mod.Array.create(self.state_dir, config)
        # The array process holds the fault rules (the kit's control
        # surface): ssh for SSH sessions, serve for the local ones.
        if self.transport == 'ssh':
            self._start_ssh(test)
        else:
            self._start_server(test, ['serve', '--state-dir', self.state_dir,
                                      '--listen', self.san_ip])

    @staticmethod
    def _start_tgtd(test, port=None, attempts=3):
        from common_testing import tgt
        # The kit's Tgtd sometimes draws control ports tgtd refuses
        # ("-C argument value out of range"); a fresh draw gets past it.
        for attempt in range(attempts):
            try:
                return test.useFixture(tgt.Tgtd(port=port))
            except (tgt.TgtError, fixtures.SetupError):
                if attempt == attempts - 1:
                    raise

    def _start_server(self, test, args):
        """Start an array process; returns its READY line's dict."""
        self.server = subprocess.Popen([simulator_program()] + args,
                                       stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL)
        test.addCleanup(self._stop_server)
        info = simkit_process.wait_ready(self.server, 30, SIMULATOR)
        self.control_url = info['control_url']
        return info

    def _start_ssh(self, test):
        info = self._start_server(test, [
            'ssh', '--state-dir', self.state_dir, '--listen', self.san_ip,
            '--port', '0', '--host-key',
            os.path.join(self.state_dir, 'host_key'), '--user', SSH_USER,
            '--password', PASSWORD])
        self.ssh_port = info['port']
        with open(info['host_key']) as f:
            kind, blob = f.read().split()[:2]
        self.known_hosts = os.path.join(self.state_dir, 'known_hosts')
        with open(self.known_hosts, 'w') as f:
            f.write('[%s]:%d %s %s\n' % (self.san_ip, self.ssh_port, kind,
                                         blob))

    def _stop_server(self):
        if self.server.poll() is None:
            simkit_process.stop_pid(self.server.pid, timeout=5)
        self.server.wait()
        self.server.stdout.close()

    def _array_options(self, driver_class, **options):
        """The options both drivers spell alike, and ``options``.

        java_path runs the simulator's raidcmd front-end for either, as the
        in-tree driver runs the real jar.
        """
        return dict({
            'volume_driver': driver_class,
            'san_ip': self.san_ip,
            'san_password': PASSWORD,
            'infortrend_pools_name': ['LV-1', 'LV-2'],
            'infortrend_slots_a_channels_id': [0, 1, 2, 3, 4],
            'infortrend_slots_b_channels_id': [0, 1, 2, 3, 4],
            'infortrend_cli_max_retries': 3,
            'java_path': simulator_program(),
            'infortrend_cli_path': self.state_dir,
        }, **options)

    def backend_options(self):
        options = self._array_options(
            self.driver_class,
            infortrend_cli_timeout=10,
            infortrend_replica_timeout=30,
            infortrend_replica_poll_interval=0.05,
            infortrend_iscsi_port=self.iscsi_port)
        if self.transport == 'ssh':
            options.update({
                'infortrend_cli_transport': 'ssh',
                'san_login': SSH_USER,
                'san_ssh_port': self.ssh_port,
                'ssh_conn_timeout': 5,
                'infortrend_ssh_known_hosts_file': self.known_hosts,
            })
        return options

    def intree_backend_options(self):
        """The section of cinder's in-tree driver (2.1.4) for this array."""
        module = ('cinder.volume.drivers.infortrend.infortrend_%s_cli.'
                  % ('fc' if self.storage_protocol == 'FC' else 'iscsi'))
        return self._array_options(
            module + ('InfortrendCLIFCDriver'
                      if self.storage_protocol == 'FC'
                      else 'InfortrendCLIISCSIDriver'),
            infortrend_cli_timeout=40,
            infortrend_iqn_prefix='iqn.2002-10.com.infortrend',
            infortrend_cli_cache=False)

    def update(self, **values):
        with state_mod.Array.open(self.state_dir) as array:
            array.data.update(values)

    def read(self):
        with state_mod.Array.open(self.state_dir, save=False) as array:
            return array.data

    def inventory(self):
        data = self.read()
        return {
            'partition': {p['name'] for p in data['parts'].values()},
            'snapshot-image': {s['name'] for s in data['sis'].values()},
            'map': {'%s:%d/%d/%d:%s' % (m['part'], m['ch'], m['tid'],
                                        m['lun'], m['host'])
                    for m in data['maps']},
            'iqn': set(data['iqns']),
            'replica': set(data['replicas']),
        }

    def pools(self):
        data = self.read()
        result = []
        for lv_id, lv in data['lvs'].items():
            used = sum(p['used'] for p in data['parts'].values()
                       if p['lv'] == lv_id)
            result.append({'name': lv['name'],
                           'total_capacity_gb': lv['size'] / 1024.0,
                           'free_capacity_gb': (lv['size'] - used) / 1024.0})
        return result

    def make_unreachable(self):
        if self.transport == 'ssh':
            self._stop_server()
        else:
            self.update(reachable=False)

    def refused_credentials_options(self):
        return {'san_password': 'Wrong-pa55'}

    def secrets(self):
        return [PASSWORD]

    def inject_fault(self, rule):
        # The JSON form; counters (if any) start again in the simulator.
        data = rule.to_dict()
        data.pop('seen', None)
        data.pop('fired', None)
        self.add_fault(**data)

    def add_fault(self, **rule):
        """Add one fault rule (its JSON fields) at /_sim/faults."""
        reply = requests.post(self.control_url + '/_sim/faults', json=rule,
                              timeout=10)
        reply.raise_for_status()

    def faults(self):
        """The rules at /_sim/faults, with their seen/fired counters."""
        reply = requests.get(self.control_url + '/_sim/faults', timeout=10)
        reply.raise_for_status()
        return reply.json()

    def fc_target_wwpns(self):
        with state_mod.Array.open(self.state_dir, save=False) as array:
            return {port[4].lower() for port in array.fc_ports()}

    def fc_lun(self, volume, initiator_wwpns):
        data = self.read()
        wanted = {w.upper() for w in initiator_wwpns}
        for part_id, part in data['parts'].items():
            if part['name'] != volume.id:
                continue
            luns = {m['lun'] for m in data['maps']
                    if m['part'] == part_id and m['host'].upper() in wanted}
            if len(luns) == 1:
                return luns.pop()
        return None


def start_array(test, array_class):
    """Start an ``array_class`` for ``test``, cinder objects saving nothing.

    The functional tests have no database: saving a Volume or Snapshot is
    a no-op, as if the manager had saved it.
    """
    for cls in (objects.Volume, objects.Snapshot):
        test.useFixture(fixtures.MockPatchObject(cls, 'save'))
    array = array_class()
    array.start(test)
    return array


class SimulatedFCArray(SimulatedArray):
    driver_class = 'infortrend_cinder.fc.InfortrendCLIFCDriver'
    storage_protocol = 'FC'


class SimulatedArraySSH(SimulatedArray):
    transport = 'ssh'


class SimulatedFCArraySSH(SimulatedFCArray):
    transport = 'ssh'
