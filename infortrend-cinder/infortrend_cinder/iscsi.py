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
"""Infortrend EonStor DS iSCSI driver."""

from cinder import interface
from cinder.volume import driver

from infortrend_cinder import common
from infortrend_cinder import options


@interface.volumedriver
class InfortrendCLIISCSIDriver(driver.ISCSIDriver):
    """iSCSI driver for Infortrend EonStor DS over the raidcmd CLI.

    Version history:
        1.0.0 - create/delete/attach/detach/extend, snapshots, clones and
                volumes from snapshots through replica jobs, stats, manage,
                unmanage, tiering retype; local pty or SSH CLI session.
    """

    VERSION = '1.0.0'
    CI_WIKI_NAME = 'Infortrend_Storage_CI'
    PROTOCOL = 'iSCSI'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(options.san_opts)
        self.configuration.append_config_values(options.infortrend_opts)
        self.common = common.InfortrendCommon(self.PROTOCOL,
                                              self.configuration,
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

    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        return self.common.initialize_iscsi(volume, connector)

    def terminate_connection(self, volume, connector, **kwargs):
        self.common.terminate_iscsi(volume, connector)

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
