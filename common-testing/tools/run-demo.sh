#!/usr/bin/env bash
# The README's demo command: installs what the demo needs on this machine and
# runs the drivers against their simulators through cinder (tox -e demo),
# printing a table of operation, result and seconds. Exits non-zero if any
# step failed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

bash common-testing/tools/install-system-deps.sh

tools_venv=${CINDER_BACKENDS_TOOLS_VENV:-$HOME/.cache/cinder-backends/tools-venv}
if [ ! -x "$tools_venv/bin/tox" ]; then
    python3 -m venv "$tools_venv"
    "$tools_venv/bin/pip" install --quiet 'tox>=4.6,<5' 'python-subunit>=1.4'
fi
exec "$tools_venv/bin/tox" run -e demo -- "$@"
