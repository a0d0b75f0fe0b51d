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
"""The raidcmd CLI: sessions, command grammar, output parsers, errors.

Everything here can be checked against the protocol notes
(doc/protocol.rst, cited as "protocol.rst P<n>"); nothing here knows about
cinder.
"""

import ipaddress
import os
import re
import select
import socket
import subprocess
import threading
import time
import weakref

from oslo_log import log as logging
from oslo_utils import strutils
import paramiko
import tenacity

LOG = logging.getLogger(__name__)

PROMPT = b'RAIDCmd:>'
STARTUP_TIMEOUT = 10      # seconds for the first prompt (protocol.rst P1)

# Return codes (protocol.rst P6); which are repeated (P7).
RC_OK = 0
RC_RAID_FAIL = 1          # on create map: LUN conflict
RC_NOT_CONNECTED = 9
RC_NOT_FOUND = 11
RC_NO_DEVICE = 12
RC_RECONNECT = 13
RC_EXISTS = 20            # exists, in use, MCS grouped, LUN used
RC_TIMEOUT = -3           # no prompt within the timeout
RC_SHORT_OUTPUT = -4      # fewer lines than the trailer needs
# Only "no selected device" and a garbled reply are worth repeating as is;
# 9/13 and a lost session are repeated once after a reconnect.
RETRYABLE_RCS = frozenset([RC_NO_DEVICE, RC_SHORT_OUTPUT])
SESSION_LOST_RCS = frozenset([RC_NOT_CONNECTED, RC_RECONNECT])


class InfortrendError(Exception):
    """Base of every error raised by this module."""


class InvalidParameter(InfortrendError, ValueError):
    """A value would not be a single safe CLI token; nothing was sent."""

    def __init__(self, field, value, why):
        self.field = field
        super().__init__('Invalid %s %r: %s' % (field, value, why))


class CLIError(InfortrendError):
    """The CLI answered with a non-zero return code."""

    def __init__(self, command, rc, message):
        self.command = command
        self.rc = rc
        self.cli_message = message
        super().__init__('raidcmd "%s" failed: %s (Return: 0x%04x)'
                         % (command, message, rc & 0xffff))


class RetryableCLIError(CLIError):
    """A return code that may succeed when the command is repeated."""


class SessionLost(InfortrendError):
    """The session ended, timed out or reported itself disconnected."""


class CLIConnectionError(InfortrendError):
    """The session could not be (re)established."""


def mask(text):
    """Hide password= values and anything oslo considers a secret."""
    text = re.sub(r'((?:target-)?password=)\S+', r'\1***', text)
    return strutils.mask_password(text)


# ---------------------------------------------------------------------------
# Parameter validation: every value that reaches a command line passes one of
# these, so no name, option or connector field can add a token or a line.
# ---------------------------------------------------------------------------
_HEX_ID = re.compile(r'^[0-9A-Fa-f]{16}$')
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$')
_IQN = re.compile(r'^(iqn\.\d{4}-\d{2}\.[A-Za-z0-9.-]+(:[A-Za-z0-9.:_-]+)?'
                  r'|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$')
_WWPN = re.compile(r'^[0-9A-Fa-f]{16}$')
_HOSTNAME = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$')
_TIERS = re.compile(r'^[0-3](,[0-3]){0,3}$')
_SAFE_TOKEN = re.compile(r'^[^\s\x00-\x1f\x7f]+$')
# A name as the array (or another program, e.g. cinder's in-tree driver,
# whose initiator aliases are the last 16 characters of the IQN, such as
# ".debian:01:probe") wrote it: any printable characters, except what
# raidcmd would read as something other than one positional name: a
# leading "-" (a flag such as -y), "=" (a key=value option), quotes and
# backslashes (quoting), blanks and control characters (token and line
# breaks).
_ARRAY_NAME = re.compile(r'^[^\s\x00-\x1f\x7f"\'\\=-]'
                         r'[^\s\x00-\x1f\x7f"\'\\=]{0,127}$')


def hex_id(value, field='ID'):
    if not isinstance(value, str) or not _HEX_ID.fullmatch(value):
        raise InvalidParameter(field, value, 'expected 16 hex digits')
    return value.upper()


