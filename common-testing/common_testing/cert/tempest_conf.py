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
"""tempest.conf for one backend, from what that backend supports.

``Capabilities`` is what Tempest needs to know about the backend under
test.  ``from_driver`` derives it from the driver class (which optional
driver methods it implements) and the pool stats the running cinder
reports (protocol, vendor, multiattach); ``render`` turns it, plus the
deployment's endpoints and admin credentials, into tempest.conf sections.
Features the deployment cannot offer whatever the backend (no Nova, no
cinder-backup, no Swift) are switched off here, so Tempest skips those
tests itself with a reason in the subunit stream.
"""

import configparser
import dataclasses
import io

MIN_MICROVERSION = '3.0'
MAX_MICROVERSION = '3.71'


@dataclasses.dataclass
class Capabilities:
    backend_name: str               # volume_backend_name
    storage_protocol: str           # as the driver reports it
    vendor_name: str
    multiattach: bool = False
    manage_volume: bool = False
    manage_snapshot: bool = False
    native_revert: bool = False
    # How the driver names a cinder volume/snapshot on the array, '%s'
    # for the id: Tempest unmanages one and manages it back by that name.
    volume_name_format: str = 'volume-%s'
    snapshot_name_format: str = 'snapshot-%s'


@dataclasses.dataclass
class Deployment:
    identity_uri: str               # .../v3
    admin_username: str
    admin_password: str
    admin_project: str = 'admin'
    admin_domain: str = 'Default'
    region: str = 'RegionOne'
    glance: bool = True
    image_ref: str = ''             # a Glance image volume tests copy


def _overrides(driver_cls, method, *bases):
    """Whether the driver implements ``method`` itself.

    The cinder base classes' versions raise NotImplementedError.
    """
    mine = getattr(driver_cls, method, None)
    if mine is None:
        return False
    return all(mine is not getattr(base, method, None) for base in bases)


def from_driver(driver_cls, pool, backend_name, volume_name_format=None,
                snapshot_name_format=None):
    """Capabilities of ``driver_cls`` given one of its pools' stats.

    ``pool`` is a pool's ``capabilities`` dict from cinder's
    ``scheduler-stats/get_pools?detail=True`` (or the driver's own stats).
    """
    from cinder.volume import driver as base
    bases = (base.BaseVD, base.ManageableVD, base.ManageableSnapshotsVD,
             base.VolumeDriver)
    missing = [key for key in ('storage_protocol', 'vendor_name')
               if not pool.get(key)]
    if missing:
        raise ValueError('backend %s reports no %s in its stats'
                         % (backend_name, ', '.join(missing)))
    caps = Capabilities(
        backend_name=backend_name,
        storage_protocol=pool['storage_protocol'],
        vendor_name=pool['vendor_name'],
        multiattach=bool(pool.get('multiattach', False)),
        manage_volume=_overrides(driver_cls, 'manage_existing', *bases),
        manage_snapshot=_overrides(driver_cls, 'manage_existing_snapshot',
                                   *bases),
        native_revert=_overrides(driver_cls, 'revert_to_snapshot', *bases))
    if volume_name_format:
        caps.volume_name_format = volume_name_format
    if snapshot_name_format:
        caps.snapshot_name_format = snapshot_name_format
    return caps


def sections(caps, deployment):
    """{section: {option: value}} of tempest.conf."""
    def flag(value):
        return 'True' if value else 'False'

    return {
        'DEFAULT': {'debug': 'True', 'log_file': 'tempest.log'},
        'auth': {
            'use_dynamic_credentials': 'True',
            'create_isolated_networks': 'False',
            'admin_username': deployment.admin_username,
            'admin_password': deployment.admin_password,
            'admin_project_name': deployment.admin_project,
            'admin_domain_name': deployment.admin_domain,
            'default_credentials_domain_name': deployment.admin_domain,
        },
        'identity': {
            'uri_v3': deployment.identity_uri,
            'auth_version': 'v3',
            'region': deployment.region,
            'disable_ssl_certificate_validation': 'False',
        },
        'identity-feature-enabled': {'api_v2': 'False', 'api_v3': 'True'},
        'service_available': {
            'cinder': 'True',
            'glance': flag(deployment.glance),
            # Not deployed: tests needing them skip themselves.
            'nova': 'False', 'neutron': 'False', 'swift': 'False',
            'heat': 'False', 'ironic': 'False',
        },
        'volume': {
            'catalog_type': 'block-storage',
            'region': deployment.region,
            'backend_names': caps.backend_name,
            'storage_protocol': caps.storage_protocol,
            'vendor_name': caps.vendor_name,
            'min_microversion': MIN_MICROVERSION,
            'max_microversion': MAX_MICROVERSION,
            'volume_size': '1',
            'build_timeout': '300',
            'manage_volume_ref': 'source-name,' + caps.volume_name_format,
            'manage_snapshot_ref':
                'source-name,' + caps.snapshot_name_format,
            'volume_type_multiattach': '',
        },
        'volume-feature-enabled': {
            'multi_backend': 'False',      # one backend per run
            'backup': 'False',             # no cinder-backup service
            'snapshot': 'True',
            'clone': 'True',
            'manage_volume': flag(caps.manage_volume),
            'manage_snapshot': flag(caps.manage_snapshot),
            # Extending an attached volume needs Nova's external events.
            'extend_attached_volume': 'False',
            'extend_attached_encrypted_volume': 'False',
            # cinder-tempest-plugin's flags (same group).
            # Every backend can revert: cinder copies the snapshot through
            # an attach when the driver has no revert_to_snapshot of its
            # own (native_revert), so Tempest tests it on every backend.
            'volume_revert': 'True',
            'consistency_group': 'False',
            'cluster_active_active': 'False',
        },
        # Volume tests read the image to copy from the compute section.
        'compute': {'image_ref': deployment.image_ref,
                    'image_ref_alt': deployment.image_ref},
        'compute-feature-enabled': {
            'attach_encrypted_volume': 'False',
            'volume_multiattach': 'False',  # a Nova feature
        },
        'validation': {'run_validation': 'False'},
    }


def render(caps, deployment):
    """tempest.conf text."""
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    for section, options in sections(caps, deployment).items():
        if section != 'DEFAULT':
            parser.add_section(section)
        for key, value in options.items():
            parser.set(section, key, value)
    out = io.StringIO()
    parser.write(out)
    return out.getvalue()
