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
"""Every cinder.conf option of the Huawei SDSHypervisor driver."""

from oslo_config import cfg

connection_opts = [
    cfg.ListOpt('huawei_sds_vbs_addresses',
                default=[],
                help='Addresses of the VBS agents, tried in order; the next '
                     'one is used when one cannot be reached.'),
    cfg.PortOpt('huawei_sds_vbs_port',
                default=10599,
                help='TCP port of the VBS socket API.'),
    cfg.FloatOpt('huawei_sds_connect_timeout',
                 default=5.0, min=0.1,
                 help='Seconds to wait for a VBS connection.'),
    cfg.FloatOpt('huawei_sds_read_timeout',
                 default=30.0, min=0.1,
                 help='Seconds to wait for a complete VBS reply.'),
    cfg.IntOpt('huawei_sds_delete_timeout',
               default=120, min=1,
               help='Seconds to wait for a deleted volume or snapshot to be '
                    'gone from the VBS before giving up.'),
    cfg.ListOpt('huawei_sds_pools',
                default=[],
                help='Pool IDs (stor_id) this backend creates volumes in. '
                     'Each is reported to the scheduler as one pool.'),
    cfg.StrOpt('cinder_huawei_sds_conf_file',
               help='Legacy XML configuration file of the Kilo StorAC '
                    'driver (for example '
                    '/etc/cinder/cinder_huawei_storac_conf.xml). When set, '
                    'the VBS port comes from the file, its VBS addresses '
                    'and pools are used when huawei_sds_vbs_addresses / '
                    'huawei_sds_pools are empty, and its <policy>, '
                    '<capability> and per-pool entries are reported in the '
                    'volume stats, as StorAC did. Like StorAC, the file '
                    'does not change the policy of new volumes: that comes '
                    'from the huawei_sds_* policy options.'),
]

policy_opts = [
    cfg.BoolOpt('huawei_sds_linked_clones',
                default=False,
                help='Create a volume from a snapshot as a linked clone '
                     '(one CREATE_VOLUME_FROM_SNAPSHOT_REQ, as the StorAC '
                     'driver did): instant and thin, but the snapshot '
                     'cannot be deleted while such a volume lives. cinder '
                     'and its users expect the two to be independent, so '
                     'by default the new volume is created with '
                     'CREATE_VOLUME_REQ and the snapshot\'s data copied in '
                     'on this host (through a temporary linked volume, '
                     'attached with sds_cli), as StorAC cloned volumes.'),
    cfg.BoolOpt('huawei_sds_thin_provisioning',
                default=False,
                help='Create thin volumes (thin_flag=1).'),
    cfg.IntOpt('huawei_sds_iops', default=100, min=0,
               help='Default IOPS of a new volume.'),
    cfg.IntOpt('huawei_sds_max_iops', default=100, min=0,
               help='Default maximum IOPS of a new volume.'),
    cfg.IntOpt('huawei_sds_min_iops', default=0, min=0,
               help='Default minimum IOPS of a new volume.'),
    cfg.IntOpt('huawei_sds_cache_size', default=0, min=0,
               help='Default cache size (MB) of a new volume; 0 means no '
                    'cache.'),
    cfg.IntOpt('huawei_sds_replica_count', default=1, min=1,
               help='Number of replicas of a new volume (repicate_num).'),
    cfg.IntOpt('huawei_sds_replica_tolerant_count', default=1, min=0,
               help='Replica failures a new volume tolerates '
                    '(repicate_tolerant_num).'),
    cfg.DictOpt('huawei_sds_volume_policy',
                default={},
                help='Further CREATE_VOLUME_REQ policy keys and values, '
                     'for example encrypt_algorithm:0,compress_algorithm:1. '
                     'Volume type extra specs with the same key override '
                     'them per volume.'),
]

ALL_OPTS = connection_opts + policy_opts

CONF = cfg.CONF
CONF.register_opts(ALL_OPTS, group='backend_defaults')


def list_opts():
    """Options for oslo-config-generator (namespace huawei_sds_cinder)."""
    return [('backend', ALL_OPTS)]
