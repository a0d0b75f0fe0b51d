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
"""cinder-volume with the kit's user-space iSCSI initiator.

cinder-volume attaches volumes on its own host for copy image to volume
and copy volume to image, through os-brick.  There is no kernel iSCSI
initiator in a container, so this entry point installs the kit's os-brick
plug-in (common_testing.initiator.UserSpaceISCSIForOsBrick) in the process
and then runs cinder's own ``cinder.cmd.volume.main()`` unchanged; the
per-backend worker processes it forks inherit the plug-in.

Usage: python -m common_testing.fullstack.volume_service --config-file F
"""

# cinder.cmd.volume monkey-patches first thing; do the same before
# anything imports threading or urllib3.
from cinder import monkey_patch  # noqa: I100
monkey_patch.patch()

import sys  # noqa: E402

from common_testing import initiator  # noqa: E402


def main():
    plugin = initiator.UserSpaceISCSIForOsBrick()
    plugin.setUp()
    try:
        from cinder.cmd import volume
        return volume.main()
    finally:
        plugin.cleanUp()


if __name__ == '__main__':
    sys.exit(main())
