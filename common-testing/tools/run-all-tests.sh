#!/usr/bin/env bash
# The README's test command: installs what the tests need on this machine,
# runs every tox environment in tox.ini's envlist, and prints one summary line
# ("tests: N passed, N failed, N skipped") over every package's stestr run.
# Then certifies (Tempest, common-testing/cert/README.rst) every backend whose
# code changed since the commit its README table names; CERTIFY=all runs all
# seven, CERTIFY=none none. Certification stops starting new runs when one
# more might not end within TEST_TIME_BUDGET seconds of this script's start
# (default 4800: CI allows 90 minutes); the backends left out are named, and
# their tables keep naming the commit they certify. Exits non-zero if any
# environment or certification run failed.
set -uo pipefail
script_started=$(date +%s)

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

cert_rc=0
case "${CERTIFY:-changed}" in
    none) cert_backends= ;;
    all) cert_backends=$(PYTHONPATH=common-testing "$tools_venv/bin/python" \
             -m common_testing.cert.changed --all) || cert_rc=1 ;;
    *) cert_backends=$(PYTHONPATH=common-testing "$tools_venv/bin/python" \
           -m common_testing.cert.changed) || cert_rc=1 ;;
esac
cert_results=()
cert_left=()
budget_end=$(( script_started + ${TEST_TIME_BUDGET:-4800} ))
for backend in $cert_backends; do
    # One run takes 7 to 15 minutes here: start none that could overrun.
    if [ $(( $(date +%s) + 900 )) -gt "$budget_end" ]; then
        cert_left+=("$backend")
        continue
    fi
    if "$tools_venv/bin/tox" run -e "cert-$backend"; then
        cert_results+=("$backend passed")
    else
        cert_results+=("$backend FAILED")
        cert_rc=1
    fi
done
if [ "${CERTIFY:-changed}" = none ]; then
    echo "certification: not run (CERTIFY=none)"
elif [ ${#cert_results[@]} -eq 0 ] && [ ${#cert_left[@]} -eq 0 ]; then
    echo "certification: no backend's code changed since its README table"
elif [ ${#cert_results[@]} -gt 0 ]; then
    (IFS=,; echo "certification: ${cert_results[*]}")
fi
if [ ${#cert_left[@]} -gt 0 ]; then
    (IFS=,; echo "certification: not run within TEST_TIME_BUDGET (their README tables still name an older commit; Zuul's cert jobs run them): ${cert_left[*]}")
fi

echo "elapsed: $(( $(date +%s) - started )) s"
if [ $tox_rc -ne 0 ] || [ $summary_rc -ne 0 ] || [ $cert_rc -ne 0 ]; then
    exit 1
fi
