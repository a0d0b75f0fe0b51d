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
"""A small HTTP control server for simulators whose protocol is not HTTP.

It serves a simkit.faults.ControlSurface (``/_sim/faults`` and
``/_sim/requests``) on an address and port of its own, so that tests
control a CLI- or SSH-speaking simulator the same way as an HTTP one::

    surface = faults.ControlSurface()
    with control.ControlServer(surface, address) as server:
        print(server.url)       # e.g. http://127.100.3.4:41234
"""

import http.server
import socketserver
import threading

from common_testing.simkit import faults


class ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """http.server.ThreadingHTTPServer, built on socketserver.

    In a test process where cinderlib.setup ran, ``http.server`` in
    sys.modules is an eventlet-green copy whose servers hang when served
    from a real thread; socketserver stays real.
    """
    daemon_threads = True
    allow_reuse_address = True


class ControlServer:
    """Serve ``surface`` over HTTP on ``address``:``port`` (0: a free one).

    Attributes once started: ``address``, ``port``, ``url``.  start() and
    stop() or a ``with`` block; stop() is idempotent.
    """

    def __init__(self, surface=None, address='127.0.0.1', port=0):
        self.surface = surface or faults.ControlSurface()
        self.address = address
        self._wanted_port = port
        self.port = self.url = None
        self._httpd = self._thread = None

    def start(self):
        surface = self.surface

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                if not surface.serve(self):
                    status, body = surface.handle(self.command, self.path)
                    self.send_response(status)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            do_GET = do_POST = do_DELETE = do_PUT = _answer

            def log_message(self, fmt, *args):
                pass     # the request log is the record; stay quiet

        self._httpd = ThreadingServer((self.address, self._wanted_port),
                                      Handler)
        self.port = self._httpd.server_address[1]
        self.url = 'http://%s:%d' % (self.address, self.port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name='simkit-control',
            daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()
            self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
