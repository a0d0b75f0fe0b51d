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
"""Every cinder.conf option of the Infortrend EonStor DS drivers."""

from oslo_config import cfg

TRANSPORT_LOCAL = 'local'
TRANSPORT_SSH = 'ssh'

# The san_* options belong to cinder (cinder.volume.drivers.san.san) and are
# registered by cinder itself under these exact definitions; reuse them when
# cinder is importable so both registrations agree.  The fallback only
# serves oslo-config-generator on a machine without cinder.
_SAN_NAMES = ('san_ip', 'san_login', 'san_password', 'san_private_key',
              'san_ssh_port', 'ssh_conn_timeout')
try:
    from cinder.volume.drivers.san import san as _cinder_san
    san_opts = [o for o in _cinder_san.san_opts if o.name in _SAN_NAMES]
except ImportError:  # pragma: no cover - cinder is always there at runtime
    san_opts = [
        cfg.StrOpt('san_ip', default='',
                   help='IP address of SAN controller'),
        cfg.StrOpt('san_login', default='admin',
                   help='Username for SAN controller'),
        cfg.StrOpt('san_password', default='', secret=True,
                   help='Password for SAN controller'),
        cfg.StrOpt('san_private_key', default='',
                   help='Filename of private key to use for SSH '
                        'authentication'),
        cfg.PortOpt('san_ssh_port', default=22, help='SSH port to use'),
        cfg.IntOpt('ssh_conn_timeout', default=30,
                   help='SSH connection timeout in seconds'),
    ]

infortrend_opts = [
    cfg.ListOpt('infortrend_pools_name', default=[],
                help='Names of the array logical volumes (LVs) used as '
                     'Cinder pools. Each must exist on the array.'),
    cfg.ListOpt('infortrend_slots_a_channels_id', default=[],
                help='Host channel IDs of controller slot A that may be '
                     'used for maps, e.g. 0,1,2.'),
    cfg.ListOpt('infortrend_slots_b_channels_id', default=[],
                help='Host channel IDs of controller slot B (dual '
                     'controller R models only) that may be used for maps.'),
    cfg.StrOpt('infortrend_provisioning', default='full',
               choices=['full', 'thin'],
               help='Default provisioning of new partitions; the '
                    'infortrend:provisioning extra spec overrides it.'),
    cfg.StrOpt('infortrend_tiering', default='all',
               help='Default tiers of new partitions in tiered pools: '
                    '"all" or a comma separated list of tier numbers 0-3; '
                    'the infortrend:tiering extra spec overrides it.'),
    cfg.BoolOpt('infortrend_iscsi_mcs', default=False,
                help='Return every channel of the chosen MCS group as an '
                     'iSCSI path (multiple connections per session).'),
    cfg.BoolOpt('infortrend_fc_multipath', default=False,
                help='Map FC volumes on the channels of both controller '
                     'slots even when the connector does not ask for '
                     'multipath.'),
    cfg.StrOpt('infortrend_cli_transport', default=TRANSPORT_LOCAL,
               choices=[TRANSPORT_LOCAL, TRANSPORT_SSH],
               help='How the raidcmd session is reached: "local" runs '
                    'java_path -jar infortrend_cli_path on a '
                    'pseudo-terminal; "ssh" opens an SSH shell on '
                    'san_ip:san_ssh_port as san_login.'),
    cfg.StrOpt('infortrend_cli_path',
               default='/opt/bin/Infortrend/raidcmd_ESDS10.jar',
               help='The raidcmd jar, for the local transport.'),
    cfg.StrOpt('java_path', default='/usr/bin/java',
               help='The program that runs the raidcmd jar, for the local '
                    'transport.'),
    cfg.StrOpt('infortrend_ssh_known_hosts_file', default='',
               help='known_hosts file holding the array\'s SSH host key. '
                    'Required by the ssh transport; unknown or changed '
                    'host keys are refused.'),
    cfg.IntOpt('infortrend_cli_timeout', default=60, min=1,
               help='Seconds to wait for one CLI command\'s prompt.'),
    cfg.IntOpt('infortrend_cli_max_retries', default=5, min=1,
               help='Attempts per CLI command for retryable return codes.'),
    cfg.IntOpt('infortrend_replica_timeout', default=3600, min=1,
               help='Seconds a clone or volume-from-snapshot replica job '
                    'may take before it is abandoned.'),
    cfg.FloatOpt('infortrend_replica_poll_interval', default=2.0, min=0.01,
                 help='Longest wait in seconds between two progress checks '
                      'of a replica job or tier migration: the first check '
                      'is 0.05 s after the job starts, each later wait a '
                      'quarter longer, up to this.'),
    cfg.StrOpt('infortrend_iqn_prefix', default='iqn.2002-10.com.infortrend',
               help='Prefix of the array\'s iSCSI target IQNs.'),
    cfg.PortOpt('infortrend_iscsi_port', default=3260,
                help='TCP port of the array\'s iSCSI portals.'),
]


def list_opts():
    return [('backend_defaults', san_opts + infortrend_opts)]
