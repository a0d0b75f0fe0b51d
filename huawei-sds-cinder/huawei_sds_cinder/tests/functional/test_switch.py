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
"""Switching a backend from Huawei's StorAC driver to ours.

The array is populated as the Kilo StorAC driver (huaweistorhyper 1.0.0)
left it: its names, its CREATE_VOLUME_REQ policy values, its linked
volumes from snapshots, its XML configuration file. The requests are sent
the way its client sent them (one send, one recv(1024), no half-close;
doc/protocol.rst P3, P6, P8, P11), written here from those facts. Then
cinder.conf points the backend at our driver with the same XML file, and
our driver must attach, snapshot, clone, extend and delete everything,
leaving nothing on the array.
"""

import os
import socket
import uuid

from cinder import exception
from cinder import objects
from common_testing import logcheck
import fixtures
from oslo_utils import units

from huawei_sds_cinder.tests.functional import test_driver

# P8: StorAC's CREATE_VOLUME_REQ: the placement keys and 19 fixed values.
STORAC_POLICY = [
    ('thin_flag', '0'), ('reserved', '0'), ('volume_space_reserved', '0'),
    ('force_provision_size', '0'), ('iops', '100'), ('max_iops', '100'),
    ('min_iops', '0'), ('cache_size', '0'), ('repicate_num', '1'),
    ('repicate_tolerant_num', '1'), ('encrypt_algorithm', '0'),
    ('consistency', '0'), ('stor_space_level', '1'),
    ('compress_algorithm', '0'), ('deduplication', '0'), ('snapshot', '0'),
    ('backup_cycle', '0'), ('tolerance_disk_failure', '0'),
    ('tolerance_cache_failure', '1')]

# The shape of StorAC's sample cinder_huawei_storac_conf.xml (P14), with
# a pool configured and this test's VBS addresses.
STORAC_XML = '''<?xml version="1.0" encoding="utf-8" ?>
<config>
    <controller>
        <vbs_url>,%(addresses)s,</vbs_url>
        <vbs_port>%(port)d</vbs_port>
        <UserName>aa</UserName>
        <UserPassword>storac-unused-password</UserPassword>
    </controller>
    <pools>
     <pool>
      <pool_id>16384</pool_id>
      <iops>200</iops>
     </pool>
    </pools>
    <policy>
        <iops>200</iops>
        <cache_size>2</cache_size>
        <repicate_num>2</repicate_num>
        <repicate_tolerant_num>0</repicate_tolerant_num>
        <encrypt_algorithm>0</encrypt_algorithm>
        <consistency>1</consistency>
        <compress_algorithm>0</compress_algorithm>
        <backup_cycle>0</backup_cycle>
        <stor_space_level>1</stor_space_level>
        <QoS_support>1</QoS_support>
        <tolerance_disk_failure>0</tolerance_disk_failure>
        <tolerance_cache_failure>1</tolerance_cache_failure>
     </policy>
     <capability>
        <reserved_percentage>0</reserved_percentage>
        <deduplication>0</deduplication>
        <snapshot>1</snapshot>
        <backup>0</backup>
     </capability>
</config>
'''


def storac_request(address, port, request_type, params):
    """One request as StorAC's VbsClient sent it (P3, P6): the reply text.

    One send of the whole request, one recv(1024), close; no half-close.
    """
    text = '[%s]\n' % request_type + ''.join(
        '%s=%s\n' % (key, value) for key, value in params)
    with socket.create_connection((address, port), timeout=5) as sock:
        sock.send(text.encode('utf-8'))
        return sock.recv(units.Ki).decode('utf-8')


