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
"""Driver logic with a mocked REST client."""

from unittest import mock

from cinder import coordination
from cinder import exception
import ddt

from pure_cinder import client
from pure_cinder import common
from pure_cinder import fc
from pure_cinder import iscsi
from pure_cinder.tests import base

GiB = 1024 ** 3


def configuration(**values):
    conf = mock.Mock()
    defaults = {'pure_target': 'fa.example', 'san_ip': '',
                'pure_api_token': 'tok', 'pure_host_name': None,
                'pure_iscsi_cidr': '0.0.0.0/0',
                'pure_eradicate_on_delete': False,
                'pure_host_personality': None,
                'pure_automatic_max_oversubscription_ratio': True,
                'pure_api_retry_timeout': 5, 'pure_api_timeout': 5,
                'driver_ssl_cert_verify': True, 'driver_ssl_cert_path': None,
                'use_chap_auth': False, 'reserved_percentage': 0,
                'max_over_subscription_ratio': '20.0'}
    defaults.update(values)
    for key, value in defaults.items():
        setattr(conf, key, value)
    conf.safe_get.side_effect = lambda key: defaults.get(key)
    return conf


def volume(size=1, provider_id=None, **fields):
    vol = mock.Mock(size=size, provider_id=provider_id,
                    provider_location=None, volume_type_id=None,
                    multiattach=False, volume_attachment=[], id='vid')
    vol.name = 'volume-%s' % fields.pop('id', 'vid')
    for key, value in fields.items():
        setattr(vol, key, value)
    return vol


