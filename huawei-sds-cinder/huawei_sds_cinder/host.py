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
"""The cinder-volume host's side of the SDSHypervisor.

A host reaches a volume's data only by attaching it through its local VBS
with ``sds_cli``, which os-brick's HuaweiStorHyperConnector runs (P7).
Huawei's driver does this on the cinder-volume host for two things (P12,
P13): to attach a snapshot's volume before deleting the snapshot, and to
copy data between volumes with dd. This module does both; it knows volume
names, not cinder objects, and never speaks the VBS socket protocol.
"""

import contextlib

from cinder import utils
from cinder.volume import volume_utils
from os_brick.initiator import connector as brick_connector
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# os_brick.initiator.HUAWEISDSHYPERVISOR (P7).
CONNECTION_TYPE = 'HUAWEISDSHYPERVISOR'


class VbsHost(object):
    """Attach, detach and copy volumes on this host through sds_cli."""

    def __init__(self, dd_blocksize='1M'):
        self.dd_blocksize = dd_blocksize

    @staticmethod
    def _connector():
        # Built per use: os-brick reads the sds_cli path from the
        # environment when the connector is made.
        return brick_connector.InitiatorConnector.factory(
            CONNECTION_TYPE, utils.get_root_helper())

    def is_attached(self, name):
        return bool(self._connector().is_volume_connected(name))

    @contextlib.contextmanager
    def attached(self, name):
        """The volume's device path while attached here.

        A volume that was already attached stays attached afterwards.
        """
        connector = self._connector()
        if connector.is_volume_connected(name):
            yield connector.get_volume_paths({'volume_id': name})[0]
            return
        properties = {'volume_id': name}
        device = connector.connect_volume(properties)
        try:
            yield device['path']
        finally:
            connector.disconnect_volume(properties, device)

    def copy(self, source, target, size_mb):
        """dd size_mb MB from volume source to volume target (P13)."""
        with self.attached(source) as source_path:
            with self.attached(target) as target_path:
                LOG.debug('Copying %(size)d MB from %(src)s to %(dst)s.',
                          {'size': size_mb, 'src': source, 'dst': target})
                # Not sparse: whether a new volume reads as zeros is not
                # known (P18), so every block is written.
                volume_utils.copy_volume(source_path, target_path, size_mb,
                                         self.dd_blocksize, sparse=False)
