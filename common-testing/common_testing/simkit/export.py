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
"""The one tgtd exporter: a simulator's volume files as iSCSI LUNs.

``start_tgtd(address)`` runs a tgtd of this simulator's own (a context
manager, stopped by PID at exit; see common_testing.tgt.Tgtd), and
``TgtExporter(admin)`` turns the simulator's connections into tgtd state:

- ``export(iqn, lun, path, initiators, chap)`` creates the target if it is
  new, adds the LUN if it is not there, lets the initiators in and, with
  ``chap=(user, secret)``, requires CHAP;
- ``unexport(iqn, lun, initiators)`` removes the LUN and the initiators'
  access, and the target itself once no LUN is left if asked;
- ``resize(iqn, lun)`` makes a grown volume file visible;
- ``close()`` deletes every target this exporter created.

Arrays differ in how they present LUNs: one array-wide target (Pure), one
target per port (X-IO), one per host mapping (Infortrend); the simulator
picks the IQN, the exporter does the same tgtadm steps for all.
``NullExporter`` has the same methods and does nothing (runs without a
data path).
"""

import threading

from oslo_concurrency import processutils

from common_testing.tgt import ALL_INITIATORS  # noqa: F401 (kit API)
from common_testing.tgt import TgtAdmin  # noqa: F401
from common_testing.tgt import Tgtd
from common_testing.tgt import TgtdStartError  # noqa: F401
from common_testing.tgt import TgtError  # noqa: F401


def start_tgtd(address=None, port=None):
    """A tgtd on ``address`` (default: this process's loopback) and a port.

    Use as ``with start_tgtd(address) as tgtd:``; ``tgtd.admin`` is the
    TgtAdmin for TgtExporter, ``tgtd.portal`` is 'address:port'.
    """
    return Tgtd(address=address, port=port)


def add_portal(admin, address, port):
    """Let the tgtd of ``admin`` also listen on ``address``:``port``.

    tgtd answers SendTargets with all its portals, so a simulator of an
    array with several data ports gives tgtd one portal per port.
    """
    processutils.execute('tgtadm', '-C', str(admin.control_port), '--lld',
                         'iscsi', '--mode', 'portal', '--op', 'new',
                         '--param', 'portal=%s:%d' % (address, port))


class TgtExporter:
    """Export volume files through one tgtd, addressed by target IQN.

    Safe to call from the threads of a threaded server: calls are
    serialised, so "create target, then add LUN" never interleaves.
    """

    def __init__(self, admin):
        self.admin = admin
        self._lock = threading.Lock()
        self._created = set()

    def export(self, iqn, lun, path, initiators=(), chap=None,
               thin_provisioning=False):
        """Export ``path`` as LUN ``lun`` of target ``iqn``; idempotent."""
        with self._lock:
            self.admin.create_target(iqn)
            self._created.add(iqn)
            target = self.admin.target(iqn)
            if int(lun) not in target.luns:
                self.admin.add_lun(iqn, lun, path, thin_provisioning)
            for initiator in initiators:
                self.admin.allow_initiator(iqn, initiator)
            if chap:
                user, secret = chap
                self.admin.set_chap(iqn, user, secret)

    def allow(self, iqn, initiator):
        with self._lock:
            self.admin.allow_initiator(iqn, initiator)

    def disallow(self, iqn, initiator):
        with self._lock:
            self.admin.disallow_initiator(iqn, initiator)

    def unexport(self, iqn, lun, initiators=(), delete_empty_target=False):
        """Remove LUN ``lun`` of ``iqn`` and the initiators' access.

        Idempotent.  With ``delete_empty_target`` the target goes too once
        it has no LUN left (a per-mapping target).
        """
        with self._lock:
            self.admin.remove_lun(iqn, lun)
            for initiator in initiators:
                self.admin.disallow_initiator(iqn, initiator)
            if delete_empty_target:
                target = self.admin.target(iqn)
                if target is not None and not target.luns:
                    self.admin.delete_target(iqn)
                    self._created.discard(iqn)

    def resize(self, iqn, lun):
        """Make the grown file behind LUN ``lun`` of ``iqn`` visible."""
        with self._lock:
            self.admin.resize_lun(iqn, lun)

    def close(self):
        """Delete every target this exporter created; idempotent."""
        with self._lock:
            for iqn in sorted(self._created):
                self.admin.delete_target(iqn)
            self._created.clear()


class NullExporter:
    """The TgtExporter interface without a data path."""

    admin = None

    def export(self, iqn, lun, path, initiators=(), chap=None,
               thin_provisioning=False):
        pass

    def allow(self, iqn, initiator):
        pass

    def disallow(self, iqn, initiator):
        pass

    def unexport(self, iqn, lun, initiators=(), delete_empty_target=False):
        pass

    def resize(self, iqn, lun):
        pass

    def close(self):
        pass