@ddt.ddt
class CommonLogicTest(base.TestCase):

    def make(self, cls=iscsi.PureISCSIDriver, **conf):
        driver = cls(configuration=configuration(**conf))
        driver.client = mock.Mock(spec=client.FlashArrayClient)
        driver.array_name = 'fa1'
        return driver

    @ddt.data(
        ({'host': 'compute-1'}, r'^compute-1-[0-9a-f]{32}-cinder$'),
        ({'host': 'a.b_c d'}, r'^a-b-c-d-[0-9a-f]{32}-cinder$'),
        ({'host': '--x' + 'y' * 40}, r'^x' + 'y' * 20 + r'-[0-9a-f]{32}'),
        ({'host': 'h', 'system uuid': 'ABCDEF01-2345-6789-ABCD-EF0123456789'},
         r'^h-abcdef0123456789abcdef0123456789-cinder$'),
    )
    @ddt.unpack
    def test_generated_host_names(self, connector, pattern):
        name = self.make()._generated_host_name(connector)
        self.assertRegex(name, pattern)
        self.assertLessEqual(len(name), 63)
        self.assertRegex(name, common.DRIVER_HOST_RE.pattern)

    def test_host_name_is_stable_per_compute_host(self):
        driver = self.make()
        self.assertEqual(driver._generated_host_name({'host': 'c1'}),
                         driver._generated_host_name({'host': 'c1'}))
        self.assertNotEqual(driver._generated_host_name({'host': 'c1'}),
                            driver._generated_host_name({'host': 'c2'}))

    def test_long_volume_names_are_cut_from_the_left(self):
        vol = volume(id='x' * 60)
        vol.id = 'x' * 60
        name = self.make()._volume_name(vol)
        self.assertEqual(63, len(name))
        self.assertTrue(name.endswith('x-cinder'))

    def test_new_volumes_are_named_from_their_own_id(self):
        # cinderlib and cinder's generic migration copy the source's
        # provider_id into the new volume object.
        driver = self.make()
        driver.client.create_volume.return_value = {
            'name': 'volume-new-cinder', 'serial': 'CD' * 12}
        vol = volume(provider_id='volume-src-cinder', id='new')
        vol.id = 'new'
        self.assertEqual({'provider_id': 'volume-new-cinder',
                          'provider_location': 'CD' * 12},
                         driver.create_cloned_volume(vol, volume(
                             provider_id='volume-src-cinder', id='src')))
        driver.client.create_volume.assert_called_once_with(
            'volume-new-cinder', source='volume-src-cinder', qos=None)

    def test_existing_volumes_are_found_by_provider_id(self):
        driver = self.make()
        driver.extend_volume(volume(provider_id='legacy-name'), 2)
        driver.client.patch_volume.assert_called_once_with(
            'legacy-name', provisioned=2 * GiB)

    @ddt.data(({'maxIOPS': '100'}, {'iops_limit': 100}),
              ({'maxBWS': '1'}, {'bandwidth_limit': 1048576}),
              ({'maxIOPS': '100000000', 'maxBWS': '524288'},
               {'iops_limit': 100000000, 'bandwidth_limit': 549755813888}),
              ({'other': '1'}, None))
    @ddt.unpack
    def test_qos_specs(self, specs, expected):
        with mock.patch('cinder.volume.volume_types.'
                        'get_volume_type_qos_specs',
                        return_value={'qos_specs': {'consumer': 'both',
                                                    'specs': specs}}):
            self.assertEqual(expected,
                             self.make()._qos(volume(volume_type_id='t')))

    @ddt.data({'maxIOPS': '99'}, {'maxIOPS': 'many'}, {'maxBWS': '0'},
              {'maxBWS': '524289'})
    def test_bad_qos_specs_are_refused(self, specs):
        with mock.patch('cinder.volume.volume_types.'
                        'get_volume_type_qos_specs',
                        return_value={'qos_specs': {'consumer': 'back-end',
                                                    'specs': specs}}):
            exc = self.assertRaises(exception.InvalidQoSSpecs,
                                    self.make()._qos,
                                    volume(volume_type_id='t'))
        self.assertIn(list(specs)[0], str(exc))

    def test_create_over_a_destroyed_name_eradicates_then_creates(self):
        driver = self.make()
        driver.client.create_volume.side_effect = [
            client.Destroyed('Volume has been destroyed.', 400),
            {'name': 'volume-vid-cinder', 'serial': 'AB' * 12}]
        update = driver.create_volume(volume())
        driver.client.eradicate_volume.assert_called_once_with(
            'volume-vid-cinder')
        self.assertEqual({'provider_id': 'volume-vid-cinder',
                          'provider_location': 'AB' * 12}, update)

    def test_lost_create_reply_without_volume_is_a_clear_error(self):
        driver = self.make()
        driver.client.create_volume.side_effect = client.ConnectionLost('x')
        driver.client.get_volume.side_effect = client.NotFound('gone')
        exc = self.assertRaises(common.PureDriverException,
                                driver.create_volume, volume())
        self.assertIn('did not create it', str(exc))

    def test_array_errors_name_the_operation_and_target(self):
        driver = self.make()
        driver.client.patch_volume.side_effect = client.LimitReached(
            'Volume limit reached.', 400)
        exc = self.assertRaises(common.PureDriverException,
                                driver.extend_volume, volume(), 5)
        self.assertIn('extend volume failed on pure_target=fa.example',
                      str(exc))

    @ddt.data(client.NotFound('Volume does not exist.'),
              client.Destroyed('Volume has been destroyed.'))
    def test_delete_volume_tolerates_gone_volumes(self, error):
        driver = self.make()
        driver.client.list_connections.return_value = []
        driver.client.patch_volume.side_effect = error
        driver.delete_volume(volume())

    def test_host_creation_race_looks_again(self):
        driver = self.make()
        driver.client.find_hosts.side_effect = [[], [{'name': 'theirs'}]]
        driver.client.create_host.side_effect = client.AlreadyExists(
            'Host already exists.')
        host = driver._ensure_host({'host': 'c', 'initiator': 'iqn.x'})
        self.assertEqual('theirs', host['name'])

    def test_detach_finds_the_host_when_the_generated_one_is_absent(self):
        # Whatever words the array uses for a disconnect from a host that
        # is not there, the delete's "does not exist" sends the detach to
        # the host that holds the initiator.
        driver = self.make()
        driver.client.disconnect.side_effect = [
            client.NotFound('Connection does not exist.'), None]
        driver.client.delete_host.side_effect = client.NotFound(
            'Host does not exist.')
        driver.client.find_hosts.return_value = [{'name': 'admin-host'}]
        driver.client.list_connections.return_value = [{'lun': 1}]
        self.assertFalse(driver._detach(volume(provider_id='v'), {
            'host': 'c', 'initiator': 'iqn.x'}))
        driver.client.disconnect.assert_called_with('admin-host', 'v')
        driver.client.delete_host.assert_called_once()

    def test_admin_hosts_are_never_deleted(self):
        driver = self.make()
        driver.client.list_connections.return_value = []
        self.assertTrue(driver._delete_host_if_unused('admin-host'))
        driver.client.delete_host.assert_not_called()

    def test_stats_thin_provisioning(self):
        driver = self.make()
        driver.client.get_array_space.return_value = {
            'capacity': 100 * GiB, 'space': {
                'total_physical': 10 * GiB, 'total_provisioned': 50 * GiB,
                'total_reduction': 3.5}}
        driver.client.list.return_value = [{'reads_per_sec': 7}]
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual(100, stats['total_capacity_gb'])
        self.assertEqual(90, stats['free_capacity_gb'])
        self.assertEqual(50, stats['provisioned_capacity_gb'])
        self.assertEqual(5.0, stats['max_over_subscription_ratio'])
        self.assertEqual(3.5, stats['data_reduction'])
        self.assertEqual(7, stats['reads_per_sec'])

    def test_stats_without_total_provisioned_use_used_provisioned(self):
        driver = self.make(pure_automatic_max_oversubscription_ratio=False)
        driver.client.get_array_space.return_value = {
            'capacity': 100 * GiB, 'space': {
                'total_physical': 0, 'used_provisioned': 2 * GiB}}
        driver.client.list.return_value = []
        stats = driver.get_volume_stats(refresh=True)
        self.assertEqual(2, stats['provisioned_capacity_gb'])
        self.assertEqual('20.0', stats['max_over_subscription_ratio'])
        self.assertEqual(0, stats['reads_per_sec'])

    @ddt.data(('10.0.0.0/8', ['10.1.1.1:3260']),
              ('fd00::/8', ['[fd00::5]:3260']),
              ('0.0.0.0/0', ['10.1.1.1:3260', '192.168.1.1:3260',
                             '[fd00::5]:3260']))
    @ddt.unpack
    def test_iscsi_cidr_filters_portals(self, cidr, expected):
        driver = self.make(pure_iscsi_cidr=cidr)
        driver._port_cache = [
            {'name': 'CT0.ETH4', 'iqn': 'iqn.t', 'portal': p, 'wwn': None}
            for p in ('10.1.1.1:3260', '192.168.1.1:3260',
                      '[fd00::5]:3260')]
        self.assertEqual(expected, [p for p, _i in driver._iscsi_portals()])

    def test_stale_port_cache_is_refreshed_once(self):
        driver = self.make(pure_iscsi_cidr='10.0.0.0/8')
        driver._port_cache = []
        driver.client.list.return_value = [{'name': 'CT0'}]
        driver.client.list_ports.return_value = [
            {'name': 'CT0.ETH4', 'iqn': 'iqn.t', 'portal': '10.0.0.9:3260'}]
        self.assertEqual([('10.0.0.9:3260', 'iqn.t')],
                         driver._iscsi_portals())

    def test_fc_host_filter_covers_every_wwpn(self):
        driver = self.make(cls=fc.PureFCDriver)
        expression, fields = driver._initiators(
            {'wwpns': ['10:00:00:90:fa:00:00:01', '10000090fa000002']})
        self.assertEqual("wwns='10000090FA000001' and is_local or "
                         "wwns='10000090FA000002' and is_local", expression)
        self.assertEqual({'wwns': ['10000090FA000001', '10000090FA000002']},
                         fields)

    def test_ports_of_a_controller_not_ready_are_left_out(self):
        driver = self.make()
        driver.client.list.return_value = [{'name': 'CT0'}]
        driver.client.list_ports.return_value = [
            {'name': 'CT0.ETH4'}, {'name': 'CT1.ETH4'}, {'name': 'LACP0'}]
        self.assertEqual(['CT0.ETH4', 'LACP0'],
                         [p['name'] for p in driver._ports()])
        driver._ports()
        driver.client.list_ports.assert_called_once_with()

    def test_connect_retries_once_when_the_host_vanished(self):
        driver = self.make()
        driver.client.find_hosts.side_effect = [[{'name': 'h-old'}], [],
                                                []]
        driver.client.create_host.return_value = {'name': 'h-new'}
        driver.client.connect.side_effect = [
            client.NotFound('Host does not exist.'), {'lun': 4}]
        host, lun, _name, _chap = driver._attach(volume(), {
            'host': 'c', 'initiator': 'iqn.x'})
        self.assertEqual(('h-new', 4), (host['name'], lun))


