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
"""The Huawei SDSHypervisor volume driver.

SDSHypervisor has no iSCSI or FC target: a host attaches a volume through
its local VBS with the ``sds_cli`` program, which os-brick's
HuaweiStorHyperConnector runs. So there is one driver class, whose
connection info has type HUAWEISDSHYPERVISOR and names the VBS volume.
"""

from cinder import interface
from cinder.volume import driver
from oslo_log import log as logging

from huawei_sds_cinder import common
from huawei_sds_cinder import host
from huawei_sds_cinder import options

LOG = logging.getLogger(__name__)

CONNECTION_TYPE = host.CONNECTION_TYPE


@interface.volumedriver
class HuaweiSDSHypervisorDriver(driver.VolumeDriver):
    """Huawei SDSHypervisor over the VBS key-value socket API.

    Version history:
        1.0.0 - VBS socket client with fail-over, linked clones, legacy XML
                configuration, manage/unmanage
        1.1.0 - volume from snapshot is a full copy; linked clones with
                huawei_sds_linked_clones
        2.0.0 - the requests, keys and order of steps of Huawei's StorAC
                driver 1.0.0 (doc/protocol.rst): volume from snapshot and
                clone through CREATE_VOLUME_FROM_SNAPSHOT_REQ and a copy,
                the source volume attached before DELETE_SNAPSHOT_REQ, the
                XML <policy> in the stats only, one reply read without
                half-close or waiting for EOF; upload to an image from
                temporaries as StorAC
    """

    VERSION = '2.0.0'
    CI_WIKI_NAME = 'Huawei_SDSHypervisor_CI'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.configuration:
            self.configuration.append_config_values(options.ALL_OPTS)
        self.common = None

    @staticmethod
    def get_driver_options():
        return options.ALL_OPTS

    def _backend_name(self):
        return (self.configuration.safe_get('volume_backend_name')
                or self.__class__.__name__)

    def do_setup(self, context):
        blocksize = (self.configuration.safe_get('volume_dd_blocksize')
                     or '1M')
        self.common = common.SdsCommon(self.configuration,
                                       self._backend_name(),
                                       host=host.VbsHost(blocksize))
        self.common.do_setup()

    def check_for_setup_error(self):
        self.common.check_for_setup_error()

    # -- volumes and snapshots ---------------------------------------------

    def create_volume(self, volume):
        return self.common.create_volume(volume)

    def delete_volume(self, volume):
        self.common.delete_volume(volume)

    def extend_volume(self, volume, new_size):
        self.common.extend_volume(volume, new_size)

    def create_snapshot(self, snapshot):
        return self.common.create_snapshot(snapshot)

    def delete_snapshot(self, snapshot):
        self.common.delete_snapshot(snapshot)

    def create_volume_from_snapshot(self, volume, snapshot):
        return self.common.create_volume_from_snapshot(volume, snapshot)

    def create_cloned_volume(self, volume, src_vref):
        return self.common.create_cloned_volume(volume, src_vref)

    def copy_volume_to_image(self, context, volume, image_service,
                             image_meta):
        """P13: upload from a temporary linked volume, as StorAC did.

        A point-in-time copy of the volume (a temporary snapshot and a
        linked volume of it) is attached and uploaded by cinder's generic
        code; the temporaries are removed afterwards. The volume itself is
        not attached, so an in-use volume is uploaded consistently.
        """
        with self.common.linked_source(self.common.vbs_name(volume),
                                       volume.size) as temp:
            # A copy of the object that names the temporary volume; only
            # the driver sees it (no export update, so it is never saved).
            source = volume.obj_clone()
            source.provider_location = temp
            super().copy_volume_to_image(context, source, image_service,
                                         image_meta)

    def _update_volume_stats(self):
        self._stats = self.common.get_volume_stats(self.VERSION)

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats

    # -- attach: os-brick's HuaweiStorHyperConnector does the host side ------

    def initialize_connection(self, volume, connector, **kwargs):
        return {'driver_volume_type': CONNECTION_TYPE,
                'data': {'volume_id': self.common.vbs_name(volume),
                         'access_mode': 'rw',
                         'qos_specs': None}}

    def terminate_connection(self, volume, connector, **kwargs):
        """Nothing to undo on the array; sds_cli detaches on the host."""

    def create_export(self, context, volume, connector):
        """No target to export: the host's VBS attaches the volume."""

    def ensure_export(self, context, volume):
        """No target to export."""

    def remove_export(self, context, volume):
        """No target to remove."""

    # -- manage ------------------------------------------------------------

    def manage_existing(self, volume, existing_ref):
        return self.common.manage_existing(volume, existing_ref)

    def manage_existing_get_size(self, volume, existing_ref):
        return self.common.manage_existing_get_size(volume, existing_ref)

    def unmanage(self, volume):
        """Cinder forgets the volume; it stays on the SDSHypervisor."""
        LOG.info('Unmanaged volume %s; it stays on the SDSHypervisor.',
                 self.common.vbs_name(volume))
