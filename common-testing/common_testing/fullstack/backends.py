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
import secrets
import select
import shutil
import sys

from common_testing.fullstack import processes

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
        import subprocess
        process = group.start(self.name, args, env=env,
                              stdout=subprocess.PIPE)
        info = read_ready_line(process, self.name)
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


VENDORS = [XIO()]


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