class CHAPTest(base.TestCase):
    """The CHAP a connection carries is the one its host holds."""

    HOST = 'compute-1-%s-cinder' % ('a' * 32)
    CONNECTOR = {'host': 'compute-1', 'initiator': 'iqn.x'}

    def make(self, stored=None, **conf):
        driver = iscsi.PureISCSIDriver(configuration=configuration(**conf))
        driver.client = mock.Mock(spec=client.FlashArrayClient)
        driver.driver_utils = mock.Mock()
        rows = [{'key': common.CHAP_SECRET_KEY, 'value': stored}]
        driver.driver_utils.get_driver_initiator_data.return_value = (
            rows if stored else [])
        driver.driver_utils.insert_driver_initiator_data.return_value = True
        return driver

    def host(self, user='compute-1', name=HOST):
        return {'name': name, 'chap': {'host_user': user,
                                       'host_password': '****'}}

    def test_a_host_without_chap_gets_none_even_with_chap_on(self):
        driver = self.make(use_chap_auth=True)
        self.assertIsNone(driver._host_chap(self.host(user=None),
                                            self.CONNECTOR))
        driver.driver_utils.get_driver_initiator_data.assert_not_called()

    def test_a_host_with_chap_gets_the_stored_secret_even_with_chap_off(
            self):
        driver = self.make(stored='kept-secret-0123', use_chap_auth=False)
        self.assertEqual(('compute-1', 'kept-secret-0123'),
                         driver._host_chap(self.host(), self.CONNECTOR))
        driver.client.patch_host.assert_not_called()

    def test_the_secret_does_not_follow_the_api_token(self):
        one = self.make(stored='kept-secret-0123', pure_api_token='a')
        two = self.make(stored='kept-secret-0123', pure_api_token='b')
        self.assertEqual(one._host_chap(self.host(), self.CONNECTOR),
                         two._host_chap(self.host(), self.CONNECTOR))

    def test_an_unknown_secret_is_stored_once_and_written(self):
        driver = self.make()
        user, secret = driver._host_chap(self.host(), self.CONNECTOR)
        self.assertEqual(driver._derived_chap_secret(self.HOST), secret)
        insert = driver.driver_utils.insert_driver_initiator_data
        insert.assert_called_once_with('iqn.x', common.CHAP_SECRET_KEY,
                                       secret)
        driver.client.patch_host.assert_called_once_with(
            self.HOST, chap={'host_user': user, 'host_password': secret})

    def test_a_racing_service_stored_first_its_secret_wins(self):
        driver = self.make()
        driver.driver_utils.get_driver_initiator_data.side_effect = [
            [], [{'key': common.CHAP_SECRET_KEY, 'value': 'theirs-0123456'}]]
        driver.driver_utils.insert_driver_initiator_data.return_value = False
        self.assertEqual(('theirs-0123456', False),
                         driver._chap_secret('iqn.x', 'mine-0123456789'))

    def test_admin_and_shared_hosts_get_no_chap(self):
        driver = self.make(stored='kept-secret-0123')
        self.assertIsNone(driver._host_chap(self.host(name='admin'),
                                            self.CONNECTOR))

    def test_a_database_error_names_the_option_not_the_secret(self):
        driver = self.make()
        driver.driver_utils.insert_driver_initiator_data.side_effect = (
            RuntimeError('INSERT ... value=candidate-secret-x'))
        exc = self.assertRaises(common.PureDriverException,
                                driver._chap_secret, 'iqn.x',
                                'candidate-secret-x')
        self.assertIn('use_chap_auth', str(exc))
        self.assertNotIn('candidate-secret-x', str(exc))

    def test_new_hosts_get_chap_only_with_chap_on(self):
        for chap_on in (True, False):
            driver = self.make(use_chap_auth=chap_on)
            driver.client.find_hosts.return_value = []
            driver.client.create_host.return_value = {'name': self.HOST}
            driver._ensure_host(self.CONNECTOR)
            chap = driver.client.create_host.call_args[1]['chap']
            if chap_on:
                self.assertEqual('compute-1', chap['host_user'])
                self.assertEqual(24, len(chap['host_password']))
            else:
                self.assertIsNone(chap)


