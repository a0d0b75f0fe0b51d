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
"""The backends of the stack: each vendor's simulator and the cinder.conf
backend sections (one per driver class) that point at it.

A ``Vendor`` starts its simulator console script as a stack process and
returns ``{section name: {option: value}}``; every section also gets
``volume_backend_name`` = its section name.  ``array_name`` maps a cinder
volume to the name the driver gives it on the array (for manage).
"""

import json
import os
import re
import secrets
import select
import shutil
import subprocess
import sys
import time

from common_testing.fullstack import processes
from common_testing import tls

START_TIMEOUT = 60


def _console_script(name):
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else shutil.which(name)


def read_ready_line(process, what, timeout=START_TIMEOUT):
    """The JSON line a simulator prints on stdout once it serves."""
    ready, _w, _x = select.select([process.popen.stdout], [], [], timeout)
    line = process.popen.stdout.readline() if ready else b''
    if not line:
        raise processes.ProcessError(
            '%s did not start in %ds: %s' % (what, timeout,
                                             process.log_tail()))
    return json.loads(line)


class Vendor(object):
    name = None             # the simulator's process name
    package = None          # the python package; vendor skipped if absent
    protocols = {}          # section name -> storage protocol

    def host_env(self):
        """Environment a host (cinder-volume, the demo) attaches with."""
        return {}

    def array_volumes(self):
        """Names of the volumes on the array, or None if not observable."""
        return None

    def available(self):
        import importlib.util
        return importlib.util.find_spec(self.package) is not None

    def start(self, group, address, state_dir):
        raise NotImplementedError

    def array_name(self, volume_id):
        return 'volume-%s' % volume_id


class XIO(Vendor):
    """X-IO ISE: REST/XML on two controllers; iSCSI LUNs through tgtd."""

    name = 'xio-cinder-simulator'
    package = 'xio_cinder'
    protocols = {'ise-iscsi': 'iSCSI', 'ise-fc': 'FC'}

    def start(self, group, address, state_dir):
        password = secrets.token_urlsafe(12)
        script = _console_script(self.name)
        args = ([script] if script else
                [sys.executable, '-m', 'xio_cinder.simulator'])
        args += ['--listen', address, '--state-dir', state_dir,
                 '--login', 'admin', '--tgtd', '--tgtd-address', address]
        env = dict(os.environ, XIO_SIM_PASSWORD=password)
        process = group.start(self.name, args, env=env,
                              stdout=subprocess.PIPE)
        info = read_ready_line(process, self.name)
        self._control = ('http://%s/_sim/state' % info['controllers'][0],
                         ('admin', password))
        common = {'san_ip': info['san_ip'], 'san_login': 'admin',
                  'san_password': password,
                  'ise_connection_retries': 3,
                  'ise_retry_interval': 0.2,
                  'ise_completion_retries': 100}
        if info.get('san_api_port'):
            common['san_api_port'] = info['san_api_port']
        iscsi = dict(common, volume_driver='xio_cinder.iscsi.XIOISCSIDriver',
                     iscsi_ip_address=info['iscsi_ips'][0],
                     target_port=int(info['iscsi_portal'].rsplit(':', 1)[1]))
        fc = dict(common, volume_driver='xio_cinder.fc.XIOFCDriver')
        return {'ise-iscsi': iscsi, 'ise-fc': fc}

    def array_volumes(self):
        import requests
        url, auth = self._control
        response = requests.get(url, auth=auth, timeout=30)
        response.raise_for_status()
        return sorted(response.json()['volumes'])


