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
"""The raidcmd client: parsers against the layouts of protocol.rst, grammar
validation, retries and reconnects over a scripted terminal."""

import sys

import ddt

from infortrend_cinder import client
from infortrend_cinder.tests import base

TRAILER = 'CLI: Successful: done\nReturn: 0x0000\n\nRAIDCmd:> '


def reply(echo, body, rc=0, message='Successful: done'):
    return ('%s\r\n%s\r\nCLI: %s\r\nReturn: 0x%04x\r\n\r\nRAIDCmd:> '
            % (echo, body.replace('\n', '\r\n'), message, rc)).encode()


SHOW_LV = """\
 ID                Name  LD-amount  Size       Available  Progress  Status
--------------------
 5DE94FF775D81C30  LV-1  1          857982 MB  841978 MB  ---       On-line
"""
SHOW_LV_TIER = """\
 LV-Name  LV-ID             Tier  Size       Used         Data Service  \
Reserved Ratio
------
 LV-1     5DE94FF775D81C30  0     418.93 GB  10 GB(2.4%)  0 MB(0.0%)    10.0%
 LV-1     5DE94FF775D81C30  1     418.93 GB  0 MB(0.0%)   0 MB(0.0%)    10.0%
"""
SHOW_PART = """\
 ID                Name                                  LV-ID             \
Size   Used   Min-reserve
--------------------
 6A41315B0EDC8EB7  5aa119a8-d25b-45a7-8d1b-88e127885635  5DE94FF775D81C30  \
10240  10240  10240
"""


def part_detail(part_id, name, size, mapping):
    """One partition's record as show part -l prints it."""
    return '\n'.join([
        ' ID: %s' % part_id, ' Name: %s' % name,
        ' LV-ID: 5DE94FF775D81C30', ' Size: %d' % size,
        ' Used: %d' % size, ' Min-reserve: %d' % size,
        ' Creation-time: Thu, Jan 09 01:33:11 2020',
        ' Last-modification-time: Thu, Jan 09 01:33:11 2020',
        ' Valid-filled-block: 100%', ' Total-filled-block: 100%',
        ' Progress: ---', ' Mapped: %s' % ('true' if mapping else 'false'),
        ' Mapping: %s' % (mapping or '---'), ''])


SHOW_PART_L = '\n'.join([
    part_detail('6A41315B0EDC8EB7', '5aa119a8-d25b-45a7-8d1b-88e127885635',
                10240, 'CH:1/ID:0/LUN:0, CH:4/ID:0/LUN:0'),
    part_detail('51B4283E4E159173', 'other', 2048, None)])