@ddt.ddt
class ActiveActiveTest(base.TestCase):
    """Two cinder-volume services of one cluster may run the driver."""

    @ddt.data(iscsi.PureISCSIDriver, fc.PureFCDriver)
    def test_driver_declares_active_active(self, cls):
        self.assertIs(True, cls.SUPPORTS_ACTIVE_ACTIVE)

    @ddt.data('_locked_attach', '_locked_detach')
    def test_host_changes_take_the_cluster_wide_lock(self, method):
        # The lock comes from cinder's coordinator (tooz: Redis, etcd...
        # in a cluster), not from a lock only this process sees.
        driver = iscsi.PureISCSIDriver(configuration=configuration())
        driver.client = mock.Mock(spec=client.FlashArrayClient)
        taken = []
        lock = mock.MagicMock()
        lock.acquire.side_effect = lambda *a, **k: taken.append(
            'acquire') or True
        lock.release.side_effect = lambda *a, **k: taken.append('release')
        inner = '_attach' if method == '_locked_attach' else '_detach'
        with mock.patch.object(coordination.COORDINATOR, 'get_lock',
                               return_value=lock) as get_lock, \
                mock.patch.object(driver, inner,
                                  side_effect=lambda *a: taken.append(
                                      'work')):
            getattr(driver, method)(volume(), {'host': 'compute-1',
                                               'initiator': 'iqn.x'})
        get_lock.assert_called_once_with('pure-host-compute-1')
        self.assertEqual(['acquire', 'work', 'release'], taken)

    def test_no_host_cache_between_attaches(self):
        # Another service may delete or create the host object between two
        # attaches of this one: each attach asks the array again.
        driver = iscsi.PureISCSIDriver(configuration=configuration())
        driver.client = mock.Mock(spec=client.FlashArrayClient)
        driver.client.find_hosts.side_effect = [[{'name': 'h1'}],
                                                [{'name': 'h2'}]]
        driver.client.connect.return_value = {'lun': 1}
        connector = {'host': 'c', 'initiator': 'iqn.x'}
        first = driver._attach(volume(), connector)[0]['name']
        second = driver._attach(volume(), connector)[0]['name']
        self.assertEqual(('h1', 'h2'), (first, second))
        self.assertEqual(2, driver.client.find_hosts.call_count)
