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

import configparser


from cinder.volume import driver as cinder_driver

from common_testing.cert import tempest_conf
from common_testing.tests import base


class _Bare(cinder_driver.VolumeDriver):
    """Implements none of the optional features."""


class _Full(cinder_driver.VolumeDriver):
    def manage_existing(self, volume, existing_ref):
        pass

    def manage_existing_snapshot(self, snapshot, existing_ref):
        pass

    def revert_to_snapshot(self, context, volume, snapshot):
        pass


POOL = {'storage_protocol': 'iSCSI', 'vendor_name': 'X-IO',
        'multiattach': True}
DEPLOYMENT = tempest_conf.Deployment('http://127.0.0.1:5000/v3', 'admin',
                                     's3cret', image_ref='img-1')


def _parse(text):
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


class TestFromDriver(base.TestCase):

    def test_optional_features_follow_the_driver_class(self):
        bare = tempest_conf.from_driver(_Bare, POOL, 'ise-iscsi')
        full = tempest_conf.from_driver(_Full, POOL, 'ise-iscsi')
        self.assertEqual((False, False, False),
                         (bare.manage_volume, bare.manage_snapshot,
                          bare.native_revert))
        self.assertEqual((True, True, True),
                         (full.manage_volume, full.manage_snapshot,
                          full.native_revert))

    def test_protocol_vendor_multiattach_come_from_stats(self):
        caps = tempest_conf.from_driver(_Bare, dict(POOL, multiattach=False,
                                                    storage_protocol='FC'),
                                        'ise-fc')
        self.assertEqual(('FC', 'X-IO', False, 'ise-fc'),
                         (caps.storage_protocol, caps.vendor_name,
                          caps.multiattach, caps.backend_name))

    def test_stats_without_protocol_are_refused(self):
        error = self.assertRaises(ValueError, tempest_conf.from_driver,
                                  _Bare, {'vendor_name': 'X'}, 'b1')
        self.assertIn('storage_protocol', str(error))
        self.assertIn('b1', str(error))


class TestRender(base.TestCase):

    def test_backend_facts_reach_tempest(self):
        caps = tempest_conf.from_driver(
            _Full, POOL, 'ise-iscsi', volume_name_format='vol_%s')
        conf = _parse(tempest_conf.render(caps, DEPLOYMENT))
        self.assertEqual('ise-iscsi', conf.get('volume', 'backend_names'))
        self.assertEqual('iSCSI', conf.get('volume', 'storage_protocol'))
        self.assertEqual('X-IO', conf.get('volume', 'vendor_name'))
        self.assertEqual('source-name,vol_%s',
                         conf.get('volume', 'manage_volume_ref'))
        features = dict(conf.items('volume-feature-enabled'))
        self.assertEqual('True', features['manage_volume'])
        self.assertEqual('True', features['manage_snapshot'])
        self.assertEqual('True', features['volume_revert'])

    def test_missing_features_are_off(self):
        caps = tempest_conf.from_driver(_Bare, POOL, 'b')
        features = dict(_parse(tempest_conf.render(
            caps, DEPLOYMENT)).items('volume-feature-enabled'))
        for flag in ('manage_volume', 'manage_snapshot',
                     'backup', 'extend_attached_volume', 'multi_backend'):
            self.assertEqual('False', features[flag], flag)

    def test_revert_is_tested_without_a_native_revert(self):
        # cinder's generic revert (a copy through an attach) serves it.
        caps = tempest_conf.from_driver(_Bare, POOL, 'b')
        self.assertFalse(caps.native_revert)
        features = dict(_parse(tempest_conf.render(
            caps, DEPLOYMENT)).items('volume-feature-enabled'))
        self.assertEqual('True', features['volume_revert'])

    def test_deployment_without_nova_or_backup(self):
        conf = _parse(tempest_conf.render(
            tempest_conf.from_driver(_Bare, POOL, 'b'), DEPLOYMENT))
        self.assertEqual('False', conf.get('service_available', 'nova'))
        self.assertEqual('True', conf.get('service_available', 'glance'))
        self.assertEqual('http://127.0.0.1:5000/v3',
                         conf.get('identity', 'uri_v3'))
        self.assertEqual('s3cret', conf.get('auth', 'admin_password'))
        self.assertEqual('True', conf.get('auth', 'use_dynamic_credentials'))
        self.assertEqual('img-1', conf.get('compute', 'image_ref'))
