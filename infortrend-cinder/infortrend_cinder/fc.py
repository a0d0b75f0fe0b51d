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
"""Infortrend EonStor DS Fibre Channel driver."""

from cinder import interface
from cinder.volume import driver
from cinder.zonemanager import utils as fczm_utils

from infortrend_cinder import common


@interface.volumedriver
class InfortrendCLIFCDriver(common.InfortrendBaseVolumeDriver,
                            driver.FibreChannelDriver):
    """Fibre Channel driver for Infortrend EonStor DS over the raidcmd CLI.

    Version history:
        1.0.0 - create/delete/attach/detach/extend, snapshots, clones and
                volumes from snapshots through replica jobs, stats, manage,
                unmanage, tiering retype; local pty or SSH CLI session.
    """

    VERSION = '1.0.0'
    CI_WIKI_NAME = 'Infortrend_Storage_CI'
    PROTOCOL = 'FC'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup_service = fczm_utils.create_lookup_service()

    def initialize_connection(self, volume, connector):
        info = self.common.initialize_fc(volume, connector,
                                         self.lookup_service)
        fczm_utils.add_fc_zone(info)
        return info

    def terminate_connection(self, volume, connector, **kwargs):
        info = self.common.terminate_fc(volume, connector)
        fczm_utils.remove_fc_zone(info)
        return info
