# Copyright 2026 Cinder backends team
#
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

"""The ISE array logic shared by the iSCSI and FC drivers.

Talks to the array only through xio_cinder.client; speaks cinder objects
on the other side.  Names on the ISE are cinder's names (volume.name,
snapshot.name); ISE snapshots and clones are ordinary named volumes made
by prepare-then-commit (doc/protocol.rst P15).
"""

import collections
import functools
import re

from cinder import coordination
from cinder import exception
from cinder.i18n import _
from cinder.volume import driver
from cinder.volume import volume_utils
from oslo_log import log as logging

from xio_cinder import client
from xio_cinder import options

LOG = logging.getLogger(__name__)

RAID_LEVELS = (0, 1, 5, 6)
QOS_KEYS = {'miniops': 'min', 'maxiops': 'max', 'burstiops': 'burst'}
# Characters a pool name may keep in cinder's host@backend#pool: the API's
# host pattern refuses spaces and more, and '@', '#' would split the host.
POOL_NAME_UNSAFE = re.compile(r'[^A-Za-z0-9._-]+')

# Cross-process locks (cinder's coordination; cluster-wide with a tooz
# backend), named after the ISE (globalid) and the object they guard: a
# volume (deleted, extended or copied, under SOURCE_LOCK while it is the
# source of a snapshot or clone) and the ISE host of one compute host
# (found, created, given allocations and deleted).
VOLUME_LOCK = '{self.driver_prefix}-{self.array_id}-volume-{name}'
SOURCE_LOCK = '{self.driver_prefix}-{self.array_id}-volume-{source_name}'
HOST_LOCK = '{self.driver_prefix}-{self.array_id}-host-{name}'


class XIODriverException(exception.VolumeBackendAPIException):
    message = _('X-IO ISE: %(data)s')


