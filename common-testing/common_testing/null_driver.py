# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""The null driver: a cinder volume driver that does nothing.

It keeps bookkeeping only (which volumes and snapshots exist and their
sizes, for the capacity it reports) and talks to no array, so a
measurement of the full stack with it is cinder alone: the baseline the
vendors' drivers are compared with (common_testing/rally/README.rst).
Loaded by class path like any driver::

    volume_driver = common_testing.null_driver.NullDriver

Attaching is not offered: there is no data to reach.
"""

from cinder import interface
from cinder.volume import driver

TOTAL_GB = 1024 * 1024


@interface.volumedriver
class NullDriver(driver.VolumeDriver):
    """See the module docstring."""

    VERSION = '1.0.0'
    CI_WIKI_NAME = 'common-testing-null'
    STORAGE_PROTOCOL = 'null'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.volumes = {}
        self.snapshots = {}

    @staticmethod
    def get_driver_options():
        return []

    def do_setup(self, context):
        pass

    def check_for_setup_error(self):
        pass

    def create_volume(self, volume):
        self.volumes[volume.id] = volume.size

    def create_volume_from_snapshot(self, volume, snapshot):
        self.volumes[volume.id] = volume.size

    def create_cloned_volume(self, volume, src_vref):
        self.volumes[volume.id] = volume.size

    def extend_volume(self, volume, new_size):
        self.volumes[volume.id] = new_size

    def delete_volume(self, volume):
        self.volumes.pop(volume.id, None)

    def create_snapshot(self, snapshot):
        self.snapshots[snapshot.id] = snapshot.volume_size

    def delete_snapshot(self, snapshot):
        self.snapshots.pop(snapshot.id, None)

    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector, **kwargs):
        raise NotImplementedError('the null driver has no data to attach')

    def terminate_connection(self, volume, connector, **kwargs):
        pass

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats

    def _update_volume_stats(self):
        used = sum(self.volumes.values()) + sum(self.snapshots.values())
        self._stats = {
            'volume_backend_name': (self.configuration.safe_get(
                'volume_backend_name') or 'null'),
            'vendor_name': 'common-testing',
            'driver_version': self.VERSION,
            'storage_protocol': self.STORAGE_PROTOCOL,
            'total_capacity_gb': TOTAL_GB,
            'free_capacity_gb': TOTAL_GB - used,
            'reserved_percentage': 0,
            'thin_provisioning_support': True,
            'multiattach': False,
        }
