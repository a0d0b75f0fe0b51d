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
"""The simulator's modules, without a running simulator.

The simulator is the array side: it imports nothing from the driver. If
it shared the driver's framing, keys or return codes, the two would agree
by construction and prove nothing about each other. Its sds_cli stand-in
keeps the ret_code contract os-brick reads (protocol.rst P7) and is run
through a wrapper, never installed under the name of Huawei's tool.
"""

import ast
import configparser
import os
import subprocess
import sys
from unittest import mock

from common_testing import plain_install
import ddt
import fixtures

from huawei_sds_cinder import simulator
from huawei_sds_cinder.simulator import sds_cli
from huawei_sds_cinder.tests import base

SIMULATOR_DIR = os.path.dirname(simulator.__file__)
ALLOWED_PREFIXES = ('huawei_sds_cinder.simulator', 'common_testing.simkit')


def _imports(path):
    """(line, module) of every import in the file at path."""
    with open(path) as source:
        tree = ast.parse(source.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # from . import x: inside huawei_sds_cinder.simulator only
                # while it does not climb out of the package.
                base = ('huawei_sds_cinder.simulator' if node.level == 1
                        else 'huawei_sds_cinder')
                module = '.'.join(filter(None, [base, node.module]))
            else:
                module = node.module
            found.append((node.lineno, module))
            if module == 'huawei_sds_cinder':
                found += [(node.lineno, 'huawei_sds_cinder.%s' % alias.name)
                          for alias in node.names]
    return found


def _allowed(module):
    top = module.split('.')[0]
    if top in sys.stdlib_module_names:
        return True
    return any(module == prefix or module.startswith(prefix + '.')
               for prefix in ALLOWED_PREFIXES)


class SimulatorImportsTest(base.TestCase):

    def test_every_module_imports_only_stdlib_simkit_and_itself(self):
        modules = sorted(name for name in os.listdir(SIMULATOR_DIR)
                         if name.endswith('.py'))
        # sds_cli (the host stand-in) is checked like the rest.
        for expected in ('__init__.py', '__main__.py', 'protocol.py',
                         'sds_cli.py', 'server.py', 'state.py'):
            self.assertIn(expected, modules)
        offending = []
        for name in modules:
            for line, module in _imports(os.path.join(SIMULATOR_DIR, name)):
                if not _allowed(module):
                    offending.append('%s:%d imports %s' % (name, line,
                                                           module))
        self.assertEqual([], offending)

    def test_checker_catches_driver_imports(self):
        # The check itself must fail on the imports it exists to catch.
        path = self.useFixture(fixtures.TempDir()).path + '/m.py'
        with open(path, 'w') as source:
            source.write('from huawei_sds_cinder import client\n'
                         'import huawei_sds_cinder.common\n'
                         'from .. import options\n'
                         'from huawei_sds_cinder.simulator import state\n'
                         'import oslo_config\n'
                         'from common_testing import conformance\n'
                         'from common_testing.simkit import volumes\n')
        # Of the kit, only the simulator kit (it needs no cinder).
        self.assertEqual(
            ['common_testing', 'huawei_sds_cinder',
             'huawei_sds_cinder.client', 'huawei_sds_cinder.common',
             'huawei_sds_cinder.options', 'oslo_config'],
            sorted({m for _l, m in _imports(path) if not _allowed(m)}))


VBS = [('127.0.0.1', 10599)]


@ddt.ddt
class SdsCliTest(base.TestCase):
    """The ret_code contract os-brick's HuaweiStorHyperConnector reads."""

    def _run(self, command, fields=None, error=None, mode='file'):
        with mock.patch.object(sds_cli, '_request',
                               side_effect=error,
                               return_value=fields or {}) as request:
            lines = sds_cli.run(command, 'volume-1', VBS, mode)
        return lines, request

    def test_attach_then_already_attached(self):
        lines, _ = self._run('attach', {'dev_addr': '/d',
                                        'already_attached': '0'})
        self.assertEqual(['ret_code=0'], lines)
        lines, _ = self._run('attach', {'dev_addr': '/d',
                                        'already_attached': '1'})
        self.assertEqual(['ret_code=50151401'], lines)

    def test_querydev_attached_and_not(self):
        lines, _ = self._run('querydev', {'attached': '1',
                                          'dev_addr': '/data/v.img'})
        self.assertEqual(['ret_code=0', 'dev_addr=/data/v.img'], lines)
        lines, _ = self._run('querydev', {'attached': '0', 'dev_addr': ''})
        self.assertEqual('ret_code=1', lines[0])

    def test_detach_not_attached_is_not_mount_node(self):
        lines, _ = self._run('detach', {'was_attached': '0',
                                        'dev_addr': ''})
        self.assertEqual('ret_code=50155007', lines[0])

    @ddt.data((sds_cli.VbsRefused(-900079), '50150005'),
              (sds_cli.VbsRefused(1), '50151209'),
              (sds_cli.VbsUnreachable('down'), '50151209'),
              (ValueError('bad'), '50150001'))
    @ddt.unpack
    def test_errors_map_to_codes(self, error, code):
        lines, _ = self._run('attach', error=error)
        self.assertEqual('ret_code=%s' % code, lines[0])

    def test_no_vbs_configured(self):
        self.assertEqual('ret_code=50151209',
                         sds_cli.run('attach', 'v', [])[0])

    def test_framing_breaking_name_refused_before_sending(self):
        with mock.patch.object(sds_cli.protocol, 'exchange') as exchange:
            lines = sds_cli.run('attach', 'v\n[DELETE_VOLUME_REQ]', VBS)
        self.assertEqual('ret_code=50150001', lines[0])
        exchange.assert_not_called()

    def test_vbs_spec_parsing(self):
        self.assertEqual([('127.0.0.2', 1), ('127.0.0.3', 2)],
                         sds_cli._vbs_clients('127.0.0.2:1, bad,'
                                              '127.0.0.3:2'))


class SdsCliWrapperTest(base.TestCase):

    def test_wrapper_runs_the_stand_in(self):
        directory = self.useFixture(fixtures.TempDir()).path
        path = sds_cli.write_wrapper(directory)
        self.assertEqual(os.path.join(directory, 'sds_cli'), path)
        self.assertTrue(os.access(path, os.X_OK))
        env = dict(os.environ)
        env.pop(sds_cli.VBS_ENV, None)
        done = subprocess.run([path, '-c', 'querydev', '-v', 'volume-1'],
                              capture_output=True, text=True, timeout=60,
                              env=env)
        # No VBS configured: the code os-brick reads as "VBS abnormal".
        self.assertEqual((0, 'ret_code=50151209'),
                         (done.returncode, done.stdout.splitlines()[0]))


class CommandLineTest(plain_install.SimulatorScriptTests, base.TestCase):
    """The one console script, as a plain install (no extras) runs it."""

    module = 'huawei_sds_cinder.simulator.__main__'
    dist = 'huawei-sds-cinder'
    runs = (['--port', '0'],)

    def test_one_simulator_name_and_no_vendor_tool_name(self):
        setup_cfg = os.path.join(os.path.dirname(SIMULATOR_DIR), os.pardir,
                                 'setup.cfg')
        parser = configparser.ConfigParser()
        self.assertEqual([setup_cfg], parser.read(setup_cfg))
        scripts = [[part.strip() for part in line.split('=')] for line in
                   parser['entry_points']['console_scripts'].splitlines()
                   if line.strip()]
        self.assertEqual([['huawei-sds-cinder-simulator',
                           'huawei_sds_cinder.simulator.__main__:main']],
                         scripts)
