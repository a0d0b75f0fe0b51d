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
"""InfortrendCommon: the array logic shared by the iSCSI and FC drivers.

It talks to the array only through client.RaidcmdClient; it never builds a
command line itself.  InfortrendBaseVolumeDriver is the part of the two
cinder driver classes that does not depend on the protocol.
"""

import functools
import math
import time

from cinder import exception
from cinder.volume import driver
from cinder.volume import volume_utils
from oslo_concurrency import lockutils
from oslo_log import log as logging
from oslo_utils import excutils

from infortrend_cinder import client
from infortrend_cinder import options

LOG = logging.getLogger(__name__)

PROVISIONING_KEY = 'infortrend:provisioning'
TIERING_KEY = 'infortrend:tiering'
ISCSI_CHANNEL_TYPES = ('NETWORK', 'LAN')
FC_CHANNEL_TYPES = ('FIBRE', 'Fibre')
DEFAULT_MAX_LUN = 128
UNMANAGED_PREFIX = 'cinder-unmanaged-'
REPLICA_CLONE = 'Cinder-Cloned'
REPLICA_SNAPSHOT = 'Cinder-Snapshot'
REPLICA_MIGRATE = 'Cinder-Migrate'


def translate_errors(func):
    """Turn client errors into the cinder exceptions callers expect."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except client.InvalidParameter as exc:
            raise exception.InvalidInput(reason=str(exc))
        except client.InfortrendError as exc:
            raise exception.VolumeBackendAPIException(
                data=client.mask(str(exc)))
    return wrapper


def location(part_id, system_id):
    """provider_location: keys sorted, joined by '@' and '^' (ref 1.7)."""
    return 'partition_id^%s@system_id^%s' % (part_id, system_id)


def parse_location(text):
    values = {}
    for item in (text or '').split('@'):
        key, sep, value = item.partition('^')
        if sep:
            values[key] = value
    return values


def per_pool_spec(value, pool, what):
    """"thin", or "LV-1:thin; LV-2:full" (ref 1.6); None when not given."""
    if value is None:
        return None
    value = value.strip()
    if ':' not in value:
        return value
    for item in value.split(';'):
        name, sep, setting = item.partition(':')
        if not sep:
            raise exception.InvalidInput(reason='%s: bad item %r'
                                         % (what, item))
        if name.strip() == pool:
            return setting.strip()
    return None


class InfortrendCommon(object):
    """Everything the two drivers do, protocol 'iSCSI' or 'FC'."""

    def __init__(self, protocol, configuration, version='1.0.0'):
        self.protocol = protocol
        self.version = version
        self.configuration = configuration
        self.client = None
        self.system_id = None      # decimal, as cinder sees it
        self.model_type = None     # 'R' (dual controller) or 'G'
        self.max_lun = DEFAULT_MAX_LUN
        self.pools = {}            # pool name -> LV-ID
        self.tiered_pools = set()  # names of pools with tiers
        self.channels = []
        self._stats = {}

    # -- setup ------------------------------------------------------------
    def _conf(self, name):
        return self.configuration.safe_get(name)

    def _channel_ids(self, option):
        ids = []
        for item in self._conf(option) or []:
            try:
                ids.append(int(item))
            except ValueError:
                raise exception.InvalidConfigurationValue(option=option,
                                                          value=item)
        return ids

    def _check_config(self):
        if not self._conf('san_ip'):
            raise exception.InvalidConfigurationValue(option='san_ip',
                                                      value='')
        try:
            client.address(self._conf('san_ip'))
            if self._conf('san_password'):
                client.password(self._conf('san_password'))
        except client.InvalidParameter as exc:
            raise exception.InvalidConfigurationValue(option=exc.field,
                                                      value='***')
        if not self._conf('infortrend_pools_name'):
            raise exception.InvalidConfigurationValue(
                option='infortrend_pools_name', value='')
        self.slot_a = self._channel_ids('infortrend_slots_a_channels_id')
        self.slot_b = self._channel_ids('infortrend_slots_b_channels_id')
        if not self.slot_a and not self.slot_b:
            raise exception.InvalidConfigurationValue(
                option='infortrend_slots_a_channels_id', value='')
        self._tiers_spec(self._conf('infortrend_tiering'),
                         'infortrend_tiering')

    def _terminal_factory(self):
        conf = self._conf
        if conf('infortrend_cli_transport') == options.TRANSPORT_SSH:
            def ssh():
                return client.SSHTerminal(
                    conf('san_ip'), conf('san_ssh_port'), conf('san_login'),
                    conf('san_password'), conf('san_private_key'),
                    conf('infortrend_ssh_known_hosts_file'),
                    conf('ssh_conn_timeout') or 30)
            return ssh, False

        def local():
            return client.LocalTerminal([conf('java_path'), '-jar',
                                         conf('infortrend_cli_path')])
        return local, True

    @translate_errors
    def do_setup(self):
        self._check_config()
        factory, login = self._terminal_factory()
        self.client = client.RaidcmdClient(
            factory, self._conf('san_ip'), self._conf('san_password') or '',
            login=login, timeout=self._conf('infortrend_cli_timeout'),
            max_retries=self._conf('infortrend_cli_max_retries'))
        self._load_array()

    def _load_array(self):
        lvs = {lv['Name']: lv['ID'] for lv in self.client.show_lv()}
        missing = [p for p in self._conf('infortrend_pools_name')
                   if p not in lvs]
        if missing:
            raise exception.InvalidConfigurationValue(
                option='infortrend_pools_name', value=','.join(missing))
        self.pools = {p: lvs[p] for p in self._conf('infortrend_pools_name')}
        host = self.client.show_host()
        self.max_lun = int(host.get('Max LUN per ID', DEFAULT_MAX_LUN))
        if '0x7f' not in host.get('Peripheral device type', '0x7f'):
            # Hosts then see a phantom device on LUNs without a map.
            LOG.warning('Array %s: set "Peripheral device type" to "No '
                        'Device Present (Type=0x7f)"; it is %r',
                        self._conf('san_ip'),
                        host.get('Peripheral device type'))
        devices = self.client.show_device()
        for device in devices:
            if device.get('Connected-IP') == self._conf('san_ip'):
                self.system_id = str(int(device['ID'], 16))
                break
        else:
            raise exception.VolumeBackendAPIException(
                data='No device in "show device" is connected through '
                     'san_ip %s' % self._conf('san_ip'))
        tiered = self._tiered_pools()
        self.tiered_pools = {n for n, i in self.pools.items() if i in tiered}
        self.channels = self.client.show_channel()
        self.model_type = 'R' if self.channels and \
            'BID' in self.channels[0] else 'G'
        if self.model_type == 'G' and self.slot_b:
            raise exception.InvalidConfigurationValue(
                option='infortrend_slots_b_channels_id',
                value=','.join(map(str, self.slot_b)))

    def check_for_setup_error(self):
        if self.client is None or not self.pools:
            raise exception.VolumeBackendAPIException(
                data='Infortrend backend is not set up')

    def close(self):
        if self.client is not None:
            self.client.close()

    # -- helpers ----------------------------------------------------------
    def _part_id(self, volume, required=True):
        part_id = parse_location(volume.provider_location).get(
            'partition_id')
        if part_id:
            return client.hex_id(part_id, 'provider_location partition_id')
        for part in self.client.show_part():
            if part.get('Name') == volume.id:
                return part['ID']
        if required:
            raise exception.VolumeBackendAPIException(
                data='Volume %s has no partition on the array' % volume.id)
        return None

    def _pool_of(self, volume):
        pool = volume_utils.extract_host(volume.host, 'pool')
        if pool not in self.pools:
            raise exception.VolumeBackendAPIException(
                data='Pool %r of volume %s is not one of '
                     'infortrend_pools_name' % (pool, volume.id))
        return pool

    @staticmethod
    def _extra_specs(volume):
        volume_type = getattr(volume, 'volume_type', None)
        if volume_type is None:
            return {}
        return volume_type.extra_specs or {}

    def _tiers_spec(self, value, what):
        """'all' -> None; '0,2' -> '0,2'; anything else refused."""
        if value is None or value.strip().lower() == 'all':
            return None
        try:
            return client.tiers(value.replace(' ', ''), what)
        except client.InvalidParameter as exc:
            raise exception.InvalidInput(reason=str(exc))

    def _settings(self, extra_specs, pool):
        provisioning = per_pool_spec(extra_specs.get(PROVISIONING_KEY), pool,
                                     PROVISIONING_KEY) or \
            self._conf('infortrend_provisioning')
        if provisioning not in ('thin', 'full'):
            raise exception.InvalidInput(
                reason='%s must be thin or full, not %r'
                       % (PROVISIONING_KEY, provisioning))
        tiering = per_pool_spec(extra_specs.get(TIERING_KEY), pool,
                                TIERING_KEY) or self._conf(
            'infortrend_tiering')
        return provisioning, self._tiers_spec(tiering, TIERING_KEY)

    def _tiered_pools(self):
        tiers = {}
        for row in self.client.show_lv_tier():
            tiers.setdefault(row['LV-ID'], []).append(row)
        return tiers

    def _create_part(self, volume, size_gb):
        """create part + show part: two commands (ref 1.7 create_volume)."""
        pool = self._pool_of(volume)
        lv_id = self.pools[pool]
        provisioning, tiers = self._settings(self._extra_specs(volume), pool)
        size_mb = int(size_gb) * 1024
        kwargs = {}
        tiered = pool in self._tiered_pool_names()
        if provisioning == 'thin':
            kwargs = {'init': False,
                      'min_mb': 0 if tiered else int(size_mb * 0.2)}
            if tiered:
                kwargs['tier'] = tiers or '0,1,2,3'
        elif tiered:
            # Full provisioning lives in one tier: the first requested.
            kwargs['tier'] = (tiers or '0').split(',')[0]
        name = client.name(volume.id, 'volume id')
        try:
            self.client.create_part(lv_id, name, size_mb, **kwargs)
            found = [part['ID'] for part in self.client.show_part()
                     if part.get('Name') == name and
                     part.get('LV-ID') == lv_id]
        except Exception:
            with excutils.save_and_reraise_exception():
                self._remove_named_parts(name, lv_id)
        if not found:
            raise exception.VolumeBackendAPIException(
                data='Partition for volume %s not found after create part'
                     % volume.id)
        # A create repeated after a lost session may have made two.
        for extra in found[1:]:
            LOG.warning('Removing duplicate partition %s of volume %s',
                        extra, volume.id)
            self._delete_part(extra)
        return found[0]

    def _remove_named_parts(self, name, lv_id):
        """Best effort: no partition of a failed create stays behind."""
        try:
            for part in self.client.show_part():
                if part.get('Name') == name and part.get('LV-ID') == lv_id:
                    self._delete_part(part['ID'])
        except client.InfortrendError:
            LOG.exception('Could not check for partitions named %s after a '
                          'failed create', name)

    def _tiered_pool_names(self):
        # Read at setup and refreshed with every stats collection.
        return self.tiered_pools

    def _model_update(self, part_id):
        return {'provider_location': location(part_id, self.system_id)}

    # -- volumes ----------------------------------------------------------
    @translate_errors
    def create_volume(self, volume):
        part_id = self._create_part(volume, volume.size)
        LOG.info('Created partition %s for volume %s', part_id, volume.id)
        return self._model_update(part_id)

    @translate_errors
    def delete_volume(self, volume):
        part_id = self._part_id(volume, required=False)
        if part_id is None:
            LOG.warning('Volume %s has no partition; nothing to delete',
                        volume.id)
            return
        self._delete_part(part_id)

    def _delete_part(self, part_id):
        try:
            self.client.delete_part(part_id)
        except client.CLIError as exc:
            if exc.rc == client.RC_NOT_FOUND:
                LOG.warning('Partition %s is already gone', part_id)
                return
            if exc.rc != client.RC_EXISTS:
                raise
            # Still mapped (rc 20): drop every map, then delete.
            self._delete_all_maps(part_id)
            self.client.delete_part(part_id)

    def _delete_all_maps(self, part_id):
        try:
            self.client.delete_map(part_id)
        except client.CLIError as exc:
            if exc.rc != client.RC_NOT_FOUND:
                raise

    @translate_errors
    def extend_volume(self, volume, new_size):
        delta_mb = (int(new_size) - int(volume.size)) * 1024
        if delta_mb <= 0:
            return
        self.client.expand_part(self._part_id(volume), delta_mb)

    # -- snapshots ----------------------------------------------------------
    @translate_errors
    def create_snapshot(self, snapshot):
        part_id = self._part_id(snapshot.volume)
        snap_name = client.name(snapshot.id, 'snapshot id')
        with lockutils.lock('infortrend-snapshot-%s' % part_id):
            self.client.create_si(part_id, snap_name)
            rows = self.client.show_si(part_id)
        matching = [row for row in rows if row.get('Name') == snap_name]
        if not matching:
            raise exception.VolumeBackendAPIException(
                data='Snapshot image %s of partition %s not found after '
                     'create si' % (snapshot.id, part_id))
        return {'provider_location': matching[-1]['SI-ID']}

    def _si_id(self, snapshot, required=True):
        if snapshot.provider_location:
            return client.hex_id(snapshot.provider_location,
                                 'snapshot provider_location')
        for row in self.client.show_si():
            if row.get('Name') == snapshot.id:
                return row['SI-ID']
        if required:
            raise exception.VolumeBackendAPIException(
                data='Snapshot %s has no snapshot image' % snapshot.id)
        return None

    @translate_errors
    def delete_snapshot(self, snapshot):
        si_id = self._si_id(snapshot, required=False)
        if si_id is None:
            return
        try:
            self.client.delete_si(si_id)
        except client.CLIError as exc:
            if exc.rc != client.RC_NOT_FOUND:
                raise
            LOG.warning('Snapshot image %s is already gone', si_id)

    # -- copies -----------------------------------------------------------
    @translate_errors
    def create_volume_from_snapshot(self, volume, snapshot):
        si_id = self._si_id(snapshot)
        size = max(volume.size, snapshot.volume_size)
        return self._copy_into_new(volume, size, REPLICA_SNAPSHOT, 'si',
                                   si_id)

    @translate_errors
    def create_cloned_volume(self, volume, src_vref):
        src_id = self._part_id(src_vref)
        size = max(volume.size, src_vref.size)
        return self._copy_into_new(volume, size, REPLICA_CLONE, 'part',
                                   src_id)

    def _copy_into_new(self, volume, size_gb, job_name, source_type,
                       source_id):
        part_id = self._create_part(volume, size_gb)
        try:
            self.client.create_replica(job_name, source_type, source_id,
                                       part_id)
            self._wait_replica(part_id)
        except Exception:
            # Leave nothing half made on the array.
            with excutils.save_and_reraise_exception():
                self._abandon_copy(part_id)
        return self._model_update(part_id)

    def _wait_replica(self, part_id):
        """Poll show replica -l until the job into part_id is done."""
        timeout = self._conf('infortrend_replica_timeout')
        interval = self._conf('infortrend_replica_poll_interval')
        deadline = time.monotonic() + timeout
        while True:
            jobs = [job for job in self.client.show_replica()
                    if job.get('Target') == part_id]
            if not jobs:
                raise exception.VolumeBackendAPIException(
                    data='Replica job into partition %s disappeared'
                         % part_id)
            job = jobs[-1]
            status = (job.get('Type'), job.get('Status'))
            if status in (('Copy', 'Completed'), ('Mirror', 'Mirror')):
                self.client.delete_replica(job['Pair-ID'])
                return
            if 'fail' in job.get('Status', '').lower():
                raise exception.VolumeBackendAPIException(
                    data='Replica job %s into partition %s failed: %s'
                         % (job['Pair-ID'], part_id, job.get('Status')))
            if time.monotonic() >= deadline:
                raise exception.VolumeBackendAPIException(
                    data='Replica job %s into partition %s did not complete '
                         'within infortrend_replica_timeout=%ss (status %s, '
                         'progress %s)' % (job['Pair-ID'], part_id, timeout,
                                           job.get('Status'),
                                           job.get('Progress')))
            time.sleep(interval)

    def _abandon_copy(self, part_id):
        try:
            for job in self.client.show_replica():
                if job.get('Target') == part_id:
                    self.client.delete_replica(job['Pair-ID'])
            self._delete_part(part_id)
        except client.InfortrendError:
            LOG.exception('Could not remove partition %s after a failed '
                          'copy', part_id)

    # -- migration ----------------------------------------------------------
    @translate_errors
    def migrate_volume(self, volume, host):
        """Move a detached volume to another pool of this array.

        A mirror replica job copies the partition into the destination LV
        (ref 1.7 migrate); anything else is left to cinder's generic
        migration by returning (False, None).
        """
        location = host.get('capabilities', {}).get('location_info')
        pool = volume_utils.extract_host(host.get('host', ''), 'pool')
        if (location != 'Infortrend:%s' % self.system_id
                or pool not in self.pools or volume.status != 'available'
                or pool == volume_utils.extract_host(volume.host, 'pool')):
            return False, None
        src_id = self._part_id(volume)
        target = volume.obj_clone()
        target.host = host['host']
        dst_id = self._create_part(target, volume.size)
        try:
            self.client.create_replica(REPLICA_MIGRATE, 'part', src_id,
                                       dst_id, mirror=True)
            self._wait_replica(dst_id)
        except Exception:
            with excutils.save_and_reraise_exception():
                self._abandon_copy(dst_id)
        self._delete_part(src_id)
        return True, self._model_update(dst_id)

    # -- stats ------------------------------------------------------------
    @translate_errors
    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._stats = self._collect_stats()
        return self._stats

    def _collect_stats(self):
        """show lv, show lv tier, show license (+ show part when thin)."""
        lvs = {lv['ID']: lv for lv in self.client.show_lv()}
        tiered = self._tiered_pools()
        self.tiered_pools = {n for n, i in self.pools.items() if i in tiered}
        licenses = self.client.show_license()
        thin = licenses.get('Thin Provisioning', {}).get('Support', False)
        provisioned = {}
        if thin:
            for part in self.client.show_part():
                provisioned[part['LV-ID']] = provisioned.get(
                    part['LV-ID'], 0) + float(part['Size'])
        pools = []
        for name, lv_id in sorted(self.pools.items()):
            lv = lvs.get(lv_id)
            if lv is None:
                LOG.warning('Pool %s (LV %s) is gone from the array', name,
                            lv_id)
                continue
            pool = {
                'pool_name': name,
                'pool_id': lv_id,
                'location_info': 'Infortrend:%s' % self.system_id,
                'total_capacity_gb': round(
                    client.size_to_mb(lv['Size']) / 1024, 2),
                'free_capacity_gb': round(
                    client.size_to_mb(lv['Available']) / 1024, 2),
                'reserved_percentage': self._conf('reserved_percentage') or 0,
                'QoS_support': False,
                'thick_provisioning_support': True,
                'thin_provisioning_support': thin,
                'multiattach': True,
                'infortrend_tiers': len(tiered.get(lv_id, [])),
            }
            if thin:
                pool['provisioned_capacity_gb'] = round(
                    provisioned.get(lv_id, 0) / 1024, 2)
                pool['max_over_subscription_ratio'] = self._conf(
                    'max_over_subscription_ratio') or 20.0
            pools.append(pool)
        backend = self._conf('volume_backend_name') or \
            'Infortrend_%s' % self.protocol
        return {
            'volume_backend_name': backend,
            'vendor_name': 'Infortrend',
            'driver_version': self.version,
            'storage_protocol': self.protocol,
            'model_type': self.model_type,
            'system_id': self.system_id,
            'status': 'Connected',
            'pools': pools,
        }

    # -- channels -----------------------------------------------------------
    def _host_channels(self, types):
        """[(slot, ch, target_id, mcs)] of usable host channels."""
        result = []
        for row in self.channels:
            if row.get('Type') not in types or row.get('Mode') != 'Host':
                continue
            ch = int(row['Ch'])
            mcs = row.get('MCS', 'N/A')
            if ch in self.slot_a:
                tid = row['AID'] if self.model_type == 'R' else row['ID']
                if tid != '---':
                    result.append(('A', ch, int(tid), mcs))
            if self.model_type == 'R' and ch in self.slot_b:
                if row.get('BID', '---') != '---':
                    result.append(('B', ch, int(row['BID']), mcs))
        return result

    def _used_luns(self, maps):
        used = {}
        for row in maps:
            key = (int(row['Ch']), int(row['Target']))
            used.setdefault(key, set()).add(int(row['LUN']))
        return used

    def _map_paths(self, part_id, paths, host, kind, maps):
        """Map part_id on every (ch, tid) path to host with one free LUN.

        On a LUN conflict (rc 1 or 20) only the maps made here are removed
        and the next LUN is tried, so other hosts' maps are never touched.
        """
        used = self._used_luns(maps)
        for lun in range(self.max_lun):
            if any(lun in used.get(p, ()) for p in paths):
                continue
            made = []
            try:
                for ch, tid in paths:
                    self.client.create_map(part_id, ch, tid, lun,
                                           **{kind: host})
                    made.append((ch, tid))
                return lun
            except client.CLIError as exc:
                if exc.rc not in (client.RC_EXISTS, client.RC_RAID_FAIL):
                    self._unmap(part_id, made, lun)
                    raise
                LOG.debug('LUN %d taken on one of %s; trying the next',
                          lun, paths)
                self._unmap(part_id, made, lun)
        raise exception.VolumeBackendAPIException(
            data='No LUN free on channels %s for partition %s'
                 % (paths, part_id))

    def _unmap(self, part_id, paths, lun):
        for ch, tid in paths:
            try:
                self.client.delete_map(part_id, ch, tid, lun)
            except client.CLIError as exc:
                if exc.rc != client.RC_NOT_FOUND:
                    raise

    @staticmethod
    def _host_maps(maps, part_id, host):
        return [row for row in maps if row['ID'] == part_id and
                row.get('Host-ID', '').lower() == host.lower()]

    # -- iSCSI --------------------------------------------------------------
    def _portals(self):
        portals = {}
        port = self._conf('infortrend_iscsi_port')
        for row in self.client.show_net():
            ip = row.get('IPv4', '---')
            slot = row.get('Slot', 'slotA')[-1:]
            if ip in ('---', '0.0.0.0'):
                continue
            portals[(slot, int(row['ID']))] = '%s:%d' % (ip, port)
        return portals

    def _target_iqn(self, slot, tid, mcs):
        mcs_id = mcs if mcs not in ('N/A', '---') else '0'
        return '%s:raid.uid%s.%s%d%d' % (
            self._conf('infortrend_iqn_prefix'), self.system_id, mcs_id, tid,
            1 if slot == 'A' else 2)

    def _ensure_initiator(self, initiator):
        initiator = client.iqn(initiator, 'connector initiator')
        known = {row.get('IQN', '').lower() for row in
                 self.client.show_iqn()}
        if initiator.lower() in known:
            return
        try:
            self.client.create_iqn(initiator, self._alias(initiator))
        except client.CLIError as exc:
            if exc.rc != client.RC_EXISTS:
                raise

    @staticmethod
    def _alias(initiator):
        """The last 16 characters, trimmed to start with a letter/digit."""
        alias = initiator[-16:].lstrip('.:-_')
        return client.name(alias, 'initiator alias')

    def _choose_iscsi_paths(self, multipath, maps):
        """{(slot, mcs): [(ch, tid), ...]} of the MCS groups to map on.

        Multipath: every group on both slots.  Single path: the slot A
        group whose lowest channel has the most free LUNs (ref 1.7).
        """
        channels = self._host_channels(ISCSI_CHANNEL_TYPES)
        if not channels:
            raise exception.VolumeBackendAPIException(
                data='No iSCSI host channel among '
                     'infortrend_slots_a_channels_id / _b_')
        groups = {}
        for slot, ch, tid, mcs in sorted(channels):
            groups.setdefault((slot, mcs), []).append((ch, tid))
        if multipath:
            return groups
        slot_a = {k: v for k, v in groups.items() if k[0] == 'A'} or groups
        used = self._used_luns(maps)
        best = min(slot_a, key=lambda key: (
            len(used.get(slot_a[key][0], ())), key))
        return {best: slot_a[best]}

    @translate_errors
    def initialize_iscsi(self, volume, connector):
        part_id = self._part_id(volume)
        initiator = client.iqn(connector.get('initiator'),
                               'connector initiator')
        multipath = bool(connector.get('multipath'))
        with lockutils.lock('infortrend-%s-connection' % self.system_id):
            self._ensure_initiator(initiator)
            portals = self._portals()
            maps = self.client.show_map()
            groups = self._choose_iscsi_paths(multipath, maps)
            # One map per MCS group: its lowest channel (ref 1.7 step 3).
            paths = {key: chans[0] for key, chans in groups.items()}
            existing = self._host_maps(maps, part_id, initiator)
            have = {(int(r['Ch']), int(r['Target'])): int(r['LUN'])
                    for r in existing}
            luns = {have[p] for p in paths.values() if p in have}
            if len(luns) == 1 and all(p in have for p in paths.values()):
                lun = luns.pop()
            else:
                todo = [p for p in paths.values() if p not in have]
                lun = self._map_paths(part_id, todo, initiator, 'initiator',
                                      maps)
        targets = []
        for (slot, mcs), (ch, tid) in sorted(paths.items()):
            member_channels = groups[(slot, mcs)] if self._conf(
                'infortrend_iscsi_mcs') else [(ch, tid)]
            for member_ch, member_tid in member_channels:
                portal = portals.get((slot, member_ch))
                if portal is None:
                    raise exception.VolumeBackendAPIException(
                        data='Channel %d slot %s has no IPv4 address in '
                             'show net' % (member_ch, slot))
                targets.append((self._target_iqn(slot, member_tid, mcs),
                                portal))
        data = {'target_discovered': False,
                'target_iqn': targets[0][0],
                'target_portal': targets[0][1],
                'target_lun': lun,
                'volume_id': volume.id,
                'discard': False}
        if multipath or len(targets) > 1:
            data['target_iqns'] = [t[0] for t in targets]
            data['target_portals'] = [t[1] for t in targets]
            data['target_luns'] = [lun] * len(targets)
        return {'driver_volume_type': 'iscsi', 'data': data}

    @translate_errors
    def terminate_iscsi(self, volume, connector):
        part_id = self._part_id(volume, required=False)
        if part_id is None:
            return
        with lockutils.lock('infortrend-%s-connection' % self.system_id):
            if not connector:
                self._delete_all_maps(part_id)
                return
            initiator = client.iqn(connector.get('initiator'),
                                   'connector initiator')
            maps = self.client.show_map()
            self._delete_host_maps(part_id, maps, initiator)
            left = [r for r in maps if r.get('Host-ID', '').lower() ==
                    initiator.lower() and r['ID'] != part_id]
            if not left:
                self._forget_initiator(initiator)

    def _delete_host_maps(self, part_id, maps, host):
        paths = {(int(r['Ch']), int(r['Target']), int(r['LUN']))
                 for r in self._host_maps(maps, part_id, host)}
        for ch, tid, lun in sorted(paths):
            try:
                self.client.delete_map(part_id, ch, tid, lun)
            except client.CLIError as exc:
                if exc.rc != client.RC_NOT_FOUND:
                    raise

    def _forget_initiator(self, initiator):
        for row in self.client.show_iqn():
            if row.get('IQN', '').lower() == initiator.lower():
                try:
                    self.client.delete_iqn(row['Name'])
                except client.CLIError as exc:
                    if exc.rc not in (client.RC_NOT_FOUND, client.RC_EXISTS):
                        raise

    # -- FC -----------------------------------------------------------------
    def _fc_targets(self, multipath):
        """{(ch, tid): target WWPN} on the usable FC channels."""
        usable = {(slot, ch): tid for slot, ch, tid, _ in
                  self._host_channels(FC_CHANNEL_TYPES)
                  if multipath or slot == 'A'}
        targets = {}
        for row in self.client.show_wwn():
            slot_id = row.get('ID', '')
            slot = 'B' if slot_id.startswith('BID:') else 'A'
            key = (slot, int(row['CH']))
            if key in usable:
                targets[(int(row['CH']), usable[key])] = row['WWPN'].lower()
        if not targets:
            raise exception.VolumeBackendAPIException(
                data='No FC host channel among '
                     'infortrend_slots_a_channels_id / _b_')
        return targets

    def _fc_multipath(self, connector):
        return bool(connector.get('multipath')) or bool(
            self._conf('infortrend_fc_multipath'))

    @translate_errors
    def initialize_fc(self, volume, connector, lookup_service=None):
        part_id = self._part_id(volume)
        wwpns = [client.wwpn(w, 'connector wwpns')
                 for w in connector.get('wwpns') or []]
        if not wwpns:
            raise exception.InvalidInput(reason='connector has no wwpns')
        with lockutils.lock('infortrend-%s-connection' % self.system_id):
            targets = self._fc_targets(self._fc_multipath(connector))
            itmap = self._initiator_target_map(wwpns, targets,
                                               lookup_service)
            maps = self.client.show_map()
            pairs = []
            for init in wwpns:
                for (ch, tid), wwn in sorted(targets.items()):
                    if wwn in itmap.get(init.lower(), []):
                        pairs.append((ch, tid, init))
            have = {}
            for row in maps:
                if row['ID'] == part_id:
                    have[(int(row['Ch']), int(row['Target']),
                          row.get('Host-ID', '').upper())] = int(row['LUN'])
            luns = {have.get(p) for p in pairs}
            if len(luns) == 1 and None not in luns:
                lun = luns.pop()
            else:
                lun = self._map_fc(part_id, pairs, maps)
        used_targets = sorted({targets[(ch, tid)] for ch, tid, _ in pairs})
        return {'driver_volume_type': 'fibre_channel',
                'data': {'target_discovered': True,
                         'target_lun': lun,
                         'target_wwn': used_targets,
                         'initiator_target_map': itmap,
                         'volume_id': volume.id}}

    def _map_fc(self, part_id, pairs, maps):
        used = self._used_luns(maps)
        channels = {(ch, tid) for ch, tid, _ in pairs}
        for lun in range(self.max_lun):
            if any(lun in used.get(c, ()) for c in channels):
                continue
            made = []
            try:
                for ch, tid, init in pairs:
                    self.client.create_map(part_id, ch, tid, lun, wwn=init)
                    made.append((ch, tid))
                return lun
            except client.CLIError as exc:
                self._unmap(part_id, sorted(set(made)), lun)
                if exc.rc not in (client.RC_EXISTS, client.RC_RAID_FAIL):
                    raise
        raise exception.VolumeBackendAPIException(
            data='No LUN free on FC channels for partition %s' % part_id)

    @staticmethod
    def _initiator_target_map(wwpns, targets, lookup_service):
        target_wwns = sorted(set(targets.values()))
        if lookup_service is not None:
            mapping = lookup_service.get_device_mapping_from_network(
                wwpns, target_wwns)
            itmap = {}
            for fabric in mapping.values():
                for init in fabric['initiator_port_wwn_list']:
                    itmap.setdefault(init.lower(), []).extend(
                        t.lower() for t in fabric['target_port_wwn_list'])
            return itmap
        return {w.lower(): list(target_wwns) for w in wwpns}

    @translate_errors
    def terminate_fc(self, volume, connector):
        part_id = self._part_id(volume, required=False)
        if part_id is None:
            return {'driver_volume_type': 'fibre_channel', 'data': {}}
        with lockutils.lock('infortrend-%s-connection' % self.system_id):
            if not connector:
                self._delete_all_maps(part_id)
                return {'driver_volume_type': 'fibre_channel', 'data': {}}
            wwpns = [client.wwpn(w, 'connector wwpns')
                     for w in connector.get('wwpns') or []]
            maps = self.client.show_map()
            for init in wwpns:
                self._delete_host_maps(part_id, maps, init)
            mine = {w.upper() for w in wwpns}
            left = [r for r in maps if r['ID'] != part_id and
                    r.get('Host-ID', '').upper() in mine]
            info = {'driver_volume_type': 'fibre_channel', 'data': {}}
            if not left:
                targets = self._fc_targets(True)
                info['data'] = {'target_wwn': sorted(set(targets.values())),
                                'initiator_target_map':
                                    self._initiator_target_map(
                                        wwpns, targets, None)}
            return info

    # -- manage / unmanage / retype ---------------------------------------
    def _find_part(self, existing_ref):
        parts = self.client.show_part(detail=True)
        if 'source-id' in existing_ref:
            wanted = client.hex_id(existing_ref['source-id'], 'source-id')
            found = [p for p in parts if p['ID'] == wanted]
        elif 'source-name' in existing_ref:
            wanted = client.name(existing_ref['source-name'], 'source-name')
            found = [p for p in parts if p['Name'] == wanted]
        else:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason='source-name or source-id is required')
        if len(found) != 1:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason='%d partitions match' % len(found))
        return found[0]

    @translate_errors
    def manage_existing_get_size(self, volume, existing_ref):
        part = self._find_part(existing_ref)
        return int(math.ceil(float(part['Size']) / 1024))

    @translate_errors
    def manage_existing(self, volume, existing_ref):
        part = self._find_part(existing_ref)
        pool = self._pool_of(volume)
        if part['LV-ID'] != self.pools[pool]:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason='partition is not in pool %s' % pool)
        if part.get('Mapped') == 'true':
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref, reason='partition is mapped')
        self.client.set_part_name(part['ID'], volume.id)
        return self._model_update(part['ID'])

    @translate_errors
    def unmanage(self, volume):
        part_id = self._part_id(volume)
        self.client.set_part_name(part_id,
                                  UNMANAGED_PREFIX + volume.id[:19])

    @translate_errors
    def retype(self, volume, new_type, diff, host):
        """Only a tiering change inside the same pool is done in place."""
        if volume_utils.extract_host(host['host'], 'pool') != \
                volume_utils.extract_host(volume.host, 'pool'):
            return False
        pool = self._pool_of(volume)
        old_specs = self._extra_specs(volume)
        new_specs = new_type.get('extra_specs', {}) if new_type else {}
        old_prov, old_tiers = self._settings(old_specs, pool)
        new_prov, new_tiers = self._settings(new_specs, pool)
        if old_prov != new_prov:
            return False
        if old_tiers == new_tiers:
            return True
        if pool not in self._tiered_pool_names():
            return True
        part_id = self._part_id(volume)
        tier = new_tiers or '0,1,2,3'
        if new_prov == 'full':
            tier = tier.split(',')[0]
        self.client.set_part_tier_resided(part_id, tier)
        self.client.set_lv_tier_migrate(self.pools[pool], part_id)
        self._wait_tier_migration(part_id)
        return True

    def _wait_tier_migration(self, part_id):
        timeout = self._conf('infortrend_replica_timeout')
        deadline = time.monotonic() + timeout
        while True:
            parts = [p for p in self.client.show_part(detail=True)
                     if p['ID'] == part_id]
            if not parts or 'migrating' not in parts[0].get(
                    'Progress', '').lower():
                return
            if time.monotonic() >= deadline:
                raise exception.VolumeBackendAPIException(
                    data='Tier migration of partition %s did not finish '
                         'within %ss' % (part_id, timeout))
            time.sleep(self._conf('infortrend_replica_poll_interval'))


class InfortrendBaseVolumeDriver(driver.VolumeDriver):
    """What the iSCSI and FC drivers share: delegation to InfortrendCommon.

    A concrete driver also inherits cinder's protocol base class, sets
    PROTOCOL ('iSCSI' or 'FC'), VERSION and CI_WIKI_NAME, and implements
    initialize_connection and terminate_connection.
    """

    PROTOCOL = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(options.san_opts)
        self.configuration.append_config_values(options.infortrend_opts)
        self.common = InfortrendCommon(self.PROTOCOL, self.configuration,
                                       self.VERSION)

    @staticmethod
    def get_driver_options():
        return options.san_opts + options.infortrend_opts

    def do_setup(self, context):
        self.common.do_setup()

    def check_for_setup_error(self):
        self.common.check_for_setup_error()

    def create_volume(self, volume):
        return self.common.create_volume(volume)

    def create_volume_from_snapshot(self, volume, snapshot):
        return self.common.create_volume_from_snapshot(volume, snapshot)

    def create_cloned_volume(self, volume, src_vref):
        return self.common.create_cloned_volume(volume, src_vref)

    def extend_volume(self, volume, new_size):
        self.common.extend_volume(volume, new_size)

    def delete_volume(self, volume):
        self.common.delete_volume(volume)

    def create_snapshot(self, snapshot):
        return self.common.create_snapshot(snapshot)

    def delete_snapshot(self, snapshot):
        self.common.delete_snapshot(snapshot)

    # LUN maps are made in initialize_connection; there is no export.
    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    def get_volume_stats(self, refresh=False):
        self._stats = self.common.get_volume_stats(refresh)
        return self._stats

    def migrate_volume(self, context, volume, host):
        return self.common.migrate_volume(volume, host)

    def manage_existing(self, volume, existing_ref):
        return self.common.manage_existing(volume, existing_ref)

    def manage_existing_get_size(self, volume, existing_ref):
        return self.common.manage_existing_get_size(volume, existing_ref)

    def unmanage(self, volume):
        self.common.unmanage(volume)

    def retype(self, context, volume, new_type, diff, host):
        return self.common.retype(volume, new_type, diff, host)
