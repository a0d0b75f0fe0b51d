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
import testtools

from huawei_sds_cinder.simulator import sds_cli

VBS = [('127.0.0.1', 10599)]


@ddt.ddt
class SdsCliTest(testtools.TestCase):
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