def name(value, field='name'):
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InvalidParameter(field, value,
                               'expected 1-64 letters, digits or "_.:-", '
                               'starting with a letter or digit')
    return value


def array_name(value, field='name'):
    """A name read from the array, passed back exactly as it was read."""
    if not isinstance(value, str) or not _ARRAY_NAME.fullmatch(value):
        raise InvalidParameter(field, value,
                               'cannot be passed to raidcmd as one name: '
                               'empty, longer than 128, or has a blank, '
                               'a control character, a quote, "\\", "=" '
                               'or a leading "-"')
    return value


def iqn(value, field='initiator IQN'):
    if (not isinstance(value, str) or len(value) > 223
            or not _IQN.fullmatch(value)):
        raise InvalidParameter(field, value, 'not an iSCSI name')
    return value


def wwpn(value, field='initiator WWPN'):
    text = value.replace(':', '') if isinstance(value, str) else value
    if not isinstance(text, str) or not _WWPN.fullmatch(text):
        raise InvalidParameter(field, value, 'expected 16 hex digits')
    return text.upper()


def number(value, field, low=0, high=2 ** 31):
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(field, value, 'expected an integer')
    if not low <= value <= high:
        raise InvalidParameter(field, value,
                               'expected %d to %d' % (low, high))
    return str(value)


def address(value, field='san_ip'):
    if isinstance(value, str):
        try:
            ipaddress.ip_address(value)
            return value
        except ValueError:
            if _HOSTNAME.fullmatch(value):
                return value
    raise InvalidParameter(field, value, 'not an IP address or host name')


def tiers(value, field='tiers'):
    if not isinstance(value, str) or not _TIERS.fullmatch(value):
        raise InvalidParameter(field, value,
                               'expected tier numbers 0-3 separated by ","')
    return value


def password(value, field='san_password'):
    if not isinstance(value, str) or not _SAFE_TOKEN.fullmatch(value):
        # The value itself is never echoed back.
        raise InvalidParameter(field, '***', 'must be printable characters '
                               'without spaces')
    return value


def _line(*tokens):
    """Join validated tokens; refuse anything that is not one token."""
    for token in tokens:
        if not _SAFE_TOKEN.fullmatch(token):
            raise InvalidParameter('CLI token', token, 'not a single token')
    return ' '.join(tokens)


# ---------------------------------------------------------------------------
# Output parsing (protocol.rst P5, P8 to P12).
# ---------------------------------------------------------------------------
_SPINNER = re.compile(r'\\/-|\x08')
_CELL_SPLIT = re.compile(r'\s{2,}')


def clean_lines(raw):
    """Remove CRs and spinner noise; return the stripped lines."""
    text = raw.decode('utf-8', 'replace') if isinstance(raw, bytes) else raw
    text = _SPINNER.sub('', text.replace('\r', ''))
    return [line.strip() for line in text.strip().split('\n')]


def split_reply(raw):
    """Return (rc, cli_message, body_lines) of one command's reply.

    Counted from the end: prompt, blank line, "Return: 0x....", "CLI: ...".
    Line 0 is the echo of the command, which is dropped.
    """
    lines = clean_lines(raw)
    while lines and lines[-1] == '':
        lines.pop()
    if lines and lines[-1].startswith(PROMPT.decode()):
        lines.pop()
    while lines and lines[-1] == '':
        lines.pop()
    if (len(lines) < 3 or not lines[-1].startswith('Return:')
            or not lines[-2].startswith('CLI:')):
        return RC_SHORT_OUTPUT, 'unexpected CLI output', lines
    try:
        rc = int(lines[-1].split(' ', 1)[1].strip(), 16)
    except (IndexError, ValueError):
        return RC_SHORT_OUTPUT, 'unreadable return code', lines
    message = lines[-2].split(' ', 1)[1].strip() if ' ' in lines[-2] else ''
    return rc, message, lines[1:-2]


def parse_table(lines, start_key):
    """Rows of the table whose header's first cell contains start_key."""
    for index, line in enumerate(lines):
        cells = _CELL_SPLIT.split(line)
        if line and start_key in cells[0]:
            header = cells
            break
    else:
        return []
    rows = []
    body = lines[index + 1:]
    if body and set(body[0]) <= {'-'} and body[0]:
        body = body[1:]
    for line in body:
        if not line:
            break
        values = _CELL_SPLIT.split(line)
        rows.append(dict(zip(header, values)))
    return rows


