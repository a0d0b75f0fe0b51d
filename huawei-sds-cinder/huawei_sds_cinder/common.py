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
"""The SDSHypervisor logic, protocol-neutral: volumes, snapshots, stats.

It speaks to the VBS only through client.VbsClient, and to cinder only
through the objects the driver hands it.
"""

import ipaddress
import math

from cinder import exception
from cinder.i18n import _
from cinder.volume import volume_types
from cinder.volume import volume_utils
import defusedxml
import defusedxml.ElementTree as ElementTree
from oslo_log import log as logging
from oslo_utils import units
import tenacity

from huawei_sds_cinder import client

LOG = logging.getLogger(__name__)

# Statuses a volume may report while its delete is still running; any
# other status of a volume we deleted is an error (reference 2.2).
VOLUME_DELETING_STATUSES = ('1', '2', '10')
SNAPSHOT_DELETING_STATUSES = ('1', '2')

# The CREATE_VOLUME_REQ policy of the legacy driver (reference 2.2); the
# spelling "repicate" is the protocol's own.
DEFAULT_POLICY = {
    'thin_flag': '0', 'reserved': '0', 'volume_space_reserved': '0',
    'force_provision_size': '0', 'iops': '100', 'max_iops': '100',
    'min_iops': '0', 'cache_size': '0', 'repicate_num': '1',
    'repicate_tolerant_num': '1', 'encrypt_algorithm': '0',
    'consistency': '0', 'stor_space_level': '1', 'compress_algorithm': '0',
    'deduplication': '0', 'snapshot': '0', 'backup_cycle': '0',
    'tolerance_disk_failure': '0', 'tolerance_cache_failure': '1',
}
# Extra specs may also be scoped, e.g. huawei_sds:iops.
EXTRA_SPEC_SCOPE = 'huawei_sds:'
# QoS spec Qos-<level>: <class> selects an IO class and a priority.
QOS_LEVEL_PRIORITY = {'qos-high': '3', 'qos-normal': '2', 'qos-low': '1'}
QOS_POLICY_KEYS = ('iops', 'max_iops', 'min_iops', 'cache_size')
CAPABILITY_KEYS = ('reserved_percentage', 'deduplication', 'snapshot',
                   'backup')
# Legacy XML <policy> keys that are not CREATE_VOLUME_REQ parameters.
_XML_POLICY_IGNORED = ('QoS_support',)


def read_legacy_xml(path):
    """Read the Kilo StorAC XML file into a dict of settings.

    Keys: addresses, port, pools, policy (dict), capability (dict). Blank
    and invalid vbs_url entries are dropped, as the legacy driver did.
    """
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError,
            defusedxml.DefusedXmlException) as exc:
        raise exception.InvalidConfigurationValue(
            option='cinder_huawei_sds_conf_file', value=path) from exc
    settings = {'addresses': [], 'port': None, 'pools': [], 'policy': {},
                'capability': {}}
    url = root.findtext('controller/vbs_url') or ''
    for item in url.split(','):
        item = item.strip()
        try:
            ipaddress.IPv4Address(item)
        except ValueError:
            if item:
                LOG.warning('Ignoring invalid vbs_url entry %r in %s.',
                            item, path)
            continue
        settings['addresses'].append(item)
    port = (root.findtext('controller/vbs_port') or '').strip()
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise exception.InvalidConfigurationValue(
                option='cinder_huawei_sds_conf_file controller/vbs_port',
                value=port)
        settings['port'] = int(port)
    for pool in root.findall('pools/pool'):
        pool_id = (pool.findtext('pool_id') or '').strip()
        if pool_id:
            settings['pools'].append(pool_id)
    for element in root.findall('policy/*'):
        if element.tag not in _XML_POLICY_IGNORED and element.text:
            settings['policy'][element.tag] = element.text.strip()
    for element in root.findall('capability/*'):
        if element.text:
            settings['capability'][element.tag] = element.text.strip()
    return settings


def _size_mb(size_gb):
    return int(size_gb) * units.Ki


