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
"""The simulator driven by Pure's own SDK (py-pure-client), over verified TLS.

Pure wrote py-pure-client against real arrays: every endpoint the simulator
serves is called through it, and every reply must build the SDK's models
with every field the model declares present (P-16).
"""

import http.client
import inspect
import json
import ssl
import time
import urllib.parse

import ddt
from pypureclient import configuration as pure_configuration
from pypureclient import flasharray
from pypureclient.flasharray.FA_2_36 import client as fa_client
from pypureclient.flasharray.FA_2_36 import models as fa_models

from pure_cinder.simulator import server
from pure_cinder.tests import base
from pure_cinder.tests.functional import fixtures

GiB = 1024 ** 3
NAMESPACE = 'openstack-integration.purestorage.com'
# Keyword arguments of the SDK's methods that are not query parameters.
NOT_QUERY = {'self', 'references', 'authorization', 'x_request_id',
             '_preload_content', '_return_http_data_only',
             '_request_timeout', 'resources', 'members', 'groups', 'sources',
             'hosts', 'volumes', 'host_groups', 'protocol_endpoints',
             'volume', 'volume_snapshot', 'host', 'connection', 'tag',
             'protection_group', 'protection_group_snapshot',
             'volume_group', 'add_to_protection_groups',
             'remove_from_protection_groups'}


def sdk_method(method, resource):
    return '%s_%s' % (method.lower(),
                      resource.replace('-', '_').replace('/', '_'))