def parse_detail(lines):
    """Records of "Key: value" lines, each ended by a blank line."""
    records = []
    current = {}
    started = False
    for line in lines:
        if not started:
            tokens = line.split()
            if len(tokens) >= 2 and ':' in tokens[0]:
                started = True
            else:
                continue
        if not line:
            if current:
                records.append(current)
                current = {}
            continue
        key, sep, value = line.partition(': ')
        if sep:
            current[key.strip()] = value.strip()
    if current:
        records.append(current)
    return records


def parse_iqn_list(lines):
    """Records after "List of initiator IQN(s):" and its dashes line."""
    for index, line in enumerate(lines):
        if line.startswith('List of initiator IQN(s):'):
            return parse_detail(lines[index + 2:])
    return []


def parse_key_values(lines):
    """"Key: value" lines from the first line holding a colon (show host)."""
    result = {}
    for line in lines:
        key, sep, value = line.partition(':')
        if sep and value.strip():
            result[key.strip()] = value.strip()
    return result


def parse_license(lines):
    licenses = {}
    for row in parse_table(lines, 'License'):
        expired = row.get('Expired', '---')
        licenses[row['License']] = {
            'Amount': row.get('Amount(Partition/Subsystem)', '---'),
            'Support': expired not in ('---', 'Expired'),
        }
    return licenses


def size_to_mb(text):
    """'857982 MB', '418.93 GB', '1 TB' or a bare MB number to MB."""
    text = text.split('(')[0].strip()
    match = re.match(r'^([\d.]+)\s*(MB|GB|TB)?$', text)
    if not match:
        raise ValueError('not a size: %r' % text)
    factor = {'MB': 1, 'GB': 1024, 'TB': 1024 * 1024}[match.group(2) or 'MB']
    return float(match.group(1)) * factor


# ---------------------------------------------------------------------------
# Terminals: one interactive raidcmd shell, read up to the prompt.
# ---------------------------------------------------------------------------
class _Terminal(object):
    """Reads are event-driven: select() wakes us as soon as bytes arrive."""

    def fileno(self):
        raise NotImplementedError()

    def _recv(self):
        raise NotImplementedError()

    def write(self, data):
        raise NotImplementedError()

    def close(self):
        raise NotImplementedError()

    def read_until_prompt(self, timeout):
        deadline = time.monotonic() + timeout
        buf = bytearray()
        while not buf.rstrip().endswith(PROMPT):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SessionLost('no prompt within %ss' % timeout)
            ready, _, _ = select.select([self.fileno()], [], [], remaining)
            if not ready:
                continue
            chunk = self._recv()
            if not chunk:
                raise SessionLost('the CLI session ended')
            buf += chunk
        return bytes(buf)

    def run(self, command, timeout):
        self.write(command.encode() + b'\n')
        return self.read_until_prompt(timeout)


def _reap(proc, fd):
    """Give raidcmd 2 s to exit after "exit", then kill it."""
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    os.close(fd)


class LocalTerminal(_Terminal):
    """The raidcmd program on a pseudo-terminal (protocol.rst P1)."""

    def __init__(self, argv):
        master, slave = os.openpty()
        try:
            self._proc = subprocess.Popen(
                argv, stdin=slave, stdout=slave, stderr=slave,
                close_fds=True, start_new_session=True)
        except OSError as exc:
            os.close(master)
            raise CLIConnectionError('Cannot start raidcmd %s: %s'
                                     % (argv[0], exc))
        finally:
            os.close(slave)
        self._fd = master
        # A session dropped without close() must not leave raidcmd behind.
        self._finalizer = weakref.finalize(self, _reap, self._proc, master)

    def fileno(self):
        return self._fd

    def _recv(self):
        try:
            return os.read(self._fd, 65536)
        except OSError:  # EIO once the child has gone
            return b''

    def write(self, data):
        try:
            os.write(self._fd, data)
        except OSError as exc:
            raise SessionLost('cannot write to raidcmd: %s' % exc)

    def close(self):
        if not self._finalizer.alive:
            return
        try:
            os.write(self._fd, b'exit\n')
        except OSError:
            pass
        self._finalizer()