def _spec_value(value):
    # Extra spec values may carry an operator ("<is> 1", "<in> 2"); the
    # legacy driver used the last word, and so do we.
    words = str(value).split()
    return words[-1] if words else ''


class SdsCommon(object):
    """What every SDSHypervisor driver operation does on the array."""

    def __init__(self, configuration, backend_name):
        self.configuration = configuration
        self.backend_name = backend_name
        self.client = None
        self.pools = []
        self.policy = {}
        self.capability = {}

    # -- setup ---------------------------------------------------------------

    def do_setup(self):
        conf = self.configuration
        addresses = list(conf.huawei_sds_vbs_addresses or [])
        pools = list(conf.huawei_sds_pools or [])
        port = conf.huawei_sds_vbs_port
        policy = dict(DEFAULT_POLICY)
        capability = {}
        if conf.cinder_huawei_sds_conf_file:
            legacy = read_legacy_xml(conf.cinder_huawei_sds_conf_file)
            addresses = addresses or legacy['addresses']
            pools = pools or legacy['pools']
            port = legacy['port'] or port
            policy.update(legacy['policy'])
            capability.update(legacy['capability'])
        policy.update({
            'thin_flag': '1' if conf.huawei_sds_thin_provisioning else '0',
            'iops': str(conf.huawei_sds_iops),
            'max_iops': str(conf.huawei_sds_max_iops),
            'min_iops': str(conf.huawei_sds_min_iops),
            'cache_size': str(conf.huawei_sds_cache_size),
            'repicate_num': str(conf.huawei_sds_replica_count),
            'repicate_tolerant_num':
                str(conf.huawei_sds_replica_tolerant_count),
        } if not conf.cinder_huawei_sds_conf_file else {})
        policy.update({k: str(v) for k, v in
                       (conf.huawei_sds_volume_policy or {}).items()})
        if not addresses:
            raise exception.InvalidConfigurationValue(
                option='huawei_sds_vbs_addresses', value=addresses)
        if not pools:
            raise exception.InvalidConfigurationValue(
                option='huawei_sds_pools', value=pools)
        for key, value in policy.items():
            try:
                client.check_value(key, value)
            except client.VbsInvalidValue as exc:
                raise exception.InvalidConfigurationValue(
                    option='volume policy %s' % key, value=value) from exc
        self.pools = pools
        self.policy = policy
        self.capability = capability
        self.client = client.VbsClient(
            addresses, port,
            connect_timeout=conf.huawei_sds_connect_timeout,
            read_timeout=conf.huawei_sds_read_timeout)

    def check_for_setup_error(self):
        try:
            self._pool_capabilities()
        except client.VbsObjectNotFound as exc:
            raise exception.InvalidConfigurationValue(
                option='huawei_sds_pools', value=self.pools) from exc
        except client.VbsError as exc:
            raise exception.VolumeBackendAPIException(
                data=_('Cannot query the SDSHypervisor pools %(pools)s: '
                       '%(err)s') % {'pools': self.pools, 'err': exc})

    # -- helpers -------------------------------------------------------------

    def _request(self, request_type, params, what):
        """One VBS request; errors other than typed ones become cinder's."""
        try:
            return self.client.request(request_type, params)
        except client.VbsInvalidValue as exc:
            raise exception.InvalidInput(
                reason=_('%(what)s: %(err)s') % {'what': what, 'err': exc})
        except client.VbsReplyLost as exc:
            if request_type.startswith('QUERY_'):
                # Already re-sent to every address: nothing left to try.
                raise exception.VolumeBackendAPIException(
                    data=_('%(what)s failed: %(err)s')
                    % {'what': what, 'err': exc})
            raise
        except (client.VbsObjectNotFound, client.VbsObjectBusy,
                client.VbsObjectExists):
            raise
        except client.VbsError as exc:
            raise exception.VolumeBackendAPIException(
                data=_('%(what)s failed: %(err)s')
                % {'what': what, 'err': exc})

    @staticmethod
    def vbs_name(volume):
        """The VBS volume name: provider_location, set on create/manage."""
        return volume.provider_location or volume.name

    def _pool_of(self, volume):
        pool = volume_utils.extract_host(volume.host, 'pool')
        if pool:
            if pool not in self.pools:
                raise exception.InvalidInput(
                    reason=_('Pool %(pool)s of volume %(vol)s is not in '
                             'huawei_sds_pools') % {'pool': pool,
                                                    'vol': volume.id})
            return pool
        return self.pools[0]

    def volume_policy(self, volume):
        """The CREATE_VOLUME_REQ policy for a volume's type."""
        policy = dict(self.policy)
        type_id = volume.volume_type_id
        if not type_id:
            return policy
        extra_specs = volume_types.get_volume_type_extra_specs(type_id)
        for key, value in extra_specs.items():
            if key.startswith(EXTRA_SPEC_SCOPE):
                key = key[len(EXTRA_SPEC_SCOPE):]
            if key in DEFAULT_POLICY or key in self.policy:
                policy[key] = _spec_value(value)
        qos = volume_types.get_volume_type_qos_specs(type_id)['qos_specs']
        if qos and qos.get('consumer') in ('back-end', 'both'):
            for key, value in qos['specs'].items():
                priority = QOS_LEVEL_PRIORITY.get(key.lower())
                if priority:
                    policy['IOClASSID'] = _spec_value(value)
                    policy['IOPRIORITY'] = priority
                elif key in QOS_POLICY_KEYS:
                    policy[key] = _spec_value(value)
        return policy

    def _exists(self, request_type, key, name, prefix):
        try:
            reply = self._request(request_type, [(key, name)],
                                  'Query %s' % name)
        except client.VbsObjectNotFound:
            return None
        records = reply.records(prefix)
        return records[0] if records else {}

    def _wait_gone(self, request_type, key, name, prefix, transitional):
        """Poll, backing off, until the VBS says the object is gone."""
        def gone():
            record = self._exists(request_type, key, name, prefix)
            if record is None:
                return True
            status = record.get('status')
            if status not in transitional:
                raise exception.VolumeBackendAPIException(
                    data=_('%(name)s reports status %(status)s while being '
                           'deleted') % {'name': name, 'status': status})
            return False

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_result(lambda done: not done),
            wait=tenacity.wait_exponential(multiplier=0.05, min=0.05, max=2),
            stop=tenacity.stop_after_delay(
                self.configuration.huawei_sds_delete_timeout),
            reraise=True)
        try:
            retrying(gone)
        except tenacity.RetryError:
            raise exception.VolumeBackendAPIException(
                data=_('%(name)s still exists %(timeout)s s after its '
                       'delete') % {'name': name, 'timeout':
                                    self.configuration.
                                    huawei_sds_delete_timeout})

    def _confirm_created(self, exc, request_type, key, name, prefix):
        """After a lost reply to a create, check whether it was applied."""
        LOG.warning('Reply to the create of %(name)s was lost (%(err)s); '
                    'checking whether the VBS applied it.',
                    {'name': name, 'err': exc})
        try:
            record = self._exists(request_type, key, name, prefix)
        except (client.VbsError, exception.VolumeBackendAPIException):
            record = None
        if record is None or record.get('status') != '0':
            raise exception.VolumeBackendAPIException(
                data=_('Create of %(name)s failed: %(err)s')
                % {'name': name, 'err': exc})

    # -- volumes -------------------------------------------------------------

    def create_volume(self, volume):
        name = volume.name
        params = [('vol_name', name), ('vol_size', _size_mb(volume.size)),
                  ('pool_id', self._pool_of(volume))]
        params += sorted(self.volume_policy(volume).items())
        self._create('CREATE_VOLUME_REQ', params, name, volume)
        return {'provider_location': name}

    def _create(self, request_type, params, name, volume):
        try:
            self._request(request_type, params, 'Create volume %s' % name)
        except client.VbsReplyLost as exc:
            self._confirm_created(exc, 'QUERY_VOLUME_REQ', 'vol_name', name,
                                  'volume')
        except client.VbsObjectExists:
            raise exception.VolumeBackendAPIException(
                data=_('Volume %s already exists on the SDSHypervisor')
                % name)
        except client.VbsObjectNotFound as exc:
            raise exception.VolumeBackendAPIException(
                data=_('Create volume %(name)s: source or pool missing '
                       '(%(err)s)') % {'name': name, 'err': exc})
        except client.VbsObjectBusy as exc:
            raise exception.VolumeBackendAPIException(data=str(exc))

    def delete_volume(self, volume):
        name = self.vbs_name(volume)
        try:
            self._request('DELETE_VOLUME_REQ', [('vol_name', name)],
                          'Delete volume %s' % name)
        except client.VbsObjectNotFound:
            LOG.info('Volume %s is already gone from the SDSHypervisor.',
                     name)
            return
        except client.VbsObjectBusy:
            raise exception.VolumeIsBusy(volume_name=name)
        except client.VbsReplyLost as exc:
            LOG.warning('Reply to the delete of %(name)s was lost (%(err)s);'
                        ' waiting for it to go.', {'name': name, 'err': exc})
        self._wait_gone('QUERY_VOLUME_REQ', 'vol_name', name, 'volume',
                        VOLUME_DELETING_STATUSES)

    def extend_volume(self, volume, new_size):
        name = self.vbs_name(volume)
        try:
            self._request('EXTEND_VOLUME_REQ',
                          [('vol_name', name),
                           ('vol_size', _size_mb(new_size))],
                          'Extend volume %s' % name)
        except client.VbsObjectNotFound:
            raise exception.VolumeNotFound(volume_id=volume.id)
        except (client.VbsObjectBusy, client.VbsObjectExists,
                client.VbsReplyLost) as exc:
            raise exception.VolumeBackendAPIException(
                data=_('Extend volume %(name)s failed: %(err)s')
                % {'name': name, 'err': exc})

    # -- snapshots -----------------------------------------------------------

    def _create_snapshot(self, snap_name, volume_name):
        try:
            self._request('CREATE_SNAPSHOT_REQ',
                          [('snap_name', snap_name),
                           ('vol_name', volume_name), ('smartflag', 1)],
                          'Create snapshot %s' % snap_name)
        except client.VbsReplyLost as exc:
            self._confirm_created(exc, 'QUERY_SNAPSHOT_REQ', 'snap_name',
                                  snap_name, 'snapshot')
        except (client.VbsObjectNotFound, client.VbsObjectExists,
                client.VbsObjectBusy) as exc:
            raise exception.VolumeBackendAPIException(
                data=_('Create snapshot %(snap)s of %(vol)s failed: '
                       '%(err)s') % {'snap': snap_name, 'vol': volume_name,
                                     'err': exc})

    def _delete_snapshot(self, snap_name):
        try:
            self._request('DELETE_SNAPSHOT_REQ', [('snap_name', snap_name)],
                          'Delete snapshot %s' % snap_name)
        except client.VbsObjectNotFound:
            LOG.info('Snapshot %s is already gone from the SDSHypervisor.',
                     snap_name)
            return
        except client.VbsObjectBusy:
            raise exception.SnapshotIsBusy(snapshot_name=snap_name)
        except client.VbsReplyLost as exc:
            LOG.warning('Reply to the delete of %(name)s was lost (%(err)s);'
                        ' waiting for it to go.',
                        {'name': snap_name, 'err': exc})
        self._wait_gone('QUERY_SNAPSHOT_REQ', 'snap_name', snap_name,
                        'snapshot', SNAPSHOT_DELETING_STATUSES)

    def create_snapshot(self, snapshot):
        self._create_snapshot(snapshot.name, self.vbs_name(snapshot.volume))
        return {'provider_location': snapshot.name}

    def delete_snapshot(self, snapshot):
        self._delete_snapshot(snapshot.provider_location or snapshot.name)

    def create_volume_from_snapshot(self, volume, snapshot):
        # Of the volume's size (it may be larger than the snapshot's).
        name = volume.name
        snap_name = snapshot.provider_location or snapshot.name
        if self.configuration.huawei_sds_linked_clones:
            # Holds its snapshot: deleting that is SnapshotIsBusy.
            self._create('CREATE_VOLUME_FROM_SNAPSHOT_REQ',
                         [('vol_name', name),
                          ('vol_size', _size_mb(volume.size)),
                          ('snap_name_src', snap_name),
                          ('vol_num', 1)], name, volume)
        else:
            self._create('CREATE_FULLVOLUME_FROM_SNAPSHOT_REQ',
                         [('vol_name', name),
                          ('vol_size', _size_mb(volume.size)),
                          ('snap_name', snap_name),
                          ('pool_id', self._pool_of(volume))], name, volume)
        return {'provider_location': name}

    def create_cloned_volume(self, volume, src_vref):
        """Full copy through a temporary snapshot that is always removed."""
        name = volume.name
        temp_snap = 'tmp-clone-snap-%s' % volume.id
        self._create_snapshot(temp_snap, self.vbs_name(src_vref))
        try:
            self._create('CREATE_FULLVOLUME_FROM_SNAPSHOT_REQ',
                         [('vol_name', name),
                          ('vol_size', _size_mb(volume.size)),
                          ('snap_name', temp_snap),
                          ('pool_id', self._pool_of(volume))],
                         name, volume)
        finally:
            try:
                self._delete_snapshot(temp_snap)
            except Exception:
                LOG.exception('Could not remove temporary snapshot %s.',
                              temp_snap)
        return {'provider_location': name}

    # -- stats ---------------------------------------------------------------

    def _pool_capabilities(self):
        params = [('pool_num', len(self.pools))]
        params += [('pool_id', pool) for pool in self.pools]
        reply = self._request('QUERY_POOLS_CAPABILITY_REQ', params,
                              'Query pools %s' % ','.join(self.pools))
        records = reply.records('pool')
        if len(records) != len(self.pools):
            raise exception.VolumeBackendAPIException(
                data=_('Pool query answered %(got)d of %(want)d pools')
                % {'got': len(records), 'want': len(self.pools)})
        return records

    def get_volume_stats(self, driver_version):
        """Stats in one round trip for every configured pool."""
        reserved = int(self.capability.get('reserved_percentage', 0) or 0)
        thin = self.policy.get('thin_flag') == '1'
        pools = []
        for record in self._pool_capabilities():
            total = float(record['total_capacity'])
            free = float(record['usable_capacity'])
            pools.append({
                'pool_name': record['stor_id'],
                'total_capacity_gb': total,
                'free_capacity_gb': free,
                'allocated_capacity_gb': total - free,
                'reserved_percentage': reserved,
                'thin_provisioning_support': thin,
                'thick_provisioning_support': not thin,
                'QoS_support': True,
                'max_iops': int(record.get('max_iops', 0) or 0),
                'multiattach': False,
            })
        stats = {
            'volume_backend_name': self.backend_name,
            'vendor_name': 'Huawei',
            'driver_version': driver_version,
            'storage_protocol': 'StorageHypervisor',
            'pools': pools,
        }
        for key in CAPABILITY_KEYS:
            if key in self.capability and key != 'reserved_percentage':
                stats[key] = self.capability[key]
        return stats

    # -- manage --

    def _existing_volume(self, existing_ref):
        name = existing_ref.get('source-name')
        if not name:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('source-name (the VBS volume name) is required'))
        try:
            record = self._exists('QUERY_VOLUME_REQ', 'vol_name', name,
                                  'volume')
        except exception.InvalidInput as exc:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref, reason=str(exc))
        if record is None or record.get('status') != '0':
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('volume %s does not exist or is being deleted')
                % name)
        return name, record

    def manage_existing(self, volume, existing_ref):
        name, record = self._existing_volume(existing_ref)
        # cinder rounded the size up to whole GB; make the VBS agree.
        if int(record['vol_size']) < _size_mb(volume.size):
            self._request('EXTEND_VOLUME_REQ',
                          [('vol_name', name),
                           ('vol_size', _size_mb(volume.size))],
                          'Extend managed volume %s' % name)
        return {'provider_location': name}

    def manage_existing_get_size(self, volume, existing_ref):
        _name, record = self._existing_volume(existing_ref)
        return int(math.ceil(int(record['vol_size']) / float(units.Ki)))
