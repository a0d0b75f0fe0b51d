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
"""FlashArray array logic shared by the iSCSI and FC drivers.

Volumes, snapshots, clones, hosts, connections and stats, in Purity's
words; the array is reached only through client.FlashArrayClient.
"""

import functools
import hashlib
import hmac
import ipaddress
import math
import re
import secrets
import uuid

from cinder import coordination
from cinder import exception
from cinder.i18n import _
from cinder.objects import fields
from cinder.volume import driver
from cinder.volume.drivers.san import san
from cinder.volume import volume_types
from cinder.volume import volume_utils
from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import units

from pure_cinder import client
from pure_cinder import options

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

VOLUME_SUFFIX = '-cinder'
NAME_MAX = 63
UNMANAGED_SUFFIX = '-unmanaged'
# Hosts the driver creates are named <host>-<32 hex>-cinder (reference
# 1.8); only those are ever deleted or given CHAP by the driver.
DRIVER_HOST_RE = re.compile(r'.*-[a-f0-9]{32}-cinder$')
HOST_NAMESPACE = uuid.UUID('1b3c56a2-8a0e-4e53-9c43-2f1d0b5e7c11')
# Purity's NAA prefix: the device WWN is this plus the volume serial.
WWN_PREFIX = '3624a9370'
HOST_CREATE_ATTEMPTS = 5
CONTROLLER_PORT_RE = re.compile(r'^CT\d+\.', re.IGNORECASE)
QOS_IOPS_RANGE = (100, 100000000)
QOS_BWS_MB_RANGE = (1, 524288)
# What Purity takes for "no limit" (cinder's in-tree driver lifts a
# volume's limits by setting these).
QOS_UNLIMITED = {'iops_limit': QOS_IOPS_RANGE[1],
                 'bandwidth_limit': QOS_BWS_MB_RANGE[1] * units.Mi}
# cinder's database keeps each initiator's CHAP secret (driver_initiator_data,
# in the backend's namespace: volume_backend_name) under this key, the one
# cinder's in-tree Pure driver uses, so a backend switched from it hands
# out the secrets its hosts already hold.
CHAP_SECRET_KEY = 'PURE_TARGET_CHAP_SECRET'


def _field(obj, name):
    """A cinder object's id field, or None when it was never set.

    Only ids are read this way, so anything but a string (an unset field,
    a test's stand-in object) is no id.
    """
    if obj.obj_attr_is_set(name):
        value = getattr(obj, name)
        if isinstance(value, str):
            return value
    return None


class PureDriverException(exception.VolumeDriverException):
    message = _('Pure Storage FlashArray: %(reason)s')


def array_errors(operation):
    """Turn client errors into cinder errors that name what failed."""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            try:
                return func(self, *args, **kwargs)
            except client.PureError as exc:
                reason = '%s failed on %s: %s' % (
                    operation, self._target_option(), exc.message)
                raise PureDriverException(reason=reason) from exc
        return wrapper
    return decorator


