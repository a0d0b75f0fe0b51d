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
"""The raidcmd front-end: an interactive shell over the array state.

Output follows the framing of the real CLI (protocol.rst P5, P8, P9):
the command's echo, the body (tables with cells 2+ spaces apart and "---"
for empty cells, or "Key: value" detail records each ended by a blank
line), then "CLI: <message>", "Return: 0xNNNN", a blank line and the
"RAIDCmd:> " prompt.  The shell runs on a pseudo-terminal (the local
transport: the terminal echoes the command) or on an SSH channel (the
shell echoes it itself).

Fault rules and the request log are the simulator kit's one control
surface (common_testing.simkit.faults), served by the kit's control server
at ``/_sim/faults`` and ``/_sim/requests``.  They live in the array
process: ``ssh`` for SSH sessions, ``serve`` for local ones, which each
``-jar`` program relays its terminal to (serve_local, run_session).
"""

import contextlib
import functools
import json
import logging
import os
import re
import select
import socket
import threading
import time

from common_testing.simkit import faults as faults_mod
import paramiko

from infortrend_cinder.simulator import state as state_mod

LOG = logging.getLogger(__name__)

PROMPT = 'RAIDCmd:> '
BANNER = 'Infortrend RAIDCmd simulator (infortrend-cinder)'
RC_INVALID = 2
RC_NOT_CONNECTED = 9
RC_NO_DEVICE = 12
REQUEST_LOG = 'requests.log'
# The array process's socket for local sessions, in the state directory.
LOCAL_SOCKET = 'raidcmd.sock'
SPINNER = '\\/-\\/-'
IQN_SETTINGS = ('user', 'password', 'target', 'target-password', 'ip',
                'mask')


class Dropped(Exception):
    """Close the session without a reply (injected fault)."""


def table(header, rows):
    """Format rows (lists of str) under header, cells 2+ spaces apart."""
    widths = [len(h) for h in header]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))

    def fmt(cells):
        return ' ' + '  '.join(c.ljust(widths[i])
                               for i, c in enumerate(cells)).rstrip()
    # A blank line ends the table (parsers read rows up to it).
    return [fmt(header), '-' * (sum(widths) + 2 * len(widths))] + \
        [fmt(row) for row in rows] + ['']


def detail(records):
    lines = []
    for record in records:
        for key, value in record:
            lines.append(' %s: %s' % (key, value if value != '' else '---'))
        lines.append('')
    return lines


def log_request(state_dir, seq, started, key, status):
    """Append one entry to the request log (state key ``request_log``).

    The entries are simkit.requestlog's (seq, time, operation, status,
    duration_ms), one JSON line each in ``requests.log``; the duration
    includes reading and saving the array state.
    """
    entry = {'seq': seq, 'time': started[0], 'operation': key,
             'status': status,
             'duration_ms': round((time.monotonic() - started[1]) * 1000.0,
                                  3)}
    with open(os.path.join(state_dir, REQUEST_LOG), 'a') as log:
        log.write(json.dumps(entry) + '\n')


def request_log_entries(state_dir, since=0):
    """The logged requests with ``seq`` above ``since``, oldest first."""
    try:
        with open(os.path.join(state_dir, REQUEST_LOG)) as log:
            entries = [json.loads(line) for line in log if line.strip()]
    except FileNotFoundError:
        return []
    return sorted((e for e in entries if e['seq'] > since),
                  key=lambda e: e['seq'])


class Command(object):
    """A parsed command line: words, key=value options and -flags."""

    def __init__(self, line):
        self.line = line
        self.words = []
        self.options = {}
        self.flags = set()
        for token in line.split():
            if token.startswith('-'):
                self.flags.add(token)
            elif '=' in token:
                key, _, value = token.partition('=')
                self.options[key] = value
            else:
                self.words.append(token)

    def word(self, index, what):
        try:
            return self.words[index]
        except IndexError:
            raise state_mod.ArrayError(RC_INVALID,
                                       'Invalid parameter: missing %s' % what)

    def integer(self, index, what):
        text = self.word(index, what)
        if not text.isdigit():
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter: %s '
                                       '%r' % (what, text))
        return int(text)

    def only(self, words, options=(), flags=()):
        """Refuse anything beyond what the verb takes, as raidcmd does."""
        extra = (self.words[words:] + sorted(set(self.options) -
                                             set(options)) +
                 sorted(self.flags - set(flags)))
        if extra:
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter: %s'
                                       % ' '.join(extra))