SHOW_MAP = """\
 Ch  Target  LUN  Media  Name                                  ID  \
              Host-ID
--------------------
 1   0       0    PART   5aa119a8-d25b-45a7-8d1b-88e127885635  \
6A41315B0EDC8EB7  iqn.1991-05.com.example:host1
"""
# The real CLI may print spinner characters before the header.
SHOW_SI = """\
\\/-\\/- Index  SI-ID             Name                                  \
Partition-ID      Map  Activated-time
--------------------
 1      2C7A8D211F3B1E36  9e8b27e9-568c-44ca-bd7c-2c7af96ab248  \
6A41315B0EDC8EB7  No   Thu, Jan 09 01:33:11 2020
"""
SHOW_DEVICE = """\
 Index  ID    Model            Name  Connected-IP  JBOD-ID  Capacity  \
Service-ID
--------------------
 0*     DEEC  DS S12F-G2852-6  ---   172.27.0.10   N/A      1.22 TB   8445676
"""
SHOW_CHANNEL_R = """\
 Ch  Mode   Type     defClock  curClock  Width  AID  BID  MCS
--------------------
 0   Host   FIBRE    Auto      ---       ---    112  113  N/A
 1   Host   NETWORK  Auto      ---       iSCSI  0    1    0
 3   Drive  SAS      6.0 Gbps  6.0 Gbps  SAS    ---  ---  N/A
"""
SHOW_NET = """\
 ID  MAC           Mode  IPv4        Mode      IPv6  Slot
--------------------
 1   10D02380DEEC  DHCP  172.27.0.1  Disabled  ---   slotA
 1   10D02390DEEC  DHCP  172.27.0.2  Disabled  ---   slotB
"""
SHOW_WWN = """\
WWN entries in controller for host channels:
 CH  ID       WWNN              WWPN
--------------------
 0   AID:112  100123D02300DEEC  110123D02300DEEC
 0   BID:113  100123D02310DEEC  110123D02310DEEC
"""
SHOW_IQN = """\
Detected host IQN:
 IQN
----
 iqn.1993-08.org.debian:01:seen

List of initiator IQN(s):
--------------------------
 Name: org.debian:01:abc
 IQN: iqn.1993-08.org.debian:01:abc
 User: ---
 Password: ---
 Target: ---
 Target-Password: ---
 IP: 0.0.0.0
 Mask: 0.0.0.0
"""
SHOW_HOST = """\
 Maximum Queued I/O Count: 1024
 Max LUN per ID: 64
 Peripheral device type: No Device Present (Type=0x7f)
"""
SHOW_LICENSE = """\
 License            Amount(Partition/Subsystem)  Expired
--------------------
 Local Volume Copy  8/256                        Sun, Dec 31 23:59:59 2034
 Thin Provisioning  ---                          Expired
 Snapshot           64/4096                      ---
"""
SHOW_REPLICA = """\
 Pair-ID: 55D790F8350B036B
 Name: Cinder-Cloned
 Source: 6A41315B0EDC8EB7
 Source-Type: LV-Partition
 Target: 51B4283E4E159173
 Type: Copy
 Status: Completed
 Progress: ---

 Pair-ID: 55D790F8350B036C
 Name: Cinder-Snapshot
 Source: 2C7A8D211F3B1E36
 Source-Type: Snapshot-Image
 Target: 51B4283E4E159174
 Type: Copy
 Status: Copy
 Progress: 37%
"""


class FakeTerminal(object):
    """Answers commands from a script: {command prefix: reply bytes}."""

    def __init__(self, script, log):
        self.script = script
        self.log = log
        self.closed = False

    def read_until_prompt(self, timeout):
        return b'banner\r\nRAIDCmd:> '

    def run(self, command, timeout):
        self.log.append(command)
        for prefix, answer in self.script:
            if command.startswith(prefix):
                if isinstance(answer, list):
                    answer = answer.pop(0) if len(answer) > 1 else answer[0]
                if isinstance(answer, Exception):
                    raise answer
                return answer
        return reply(command, '')

    def close(self):
        self.closed = True