class SwitchFromStorACTest(test_driver.DriverTestBase):

    def _storac(self, request_type, params):
        reply = storac_request(self.vbs.addresses[0], self.vbs.port,
                               request_type, params)
        # StorAC's check: retcode=0 or the request failed (P9).
        self.assertIn('retcode=0', reply.split('\n'), request_type)

    def _storac_population(self):
        """Volumes and snapshots as StorAC created them, with cinder's rows.

        StorAC named objects volume['name'] / snapshot['name'] and kept
        the name as provider_location; its pool_name was the stor_id.
        """
        source = self._volume(1)
        source.provider_location = source.name
        self._storac('CREATE_VOLUME_REQ',
                     [('vol_name', source.name), ('vol_size', 1024),
                      ('pool_id', '16384')] + STORAC_POLICY)
        self._write(source, 8192, b'written in the StorAC era')
        snapshot = objects.Snapshot(
            self.ctxt, id=str(uuid.uuid4()), volume_id=source.id,
            volume_size=1, provider_location=None)
        snapshot.volume = source
        snapshot.provider_location = snapshot.name
        self._storac('CREATE_SNAPSHOT_REQ',
                     [('snap_name', snapshot.name),
                      ('vol_name', source.name), ('smartflag', '1')])
        # StorAC's volume from snapshot: a linked clone (P11).
        linked = self._volume(1)
        linked.provider_location = linked.name
        self._storac('CREATE_VOLUME_FROM_SNAPSHOT_REQ',
                     [('vol_name', linked.name), ('vol_size', 1024),
                      ('snap_name_src', snapshot.name), ('vol_num', '1')])
        return source, snapshot, linked

    def _switch(self):
        """cinder.conf: our volume_driver, the same XML file, nothing else."""
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'cinder_huawei_storac_conf.xml')
        with open(path, 'w') as xml:
            xml.write(STORAC_XML % {'addresses': ','.join(self.vbs.addresses),
                                    'port': self.vbs.port})
        return self._load(huawei_sds_vbs_addresses=[], huawei_sds_pools=[],
                          huawei_sds_vbs_port=10599,
                          cinder_huawei_sds_conf_file=path)

    def test_switch_keeps_every_object_usable_and_leaves_nothing(self):
        before = self._inventory()
        self.useFixture(logcheck.SecretsNotLogged(['storac-unused-password']))
        source, snapshot, linked = self._storac_population()
        # An attachment made in the StorAC era: its connection data was
        # {'volume_id': <name>} (P7), attached by os-brick's connector.
        brick = test_driver.brick_connector.InitiatorConnector.factory(
            'HUAWEISDSHYPERVISOR', None)
        device = brick.connect_volume({'volume_id': linked.name})
        self.assertEqual({linked.name}, self._inventory()['attachment'])
        self.driver = self._switch()

        # Detached with our driver's connection data, as nova or cinder
        # would after the switch.
        info = self.driver.initialize_connection(linked, {})
        self.assertEqual(linked.name, info['data']['volume_id'])
        self.driver.terminate_connection(linked, {})
        brick.disconnect_volume(info['data'], device)
        self.assertEqual(set(), self._inventory()['attachment'])

        # The XML file still configures the backend: addresses, port,
        # pool; its policy is reported, not applied (P14).
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertEqual(['16384'], [p['pool_name'] for p in stats['pools']])
        self.assertEqual('200', stats['pools'][0]['iops'])
        self.assertEqual('200', stats['iops'])

        # Existing volumes attach and carry their data.
        self.assertEqual(b'written in the StorAC era',
                         self._read(source, 8192, 25))
        self.assertEqual(b'written in the StorAC era',
                         self._read(linked, 8192, 25))

        # Snapshot, clone, volume from StorAC's snapshot, extend.
        ours = self._snapshot(source)
        clone = self._volume(1)
        clone.update(self.driver.create_cloned_volume(clone, source))
        made = self._volume(1)
        made.update(self.driver.create_volume_from_snapshot(made, snapshot))
        for volume in (clone, made):
            self.assertEqual(b'written in the StorAC era',
                             self._read(volume, 8192, 25))
        new = self._create()
        # The same request StorAC sent, whatever the XML says (P8, P14).
        creates = {dict(params)['vol_name']: dict(params) for request, params
                   in self.vbs.simulator.received
                   if request == 'CREATE_VOLUME_REQ'}
        theirs, ours_create = creates[source.name], creates[new.name]
        self.assertEqual(set(theirs), set(ours_create))
        self.assertEqual(22, len(ours_create))
        self.assertEqual(dict(STORAC_POLICY), {
            key: ours_create[key] for key, _value in STORAC_POLICY})
        self.driver.extend_volume(source, 2)
        self.driver.extend_volume(linked, 2)
        self.assertEqual(2048, self.vbs.array.volumes[source.name].size_mb)
        self.assertEqual(b'written in the StorAC era',
                         self._read(source, 8192, 25))

        # StorAC's linked volume holds its snapshot (P17, assumption):
        # cinder is told the snapshot is busy, and nothing is lost.
        self.assertRaises(exception.SnapshotIsBusy,
                          self.driver.delete_snapshot, snapshot)
        self.assertIn(snapshot.name, self._inventory()['snapshot'])
        self.driver.delete_volume(linked)
        self.driver.delete_snapshot(snapshot)
        # P12: its volume was attached for the delete, and detached again.
        self.assertIn((snapshot.name, True),
                      self.vbs.array.snapshot_deletes)
        self.driver.delete_snapshot(ours)
        for volume in (clone, made, new, source):
            self.driver.delete_volume(volume)
        self.assertEqual(before, self._inventory())
        self.assertEqual([], os.listdir(os.path.join(self.vbs.state_dir,
                                                     'volumes')))
