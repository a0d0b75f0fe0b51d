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

"""The reference iSCSI driver for the reference array (simulator.py).

It exists to prove the kit: the conformance suite must pass against it, and
fail against the deliberately broken subclasses in the kit's tests.
"""

import hashlib
import re
import time

from cinder import exception
from cinder import interface
from cinder.volume import driver
from oslo_config import cfg
from oslo_log import log as logging
import requests

LOG = logging.getLogger(__name__)

reference_opts = [
    cfg.URIOpt('reference_api_url', schemes=['http', 'https'],
               help='Base URL of the reference array API.'),
    cfg.StrOpt('reference_username', default='admin',
               help='User the driver logs in as.'),
    cfg.StrOpt('reference_password', secret=True,
               help='Password of reference_username.'),
    cfg.FloatOpt('reference_request_timeout', default=10.0,
                 help='Seconds to wait for one API reply.'),
    cfg.IntOpt('reference_retries', default=2, min=0,
               help='Extra attempts after a request lost its connection.'),
]

CONF = cfg.CONF
CONF.register_opts(reference_opts, group='backend_defaults')


class ReferenceAPIError(exception.VolumeBackendAPIException):
    """The reference array refused or failed a request."""


class ReferenceAuthError(ReferenceAPIError):
    """The reference array refused the driver's credentials."""


class ReferenceClient:
    """The reference array's JSON API with login and retries."""

    def __init__(self, url, username, password, timeout, retries):
        self.url = url.rstrip('/')
        self.username = username
        self._password = password
        self.timeout = timeout
        self.retries = retries
        self._session = requests.Session()
        self._token = None

    def login(self):
        reply = self._send('POST', '/api/login', {
            'username': self.username, 'password': self._password})
        if reply.status_code == 401:
            raise ReferenceAuthError(
                'reference array at %s refused the login of user %s: %s'
                % (self.url, self.username, self._error(reply)))
        self._check(reply, 'POST', '/api/login')
        self._token = reply.json()['token']

    def request(self, method, path, body=None, done_if=()):
        """Send one call; a status in ``done_if`` counts as success.

        A request whose connection broke is sent again: ``done_if`` lets
        the caller accept the "already exists / not found" answer of a
        retry whose first attempt had been applied.
        """
        if self._token is None:
            self.login()
        reply = self._send(method, path, body)
        if reply.status_code == 401:
            self.login()
            reply = self._send(method, path, body)
        if reply.status_code in done_if:
            return None
        self._check(reply, method, path)
        return reply.json()

    def _send(self, method, path, body):
        headers = {'X-Auth-Token': self._token} if self._token else {}
        for attempt in range(self.retries + 1):
            try:
                return self._session.request(
                    method, self.url + path, json=body, headers=headers,
                    timeout=self.timeout)
            except requests.RequestException as error:
                if attempt == self.retries:
                    raise ReferenceAPIError(
                        'reference array at %s is unreachable (%s %s): %s'
                        % (self.url, method, path, type(error).__name__))
                LOG.warning('%s %s to %s failed (%s), retrying', method,
                            path, self.url, type(error).__name__)
                time.sleep(0.1 * (attempt + 1))

    @staticmethod
    def _error(reply):
        try:
            return reply.json()['error']
        except (ValueError, KeyError, TypeError):
            return reply.text[:200]

    def _check(self, reply, method, path):
        if reply.status_code >= 300:
            raise ReferenceAPIError(
                'reference array at %s: %s %s failed with %d: %s'
                % (self.url, method, path, reply.status_code,
                   self._error(reply)))


def host_name(connector, fc=False):
    """The array's host name for a connector.

    One per initiator IQN, or for FC one per set of initiator WWPNs.
    """
    key = (','.join(sorted(w.lower() for w in connector['wwpns'])) if fc
           else connector['initiator'])
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    readable = re.sub(r'[^\w.-]', '-', connector.get('host') or 'host')[:40]
    return '%s-%s' % (readable, digest)


