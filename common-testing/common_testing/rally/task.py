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
"""The Rally task and configuration of a run.

Six of rally-openstack's cinder scenarios, each with the constant runner
(``times`` iterations, ``concurrency`` at once) and a failure-rate SLA of
0, so a failed iteration fails the task.  They run as one existing user
(``environment``) whose project has unlimited cinder quotas (the runner
sets them: concurrency 8 of create-from-snapshot holds 16 volumes and 8
snapshots, over cinder's default quota of 10): Rally's ``users`` context
would create and delete a tenant around every scenario and again to
validate the task, a minute of Keystone work per scenario here.  Volumes
go to the stack's default volume type, the backend under test.  Rally's
configuration polls a volume's or snapshot's status every ``poll``
seconds, also right after the request (the default waits 2 s first, then
polls every 2 s: a measurement of Rally's polling, not of cinder).
"""

VOLUME_SIZE = 1
EXTENDED_SIZE = 2
# Volumes the `volumes` context creates per tenant, for the scenarios
# that snapshot, clone or list existing volumes.
CONTEXT_VOLUMES = 4

# (scenario, its arguments, whether it needs the `volumes` context)
SCENARIOS = (
    ('CinderVolumes.create_and_delete_volume',
     {'size': VOLUME_SIZE}, False),
    ('CinderVolumes.create_and_extend_volume',
     {'size': VOLUME_SIZE, 'new_size': EXTENDED_SIZE}, False),
    ('CinderVolumes.create_and_delete_snapshot',
     {'force': False}, True),
    ('CinderVolumes.create_from_volume_and_delete_volume',
     {'size': VOLUME_SIZE}, True),
    ('CinderVolumes.create_volume_from_snapshot',
     {'do_delete': True}, True),
    ('CinderVolumes.list_volumes',
     {'detailed': True}, True),
)


def task(title, times, concurrency, scenarios=SCENARIOS):
    """The Rally task (format version 2) as a dict."""
    subtasks = []
    for name, args, needs_volumes in scenarios:
        contexts = {}
        if needs_volumes:
            contexts['volumes'] = {'size': VOLUME_SIZE,
                                   'volumes_per_tenant': CONTEXT_VOLUMES}
        subtasks.append({
            'title': name.split('.', 1)[1],
            'scenario': {name: dict(args)},
            'runner': {'constant': {'times': times,
                                    'concurrency': concurrency}},
            'contexts': contexts,
            'sla': {'failure_rate': {'max': 0}},
        })
    return {'version': 2, 'title': title, 'subtasks': subtasks}


def config(database_path, poll):
    """rally.conf: the run's own database, and the status polling."""
    return {
        'database': {'connection': 'sqlite:///%s' % database_path},
        'openstack': {
            'cinder_volume_create_prepoll_delay': poll,
            'cinder_volume_create_poll_interval': poll,
            'cinder_volume_delete_poll_interval': poll,
        },
    }


def environment(keystone_uri, admin_password, region, user, password):
    """The spec of a Rally environment: Keystone's admin and one user.

    The user (in a project of the same name) runs the scenarios.
    """
    return {'openstack': {
        'auth_url': keystone_uri,
        'region_name': region,
        'https_insecure': False,
        'admin': {'username': 'admin', 'password': admin_password,
                  'project_name': 'admin',
                  'user_domain_name': 'Default',
                  'project_domain_name': 'Default'},
        'users': [{'username': user, 'password': password,
                   'project_name': user,
                   'user_domain_name': 'Default',
                   'project_domain_name': 'Default'}],
    }}