class SSHTerminal(_Terminal):
    """A raidcmd shell over SSH, host key checked against known_hosts."""

    def __init__(self, host, port, username, password, key_file,
                 known_hosts, timeout):
        if not known_hosts or not os.path.isfile(known_hosts):
            raise CLIConnectionError(
                'infortrend_ssh_known_hosts_file %r does not exist; the SSH '
                'transport needs the array\'s host key' % known_hosts)
        self._client = paramiko.SSHClient()
        self._client.load_host_keys(known_hosts)
        self._client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            self._client.connect(
                host, port=port, username=username,
                password=password or None,
                key_filename=key_file or None, timeout=timeout,
                banner_timeout=timeout, auth_timeout=timeout,
                look_for_keys=False, allow_agent=False)
            # Commands are small request/reply exchanges: no Nagle delay.
            self._client.get_transport().sock.setsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._chan = self._client.invoke_shell(width=512)
        except paramiko.BadHostKeyException as exc:
            self._client.close()
            raise CLIConnectionError('SSH host key of %s:%s does not match '
                                     'infortrend_ssh_known_hosts_file: %s'
                                     % (host, port, exc))
        except paramiko.AuthenticationException as exc:
            self._client.close()
            raise CLIConnectionError(
                'SSH authentication of san_login=%s to %s:%s refused (check '
                'san_login and san_password or san_private_key): %s'
                % (username, host, port, exc))
        except paramiko.SSHException as exc:
            self._client.close()
            if 'known_hosts' in str(exc):
                raise CLIConnectionError(
                    'SSH host key of %s:%s is unknown: it is not in '
                    'infortrend_ssh_known_hosts_file' % (host, port))
            raise CLIConnectionError('SSH to %s:%s refused: %s'
                                     % (host, port, exc))
        except OSError as exc:
            self._client.close()
            raise CLIConnectionError('SSH to %s:%s failed: %s'
                                     % (host, port, exc))

    def fileno(self):
        return self._chan.fileno()

    def _recv(self):
        return self._chan.recv(65536)

    def write(self, data):
        try:
            self._chan.sendall(data)
        except (OSError, paramiko.SSHException) as exc:
            raise SessionLost('cannot write to the SSH session: %s' % exc)

    def close(self):
        self._client.close()