@interface.volumedriver
class ReferenceISCSIDriver(driver.VolumeDriver):
    """iSCSI driver of the reference array (common-testing's own backend)."""

    VERSION = '1.0.0'
    CI_WIKI_NAME = 'common-testing-reference'
    VENDOR = 'Reference'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(reference_opts)
        self.client = None

    @staticmethod
    def get_driver_options():
        return reference_opts

    def do_setup(self, context):
        config = self.configuration
        for name in ('reference_api_url', 'reference_password'):
            if not config.safe_get(name):
                raise exception.InvalidConfigurationValue(option=name,
                                                          value=None)
        self.client = ReferenceClient(
            config.reference_api_url, config.reference_username,
            config.reference_password, config.reference_request_timeout,
            config.reference_retries)

    def check_for_setup_error(self):
        self.client.login()

    def _update_volume_stats(self):
        backend_name = (self.configuration.safe_get('volume_backend_name')
                        or self.__class__.__name__)
        pools = [{
            'pool_name': pool['name'],
            'total_capacity_gb': pool['total_gb'],
            'free_capacity_gb': pool['free_gb'],
            'reserved_percentage': self.configuration.safe_get(
                'reserved_percentage') or 0,
            'thin_provisioning_support': False,
            'thick_provisioning_support': True,
            'QoS_support': False,
            'multiattach': False,
        } for pool in self.client.request('GET', '/api/pools')]
        self._stats = {
            'volume_backend_name': backend_name,
            'vendor_name': self.VENDOR,
            'driver_version': self.VERSION,
            'storage_protocol': 'iSCSI',
            'pools': pools,
        }

    def create_volume(self, volume):
        self.client.request('POST', '/api/volumes', {
            'name': volume.name, 'size_gb': volume.size}, done_if=(409,))

    def create_volume_from_snapshot(self, volume, snapshot):
        self.client.request('POST', '/api/volumes', {
            'name': volume.name, 'size_gb': volume.size,
            'snapshot': snapshot.name}, done_if=(409,))

    def create_cloned_volume(self, volume, src_vref):
        self.client.request('POST', '/api/volumes', {
            'name': volume.name, 'size_gb': volume.size,
            'source': src_vref.name}, done_if=(409,))

    def extend_volume(self, volume, new_size):
        self.client.request('PUT', '/api/volumes/%s' % volume.name,
                            {'size_gb': new_size})

    def delete_volume(self, volume):
        self.client.request('DELETE', '/api/volumes/%s' % volume.name,
                            done_if=(404,))

    def create_snapshot(self, snapshot):
        self.client.request('POST', '/api/snapshots', {
            'name': snapshot.name, 'volume': snapshot.volume_name},
            done_if=(409,))

    def delete_snapshot(self, snapshot):
        self.client.request('DELETE', '/api/snapshots/%s' % snapshot.name,
                            done_if=(404,))

    def create_export(self, context, volume, connector):
        pass   # connections are made in initialize_connection

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        host = host_name(connector)
        self.client.request('POST', '/api/hosts', {
            'name': host, 'iqn': connector['initiator']}, done_if=(409,))
        export = self.client.request('POST', '/api/connections', {
            'host': host, 'volume': volume.name})
        return {'driver_volume_type': 'iscsi',
                'data': {'target_discovered': False,
                         'target_iqn': export['target'],
                         'target_portal': export['portal'],
                         'target_lun': export['lun'],
                         'volume_id': volume.id,
                         'discard': False}}

    def terminate_connection(self, volume, connector, **kwargs):
        connections = self.client.request('GET', '/api/connections')
        if connector is None:   # force detach: from every host
            hosts = {c['host'] for c in connections
                     if c['volume'] == volume.name}
        else:
            hosts = {host_name(connector)}
        for host in hosts:
            self._unmap(host, volume, connections)

    def _unmap(self, host, volume, connections):
        """Unmap ``volume`` from ``host``; drop the host if nothing is left.

        ``connections`` is the array's list from before the unmap.
        """
        self.client.request(
            'DELETE', '/api/connections/%s/%s' % (host, volume.name),
            done_if=(404,))
        if not any(c['host'] == host and c['volume'] != volume.name
                   for c in connections):
            self.client.request('DELETE', '/api/hosts/%s' % host,
                                done_if=(404, 409))


@interface.volumedriver
class ReferenceFCDriver(ReferenceISCSIDriver):
    """Fibre Channel driver of the reference array (maps only, no data)."""

    def _update_volume_stats(self):
        super()._update_volume_stats()
        self._stats['storage_protocol'] = 'FC'

    def initialize_connection(self, volume, connector):
        host = host_name(connector, fc=True)
        initiators = [w.lower() for w in connector['wwpns']]
        self.client.request('POST', '/api/hosts', {
            'name': host, 'wwpns': initiators}, done_if=(409,))
        export = self.client.request('POST', '/api/connections', {
            'host': host, 'volume': volume.name})
        return {'driver_volume_type': 'fibre_channel',
                'data': {'target_discovered': True,
                         'target_lun': export['lun'],
                         'target_wwn': export['wwpns'],
                         'initiator_target_map': {
                             initiator: export['wwpns']
                             for initiator in initiators},
                         'volume_id': volume.id,
                         'discard': False}}

    def terminate_connection(self, volume, connector, **kwargs):
        if connector is None:
            return super().terminate_connection(volume, None)
        host = host_name(connector, fc=True)
        connections = self.client.request('GET', '/api/connections')
        self._unmap(host, volume, connections)