class Pure(Vendor):
    """Pure FlashArray: REST 2.x over TLS (verified); LUNs through tgtd."""

    name = 'pure-cinder-simulator'
    package = 'pure_cinder'
    protocols = {'pure-iscsi': 'iSCSI', 'pure-fc': 'FC'}
    FC_WWNS = ['524a937000000101', '524a937000000102']

    def start(self, group, address, state_dir):
        token = secrets.token_hex(16)
        cert, key = tls.write_self_signed_cert(state_dir, address,
                                               common_name=address)
        script = _console_script(self.name)
        args = ([script] if script else
                [sys.executable, '-m', 'pure_cinder.simulator'])
        args += ['--listen', address, '--port', '0',
                 '--state-dir', os.path.join(state_dir, 'volumes'),
                 '--tls-cert', cert, '--tls-key', key, '--tgtd']
        for wwn in self.FC_WWNS:
            args += ['--fc-wwn', wwn]
        env = dict(os.environ, PURE_SIM_API_TOKEN=token)
        process = group.start(self.name, args, env=env,
                              stdout=subprocess.PIPE)
        ready, _w, _x = select.select([process.popen.stdout], [], [],
                                      START_TIMEOUT)
        line = (process.popen.stdout.readline() if ready else b'').decode()
        match = re.search(r'listening on https?://(\S+)', line)
        if not match:
            raise processes.ProcessError(
                '%s did not start: %s' % (self.name, process.log_tail()))
        common = {'pure_target': match.group(1).rstrip('/'),
                  'pure_api_token': token,
                  'driver_ssl_cert_verify': True,
                  'driver_ssl_cert_path': cert,
                  'pure_api_retry_timeout': 10,
                  'pure_api_timeout': 30}
        return {
            'pure-iscsi': dict(common,
                               volume_driver='pure_cinder.iscsi.'
                               'PureISCSIDriver'),
            'pure-fc': dict(common,
                            volume_driver='pure_cinder.fc.PureFCDriver'),
        }

    def array_name(self, volume_id):
        # The name the driver gives an unmanaged volume.
        from pure_cinder import common
        name = 'volume-%s%s' % (volume_id, common.VOLUME_SUFFIX)
        return (name + common.UNMANAGED_SUFFIX)[-common.NAME_MAX:].lstrip('-')


class Infortrend(Vendor):
    """Infortrend EonStor DS: raidcmd over SSH; LUNs through tgtd."""

    name = 'infortrend-cinder-simulator'
    package = 'infortrend_cinder'
    protocols = {'eonstor-iscsi': 'iSCSI', 'eonstor-fc': 'FC'}
    USER = 'cinder'
    POOLS = ('LV-1', 'LV-2')

    def start(self, group, address, state_dir):
        password = 'Sim-' + secrets.token_hex(8)
        script = _console_script(self.name) or self.name
        array_dir = os.path.join(state_dir, 'array')
        init = group.start(self.name + '-init', [
            script, 'init', '--state-dir', array_dir, '--san-ip', address,
            '--password', password, '--portal-ip', address,
            '--replica-seconds', '0.2'] + [
                arg for pool in self.POOLS
                for arg in ('--pool', '%s:%d' % (pool, 200 * 1024))])
        if init.popen.wait(timeout=START_TIMEOUT) != 0:
            raise processes.ProcessError('%s init failed: %s'
                                         % (self.name, init.log_tail()))
        group.stop(init)
        host_key = os.path.join(state_dir, 'host_key')
        port_file = os.path.join(state_dir, 'port')
        process = group.start(self.name, [
            script, 'ssh', '--state-dir', array_dir, '--listen', address,
            '--port', '0', '--host-key', host_key, '--user', self.USER,
            '--password', password, '--port-file', port_file, '--tgtd'],
            stdout=subprocess.PIPE)
        line = b''
        deadline = time.monotonic() + START_TIMEOUT
        while b'tgtd portal' not in line:
            process.check_running()
            ready, _w, _x = select.select([process.popen.stdout], [], [],
                                          1)
            if ready:
                line = process.popen.stdout.readline()
            if time.monotonic() > deadline:
                raise processes.ProcessError('%s did not start: %s' % (
                    self.name, process.log_tail()))
        iscsi_port = int(line.decode().strip().rsplit(':', 1)[1])
        processes.wait_for(lambda: os.path.exists(port_file) and open(
            port_file).read().strip(), START_TIMEOUT, self.name + ' SSH',
            processes=[process])
        with open(port_file) as port:
            ssh_port = int(port.read())
        with open(host_key + '.pub') as key:
            kind, blob = key.read().split()[:2]
        known_hosts = os.path.join(state_dir, 'known_hosts')
        with open(known_hosts, 'w') as out:
            out.write('[%s]:%d %s %s\n' % (address, ssh_port, kind, blob))
        common = {'san_ip': address, 'san_login': self.USER,
                  'san_password': password, 'san_ssh_port': ssh_port,
                  'infortrend_cli_transport': 'ssh',
                  'infortrend_ssh_known_hosts_file': known_hosts,
                  'infortrend_pools_name': list(self.POOLS),
                  'infortrend_slots_a_channels_id': '0,1,2,3,4',
                  'infortrend_slots_b_channels_id': '0,1,2,3,4',
                  'infortrend_iscsi_port': iscsi_port,
                  'infortrend_cli_timeout': 30,
                  'infortrend_replica_timeout': 120}
        return {
            'eonstor-iscsi': dict(common, volume_driver='infortrend_cinder.'
                                  'iscsi.InfortrendCLIISCSIDriver'),
            'eonstor-fc': dict(common, volume_driver='infortrend_cinder.fc.'
                               'InfortrendCLIFCDriver'),
        }

    def array_name(self, volume_id):
        # The name the driver gives an unmanaged partition.
        from infortrend_cinder import common
        return common.UNMANAGED_PREFIX + volume_id[:19]


