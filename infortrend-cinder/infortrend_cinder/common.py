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
"""InfortrendBaseVolumeDriver: the array logic of the iSCSI and FC drivers.

Partitions, snapshot images, replica jobs, maps, manage, retype and stats,
in the array's words; the array is reached only through
client.RaidcmdClient, which builds every command line.  iscsi.py and fc.py
add one transport's connection info.
"""

import functools
import math

from cinder import coordination
from cinder import exception
from cinder.volume import driver
from cinder.volume import volume_utils
from oslo_log import log as logging
from oslo_utils import excutils
import tenacity

from infortrend_cinder import client
from infortrend_cinder import options

LOG = logging.getLogger(__name__)

PROVISIONING_KEY = 'infortrend:provisioning'
TIERING_KEY = 'infortrend:tiering'
DEFAULT_MAX_LUN = 128
UNMANAGED_PREFIX = 'cinder-unmanaged-'
REPLICA_CLONE = 'Cinder-Cloned'
REPLICA_SNAPSHOT = 'Cinder-Snapshot'
REPLICA_MIGRATE = 'Cinder-Migrate'
# Job polling: the first look soon after the job starts (most copies of
# small volumes are done in well under a second), then backing off
# gently, never longer apart than infortrend_replica_poll_interval.
POLL_FIRST_WAIT = 0.05
POLL_GROWTH = 1.25

# Cross-process locks (cinder's coordination; cluster-wide with a tooz
# backend), each named after the array (its system ID, so backends on two
# arrays never wait for each other) and the array object it guards.  The
# LUN map table is one object of the array and MAPS_LOCK is not narrowed
# to a host: a LUN is unique per channel and target whatever host it is
# mapped to (protocol.rst P28), so the LUN chosen for one host depends on
# the maps of every other, and an initiator entry is dropped when no map
# uses it.
MAPS_LOCK = 'infortrend-{self.system_id}-maps'
PART_LOCK = 'infortrend-{self.system_id}-part-{part_id}'
PART_NAME_LOCK = 'infortrend-{self.system_id}-partname-{part_name}'
REPLICA_LOCK = 'infortrend-{self.system_id}-replica-{target_id}'


