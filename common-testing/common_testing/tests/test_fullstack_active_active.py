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
"""Active/active: two cinder-volume services of one cluster, concurrently.

The full stack with ``active_active``: every backend whose driver declares
SUPPORTS_ACTIVE_ACTIVE is served by two cinder-volume services of one
cluster, coordinated through tooz on Redis.  VOLUMES volumes go through
create, attach (attachments API with a connector), detach and delete from
a bounded thread pool; a few compute hosts share them, so both services
change the same host objects at once.  The run must end with no error,
both services having served requests, and nothing left on the array.

``FULLSTACK_AA_VENDORS`` (comma-separated directory names) chooses the
vendors; the default is every vendor whose drivers declare active/active.
On failure the run directory (logs, cinder.conf, array state) is kept.
"""

from concurrent import futures
import os
import threading

import requests
import testtools

from common_testing.fullstack import demo
from common_testing.fullstack import stack as stack_mod
from common_testing.tests import test_fullstack

TIMEOUT = 280         # seconds for bring-up, scenario and teardown
STEP_TIMEOUT = 150    # seconds one volume may take for one state change
VOLUMES = 50
WORKERS = 8
COMPUTE_HOSTS = 4
DEFAULT_VENDORS = ['pure-cinder']


def _wanted_vendors():
    wanted = os.environ.get('FULLSTACK_AA_VENDORS')
    return ([name.strip() for name in wanted.split(',')] if wanted
            else DEFAULT_VENDORS)


def _connector(section, protocol, number):
    # A compute host per backend and number: iSCSI and FC sections of one
    # array must not share a host name with different initiators.
    host = 'aa-%s-%d' % (section, number)
    connector = {'ip': '127.0.0.1', 'host': host, 'platform': 'x86_64',
                 'os_type': 'linux', 'multipath': False,
                 'do_local_attach': False}
    if protocol == 'FC':
        connector.update(wwpns=['21000024ff7%09d' % number],
                         wwnns=['20000024ff7%09d' % number])
    else:
        connector['initiator'] = 'iqn.2026-11.test.fullstack:%s' % host
    return connector


def _pure_state(options):
    """The Pure simulator's whole state (its /_sim/state control URL)."""
    reply = requests.get('https://%s/_sim/state' % options['pure_target'],
                         verify=options['driver_ssl_cert_path'], timeout=30)
    reply.raise_for_status()
    return reply.json()


class TestActiveActive(test_fullstack.FullStackTestCase):

    timeout = TIMEOUT
    run_dir_prefix = 'cinder-fullstack-aa-'

    @staticmethod
    def wanted_vendors():
        return _wanted_vendors()

    def test_two_services_of_one_cluster_serve_concurrent_volumes(self):
        stack = self.useFixture(stack_mod.Stack(
            vendors=_wanted_vendors(), run_dir=self._run_dir(),
            active_active=True))
        self.assertTrue(stack.clustered, 'no backend declares '
                        'SUPPORTS_ACTIVE_ACTIVE')
        sections = sorted(stack.clustered)
        local = threading.local()

        def client():
            # One client (HTTP session) per thread.
            if not hasattr(local, 'client'):
                local.client = stack.client()
            return local.client

        def lifecycle(index):
            section = sections[index % len(sections)]
            cinder = client()
            volume = cinder.volumes.create(
                1, volume_type=stack.volume_types[section],
                name='aa-%d' % index)
            volume = demo.wait_status(lambda: cinder.volumes.get(volume.id),
                                      'available', 'volume %s' % volume.id,
                                      STEP_TIMEOUT)
            cluster = getattr(volume, 'cluster_name', None)
            connector = _connector(section, stack.protocols[section],
                                   index % COMPUTE_HOSTS)
            attachment = cinder.attachments.create(volume.id, connector,
                                                   mode='rw')
            cinder.attachments.complete(attachment['id'])
            demo.wait_status(lambda: cinder.volumes.get(volume.id), 'in-use',
                             'volume %s attaching' % volume.id,
                             STEP_TIMEOUT)
            cinder.attachments.delete(attachment['id'])
            demo.wait_status(lambda: cinder.volumes.get(volume.id),
                             'available', 'volume %s detaching' % volume.id,
                             STEP_TIMEOUT)
            cinder.volumes.delete(volume.id)
            demo.wait_gone(lambda: cinder.volumes.get(volume.id),
                           'volume %s' % volume.id, STEP_TIMEOUT)
            return volume.id, cluster, attachment['connection_info']

        with futures.ThreadPoolExecutor(WORKERS) as pool:
            runs = [pool.submit(lifecycle, index)
                    for index in range(VOLUMES)]
        errors = [str(run.exception()) for run in runs if run.exception()]
        self.assertEqual([], errors)
        results = [run.result() for run in runs]
        ids = {volume_id for volume_id, _c, _i in results}
        self.assertEqual(VOLUMES, len(ids))
        for volume_id, cluster, info in results:
            self.assertIsNotNone(info, volume_id)
            self.assertEqual(stack_mod.CLUSTER, (cluster or '').split('@')[0],
                             volume_id)

        # Both services of the cluster served part of the volumes (each
        # logs its creates and deletes: cinder's manager, vendor-neutral).
        served = {}
        for member in stack_mod.CLUSTER_MEMBERS:
            path = os.path.join(stack.log_dir,
                                'cinder-volume-%s.log' % member)
            with open(path) as log:
                text = log.read()
            served[member] = {
                operation: text.count('%s volume successfully.' % operation)
                for operation in ('Created', 'Deleted')}
        self.addDetail('served', testtools.content.text_content(
            repr(served)))
        for member, counts in served.items():
            self.assertTrue(counts['Created'] and counts['Deleted'],
                            'cinder-volume-%s served no create or delete: '
                            '%s' % (member, served))
        for operation in ('Created', 'Deleted'):
            self.assertEqual(VOLUMES, sum(counts[operation] for counts
                                          in served.values()), served)

        # Nothing left: cinder knows no volume, the arrays hold nothing.
        self.assertEqual([], client().volumes.list())
        self._assert_nothing_left(stack, ids)
        stack.check_running()

    def _assert_nothing_left(self, stack, ids):
        for section in stack.clustered:
            vendor = stack.vendors[section]
            if vendor.dist == 'pure-cinder':
                state = _pure_state(stack.sections[section])
                live = [v['name'] for v in state['volumes']
                        if not v.get('destroyed')]
                self.assertEqual([], live, section)
                self.assertEqual([], state['connections'], section)
                self.assertEqual([], [h['name'] for h in state['hosts']],
                                 section)
                # Deleted volumes wait destroyed (recoverable) for the
                # eradication delay: only cinder's deleted volumes.
                destroyed = {v['name'] for v in state['volumes']
                             if v.get('destroyed')}
                self.assertEqual(set(), destroyed - {
                    'volume-%s-cinder' % volume_id for volume_id in ids})
            else:
                volumes = vendor.array_volumes()
                self.assertIsNotNone(volumes, 'no way to look into %s'
                                     % vendor.name)
                self.assertEqual([], volumes, vendor.name)
