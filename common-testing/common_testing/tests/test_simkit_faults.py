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
"""simkit.faults and simkit.control: the one fault-control surface."""

import http.server
import json
import threading

import requests

from common_testing.simkit import control
from common_testing.simkit import faults
from common_testing.tests import base

RULE = {'match': '^create', 'action': 'fail', 'status': 503}


class TestControlSurface(base.TestCase):

    def setUp(self):
        super().setUp()
        self.surface = faults.ControlSurface()

    def call(self, method, target, body=None):
        status, payload = self.surface.handle(
            method, target, b'' if body is None else json.dumps(body).encode())
        return status, json.loads(payload)

    def test_rules_are_added_listed_and_cleared(self):
        self.assertEqual((200, []), self.call('GET', faults.FAULTS_PATH))
        status, rules = self.call('POST', faults.FAULTS_PATH, RULE)
        self.assertEqual(200, status)
        self.assertEqual('^create', rules[0]['match'])
        status, rules = self.call('POST', faults.FAULTS_PATH,
                                  [{'match': 'x', 'action': 'drop'},
                                   {'match': 'y', 'action': 'delay',
                                    'seconds': 0.1}])
        self.assertEqual(3, len(rules))
        self.assertEqual((200, []), self.call('DELETE', faults.FAULTS_PATH))
        self.assertEqual([], self.surface.plan.rules())

    def test_a_bad_rule_adds_nothing(self):
        status, body = self.call('POST', faults.FAULTS_PATH,
                                 [RULE, {'match': 'x', 'action': 'explode'}])
        self.assertEqual(400, status)
        self.assertIn('explode', body['error'])
        self.assertEqual([], self.surface.plan.rules())

    def test_unknown_path_and_method(self):
        self.assertEqual(404, self.call('GET', '/_sim/other')[0])
        self.assertEqual(405, self.call('PUT', faults.FAULTS_PATH)[0])

    def test_a_simulators_own_route_answers_alike(self):
        calls = []

        def addresses(method, rest, data):
            calls.append((method, rest, data))
            if method != 'POST':
                raise faults.MethodNotAllowed()
            if rest != '127.0.0.9':
                raise KeyError(rest)
            if not isinstance(data.get('up'), bool):
                raise ValueError('up must be true or false')
            return {'listening': [rest] if data['up'] else []}

        self.surface.add_route('addresses', addresses)
        self.assertTrue(self.surface.answers('/_sim/addresses/127.0.0.9'))
        self.assertFalse(self.surface.answers('/_sim/other'))
        self.assertEqual((200, {'listening': []}), self.call(
            'POST', '/_sim/addresses/127.0.0.9', {'up': False}))
        self.assertEqual(('POST', '127.0.0.9', {'up': False}), calls[0])
        self.assertEqual(404, self.call('POST', '/_sim/addresses/10.0.0.1',
                                        {'up': True})[0])
        self.assertEqual(400, self.call('POST', '/_sim/addresses/127.0.0.9',
                                        {'up': 'x'})[0])
        self.assertEqual(405, self.call('GET', '/_sim/addresses/x')[0])
        status, body = self.call('GET', '/_sim/other')
        self.assertEqual(404, status)
        self.assertIn('/_sim/addresses', body['error'])

    def test_request_consults_the_plan_and_logs(self):
        self.surface.plan.add(RULE)
        with self.surface.request('list parts') as result:
            result['status'] = 0

        def create():
            with self.surface.request('create part'):
                self.fail('the injected failure must come first')
        error = self.assertRaises(faults.InjectedFailure, create)
        self.assertEqual(503, error.status)
        status, log = self.call('GET', faults.REQUESTS_PATH)
        self.assertEqual([('list parts', 0), ('create part', 503)],
                         [(e['operation'], e['status']) for e in log])
        status, newer = self.call(
            'GET', faults.REQUESTS_PATH + '?since=%d' % log[0]['seq'])
        self.assertEqual(['create part'], [e['operation'] for e in newer])
        self.assertEqual((200, []), self.call('DELETE', faults.REQUESTS_PATH))

    def test_lose_response_keeps_the_change_and_logs_dropped(self):
        self.surface.plan.add({'match': 'map', 'action': 'lose_response'})
        changed = []

        def handle():
            with self.surface.request('map lun'):
                changed.append(True)
        self.assertRaises(faults.DropConnection, handle)
        self.assertEqual([True], changed)
        self.assertEqual('dropped',
                         self.surface.requests.entries()[0]['status'])


class TestServeAndControlServer(base.TestCase):

    def test_control_server_serves_the_same_urls(self):
        surface = faults.ControlSurface()
        server = control.ControlServer(surface, '127.0.0.1')
        server.start()
        self.addCleanup(server.stop)
        url = server.url + faults.FAULTS_PATH
        reply = requests.post(url, json=RULE, timeout=10)
        self.assertEqual(200, reply.status_code)
        self.assertEqual(1, len(surface.plan.rules()))
        self.assertEqual('^create', requests.get(url, timeout=10).json()[0]
                         ['match'])
        self.assertEqual(404, requests.get(server.url + '/x',
                                           timeout=10).status_code)
        surface.add_route('inventory', lambda method, rest, data: ['v1'])
        self.assertEqual(['v1'], requests.get(
            server.url + '/_sim/inventory', timeout=10).json())
        self.assertEqual([], requests.delete(url, timeout=10).json())
        server.stop()
        server.stop()

    def test_an_http_simulator_serves_them_from_its_handler(self):
        surface = faults.ControlSurface()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if surface.serve(self):
                    return
                with surface.request('GET ' + self.path) as result:
                    result['status'] = 200
                    self.send_response(200)
                    self.send_header('Content-Length', '2')
                    self.end_headers()
                    self.wfile.write(b'ok')
            do_POST = do_DELETE = do_GET

            def log_message(self, *args):
                pass

        httpd = control.ThreadingServer(('127.0.0.1', 0), Handler)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        base = 'http://127.0.0.1:%d' % httpd.server_address[1]
        self.assertEqual('ok', requests.get(base + '/api/x',
                                            timeout=10).text)
        log = requests.get(base + faults.REQUESTS_PATH, timeout=10).json()
        self.assertEqual(['GET /api/x'], [e['operation'] for e in log])
        requests.post(base + faults.FAULTS_PATH, json=RULE, timeout=10)
        self.assertEqual(1, len(surface.plan.rules()))
