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
"""HuaweiSDSBaseVolumeDriver: every SDSHypervisor operation on the array.

Volumes, snapshots, clones, uploads, manage and stats. The base class
speaks to the VBS only through client.VbsClient and to the host's
sds_cli only through host.VbsHost; driver.py adds the connection info.
The requests and their order follow Huawei's StorAC driver wherever it
shows them (doc/protocol.rst, facts P<n>); what no Huawei source shows
is an assumption there and handled defensively here: a refused request
is followed by a query of the object, never decoded from its return code
(protocol.rst P16). Client errors become cinder's in one place,
array_errors.
"""

import contextlib
import functools
import ipaddress
import math
import uuid

from cinder import coordination
from cinder import exception
from cinder.i18n import _
from cinder.volume import driver
from cinder.volume import volume_types
from cinder.volume import volume_utils
import defusedxml
import defusedxml.ElementTree as ElementTree
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import units
import tenacity

from huawei_sds_cinder import client
from huawei_sds_cinder import host
from huawei_sds_cinder import options

LOG = logging.getLogger(__name__)

# P10: statuses a volume / snapshot reports while its delete is still
# running; any other status of an object we deleted is an error.
VOLUME_DELETING_STATUSES = ('1', '2', '10')
SNAPSHOT_DELETING_STATUSES = ('1', '2')

# P8: the fixed CREATE_VOLUME_REQ policy of Huawei's driver; the spelling
# "repicate" is the protocol's own. Our policy options default to these
# values, and the XML file's <policy> does not change them (P14).
DEFAULT_POLICY = {
    'thin_flag': '0', 'reserved': '0', 'volume_space_reserved': '0',
    'force_provision_size': '0', 'iops': '100', 'max_iops': '100',
    'min_iops': '0', 'cache_size': '0', 'repicate_num': '1',
    'repicate_tolerant_num': '1', 'encrypt_algorithm': '0',
    'consistency': '0', 'stor_space_level': '1', 'compress_algorithm': '0',
    'deduplication': '0', 'snapshot': '0', 'backup_cycle': '0',
    'tolerance_disk_failure': '0', 'tolerance_cache_failure': '1',
}
# kind -> (query request, name key, record prefix), delete request, and
# the statuses that mean "still being deleted" (P10).
_QUERIES = {'volume': ('QUERY_VOLUME_REQ', 'vol_name', 'volume'),
            'snapshot': ('QUERY_SNAPSHOT_REQ', 'snap_name', 'snapshot')}
_DELETES = {'volume': ('DELETE_VOLUME_REQ', 'vol_name'),
            'snapshot': ('DELETE_SNAPSHOT_REQ', 'snap_name')}
_DELETING = {'volume': VOLUME_DELETING_STATUSES,
             'snapshot': SNAPSHOT_DELETING_STATUSES}
# Polling a delete (P10): the first look soon, then backing off to a cap.
POLL_FIRST_WAIT = 0.05
# Each wait a quarter longer than the one before (not twice): a delete
# the VBS finishes in 0.5 s is seen within 0.6 s, not 0.75 s.
POLL_GROWTH = 1.25
POLL_MAX_WAIT = 2
# Extra specs may also be scoped, e.g. huawei_sds:iops.
EXTRA_SPEC_SCOPE = 'huawei_sds:'
# QoS spec Qos-<level>: <class> selects an IO class and a priority.
QOS_LEVEL_PRIORITY = {'qos-high': '3', 'qos-normal': '2', 'qos-low': '1'}
QOS_POLICY_KEYS = ('iops', 'max_iops', 'min_iops', 'cache_size')
CAPABILITY_KEYS = ('reserved_percentage', 'deduplication', 'snapshot',
                   'backup')


