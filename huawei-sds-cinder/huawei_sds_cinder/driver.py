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
"""HuaweiSDSHypervisorDriver: SDSHypervisor volumes through the host's VBS.

SDSHypervisor has no iSCSI or FC target: a host attaches a volume through
its local VBS with the ``sds_cli`` program, which os-brick's
HuaweiStorHyperConnector runs (doc/protocol.rst P7). So there is one
driver class; it owns the connection info (type HUAWEISDSHYPERVISOR,
naming the VBS volume), and common.HuaweiSDSBaseVolumeDriver the rest.
"""

from cinder import interface

from huawei_sds_cinder import common
from huawei_sds_cinder import host


@interface.volumedriver
class HuaweiSDSHypervisorDriver(common.HuaweiSDSBaseVolumeDriver):
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
    STORAGE_PROTOCOL = 'StorageHypervisor'

    # -- attach: os-brick's HuaweiStorHyperConnector does the host side ------

    def initialize_connection(self, volume, connector, **kwargs):
        return {'driver_volume_type': host.CONNECTION_TYPE,
                'data': {'volume_id': self.vbs_name(volume),
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
