# Copyright 2026 Cinder backends team
#
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

"""Every cinder.conf option of the X-IO ISE drivers.

The san_* names come from the ISE driver spec and belong to cinder
(cinder.volume.drivers.san.san): they are reused here as cinder defines
them, never redefined, because cinder registers every backend's options in
one shared group too, and two definitions of one name that differ only in
their help text make the second backend of a multi-backend cinder.conf fail
with DuplicateOptError. They are listed so that list_opts() and the sample
config show the whole backend section.
"""

from cinder.volume.drivers.san import san
from oslo_config import cfg

# The ISE management address is san_ip (the other controller is learned
# from /query); san_api_port defaults to 80, or 443 with driver_use_ssl.
_SAN_NAMES = ('san_ip', 'san_login', 'san_password', 'san_api_port')
connection_opts = [opt for opt in san.san_opts if opt.name in _SAN_NAMES]

xio_opts = [
    cfg.IntOpt('ise_raid_level',
               default=1,
               choices=[0, 1, 5, 6],
               deprecated_name='ise_raid',
               help='RAID level (redundancy) of new volumes; the extra spec '
                    'Feature:Raid overrides it per volume type.'),
    cfg.IntOpt('ise_default_pool',
               default=1,
               min=1,
               deprecated_name='ise_storage_pool',
               help='ISE storage pool id for new volumes; the extra spec '
                    'Feature:Pool overrides it per volume type.'),
    cfg.IntOpt('ise_connection_retries',
               default=5,
               min=1,
               help='Attempts per controller address before failing over '
                    'to the other controller.'),
    cfg.FloatOpt('ise_retry_interval',
                 default=1.0,
                 min=0.0,
                 help='Seconds between connection attempts, and the longest '
                      'wait between two status polls of an operation the '
                      'ISE completes asynchronously (polls start short and '
                      'back off up to this value).'),
    cfg.IntOpt('ise_completion_retries',
               default=30,
               min=1,
               help='An asynchronous ISE operation (create, snapshot, '
                    'clone, delete) is given up once it was polled this '
                    'many times and this many ise_retry_interval periods '
                    'have passed.'),
]

iscsi_opts = [
    cfg.StrOpt('iscsi_ip_address',
               help='IP address of one ISE iSCSI data port. A SendTargets '
                    'discovery on it lists every ISE portal in its subnet, '
                    'which multipath hosts use to find all paths.'),
]

# driver_use_ssl, driver_ssl_cert_verify and driver_ssl_cert_path are
# cinder's own options (cinder.volume.driver.volume_opts) and are used as is.


def list_opts():
    return [('backend', connection_opts + xio_opts + iscsi_opts)]