class Shell(object):
    """One raidcmd session over state_dir."""

    def __init__(self, state_dir, connected=False, surface=None,
                 peer_gone=None):
        self.state_dir = state_dir
        self.connected = connected
        # The kit's fault rules and request log: the array process's
        # (served at /_sim/faults and /_sim/requests), or a lone session's
        # own, without rules.
        self.surface = surface or faults_mod.ControlSurface()
        # True once the session's client has gone (checked after a delay).
        self.peer_gone = peer_gone

    def banner(self):
        return BANNER + '\n\n' + PROMPT

    def handle(self, line):
        """Return the reply text (without the echo) for one command line."""
        command = Command(line)
        if not command.words:
            return PROMPT
        started = time.time(), time.monotonic()
        key = re.sub(r'password=\S+', 'password=***', line.strip())
        # An injected delay is slept before the state is locked: a session
        # the driver gives up on mid-delay holds no other session back, and
        # runs nothing once its client has gone.
        lines, rc, message = [], 0, ''
        spinner = logged = dropped = False
        try:
            with self.surface.request(key, sleep=self._delay) as result:
                with state_mod.Array.open(self.state_dir) as array:
                    try:
                        lines, message = self._dispatch(array, command)
                    except state_mod.ArrayError as exc:
                        lines, rc, message = [], exc.rc, exc.message
                    spinner = array.data.get('spinner')
                    logged = array.data.get('request_log')
                    if logged:
                        array.data['request_seq'] = seq = array.data.get(
                            'request_seq', 0) + 1
                result['status'] = rc
        except faults_mod.InjectedFailure as exc:
            lines, rc, message = [], exc.status, exc.rule.message
        except faults_mod.DropConnection:
            # drop: nothing ran; lose_response: the state is kept and only
            # the reply is lost.
            dropped = True
        if logged:
            log_request(self.state_dir, seq, started, key,
                        'dropped' if dropped else rc)
        if dropped:
            raise Dropped()
        if spinner and lines:
            lines[0] = SPINNER + lines[0]
        out = lines + ['CLI: %s' % message, 'Return: 0x%04x' % (rc & 0xffff),
                       '', PROMPT]
        return '\n'.join(out)

    def _delay(self, seconds):
        time.sleep(seconds)
        if self.peer_gone is not None and self.peer_gone():
            raise Dropped()

    # -- dispatch -----------------------------------------------------------
    def _dispatch(self, array, cmd):
        verb = cmd.words[0]
        if verb == 'connect':
            return self._connect(array, cmd)
        if verb == 'exit':
            return [], 'Successful: bye'
        if not self.connected:
            raise state_mod.ArrayError(RC_NO_DEVICE, 'No selected device')
        method = '_' + '_'.join(cmd.words[:2]).replace('-', '_')
        handler = getattr(self, method, None)
        if handler is None:
            raise state_mod.ArrayError(RC_INVALID, 'Invalid command: %s'
                                       % cmd.line.strip())
        return handler(array, cmd)

    def _connect(self, array, cmd):
        cmd.only(2, options=('password',), flags=('-notiOn',))
        ip = cmd.word(1, 'IP address')
        if ip != array.data['san_ip'] or not array.data.get('reachable',
                                                            True):
            raise state_mod.ArrayError(RC_NOT_CONNECTED, 'Not connected: no '
                                       'device at %s' % ip)
        if cmd.options.get('password', '') != array.data['password']:
            raise state_mod.ArrayError(RC_NOT_CONNECTED, 'Not connected: '
                                       'wrong password for %s' % ip)
        self.connected = True
        return [], 'Successful: connected to %s' % ip

    def _lock(self, array, cmd):
        cmd.only(1)
        return [], 'Successful: connected'

    def _utility_set(self, array, cmd):
        cmd.only(4)
        if cmd.word(2, 'setting') != 'io-timeout':
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter')
        cmd.integer(3, 'timeout')
        return [], 'Successful: io-timeout set'

    def _utility_init_cache(self, array, cmd):
        cmd.only(2)
        return [], 'Successful: cache initialised'

    # -- show -----------------------------------------------------------------
    def _show_lv(self, array, cmd):
        if cmd.words[2:3] == ['tier']:
            cmd.only(3)
            rows = []
            for lv_id, lv in sorted(array.data['lvs'].items()):
                for tier, size in enumerate(lv['tiers'] or []):
                    used = sum(p['used'] for p in array.data['parts'].values()
                               if p['lv'] == lv_id and
                               str(tier) == (p['tier'] or '0').split(',')[0])
                    rows.append([lv['name'], lv_id, str(tier),
                                 '%.2f GB' % (size / 1024.0),
                                 '%d MB(%.1f%%)' % (used,
                                                    100.0 * used / size),
                                 '0 MB(0.0%)', '10.0%'])
            return self._rows(['LV-Name', 'LV-ID', 'Tier', 'Size', 'Used',
                               'Data Service', 'Reserved Ratio'], rows,
                              'logical volume tier(s)')
        cmd.only(2)
        rows = [[lv_id, lv['name'], '1', '%d MB' % lv['size'],
                 '%d MB' % (lv['size'] - array.lv_used(lv_id)), '---',
                 'On-line'] for lv_id, lv in sorted(array.data['lvs'].items())]
        return self._rows(['ID', 'Name', 'LD-amount', 'Size', 'Available',
                           'Progress', 'Status'], rows, 'logical volume(s)')

    @staticmethod
    def _rows(header, rows, what):
        if not rows:
            return [], 'Successful: 0 %s shown' % what
        return table(header, rows), 'Successful: %d %s shown' % (len(rows),
                                                                 what)

    def _part_mapping(self, array, part_id):
        paths = ['CH:%d/ID:%d/LUN:%d' % (m['ch'], m['tid'], m['lun'])
                 for m in array.data['maps'] if m['part'] == part_id]
        return ', '.join(sorted(set(paths))) or '---'

    def _show_part(self, array, cmd):
        cmd.only(2, flags=('-l',))
        parts = sorted(array.data['parts'].items(),
                       key=lambda item: item[1]['seq'])
        if '-l' in cmd.flags:
            records = []
            for part_id, p in parts:
                mapping = self._part_mapping(array, part_id)
                migrating = p.get('migrate_until', 0) > time.time()
                records.append([
                    ('ID', part_id), ('Name', p['name']), ('LV-ID', p['lv']),
                    ('Size', str(p['size'])), ('Used', str(p['used'])),
                    ('Min-reserve', str(p['min'])),
                    ('Creation-time', p['created']),
                    ('Last-modification-time', p['modified']),
                    ('Valid-filled-block', '100%'),
                    ('Total-filled-block', '100%'),
                    ('Progress',
                     'Tier migrating: 50%' if migrating else '---'),
                    ('Mapped', 'true' if mapping != '---' else 'false'),
                    ('Mapping', mapping)])
            if not records:
                return [], 'Successful: 0 partition(s) shown'
            return detail(records), 'Successful: %d partition(s) shown' % len(
                records)
        rows = [[part_id, p['name'], p['lv'], str(p['size']), str(p['used']),
                 str(p['min'])] for part_id, p in parts]
        return self._rows(['ID', 'Name', 'LV-ID', 'Size', 'Used',
                           'Min-reserve'], rows, 'partition(s)')

    def _show_map(self, array, cmd):
        cmd.only(2, options=('part',))
        wanted = cmd.options.get('part', '').upper()
        if wanted:
            array.part(wanted)
        rows = []
        for m in sorted(array.data['maps'],
                        key=lambda m: (m['ch'], m['tid'], m['lun'])):
            if wanted and m['part'] != wanted:
                continue
            part = array.data['parts'][m['part']]
            rows.append([str(m['ch']), str(m['tid']), str(m['lun']), 'PART',
                         part['name'], m['part'], m['host'] or '---'])
        return self._rows(['Ch', 'Target', 'LUN', 'Media', 'Name', 'ID',
                           'Host-ID'], rows, 'map(s)')

    def _show_si(self, array, cmd):
        cmd.only(2, options=('part',), flags=('-l',))
        wanted = cmd.options.get('part', '').upper()
        if wanted:
            array.part(wanted)
        sis = [(si_id, si) for si_id, si in sorted(
            array.data['sis'].items(), key=lambda item: item[1]['seq'])
            if not wanted or si['part'] == wanted]
        if '-l' in cmd.flags:
            records = [[('ID', si_id), ('Name', si['name']),
                        ('Partition-ID', si['part']), ('LV-ID', si['lv']),
                        ('Activated-time', si['time']),
                        ('Total-filled-block', '100%'), ('Mapped', 'No'),
                        ('Status', 'Good')] for si_id, si in sis]
            if not records:
                return [], 'Successful: 0 snapshot image(s) shown'
            return detail(records), 'Successful: %d snapshot image(s) ' \
                'shown' % len(records)
        rows = [[str(index), si_id, si['name'], si['part'], 'No', si['time']]
                for index, (si_id, si) in enumerate(sis, 1)]
        return self._rows(['Index', 'SI-ID', 'Name', 'Partition-ID', 'Map',
                           'Activated-time'], rows, 'snapshot image(s)')

    def _show_replica(self, array, cmd):
        cmd.only(2, flags=('-l',))
        records = []
        for pair_id, job in sorted(array.data['replicas'].items(),
                                   key=lambda item: item[1]['seq']):
            status, progress = array.replica_status(job)
            if job['source_type'] == 'si':
                source = array.data['sis'].get(job['source'], {})
                source_type, source_lv = 'Snapshot-Image', source.get('lv')
            else:
                source = array.data['parts'].get(job['source'], {})
                source_type, source_lv = 'LV-Partition', source.get('lv')
            target = array.data['parts'].get(job['target'], {})
            device = array.data['system_id']
            records.append([
                ('Pair-ID', pair_id), ('Name', job['name']),
                ('Source-Device', device), ('Source', job['source']),
                ('Source-Type', source_type),
                ('Source-Name', source.get('name', '---')),
                ('Source-LV', source_lv or '---'), ('Source-VS', '---'),
                ('Source-Mapped', 'No'), ('Target-Device', device),
                ('Target', job['target']), ('Target-Type', 'LV-Partition'),
                ('Target-Name', target.get('name', '---')),
                ('Target-LV', target.get('lv', '---')), ('Target-VS', '---'),
                ('Target-Mapped', 'No'), ('Type', job['type']),
                ('Priority', 'Normal'), ('Status', status),
                ('Progress', progress), ('Timeout', '---'),
                ('Incremental', 'Disable'), ('Compression', 'Disable'),
                ('Created-time', job['created']),
                ('Sync-commence-time', job['created']),
                ('Split-time', '---'),
                ('Completed-time', '---' if progress != '---'
                 else job['created']),
                ('Description', '---')])
        if not records:
            return [], 'Successful: 0 replication job(s) shown'
        return detail(records), 'Successful: %d replication job(s) ' \
            'shown' % len(records)

    def _show_device(self, array, cmd):
        cmd.only(2)
        total = sum(lv['size'] for lv in array.data['lvs'].values())
        rows = [['0*', array.data['system_id'], array.data['model_name'],
                 '---', array.data['san_ip'], 'N/A',
                 '%.2f TB' % (total / 1024.0 / 1024.0), '8445676']]
        return self._rows(['Index', 'ID', 'Model', 'Name', 'Connected-IP',
                           'JBOD-ID', 'Capacity', 'Service-ID'], rows,
                          'device(s)')

    def _show_channel(self, array, cmd):
        cmd.only(2)
        dual = array.data['model'] == 'R'
        rows = []
        for c in array.data['channels']:
            drive = c.get('drive')
            mcs = 'N/A' if c['mcs'] is None else str(c['mcs'])
            width = {'NETWORK': 'iSCSI', 'FIBRE': '---'}.get(c['type'], 'SAS')
            clock = '6.0 Gbps' if drive else 'Auto'
            ids = ([str(c['aid']) if c['aid'] is not None else '---',
                    str(c['bid']) if c['bid'] is not None else '---']
                   if dual else
                   [str(c['aid']) if c['aid'] is not None else '---'])
            rows.append([str(c['ch']), 'Drive' if drive else 'Host',
                         c['type'], clock, '6.0 Gbps' if drive else '---',
                         width] + ids + [mcs])
        header = (['Ch', 'Mode', 'Type', 'defClock', 'curClock', 'Width'] +
                  (['AID', 'BID'] if dual else ['ID']) + ['MCS'])
        return self._rows(header, rows, 'channel(s)')

    def _show_net(self, array, cmd):
        cmd.only(2)
        slots = ['slotA', 'slotB'] if array.data['model'] == 'R' else \
            ['slotA']
        rows = []
        for c in array.data['channels']:
            if c['type'] != 'NETWORK':
                continue
            for index, slot in enumerate(slots):
                mac = '10D0238%d%02X%s' % (index, c['ch'],
                                           array.data['system_id'])
                rows.append([str(c['ch']), mac[:12], 'DHCP',
                             array.data['portal_ip'], 'Disabled', '---',
                             slot])
        return self._rows(['ID', 'MAC', 'Mode', 'IPv4', 'Mode', 'IPv6',
                           'Slot'], rows, 'network(s)')

    def _show_wwn(self, array, cmd):
        cmd.only(2)
        rows = [[str(ch), '%sID:%d' % (slot, tid), wwnn, wwpn]
                for ch, slot, tid, wwnn, wwpn in array.fc_ports()]
        lines, message = self._rows(['CH', 'ID', 'WWNN', 'WWPN'], rows,
                                    'WWN(s)')
        return ['WWN entries in controller for host channels:'] + lines, \
            message

    def _show_iqn(self, array, cmd):
        cmd.only(2)
        lines = ['Detected host IQN:'] + table(['IQN'], [['---']]) + \
            ['List of initiator IQN(s):', '-' * 40]
        # CHAP values are listed as they were set: whether a real array
        # masks them is not attested, and listing them is the harder case
        # for a client that must keep secrets out of its logs.
        records = [[('Name', alias), ('IQN', entry['iqn']),
                    ('User', entry.get('user') or '---'),
                    ('Password', entry.get('password') or '---'),
                    ('Target', entry.get('target') or '---'),
                    ('Target-Password', entry.get('target_password') or '---'),
                    ('IP', entry.get('ip') or '0.0.0.0'),
                    ('Mask', entry.get('mask') or '0.0.0.0')]
                   for alias, entry in sorted(array.data['iqns'].items())]
        return lines + detail(records), 'Successful: %d initiator IQN(s) ' \
            'shown' % len(records)

    def _show_host(self, array, cmd):
        cmd.only(2)
        return [' Maximum Queued I/O Count: 1024',
                ' LUNs per Host SCSI ID: 8',
                ' Max LUN per ID: %d' % array.data['max_lun'],
                ' Peripheral device type: No Device Present (Type=0x7f)',
                ''], 'Successful: host settings shown'

    def _show_license(self, array, cmd):
        cmd.only(2)
        thin = 'Expired' if not array.data['thin_license'] else \
            'Sun, Dec 31 23:59:59 2034'
        rows = [['Local Volume Copy', '8/256', 'Sun, Dec 31 23:59:59 2034'],
                ['Snapshot', '64/4096', 'Sun, Dec 31 23:59:59 2034'],
                ['Thin Provisioning', '---', thin],
                ['Remote Replication', '---', '---']]
        return self._rows(['License', 'Amount(Partition/Subsystem)',
                           'Expired'], rows, 'license(s)')

    # -- partitions -----------------------------------------------------------
    def _create_part(self, array, cmd):
        cmd.only(4, options=('size', 'init', 'min', 'tier'))
        lv_id = cmd.word(2, 'LV-ID')
        name = cmd.word(3, 'partition name')
        size = self._int(cmd.options.get('size'), 'size')
        min_mb = cmd.options.get('min')
        if min_mb is not None:
            min_mb = self._int(min_mb.removesuffix('MB'), 'min')
        tier = cmd.options.get('tier')
        if tier is not None and not re.match(r'^[0-3](,[0-3])*$', tier):
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter: tier')
        array.create_part(lv_id, name, size, min_mb, tier)
        return [], 'Successful: partition(s) created'

    @staticmethod
    def _int(text, what):
        if text is None or not text.isdigit():
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter: %s'
                                       % what)
        return int(text)

    def _delete_part(self, array, cmd):
        cmd.only(3, flags=('-y',))
        array.delete_part(cmd.word(2, 'partition ID'))
        return [], 'Successful: partition(s) deleted'

    def _set_part(self, array, cmd):
        sub = cmd.word(2, 'partition ID')
        if sub == 'expand':
            cmd.only(4, options=('size',))
            size = cmd.options.get('size', '')
            match = re.match(r'^(\d+)(GB|MB)$', size)
            if not match:
                raise state_mod.ArrayError(RC_INVALID,
                                           'Invalid parameter: size')
            delta = int(match.group(1)) * (1024 if match.group(2) == 'GB'
                                           else 1)
            array.expand_part(cmd.word(3, 'partition ID'), delta)
            return [], 'Successful: partition expanded'
        if sub == 'tier-resided':
            cmd.only(4, options=('tier',))
            array.set_tier(cmd.word(3, 'partition ID'),
                           cmd.options.get('tier', '0'))
            return [], 'Successful: partition tier set'
        cmd.only(3, options=('name',))
        array.rename_part(sub, cmd.options.get('name') or '---')
        return [], 'Successful: partition renamed'

    def _set_lv(self, array, cmd):
        if cmd.word(2, 'sub-command') != 'tier-migrate':
            raise state_mod.ArrayError(RC_INVALID, 'Invalid command')
        cmd.only(4, options=('part',))
        array.tier_migrate(cmd.word(3, 'LV-ID'), cmd.options.get('part', ''))
        return [], 'Successful: tier migration started'

    # -- maps -----------------------------------------------------------------
    def _create_map(self, array, cmd):
        cmd.only(7, options=('iqn', 'wwn'))
        if cmd.word(2, 'media') != 'part':
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter')
        host = cmd.options.get('iqn') or cmd.options.get('wwn') or ''
        array.create_map(cmd.word(3, 'partition ID'),
                         cmd.integer(4, 'channel'),
                         cmd.integer(5, 'target ID'),
                         cmd.integer(6, 'LUN'), host)
        return [], 'Successful: map(s) created'

    def _delete_map(self, array, cmd):
        if cmd.word(2, 'media') != 'part':
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter')
        if len(cmd.words) > 4:
            cmd.only(7, flags=('-y',))
            array.delete_maps(cmd.word(3, 'partition ID'),
                              cmd.integer(4, 'channel'),
                              cmd.integer(5, 'target ID'),
                              cmd.integer(6, 'LUN'))
        else:
            cmd.only(4, flags=('-y',))
            array.delete_maps(cmd.word(3, 'partition ID'))
        return [], 'Successful: map(s) deleted'

    # -- snapshot images --------------------------------------------------
    def _create_si(self, array, cmd):
        cmd.only(4, options=('name',))
        if cmd.word(2, 'media') != 'part':
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter')
        array.create_si(cmd.word(3, 'partition ID'),
                        cmd.options.get('name', '---'))
        return [], 'Successful: snapshot image(s) created'

    def _delete_si(self, array, cmd):
        cmd.only(3, flags=('-y',))
        array.delete_si(cmd.word(2, 'SI-ID'))
        return [], 'Successful: snapshot image(s) deleted'

    def _set_si(self, array, cmd):
        cmd.only(3, options=('name',))
        array.rename_si(cmd.word(2, 'SI-ID'), cmd.options.get('name', '---'))
        return [], 'Successful: snapshot image renamed'

    # -- replicas ---------------------------------------------------------
    def _create_replica(self, array, cmd):
        cmd.only(7, options=('type', 'priority', 'desc', 'incremental',
                             'timeout', 'compression'))
        source_type = cmd.word(3, 'source type')
        if source_type not in ('part', 'si') or \
                cmd.word(5, 'target type') != 'part':
            raise state_mod.ArrayError(RC_INVALID, 'Invalid parameter')
        array.create_replica(cmd.word(2, 'name'), source_type,
                             cmd.word(4, 'source'), cmd.word(6, 'target'),
                             mirror=cmd.options.get('type') == 'mirror')
        return [], 'Successful: replication job(s) created'

    def _delete_replica(self, array, cmd):
        cmd.only(3, flags=('-y',))
        array.delete_replica(cmd.word(2, 'Pair-ID'))
        return [], 'Successful: replication job(s) deleted'

    # -- iSCSI initiators -------------------------------------------------
    def _create_iqn(self, array, cmd):
        # The optional settings of an initiator entry (protocol.rst P24):
        # CHAP user/password, target (mutual CHAP) user/password, IP/mask.
        cmd.only(4, options=IQN_SETTINGS)
        array.create_iqn(cmd.word(2, 'IQN'), cmd.word(3, 'alias'),
                         **{key.replace('-', '_'): value
                            for key, value in cmd.options.items()})
        return [], 'Successful: initiator IQN created'

    def _delete_iqn(self, array, cmd):
        cmd.only(3)
        array.delete_iqn(cmd.word(2, 'alias'))
        return [], 'Successful: initiator IQN deleted'