@ddt.ddt
class ParserTest(base.TestCase):

    def _client(self, answer, command):
        log = []
        script = [(command, reply(command, answer))]
        c = client.RaidcmdClient(lambda: FakeTerminal(script, log),
                                 '172.27.0.10', 'pw', max_retries=2)
        return c, log

    def test_show_lv(self):
        c, log = self._client(SHOW_LV, 'show lv')
        [lv] = c.show_lv()
        self.assertEqual('5DE94FF775D81C30', lv['ID'])
        self.assertEqual('LV-1', lv['Name'])
        self.assertEqual(857982, client.size_to_mb(lv['Size']))
        self.assertEqual('show lv', log[-1])

    def test_show_lv_tier(self):
        c, _ = self._client(SHOW_LV_TIER, 'show lv tier')
        rows = c.show_lv_tier()
        self.assertEqual(['0', '1'], [r['Tier'] for r in rows])
        self.assertEqual('10 GB(2.4%)', rows[0]['Used'])
        self.assertAlmostEqual(418.93 * 1024,
                               client.size_to_mb(rows[0]['Size']))

    def test_show_part_table(self):
        c, _ = self._client(SHOW_PART, 'show part')
        [part] = c.show_part()
        self.assertEqual('5aa119a8-d25b-45a7-8d1b-88e127885635', part['Name'])
        self.assertEqual('10240', part['Min-reserve'])

    def test_show_part_detail_records(self):
        c, log = self._client(SHOW_PART_L, 'show part -l')
        parts = c.show_part(detail=True)
        self.assertEqual('show part -l', log[-1])
        self.assertEqual(2, len(parts))
        self.assertEqual('true', parts[0]['Mapped'])
        self.assertEqual('CH:1/ID:0/LUN:0, CH:4/ID:0/LUN:0',
                         parts[0]['Mapping'])
        self.assertEqual('---', parts[1]['Mapping'])

    def test_show_map_with_host(self):
        c, log = self._client(SHOW_MAP, 'show map')
        [row] = c.show_map('6a41315b0edc8eb7')
        self.assertEqual('show map part=6A41315B0EDC8EB7', log[-1])
        self.assertEqual('iqn.1991-05.com.example:host1', row['Host-ID'])
        self.assertEqual(('1', '0', '0'),
                         (row['Ch'], row['Target'], row['LUN']))

    def test_show_si_with_spinner(self):
        c, _ = self._client(SHOW_SI, 'show si')
        [si] = c.show_si('6A41315B0EDC8EB7')
        self.assertEqual('2C7A8D211F3B1E36', si['SI-ID'])
        self.assertEqual('Thu, Jan 09 01:33:11 2020', si['Activated-time'])

    def test_show_device(self):
        c, _ = self._client(SHOW_DEVICE, 'show device')
        [dev] = c.show_device()
        self.assertEqual(('DEEC', '172.27.0.10'),
                         (dev['ID'], dev['Connected-IP']))
        self.assertEqual(57068, int(dev['ID'], 16))

    def test_show_channel_dual_controller(self):
        c, _ = self._client(SHOW_CHANNEL_R, 'show channel')
        rows = c.show_channel()
        self.assertEqual(['0', '1', '3'], [r['Ch'] for r in rows])
        self.assertEqual(('0', '1', '0'),
                         (rows[1]['AID'], rows[1]['BID'], rows[1]['MCS']))

    def test_show_net(self):
        c, _ = self._client(SHOW_NET, 'show net')
        rows = c.show_net()
        self.assertEqual([('172.27.0.1', 'slotA'), ('172.27.0.2', 'slotB')],
                         [(r['IPv4'], r['Slot']) for r in rows])

    def test_show_wwn_skips_the_preface(self):
        c, _ = self._client(SHOW_WWN, 'show wwn')
        rows = c.show_wwn()
        self.assertEqual(['AID:112', 'BID:113'], [r['ID'] for r in rows])
        self.assertEqual('110123D02310DEEC', rows[1]['WWPN'])

    def test_show_iqn_list(self):
        c, _ = self._client(SHOW_IQN, 'show iqn')
        [entry] = c.show_iqn()
        self.assertEqual('org.debian:01:abc', entry['Name'])
        self.assertEqual('iqn.1993-08.org.debian:01:abc', entry['IQN'])

    def test_show_host(self):
        c, _ = self._client(SHOW_HOST, 'show host')
        host = c.show_host()
        self.assertEqual('64', host['Max LUN per ID'])
        self.assertEqual('No Device Present (Type=0x7f)',
                         host['Peripheral device type'])

    def test_show_license(self):
        c, _ = self._client(SHOW_LICENSE, 'show license')
        licenses = c.show_license()
        self.assertTrue(licenses['Local Volume Copy']['Support'])
        self.assertFalse(licenses['Thin Provisioning']['Support'])
        self.assertFalse(licenses['Snapshot']['Support'])

    def test_show_replica_records(self):
        c, _ = self._client(SHOW_REPLICA, 'show replica')
        jobs = c.show_replica()
        self.assertEqual([('Copy', 'Completed'), ('Copy', 'Copy')],
                         [(j['Type'], j['Status']) for j in jobs])
        self.assertEqual('37%', jobs[1]['Progress'])

    @ddt.data('show part', 'show map', 'show si', 'show lv')
    def test_empty_result(self, command):
        raw = ('%s\r\nCLI: Successful: 0 shown\r\nReturn: 0x0000\r\n\r\n'
               'RAIDCmd:> ' % command).encode()
        rc, message, body = client.split_reply(raw)
        self.assertEqual((0, []), (rc, body))
        self.assertEqual([], client.parse_table(body, 'ID'))

    @ddt.data(('CLI: Not exist: There is no such partition: 3345678\n'
               'Return: 0x000b', 11,
               'Not exist: There is no such partition: 3345678'),
              ('CLI: No selected device\nReturn: 0x000c', 12,
               'No selected device'),
              ('CLI: LUN used\nReturn: 0x0014', 20, 'LUN used'))
    @ddt.unpack
    def test_trailer_return_codes(self, trailer, rc, message):
        raw = ('delete part 3345678 -y\n%s\n\nRAIDCmd:>' % trailer).encode()
        self.assertEqual((rc, message, []), client.split_reply(raw))

    @ddt.data(b'garbage', b'RAIDCmd:> ', b'x\nReturn: 0xzz\n\nRAIDCmd:>')
    def test_unreadable_reply_is_short_output(self, raw):
        self.assertEqual(client.RC_SHORT_OUTPUT, client.split_reply(raw)[0])


