#!/usr/bin/env bash
# Installs the Debian packages that the tests and the demo need. Idempotent:
# packages already installed are left alone, and apt is only asked when
# something is missing. Each package says why it is here.
set -euo pipefail

packages=(
    tgt                 # tgtd: the simulators export their LUNs over real iSCSI
    libiscsi-bin        # iscsi-ls / iscsi-inq: checks of what a target exports
    qemu-utils          # qemu-img, qemu-storage-daemon (user-space initiator)
    qemu-block-extra    # the libiscsi block driver for qemu-img / qemu-storage-daemon
    qemu-system-common  # qemu-storage-daemon's FUSE export support files
    fuse3               # the FUSE export that gives an attached LUN a local path
    git                 # pbr derives package versions from git tags
    python3-venv        # tox and the test environments are virtualenvs
    puppet              # datera-fuel: puppet parser validate / puppet apply of the plugin's manifests
    puppet-lint         # datera-fuel: style check of every manifest
    puppet-module-puppetlabs-inifile  # datera-fuel: ini_setting/ini_subsetting the manifests write cinder.conf with
    pacemaker-cli-utils # datera-fuel: cibadmin, crm_verify, crm_simulate on an offline CIB file
    pcs                 # datera-fuel: pcs -f edits/inspects the offline CIB in the Pacemaker test
    rpm                 # datera-fuel: rpmbuild builds the installable plugin package
    createrepo-c        # datera-fuel: fuel-plugin-builder's createrepo step (createrepo_c)
    rabbitmq-server     # fullstack: cinder's message bus (one vhost per run)
    mariadb-server      # fullstack: cinder's and glance's databases (one per run)
    redis-server        # fullstack: tooz coordination of the active/active cinder-volume cluster
)
missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all ${#packages[@]} present"
    exit 0
fi

echo "system packages: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