# ---------------------------------------------------------------------------
# The client: one serialised session, typed commands.
# ---------------------------------------------------------------------------
class RaidcmdClient(object):
    """One long-lived raidcmd session per backend.

    :param terminal_factory: callable returning a connected _Terminal.
    :param login: whether to run ``connect <ip>`` after the prompt (the
        local program starts unconnected; an SSH shell is already on the
        array).
    """

    def __init__(self, terminal_factory, san_ip, san_password='',
                 login=True, timeout=60, max_retries=5):
        # san_password: the array password, or a callable returning it,
        # asked at every (re)connect so that a session opened after a
        # rotation logs in with the password configured then.
        self._factory = terminal_factory
        self._san_ip = address(san_ip)
        self._password_source = (san_password if callable(san_password)
                                 else lambda: san_password)
        self._current_password()   # refused now if it is not one token
        self._login = login
        self._timeout = timeout
        self._max_retries = max_retries
        self._terminal = None
        self._lock = threading.Lock()
        self.commands_sent = 0

    def _current_password(self):
        value = self._password_source()
        return password(value) if value else ''

    # -- session --------------------------------------------------------
    def _connect(self):
        terminal = self._factory()
        try:
            # Starting raidcmd (a JVM) may take longer than one command.
            terminal.read_until_prompt(max(self._timeout, STARTUP_TIMEOUT))
            if self._login:
                parts = ['connect', self._san_ip]
                pw = self._current_password()
                if pw:
                    parts.append('password=' + pw)
                parts.append('-notiOn')
                try:
                    self._check(terminal, _line(*parts))
                except CLIError as exc:
                    raise CLIError(exc.command, exc.rc, '%s (check '
                                   'san_password)' % exc.cli_message)
            io_timeout = max(self._timeout - 10, 10)
            self._check(terminal,
                        _line('utility', 'set', 'io-timeout', str(io_timeout)))
        except (InfortrendError, OSError) as exc:
            terminal.close()
            raise CLIConnectionError('Cannot open a raidcmd session to %s: %s'
                                     % (self._san_ip, mask(str(exc))))
        self._terminal = terminal

    def _check(self, terminal, command):
        self.commands_sent += 1
        rc, message, _ = split_reply(terminal.run(command, self._timeout))
        LOG.debug('raidcmd "%s": rc=%s', mask(command), rc)
        if rc != RC_OK:
            raise CLIError(mask(command), rc, message)

    def _drop(self):
        if self._terminal is not None:
            try:
                self._terminal.close()
            except Exception:  # the session is already broken
                LOG.debug('Closing a broken raidcmd session failed',
                          exc_info=True)
            self._terminal = None

    def close(self):
        with self._lock:
            self._drop()

    def _attempt(self, command, state):
        if self._terminal is None:
            if state['reconnected']:
                raise CLIConnectionError('raidcmd session to %s lost twice '
                                         'during "%s"' % (self._san_ip,
                                                          mask(command)))
            if state['connected_once']:
                state['reconnected'] = True
                LOG.warning('Reconnecting the raidcmd session to %s',
                            self._san_ip)
            self._connect()
        state['connected_once'] = True
        self.commands_sent += 1
        started = time.monotonic()
        try:
            raw = self._terminal.run(command, self._timeout)
        except SessionLost:
            self._drop()
            raise
        rc, message, body = split_reply(raw)
        LOG.debug('raidcmd "%s": rc=%s in %.3fs', mask(command), rc,
                  time.monotonic() - started)
        if rc in SESSION_LOST_RCS:
            self._drop()
            raise SessionLost(message)
        if rc in RETRYABLE_RCS:
            raise RetryableCLIError(mask(command), rc, message)
        if rc != RC_OK:
            raise CLIError(mask(command), rc, message)
        return body

    def execute(self, *tokens):
        """Run one command; return its body lines (echo/trailer removed)."""
        command = _line(*tokens)
        state = {'connected_once': self._terminal is not None,
                 'reconnected': False}
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._max_retries),
            retry=tenacity.retry_if_exception_type(
                (RetryableCLIError, SessionLost)),
            wait=tenacity.wait_exponential(multiplier=0.05, max=1),
            reraise=True)
        with self._lock:
            try:
                return retrying(self._attempt, command, state)
            except SessionLost as exc:
                raise CLIConnectionError('raidcmd session to %s lost: %s'
                                         % (self._san_ip, exc))

    # -- commands (protocol.rst P13 to P24) ---------------------------------
    def check_connection(self):
        self.execute('lock')

    def init_cache(self):
        try:
            self.execute('utility', 'init-cache')
        except CLIConnectionError:
            raise
        except CLIError as exc:
            LOG.warning('utility init-cache: %s', exc)

    def show_lv(self):
        return parse_table(self.execute('show', 'lv'), 'ID')

    def show_lv_tier(self):
        return parse_table(self.execute('show', 'lv', 'tier'), 'LV-Name')

    def create_part(self, lv_id, part_name, size_mb, init=None, min_mb=None,
                    tier=None):
        tokens = ['create', 'part', hex_id(lv_id, 'LV-ID'),
                  name(part_name, 'partition name'),
                  'size=' + number(size_mb, 'size', 1)]
        if init is not None:
            tokens.append('init=' + ('enable' if init else 'disable'))
        if min_mb is not None:
            tokens.append('min=%sMB' % number(min_mb, 'min'))
        if tier is not None:
            tokens.append('tier=' + tiers(tier))
        self.execute(*tokens)

    def delete_part(self, part_id):
        self.execute('delete', 'part', hex_id(part_id, 'partition ID'), '-y')

    def set_part_name(self, part_id, new_name):
        self.execute('set', 'part', hex_id(part_id, 'partition ID'),
                     'name=' + name(new_name, 'partition name'))

    def expand_part(self, part_id, delta_mb):
        delta = ('size=%sGB' % (delta_mb // 1024) if delta_mb % 1024 == 0
                 else 'size=%sMB' % delta_mb)
        number(delta_mb, 'size delta', 1)
        self.execute('set', 'part', 'expand',
                     hex_id(part_id, 'partition ID'), delta)

    def set_part_tier_resided(self, part_id, tier):
        self.execute('set', 'part', 'tier-resided',
                     hex_id(part_id, 'partition ID'), 'tier=' + tiers(tier))

    def set_lv_tier_migrate(self, lv_id, part_id):
        self.execute('set', 'lv', 'tier-migrate', hex_id(lv_id, 'LV-ID'),
                     'part=' + hex_id(part_id, 'partition ID'))

    def show_part(self, detail=False):
        if detail:
            return parse_detail(self.execute('show', 'part', '-l'))
        return parse_table(self.execute('show', 'part'), 'ID')

    def create_map(self, part_id, channel, target, lun, initiator=None,
                   wwn=None):
        tokens = ['create', 'map', 'part', hex_id(part_id, 'partition ID'),
                  number(channel, 'channel', 0, 255),
                  number(target, 'target ID', 0, 255),
                  number(lun, 'LUN', 0, 1023)]
        if (initiator is None) == (wwn is None):
            raise InvalidParameter('map host', initiator or wwn,
                                   'exactly one of iqn or wwn is needed')
        if initiator is not None:
            tokens.append('iqn=' + iqn(initiator))
        else:
            tokens.append('wwn=' + wwpn(wwn))
        self.execute(*tokens)

    def delete_map(self, part_id, channel=None, target=None, lun=None):
        tokens = ['delete', 'map', 'part', hex_id(part_id, 'partition ID')]
        if channel is not None:
            tokens += [number(channel, 'channel', 0, 255),
                       number(target, 'target ID', 0, 255),
                       number(lun, 'LUN', 0, 1023)]
        tokens.append('-y')
        self.execute(*tokens)

    def show_map(self, part_id=None):
        tokens = ['show', 'map']
        if part_id is not None:
            tokens.append('part=' + hex_id(part_id, 'partition ID'))
        return parse_table(self.execute(*tokens), 'Ch')

    def create_si(self, part_id, si_name):
        self.execute('create', 'si', 'part', hex_id(part_id, 'partition ID'),
                     'name=' + name(si_name, 'snapshot name'))

    def delete_si(self, si_id):
        self.execute('delete', 'si', hex_id(si_id, 'SI-ID'), '-y')

    def set_si_name(self, si_id, new_name):
        self.execute('set', 'si', hex_id(si_id, 'SI-ID'),
                     'name=' + name(new_name, 'snapshot name'))

    def show_si(self, part_id=None, detail=False):
        tokens = ['show', 'si']
        if part_id is not None:
            tokens.append('part=' + hex_id(part_id, 'partition ID'))
        if detail:
            tokens.append('-l')
            return parse_detail(self.execute(*tokens))
        return parse_table(self.execute(*tokens), 'Index')

    def create_replica(self, job_name, source_type, source_id, target_id,
                       mirror=False):
        if source_type not in ('part', 'si'):
            raise InvalidParameter('replica source type', source_type,
                                   'expected part or si')
        tokens = ['create', 'replica', name(job_name, 'replica name'),
                  source_type, hex_id(source_id, 'replica source'),
                  'part', hex_id(target_id, 'replica target')]
        if mirror:
            tokens.append('type=mirror')
        self.execute(*tokens)

    def delete_replica(self, pair_id):
        self.execute('delete', 'replica', hex_id(pair_id, 'Pair-ID'), '-y')

    def show_replica(self):
        return parse_detail(self.execute('show', 'replica', '-l'))

    def show_device(self):
        return parse_table(self.execute('show', 'device'), 'Index')

    def show_channel(self):
        return parse_table(self.execute('show', 'channel'), 'Ch')

    def show_net(self):
        return parse_table(self.execute('show', 'net'), 'ID')

    def show_wwn(self):
        return parse_table(self.execute('show', 'wwn'), 'CH')

    def show_iqn(self):
        return parse_iqn_list(self.execute('show', 'iqn'))

    def create_iqn(self, initiator, alias):
        self.execute('create', 'iqn', iqn(initiator),
                     name(alias, 'initiator alias'))

    def delete_iqn(self, alias):
        # The alias comes from show iqn: whoever created the entry chose it.
        self.execute('delete', 'iqn', array_name(alias, 'initiator alias'))

    def show_host(self):
        return parse_key_values(self.execute('show', 'host'))

    def show_license(self):
        return parse_license(self.execute('show', 'license'))
