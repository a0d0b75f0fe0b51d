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
"""Every cinder.conf option of the FlashArray drivers."""

import importlib

from oslo_config import cfg

HOST_PERSONALITIES = ('aix', 'esxi', 'hitachi-vsp', 'hpux',
                      'oracle-vm-server', 'solaris', 'vms')

# Options cinder itself defines and these drivers honour; listed in the
# sample config so an operator sees the whole backend section in one place.
INHERITED_OPTION_NAMES = ('san_ip', 'driver_ssl_cert_verify',
                          'driver_ssl_cert_path', 'use_chap_auth',
                          'reserved_percentage',
                          'max_over_subscription_ratio')

PURE_OPTS = [
    cfg.StrOpt('pure_target',
               help='Management address (host name or IP, optionally '
                    'host:port) of the FlashArray REST service. san_ip is '
                    'used when this is not set.'),
    cfg.StrOpt('pure_api_token',
               secret=True,
               help='REST API token created on the FlashArray for the '
                    'driver\'s array user.'),
    cfg.StrOpt('pure_host_name',
               help='Name of one host object on the FlashArray that every '
                    'initiator joins. When set, every initiator sees every '
                    'attached volume (no per-compute-host LUN masking). '
                    'When unset (the default) the driver creates one host '
                    'object per compute host. The seed spec\'s name for '
                    'the shared host is "OpenStack".'),
    cfg.StrOpt('pure_iscsi_cidr',
               default='0.0.0.0/0',
               help='CIDR of FlashArray iSCSI portals the driver hands to '
                    'initiators; portals outside it are left out. IPv4 '
                    'or IPv6; a /0 (the default) admits every portal, '
                    'IPv6 ones included.'),
    cfg.BoolOpt('pure_eradicate_on_delete',
                default=False,
                help='Eradicate deleted volumes and snapshots at once '
                     'instead of leaving them destroyed (recoverable for '
                     'the array\'s pending-eradication period, 24 h by '
                     'default).'),
    cfg.StrOpt('pure_host_personality',
               choices=HOST_PERSONALITIES,
               help='Host personality set on host objects the driver '
                    'creates.'),
    cfg.BoolOpt('pure_automatic_max_oversubscription_ratio',
                default=True,
                help='Report the array\'s provisioned-to-used ratio as '
                     'max_over_subscription_ratio instead of the '
                     'configured max_over_subscription_ratio.'),
    cfg.IntOpt('pure_api_retry_timeout',
               default=60,
               min=1,
               help='Longest time in seconds the driver keeps retrying a '
                    'REST request the array answered with 429, 503 or '
                    '"Server is busy" (it waits as long as Retry-After '
                    'says, within this bound).'),
    cfg.IntOpt('pure_api_timeout',
               default=30,
               min=1,
               help='Seconds to wait for the FlashArray to answer one '
                    'REST request.'),
]


def register_in_tree_first():
    """Let cinder's in-tree Pure module define the names we share with it.

    That module registers its options in [backend_defaults] when imported,
    and unlike a driver's own registration (cinder's Configuration ignores a
    name already there) that import fails with DuplicateOptError when a
    different definition of pure_api_token, pure_iscsi_cidr, ... came first.
    cinder-volume imports it for an in-tree Pure backend, so a cinder.conf
    with an in-tree and one of our Pure backends (the usual state during a
    switch) could not start whenever ours was loaded first. Importing it
    before our driver registers anything puts cinder's definitions first in
    every order; our own registration then keeps ours in our backend's
    section, where the driver reads them.
    """
    try:
        from cinder import objects
        objects.register_all()      # the module's imports need them
        in_tree = importlib.import_module('cinder.volume.drivers.pure')
    except ImportError:             # a cinder without the in-tree driver
        return
    for opt in getattr(in_tree, 'PURE_OPTS', ()):
        if opt.name == 'pure_api_token':
            # cinder 29 does not mark it secret: the same token for both
            # drivers, so mask it in cinder's option dump for both.
            opt.secret = True


def inherited_opts():
    """cinder's own options these drivers read (cinder is the host)."""
    from cinder.volume import driver
    from cinder.volume.drivers.san import san
    pool = {opt.name: opt for opt in driver.volume_opts + san.san_opts}
    return [pool[name] for name in INHERITED_OPTION_NAMES]


def list_opts():
    return [('backend_defaults', PURE_OPTS + inherited_opts())]
