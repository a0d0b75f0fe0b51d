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
"""Offline Pacemaker CIB files, edited and checked with Pacemaker's tools.

Every tool here honours CIB_file (cibadmin, crm_resource, crm_verify -x,
crm_simulate -x, pcs -f), so no cluster has to run.
"""

import os
import xml.etree.ElementTree as ElementTree

from datera_fuel_tests import base


def tool_env(cib_file):
    return dict(os.environ, CIB_file=cib_file,
                PATH=os.environ.get('PATH', '') + ':/usr/sbin:/sbin')


def make_cluster(path, nodes):
    """An empty CIB for a Fuel-like cluster of controllers.

    Fuel environments run without STONITH (stonith-enabled=false), which
    crm_verify otherwise reports as an error.
    """
    proc = base.run(['cibadmin', '--empty'], env=tool_env(path))
    with open(path, 'w') as f:
        f.write(proc.stdout)
    base.run(['pcs', '-f', path, 'property', 'set', 'stonith-enabled=false'],
             env=tool_env(path))
    for number, name in enumerate(nodes, 1):
        base.run(['cibadmin', '--create', '--scope', 'nodes', '--xml-text',
                  '<node id="%d" uname="%s"/>' % (number, name)],
                 env=tool_env(path))
    return path


def verify(path):
    """crm_verify's exit code and output for the CIB file."""
    proc = base.run(['crm_verify', '--verbose', '--xml-file', path],
                    env=tool_env(path), check=False)
    return proc.returncode, proc.stdout + proc.stderr


def configuration(path):
    return ElementTree.parse(path).getroot().find('configuration')


def simulate(path, out_path, nodes_up=(), nodes_down=()):
    """Let Pacemaker's scheduler run the cluster one transition."""
    argv = ['crm_simulate', '--xml-file', path, '--quorum', 'true',
            '--simulate', '--save-output', out_path]
    for node in nodes_up:
        argv += ['--node-up', node]
    for node in nodes_down:
        argv += ['--node-down', node]
    base.run(argv, env=tool_env(path))
    return out_path


def running_on(path, resource_id):
    """Nodes the CIB's status section says the resource runs on."""
    proc = base.run(['crm_resource', '--locate', '--quiet',
                     '--resource', resource_id],
                    env=tool_env(path), check=False)
    return sorted(line.strip() for line in proc.stdout.splitlines()
                  if line.strip())
