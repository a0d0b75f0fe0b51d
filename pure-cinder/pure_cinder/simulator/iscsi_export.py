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
"""The simulator's iSCSI data path: connections become tgtd LUNs.

A FlashArray presents every iSCSI port under one array-wide target IQN and
masks LUNs per host.  tgtd masks per target, not per LUN, so the simulator
exports one target (the IQN its ports report), adds a LUN per connected
volume and lets in the initiators of every connected host; CHAP accounts of
hosts that have CHAP are bound to the target.  LUN numbers are therefore
unique across the array (a volume connected to two hosts has one LUN).
"""

import threading


class TgtExporter:
    """Export volume data files through a tgtd (common_testing.tgt)."""

    def __init__(self, admin, iqn):
        self.admin = admin
        self.iqn = iqn
        self._lock = threading.Lock()
        self._target_ready = False

    def _ensure_target(self):
        if not self._target_ready:
            self.admin.create_target(self.iqn)
            self._target_ready = True

    def export(self, lun, path, initiators, chap):
        with self._lock:
            self._ensure_target()
            if lun not in self.admin.target(self.iqn).luns:
                self.admin.add_lun(self.iqn, lun, path)
            for initiator in initiators:
                self.admin.allow_initiator(self.iqn, initiator)
            if chap and chap.get('host_user') and chap.get('host_password'):
                self.admin.set_chap(self.iqn, chap['host_user'],
                                    chap['host_password'])

    def unexport(self, lun, initiators):
        with self._lock:
            self.admin.remove_lun(self.iqn, lun)

    def resize(self, lun):
        with self._lock:
            self.admin.resize_lun(self.iqn, lun)

    def close(self):
        with self._lock:
            if self._target_ready:
                self.admin.delete_target(self.iqn)
                self._target_ready = False