@ddt.ddt
class InjectionTest(base.TestCase):
    """No value from cinder can add a token or a line to a command."""

    def setUp(self):
        super().setUp()
        self.log = []
        self.client = client.RaidcmdClient(
            lambda: FakeTerminal([], self.log), '127.0.0.1', 'pw')

    @ddt.data('vol -y', 'vol\ndelete part 6A41315B0EDC8EB7 -y', 'a;b',
              'name=evil', '-y', '', 'x' * 65, 'vol\tx', 'v\x00')
    def test_partition_name(self, value):
        self.assertRaises(client.InvalidParameter, self.client.create_part,
                          '5DE94FF775D81C30', value, 1024)
        self.assertRaises(client.InvalidParameter,
                          self.client.set_part_name, '5DE94FF775D81C30',
                          value)
        self.assertRaises(client.InvalidParameter, self.client.create_si,
                          '5DE94FF775D81C30', value)
        self.assertEqual([], self.log)

    @ddt.data('5DE94FF775D81C30 -y', '5DE94FF775D81C3', 'ALL', '-y',
              '5DE94FF775D81C30\nshow lv', '5DE94FF775D81C30\n', 12)
    def test_ids(self, value):
        self.assertRaises(client.InvalidParameter, self.client.delete_part,
                          value)
        self.assertRaises(client.InvalidParameter, self.client.delete_si,
                          value)
        self.assertRaises(client.InvalidParameter, self.client.show_map,
                          value)
        self.assertRaises(client.InvalidParameter,
                          self.client.delete_replica, value)
        self.assertEqual([], self.log)

    @ddt.data('iqn.1993-08.org.debian:01:abc wwn=1', 'iqn.x\n-y',
              'iqn.1993-08.org.debian:01:abc -y', 'host1', '', None,
              'iqn.1993-08.org.debian:01:a b')
    def test_connector_initiator(self, value):
        self.assertRaises(client.InvalidParameter, self.client.create_map,
                          '5DE94FF775D81C30', 1, 0, 0, initiator=value)
        self.assertRaises(client.InvalidParameter, self.client.create_iqn,
                          value, 'alias')
        self.assertEqual([], self.log)

    # Aliases cinder's in-tree driver wrote (the IQN's last 16 characters)
    # and other names found on the array are passed back as they are.
    @ddt.data('.debian:01:probe', ':01:probe-host1', '_x', 'a',
              'org.debian:01:abc', 'x' * 128, 'Host#1@rack(2)')
    def test_initiator_alias_read_from_the_array_is_passed_as_is(self,
                                                                 value):
        self.client.delete_iqn(value)
        self.assertEqual('delete iqn %s' % value, self.log[-1])

    # ...but never one that raidcmd would read as a flag, an option, a
    # quoted string, several tokens or several lines.
    @ddt.data('-y', '-debian:01:probe', 'a=b', 'a b', 'a\nshow lv',
              'a\tb', '"a"', "a'b", 'a\\b', '', 'x' * 129, None, 'a\x00',
              'a\x7f')
    def test_initiator_alias_that_cannot_be_passed_safely_is_refused(
            self, value):
        self.assertRaises(client.InvalidParameter, self.client.delete_iqn,
                          value)
        self.assertEqual([], self.log)

    @ddt.data('10000000c9a1b2c3 -y', '10000000c9a1b2', 'zz00000000000000',
              '1000000000000001\n')
    def test_connector_wwpn(self, value):
        self.assertRaises(client.InvalidParameter, self.client.create_map,
                          '5DE94FF775D81C30', 0, 112, 0, wwn=value)
        self.assertEqual([], self.log)

    @ddt.data(-1, 256, '1', True, 1.5)
    def test_numbers(self, value):
        self.assertRaises(client.InvalidParameter, self.client.create_map,
                          '5DE94FF775D81C30', value, 0, 0,
                          initiator='iqn.1993-08.org.debian:01:abc')
        self.assertEqual([], self.log)

    @ddt.data('0,1 x', '4', 'all', '0;1')
    def test_tiers(self, value):
        self.assertRaises(client.InvalidParameter, self.client.create_part,
                          '5DE94FF775D81C30', 'v', 1024, tier=value)

    @ddt.data('pass word', 'pw\nshow lv', 'pw\t')
    def test_password_refused_without_echo(self, value):
        exc = self.assertRaises(client.InvalidParameter,
                                client.RaidcmdClient, lambda: None,
                                '127.0.0.1', value)
        self.assertNotIn(value, str(exc))
        self.assertEqual('san_password', exc.field)

    @ddt.data('127.0.0.1 -y', '127.0.0.1\nshow lv', '')
    def test_san_ip(self, value):
        self.assertRaises(client.InvalidParameter, client.RaidcmdClient,
                          lambda: None, value)

    def test_good_values_make_the_documented_commands(self):
        c = self.client
        c.create_part('5de94ff775d81c30',
                      '4f1c2b7e-0d1a-4c5e-9a7b-1b2c3d4e5f60', 10240,
                      init=False, min_mb=2048)
        c.create_part('5DE94FF775D81C30', 'v', 1024, init=False, min_mb=0,
                      tier='0,1')
        c.expand_part('6A41315B0EDC8EB7', 2048)
        c.expand_part('6A41315B0EDC8EB7', 512)
        c.create_map('6A41315B0EDC8EB7', 1, 0, 3,
                     initiator='iqn.1993-08.org.debian:01:abc')
        c.create_map('6A41315B0EDC8EB7', 0, 112, 3,
                     wwn='10:00:00:00:c9:a1:b2:c3')
        c.delete_map('6A41315B0EDC8EB7', 1, 0, 3)
        c.delete_map('6A41315B0EDC8EB7')
        c.create_replica('Cinder-Snapshot', 'si', '2C7A8D211F3B1E36',
                         '51B4283E4E159173')
        c.create_iqn('iqn.1993-08.org.debian:01:abc', 'org.debian:01:abc')
        self.assertEqual([
            'connect 127.0.0.1 password=pw -notiOn',
            'utility set io-timeout 50',
            'create part 5DE94FF775D81C30 '
            '4f1c2b7e-0d1a-4c5e-9a7b-1b2c3d4e5f60 size=10240 init=disable '
            'min=2048MB',
            'create part 5DE94FF775D81C30 v size=1024 init=disable min=0MB '
            'tier=0,1',
            'set part expand 6A41315B0EDC8EB7 size=2GB',
            'set part expand 6A41315B0EDC8EB7 size=512MB',
            'create map part 6A41315B0EDC8EB7 1 0 3 '
            'iqn=iqn.1993-08.org.debian:01:abc',
            'create map part 6A41315B0EDC8EB7 0 112 3 wwn=10000000C9A1B2C3',
            'delete map part 6A41315B0EDC8EB7 1 0 3 -y',
            'delete map part 6A41315B0EDC8EB7 -y',
            'create replica Cinder-Snapshot si 2C7A8D211F3B1E36 part '
            '51B4283E4E159173',
            'create iqn iqn.1993-08.org.debian:01:abc org.debian:01:abc',
        ], self.log)


