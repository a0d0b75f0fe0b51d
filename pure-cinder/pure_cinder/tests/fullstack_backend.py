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
"""Pure FlashArray in the full stack (common_testing.fullstack entry point).

REST 2.x over TLS (verified); iSCSI LUNs through the simulator's tgtd.
"""

import os
import secrets
import subprocess
import sys

import requests

from common_testing.fullstack import backend
from common_testing import tls


class _Volume(object):
    """The fields of a cinder volume the driver's naming reads."""

    def __init__(self, volume_id):
        self.id = volume_id
        self.provider_id = None


class PureBackend(backend.Backend):

    name = 'pure-cinder-simulator'
    package = 'pure_cinder'
    protocols = {'pure-iscsi': 'iSCSI', 'pure-fc': 'FC'}
    FC_WWNS = ['524a937000000101', '524a937000000102']

    def start(self, group, address, state_dir):
        token = secrets.token_hex(16)
        cert, key = tls.write_self_signed_cert(state_dir, address,
                                               common_name=address)
        script = backend.console_script(self.name)
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
        info = backend.read_ready_line(process, self.name)
        options = {'pure_target': '%s:%d' % (info['address'], info['port']),
                   'pure_api_token': token,
                   'driver_ssl_cert_verify': True,
                   'driver_ssl_cert_path': cert,
                   'pure_api_retry_timeout': 10,
                   'pure_api_timeout': 30}
        self._state = ('https://%s/_sim/state' % options['pure_target'],
                       cert)
        return {
            'pure-iscsi': dict(options,
                               volume_driver='pure_cinder.iscsi.'
                               'PureISCSIDriver'),
            'pure-fc': dict(options,
                            volume_driver='pure_cinder.fc.PureFCDriver'),
        }

    def array_objects(self):
        # Destroyed volumes and snapshots wait in the array's trash for
        # eradication (pure_eradicate_on_delete): they are gone for the
        # host and are not counted.
        url, cert = self._state
        reply = requests.get(url, verify=cert, timeout=30)
        reply.raise_for_status()
        state = reply.json()
        return {
            'volume': sorted(v['name'] for v in state['volumes']
                             if not v.get('destroyed')),
            'snapshot': sorted(s['name'] for s in state['volume_snapshots']
                               if not s.get('destroyed')),
            'host': sorted(h['name'] for h in state['hosts']),
            'connection': sorted('%s:%s' % (c['host']['name'],
                                            c['volume']['name'])
                                 for c in state['connections'])}

    def array_name(self, volume_id):
        # The driver's name of the volume, renamed as unmanage renames it.
        # TODO(pure-cinder): unmanage's rename should be a function of
        # common.py that this calls instead of repeating its suffix rule.
        # Imported here: the stack's processes load this module before
        # they have set cinder up.
        from pure_cinder import common
        name = common.PureBaseVolumeDriver._new_volume_name(
            _Volume(volume_id))
        return (name + common.UNMANAGED_SUFFIX)[-common.NAME_MAX:].lstrip('-')

    def request_counter(self, options):
        return backend.request_log_counter(
            'https://%s/_sim/requests' % options['pure_target'],
            verify=options['driver_ssl_cert_path'])