def array_errors(operation):
    """Turn client errors into cinder errors naming the operation and array.

    A value refused before anything was sent becomes InvalidInput; any
    other array error VolumeBackendAPIException, secrets masked.
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            try:
                return func(self, *args, **kwargs)
            except client.InvalidParameter as exc:
                raise exception.InvalidInput(
                    reason='%s: %s' % (operation, exc)) from exc
            except client.InfortrendError as exc:
                raise exception.VolumeBackendAPIException(
                    data='%s failed on the array at san_ip=%s: %s' % (
                        operation, self.configuration.safe_get('san_ip'),
                        client.mask(str(exc)))) from exc
        return wrapper
    return decorator


class PollAgain(Exception):
    """A job is still running; tenacity looks again."""


def location(part_id, system_id):
    """provider_location: keys sorted, joined by '@' and '^'.

    The in-tree driver's layout (protocol.rst P25).
    """
    return 'partition_id^%s@system_id^%s' % (part_id, system_id)


def parse_location(text):
    values = {}
    for item in (text or '').split('@'):
        key, sep, value = item.partition('^')
        if sep:
            values[key] = value
    return values


def per_pool_spec(value, pool, what):
    """"thin", or "LV-1:thin; LV-2:full" (protocol.rst P15), or None."""
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


class InfortrendBaseVolumeDriver(driver.VolumeDriver):
    """Common EonStor DS logic; subclasses add one transport.

    A concrete driver also inherits cinder's protocol base class, sets
    STORAGE_PROTOCOL, and implements initialize_connection and
    terminate_connection.

    Version history (of both transports):
        1.0.0 - create/delete/attach/detach/extend, snapshots, clones and
                volumes from snapshots through replica jobs, stats, manage,
                unmanage, tiering retype; local pty or SSH CLI session.
    """

    VENDOR_NAME = 'Infortrend'
    VERSION = '1.0.0'
    CI_WIKI_NAME = 'Infortrend_Storage_CI'
    # Safe with several cinder-volume services of one cluster serving one
    # array: partitions are named after the cinder volume and found by
    # provider_location; the map table, snapshot images of a partition
    # and replica jobs into a partition are changed under cinder's
    # coordination locks (above); each service keeps its own raidcmd
    # session, and what it keeps between requests (pool IDs, channels,
    # max LUN, system ID) is the operator's configuration of the array,
    # which no service changes.
    SUPPORTS_ACTIVE_ACTIVE = True
    # Set by subclasses (cinder's constants.ISCSI / constants.FC).
    STORAGE_PROTOCOL = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(options.san_opts)
        self.configuration.append_config_values(options.infortrend_opts)
        self.client = None
        self.system_id = None      # decimal, as cinder sees it
        self.model_type = None     # 'R' (dual controller) or 'G'
        self.max_lun = DEFAULT_MAX_LUN
        self.pools = {}            # pool name -> LV-ID
        self.tiered_pools = set()  # names of pools with tiers
        self.channels = []
        self._stats = {}

    @staticmethod
    def get_driver_options():
        return options.san_opts + options.infortrend_opts

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

    @array_errors('set up')
    def do_setup(self, context):
        self._check_config()
        factory, login = self._terminal_factory()
        # The password is read at every (re)connect: a session opened
        # after a rotation logs in with the password configured then.
        self.client = client.RaidcmdClient(
            factory, self._conf('san_ip'),
            lambda: self._conf('san_password') or '',
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
        """create part + show part: the ID is read back (protocol.rst P14)."""
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
    @array_errors('create volume')
    def create_volume(self, volume):
        part_id = self._create_part(volume, volume.size)
        LOG.info('Created partition %s for volume %s', part_id, volume.id)
        return self._model_update(part_id)

    @array_errors('delete volume')
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

    @array_errors('extend volume')
    def extend_volume(self, volume, new_size):
        delta_mb = (int(new_size) - int(volume.size)) * 1024
        if delta_mb <= 0:
            return
        self.client.expand_part(self._part_id(volume), delta_mb)

    # -- snapshots ----------------------------------------------------------
    @array_errors('create snapshot')
    def create_snapshot(self, snapshot):
        part_id = self._part_id(snapshot.volume)
        snap_name = client.name(snapshot.id, 'snapshot id')
        rows = self._create_si(part_id, snap_name)
        matching = [row for row in rows if row.get('Name') == snap_name]
        if not matching:
            raise exception.VolumeBackendAPIException(
                data='Snapshot image %s of partition %s not found after '
                     'create si' % (snapshot.id, part_id))
        return {'provider_location': matching[-1]['SI-ID']}

    @coordination.synchronized(PART_LOCK)
    def _create_si(self, part_id, snap_name):
        """create si + show si of one partition: its SI list, ours in it."""
        self.client.create_si(part_id, snap_name)
        return self.client.show_si(part_id)

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

    @array_errors('delete snapshot')
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
    @array_errors('create volume from snapshot')
    def create_volume_from_snapshot(self, volume, snapshot):
        si_id = self._si_id(snapshot)
        size = max(volume.size, snapshot.volume_size)
        return self._copy_into_new(volume, size, REPLICA_SNAPSHOT, 'si',
                                   si_id)

    @array_errors('clone volume')
    def create_cloned_volume(self, volume, src_vref):
        src_id = self._part_id(src_vref)
        size = max(volume.size, src_vref.size)
        return self._copy_into_new(volume, size, REPLICA_CLONE, 'part',
                                   src_id)

    def _copy_into_new(self, volume, size_gb, job_name, source_type,
                       source_id):
        part_id = self._create_part(volume, size_gb)
        try:
            self._replicate(job_name, source_type, source_id, part_id)
        except Exception:
            # Leave nothing half made on the array.
            with excutils.save_and_reraise_exception():
                self._abandon_copy(part_id)
        return self._model_update(part_id)

    def _poll(self, look, what):
        """Call look() until it returns instead of raising PollAgain.

        The first look is at once, the next after POLL_FIRST_WAIT, each
        later one POLL_GROWTH times further, at most
        infortrend_replica_poll_interval apart, until
        infortrend_replica_timeout.
        """
        timeout = self._conf('infortrend_replica_timeout')
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(PollAgain),
            wait=tenacity.wait_exponential(
                multiplier=POLL_FIRST_WAIT, exp_base=POLL_GROWTH,
                max=self._conf('infortrend_replica_poll_interval')),
            stop=tenacity.stop_after_delay(timeout),
            reraise=True)
        try:
            return retrying(look)
        except PollAgain as exc:
            raise exception.VolumeBackendAPIException(
                data='%s did not complete within '
                     'infortrend_replica_timeout=%ss (%s)'
                     % (what, timeout, exc))

    @coordination.synchronized(REPLICA_LOCK)
    def _replicate(self, job_name, source_type, source_id, target_id,
                   mirror=False):
        """create replica into target_id, wait for it, delete the job."""
        self.client.create_replica(job_name, source_type, source_id,
                                   target_id, mirror=mirror)

        def look():
            jobs = [job for job in self.client.show_replica()
                    if job.get('Target') == target_id]
            if not jobs:
                raise exception.VolumeBackendAPIException(
                    data='Replica job into partition %s disappeared'
                         % target_id)
            job = jobs[-1]
            status = (job.get('Type'), job.get('Status'))
            if status in (('Copy', 'Completed'), ('Mirror', 'Mirror')):
                return job
            if 'fail' in job.get('Status', '').lower():
                raise exception.VolumeBackendAPIException(
                    data='Replica job %s into partition %s failed: %s'
                         % (job['Pair-ID'], target_id, job.get('Status')))
            raise PollAgain('job %s: status %s, progress %s' % (
                job['Pair-ID'], job.get('Status'), job.get('Progress')))

        job = self._poll(look, 'Replica job into partition %s' % target_id)
        self.client.delete_replica(job['Pair-ID'])

    @coordination.synchronized(REPLICA_LOCK)
    def _abandon_copy(self, target_id):
        try:
            for job in self.client.show_replica():
                if job.get('Target') == target_id:
                    self.client.delete_replica(job['Pair-ID'])
            self._delete_part(target_id)
        except client.InfortrendError:
            LOG.exception('Could not remove partition %s after a failed '
                          'copy', target_id)

    # -- migration ----------------------------------------------------------
    @array_errors('migrate volume')
    def migrate_volume(self, context, volume, host):
        """Move a detached volume to another pool of this array.

        A mirror replica job copies the partition into the destination LV
        (protocol.rst P27); anything else is left to cinder's generic
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
            self._replicate(REPLICA_MIGRATE, 'part', src_id, dst_id,
                            mirror=True)
        except Exception:
            with excutils.save_and_reraise_exception():
                self._abandon_copy(dst_id)
        self._delete_part(src_id)
        return True, self._model_update(dst_id)

    # -- stats ------------------------------------------------------------
    @array_errors('get volume stats')
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
            'Infortrend_%s' % self.STORAGE_PROTOCOL
        return {
            'volume_backend_name': backend,
            'vendor_name': self.VENDOR_NAME,
            'driver_version': self.VERSION,
            'storage_protocol': self.STORAGE_PROTOCOL,
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

    def _delete_host_maps(self, part_id, maps, host):
        paths = {(int(r['Ch']), int(r['Target']), int(r['LUN']))
                 for r in self._host_maps(maps, part_id, host)}
        for ch, tid, lun in sorted(paths):
            try:
                self.client.delete_map(part_id, ch, tid, lun)
            except client.CLIError as exc:
                if exc.rc != client.RC_NOT_FOUND:
                    raise

    @coordination.synchronized(MAPS_LOCK)
    def _unmap_all(self, part_id):
        """Force detach: every map of part_id, whoever it is for."""
        self._delete_all_maps(part_id)

    # -- manage / unmanage / retype ---------------------------------------
    @staticmethod
    def _referenced(rows, existing_ref, what):
        """The one row (of a show ... -l) a manage reference names."""
        if 'source-id' in existing_ref:
            wanted = client.hex_id(existing_ref['source-id'], 'source-id')
            found = [row for row in rows if row['ID'] == wanted]
        elif 'source-name' in existing_ref:
            wanted = client.name(existing_ref['source-name'], 'source-name')
            found = [row for row in rows if row['Name'] == wanted]
        else:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason='source-name or source-id is required')
        if len(found) != 1:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason='%d %s match' % (len(found), what))
        return found[0]

    def _find_part(self, existing_ref):
        return self._referenced(self.client.show_part(detail=True),
                                existing_ref, 'partitions')

    @array_errors('manage volume')
    def manage_existing_get_size(self, volume, existing_ref):
        part = self._find_part(existing_ref)
        return int(math.ceil(float(part['Size']) / 1024))

    @array_errors('manage volume')
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

    @array_errors('unmanage volume')
    def unmanage(self, volume):
        part_id = self._part_id(volume)
        self.client.set_part_name(part_id,
                                  UNMANAGED_PREFIX + volume.id[:19])

    def _pool_by_lv(self):
        return {lv_id: name for name, lv_id in self.pools.items()}

    @staticmethod
    def _managed_by(cinder_objects, id_key):
        """{name or array ID: cinder ID} of what cinder already manages.

        An object is cinder's when its array name is a cinder ID (the
        name it is created or managed under, by this driver and the
        in-tree one) or when a cinder object's provider_location holds
        its array ID.
        """
        managed = {}
        for obj in cinder_objects:
            for name in {obj.id, getattr(obj, 'name_id', None) or obj.id}:
                managed[name] = obj.id
            text = obj.provider_location or ''
            array_id = parse_location(text).get(id_key) if id_key else text
            if array_id:
                managed[array_id.upper()] = obj.id
        return managed

    @array_errors('list manageable volumes')
    def get_manageable_volumes(self, cinder_volumes, marker, limit, offset,
                               sort_keys, sort_dirs):
        """Partitions of the configured pools, in cinder's listing form.

        Partitions cinder already manages and mapped ones are listed as
        not safe to manage, with the reason (show part -l, protocol.rst
        P30).
        """
        pools = self._pool_by_lv()
        managed = self._managed_by(cinder_volumes, 'partition_id')
        entries = []
        for part in self.client.show_part(detail=True):
            pool = pools.get(part.get('LV-ID'))
            if pool is None:
                continue
            cinder_id = managed.get(part['Name']) or managed.get(part['ID'])
            reason = None
            if cinder_id:
                reason = 'Already managed by cinder as volume %s' % cinder_id
            elif part.get('Mapped', 'false').lower() != 'false':
                reason = 'Partition is mapped to a host (%s)' % part.get(
                    'Mapping', 'mapped')
            entries.append({
                'reference': {'source-id': part['ID'],
                              'source-name': part['Name'],
                              'pool-name': pool},
                'size': int(math.ceil(float(part['Size']) / 1024)),
                'safe_to_manage': reason is None,
                'reason_not_safe': reason,
                'cinder_id': cinder_id,
                'extra_info': {'pool': pool},
            })
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    def _find_si(self, existing_ref):
        """The one snapshot image a reference names (show si -l, P30)."""
        return self._referenced(self.client.show_si(detail=True),
                                existing_ref, 'snapshot images')

    def _part_size_gb(self, part_id):
        for part in self.client.show_part():
            if part['ID'] == part_id:
                return int(math.ceil(float(part['Size']) / 1024))
        raise exception.VolumeBackendAPIException(
            data='Partition %s is gone from the array' % part_id)

    @array_errors('manage snapshot')
    def manage_existing_snapshot_get_size(self, snapshot, existing_ref):
        """A snapshot image is the size of its partition."""
        si = self._find_si(existing_ref)
        return self._part_size_gb(si['Partition-ID'])

    @array_errors('manage snapshot')
    def manage_existing_snapshot(self, snapshot, existing_ref):
        """Name the image after the snapshot; it must be of its volume."""
        si = self._find_si(existing_ref)
        part_id = self._part_id(snapshot.volume)
        if si['Partition-ID'] != part_id:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason='snapshot image %s is of partition %s, not of '
                       'volume %s (partition %s)' % (
                           si['ID'], si['Partition-ID'], snapshot.volume.id,
                           part_id))
        self.client.set_si_name(si['ID'], snapshot.id)
        return {'provider_location': si['ID']}

    @array_errors('unmanage snapshot')
    def unmanage_snapshot(self, snapshot):
        """Rename the image as the in-tree driver does; it stays."""
        self.client.set_si_name(self._si_id(snapshot),
                                UNMANAGED_PREFIX + snapshot.id[:19])

    @array_errors('list manageable snapshots')
    def get_manageable_snapshots(self, cinder_snapshots, marker, limit,
                                 offset, sort_keys, sort_dirs):
        """Snapshot images of partitions in the configured pools.

        Images cinder already manages are listed as not safe to manage;
        source_reference names the partition (its name is the cinder
        volume ID when cinder manages it) for cinder's manage call.
        """
        pools = self._pool_by_lv()
        managed = self._managed_by(cinder_snapshots, None)
        parts = {part['ID']: part for part in self.client.show_part()}
        entries = []
        for si in self.client.show_si(detail=True):
            part = parts.get(si.get('Partition-ID'))
            if part is None or pools.get(part.get('LV-ID')) is None:
                continue
            cinder_id = managed.get(si['Name']) or managed.get(si['ID'])
            reason = None
            if cinder_id:
                reason = 'Already managed by cinder as snapshot %s' % (
                    cinder_id)
            entries.append({
                'reference': {'source-id': si['ID'],
                              'source-name': si['Name']},
                'size': int(math.ceil(float(part['Size']) / 1024)),
                'safe_to_manage': reason is None,
                'reason_not_safe': reason,
                'cinder_id': cinder_id,
                'extra_info': {'partition-id': part['ID']},
                'source_reference': {'volume-id': part['Name']},
            })
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    def update_migrated_volume(self, ctxt, volume, new_volume,
                               original_volume_status):
        """After cinder's generic migration: the copy takes the volume's name.

        The new partition is renamed to the volume's ID (the in-tree
        driver's naming, protocol.rst P30), so the volume keeps no
        _name_id; if the rename fails the volume keeps the copy's ID as
        its _name_id, which the partition is still named after.
        """
        model = {'_name_id': None,
                 'provider_location': new_volume.provider_location}
        try:
            part_id = self._part_id(new_volume)
            self.client.set_part_name(part_id, volume.id)
        except (client.InfortrendError,
                exception.VolumeBackendAPIException) as exc:
            LOG.warning('Could not rename the partition of migrated volume '
                        '%s to %s; it keeps its name: %s', new_volume.id,
                        volume.id, client.mask(str(exc)))
            model['_name_id'] = new_volume.name_id
        return model

    @array_errors('retype volume')
    def retype(self, context, volume, new_type, diff, host):
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
        def look():
            parts = [p for p in self.client.show_part(detail=True)
                     if p['ID'] == part_id]
            if parts and 'migrating' in parts[0].get('Progress',
                                                     '').lower():
                raise PollAgain('progress %s' % parts[0].get('Progress'))

        self._poll(look, 'Tier migration of partition %s' % part_id)

    # LUN maps are made in initialize_connection; there is no export.
    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass
