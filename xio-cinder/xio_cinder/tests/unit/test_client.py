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

import base64
from unittest import mock
import urllib.parse

import ddt
import requests
from requests_mock.contrib import fixture as rm_fixture

from xio_cinder import client
from xio_cinder.tests import base as test_base

GID = 'ISE1'
QUERY = ('<array><globalid>ISE1</globalid><capabilities>'
         '<capability value="49006" string="Clones" type="source"/>'
         '<capability value="49004" string="QoS" type="source"/>'
         '</capabilities><controllers>'
         '<controller><ipaddress>10.0.0.1</ipaddress><rank value="1"/>'
         '</controller><controller><ipaddress>10.0.0.2</ipaddress>'
         '<rank value="0"/></controller></controllers></array>')
QUERY_SWAPPED = QUERY.replace('value="1"', 'value="X"').replace(
    'value="0"', 'value="1"').replace('value="X"', 'value="0"')
VOLUME = ('<volumes><volume self="http://10.0.0.1/storage/arrays/ISE1/'
          'volumes/7"><name>v1</name><status value="0" string="Operational">'
          '<details><detail>None</detail></details></status><size>3</size>'
          '</volume></volumes>')
PREPARED = VOLUME.replace('string="Operational"', 'string="Not ready"') \
    .replace('<detail>None', '<detail>Prepared')
VOLS = 'http://%s/storage/arrays/ISE1/volumes'