class SessionTest(base.TestCase):
    """Retries, reconnects and serialisation over a scripted terminal."""

    def _client(self, script, max_retries=3):
        self.log = []
        self.terminals = []

        def factory():
            terminal = FakeTerminal(script, self.log)
            self.terminals.append(terminal)
            return terminal
        return client.RaidcmdClient(factory, '127.0.0.1', 's3cret',
                                    max_retries=max_retries)

    def test_retryable_code_is_repeated(self):
        c = self._client([('show lv', [reply('show lv', '', 12, 'No dev'),
                                       reply('show lv', SHOW_LV)])])
        self.assertEqual(1, len(c.show_lv()))
        self.assertEqual(2, self.log.count('show lv'))

    def test_not_found_is_not_repeated(self):
        c = self._client([('delete part', reply('x', '', 11, 'Not exist'))])
        exc = self.assertRaises(client.CLIError, c.delete_part,
                                '6A41315B0EDC8EB7')
        self.assertEqual(11, exc.rc)
        self.assertEqual(1, sum(1 for x in self.log if x.startswith('delete')))

    def test_lost_session_reconnects_once(self):
        c = self._client([('show lv', [client.SessionLost('EOF'),
                                       reply('show lv', SHOW_LV)])])
        self.assertEqual(1, len(c.show_lv()))
        self.assertEqual(2, len(self.terminals))
        self.assertTrue(self.terminals[0].closed)
        self.assertEqual(2, self.log.count('connect 127.0.0.1 '
                                           'password=s3cret -notiOn'))

    def test_rc9_reconnects(self):
        c = self._client([('show lv', [reply('show lv', '', 9, 'Not conn'),
                                       reply('show lv', SHOW_LV)])])
        c.show_lv()
        self.assertEqual(2, len(self.terminals))

    def test_second_loss_gives_connection_error(self):
        c = self._client([('show lv', [client.SessionLost('EOF')])],
                         max_retries=5)
        self.assertRaises(client.CLIConnectionError, c.show_lv)
        self.assertEqual(2, len(self.terminals))

    def test_refused_login_names_the_address_and_hides_the_password(self):
        c = self._client([('connect', reply('connect', '', 9,
                                            'wrong password'))])
        exc = self.assertRaises(client.CLIConnectionError, c.show_lv)
        self.assertIn('127.0.0.1', str(exc))
        self.assertIn('wrong password', str(exc))
        self.assertIn('check san_password', str(exc))
        self.assertNotIn('s3cret', str(exc))
        self.assertTrue(self.terminals[0].closed)

    def test_reconnect_logs_in_with_the_password_configured_then(self):
        self.log = []
        self.terminals = []
        configured = ['s3cret']
        script = [('show lv', [reply('show lv', SHOW_LV),
                               client.SessionLost('EOF'),
                               reply('show lv', SHOW_LV)])]

        def factory():
            terminal = FakeTerminal(script, self.log)
            self.terminals.append(terminal)
            return terminal
        c = client.RaidcmdClient(factory, '127.0.0.1',
                                 lambda: configured[-1])
        c.show_lv()
        configured.append('r0tated')
        c.show_lv()   # the session is lost, the next one logs in anew
        self.assertEqual(['connect 127.0.0.1 password=s3cret -notiOn',
                          'connect 127.0.0.1 password=r0tated -notiOn'],
                         [x for x in self.log if x.startswith('connect')])

    def test_session_is_reused(self):
        c = self._client([('show lv', reply('show lv', SHOW_LV))])
        for _ in range(5):
            c.show_lv()
        self.assertEqual(1, len(self.terminals))
        self.assertEqual(7, c.commands_sent)