class SDKTestBase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(fixtures.Simulator(
            iscsi_portal=['192.0.2.1:3260', '192.0.2.2:3260']))
        # Client(ssl_cert=...) never reaches urllib3 in 1.96 (it sets
        # ``ssl_cert``, the pool reads ``ssl_ca_cert``): the CA goes in
        # through the configuration instead.
        self.client = flasharray.Client(
            self.sim.target, api_token=self.sim.api_token, verify_ssl=True,
            configuration=pure_configuration.Configuration(
                ssl_ca_cert=self.sim.ca_path))
        # The SDK logs out at interpreter exit (atexit), when the simulator
        # is long gone and urllib3 would log its retries: log out while it
        # still answers.
        self.addCleanup(self.client._token_man.close_session)
        self.addCleanup(lambda: self.assertEqual(
            [], self.sim.server.internal_errors))

    def ok(self, response):
        """The items of a 200 reply, all pages, as SDK models."""
        self.assertIsInstance(response, flasharray.ValidResponse,
                              getattr(response, 'errors', None))
        self.assertEqual(200, response.status_code)
        return list(response.items)

    def error(self, response, status=400):
        self.assertIsInstance(response, flasharray.ErrorResponse)
        self.assertEqual(status, response.status_code)
        return response.errors[0].message

    # -- raw HTTP, to see exactly what went over the wire ---------------------

    def _connection(self, login):
        context = ssl.create_default_context(cafile=self.sim.ca_path)
        host, port = self.sim.server.server_address[:2]
        conn = http.client.HTTPSConnection(host, port, context=context,
                                           timeout=10)
        self.addCleanup(conn.close)
        headers = {'Content-Type': 'application/json'}
        if login:
            conn.request('POST', '/api/2.36/login', headers={
                'api-token': self.sim.api_token})
            reply = conn.getresponse()
            reply.read()
            headers['x-auth-token'] = reply.headers['x-auth-token']
        return conn, headers

    def raw(self, method, path, body=None, token=True, raw_path=False):
        """One request on a kept-alive, logged-in connection."""
        if not token:
            conn, headers = self._connection(login=False)
        else:
            if getattr(self, '_raw', None) is None:
                self._raw = self._connection(login=True)
            conn, headers = self._raw
        url = path if raw_path else '/api/2.36/' + path
        conn.request(method, url, body=None if body is None else
                     json.dumps(body), headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        return reply.status, json.loads(data) if data else None, reply

    def assert_purity_error(self, status, body, expected_status=400):
        self.assertEqual(expected_status, status)
        self.assertEqual(['errors'], list(body))
        self.assertEqual({'message', 'context', 'location_context'},
                         set(body['errors'][0]))
        return body['errors'][0]

    # -- a population ---------------------------------------------------------

    def populate(self):
        array = self.sim.array
        for n, size in enumerate((1, 2, 3, 2, 5)):
            array.create_volume('vol%d' % n, size * GiB)
        array.create_snapshot('vol0', 's1')
        array.create_snapshot('vol1', 's1')
        array.create_host('host0', {'iqns': ['iqn.1993-08.org.debian:01:a'],
                                    'wwns': ['10:00:00:90:FA:00:00:01']})
        array.connect('host0', 'vol0')
        array.create_pgroup('pg0')
        array.add_pgroup_volumes(['pg0'], ['vol0', 'vol1'])
        array.create_pgroup_snapshot('pg0', 'snap1')
        array.put_tags(['vol0'], [{'namespace': NAMESPACE, 'key': 'VolType',
                                   'value': 'Data', 'copyable': False}])
        array.create_volume_group('vg0', {})
        array.create_volume('vg0/vol5', GiB)
        array.add_array_connection('peer-array')
        array.add_pod('pod0')


# (SDK method, keyword arguments, model) for every list endpoint served.
LISTS = [
    ('get_arrays', {}, 'Arrays'),
    ('get_arrays_space', {}, 'ArraySpace'),
    ('get_arrays_performance', {}, 'ArrayPerformance'),
    ('get_controllers', {}, 'Controller'),
    ('get_network_interfaces', {}, 'NetworkInterface'),
    ('get_ports', {}, 'Port'),
    ('get_volumes', {}, 'Volume'),
    ('get_volume_snapshots', {}, 'VolumeSnapshot'),
    ('get_hosts', {}, 'Host'),
    ('get_connections', {}, 'Connection'),
    ('get_volumes_tags', {}, 'Tag'),
    ('get_array_connections', {}, 'ArrayConnection'),
    ('get_protection_groups', {}, 'ProtectionGroup'),
    ('get_protection_groups_volumes', {}, 'ProtectionGroupsVolumes'),
    ('get_protection_group_snapshots', {}, 'ProtectionGroupSnapshot'),
    ('get_pods', {}, 'Pod'),
    ('get_volume_groups', {}, 'VolumeGroup'),
]


@ddt.ddt
class ModelsTest(SDKTestBase):
    """Every list reply builds the SDK's models, with full objects."""

    def setUp(self):
        super().setUp()
        self.populate()
        self.sim.array.booted -= 3600000  # an hour of history

    def missing_fields(self, raw, cls, path=''):
        """Fields ``cls`` declares that ``raw`` lacks, nested ones too."""
        fields = cls.__fields__
        missing = [path + name for name in fields if name not in raw]
        for name, field in fields.items():
            inner = getattr(field, 'type_', None)
            if not hasattr(inner, '__fields__'):
                continue
            value = raw.get(name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    missing += self.missing_fields(item, inner,
                                                   path + name + '.')
        return sorted(set(missing))

    @ddt.data(*LISTS)
    @ddt.unpack
    def test_list_builds_models_with_every_field(self, method, kwargs,
                                                 model):
        items = self.ok(getattr(self.client, method)(**kwargs))
        self.assertNotEqual([], items)
        cls = getattr(fa_models, model)
        for item in items:
            self.assertIsInstance(item, cls)
        # The raw reply carries every field the model declares (null where
        # the array has no value), so the SDK's AttributeError on absent
        # fields never hides a field the simulator forgot.
        path = method[len('get_'):].replace('_', '-')
        path = {'arrays-space': 'arrays/space',
                'arrays-performance': 'arrays/performance',
                'volumes-tags': 'volumes/tags',
                'protection-groups-volumes': 'protection-groups/volumes',
                }.get(path, path)
        status, body, _reply = self.raw('GET', path)
        self.assertEqual(200, status)
        for raw_item in body['items']:
            self.assertEqual([], self.missing_fields(raw_item, cls), path)

    def test_volume_fields_match_the_array(self):
        volume = self.ok(self.client.get_volumes(names=['vol0']))[0]
        held = self.sim.array.volumes['vol0']
        self.assertEqual(held['id'], volume.id)
        self.assertEqual(held['serial'], volume.serial)
        self.assertEqual(GiB, volume.provisioned)
        self.assertEqual(1, volume.connection_count)
        self.assertFalse(volume.destroyed)
        grouped = self.ok(self.client.get_volumes(names=['vg0/vol5']))[0]
        self.assertEqual('vg0', grouped.volume_group.name)

    def test_pgroup_fields_match_the_array(self):
        pgroup = self.ok(self.client.get_protection_groups(
            names=['pg0']))[0]
        self.assertEqual(2, pgroup.volume_count)
        self.assertEqual('sim-fa', pgroup.source.name)
        self.assertFalse(pgroup.snapshot_schedule.enabled)
        self.assertEqual(3600000, pgroup.snapshot_schedule.frequency)
        self.assertEqual(86400, pgroup.source_retention.all_for_sec)
        snap = self.ok(self.client.get_protection_group_snapshots(
            names=['pg0.snap1']))[0]
        self.assertEqual('snap1', snap.suffix)
        self.assertEqual('pg0', snap.source.name)

    def test_served_parameters_are_the_references(self):
        """Each route accepts exactly the query parameters the SDK sends."""
        for (method, resource), route in server.ROUTES.items():
            name = sdk_method(method, resource)
            sdk = getattr(fa_client.Client, name)
            expected = set(inspect.signature(sdk).parameters) - NOT_QUERY
            self.assertEqual(expected, set(route.params), name)


class InTreeDriverEndpointsTest(SDKTestBase):
    """What cinder 29's in-tree driver calls beyond volumes and hosts."""

    def setUp(self):
        super().setUp()
        self.sim.array.create_volume('vol0', GiB)

    def test_protection_groups_and_array_connections_answer(self):
        self.assertEqual([], self.ok(self.client.get_protection_groups()))
        self.assertEqual([], self.ok(self.client.get_array_connections()))
        self.sim.array.add_array_connection('peer', 'sync-replication')
        peer = self.ok(self.client.get_array_connections())[0]
        self.assertEqual(('peer', 'connected', 'sync-replication'),
                         (peer.name, peer.status, peer.type))

    def test_pgroup_membership_of_a_volume(self):
        self.assertEqual([], self.ok(
            self.client.get_protection_groups_volumes(member_names=['vol0'])))
        self.ok(self.client.post_protection_groups(names=['pg0']))
        self.ok(self.client.post_protection_groups_volumes(
            group_names=['pg0'], member_names=['vol0']))
        member = self.ok(self.client.get_protection_groups_volumes(
            member_names=['vol0']))[0]
        self.assertEqual('pg0', member.group.name)
        self.assertEqual('vol0', member.member.name)
        self.assertIn('does not exist', self.error(
            self.client.get_protection_groups_volumes(
                member_names=['missing'])))

    def test_tags_put_list_delete(self):
        tags = [flasharray.TagBatch(key='ProjectId', value='p1',
                                    namespace=NAMESPACE, copyable=False),
                flasharray.TagBatch(key='VolType', value='Data',
                                    namespace=NAMESPACE, copyable=False)]
        put = self.ok(self.client.put_volumes_tags_batch(
            tag=tags, resource_names=['vol0']))
        self.assertEqual(2, len(put))
        listed = self.ok(self.client.get_volumes_tags(
            resource_names=['vol0']))
        self.assertEqual({('ProjectId', 'p1'), ('VolType', 'Data')},
                         {(t.key, t.value) for t in listed})
        self.assertEqual({'vol0'}, {t.resource.name for t in listed})
        self.assertEqual({False}, {t.copyable for t in listed})
        # A second put updates the value in place.
        self.ok(self.client.put_volumes_tags_batch(
            tag=[flasharray.TagBatch(key='VolType', value='Boot',
                                     namespace=NAMESPACE)],
            resource_names=['vol0']))
        values = {t.key: t.value for t in self.ok(
            self.client.get_volumes_tags(resource_names=['vol0']))}
        self.assertEqual('Boot', values['VolType'])
        # Other namespaces survive a namespace's delete.
        self.ok(self.client.put_volumes_tags_batch(
            tag=[flasharray.TagBatch(key='mine', value='x')],
            resource_names=['vol0']))
        self.assertEqual(200, self.client.delete_volumes_tags(
            namespaces=[NAMESPACE], resource_names=['vol0']).status_code)
        left = self.ok(self.client.get_volumes_tags(resource_names=['vol0']))
        self.assertEqual([('default', 'mine')],
                         [(t.namespace, t.key) for t in left])
        self.assertIn('does not exist', self.error(
            self.client.put_volumes_tags_batch(
                tag=tags, resource_names=['missing'])))

    def test_tags_of_destroyed_volumes(self):
        array = self.sim.array
        array.create_volume('vol1', GiB)
        array.put_tags(['vol0', 'vol1'], [{'key': 'k', 'value': 'v'}])
        array.patch_volume('vol1', {'destroyed': True})
        self.assertEqual(['vol1'], [t.resource.name for t in self.ok(
            self.client.get_volumes_tags(resource_destroyed=True))])
        self.assertEqual(['vol0'], [t.resource.name for t in self.ok(
            self.client.get_volumes_tags(resource_destroyed=False))])
        self.assertIn('destroyed', self.error(self.client.get_volumes_tags(
            resource_names=['vol1'], resource_destroyed=False)))
        self.error(self.client.get_volumes_tags(
            resource_names=['vol0'], resource_destroyed=True))
        self.assertIn('does not exist', self.error(
            self.client.get_volumes_tags(resource_names=['nope'],
                                         resource_destroyed=True)))
        # Eradication takes the tags along.
        array.eradicate_volume('vol1')
        self.assertEqual(['vol0'], [t.resource.name for t in self.ok(
            self.client.get_volumes_tags())])

    def test_copyable_tags_follow_a_clone(self):
        self.sim.array.put_tags(['vol0'], [
            {'key': 'keep', 'value': '1'},
            {'key': 'drop', 'value': '2', 'copyable': False}])
        self.ok(self.client.post_volumes(
            names=['clone'], volume=flasharray.VolumePost(
                source=flasharray.Reference(name='vol0'))))
        self.assertEqual(['keep'], [t.key for t in self.ok(
            self.client.get_volumes_tags(resource_names=['clone']))])

    def test_performance_history_window(self):
        array = self.sim.array
        # On the 30 s grid the array samples on.
        now = int(time.time() * 1000) // 30000 * 30000
        reply = self.client.get_arrays_performance(
            start_time=now - 3600000, end_time=now, resolution=30000,
            total_item_count=True)
        items = self.ok(reply)
        # An array up for less than a sample interval has no history.
        self.assertEqual(len(items), reply.total_item_count)
        array.booted = now - 3600000
        reply = self.client.get_arrays_performance(
            start_time=now - 3600000, end_time=now, resolution=30000,
            total_item_count=True)
        self.assertEqual(121, reply.total_item_count)
        samples = self.ok(reply)
        self.assertEqual(121, len(samples))
        self.assertEqual(now - 3600000, samples[0].time)
        self.assertEqual(0, samples[0].reads_per_sec)
        self.assertIn('resolution', self.error(
            self.client.get_arrays_performance(
                start_time=now - 3600000, end_time=now, resolution=12345)))
        self.error(self.client.get_arrays_performance(
            start_time=now, end_time=now - 1000, resolution=30000))


VOLUMES = ['vg0/vol5', 'vol0', 'vol1', 'vol2', 'vol3', 'vol4']


@ddt.ddt
class QueryTest(SDKTestBase):
    """ids, names, filter, sort, paging, totals and destroyed (P-10..P-15)."""

    def setUp(self):
        super().setUp()
        self.populate()

    def names(self, response):
        return [item.name for item in self.ok(response)]

    def test_ids_select_objects(self):
        ids = [self.sim.array.volumes[n]['id'] for n in ('vol3', 'vol1')]
        self.assertEqual(['vol3', 'vol1'],
                         self.names(self.client.get_volumes(ids=ids)))
        pg_id = self.sim.array.pgroups['pg0']['id']
        self.assertEqual(['pg0'], self.names(
            self.client.get_protection_groups(ids=[pg_id])))
        self.assertIn('does not exist', self.error(
            self.client.get_volumes(ids=['no-such-id'])))
        self.error(self.client.get_volumes(ids=ids, names=['vol0']))

    def test_names_select_and_a_missing_name_is_an_error(self):
        self.assertEqual(['vol4', 'vol0'], self.names(
            self.client.get_volumes(names=['vol4', 'vol0'])))
        self.assertEqual('Volume does not exist.', self.error(
            self.client.get_volumes(names=['vol0', 'missing'])))
        self.assertIn('does not exist', self.error(
            self.client.get_protection_groups(names=['missing'])))
        self.assertIn('does not exist', self.error(
            self.client.get_pods(names=['missing'])))
        self.assertIn('does not exist', self.error(
            self.client.get_volume_groups(names=['missing'])))
        self.assertIn('does not exist', self.error(
            self.client.get_array_connections(names=['missing'])))

    @ddt.data(
        ("provisioned>2147483648", ['vol2', 'vol4']),
        ("provisioned<=2147483648", ['vg0/vol5', 'vol0', 'vol1', 'vol3']),
        ("provisioned=1073741824", ['vg0/vol5', 'vol0']),
        ("name!='vol0'", ['vg0/vol5', 'vol1', 'vol2', 'vol3', 'vol4']),
        ("name='vol*' and provisioned>=3221225472", ['vol2', 'vol4']),
        ("not (name='vol1' or name='VOL2') and name='vol*'",
         ['vol0', 'vol3', 'vol4']),
        ("volume_group.name='vg0'", ['vg0/vol5']),
        ("connection_count>0", ['vol0']),
        ("destroyed", []),
        ("not destroyed and serial!='x'", VOLUMES),
    )
    @ddt.unpack
    def test_volume_filters(self, expression, expected):
        self.assertEqual(expected, sorted(self.names(
            self.client.get_volumes(filter=expression))))

    @ddt.data(
        ('get_hosts', "iqns='iqn.1993-08.org.debian:01:a' and is_local",
         ['host0']),
        ('get_hosts', "wwns='10000090FA000001' and not is_local", []),
        ('get_controllers', "status='ready'", ['CT0', 'CT1']),
        ('get_ports', "name='CT1.*'", ['CT1.ETH4', 'CT1.FC0', 'CT1.FC1']),
        ('get_network_interfaces',
         "eth.subtype='lacp_bond' or eth.subtype='physical'",
         ['ct0.eth4', 'ct1.eth4']),
        ('get_volume_snapshots', "source.name='vol0'",
         ['pg0.snap1.vol0', 'vol0.s1']),
        ('get_protection_groups', "volume_count>=2", ['pg0']),
        ('get_protection_group_snapshots', "suffix='snap*'", ['pg0.snap1']),
        ('get_array_connections', "type='async-replication'",
         ['peer-array']),
        ('get_pods', "array_count=1", ['pod0']),
        ('get_volume_groups', "volume_count=1", ['vg0']),
    )
    @ddt.unpack
    def test_filters_on_every_list(self, method, expression, expected):
        self.assertEqual(expected, sorted(self.names(
            getattr(self.client, method)(filter=expression))))

    def test_filter_on_tags_and_memberships(self):
        tags = self.ok(self.client.get_volumes_tags(
            filter="key='VolType' and value='Data'"))
        self.assertEqual(['vol0'], [t.resource.name for t in tags])
        members = self.ok(self.client.get_protection_groups_volumes(
            filter="member.name='vol1'"))
        self.assertEqual(['pg0'], [m.group.name for m in members])

    def test_sort_by_several_fields(self):
        self.assertEqual(
            ['vol4', 'vol2', 'vol1', 'vol3', 'vg0/vol5', 'vol0'],
            self.names(self.client.get_volumes(
                sort=['provisioned-', 'name'])))
        self.assertEqual(sorted(VOLUMES, reverse=True), self.names(
            self.client.get_volumes(sort=['name-'])))
        self.assertIn('sort', self.error(
            self.client.get_volumes(sort=['colour'])))

    def test_limit_and_continuation_token_page_through(self):
        first = self.client.get_volumes(limit=2, sort=None,
                                        total_item_count=True)
        self.assertEqual(200, first.status_code)
        self.assertEqual(6, first.total_item_count)
        self.assertTrue(first.more_items_remaining)
        self.assertIsNotNone(first.continuation_token)
        seen = [v.name for v in first.items]
        token = first.continuation_token
        while token:
            page = self.client.get_volumes(limit=2,
                                           continuation_token=token)
            self.assertEqual(2, len(page.items))
            seen += [v.name for v in page.items]
            token = page.continuation_token
            self.assertEqual(bool(token), page.more_items_remaining)
        self.assertEqual(VOLUMES, sorted(seen))
        bad = self.client.get_volumes(continuation_token='bm90IGEgdG9rZW4=')
        self.assertIn('continuation token', self.error(bad))
        self.assertEqual('continuation_token', bad.errors[0].context)

    def test_the_sdk_iterator_follows_every_page(self):
        self.sim.server.page_size = 2
        before = self.sim.server.request_count('GET /api/2.36/volumes')
        self.assertEqual(VOLUMES, sorted(self.names(
            self.client.get_volumes())))
        self.assertEqual(3, self.sim.server.request_count(
            'GET /api/2.36/volumes') - before)
        # Sorted lists page by offset (no token), in order.
        self.assertEqual(sorted(VOLUMES, reverse=True), self.names(
            self.client.get_volumes(sort=['name-'])))

    def test_offset_and_limit(self):
        self.assertEqual(['vol3', 'vol4'], self.names(
            self.client.get_volumes(sort=['name'], offset=4)))
        self.assertEqual(['vol1'], self.names(
            self.client.get_volumes(sort=['name'], offset=2, limit=1)))
        reply = self.client.get_volumes(limit=0, total_item_count=True)
        self.assertEqual(6, reply.total_item_count)
        self.assertEqual([], self.ok(reply))

    def test_total_item_count_only_when_asked(self):
        self.assertIsNone(self.client.get_volumes().total_item_count)
        self.assertEqual(2, self.client.get_volumes(
            filter="provisioned>2147483648",
            total_item_count=True).total_item_count)

    def test_total_only(self):
        reply = self.client.get_volumes(total_only=True,
                                        filter="name='vol*'")
        self.assertEqual([], self.ok(reply))
        self.assertEqual(13 * GiB, reply.total[0].provisioned)
        self.assertEqual(13 * GiB,
                         reply.total[0].space.total_provisioned)

    def test_destroyed_splits_live_and_pending_objects(self):
        self.ok(self.client.patch_volume_snapshots(
            names=['vol0.s1'], volume_snapshot=flasharray.VolumeSnapshotPatch(
                destroyed=True)))
        self.assertEqual(['vol0.s1'], self.names(
            self.client.get_volume_snapshots(destroyed=True)))
        self.assertNotIn('vol0.s1', self.names(
            self.client.get_volume_snapshots(destroyed=False)))
        self.assertIn('vol0.s1', self.names(
            self.client.get_volume_snapshots()))
        self.ok(self.client.patch_volumes(
            names=['vol3'], volume=flasharray.VolumePatch(destroyed=True)))
        self.assertEqual(['vol3'], self.names(
            self.client.get_volumes(destroyed=True)))
        self.assertEqual(['vol0', 'vol1', 'vol2', 'vol4'], self.names(
            self.client.get_volumes(destroyed=False, filter="name='vol*'",
                                    sort=['name'])))
        self.assertEqual([], self.names(
            self.client.get_hosts(destroyed=True)))

    def test_source_names_select_snapshots(self):
        self.assertEqual(['vol1.s1', 'pg0.snap1.vol1'], self.names(
            self.client.get_volume_snapshots(source_names=['vol1'])))
        self.assertEqual(['pg0.snap1'], self.names(
            self.client.get_protection_group_snapshots(
                source_names=['pg0'])))


@ddt.ddt
class RawHTTPTest(SDKTestBase):
    """What no client would send: every refusal is a Purity 400 (P-5, P-6)."""

    @ddt.data(
        ('GET', 'volumes?colour=red', 'colour'),
        ('GET', 'volumes?destroyed=maybe', 'destroyed'),
        ('GET', 'volumes?limit=-1', 'limit'),
        ('GET', 'volumes?offset=x', 'offset'),
        ('GET', 'volumes?names=', 'names'),
        ('GET', 'arrays?continuation_token=x', 'continuation_token'),
        ('GET', 'hosts?ids=x', 'ids'),
        ('GET', 'volumes?continuation_token=%25%25', 'continuation_token'),
        ('GET', 'volumes?sort=name,,-', 'sort'),
        ('POST', 'volumes', 'names'),
        ('DELETE', 'volumes/tags?resource_names=v&namespaces=a,b',
         'namespaces'),
        ('GET', 'arrays/performance?resolution=7', 'resolution'),
        ('GET', 'arrays/performance?protocol=carrier-pigeon', 'protocol'),
    )
    @ddt.unpack
    def test_bad_parameters_are_refused(self, method, path, context):
        status, body, _reply = self.raw(method, path)
        error = self.assert_purity_error(status, body)
        self.assertEqual(context, error['context'])

    @ddt.data("name >", "name = 'x", "(name='x'", "name='x')",
              "name='x' and", "name=='x'", "name = x", "()",
              "name='x' name='y'", "name ~ 'x'", "colour='red'", "\\",
              "name='x' or or name='y'", "not")
    def test_malformed_filter_is_a_400_and_the_connection_lives(self, expr):
        self.sim.array.create_volume('vol0', GiB)
        context = ssl.create_default_context(cafile=self.sim.ca_path)
        host, port = self.sim.server.server_address[:2]
        conn = http.client.HTTPSConnection(host, port, context=context,
                                           timeout=10)
        self.addCleanup(conn.close)
        conn.request('POST', '/api/2.36/login',
                     headers={'api-token': self.sim.api_token})
        reply = conn.getresponse()
        reply.read()
        headers = {'x-auth-token': reply.headers['x-auth-token']}
        conn.request('GET', '/api/2.36/volumes?' + urllib.parse.urlencode(
            {'filter': expr}), headers=headers)
        reply = conn.getresponse()
        error = self.assert_purity_error(reply.status,
                                         json.loads(reply.read()))
        self.assertEqual('filter', error['context'])
        self.assertIn('filter', error['message'])
        # The same connection answers the next request.
        conn.request('GET', '/api/2.36/volumes', headers=headers)
        reply = conn.getresponse()
        self.assertEqual(200, reply.status)
        self.assertEqual(['vol0'],
                         [v['name'] for v in json.loads(reply.read())[
                             'items']])

    @ddt.data(*sorted(server.ROUTES))
    @ddt.unpack
    def test_odd_input_never_breaks_a_handler(self, method, resource):
        array = self.sim.array
        array.create_volume('vol0', GiB)
        array.create_pgroup('pg0')
        array.create_volume_group('vg0', {})
        bodies = [None, {}, [], 'x', 5, [{}], [{'key': 5}], {'name': 5},
                  {'destroyed': 'yes'}, {'provisioned': 'big'},
                  {'provisioned': -1}, {'qos': 'x'},
                  {'qos': {'iops_limit': 'x'}}, {'source': 'vol0'},
                  {'source': {'name': 5}}, {'suffix': 5}, {'iqns': 'x'},
                  {'iqns': [None]}, {'chap': 'x'}, {'add_iqns': 5},
                  {'snapshot_schedule': 'x'}]
        queries = ['', 'names=vol0', 'names=pg0', 'names=zz', 'ids=zz',
                   'names=a/b/c', 'names=vg0/zz', 'source_names=vol0',
                   'group_names=pg0&member_names=vol0',
                   'resource_names=vol0', 'host_names=h&volume_names=vol0']
        for query_string in queries:
            for body in bodies:
                status, reply, _reply = self.raw(
                    method, '%s?%s' % (resource, query_string), body=body)
                self.assertLess(status, 500, (query_string, body, reply))
        self.assertEqual([], self.sim.server.internal_errors)

    def test_unknown_api_version(self):
        status, body, _reply = self.raw('GET', '/api/2.99/volumes',
                                        raw_path=True)
        self.assertEqual('2.99', self.assert_purity_error(
            status, body)['context'])
        status, body, _reply = self.raw('GET', '/api/2.12/volumes',
                                        raw_path=True)
        self.assert_purity_error(status, body)

    def test_unknown_path_and_method(self):
        status, body, _reply = self.raw('GET', 'no-such-thing')
        self.assert_purity_error(status, body, 404)
        status, body, _reply = self.raw('GET', '/nothing', raw_path=True)
        self.assert_purity_error(status, body, 404)
        status, body, _reply = self.raw('PUT', 'volumes')
        self.assert_purity_error(status, body, 405)

    def test_bad_bodies(self):
        status, body, _reply = self.raw('PATCH', 'volumes?names=x',
                                        body=['not', 'an', 'object'])
        self.assert_purity_error(status, body)
        self.sim.array.create_volume('vol0', GiB)
        status, body, _reply = self.raw(
            'PUT', 'volumes/tags/batch?resource_names=vol0',
            body={'key': 'not a list'})
        self.assert_purity_error(status, body)
        status, body, _reply = self.raw(
            'PUT', 'volumes/tags/batch?resource_names=vol0',
            body=[{'key': 'k%d' % n, 'value': 'v'} for n in range(31)])
        self.assert_purity_error(status, body)
        status, body, _reply = self.raw(
            'PUT', 'volumes/tags/batch?resource_names=vol0',
            body=[{'key': 'k', 'value': 'v', 'namespace': 'pure-mine'}])
        self.assert_purity_error(status, body)

    def test_unauthenticated_requests_get_401(self):
        status, body, _reply = self.raw('GET', 'volumes', token=False)
        self.assertEqual('Invalid session.', self.assert_purity_error(
            status, body, 401)['message'])

    def test_next_token_header(self):
        for n in range(3):
            self.sim.array.create_volume('vol%d' % n, GiB)
        status, body, reply = self.raw('GET', 'volumes?limit=2')
        self.assertEqual(200, status)
        self.assertEqual(body['continuation_token'],
                         reply.headers['x-next-token'])
        status, body, reply = self.raw(
            'GET', 'volumes?limit=2&continuation_token=' +
            body['continuation_token'])
        self.assertEqual(1, len(body['items']))
        self.assertIsNone(body['continuation_token'])
        self.assertFalse(body['more_items_remaining'])
        self.assertIsNone(reply.headers['x-next-token'])


class WriteEndpointsTest(SDKTestBase):
    """Every write endpoint through the SDK, with Purity's semantics."""

    def test_volume_lifecycle(self):
        created = self.ok(self.client.post_volumes(
            names=['vol0'], with_default_protection=False,
            volume=flasharray.VolumePost(provisioned=GiB)))[0]
        self.assertEqual(GiB, created.provisioned)
        self.assertIn('already exists', self.error(self.client.post_volumes(
            names=['vol0'], volume=flasharray.VolumePost(provisioned=GiB))))
        vol_id = created.id
        self.ok(self.client.patch_volumes(
            ids=[vol_id], volume=flasharray.VolumePatch(provisioned=2 * GiB)))
        self.assertEqual(2 * GiB, self.sim.array.volumes['vol0'][
            'provisioned'])
        self.assertIn('truncation', self.error(self.client.patch_volumes(
            names=['vol0'], volume=flasharray.VolumePatch(provisioned=GiB))))
        self.ok(self.client.patch_volumes(
            names=['vol0'], truncate=True,
            volume=flasharray.VolumePatch(provisioned=GiB)))
        self.assertEqual(GiB, self.sim.array.volumes['vol0']['provisioned'])
        self.ok(self.client.patch_volumes(
            names=['vol0'], volume=flasharray.VolumePatch(name='vol1')))
        self.ok(self.client.patch_volumes(
            names=['vol1'], volume=flasharray.VolumePatch(destroyed=True)))
        gone = self.ok(self.client.get_volumes(names=['vol1']))[0]
        self.assertTrue(gone.destroyed)
        self.assertGreater(gone.time_remaining, 0)
        self.assertEqual(200, self.client.delete_volumes(
            ids=[vol_id]).status_code)
        self.assertNotIn('vol1', self.sim.array.volumes)

    def test_snapshot_lifecycle_and_volume_from_it(self):
        self.sim.array.create_volume('vol0', GiB)
        snap = self.ok(self.client.post_volume_snapshots(
            source_names=['vol0'],
            volume_snapshot=flasharray.VolumeSnapshotPost(suffix='s1')))[0]
        self.assertEqual('vol0.s1', snap.name)
        self.ok(self.client.post_volumes(
            names=['vol1'], volume=flasharray.VolumePost(
                source=flasharray.Reference(name='vol0.s1'))))
        self.ok(self.client.post_volumes(
            names=['vol0'], overwrite=True, volume=flasharray.VolumePost(
                source=flasharray.Reference(name='vol0.s1'))))
        self.assertIn('does not exist', self.error(
            self.client.post_volume_snapshots(
                source_names=['missing'],
                volume_snapshot=flasharray.VolumeSnapshotPost())))
        self.ok(self.client.patch_volume_snapshots(
            ids=[snap.id], volume_snapshot=flasharray.VolumeSnapshotPatch(
                destroyed=True)))
        self.assertEqual(200, self.client.delete_volume_snapshots(
            names=['vol0.s1']).status_code)
        self.assertEqual([], self.ok(self.client.get_volume_snapshots()))

    def test_hosts_and_connections(self):
        self.sim.array.create_volume('vol0', GiB)
        self.ok(self.client.post_hosts(names=['host0'], host=flasharray.
                                       HostPost(iqns=['iqn.2000-01.x:a'])))
        self.ok(self.client.patch_hosts(
            names=['host0'],
            host=flasharray.HostPatch(add_iqns=['iqn.2000-01.x:b'])))
        self.assertEqual(['iqn.2000-01.x:a', 'iqn.2000-01.x:b'],
                         self.sim.array.hosts['host0']['iqns'])
        conn = self.ok(self.client.post_connections(
            host_names=['host0'], volume_names=['vol0']))[0]
        self.assertEqual(1, conn.lun)
        listed = self.ok(self.client.get_connections(
            volume_ids=[self.sim.array.volumes['vol0']['id']]))
        self.assertEqual([('host0', 'vol0', 1)], [
            (c.host.name, c.volume.name, c.lun) for c in listed])
        self.assertIn('does not exist', self.error(
            self.client.get_connections(host_group_names=['hg'])))
        self.assertIn('cannot be deleted due to existing connections',
                      self.error(self.client.delete_hosts(names=['host0'])))
        self.assertEqual(200, self.client.delete_connections(
            host_names=['host0'], volume_names=['vol0']).status_code)
        self.assertEqual(200, self.client.delete_hosts(
            names=['host0']).status_code)

    def test_chap_secrets_are_never_read_back(self):
        self.ok(self.client.post_hosts(names=['host0'], host=flasharray.
                                       HostPost(iqns=['iqn.2000-01.x:a'])))
        secret = 'a-secret-of-24-characters'
        patched = self.ok(self.client.patch_hosts(
            names=['host0'], host=flasharray.HostPatch(chap=flasharray.Chap(
                host_user='compute-1', host_password=secret))))[0]
        listed = self.ok(self.client.get_hosts(names=['host0']))[0]
        for host in (patched, listed):
            self.assertEqual('compute-1', host.chap.host_user)
            self.assertEqual('****', host.chap.host_password)
        self.assertEqual(secret, self.sim.array.hosts['host0']['chap'][
            'host_password'])
        self.assertIn('12 to 255', self.error(self.client.patch_hosts(
            names=['host0'], host=flasharray.HostPatch(chap=flasharray.Chap(
                host_user='compute-1', host_password='short')))))

    def test_protection_group_lifecycle(self):
        array = self.sim.array
        pgroup = self.ok(self.client.post_protection_groups(
            names=['pg0']))[0]
        self.assertEqual(0, pgroup.volume_count)
        self.assertIn('already exists', self.error(
            self.client.post_protection_groups(names=['pg0'])))
        self.ok(self.client.patch_protection_groups(
            names=['pg0'], protection_group=flasharray.ProtectionGroup(
                replication_schedule=flasharray.ReplicationSchedule(
                    frequency=7200000))))
        self.assertEqual(7200000, array.pgroups['pg0'][
            'replication_schedule']['frequency'])
        self.ok(self.client.patch_protection_groups(
            ids=[pgroup.id], protection_group=flasharray.ProtectionGroup(
                name='pg1')))
        self.assertEqual(['pg1'], sorted(array.pgroups))
        self.assertIn('must be destroyed', self.error(
            self.client.delete_protection_groups(names=['pg1'])))
        self.ok(self.client.patch_protection_groups(
            names=['pg1'], protection_group=flasharray.ProtectionGroup(
                destroyed=True)))
        listed = self.ok(self.client.get_protection_groups(destroyed=True))
        self.assertEqual(['pg1'], [p.name for p in listed])
        self.assertGreater(listed[0].time_remaining, 0)
        message = self.error(self.client.post_protection_groups(
            names=['pg1']))
        self.assertIn('has been destroyed', message)
        self.assertNotIn('already exists', message)
        self.assertEqual(200, self.client.delete_protection_groups(
            names=['pg1']).status_code)
        self.assertEqual({}, array.pgroups)
        self.assertIn('Invalid', self.error(
            self.client.post_protection_groups(names=['bad_name'])))
        self.error(self.client.post_protection_groups(
            names=['pg2'], source_names=['pg0']))

    def test_membership(self):
        array = self.sim.array
        array.create_volume('vol0', GiB)
        array.create_volume('vol1', GiB)
        self.ok(self.client.post_protection_groups(names=['pg0']))
        added = self.ok(self.client.post_protection_groups_volumes(
            group_names=['pg0'], member_names=['vol0', 'vol1']))
        self.assertEqual(['vol0', 'vol1'], [m.member.name for m in added])
        self.assertIn('already belongs to', self.error(
            self.client.post_protection_groups_volumes(
                group_names=['pg0'], member_names=['vol0'])))
        self.assertIn('does not exist', self.error(
            self.client.post_protection_groups_volumes(
                group_names=['nope'], member_names=['vol0'])))
        self.assertEqual(200, self.client.delete_protection_groups_volumes(
            group_names=['pg0'], member_names=['vol1']).status_code)
        self.assertIn('could not be found', self.error(
            self.client.delete_protection_groups_volumes(
                group_names=['pg0'], member_names=['vol1'])))
        # Destroyed members stay; eradicated ones leave.
        array.patch_volume('vol0', {'destroyed': True})
        members = self.ok(self.client.get_protection_groups_volumes(
            group_names=['pg0'], member_destroyed=True))
        self.assertEqual([True], [m.member.destroyed for m in members])
        self.assertEqual([], self.ok(
            self.client.get_protection_groups_volumes(
                group_names=['pg0'], member_destroyed=False)))
        array.eradicate_volume('vol0')
        self.assertEqual([], self.ok(
            self.client.get_protection_groups_volumes(group_names=['pg0'])))
        # Volumes may join at creation and leave on a patch.
        self.ok(self.client.post_volumes(
            names=['vol2'], add_to_protection_group_names=['pg0'],
            volume=flasharray.VolumePost(provisioned=GiB)))
        self.assertEqual(1, self.ok(self.client.get_protection_groups(
            names=['pg0']))[0].volume_count)
        self.ok(self.client.patch_volumes(
            names=['vol2'], remove_from_protection_group_names=['pg0'],
            volume=flasharray.VolumePatch()))
        self.assertEqual(0, self.ok(self.client.get_protection_groups(
            names=['pg0']))[0].volume_count)

    def test_protection_group_snapshots(self):
        array = self.sim.array
        for name in ('vol0', 'vol1'):
            array.create_volume(name, GiB)
        with open(array._data_path(array.volumes['vol0']['id']),
                  'r+b') as data:
            data.write(b'consistent')
        self.ok(self.client.post_protection_groups(names=['pg0']))
        self.ok(self.client.post_protection_groups_volumes(
            group_names=['pg0'], member_names=['vol0', 'vol1']))
        snap = self.ok(self.client.post_protection_group_snapshots(
            source_names=['pg0'],
            protection_group_snapshot=flasharray.ProtectionGroupSnapshotPost(
                suffix='cg1')))[0]
        self.assertEqual(('pg0.cg1', 'cg1', 'pg0'),
                         (snap.name, snap.suffix, snap.source.name))
        members = sorted(s.name for s in self.ok(
            self.client.get_volume_snapshots(
                filter="name='pg0.cg1.*'")))
        self.assertEqual(['pg0.cg1.vol0', 'pg0.cg1.vol1'], members)
        self.ok(self.client.post_volumes(
            names=['copy'], volume=flasharray.VolumePost(
                source=flasharray.Reference(name='pg0.cg1.vol0'))))
        with open(array._data_path(array.volumes['copy']['id']),
                  'rb') as data:
            self.assertEqual(b'consistent', data.read(10))
        auto = self.ok(self.client.post_protection_group_snapshots(
            source_names=['pg0']))[0]
        self.assertEqual('pg0.1', auto.name)
        self.assertIn('already exists', self.error(
            self.client.post_protection_group_snapshots(
                source_names=['pg0'], protection_group_snapshot=flasharray.
                ProtectionGroupSnapshotPost(suffix='cg1'))))
        self.assertIn('must be destroyed', self.error(
            self.client.delete_protection_group_snapshots(
                names=['pg0.cg1'])))
        self.ok(self.client.patch_protection_group_snapshots(
            names=['pg0.cg1'], protection_group_snapshot=flasharray.
            ProtectionGroupSnapshotPatch(destroyed=True)))
        self.assertTrue(array.snapshots['pg0.cg1.vol0']['destroyed'])
        self.assertEqual(200, self.client.delete_protection_group_snapshots(
            names=['pg0.cg1']).status_code)
        self.assertNotIn('pg0.cg1.vol0', array.snapshots)
        self.assertIn('does not exist', self.error(
            self.client.patch_protection_group_snapshots(
                names=['pg0.cg1'], protection_group_snapshot=flasharray.
                ProtectionGroupSnapshotPatch(destroyed=True))))
        # Destroying the group takes its snapshots along.
        self.ok(self.client.patch_protection_groups(
            names=['pg0'], protection_group=flasharray.ProtectionGroup(
                destroyed=True)))
        self.assertEqual(['pg0.1'], [s.name for s in self.ok(
            self.client.get_protection_group_snapshots(destroyed=True))])
        self.assertEqual(200, self.client.delete_protection_groups(
            names=['pg0']).status_code)
        self.assertEqual({}, array.pgroup_snapshots)
        self.assertEqual([], [n for n in array.snapshots
                              if n.startswith('pg0.')])

    def test_volume_group_contents_go_with_it(self):
        array = self.sim.array
        array.create_volume_group('vg0', {})
        array.create_volume('vg0/vol0', GiB)
        self.ok(self.client.patch_volume_groups(
            names=['vg0'], destroy_contents=True,
            volume_group=flasharray.VolumeGroupPatch(destroyed=True)))
        self.assertTrue(array.volumes['vg0/vol0']['destroyed'])
        self.assertTrue(array.volume_groups['vg0']['destroyed'])

    def test_what_the_simulator_does_not_replicate_is_refused(self):
        array = self.sim.array
        array.create_volume('vol0', GiB)
        array.create_pgroup('pg0')
        self.assertIn('replication targets', self.error(
            self.client.post_protection_group_snapshots(
                source_names=['pg0'], replicate_now=True,
                protection_group_snapshot=flasharray.
                ProtectionGroupSnapshotPost())))
        self.assertEqual({}, array.pgroup_snapshots)
        self.assertIn('does not exist', self.error(
            self.client.post_volume_snapshots(
                source_names=['vol0'], on=['peer'],
                volume_snapshot=flasharray.VolumeSnapshotPost())))
        self.assertEqual({}, array.snapshots)

    def test_volume_groups(self):
        vgroup = self.ok(self.client.post_volume_groups(
            names=['vg0'], volume_group=flasharray.VolumeGroupPost(
                qos=flasharray.Qos(iops_limit=1000))))[0]
        self.assertEqual(1000, vgroup.qos.iops_limit)
        self.assertIn('already exists', self.error(
            self.client.post_volume_groups(
                names=['vg0'], volume_group=flasharray.VolumeGroupPost())))
        self.ok(self.client.patch_volume_groups(
            names=['vg0'], volume_group=flasharray.VolumeGroupPatch(
                qos=flasharray.Qos(iops_limit=2000))))
        self.ok(self.client.post_volumes(
            names=['vg0/vol0'], volume=flasharray.VolumePost(
                provisioned=GiB)))
        self.assertIn('does not exist', self.error(self.client.post_volumes(
            names=['vg9/vol0'], volume=flasharray.VolumePost(
                provisioned=GiB))))
        self.assertEqual(1, self.ok(self.client.get_volume_groups(
            names=['vg0']))[0].volume_count)
        self.error(self.client.patch_volume_groups(
            names=['vg0'], volume_group=flasharray.VolumeGroupPatch(
                destroyed=True)))
        self.ok(self.client.patch_volumes(
            names=['vg0/vol0'], volume=flasharray.VolumePatch(
                destroyed=True)))
        self.assertEqual(0, self.ok(self.client.get_volume_groups(
            names=['vg0']))[0].volume_count)
        self.ok(self.client.patch_volume_groups(
            names=['vg0'], volume_group=flasharray.VolumeGroupPatch(
                destroyed=True)))
        self.error(self.client.delete_volume_groups(names=['vg0']))
        self.assertEqual(200, self.client.delete_volume_groups(
            names=['vg0'], eradicate_contents=True).status_code)
        self.assertEqual({}, self.sim.array.volume_groups)
        self.assertEqual({}, self.sim.array.volumes)
