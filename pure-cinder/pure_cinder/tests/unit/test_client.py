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

from unittest import mock

import ddt
import requests
from requests_mock.contrib import fixture as rm_fixture

from pure_cinder import client
from pure_cinder.tests import base

BASE = 'https://array.example'
API = BASE + '/api/2.36/'


def items(*objs, token=None):
    return {'items': list(objs), 'continuation_token': token,
            'more_items_remaining': token is not None,
            'total_item_count': len(objs)}


@ddt.ddt
class FlashArrayClientTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.mock = self.useFixture(rm_fixture.Fixture())
        self.mock.get(BASE + '/api/api_version',
                      json={'version': ['1.19', '2.0', '2.36', '2.99']})
        self.logins = []
        self.mock.post(API + 'login', [
            {'status_code': 200, 'headers': {'x-auth-token': 'tok-%d' % n},
             'json': items({'username': 'pureuser'})} for n in range(1, 5)])
        self.client = client.FlashArrayClient('array.example', 'secret-token',
                                              retry_timeout=2,
                                              backoff_max=0.01)

    def test_picks_highest_common_version_and_logs_in_with_api_token(self):
        self.mock.get(API + 'arrays', json=items({'name': 'fa1'}))
        self.assertEqual('fa1', self.client.get_array()['name'])
        self.assertEqual('2.36', self.client.api_version)
        login = [r for r in self.mock.request_history
                 if r.path.endswith('/login')][0]
        self.assertEqual('secret-token', login.headers['api-token'])
        last = self.mock.request_history[-1]
        self.assertEqual('tok-1', last.headers['x-auth-token'])
        self.assertIn('X-Request-ID', last.headers)

    def test_no_common_version_is_a_clear_error(self):
        self.mock.get(BASE + '/api/api_version',
                      json={'version': ['1.17', '1.19']})
        exc = self.assertRaises(client.UnsupportedApiVersion,
                                self.client.login)
        self.assertIn('array.example', str(exc))
        self.assertIn('1.19', str(exc))

    def test_refused_token_raises_authentication_failed(self):
        self.mock.post(API + 'login', status_code=401,
                       json={'errors': [{'message': 'Invalid API token.'}]})
        exc = self.assertRaises(client.AuthenticationFailed,
                                self.client.login)
        self.assertIn('refused the API token', str(exc))
        self.assertNotIn('secret-token', str(exc))

    def test_expired_session_logs_in_again_once(self):
        self.mock.get(API + 'arrays', [
            {'status_code': 401,
             'json': {'errors': [{'message': 'Invalid session.'}]}},
            {'json': items({'name': 'fa1'})}])
        self.assertEqual('fa1', self.client.get_array()['name'])
        tokens = [r.headers.get('x-auth-token')
                  for r in self.mock.request_history if r.path.endswith(
                      '/arrays')]
        self.assertEqual(['tok-1', 'tok-2'], tokens)

    def test_second_401_is_raised(self):
        self.mock.get(API + 'arrays', status_code=401,
                      json={'errors': [{'message': 'Invalid session.'}]})
        self.assertRaises(client.AuthenticationFailed, self.client.get_array)

    @ddt.data((429, ''), (503, ''), (500, 'Server is busy'))
    @ddt.unpack
    def test_busy_replies_are_retried_after_retry_after(self, status, text):
        self.mock.get(API + 'arrays', [
            {'status_code': status, 'headers': {'Retry-After': '0.05'},
             'json': {'message': text or 'Too many requests'}},
            {'json': items({'name': 'fa1'})}])
        with mock.patch('time.sleep') as sleep:
            self.assertEqual('fa1', self.client.get_array()['name'])
        sleep.assert_called_once_with(0.05)

    def test_busy_for_longer_than_the_bound_raises_array_busy(self):
        self.client.retry_timeout = 0.2
        self.mock.get(API + 'arrays', status_code=429,
                      headers={'Retry-After': '0.05'},
                      json={'message': 'Too many requests'})
        exc = self.assertRaises(client.ArrayBusy, self.client.get_array)
        self.assertEqual(429, exc.status)
        self.assertGreater(self.mock.call_count, 3)

    def test_retry_after_longer_than_the_bound_is_cut_to_it(self):
        self.client.retry_timeout = 0.1
        self.mock.get(API + 'arrays', status_code=503,
                      headers={'Retry-After': '3600'}, json={})
        with mock.patch('time.sleep') as sleep:
            self.assertRaises(client.ArrayBusy, self.client.get_array)
        for call in sleep.call_args_list:
            self.assertLessEqual(call.args[0], 0.1)

    def test_paging_follows_continuation_tokens(self):
        self.mock.get(API + 'volumes', [
            {'json': items({'name': 'a'}, {'name': 'b'}, token='t1')},
            {'json': items({'name': 'c'})}])
        names = [v['name'] for v in self.client.list('volumes')]
        self.assertEqual(['a', 'b', 'c'], names)
        self.assertEqual(['t1'],
                         self.mock.request_history[-1].qs[
                             'continuation_token'])

    def test_list_params_are_sent_as_csv(self):
        self.mock.delete(API + 'connections', json={})
        self.client.disconnect('h1', 'v1')
        query = self.mock.request_history[-1].qs
        self.assertEqual(['h1'], query['host_names'])
        self.assertEqual(['v1'], query['volume_names'])

    @ddt.data(
        ('Volume does not exist.', client.NotFound),
        ('Host does not exist.', client.NotFound),
        ('No such volume or snapshot.', client.NotFound),
        ('Volume has been destroyed.', client.Destroyed),
        ('Host already exists.', client.AlreadyExists),
        ('Connection already exists.', client.AlreadyExists),
        ('IQN already in use.', client.InUse),
        ('Host cannot be deleted due to existing connections.',
         client.InUse),
        ('Volume limit reached.', client.LimitReached),
        ('Something odd.', client.PureError),
    )
    @ddt.unpack
    def test_400_messages_map_to_typed_errors(self, message, expected):
        self.mock.post(API + 'volumes', status_code=400, json={
            'errors': [{'message': message, 'context': 'v1'}]})
        exc = self.assertRaises(client.PureError, self.client.create_volume,
                                'v1', provisioned=1024)
        self.assertIs(expected, type(exc))
        self.assertEqual('v1', exc.context)
        self.assertEqual(message, exc.message)

    def test_reset_connection_is_retried_for_get(self):
        self.mock.get(API + 'arrays', [
            {'exc': requests.exceptions.ConnectionError(
                'Connection aborted.')},
            {'json': items({'name': 'fa1'})}])
        self.assertEqual('fa1', self.client.get_array()['name'])

    def test_reset_connection_is_not_retried_for_post(self):
        self.mock.post(API + 'volumes', [
            {'exc': requests.exceptions.ConnectionError(
                'Connection aborted.')},
            {'json': items({'name': 'v1'})}])
        self.assertRaises(client.ConnectionLost, self.client.create_volume,
                          'v1', provisioned=1)
        posts = [r for r in self.mock.request_history
                 if r.method == 'POST' and r.path.endswith('/volumes')]
        self.assertEqual(1, len(posts))

    def test_refused_connection_is_unreachable(self):
        self.mock.get(BASE + '/api/api_version',
                      exc=requests.exceptions.ConnectionError(
                          'Failed to establish a new connection: '
                          '[Errno 111] Connection refused'))
        exc = self.assertRaises(client.ArrayUnreachable, self.client.login)
        self.assertIn('array.example', str(exc))

    def test_explicit_scheme_is_kept(self):
        plain = client.FlashArrayClient('http://127.0.0.9:8080', 't')
        self.assertEqual('http://127.0.0.9:8080', plain.base_url)