class LocalTerminalTest(base.TestCase):
    """The pty transport against real programs."""

    def test_silent_program_times_out(self):
        terminal = client.LocalTerminal([sys.executable, '-c',
                                         'import time; time.sleep(30)'])
        self.addCleanup(terminal.close)
        self.assertRaises(client.SessionLost, terminal.read_until_prompt,
                          0.3)

    def test_exiting_program_is_end_of_session(self):
        terminal = client.LocalTerminal([sys.executable, '-c',
                                         'print("bye")'])
        self.addCleanup(terminal.close)
        self.assertRaises(client.SessionLost, terminal.read_until_prompt, 5)

    def test_missing_program_is_a_connection_error(self):
        self.assertRaises(client.CLIConnectionError, client.LocalTerminal,
                          ['/nonexistent/java', '-jar', 'x'])

    def test_prompt_arrives_in_pieces(self):
        script = ('import sys, time\n'
                  'sys.stdout.write("RAID"); sys.stdout.flush()\n'
                  'time.sleep(0.2)\n'
                  'sys.stdout.write("Cmd:> "); sys.stdout.flush()\n'
                  'time.sleep(5)\n')
        terminal = client.LocalTerminal([sys.executable, '-c', script])
        self.addCleanup(terminal.close)
        self.assertIn(b'RAIDCmd:>', terminal.read_until_prompt(5))