class HuaweiSDS(Vendor):
    """Huawei SDSHypervisor: VBS key-value socket protocol.

    Hosts attach through os-brick's HuaweiStorHyperConnector running the
    package's sds_cli.
    """

    name = 'huawei-sds-cinder-simulator'
    package = 'huawei_sds_cinder'
    protocols = {'sds': 'SDSHypervisor'}
    POOLS = ('16384', '16385')

    def start(self, group, address, state_dir):
        script = _console_script(self.name) or self.name
        args = [script, '--listen', address, '--port', '0',
                '--state-dir', state_dir]
        for pool in self.POOLS:
            args += ['--pool', '%s:100' % pool]
        process = group.start(self.name, args, stdout=subprocess.PIPE)
        ready, _w, _x = select.select([process.popen.stdout], [], [],
                                      START_TIMEOUT)
        line = (process.popen.stdout.readline() if ready else b'').decode()
        match = re.search(r' on (\S+) port (\d+)', line)
        if not match:
            raise processes.ProcessError(
                '%s did not start: %s' % (self.name, process.log_tail()))
        self._vbs = '%s:%s' % (match.group(1).rstrip(','), match.group(2))
        return {'sds': {
            'volume_driver':
                'huawei_sds_cinder.driver.HuaweiSDSHypervisorDriver',
            'huawei_sds_vbs_addresses': match.group(1).rstrip(','),
            'huawei_sds_vbs_port': int(match.group(2)),
            'huawei_sds_pools': list(self.POOLS)}}

    def host_env(self):
        # os-brick finds sds_cli only through this variable; sds_cli finds
        # the (simulated) local VBS through the second.
        return {'HUAWEISDSHYPERVISORCLI_PATH': _console_script('sds_cli'),
                'HUAWEI_SDS_CLI_VBS': self._vbs}


VENDORS = [XIO(), Pure(), Infortrend(), HuaweiSDS()]


def vendors(wanted=None):
    """The installed vendors (only the ``wanted`` ones, if given)."""
    chosen = []
    for vendor in VENDORS:
        if wanted and not ({vendor.name, vendor.package,
                            vendor.name.replace('-simulator', '')}
                           & set(wanted)):
            continue
        if vendor.available():
            chosen.append(vendor)
    return chosen