def array_errors(operation):
    """Turn the client's errors into a cinder error naming what failed.

    The one place where client.ISEError becomes a cinder exception: the
    text says which operation failed on which ISE (san_ip) and carries the
    client's message, which names the object and the HTTP reply.
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            try:
                return func(self, *args, **kwargs)
            except client.ISEError as exc:
                raise XIODriverException(data=_(
                    '%(operation)s failed on the ISE at san_ip=%(ip)s: '
                    '%(error)s') % {
                        'operation': operation,
                        'ip': self.configuration.safe_get('san_ip'),
                        'error': exc}) from exc
        return wrapper
    return decorator


class XIOBaseVolumeDriver(driver.VolumeDriver):
    """X-IO ISE volume driver, common to the iSCSI and FC classes."""

    VERSION = '2.0.0'
    CI_WIKI_NAME = 'X-IO_ISE_CI'
    # Safe with several cinder-volume services of one cluster serving one
    # ISE: every name on the ISE is the cinder object's; the find, create
    # and delete of a host and the copies of a source run under cinder's
    # coordination locks (cluster-wide with a tooz backend) named after
    # the ISE (its globalid) and the object; the ISE itself chooses LUNs
    # and refuses a second host of one name (protocol.rst P33); nothing
    # another service changes is kept between requests (see __init__).
    SUPPORTS_ACTIVE_ACTIVE = True
    # Set by subclasses (cinder's constants.ISCSI / constants.FC).
    STORAGE_PROTOCOL = None
    # Prefix of the names of this driver's cross-process locks.
    driver_prefix = 'xio-ise'
    # Suffix of the host name when the connector's host name is taken.
    _host_suffix = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.configuration:
            self.configuration.append_config_values(
                options.connection_opts + options.xio_opts)
        self.client = None
        # The ISE's globalid, in every lock name: two backends on one ISE
        # share their locks, backends on two ISEs never wait for each
        # other.
        self.array_id = None
        # Pool names reported in stats -> ISE pool ids, for the scheduler's
        # pool choice (host@backend#pool).  Kept between requests because
        # pools are the operator's, never made or removed by cinder; an
        # unknown name reads them again.  Hosts, allocations and volumes
        # are read from the ISE on every request.
        self._pool_ids = {}

    @staticmethod
    def get_driver_options():
        return options.connection_opts + options.xio_opts

    # -- setup -------------------------------------------------------------

    def _required(self, name):
        value = self.configuration.safe_get(name)
        if not value:
            raise exception.InvalidConfigurationValue(option=name,
                                                      value=value)
        return value

    def do_setup(self, context):
        conf = self.configuration
        address = self._required('san_ip')
        login = self._required('san_login')
        if not conf.safe_get('san_password'):
            raise exception.InvalidConfigurationValue(
                option='san_password', value='<empty>')
        verify = bool(conf.safe_get('driver_ssl_cert_verify'))
        if verify and conf.safe_get('driver_ssl_cert_path'):
            verify = conf.driver_ssl_cert_path
        self.client = client.ISEClient(
            address, login, conf.san_password,
            port=conf.safe_get('san_api_port'),
            use_ssl=bool(conf.safe_get('driver_use_ssl')),
            verify=verify,
            connection_retries=conf.ise_connection_retries,
            retry_interval=conf.ise_retry_interval,
            completion_retries=conf.ise_completion_retries,
            credentials=self._credentials)

    def _credentials(self):
        # Read again when the ISE refuses the ones in use: new values of
        # san_login/san_password in the configuration (a rotation, README)
        # are used without a new session, the ISE having none.
        conf = self.configuration
        return conf.safe_get('san_login'), conf.safe_get('san_password')

    @array_errors('connect to the ISE')
    def check_for_setup_error(self):
        # /query raises ISEIncompatible without the clones capability.
        self.array_id = self.client.query().globalid

    # -- volume types --------------------------------------------------------

    def _type_settings(self, volume):
        """Pool, RAID, affinity, alloctype and QoS for ``volume``."""
        conf = self.configuration
        specs = {}
        qos = {}
        vtype = volume.volume_type if volume.volume_type_id else None
        if vtype is not None:
            for key, value in (vtype.extra_specs or {}).items():
                specs[key.lower()] = value
            qos_specs = vtype.qos_specs if vtype.qos_specs_id else None
            if qos_specs is not None and qos_specs.consumer in (
                    'back-end', 'both'):
                qos.update({k.lower(): v for k, v in
                            qos_specs.specs.items()})
        for key, value in specs.items():
            if key.startswith('qos:'):
                qos.setdefault(key[4:], value)
        array = self.client.query()

        raid = self._int_spec(specs, 'feature:raid', conf.ise_raid_level)
        if raid not in RAID_LEVELS:
            raise exception.InvalidInput(
                reason=_('Feature:Raid must be one of %s, not %s')
                % (RAID_LEVELS, raid))
        pool = specs.get('feature:pool')
        if pool is not None:
            pool = self._int_spec(specs, 'feature:pool', None)
        else:
            pool = self._pool_for_host(volume.host)
        settings = {'raid': raid, 'pool': pool, 'affinity': None,
                    'alloctype': None, 'iops': {}}
        affinity = specs.get('affinity:type')
        if affinity:
            self._require(array, client.CAP_AFFINITY,
                          _('Affinity:Type is set'), 'affinity')
            settings['affinity'] = affinity
        alloctype = specs.get('alloc:type')
        if alloctype not in (None, ''):
            if str(alloctype) not in ('0', '1'):
                raise exception.InvalidInput(reason=_(
                    'Alloc:Type must be 0 (thick) or 1 (thin), not %s')
                    % alloctype)
            self._require(array, client.CAP_THIN_CLONES,
                          _('Alloc:Type is set'), 'thin provisioning')
            settings['alloctype'] = alloctype
        iops = {}
        for key, name in QOS_KEYS.items():
            if qos.get(key) not in (None, ''):
                try:
                    iops[name] = int(qos[key])
                except ValueError:
                    raise exception.InvalidInput(reason=_(
                        'QoS %(key)s must be an integer, not %(value)r')
                        % {'key': key, 'value': qos[key]})
        if iops:
            self._require(array, client.CAP_QOS,
                          _('QoS IOPS limits are set'), 'QoS')
            settings['iops'] = iops
        return settings

    @staticmethod
    def _require(array, capability, setting, what):
        """InvalidInput naming ``setting`` if the ISE lacks ``capability``."""
        if not array.has(capability):
            raise exception.InvalidInput(reason=_(
                '%(setting)s but this ISE has no %(what)s capability')
                % {'setting': setting, 'what': what})

    @staticmethod
    def _int_spec(specs, key, default):
        value = specs.get(key, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise exception.InvalidInput(
                reason=_('extra spec %s must be an integer, not %r')
                % (key, value))

    def _pool_of_host(self, host):
        """ISE pool id of host@backend#pool, else the pool name (or None)."""
        pool_name = volume_utils.extract_host(host, 'pool') if host else None
        if pool_name and pool_name not in self._pool_ids:
            self._refresh_pools()
        return self._pool_ids.get(pool_name, pool_name)

    def _pool_for_host(self, host):
        pool = self._pool_of_host(host)
        return pool if isinstance(pool, int) else (
            self.configuration.ise_default_pool)

    def _refresh_pools(self):
        pools = self.client.list_pools()
        names = self._pool_names(pools)
        self._pool_ids = {names[p.id]: int(p.id) for p in pools}
        # Hosts written before pool names were made safe carry the ISE's
        # own name ("Pool 1"), and those written by cinder's former X-IO
        # driver (1.1.x) the ISE pool id ("1"): both still find their pool.
        for pool in pools:
            self._pool_ids.setdefault(pool.name, int(pool.id))
        for pool in pools:
            self._pool_ids.setdefault(pool.id, int(pool.id))
        return pools

    @staticmethod
    def _pool_names(pools):
        """ISE pool id -> the pool name cinder sees in host@backend#pool.

        The ISE name with every run of characters other than letters,
        digits, '.', '_' and '-' made '_' ("Pool 1" -> "Pool_1"); when that
        is empty or shared by several pools, "pool-<id>".
        """
        safe = {p.id: POOL_NAME_UNSAFE.sub('_', p.name or '').strip('_')
                for p in pools}
        counts = collections.Counter(safe.values())
        return {pid: name if name and counts[name] == 1 else 'pool-%s' % pid
                for pid, name in safe.items()}

    # -- helpers -------------------------------------------------------------

    def _wait_operational(self, name):
        return self.client.wait_for_volume(
            name, lambda v: v is not None and v.operational, 'operational')

    def _discard(self, name):
        """Best effort removal of a half-made object after a failure."""
        try:
            volume = self.client.find_volume(name)
            if volume is None:
                return
            self._delete_allocations(name)
            self.client.delete_volume(volume.url)
            self.client.wait_for_volume(name, lambda v: v is None,
                                        'deleted')
        except client.ISEError as exc:
            LOG.error('Could not remove %(name)s from the ISE after a '
                      'failed operation: %(error)s',
                      {'name': name, 'error': exc})

    def _source(self, name, what):
        source = self.client.find_volume(name)
        if source is None:
            raise XIODriverException(data=_('%(what)s %(name)s not found on '
                                            'the ISE')
                                     % {'what': what, 'name': name})
        if not (source.operational and source.status_value == '0'):
            raise XIODriverException(data=_(
                '%(what)s %(name)s is not operational on the ISE '
                '(%(status)s)') % {'what': what, 'name': name,
                                   'status': source.status})
        return source

    # A snapshot or clone in progress holds the lock of its source, across
    # processes: the ISE prepares one copy of a source at a time (it
    # answers "Not in a valid state" to a second), and a source is not
    # deleted, extended or modified under a copy being made of it.
    @coordination.synchronized(SOURCE_LOCK)
    def _copy(self, source_name, source_what, name, kind, settings=None):
        """Prepare then commit a snapshot or clone of ``source_name``."""
        source = self._source(source_name, source_what)
        settings = settings or {}
        try:
            try:
                url = self.client.prepare_copy(
                    source.url, name, kind, affinity=settings.get('affinity'),
                    iops=settings.get('iops'))
            except client.ISEConflict:
                # Our earlier attempt's reply was lost; names are unique.
                url = None
            prepared = self.client.wait_for_volume(
                name, lambda v: v is not None and (v.prepared or
                                                   v.operational),
                'prepared')
            if not prepared.operational:
                self.client.commit_copy(url or prepared.url, kind)
            return self._wait_operational(name)
        except Exception:
            self._discard(name)
            raise

    # -- volumes -------------------------------------------------------------

    @array_errors('create volume')
    def create_volume(self, volume):
        settings = self._type_settings(volume)
        try:
            try:
                self.client.create_volume(
                    volume.name, volume.size, settings['pool'],
                    settings['raid'], affinity=settings['affinity'],
                    alloctype=settings['alloctype'], iops=settings['iops'])
            except client.ISEConflict:
                # Cinder names are unique: a 409 after a lost reply is our
                # own volume.
                LOG.warning('ISE volume %s exists already; using it',
                            volume.name)
            self._wait_operational(volume.name)
        except Exception:
            self._discard(volume.name)
            raise

    @coordination.synchronized(VOLUME_LOCK)
    def _delete_by_name(self, name):
        self._delete_allocations(name)
        volume = self.client.find_volume(name)
        if volume is None:
            LOG.warning('ISE volume %s is already gone', name)
            return
        try:
            self.client.delete_volume(volume.url)
        except client.ISENotFound:
            return
        try:
            self.client.wait_for_volume(name, lambda v: v is None,
                                        'deleted')
        except client.ISETimeout as exc:
            # The ISE finishes the delete on its own (protocol.rst P18).
            LOG.warning('%s', exc)

    @array_errors('delete volume')
    def delete_volume(self, volume):
        self._delete_by_name(volume.name)

    @array_errors('create snapshot')
    def create_snapshot(self, snapshot):
        self._copy(snapshot.volume_name, 'volume', snapshot.name,
                   'snapshot')

    @array_errors('delete snapshot')
    def delete_snapshot(self, snapshot):
        self._delete_by_name(snapshot.name)

    def _clone_into(self, volume, source_name, source_what):
        settings = self._type_settings(volume)
        copy = self._copy(source_name, source_what, volume.name, 'clone',
                          settings)
        # The copy has the size of the source on the ISE, which is not
        # always the size cinder has for the source: cinder's former X-IO
        # driver never grew a larger clone, so its clones can be smaller
        # on the ISE than in cinder.
        if volume.size > copy.size_gb:
            try:
                self.client.modify_volume(copy.url, size=volume.size)
            except Exception:
                self._discard(volume.name)
                raise

    @array_errors('create volume from snapshot')
    def create_volume_from_snapshot(self, volume, snapshot):
        self._clone_into(volume, snapshot.name, 'snapshot')

    @array_errors('clone volume')
    def create_cloned_volume(self, volume, src_vref):
        self._clone_into(volume, src_vref.name, 'volume')

    @coordination.synchronized(VOLUME_LOCK)
    def _extend(self, name, new_size):
        current = self.client.find_volume(name)
        if current is None:
            raise XIODriverException(data=_('volume %s not found on the '
                                            'ISE') % name)
        if current.size_gb < new_size:
            self.client.modify_volume(current.url, size=new_size)

    @array_errors('extend volume')
    def extend_volume(self, volume, new_size):
        self._extend(volume.name, new_size)

    # -- retype --------------------------------------------------------------

    @array_errors('retype volume')
    def retype(self, context, volume, new_type, diff, host):
        """Change QoS IOPS in place; anything else needs a migration.

        ISE modifies size, name and IOPS limits of a volume (PUT), not its
        RAID level, pool, affinity or allocation type.
        """
        iops = {}
        for key, (_old, new) in (diff or {}).get('extra_specs', {}).items():
            key = key.lower()
            if not key.startswith('qos:'):
                return False
            iops[key[4:]] = new
        for key, (_old, new) in (diff or {}).get('qos_specs', {}).items():
            if key.lower() in QOS_KEYS:
                iops[key.lower()] = new
            elif key not in ('consumer', 'id', 'name', 'created_at'):
                return False
        if host and self._pool_of_host(
                host.get('host')) != self._pool_of_host(volume.host):
            return False
        limits = {}
        for key, value in iops.items():
            if key not in QOS_KEYS or value in (None, ''):
                return False    # ISE cannot drop a limit in place
            try:
                limits['IOPS%s' % QOS_KEYS[key]] = int(value)
            except ValueError:
                raise exception.InvalidInput(reason=_(
                    'QoS %(key)s must be an integer, not %(value)r')
                    % {'key': key, 'value': value})
        if limits:
            if not self.client.query().has(client.CAP_QOS):
                return False
            current = self.client.find_volume(volume.name)
            if current is None:
                raise XIODriverException(data=_('volume %s not found on the '
                                                'ISE') % volume.name)
            self.client.modify_volume(current.url, **limits)
        return True

    # -- manage / unmanage ---------------------------------------------------

    def _existing(self, existing_ref):
        name = existing_ref.get('source-name')
        if not name:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('give the ISE volume name as source-name'))
        found = self.client.find_volume(name)
        if found is None:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('no ISE volume named %s') % name)
        return found

    @array_errors('manage volume')
    def manage_existing_get_size(self, volume, existing_ref):
        return self._existing(existing_ref).size_gb

    @array_errors('manage volume')
    def manage_existing(self, volume, existing_ref):
        found = self._existing(existing_ref)
        if self.client.list_allocations(volume_name=found.name):
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('ISE volume %s is presented to hosts; unpresent '
                         'it first') % found.name)
        if found.name != volume.name:
            self.client.modify_volume(found.url, name=volume.name)

    def unmanage(self, volume):
        # The ISE volume keeps cinder's name; nothing changes on the array.
        LOG.info('ISE volume %s is no longer managed by cinder',
                 volume.name)

    @array_errors('list manageable volumes')
    def get_manageable_volumes(self, cinder_volumes, marker, limit, offset,
                               sort_keys, sort_dirs):
        """Every ISE volume, in cinder's listing form (protocol.rst P34).

        Not safe to manage: a volume cinder manages (named after a cinder
        volume), a cinder snapshot's (named snapshot-<ID>), one presented
        to hosts, one not operational.  Snapshots on the ISE are ordinary
        volumes with nothing naming their source (P15), so there is no
        get_manageable_snapshots.
        """
        managed = {v.name: v.id for v in cinder_volumes}
        presented = {a.volume_name for a in self.client.list_allocations()}
        entries = []
        for found in self.client.list_volumes():
            cinder_id = managed.get(found.name)
            if cinder_id:
                reason = _('Already managed by cinder as volume %s') % (
                    cinder_id)
            elif found.name.startswith('snapshot-'):
                reason = _('A cinder snapshot')
            elif found.name in presented:
                reason = _('Presented to hosts')
            elif not found.operational:
                reason = _('Not operational (%s)') % found.status
            else:
                reason = None
            entries.append({
                'reference': {'source-name': found.name},
                'size': found.size_gb,
                'safe_to_manage': reason is None,
                'reason_not_safe': reason,
                'cinder_id': cinder_id,
                'extra_info': None,
            })
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    # -- exports (ISE presents at attach time) -------------------------------

    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    # -- hosts and allocations ----------------------------------------------

    def _initiators(self, connector):
        raise NotImplementedError()

    @staticmethod
    def _host_with(hosts, endpoint):
        endpoint = endpoint.lower()
        for host in hosts:
            if endpoint in host.endpoints:
                return host
        return None

    def _find_host(self, endpoint):
        return self._host_with(self.client.list_hosts(), endpoint)

    def _host_names(self, name):
        """Names this driver gives the ISE host of connector host ``name``.

        The connector's host name (protocol.rst P21), and, when a host of that
        name already exists with other initiators (the same hypervisor
        attached over the other protocol, or an operator's host),
        ``<name>-iscsi`` or ``<name>-fc``.
        """
        return (name, '%s-%s' % (name, self._host_suffix))

    def _create_host(self, name, initiators, hosts):
        """Create the ISE host for ``initiators`` under a free name."""
        for candidate in self._host_names(name):
            if any(h.name == candidate for h in hosts):
                continue
            self.client.create_host(candidate, initiators)
            hosts = self.client.list_hosts()
            host = self._host_with(hosts, initiators[0])
            if host is not None:
                return host
            # The name was taken meanwhile (409): try the next one.
        raise XIODriverException(data=_(
            'could not create an ISE host for %(init)s: the names %(names)s '
            'are used by ISE hosts with other initiators')
            % {'init': initiators[0],
               'names': ', '.join(self._host_names(name))})

    def _present(self, volume, connector):
        """Find or create the host, then allocate; returns (host, alloc)."""
        initiators = self._initiators(connector)
        name = connector.get('host')
        if not name or not initiators:
            raise exception.InvalidInput(reason=_(
                'connector needs a host name and %s') % self._initiator_word)
        return self._present_to_host(volume, name, initiators)

    # The ISE host of one compute host is looked up, created, given
    # allocations and deleted under one lock held across cinder-volume
    # processes (cinder's coordination), so that two attaches create one
    # host and a detach never deletes a host another attach just used.
    @coordination.synchronized(HOST_LOCK)
    def _present_to_host(self, volume, name, initiators):
        hosts = self.client.list_hosts()
        host = self._host_with(hosts, initiators[0])
        if host is None:
            host = self._create_host(name, initiators, hosts)
        if host.type != 'OPENSTACK':
            self.client.mark_host_openstack(host.url)
        alloc = self.client.create_allocation(volume.name, host.name)
        return host, alloc

    def _unpresent(self, volume, connector):
        """Remove the allocation(s); True if the host was removed too."""
        if connector is None:
            # Force detach: remove every presentation of the volume.
            self._delete_allocations(volume.name)
            return False
        initiators = self._initiators(connector)
        if not initiators:
            return False
        return self._unpresent_from_host(volume, connector.get('host'),
                                         initiators)

    @coordination.synchronized(HOST_LOCK)
    def _unpresent_from_host(self, volume, name, initiators):
        host = self._find_host(initiators[0])
        if host is None:
            LOG.warning('No ISE host for %s; nothing to detach',
                        initiators[0])
            return False
        for alloc in self.client.list_allocations(
                volume_name=volume.name, host_name=host.name):
            self.client.delete_allocation(alloc.url)
        if host.name not in self._host_names(name):
            # Found by initiator but named by someone else: an
            # operator's host, not one this driver created.
            return False
        if self.client.list_allocations(host_name=host.name):
            return False
        self.client.delete_host(host.url)
        return True

    def _delete_allocations(self, volume_name):
        for alloc in self.client.list_allocations(volume_name=volume_name):
            self.client.delete_allocation(alloc.url)

    # -- stats ---------------------------------------------------------------

    @array_errors('get volume stats')
    def _update_volume_stats(self):
        array = self.client.query()
        pools = self._refresh_pools()
        raid_key = 'raid-%d' % self.configuration.ise_raid_level
        backend_name = (self.configuration.safe_get('volume_backend_name')
                        or self.__class__.__name__)
        thin = array.has(client.CAP_THIN_CLONES)
        names = self._pool_names(pools)
        pool_stats = []
        for pool in pools:
            stats = {
                'pool_name': names[pool.id],
                'total_capacity_gb': pool.available_gb + pool.used_gb,
                'free_capacity_gb': pool.available_by_raid.get(
                    raid_key, pool.available_gb),
                'allocated_capacity_gb': pool.used_gb,
                'reserved_percentage':
                    self.configuration.safe_get('reserved_percentage') or 0,
                'QoS_support': array.has(client.CAP_QOS),
                'thin_provisioning_support': thin,
                'thick_provisioning_support': True,
                'affinity': array.has(client.CAP_AFFINITY),
                'multiattach': False,
                'total_volumes': pool.volume_count,
                'active_volumes': pool.volume_count,
                'ise_pool_id': pool.id,
                'ise_pool_name': pool.name,
            }
            for key, value in pool.available_by_raid.items():
                stats['free_capacity_gb_%s' % key.replace('-', '_')] = value
            for key, value in pool.used_by_raid.items():
                stats['allocated_capacity_gb_%s' % key.replace('-', '_')] = (
                    value)
            pool_stats.append(stats)
        self._stats = {
            'volume_backend_name': backend_name,
            'vendor_name': 'X-IO',
            'driver_version': self.VERSION,
            'storage_protocol': self.STORAGE_PROTOCOL,
            'total_capacity_gb': sum(p['total_capacity_gb']
                                     for p in pool_stats),
            'free_capacity_gb': sum(p['free_capacity_gb']
                                    for p in pool_stats),
            'QoS_support': array.has(client.CAP_QOS),
            'thin_provisioning_support': thin,
            'pools': pool_stats,
        }
        return self._stats
