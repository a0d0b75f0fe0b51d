#!/usr/bin/env bash
# The README's test command: installs what the tests need on this machine,
# runs every tox environment in tox.ini's envlist, and prints one summary line
# ("tests: N passed, N failed, N skipped") over every package's stestr run.
# Exits non-zero if any environment failed.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

bash common-testing/tools/install-system-deps.sh || exit 1

# tox itself lives in a virtualenv of its own, outside the checkout, so a
# fresh machine needs nothing but python3.
tools_venv=${CINDER_BACKENDS_TOOLS_VENV:-$HOME/.cache/cinder-backends/tools-venv}
if [ ! -x "$tools_venv/bin/tox" ] || [ ! -x "$tools_venv/bin/subunit-stats" ]; then
    python3 -m venv "$tools_venv" || exit 1
    "$tools_venv/bin/pip" install --quiet 'tox>=4.6,<5' 'python-subunit>=1.4' || exit 1
fi

started=$(date +%s)
"$tools_venv/bin/tox" run "$@"
tox_rc=$?

python3 common-testing/tools/summarise-stestr.py "$tools_venv/bin" "$started" \
    common-testing pure-cinder xio-cinder infortrend-cinder huawei-sds-cinder datera-fuel
summary_rc=$?

echo "elapsed: $(( $(date +%s) - started )) s"
if [ $tox_rc -ne 0 ] || [ $summary_rc -ne 0 ]; then
    exit 1
fi