class PureBaseVolumeDriver(driver.VolumeDriver):
    """Common FlashArray logic; subclasses add one transport."""

    VENDOR_NAME = 'Pure Storage'
    # Safe with several cinder-volume services of one cluster: every name
    # on the array derives from the cinder object, host-object changes are
    # serialised by cinder's coordination (cluster-wide with a tooz
    # backend), a host deleted under a concurrent attach is looked up
    # again, and the only process-local state is the static port list
    # and the stats of this process.
    SUPPORTS_ACTIVE_ACTIVE = True
    # Set by subclasses.
    STORAGE_PROTOCOL = None
    driver_prefix = 'pure'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options.register_in_tree_first()
        self.configuration.append_config_values(options.PURE_OPTS)
        self.configuration.append_config_values(san.san_opts)
        self.client = None
        self.array_name = None
        self._port_cache = None
        self._shared_host_warned = False
        self._stats = {}

    @staticmethod
    def get_driver_options():
        return options.PURE_OPTS + options.inherited_opts()

    # -- setup -----------------------------------------------------------

    def _target_option(self):
        conf = self.configuration
        if conf.pure_target:
            return 'pure_target=%s' % conf.pure_target
        return 'san_ip=%s (pure_target unset)' % conf.san_ip

    def _verify_setting(self):
        conf = self.configuration
        if conf.driver_ssl_cert_path:
            return conf.driver_ssl_cert_path
        if not conf.driver_ssl_cert_verify:
            LOG.warning('TLS certificate of the FlashArray at %s is not '
                        'verified; set driver_ssl_cert_verify (and '
                        'driver_ssl_cert_path for a private CA).',
                        conf.pure_target or conf.san_ip)
        return bool(conf.driver_ssl_cert_verify)

    def do_setup(self, context):
        conf = self.configuration
        target = conf.pure_target or conf.san_ip
        if not target:
            raise exception.InvalidConfigurationValue(
                option='pure_target', value=target)
        if not conf.pure_api_token:
            raise exception.InvalidConfigurationValue(
                option='pure_api_token', value='<empty>')
        self._iscsi_network()
        self._host_personality()
        self.client = client.FlashArrayClient(
            target, conf.pure_api_token, verify=self._verify_setting(),
            timeout=conf.pure_api_timeout,
            retry_timeout=conf.pure_api_retry_timeout,
            user_agent='OpenStack Cinder %s/%s' % (
                self.__class__.__name__, self.VERSION))
        try:
            array = self.client.get_array()
        except client.AuthenticationFailed as exc:
            raise PureDriverException(reason=_(
                'the FlashArray at %(target)s refused pure_api_token: '
                '%(msg)s') % {'target': target, 'msg': exc.message})
        except client.PureError as exc:
            raise PureDriverException(reason=_(
                'cannot reach the FlashArray at %(option)s: %(msg)s') % {
                    'option': self._target_option(), 'msg': exc.message})
        self.array_name = array['name']
        LOG.info('Connected to FlashArray %(name)s (Purity %(version)s, '
                 'REST %(api)s) at %(target)s.',
                 {'name': array['name'], 'version': array.get('version'),
                  'api': self.client.api_version, 'target': target})

    def check_for_setup_error(self):
        if self.client is None or self.array_name is None:
            raise PureDriverException(reason=_('do_setup did not connect '
                                               'to the array'))

    def _iscsi_network(self):
        cidr = self.configuration.pure_iscsi_cidr
        try:
            return ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise exception.InvalidConfigurationValue(
                option='pure_iscsi_cidr', value=cidr)

    def _host_personality(self):
        """pure_host_personality, checked at setup rather than at attach.

        oslo.config refuses a value outside the option's choices only when
        it is read; read here, so a bad value stops the backend at start-up
        with an error naming the option instead of failing every attach.
        """
        try:
            return self.configuration.pure_host_personality
        except ValueError as exc:
            LOG.error('pure_host_personality: %(err)s; valid values: '
                      '%(valid)s', {'err': exc, 'valid': ', '.join(
                          options.HOST_PERSONALITIES)})
            raise exception.InvalidConfigurationValue(
                option='pure_host_personality',
                value=_('not one of %s') % ', '.join(
                    options.HOST_PERSONALITIES))

    # -- names -----------------------------------------------------------

    @classmethod
    def _volume_name(cls, volume):
        """The array name of an existing volume.

        provider_id is where the array name is kept (by this driver, by
        cinder's in-tree driver and by manage), so it is the name of the
        volume as the array wrote it.
        """
        if volume.provider_id:
            return volume.provider_id
        return cls._new_volume_name(volume)

    @staticmethod
    def _new_volume_name(volume):
        """The array name of a volume this driver is about to create.

        Always from the volume's own id, never from provider_id: cinderlib
        (Volume.clone, Snapshot.create_volume) and cinder's generic
        migration copy the source's provider_id into the new volume, so
        naming from it would collide with the source.
        """
        base = CONF.volume_name_template % volume.id
        if len(base) > NAME_MAX - len(VOLUME_SUFFIX):
            base = base[-(NAME_MAX - len(VOLUME_SUFFIX)):]
        return base + VOLUME_SUFFIX

    def _snapshot_name(self, snapshot):
        if snapshot.provider_id:
            return snapshot.provider_id
        group_snapshot_id = _field(snapshot, 'group_snapshot_id')
        if group_snapshot_id:
            # One volume's part of a group snapshot, made before its
            # provider_id was kept (cinder's in-tree driver).
            return self._pgroup_member_snapshot_name(
                snapshot.group_snapshot.group_id, group_snapshot_id,
                snapshot.volume)
        return '%s.%s' % (self._volume_name(snapshot.volume), snapshot.name)

    # Protection group names are those of cinder's in-tree driver, so a
    # backend switched from it finds its groups and group snapshots.
    @staticmethod
    def _pgroup_name(group_id):
        return 'consisgroup-%s-cinder' % group_id

    @staticmethod
    def _pgroup_snapshot_suffix(group_snapshot_id):
        return 'cgsnapshot-%s-cinder' % group_snapshot_id

    def _pgroup_member_snapshot_name(self, group_id, group_snapshot_id,
                                     volume):
        # PG.suffix.VOL (protocol.rst P-43), the volume without its pod.
        return '%s.%s.%s' % (
            self._pgroup_name(group_id),
            self._pgroup_snapshot_suffix(group_snapshot_id),
            self._volume_name(volume).split('::')[-1])

    @staticmethod
    def _gib(size_bytes):
        return int(math.ceil(size_bytes / float(units.Gi)))

    # -- volumes -----------------------------------------------------------

    def _qos(self, volume):
        """The Purity qos body of the volume's type, or None."""
        return self._qos_of_type(volume.volume_type_id)

    @staticmethod
    def _qos_of_type(type_id):
        """The Purity qos body of volume type ``type_id``, or None."""
        if not type_id:
            return None
        qos_specs = volume_types.get_volume_type_qos_specs(type_id)
        specs = (qos_specs.get('qos_specs') or {})
        if not specs or specs.get('consumer') == 'front-end':
            return None
        values = specs.get('specs') or {}
        qos = {}
        for key, field, low, high, scale in (
                ('maxIOPS', 'iops_limit', QOS_IOPS_RANGE[0],
                 QOS_IOPS_RANGE[1], 1),
                ('maxBWS', 'bandwidth_limit', QOS_BWS_MB_RANGE[0],
                 QOS_BWS_MB_RANGE[1], units.Mi)):
            if key not in values:
                continue
            try:
                number = int(values[key])
            except ValueError:
                number = None
            if number is None or not low <= number <= high:
                raise exception.InvalidQoSSpecs(reason=_(
                    'QoS spec %(key)s=%(value)s of volume type %(type)s '
                    'must be an integer from %(low)d to %(high)d') % {
                        'key': key, 'value': values[key], 'type': type_id,
                        'low': low, 'high': high})
            qos[field] = number * scale
        return qos or None

    def _create(self, name, lookup, create, eradicate):
        """Create ``name``, making room if a destroyed object holds it.

        A lost reply (connection broke after sending) is resolved by
        looking: the name is unique to this cinder object, so an object
        under it is ours, never a duplicate.
        """
        try:
            return create()
        except client.Destroyed:
            LOG.info('%s is held by a destroyed object pending '
                     'eradication; eradicating it to reuse the name.', name)
            eradicate(name)
            return create()
        except client.ConnectionLost:
            LOG.warning('Reply to the creation of %s was lost; checking '
                        'whether the array created it.', name)
            try:
                found = lookup(name)
            except client.NotFound:
                raise PureDriverException(reason=_(
                    'creating %s: the connection to the array broke and '
                    'the array did not create it; nothing was left behind')
                    % name)
            if found.get('destroyed'):
                raise PureDriverException(reason=_(
                    'creating %s: the connection broke and the name is held '
                    'by a destroyed object') % name)
            return found

    def _model_update(self, name, created):
        return {'provider_id': name,
                'provider_location': created.get('serial')}

    @array_errors('create volume')
    def create_volume(self, volume):
        name = self._new_volume_name(volume)
        qos = self._qos(volume)
        created = self._create(
            name, self.client.get_volume,
            lambda: self.client.create_volume(
                name, provisioned=volume.size * units.Gi, qos=qos),
            self.client.eradicate_volume)
        self._join_consistency_group(volume, name)
        return self._model_update(name, created)

    def _join_consistency_group(self, volume, name):
        """A new volume of a consistent-snapshot group joins its pgroup.

        When it cannot, the volume goes again: nothing half-made stays.
        """
        group_id = _field(volume, 'group_id')
        if not group_id or not volume_utils.is_group_a_cg_snapshot_type(
                volume.group):
            return
        try:
            self._add_to_pgroup(self._pgroup_name(group_id), [name])
        except client.PureError:
            self._destroy_and_eradicate(name)
            raise

    def _create_copy(self, volume, source_name, source_size_gb):
        """A volume from a volume or snapshot, grown to volume.size."""
        name = self._new_volume_name(volume)
        qos = self._qos(volume)
        created = self._create(
            name, self.client.get_volume,
            lambda: self.client.create_volume(name, source=source_name,
                                              qos=qos),
            self.client.eradicate_volume)
        if volume.size > source_size_gb:
            try:
                created = self.client.patch_volume(
                    name, provisioned=volume.size * units.Gi)
            except client.PureError:
                # Leave no half-made volume behind.
                self._destroy_and_eradicate(name)
                raise
        self._join_consistency_group(volume, name)
        return self._model_update(name, created)

    def _destroy_and_eradicate(self, name):
        try:
            self.client.patch_volume(name, destroyed=True)
            self.client.eradicate_volume(name)
        except client.PureError as exc:
            LOG.error('Could not remove %(name)s after a failed '
                      'operation: %(msg)s', {'name': name,
                                             'msg': exc.message})

    @array_errors('create volume from snapshot')
    def create_volume_from_snapshot(self, volume, snapshot):
        return self._create_copy(volume, self._snapshot_name(snapshot),
                                 snapshot.volume_size)

    @array_errors('clone volume')
    def create_cloned_volume(self, volume, src_vref):
        return self._create_copy(volume, self._volume_name(src_vref),
                                 src_vref.size)

    @array_errors('extend volume')
    def extend_volume(self, volume, new_size):
        self.client.patch_volume(self._volume_name(volume),
                                 provisioned=new_size * units.Gi)

    @array_errors('delete volume')
    def delete_volume(self, volume):
        # One call when the volume has no connections: the destroy's own
        # reply says whether the volume is there (protocol.rst P-5).
        name = self._volume_name(volume)
        try:
            self._destroy_volume(name)
        except client.Destroyed:
            pass
        except client.NotFound:
            LOG.info('Volume %s is not on the array; nothing to delete.',
                     name)
            return
        if self.configuration.pure_eradicate_on_delete:
            try:
                self.client.eradicate_volume(name)
            except client.NotFound:
                pass

    def _destroy_volume(self, name):
        try:
            self.client.patch_volume(name, destroyed=True)
        except (client.NotFound, client.Destroyed):
            raise
        except client.PureError as exc:
            if exc.status != 400:
                raise
            # The array does not destroy a volume with connections (an
            # attached volume cinder force-deletes); whatever its words
            # for that, the connections say whether that was the reason.
            connections = self.client.list_connections(volume=name)
            if not connections:
                raise
            for connection in connections:
                self._disconnect_host(connection['host']['name'], name)
            self.client.patch_volume(name, destroyed=True)

    @array_errors('retype')
    def retype(self, context, volume, new_type, diff, host):
        """Retype on this backend: the new type's QoS limits reach the volume.

        QoS is what volume types change on one array for this driver; a
        type without limits lifts the volume's. Another backend, or an
        encryption change, is for cinder's migration (False).
        """
        if (volume_utils.extract_host(host['host'], 'backend') !=
                volume_utils.extract_host(volume.host, 'backend')):
            return False
        if diff and diff.get('encryption'):
            return False
        qos = self._qos_of_type(new_type['id'] if new_type else None)
        limits = dict(QOS_UNLIMITED)
        limits.update(qos or {})
        self.client.patch_volume(self._volume_name(volume), qos=limits)
        return True, None

    # -- snapshots ---------------------------------------------------------

    @array_errors('create snapshot')
    def create_snapshot(self, snapshot):
        volume_name = self._volume_name(snapshot.volume)
        name = '%s.%s' % (volume_name, snapshot.name)
        created = self._create(
            name, self.client.get_volume_snapshot,
            lambda: self.client.create_volume_snapshot(volume_name,
                                                       snapshot.name),
            self.client.eradicate_volume_snapshot)
        return {'provider_id': created['name']}

    @array_errors('delete snapshot')
    def delete_snapshot(self, snapshot):
        self._destroy(self.client.destroy_volume_snapshot,
                      self.client.eradicate_volume_snapshot,
                      self._snapshot_name(snapshot))

    def _destroy(self, destroy, eradicate, name, force_eradicate=False):
        """Destroy ``name``, then eradicate it if so configured or forced.

        Idempotent: an object already destroyed or gone is no error.
        """
        try:
            destroy(name)
        except (client.NotFound, client.Destroyed):
            pass
        if force_eradicate or self.configuration.pure_eradicate_on_delete:
            try:
                eradicate(name)
            except client.NotFound:
                pass

    @array_errors('revert volume to snapshot')
    def revert_to_snapshot(self, context, volume, snapshot):
        self.client.create_volume(self._volume_name(volume),
                                  source=self._snapshot_name(snapshot),
                                  overwrite=True)

    # -- exports (connections are made in initialize_connection) ------------

    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    # -- manage / unmanage -------------------------------------------------

    @staticmethod
    def _ref_name(existing_ref):
        name = existing_ref.get('name') or existing_ref.get('source-name')
        if not name:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('give the FlashArray object name as "name" or '
                         '"source-name"'))
        return name

    def _existing_object(self, get, kind, existing_ref):
        """The live (not destroyed) array object ``existing_ref`` names.

        ``get`` is the client's getter for ``kind`` ('volume' or 'snapshot').
        """
        name = self._ref_name(existing_ref)
        try:
            found = get(name)
        except client.NotFound:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('%(kind)s %(name)s does not exist on the array')
                % {'kind': kind, 'name': name})
        if found.get('destroyed'):
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('%(kind)s %(name)s is destroyed')
                % {'kind': kind, 'name': name})
        return found

    def _manageable_volume(self, existing_ref):
        found = self._existing_object(self.client.get_volume, 'volume',
                                      existing_ref)
        if found.get('connection_count'):
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('volume %s is connected to hosts; disconnect it '
                         'first') % self._ref_name(existing_ref))
        return found

    @array_errors('manage volume')
    def manage_existing_get_size(self, volume, existing_ref):
        return self._gib(self._manageable_volume(existing_ref)['provisioned'])

    @array_errors('manage volume')
    def manage_existing(self, volume, existing_ref):
        found = self._manageable_volume(existing_ref)
        name = self._new_volume_name(volume)
        if found['name'] != name:
            found = self.client.patch_volume(found['name'], name=name)
        qos = self._qos(volume)
        if qos:
            found = self.client.patch_volume(name, qos=qos)
        return self._model_update(name, found)

    @array_errors('unmanage volume')
    def unmanage(self, volume):
        name = self._volume_name(volume)
        new_name = (name + UNMANAGED_SUFFIX)[-NAME_MAX:].lstrip('-')
        try:
            self.client.patch_volume(name, name=new_name)
        except client.NotFound:
            LOG.warning('Volume %s to unmanage is not on the array.', name)

    def _manageable_snapshot(self, existing_ref):
        return self._existing_object(self.client.get_volume_snapshot,
                                     'snapshot', existing_ref)

    @array_errors('manage snapshot')
    def manage_existing_snapshot_get_size(self, snapshot, existing_ref):
        return self._gib(
            self._manageable_snapshot(existing_ref)['provisioned'])

    @array_errors('manage snapshot')
    def manage_existing_snapshot(self, snapshot, existing_ref):
        found = self._manageable_snapshot(existing_ref)
        volume_name = self._volume_name(snapshot.volume)
        if found['source']['name'] != volume_name:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref,
                reason=_('snapshot %(snap)s is not a snapshot of %(vol)s')
                % {'snap': found['name'], 'vol': volume_name})
        name = '%s.%s' % (volume_name, snapshot.name)
        if found['name'] != name:
            self.client.patch_volume_snapshot(found['name'], name=name)
        return {'provider_id': name}

    @array_errors('unmanage snapshot')
    def unmanage_snapshot(self, snapshot):
        name = self._snapshot_name(snapshot)
        # <volume>.snapshot-<uuid> is already 96 characters, the limit:
        # the unmanaged suffix says the same in fewer.
        new_name = '%s.unmanaged-%s' % (name.split('.', 1)[0],
                                        snapshot.id.replace('-', ''))
        try:
            self.client.patch_volume_snapshot(name, name=new_name)
        except client.NotFound:
            LOG.warning('Snapshot %s to unmanage is not on the array.', name)

    # -- generic volume groups -----------------------------------------------
    #
    # A group whose type has consistent_group_snapshot_enabled '<is> True'
    # is a protection group on the array, and its group snapshots are
    # protection group snapshots (protocol.rst P-40 to P-44). Any other
    # group is cinder's generic group: NotImplementedError hands it back.

    @staticmethod
    def _consistent(group_or_snapshot):
        if not volume_utils.is_group_a_cg_snapshot_type(group_or_snapshot):
            raise NotImplementedError()

    def _add_to_pgroup(self, pgroup, names):
        try:
            self.client.add_pgroup_volumes(pgroup, names)
        except client.PureError as exc:
            if 'already belongs' not in exc.message.lower():
                raise

    def _remove_pgroup(self, name):
        """Destroy (and eradicate, if so configured) a protection group."""
        self._destroy(self.client.destroy_pgroup, self.client.eradicate_pgroup,
                      name)

    def _remove_pgroup_snapshot(self, name, eradicate=False):
        self._destroy(self.client.destroy_pgroup_snapshot,
                      self.client.eradicate_pgroup_snapshot, name,
                      force_eradicate=eradicate)

    @array_errors('create group')
    def create_group(self, context, group):
        self._consistent(group)
        name = self._pgroup_name(group.id)
        self._create(name, self._get_pgroup,
                     lambda: self.client.create_pgroup(name),
                     self.client.eradicate_pgroup)
        return {'status': fields.GroupStatus.AVAILABLE}

    def _get_pgroup(self, name):
        return self.client.list('protection-groups', {'names': [name]})[0]

    @array_errors('delete group')
    def delete_group(self, context, group, volumes):
        self._consistent(group)
        self._remove_pgroup(self._pgroup_name(group.id))
        status = fields.GroupStatus.DELETED
        updates = []
        for volume in volumes:
            try:
                self.delete_volume(volume)
                updates.append({'id': volume.id, 'status': 'deleted'})
            except exception.CinderException as exc:
                LOG.error('Group %(group)s: %(msg)s', {
                    'group': group.id, 'msg': exc.msg})
                updates.append({'id': volume.id, 'status': 'error_deleting'})
                status = fields.GroupStatus.ERROR_DELETING
        return {'status': status}, updates

    @array_errors('update group')
    def update_group(self, context, group, add_volumes=None,
                     remove_volumes=None):
        self._consistent(group)
        name = self._pgroup_name(group.id)
        if add_volumes:
            self._add_to_pgroup(
                name, [self._volume_name(v) for v in add_volumes])
        if remove_volumes:
            try:
                self.client.remove_pgroup_volumes(
                    name, [self._volume_name(v) for v in remove_volumes])
            except client.NotFound as exc:
                LOG.info('Group %(group)s: %(msg)s', {'group': group.id,
                                                      'msg': exc.message})
        return None, None, None

    @array_errors('create group snapshot')
    def create_group_snapshot(self, context, group_snapshot, snapshots):
        self._consistent(group_snapshot)
        pgroup = self._pgroup_name(group_snapshot.group_id)
        suffix = self._pgroup_snapshot_suffix(group_snapshot.id)
        name = '%s.%s' % (pgroup, suffix)
        self._create(name, self._get_pgroup_snapshot,
                     lambda: self.client.create_pgroup_snapshot(pgroup,
                                                                suffix),
                     lambda _name: self._remove_pgroup_snapshot(
                         _name, eradicate=True))
        return None, [{'id': snapshot.id,
                       'status': fields.SnapshotStatus.AVAILABLE,
                       'provider_id': self._pgroup_member_snapshot_name(
                           group_snapshot.group_id, group_snapshot.id,
                           snapshot.volume)}
                      for snapshot in snapshots]

    def _get_pgroup_snapshot(self, name):
        return self.client.list('protection-group-snapshots',
                                {'names': [name]})[0]

    @array_errors('delete group snapshot')
    def delete_group_snapshot(self, context, group_snapshot, snapshots):
        self._consistent(group_snapshot)
        self._remove_pgroup_snapshot('%s.%s' % (
            self._pgroup_name(group_snapshot.group_id),
            self._pgroup_snapshot_suffix(group_snapshot.id)))
        return None, [{'id': snapshot.id,
                       'status': fields.SnapshotStatus.DELETED}
                      for snapshot in snapshots]

    @array_errors('create group from source')
    def create_group_from_src(self, context, group, volumes,
                              group_snapshot=None, snapshots=None,
                              source_group=None, source_vols=None):
        """A group's volumes from a group snapshot or from another group.

        From a group, a temporary protection group snapshot of the source
        makes the copies consistent; it is eradicated afterwards. When any
        step fails, every volume made so far, the new protection group
        and the temporary snapshot go again.
        """
        self._consistent(group)
        if not (group_snapshot and snapshots) and not (
                source_group and source_vols):
            raise exception.InvalidInput(reason=_(
                'create group from source: neither a group snapshot with '
                'snapshots nor a source group with volumes was given'))
        pgroup = self._pgroup_name(group.id)
        self._create(pgroup, self._get_pgroup,
                     lambda: self.client.create_pgroup(pgroup),
                     self.client.eradicate_pgroup)
        made = []
        temporary = None
        try:
            if group_snapshot and snapshots:
                sources = self._pair(volumes, snapshots, 'snapshot_id')
                copies = [(volume, self._snapshot_name(snapshot),
                           snapshot.volume_size)
                          for volume, snapshot in sources]
            else:
                suffix = 'tmp-%s' % uuid.uuid4().hex
                self.client.create_pgroup_snapshot(
                    self._pgroup_name(source_group.id), suffix)
                temporary = '%s.%s' % (self._pgroup_name(source_group.id),
                                       suffix)
                sources = self._pair(volumes, source_vols, 'source_volid')
                copies = [(volume, '%s.%s' % (
                    temporary, self._volume_name(source).split('::')[-1]),
                    source.size) for volume, source in sources]
            updates = []
            for volume, source_name, source_size in copies:
                update = self._copy_into_group(volume, source_name,
                                               source_size, pgroup)
                made.append(update['provider_id'])
                update['id'] = volume.id
                updates.append(update)
        except Exception:
            for name in made:
                self._destroy_and_eradicate(name)
            self._remove_pgroup(pgroup)
            try:
                self.client.eradicate_pgroup(pgroup)
            except client.PureError:
                pass
            raise
        finally:
            if temporary:
                self._remove_pgroup_snapshot(temporary, eradicate=True)
        return {'status': fields.GroupStatus.AVAILABLE}, updates

    def _copy_into_group(self, volume, source_name, source_size, pgroup):
        update = self._create_copy(volume, source_name, source_size)
        try:
            self._add_to_pgroup(pgroup, [update['provider_id']])
        except client.PureError:
            self._destroy_and_eradicate(update['provider_id'])
            raise
        return update

    @staticmethod
    def _pair(volumes, sources, field):
        """(volume, source) pairs, matched by the volume's ``field``."""
        by_id = {source.id: source for source in sources}
        pairs = [(volume, by_id.get(_field(volume, field)))
                 for volume in volumes]
        if all(source is not None for _volume, source in pairs):
            return pairs
        # cinder's manager hands both lists in matching order.
        return list(zip(volumes, sources))

    # -- manageable listings -------------------------------------------------

    @staticmethod
    def _manageable_entry(name, size_bytes, reasons, cinder_id, **extra):
        entry = {'reference': {'name': name},
                 'size': PureBaseVolumeDriver._gib(size_bytes or 0),
                 'safe_to_manage': not reasons,
                 'reason_not_safe': '; '.join(reasons) or None,
                 'cinder_id': cinder_id,
                 'extra_info': None}
        entry.update(extra)
        return entry

    @staticmethod
    def _unmanageable_reasons(found, managed):
        """Why manage cannot take an array volume or snapshot, so far."""
        reasons = []
        if found['name'] in managed:
            reasons.append(_('already managed by cinder'))
        if found.get('destroyed'):
            reasons.append(_('destroyed, pending eradication'))
        return reasons

    @array_errors('list manageable volumes')
    def get_manageable_volumes(self, cinder_volumes, marker, limit, offset,
                               sort_keys, sort_dirs):
        """The array's volumes, each with whether manage can take it.

        Two calls whatever the array holds: every volume, and every
        connection (manage refuses a connected volume).
        """
        managed = {self._volume_name(v): v.id for v in cinder_volumes}
        hosts = {}
        for connection in self.client.list_connections():
            hosts.setdefault(connection['volume']['name'], []).append(
                connection['host']['name'])
        entries = []
        for found in self.client.list_volumes():
            name = found['name']
            reasons = self._unmanageable_reasons(found, managed)
            if name in hosts:
                reasons.append(_('connected to host %s; disconnect it '
                                 'first') % ', '.join(sorted(hosts[name])))
            if '::' in name:
                reasons.append(_('in pod %s') % name.split('::')[0])
            entries.append(self._manageable_entry(
                name, found.get('provisioned'), reasons, managed.get(name)))
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    @array_errors('list manageable snapshots')
    def get_manageable_snapshots(self, cinder_snapshots, marker, limit,
                                 offset, sort_keys, sort_dirs):
        """The array's volume snapshots, each with whether manage can."""
        managed = {self._snapshot_name(s): s.id for s in cinder_snapshots}
        entries = []
        for found in self.client.list_volume_snapshots():
            name = found['name']
            reasons = self._unmanageable_reasons(found, managed)
            if name.count('.') > 1:
                # PG.suffix.VOL (protocol.rst P-43): one volume's share of
                # a protection group snapshot, which manage would rename
                # out of its group snapshot.
                reasons.append(_('part of protection group snapshot %s')
                               % name.rsplit('.', 1)[0])
            source = (found.get('source') or {}).get('name')
            entries.append(self._manageable_entry(
                name, found.get('provisioned'), reasons, managed.get(name),
                source_reference={'name': source}))
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    # -- stats -------------------------------------------------------------

    @array_errors('get volume stats')
    def _update_volume_stats(self):
        conf = self.configuration
        space = self.client.get_array_space()
        used = space['space']['total_physical']
        provisioned = space['space'].get('total_provisioned')
        if provisioned is None:
            provisioned = space['space'].get('used_provisioned', 0)
        capacity = space['capacity']
        if conf.pure_automatic_max_oversubscription_ratio and used:
            ratio = max(1.0, provisioned / float(used))
        else:
            ratio = conf.max_over_subscription_ratio
        stats = {
            'volume_backend_name': (conf.safe_get('volume_backend_name') or
                                    self.__class__.__name__),
            'vendor_name': self.VENDOR_NAME,
            'driver_version': self.VERSION,
            'storage_protocol': self.STORAGE_PROTOCOL,
            'total_capacity_gb': round(capacity / float(units.Gi), 2),
            'free_capacity_gb': round((capacity - used) / float(units.Gi),
                                      2),
            'provisioned_capacity_gb': round(provisioned / float(units.Gi),
                                             2),
            'allocated_capacity_gb': round(provisioned / float(units.Gi),
                                           2),
            'reserved_percentage': conf.reserved_percentage,
            'max_over_subscription_ratio': ratio,
            'thin_provisioning_support': True,
            'thick_provisioning_support': False,
            'data_reduction': space['space'].get('total_reduction'),
            'multiattach': True,
            'QoS_support': True,
            'consistencygroup_support': False,
            # Generic volume groups with consistent group snapshots:
            # protection groups on the array.
            'consistent_group_snapshot_enabled': True,
            'pool_name': self.array_name,
        }
        try:
            performance = self.client.list('arrays/performance')
        except client.PureError as exc:
            LOG.warning('FlashArray performance counters unavailable: %s',
                        exc.message)
            performance = []
        sample = performance[0] if performance else {}
        for key in ('reads_per_sec', 'writes_per_sec', 'read_bytes_per_sec',
                    'write_bytes_per_sec', 'usec_per_read_op',
                    'usec_per_write_op', 'queue_depth'):
            stats[key] = sample.get(key) or 0
        self._stats = stats

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats

    # -- hosts and connections -----------------------------------------------

    def _generated_host_name(self, connector):
        base = re.sub(r'[^-a-zA-Z0-9]', '-', connector['host'][:23])
        base = base.lstrip('-') or 'host'
        system_uuid = connector.get('system uuid')
        if system_uuid:
            digest = system_uuid.replace('-', '').lower()
        else:
            # Stable per compute host, so every cinder-volume process and
            # every retry arrives at the same name.
            digest = uuid.uuid5(HOST_NAMESPACE, connector['host']).hex
        if not re.match(r'^[a-f0-9]{32}$', digest):
            digest = uuid.uuid5(HOST_NAMESPACE, digest).hex
        return '%s-%s-cinder' % (base, digest)

    def _derived_chap_secret(self, host_name):
        # What pure-cinder 0.1 wrote to its hosts (derived from the API
        # token, kept nowhere): the secret such a host most likely holds.
        key = self.configuration.pure_api_token.encode()
        return hmac.new(key, host_name.encode(),
                        hashlib.sha256).hexdigest()[:24]

    def _stored_chap_secret(self, initiator):
        for row in self.driver_utils.get_driver_initiator_data(
                initiator) or ():
            if row['key'] == CHAP_SECRET_KEY:
                return row['value']
        return None

    def _chap_secret(self, initiator, candidate=None):
        """(secret, stored now) of the initiator, from cinder's database.

        The array never reads a CHAP secret back (protocol.rst P-60), so
        the secret a host holds is kept where every cinder-volume service
        of the backend reads the same value whatever API token it runs
        with: cinder's database. ``candidate`` (else a random secret) is
        stored when there is none; of two services storing at once the
        database keeps the first, and both return it.
        """
        try:
            secret = self._stored_chap_secret(initiator)
            if secret:
                return secret, False
            candidate = candidate or secrets.token_hex(12)
            if self.driver_utils.insert_driver_initiator_data(
                    initiator, CHAP_SECRET_KEY, candidate):
                return candidate, True
            secret = self._stored_chap_secret(initiator)
        except Exception as exc:
            # Not the message: a database error may quote the values.
            raise PureDriverException(reason=_(
                'use_chap_auth: cannot keep the CHAP secret of %(ini)s in '
                'cinder\'s database (driver_initiator_data): %(error)s') % {
                    'ini': initiator, 'error': type(exc).__name__})
        if not secret:
            raise PureDriverException(reason=_(
                'use_chap_auth: cinder\'s database holds no CHAP secret '
                'for %s') % initiator)
        return secret, False

    def _host_chap(self, host, connector):
        """(user, secret) of the CHAP the host holds, or None.

        Connection info must carry what the host holds on the array when
        it is handed out, whatever use_chap_auth or the API token say now:
        a host without CHAP gets none (its initiator may be logged in
        without), a host with CHAP gets the secret kept in cinder's
        database. Only when the database has none (a host of pure-cinder
        0.1) is a secret written to the host, once, and kept.
        """
        chap = host.get('chap') or {}
        initiator = connector.get('initiator')
        if not (chap.get('host_user') and initiator and
                self._driver_owns(host['name'])):
            return None
        secret, stored_now = self._chap_secret(
            initiator, self._derived_chap_secret(host['name']))
        if stored_now:
            LOG.info('Host %s holds a CHAP secret cinder\'s database did '
                     'not know; writing the one it keeps now.', host['name'])
            self.client.patch_host(host['name'], chap={
                'host_user': chap['host_user'], 'host_password': secret})
        return chap['host_user'], secret

    def _initiators(self, connector):
        """(host filter expression, create-host fields) of a connector."""
        raise NotImplementedError()

    def _find_host(self, connector):
        expression, _fields = self._initiators(connector)
        hosts = self.client.find_hosts(expression)
        return hosts[-1] if hosts else None

    def _shared_host(self, connector):
        name = self.configuration.pure_host_name
        if not self._shared_host_warned:
            LOG.warning('pure_host_name=%s: every initiator joins this one '
                        'host object, so every initiator sees every volume '
                        'attached through it (no per-host LUN masking).',
                        name)
            self._shared_host_warned = True
        _expr, fields = self._initiators(connector)
        try:
            host = self.client.get_host(name)
        except client.NotFound:
            try:
                return self.client.create_host(
                    name, personality=self.configuration
                    .pure_host_personality, **fields)
            except client.AlreadyExists:
                host = self.client.get_host(name)
        add = {}
        for field in ('iqns', 'wwns'):
            missing = [v for v in fields.get(field, [])
                       if v.replace(':', '').upper() not in
                       [h.replace(':', '').upper() for h in host[field]]]
            if missing:
                add['add_' + field] = missing
        if add:
            host = self.client.patch_host(name, **add)
        return host

    def _ensure_host(self, connector):
        """The host object for the connector; created on first attach."""
        if self.configuration.pure_host_name:
            return self._shared_host(connector)
        for _attempt in range(HOST_CREATE_ATTEMPTS):
            host = self._find_host(connector)
            if host is not None:
                return host
            name = self._generated_host_name(connector)
            _expr, fields = self._initiators(connector)
            chap = None
            if self.configuration.use_chap_auth and fields.get('iqns'):
                chap = {'host_user': connector['host'],
                        'host_password': self._chap_secret(
                            connector['initiator'])[0]}
            try:
                return self.client.create_host(
                    name, personality=self.configuration
                    .pure_host_personality, chap=chap, **fields)
            except (client.AlreadyExists, client.InUse) as exc:
                # Another process created it between lookup and create.
                LOG.info('Host creation raced (%s); looking again.',
                         exc.message)
        raise PureDriverException(reason=_(
            'could not find or create a host object for %s')
            % connector['host'])

    def _connect(self, host_name, volume_name):
        try:
            return self.client.connect(host_name, volume_name)['lun']
        except client.AlreadyExists:
            # Reconnecting an attached volume is success (bug 2121464).
            for connection in self.client.list_connections(host_name,
                                                           volume_name):
                return connection['lun']
            raise

    def _attach(self, volume, connector):
        """Host + connection: (host, lun, volume name, CHAP or None)."""
        name = self._volume_name(volume)
        for attempt in range(2):
            host = self._ensure_host(connector)
            try:
                chap = self._host_chap(host, connector)
                lun = self._connect(host['name'], name)
            except PureDriverException:
                self._delete_host_if_unused(host['name'])
                raise
            except client.PureError as exc:
                # Another cinder-volume (another backend on this array) may
                # have deleted the idle host between lookup and connect.
                if (not attempt and isinstance(exc, client.NotFound) and
                        'host does not exist' in exc.message.lower()):
                    LOG.info('Host %s vanished before the connection; '
                             'looking it up again.', host['name'])
                    continue
                self._delete_host_if_unused(host['name'])
                raise
            return host, lun, name, chap

    def _wwn(self, volume, name):
        serial = volume.provider_location
        if not serial or not re.match(r'^[0-9A-Fa-f]{24}$', serial):
            serial = self.client.get_volume(name)['serial']
        return (WWN_PREFIX + serial).lower()

    def _driver_owns(self, host_name):
        return (not self.configuration.pure_host_name and
                DRIVER_HOST_RE.match(host_name) is not None and
                ':' not in host_name)

    def _delete_host_if_unused(self, host_name):
        """True when the host has no connections left.

        A host the driver created is deleted then, without asking first:
        the array refuses to delete a host that has connections
        (protocol.rst P-5), and that refusal is the answer. An
        administrator's host is never deleted, so it is asked.
        """
        if not self._driver_owns(host_name):
            try:
                return not self.client.list_connections(host=host_name)
            except client.NotFound:
                return True
        try:
            self.client.delete_host(host_name)
            LOG.info('Deleted host %s: its last connection is gone.',
                     host_name)
        except client.NotFound:
            pass
        except client.InUse:
            return False    # it has other connections
        return True

    def _disconnect_host(self, host_name, volume_name):
        try:
            self.client.disconnect(host_name, volume_name)
        except client.NotFound:
            pass
        return self._delete_host_if_unused(host_name)

    def _other_attachments_on_host(self, volume, connector):
        """Multiattach: another attachment of this volume on the host."""
        if not connector or not volume.multiattach:
            return False
        attachments = [a for a in (volume.volume_attachment or [])
                       if a.attached_host == connector.get('host') and
                       a.attach_status == 'attached']
        return len(attachments) > 1

    def _detach(self, volume, connector):
        """Returns True when the host was left with no connections."""
        name = self._volume_name(volume)
        if connector is None:
            # Force detach: every host the volume is connected to.
            try:
                connections = self.client.list_connections(volume=name)
            except client.NotFound:
                return True
            for connection in connections:
                self._disconnect_host(connection['host']['name'], name)
            return True
        if self._other_attachments_on_host(volume, connector):
            LOG.info('Volume %s stays connected: another attachment on '
                     '%s uses it.', name, connector['host'])
            return False
        if self.configuration.pure_host_name:
            return self._disconnect_host(self.configuration.pure_host_name,
                                         name)
        # The host this driver creates for the connector has a stable name,
        # so no lookup comes before the disconnect: the array's reply says
        # whether that host is there (protocol.rst P-5).
        host_name = self._generated_host_name(connector)
        try:
            self.client.disconnect(host_name, name)
        except client.NotFound as exc:
            if 'host does not exist' in exc.message.lower():
                return self._detach_other_host(connector, name)
            # "Connection does not exist": detached already.
        try:
            self.client.delete_host(host_name)
        except client.InUse:
            return False    # it has other connections
        except client.NotFound:
            # No host of that name, whatever the disconnect's reply said.
            return self._detach_other_host(connector, name)
        LOG.info('Deleted host %s: its last connection is gone.', host_name)
        return True

    def _detach_other_host(self, connector, volume_name):
        """Detach from a host of another name holding the initiator.

        An administrator's host, or one cinder's in-tree driver made (its
        names end in a random suffix).
        """
        host = self._find_host(connector)
        if host is None:
            LOG.info('No host object for %s; %s is already detached.',
                     connector.get('host'), volume_name)
            return True
        return self._disconnect_host(host['name'], volume_name)

    def _ports(self, refresh=False):
        """The array's target ports; static, so cached until a refresh.

        No lock: the cache holds facts read from the array, never written
        to it, and one assignment replaces it whole; two threads refreshing
        at once only read the ports twice.
        """
        ports = self._port_cache
        if ports is None or refresh:
            ready = {c['name'] for c in self.client.list(
                'controllers', {'filter': "status='ready'"})}
            # Ports of a controller that is not ready are left out; ports
            # named without a controller (LACP bonds, VIFs) stay.
            ports = [p for p in self.client.list_ports()
                     if not CONTROLLER_PORT_RE.match(p['name']) or
                     p['name'].split('.')[0] in ready]
            self._port_cache = ports
        return list(ports)

    # -- locking: one compute host's attach/detach at a time, across
    #    processes (cinder's coordination), so a host object is created
    #    once and LUNs are not reused under os-brick's feet. ------------------

    @coordination.synchronized('{self.driver_prefix}-host-{connector[host]}')
    def _locked_attach(self, volume, connector):
        return self._attach(volume, connector)

    @coordination.synchronized('{self.driver_prefix}-host-{connector[host]}')
    def _locked_detach(self, volume, connector):
        return self._detach(volume, connector)

    def _detach_any(self, volume, connector):
        if connector is None:
            return self._detach(volume, None)
        return self._locked_detach(volume, connector)