def read_legacy_xml(path):
    """Read the Kilo StorAC XML file into a dict of settings.

    Keys: addresses, port, pools, pool_policy ({pool: {key: value}}),
    policy (dict), capability (dict). Blank and invalid vbs_url entries are
    dropped, as the legacy driver did. policy, capability and pool_policy
    are reported in the stats only, as the legacy driver did (P14).
    """
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError,
            defusedxml.DefusedXmlException) as exc:
        raise exception.InvalidConfigurationValue(
            option='cinder_huawei_sds_conf_file', value=path) from exc
    settings = {'addresses': [], 'port': None, 'pools': [], 'policy': {},
                'capability': {}, 'pool_policy': {}}
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
            settings['pool_policy'][pool_id] = {
                child.tag: (child.text or '').strip() for child in pool
                if child.tag != 'pool_id'}
    for element in root.findall('policy/*'):
        if element.text:
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


def _subject(args):
    """The VBS name of the volume or snapshot an operation is about.

    The first argument that is a volume or snapshot (copy_volume_to_image
    has the request context first).
    """
    for obj in args:
        if not hasattr(obj, 'provider_location'):
            continue
        name = obj.provider_location or getattr(obj, 'name', None)
        if isinstance(name, str):
            return name
    return None


def array_errors(operation):
    """Turn the client's VbsError family into cinder errors.

    The message names the operation, the volume or snapshot it was about
    and what the VBS said. A value that
    would break the request framing is the caller's input (InvalidInput);
    anything else the VBS did or did not answer is a backend error.
    cinder's own exceptions pass through unchanged.
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            try:
                return func(self, *args, **kwargs)
            except client.VbsError as exc:
                subject = _subject(args)
                what = ('%s %s' % (operation, subject) if subject
                        else operation)
                if isinstance(exc, client.VbsInvalidValue):
                    raise exception.InvalidInput(
                        reason=_('%(what)s: %(err)s')
                        % {'what': what, 'err': exc}) from exc
                raise exception.VolumeBackendAPIException(
                    data=_('%(what)s failed: %(err)s')
                    % {'what': what, 'err': exc}) from exc
        return wrapper
    return decorator


class HuaweiSDSBaseVolumeDriver(driver.VolumeDriver):
    """What every SDSHypervisor driver operation does on the array."""

    VENDOR_NAME = 'Huawei'
    # Set by the driver class (driver.py).
    STORAGE_PROTOCOL = None
    # Safe with several cinder-volume services of one cluster serving one
    # VBS: every VBS object is named after a cinder object or a fresh
    # UUID (temporaries), a source with temporaries, a snapshot being
    # copied and a volume attached on a cinder-volume host for a copy are
    # locked by cinder's coordination (cluster-wide with a tooz backend),
    # the VBS keeps no host or map objects (a compute host attaches
    # through its own VBS), and nothing but the configuration is kept
    # between requests.  The lock names hold cinder's volume and snapshot
    # names, which are unique UUIDs: two backends never share one, so no
    # array identity is needed in them.
    SUPPORTS_ACTIVE_ACTIVE = True
    driver_prefix = 'huawei-sds'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.configuration:
            self.configuration.append_config_values(options.ALL_OPTS)
        self.client = None
        # Not self.host: cinder's volume manager reads that as the
        # backend's host name (e.g. to migrate volumes).
        self.vbs_host = None
        self.pools = []
        self.policy = {}
        self.xml_policy = {}
        self.pool_policy = {}
        self.capability = {}

    @staticmethod
    def get_driver_options():
        return options.ALL_OPTS

    # -- setup ---------------------------------------------------------------

    def _backend_name(self):
        return (self.configuration.safe_get('volume_backend_name')
                or self.__class__.__name__)

    def do_setup(self, context):
        conf = self.configuration
        addresses = list(conf.huawei_sds_vbs_addresses or [])
        pools = list(conf.huawei_sds_pools or [])
        port = conf.huawei_sds_vbs_port
        if conf.cinder_huawei_sds_conf_file:
            legacy = read_legacy_xml(conf.cinder_huawei_sds_conf_file)
            addresses = addresses or legacy['addresses']
            pools = pools or legacy['pools']
            port = legacy['port'] or port
            # P14: the XML policy, per-pool policy and capability are
            # what the legacy driver reported; never put on the wire.
            self.xml_policy = legacy['policy']
            self.pool_policy = legacy['pool_policy']
            self.capability = legacy['capability']
        policy = dict(DEFAULT_POLICY)
        policy.update({
            'thin_flag': '1' if conf.huawei_sds_thin_provisioning else '0',
            'iops': str(conf.huawei_sds_iops),
            'max_iops': str(conf.huawei_sds_max_iops),
            'min_iops': str(conf.huawei_sds_min_iops),
            'cache_size': str(conf.huawei_sds_cache_size),
            'repicate_num': str(conf.huawei_sds_replica_count),
            'repicate_tolerant_num':
                str(conf.huawei_sds_replica_tolerant_count),
        })
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
                # A setting, not a request: name the option it came from.
                raise exception.InvalidConfigurationValue(
                    option='volume policy %s' % key, value=value) from exc
        self.pools = pools
        self.policy = policy
        self.vbs_host = host.VbsHost(conf.safe_get('volume_dd_blocksize')
                                     or '1M')
        self.client = client.VbsClient(
            addresses, port,
            connect_timeout=conf.huawei_sds_connect_timeout,
            read_timeout=conf.huawei_sds_read_timeout)

    @array_errors('check for setup error')
    def check_for_setup_error(self):
        try:
            self._pool_capabilities()
        except client.VbsRequestError as exc:
            # The VBS refused the pool query: a pool it does not have.
            raise exception.InvalidConfigurationValue(
                option='huawei_sds_pools', value=self.pools) from exc

    # -- helpers -------------------------------------------------------------

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
        """The CREATE_VOLUME_REQ policy for a volume's type (P8)."""
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

    def _query(self, kind, name):
        """The object's record, or None when the VBS says -900079 (P9)."""
        request_type, key, prefix = _QUERIES[kind]
        try:
            reply = self.client.request(request_type, [(key, name)])
        except client.VbsObjectNotFound:
            return None
        records = reply.records(prefix)
        if not records:
            # P10: an existing object answers with its record.
            raise exception.VolumeBackendAPIException(
                data=_('Query %(kind)s %(name)s: retcode 0 without a '
                       'record') % {'kind': kind, 'name': name})
        return records[0]

    def _wait_gone(self, kind, name):
        """Poll, backing off, until the VBS says the object is gone."""
        transitional = _DELETING[kind]

        def gone():
            record = self._query(kind, name)
            if record is None:
                return True
            status = record.get('status')
            if status not in transitional:
                raise exception.VolumeBackendAPIException(
                    data=_('%(name)s reports status %(status)s while being '
                           'deleted') % {'name': name, 'status': status})
            return False

        timeout = self.configuration.huawei_sds_delete_timeout
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_result(lambda done: not done),
            wait=tenacity.wait_exponential(multiplier=POLL_FIRST_WAIT,
                                           exp_base=POLL_GROWTH,
                                           min=POLL_FIRST_WAIT,
                                           max=POLL_MAX_WAIT),
            stop=tenacity.stop_after_delay(timeout),
            reraise=True)
        try:
            retrying(gone)
        except tenacity.RetryError:
            raise exception.VolumeBackendAPIException(
                data=_('%(name)s still exists %(timeout)s s after its '
                       'delete') % {'name': name, 'timeout': timeout})

    def _create(self, kind, request_type, params, name):
        """A create request; a lost reply is settled by a query."""
        try:
            self.client.request(request_type, params)
        except client.VbsReplyLost as exc:
            LOG.warning('Reply to the create of %(name)s was lost (%(err)s);'
                        ' checking whether the VBS applied it.',
                        {'name': name, 'err': exc})
            try:
                record = self._query(kind, name)
            except (client.VbsError, exception.VolumeBackendAPIException):
                record = None
            # Not "status 0": that it means ready is not attested (P18).
            if record is None or record.get('status') in _DELETING[kind]:
                raise exc

    def _delete(self, kind, name, busy):
        """A delete request, then wait until the object is gone.

        Idempotent: an object the VBS does not have is already deleted. A
        refusal is settled by a query (P16): gone or going is fine, still
        there is ``busy``.
        """
        request_type, key = _DELETES[kind]
        try:
            self.client.request(request_type, [(key, name)])
        except client.VbsObjectNotFound:
            LOG.info('%(kind)s %(name)s is already gone from the '
                     'SDSHypervisor.', {'kind': kind, 'name': name})
            return
        except client.VbsReplyLost as exc:
            LOG.warning('Reply to the delete of %(name)s was lost (%(err)s);'
                        ' waiting for it to go.', {'name': name, 'err': exc})
        except client.VbsRequestError as exc:
            record = self._query(kind, name)
            if record is None:
                return
            if record.get('status') not in _DELETING[kind]:
                LOG.warning('The VBS refused to delete %(kind)s %(name)s '
                            '(%(err)s); it still exists.',
                            {'kind': kind, 'name': name, 'err': exc})
                raise busy
        self._wait_gone(kind, name)

    def _delete_quietly(self, name, why):
        """Remove a temporary or half-made volume; log, never raise."""
        try:
            self._delete('volume', name,
                         exception.VolumeIsBusy(volume_name=name))
        except Exception:
            LOG.exception('Could not remove volume %(name)s %(why)s.',
                          {'name': name, 'why': why})

    # -- the cinder-volume host's attachments --------------------------------
    #
    # Whether a volume is attached on this host is read, then changed, then
    # changed back (host.VbsHost.attached): under the volume's cluster-wide
    # lock, so another operation (of this or another cinder-volume service)
    # cannot detach it from under this one, nor this one from under it.

    @coordination.synchronized('{self.driver_prefix}-attach-{source}',
                               '{self.driver_prefix}-attach-{target}')
    def _copy(self, source, target, size_mb):
        """dd size_mb MB from VBS volume source to target, on this host."""
        self.vbs_host.copy(source, target, size_mb)

    @coordination.synchronized('{self.driver_prefix}-attach-{volume_name}')
    def _delete_snapshot_attached(self, snap_name, volume_name):
        """P12: attach the snapshot's volume here first, as Huawei does."""
        try:
            with self.vbs_host.attached(volume_name):
                self._delete('snapshot', snap_name,
                             exception.SnapshotIsBusy(snapshot_name=snap_name))
        except (exception.SnapshotIsBusy,
                exception.VolumeBackendAPIException, client.VbsError):
            raise
        except Exception as exc:
            # os-brick / sds_cli failed to attach or detach: say so
            # with both names (protocol.rst D3).
            raise exception.VolumeBackendAPIException(
                data=_('Delete snapshot %(snap)s: attaching or detaching '
                       'its volume %(vol)s failed: %(err)s')
                % {'snap': snap_name, 'vol': volume_name, 'err': exc})

    # -- volumes -------------------------------------------------------------

    def _create_volume(self, name, size_gb, volume):
        params = [('vol_name', name), ('vol_size', _size_mb(size_gb)),
                  ('pool_id', self._pool_of(volume))]
        params += sorted(self.volume_policy(volume).items())
        self._create('volume', 'CREATE_VOLUME_REQ', params, name)

    @array_errors('create volume')
    def create_volume(self, volume):
        self._create_volume(volume.name, volume.size, volume)
        return {'provider_location': volume.name}

    @array_errors('delete volume')
    def delete_volume(self, volume):
        self._delete_volume(self.vbs_name(volume))

    @coordination.synchronized('{self.driver_prefix}-volume-{name}')
    def _delete_volume(self, name):
        # Waits for a clone or upload of the volume (linked_source) to
        # remove its temporaries first.
        self._delete('volume', name,
                     exception.VolumeIsBusy(volume_name=name))

    @array_errors('extend volume')
    def extend_volume(self, volume, new_size):
        name = self.vbs_name(volume)
        try:
            self.client.request('EXTEND_VOLUME_REQ',
                                [('vol_name', name),
                                 ('vol_size', _size_mb(new_size))])
        except client.VbsObjectNotFound:
            raise exception.VolumeNotFound(volume_id=volume.id)

    # -- snapshots -----------------------------------------------------------

    def _create_snapshot(self, snap_name, volume_name):
        # P11: smartflag=1, as Huawei's driver sends it.
        self._create('snapshot', 'CREATE_SNAPSHOT_REQ',
                     [('snap_name', snap_name), ('vol_name', volume_name),
                      ('smartflag', 1)], snap_name)

    def _delete_snapshot(self, snap_name, volume_name):
        if volume_name:
            self._delete_snapshot_attached(snap_name, volume_name)
        else:
            self._delete('snapshot', snap_name,
                         exception.SnapshotIsBusy(snapshot_name=snap_name))

    @array_errors('create snapshot')
    def create_snapshot(self, snapshot):
        self._create_snapshot(snapshot.name, self.vbs_name(snapshot.volume))
        return {'provider_location': snapshot.name}

    @array_errors('delete snapshot')
    def delete_snapshot(self, snapshot):
        self._delete_snapshot_of(snapshot.provider_location or snapshot.name,
                                 snapshot)

    @coordination.synchronized('{self.driver_prefix}-snapshot-{name}')
    def _delete_snapshot_of(self, name, snapshot):
        # Waits for a copy from the snapshot (linked_source) to remove its
        # temporary linked volume first.
        if self._query('snapshot', name) is None:
            LOG.info('Snapshot %s is already gone from the SDSHypervisor.',
                     name)
            return
        self._delete_snapshot(name, self._snapshot_volume(snapshot))

    def _snapshot_volume(self, snapshot):
        """The VBS name of the snapshot's volume, if it still exists."""
        volume = snapshot.volume
        name = self.vbs_name(volume) if volume is not None else None
        if name and self._query('volume', name) is not None:
            return name
        return None

    def _create_linked(self, name, snap_name, size_gb):
        # P11: the request and keys of Huawei's driver; a linked clone.
        self._create('volume', 'CREATE_VOLUME_FROM_SNAPSHOT_REQ',
                     [('vol_name', name), ('vol_size', _size_mb(size_gb)),
                      ('snap_name_src', snap_name), ('vol_num', 1)], name)

    @contextlib.contextmanager
    def linked_source(self, volume_name, size_gb, snap_name=None):
        """P13: a temporary linked volume to read data from; its VBS name.

        Of the snapshot snap_name, or else of a temporary snapshot of the
        volume volume_name. Both temporaries are named as Huawei's driver
        names them and deleted whatever happens, the volume first (P17).
        Callers hold the source's lock (below).
        """
        temp_snap = None
        if snap_name is None:
            temp_snap = snap_name = 'snapshot-%s' % uuid.uuid4()
            self._create_snapshot(temp_snap, volume_name)
        try:
            temp = 'volume-%s' % uuid.uuid4()
            self._create_linked(temp, snap_name, size_gb)
            try:
                yield temp
            finally:
                self._delete_quietly(temp, '(temporary)')
        finally:
            if temp_snap:
                try:
                    self._delete_snapshot(temp_snap, volume_name)
                except Exception:
                    LOG.exception('Could not remove temporary snapshot %s.',
                                  temp_snap)

    # The source of a copy is locked cluster-wide while it has temporaries:
    # another cinder-volume service cannot delete it meanwhile (which the
    # VBS would refuse, or which would orphan them).

    @coordination.synchronized('{self.driver_prefix}-volume-{source}')
    def _copy_from_volume(self, source, size_gb, target):
        with self.linked_source(source, size_gb) as temp:
            self._copy(temp, target, _size_mb(size_gb))

    @coordination.synchronized('{self.driver_prefix}-snapshot-{snap_name}')
    def _copy_from_snapshot(self, snap_name, size_gb, target):
        with self.linked_source(None, size_gb, snap_name) as temp:
            self._copy(temp, target, _size_mb(size_gb))

    @coordination.synchronized('{self.driver_prefix}-snapshot-{snap_name}')
    def _linked_clone(self, snap_name, name, size_gb):
        self._create_linked(name, snap_name, size_gb)

    @coordination.synchronized('{self.driver_prefix}-volume-{source}')
    def _upload(self, source, context, volume, image_service, image_meta):
        with self.linked_source(source, volume.size) as temp:
            # A copy of the object that names the temporary volume; only
            # the driver sees it (no export update, so it is never saved).
            temp_volume = volume.obj_clone()
            temp_volume.provider_location = temp
            super().copy_volume_to_image(context, temp_volume, image_service,
                                         image_meta)

    def _create_copy(self, volume, fill):
        """A new volume made with CREATE_VOLUME_REQ, then filled.

        If filling fails the new volume is deleted: nothing is orphaned.
        """
        name = volume.name
        self._create_volume(name, volume.size, volume)
        try:
            fill(name)
        except Exception:
            with excutils.save_and_reraise_exception():
                self._delete_quietly(name, 'after a failed copy')
        return {'provider_location': name}

    @array_errors('create volume from snapshot')
    def create_volume_from_snapshot(self, volume, snapshot):
        """A volume with the snapshot's data (decision in protocol.rst D1).

        With huawei_sds_linked_clones: one CREATE_VOLUME_FROM_SNAPSHOT_REQ,
        a linked clone that keeps its snapshot. Otherwise independent of
        the snapshot, as cinder expects: a new volume filled from a
        temporary linked volume, as Huawei's driver clones (P13).
        """
        snap_name = snapshot.provider_location or snapshot.name
        if self.configuration.huawei_sds_linked_clones:
            self._linked_clone(snap_name, volume.name, volume.size)
            return {'provider_location': volume.name}
        return self._create_copy(volume, functools.partial(
            self._copy_from_snapshot, snap_name, snapshot.volume_size))

    @array_errors('clone volume')
    def create_cloned_volume(self, volume, src_vref):
        """P13: new volume, temporary snapshot and linked volume, dd."""
        return self._create_copy(volume, functools.partial(
            self._copy_from_volume, self.vbs_name(src_vref), src_vref.size))

    @array_errors('upload volume to image')
    def copy_volume_to_image(self, context, volume, image_service,
                             image_meta):
        """P13: upload from a temporary linked volume, as StorAC did.

        A point-in-time copy of the volume (a temporary snapshot and a
        linked volume of it) is attached and uploaded by cinder's generic
        code; the temporaries are removed afterwards. The volume itself is
        not attached, so an in-use volume is uploaded consistently.
        """
        self._upload(self.vbs_name(volume), context, volume, image_service,
                     image_meta)

    # -- stats ---------------------------------------------------------------

    def _pool_capabilities(self):
        params = [('pool_num', len(self.pools))]
        params += [('pool_id', pool) for pool in self.pools]
        reply = self.client.request('QUERY_POOLS_CAPABILITY_REQ', params)
        records = reply.records('pool')
        if len(records) != len(self.pools):
            raise exception.VolumeBackendAPIException(
                data=_('Pool query answered %(got)d of %(want)d pools')
                % {'got': len(records), 'want': len(self.pools)})
        return records

    @array_errors('get volume stats')
    def _update_volume_stats(self):
        """Stats in one round trip for every configured pool.

        The XML file's <policy>, <capability> and per-pool entries are
        reported as the legacy driver reported them (P14).
        """
        reserved = int(self.capability.get('reserved_percentage', 0) or 0)
        thin = self.policy.get('thin_flag') == '1'
        qos = self.xml_policy.get('QoS_support', '1').strip() != '0'
        pools = []
        for record in self._pool_capabilities():
            total = float(record['total_capacity'])
            free = float(record['usable_capacity'])
            pool = dict(self.pool_policy.get(record['stor_id'], {}))
            pool.update({
                'pool_name': record['stor_id'],
                'total_capacity_gb': total,
                'free_capacity_gb': free,
                'allocated_capacity_gb': total - free,
                'reserved_percentage': reserved,
                'thin_provisioning_support': thin,
                'thick_provisioning_support': not thin,
                'QoS_support': qos,
                'max_iops': int(record.get('max_iops', 0) or 0),
                'multiattach': False,
            })
            pools.append(pool)
        stats = {key: value for key, value in self.xml_policy.items()
                 if key != 'QoS_support'}
        stats.update({
            'volume_backend_name': self._backend_name(),
            'vendor_name': self.VENDOR_NAME,
            'driver_version': self.VERSION,
            'storage_protocol': self.STORAGE_PROTOCOL,
            'pools': pools,
        })
        for key in CAPABILITY_KEYS:
            if key in self.capability and key != 'reserved_percentage':
                stats[key] = self.capability[key]
        self._stats = stats

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats

    # -- manage --------------------------------------------------------------

    def _referenced(self, existing_ref, kind, deleting_statuses, size_key):
        """The VBS record of the volume or snapshot ``source-name`` names.

        ``kind`` is 'volume' or 'snapshot' (its query and name field,
        P15); a missing, malformed, absent or deleting object, or one
        whose record has no size (``size_key``, MB: P22's assumption), is
        an invalid reference named in the error.
        """
        name = existing_ref.get('source-name')
        if not name:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('source-name (the VBS %s name) is required') % kind)
        try:
            client.check_value('vol_name' if kind == 'volume'
                               else 'snap_name', name)
        except client.VbsInvalidValue as exc:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref, reason=str(exc))
        record = self._query(kind, name)
        if record is None or record.get('status') in deleting_statuses:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('%(kind)s %(name)s does not exist or is being '
                         'deleted') % {'kind': kind, 'name': name})
        if not str(record.get(size_key, '')).isdigit():
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('the VBS reported no size (%(key)s) for %(kind)s '
                         '%(name)s') % {'key': size_key, 'kind': kind,
                                        'name': name})
        return name, record

    def _existing_volume(self, existing_ref):
        return self._referenced(existing_ref, 'volume',
                                VOLUME_DELETING_STATUSES, 'vol_size')

    @array_errors('manage volume')
    def manage_existing(self, volume, existing_ref):
        name, _record = self._existing_volume(existing_ref)
        return self._manage(name, volume.size)

    @coordination.synchronized('{self.driver_prefix}-volume-{name}')
    def _manage(self, name, size_gb):
        # The size is read and then grown: under the volume's lock.
        record = self._query('volume', name)
        if record is None:
            raise exception.ManageExistingInvalidReference(
                existing_ref={'source-name': name},
                reason=_('volume %s is gone') % name)
        # cinder rounded the size up to whole GB; make the VBS agree.
        if int(record['vol_size']) < _size_mb(size_gb):
            self.client.request('EXTEND_VOLUME_REQ',
                                [('vol_name', name),
                                 ('vol_size', _size_mb(size_gb))])
        return {'provider_location': name}

    @array_errors('manage volume')
    def manage_existing_get_size(self, volume, existing_ref):
        _name, record = self._existing_volume(existing_ref)
        return int(math.ceil(int(record['vol_size']) / float(units.Ki)))

    def _existing_snapshot(self, snapshot, existing_ref):
        """The VBS snapshot a reference names, if it is of the volume.

        father_name in its record is P22's assumption: a snapshot whose
        father_name is another volume is refused.
        """
        name, record = self._referenced(existing_ref, 'snapshot',
                                        SNAPSHOT_DELETING_STATUSES,
                                        'snap_size')
        volume_name = self.vbs_name(snapshot.volume)
        father = record.get('father_name')
        if father and father != volume_name:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('snapshot %(snap)s is of VBS volume %(father)s, '
                         'not of %(vol)s (volume %(id)s)')
                % {'snap': name, 'father': father, 'vol': volume_name,
                   'id': snapshot.volume.id})
        return name, record

    @array_errors('manage snapshot')
    def manage_existing_snapshot(self, snapshot, existing_ref):
        """The VBS has no rename: cinder keeps the VBS name."""
        name, _record = self._existing_snapshot(snapshot, existing_ref)
        return {'provider_location': name}

    @array_errors('manage snapshot')
    def manage_existing_snapshot_get_size(self, snapshot, existing_ref):
        _name, record = self._existing_snapshot(snapshot, existing_ref)
        return int(math.ceil(int(record['snap_size']) / float(units.Ki)))

    def unmanage_snapshot(self, snapshot):
        """Cinder forgets the snapshot; it stays on the SDSHypervisor."""
        LOG.info('Unmanaged snapshot %s; it stays on the SDSHypervisor.',
                 snapshot.provider_location or snapshot.name)

    def unmanage(self, volume):
        """Cinder forgets the volume; it stays on the SDSHypervisor."""
        LOG.info('Unmanaged volume %s; it stays on the SDSHypervisor.',
                 self.vbs_name(volume))