@ddt.ddt
class ClientTest(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.mock = self.useFixture(rm_fixture.Fixture())
        self.client = client.ISEClient(
            '10.0.0.1', 'admin', 's3cret', connection_retries=2,
            retry_interval=0, completion_retries=4, first_poll=0)
        self.mock.get('http://10.0.0.1/query', text=QUERY)

    def test_basic_auth_and_xml_content_type_on_every_request(self):
        self.client.query()
        request = self.mock.last_request
        self.assertEqual('Basic YWRtaW46czNjcmV0',
                         request.headers['Authorization'])
        self.assertEqual('application/xml; charset=utf-8',
                         request.headers['Content-Type'])

    def test_query_caches_array_facts(self):
        info = self.client.query()
        self.client.query()
        self.assertEqual('ISE1', info.globalid)
        self.assertTrue(info.has(client.CAP_QOS))
        self.assertFalse(info.has(client.CAP_THIN))
        self.assertEqual(['10.0.0.1', '10.0.0.2'], self.client.addresses)
        self.assertEqual(1, self.mock.call_count)

    def test_missing_clones_capability_is_incompatible(self):
        self.mock.get('http://10.0.0.1/query',
                      text=QUERY.replace('49006', '49001'))
        error = self.assertRaises(client.ISEIncompatible, self.client.query)
        self.assertIn('not compatible', str(error))

    @ddt.data('<array><capabilities/><controllers/></array>',
              '<array><globalid>X</globalid><controllers/></array>',
              '<array><globalid>X</globalid><capabilities/></array>')
    def test_query_missing_element_is_fatal(self, body):
        self.mock.get('http://10.0.0.1/query', text=body)
        self.assertRaises(client.ISEMalformedReply, self.client.query)

    @ddt.data(
        # entity expansion ("billion laughs")
        '<!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]>'
        '<array>&y;</array>',
        # external entity
        '<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
        # garbage and truncation
        'not xml at all', '<array><globalid>', '')
    def test_hostile_or_malformed_xml_is_refused(self, body):
        self.mock.get('http://10.0.0.1/query', text=body)
        error = self.assertRaises(client.ISEMalformedReply,
                                  self.client.query)
        self.assertNotIn('root:', str(error))

    def test_post_sends_form_body_and_get_sends_query_string(self):
        self.mock.post(VOLS % '10.0.0.1', status_code=201,
                       headers={'Content-Location': VOLS % '10.0.0.1' +
                                '/7'})
        self.mock.get(VOLS % '10.0.0.1', text=VOLUME)
        location = self.client.create_volume('v1', 3, 1, 5,
                                             iops={'max': 900})
        post = self.mock.request_history[-1]
        self.assertEqual(VOLS % '10.0.0.1' + '/7', location)
        self.assertEqual(
            [('name', 'v1'), ('size', '3'), ('pool', '1'),
             ('redundancy', '5'), ('IOPSmax', '900')],
            urllib.parse.parse_qsl(post.text))
        self.assertEqual('', post.query)
        volume = self.client.find_volume('v1')
        self.assertEqual('name=v1', self.mock.last_request.query)
        self.assertEqual(3, volume.size_gb)
        self.assertTrue(volume.operational)

    def test_missing_volume_is_none(self):
        self.mock.get(VOLS % '10.0.0.1', status_code=404,
                      text='<response value="404" index="3">VOLUME not '
                           'found.</response>')
        self.assertIsNone(self.client.find_volume('nope'))
        self.mock.get(VOLS % '10.0.0.1', text='<volumes/>')
        self.assertIsNone(self.client.find_volume('nope'))

    @ddt.data((401, client.ISEAuthError), (403, client.ISEAuthError),
              (404, client.ISENotFound), (409, client.ISEConflict),
              (500, client.ISEHTTPError))
    @ddt.unpack
    def test_http_errors_are_typed(self, status, error_type):
        self.mock.get('http://10.0.0.1/query', status_code=status,
                      text='<response value="%d">nope</response>' % status)
        error = self.assertRaises(error_type, self.client.query)
        self.assertEqual(status, error.status)

    def test_auth_error_names_the_options_not_the_password(self):
        self.mock.get('http://10.0.0.1/query', status_code=401)
        error = self.assertRaises(client.ISEAuthError, self.client.query)
        self.assertIn('san_password', str(error))
        self.assertNotIn('s3cret', str(error))

    def test_refused_credentials_are_replaced_by_the_configured_ones(self):
        configured = [('admin', 's3cret')]
        renewing = client.ISEClient(
            '10.0.0.1', 'admin', 's3cret', connection_retries=2,
            retry_interval=0, credentials=lambda: configured[-1])
        new_auth = 'Basic ' + base64.b64encode(b'admin2:n3w').decode()

        def reply(request, context):
            ok = request.headers['Authorization'] == new_auth
            context.status_code = 200 if ok else 401
            return QUERY if ok else '<response value="401">no</response>'
        self.mock.get('http://10.0.0.1/query', text=reply)
        # Unchanged configuration: refused once, not asked again.
        error = self.assertRaises(client.ISEAuthError, renewing.query)
        self.assertIn('san_login=admin', str(error))
        self.assertEqual(1, self.mock.call_count)
        # A rotation in the configuration: the next request succeeds,
        # and the ones after it use the new credentials at once.
        configured.append(('admin2', 'n3w'))
        self.assertEqual('ISE1', renewing.query(refresh=True).globalid)
        self.assertEqual(3, self.mock.call_count)
        renewing.query(refresh=True)
        self.assertEqual(4, self.mock.call_count)

    def test_self_url_is_sent_to_the_current_controller(self):
        self.client.query()
        self.mock.put('http://10.0.0.1/storage/arrays/ISE1/volumes/7',
                      status_code=201)
        self.client.modify_volume(
            'http://10.9.9.9/storage/arrays/ISE1/volumes/7', size=5)
        self.assertEqual('size=5', self.mock.last_request.query)
        self.assertEqual('10.0.0.1', self.mock.last_request.hostname)

    def test_fail_over_to_secondary_then_rediscover_primary(self):
        self.client.query()
        self.mock.get(VOLS % '10.0.0.1', exc=requests.ConnectionError)
        self.mock.get(VOLS % '10.0.0.2', text=VOLUME)
        self.mock.get('http://10.0.0.2/query', text=QUERY_SWAPPED)
        self.assertEqual('v1', self.client.find_volume('v1').name)
        hosts = [r.hostname for r in self.mock.request_history[1:]]
        # two attempts on the primary, then the secondary
        self.assertEqual(['10.0.0.1', '10.0.0.1', '10.0.0.2'], hosts)
        self.client.find_volume('v1')
        paths = [(r.hostname, r.path) for r in
                 self.mock.request_history[4:]]
        self.assertEqual([('10.0.0.2', '/query'),
                          ('10.0.0.2', '/storage/arrays/ise1/volumes')],
                         paths)
        self.assertEqual(['10.0.0.2', '10.0.0.1'], self.client.addresses)

    def test_no_controller_reachable(self):
        self.client.query()
        self.mock.get(VOLS % '10.0.0.1', exc=requests.ConnectionError)
        self.mock.get(VOLS % '10.0.0.2', exc=requests.ConnectionError)
        error = self.assertRaises(client.ISEConnectionError,
                                  self.client.find_volume, 'v1')
        self.assertIn('10.0.0.2', str(error))
        self.assertEqual(5, self.mock.call_count)

    def test_http_errors_are_not_retried_by_the_transport(self):
        self.client.query()
        self.mock.get(VOLS % '10.0.0.1', status_code=500, text='<r/>')
        self.mock.get('http://10.0.0.1/storage/arrays/ISE1/allocations',
                      status_code=503, text='<r/>')
        self.assertRaises(client.ISEHTTPError, self.client.list_allocations)
        self.assertRaises(client.ISEHTTPError, self.client.find_volume, 'x')
        self.assertEqual(3, self.mock.call_count)

    def test_busy_prepare_is_retried_then_succeeds(self):
        self.client.query()
        url = VOLS % '10.0.0.1' + '/7'
        self.mock.post(url, [
            {'status_code': 400,
             'text': '<response value="400">Not in a valid state.'
                     '</response>'},
            {'status_code': 202, 'headers': {'Content-Location': url + '8'}}])
        self.assertEqual(url + '8', self.client.prepare_copy(
            url, 's1', 'snapshot'))
        self.assertEqual(
            [('name', 's1'), ('type', 'snapshot')],
            urllib.parse.parse_qsl(self.mock.last_request.text))

    def test_busy_delete_gives_up_after_completion_retries(self):
        self.client.query()
        url = VOLS % '10.0.0.1' + '/7'
        self.mock.delete(url, status_code=400,
                         text='<response value="400">Not in a valid '
                              'state.</response>')
        self.assertRaises(client.ISEInvalidState, self.client.delete_volume,
                          url)
        self.assertEqual(4, self.mock.call_count - 1)

    def test_poll_until_prepared(self):
        self.client.query()
        self.mock.get(VOLS % '10.0.0.1', [{'text': '<volumes/>'},
                                          {'text': PREPARED}])
        volume = self.client.wait_for_volume(
            'v1', lambda v: v and v.prepared, 'prepared')
        self.assertEqual(['PREPARED'], volume.details)

    def test_poll_runs_out_with_a_clear_error(self):
        self.client.query()
        self.mock.get(VOLS % '10.0.0.1', text=PREPARED)
        error = self.assertRaises(
            client.ISETimeout, self.client.wait_for_volume, 'v1',
            lambda v: v and v.operational, 'operational')
        self.assertIn('v1 did not become operational within 4', str(error))
        self.assertEqual(5, self.mock.call_count)

    def test_polls_start_short_and_back_off_to_the_retry_interval(self):
        ise = client.ISEClient('10.0.0.1', 'admin', 's3cret',
                               retry_interval=1.0, completion_retries=30)
        wait = ise._poll_wait()
        polls, now = [0.0], 0.0
        for attempt in range(1, 60):
            now += wait(mock.Mock(attempt_number=attempt))
            polls.append(now)
        self.assertEqual(0.05, polls[1])
        # A step the ISE finishes in 0.5 s is seen within about 0.6 s.
        self.assertLess(min(t for t in polls if t >= 0.5), 0.6)
        gaps = [round(b - a, 6) for a, b in zip(polls, polls[1:])]
        self.assertEqual(gaps, sorted(gaps))
        self.assertEqual(1.0, gaps[-1])

    def test_poll_budget_is_both_the_polls_and_their_time(self):
        ise = client.ISEClient('10.0.0.1', 'admin', 's3cret',
                               retry_interval=1.0, completion_retries=30)
        stop = ise._poll_stop()

        def state(attempt, elapsed):
            return mock.Mock(attempt_number=attempt,
                             seconds_since_start=elapsed)
        self.assertFalse(stop(state(30, 10.0)))
        self.assertFalse(stop(state(12, 31.0)))
        self.assertTrue(stop(state(30, 30.0)))

    def test_create_host_accepts_conflict(self):
        self.client.query()
        self.mock.post('http://10.0.0.1/storage/arrays/ISE1/hosts',
                       status_code=409, text='<response>Conflict</response>')
        self.client.create_host('h1', ['wwn1', 'wwn2'])
        self.assertEqual(
            [('name', 'h1'), ('endpoint', 'wwn1'), ('endpoint', 'wwn2'),
             ('os', 'openstack')],
            urllib.parse.parse_qsl(self.mock.last_request.text))

    def test_hosts_type_quotes_and_case_are_ignored(self):
        self.client.query()
        self.mock.get(
            'http://10.0.0.1/storage/arrays/ISE1/hosts',
            text='<hosts><host self="u"><type>"OpenStack"</type><name>h'
                 '</name><endpoints><endpoint><globalid>IQN.A</globalid>'
                 '</endpoint></endpoints></host></hosts>')
        host = self.client.list_hosts()[0]
        self.assertEqual(('OPENSTACK', ['iqn.a']), (host.type,
                                                    host.endpoints))

    def test_chap_read_and_masked_in_error_text(self):
        self.client.query()
        self.mock.get('http://10.0.0.1/storage/arrays/ISE1/ionetworks',
                      text='<chap><chapin value="1"><username>u</username>'
                           '<password>p4ss</password></chapin></chap>')
        chap = self.client.get_chap()
        self.assertEqual((True, 'u', 'p4ss'),
                         (chap.enabled, chap.username, chap.password))
        self.mock.get('http://10.0.0.1/storage/arrays/ISE1/ionetworks',
                      status_code=500,
                      text='<x><password>p4ss</password></x>')
        self.assertIsNone(self.client.get_chap())

    @ddt.data(('', 'admin', 'pw'), ('ip', '', 'pw'), ('ip', 'admin', ''))
    @ddt.unpack
    def test_missing_settings_are_named(self, address, login, password):
        error = self.assertRaises(ValueError, client.ISEClient, address,
                                  login, password)
        self.assertIn('san_', str(error))