# ---------------------------------------------------------------------------
# Transports
# ---------------------------------------------------------------------------
def run_on_tty(state_dir, stdin, stdout, surface=None, peer_gone=None):
    """A raidcmd session on a byte stream: the terminal echoes, we reply."""
    shell = Shell(state_dir, surface=surface, peer_gone=peer_gone)
    stdout.write(shell.banner().encode())
    stdout.flush()
    for raw in iter(stdin.readline, b''):
        line = raw.decode('utf-8', 'replace').strip()
        if line == 'exit':
            break
        try:
            reply = shell.handle(line)
        except Dropped:
            return
        stdout.write(reply.encode())
        stdout.flush()


def socket_path(state_dir):
    """Where the array process (``serve``) takes local raidcmd sessions."""
    return os.path.join(state_dir, LOCAL_SOCKET)


def run_session(state_dir, stdin, stdout):
    """The local program (``-jar``): one raidcmd session on this terminal.

    ``stdin``/``stdout`` are binary streams.  With an array process
    (serve_local) on ``state_dir`` the session is relayed to it, so that
    its fault rules and request log see the session; otherwise the
    session runs here, under no fault rules.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(socket_path(state_dir))
    except OSError:
        sock.close()
        run_on_tty(state_dir, stdin, stdout)
        return
    with sock:
        _relay(sock, stdin.fileno(), stdout.fileno())


def _relay(sock, stdin_fd, stdout_fd):
    """Copy the terminal to the array and back until the array ends.

    The end of the input is passed on (the array then ends the session
    once it has answered what came before it).
    """
    inputs = [sock, stdin_fd]
    while True:
        readable, _w, _x = select.select(inputs, [], [])
        if sock in readable:
            data = sock.recv(65536)
            if not data:
                return      # the array ended the session (or dropped it)
            os.write(stdout_fd, data)
        if stdin_fd in readable:
            data = os.read(stdin_fd, 65536)
            if data:
                sock.sendall(data)
            else:
                sock.shutdown(socket.SHUT_WR)
                inputs.remove(stdin_fd)


def _peer_gone(sock):
    """True if the client of ``sock`` has closed its end."""
    try:
        if not select.select([sock], [], [], 0)[0]:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b''
    except OSError:
        return True


def serve_local(state_dir, surface, ready=None):
    """Take local raidcmd sessions (run_session) forever, a thread each."""
    path = socket_path(state_dir)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)

    def session(conn):
        with conn, conn.makefile('rb', buffering=0) as reader, \
                conn.makefile('wb') as writer:
            try:
                run_on_tty(state_dir, reader, writer, surface,
                           functools.partial(_peer_gone, conn))
            except OSError as exc:
                LOG.info('local session ended: %s', exc)

    try:
        if ready is not None:
            ready(path)
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=session, args=(conn,),
                             daemon=True).start()
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


class _SSHServer(paramiko.ServerInterface):

    def __init__(self, username, password, authorized_key):
        self.username = username
        self.password = password
        self.authorized_key = authorized_key
        self.shell_requested = threading.Event()

    def get_allowed_auths(self, username):
        return 'password,publickey'

    def check_auth_password(self, username, password):
        if (self.password and username == self.username
                and password == self.password):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        if (self.authorized_key is not None and username == self.username
                and key == self.authorized_key):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        if kind == 'session':
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, *args):
        return True

    def check_channel_shell_request(self, channel):
        self.shell_requested.set()
        return True


def _serve_channel(state_dir, channel, surface=None):
    """A shell on an SSH channel: we echo, and send CRLF line ends."""
    shell = Shell(state_dir, connected=True, surface=surface)
    channel.sendall(shell.banner().replace('\n', '\r\n').encode())
    buf = b''
    while True:
        chunk = channel.recv(4096)
        if not chunk:
            return
        buf += chunk
        while b'\n' in buf or b'\r' in buf:
            cut = min(i for i in (buf.find(b'\n'), buf.find(b'\r'))
                      if i >= 0)
            raw, buf = buf[:cut], buf[cut + 1:]
            line = raw.decode('utf-8', 'replace').strip()
            echo = line.encode() + b'\r\n'
            if line == 'exit':
                channel.sendall(echo)
                return
            try:
                reply = shell.handle(line)
            except Dropped:
                return
            # Echo and reply in one write: no Nagle/delayed-ACK stall.
            channel.sendall(echo + reply.replace('\n', '\r\n').encode())


def _serve_connection(sock, state_dir, host_key, username, password,
                      authorized_key, surface=None):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    transport = paramiko.Transport(sock)
    try:
        transport.add_server_key(host_key)
        server = _SSHServer(username, password, authorized_key)
        transport.start_server(server=server)
        channel = transport.accept(30)
        if channel is None or not server.shell_requested.wait(30):
            return
        _serve_channel(state_dir, channel, surface)
    except (paramiko.SSHException, EOFError, OSError) as exc:
        LOG.info('SSH session ended: %s', exc)
    finally:
        transport.close()


def serve_ssh(state_dir, listen, port, host_key, username, password,
              authorized_key=None, ready=None, surface=None):
    """Accept SSH connections forever, a thread per connection."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((listen, port))
    sock.listen(16)
    if ready is not None:
        ready(sock.getsockname()[1])
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=_serve_connection, daemon=True,
                         args=(conn, state_dir, host_key, username,
                               password, authorized_key, surface)).start()
