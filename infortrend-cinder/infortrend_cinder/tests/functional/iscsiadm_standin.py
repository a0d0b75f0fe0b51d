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
"""An ``iscsiadm -m discovery`` stand-in on libiscsi's ``iscsi-ls``.

Test environment only: cinder's in-tree Infortrend iSCSI driver runs
``iscsiadm -m discovery -t sendtargets -p <ip:port>`` on the cinder-volume
host at every attach and looks for a line holding both the target IQN and
the portal.  The test container has no open-iscsi, so the
:class:`IscsiadmOnPath` fixture puts an ``iscsiadm`` script that runs this
module first on PATH for the tests that load that driver; the package
installs nothing of it.

The discovery is real: ``iscsi-ls`` (Debian ``libiscsi-bin``) logs in to
the portal for a SendTargets discovery session, as the initiator named in
the file ``$ISCSI_INITIATORNAME_FILE`` (``InitiatorName=<iqn>``, the
format of /etc/iscsi/initiatorname.iscsi, which is the default), so the
target's ACL decides what is listed, as with open-iscsi.  The output is
open-iscsi's: ``<ip>:<port>,<tpgt> <target iqn>``, one line per target;
exit status 4 when the portal cannot be reached and 21 when it lists no
target (iscsiadm's ISCSI_ERR_TRANS and ISCSI_ERR_NO_OBJS_FOUND).
"""

import argparse
import os
import re
import stat
import subprocess
import sys

import fixtures

ERR_TRANS = 4
ERR_NO_OBJS_FOUND = 21
DEFAULT_NAME_FILE = '/etc/iscsi/initiatorname.iscsi'
_TARGET = re.compile(r'^Target:(\S+) Portal:(\S+)$')


def _initiator_name():
    path = os.environ.get('ISCSI_INITIATORNAME_FILE', DEFAULT_NAME_FILE)
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition('=')
            if key == 'InitiatorName' and value:
                return value
    raise SystemExit('iscsiadm: no InitiatorName in %s' % path)


def discover(portal, initiator):
    """[(portal with tpgt, target IQN)] listed by the portal, or an rc."""
    host, _, port = portal.rpartition(':')
    if not host or not port.isdigit():
        host, port = portal, '3260'
    result = subprocess.run(
        ['iscsi-ls', '-i', initiator, 'iscsi://%s:%s' % (host, port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        check=False)
    if result.returncode != 0:
        sys.stderr.write('iscsiadm: cannot make connection to %s: %s'
                         % (portal, result.stderr))
        return ERR_TRANS
    found = []
    for line in result.stdout.splitlines():
        match = _TARGET.match(line.strip())
        if match:
            found.append((match.group(2), match.group(1)))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog='iscsiadm')
    parser.add_argument('-m', '--mode', required=True)
    parser.add_argument('-t', '--type')
    parser.add_argument('-p', '--portal')
    args = parser.parse_args(argv)
    if args.mode != 'discovery' or args.type != 'sendtargets' or \
            not args.portal:
        sys.stderr.write('iscsiadm stand-in: only "-m discovery -t '
                         'sendtargets -p <portal>" is implemented\n')
        return 7   # ISCSI_ERR_INVAL
    found = discover(args.portal, _initiator_name())
    if isinstance(found, int):
        return found
    if not found:
        sys.stderr.write('iscsiadm: No portals found\n')
        return ERR_NO_OBJS_FOUND
    for portal, target in found:
        print('%s %s' % (portal, target))
    return 0


class IscsiadmOnPath(fixtures.Fixture):
    """``iscsiadm`` (this module) first on PATH, discovering as initiator.

    Attribute after setUp: ``directory`` (where the script is).
    """

    def __init__(self, initiator):
        super().__init__()
        self.initiator = initiator

    def _setUp(self):
        self.directory = self.useFixture(fixtures.TempDir()).path
        name_file = os.path.join(self.directory, 'initiatorname.iscsi')
        self.name_file = name_file
        self.use(self.initiator)
        script = os.path.join(self.directory, 'iscsiadm')
        with open(script, 'w') as f:
            f.write('#!/bin/sh\nexec %s -m %s "$@"\n'
                    % (sys.executable, __name__))
        os.chmod(script, stat.S_IRWXU)
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', self.directory + os.pathsep + os.environ.get('PATH', '')))
        self.useFixture(fixtures.EnvironmentVariable(
            'ISCSI_INITIATORNAME_FILE', name_file))

    def use(self, initiator):
        """Discover as initiator from now on (another host's name)."""
        self.initiator = initiator
        with open(self.name_file, 'w') as f:
            f.write('InitiatorName=%s\n' % initiator)


if __name__ == '__main__':
    sys.exit(main())
