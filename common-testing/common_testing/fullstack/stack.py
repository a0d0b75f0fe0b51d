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
"""The whole stack on one machine, as a fixture.

``Stack`` brings up, all on loopback with ports the kernel chose and every
log in ``<run dir>/logs``: the vendor simulators; a RabbitMQ vhost and a
MariaDB database of this run (on the machine's RabbitMQ and MariaDB,
started if they are not running); glance-api (file store, under gunicorn)
with a database of its own; cinder-api (noauth), cinder-scheduler and
cinder-volume from the installed cinder, configured by one generated
multi-backend cinder.conf with a backend section per driver class, and a
volume type per backend.  cleanUp stops every process by its PID (newest
first) and drops the vhost and databases; it runs also after a failed
start.
"""

import configparser
import contextlib
import os
import signal
import sys
import tempfile
import uuid

import fixtures
import requests

import common_testing.fullstack as fullstack_mod
from common_testing.fullstack import processes
from common_testing.fullstack import services
from common_testing import net

START_TIMEOUT = 120
PROJECT_ID = uuid.uuid5(uuid.NAMESPACE_DNS, 'fullstack.demo').hex
USER_ID = 'admin'
API_VERSION = '3.71'
HOST = 'fullstack'
QUOTA = 1000
# Active/active: the cinder-volume services of the one cluster.
CLUSTER = 'fullstack-cluster'
CLUSTER_MEMBERS = ('a', 'b')
REDIS_URL = 'redis://%s:%d' % (services.REDIS_HOST, services.REDIS_PORT)


def _venv_file(*parts):
    """A file cinder or glance installed under <prefix>/etc/..."""
    for prefix in (sys.prefix, '/usr/local', '/usr'):
        path = os.path.join(prefix, 'etc', *parts)
        if os.path.exists(path):
            return path
    return os.path.join('/etc', *parts[1:]) if parts[0] else None


def _program(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def supports_active_active(options):
    """Whether the backend's driver class declares SUPPORTS_ACTIVE_ACTIVE."""
    from cinder import objects
    from oslo_utils import importutils
    # Driver modules that import cinder.volume.manager (the FC zone
    # manager's utils do) need cinder's objects registered, as every
    # cinder service does first.
    objects.register_all()
    cls = importutils.import_class(options['volume_driver'])
    return bool(getattr(cls, 'SUPPORTS_ACTIVE_ACTIVE', False))


def write_ini(path, sections):
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    for section, options in sections.items():
        if section != 'DEFAULT':
            parser.add_section(section)
        for key, value in options.items():
            if isinstance(value, bool):
                value = str(value)
            elif isinstance(value, (list, tuple)):
                value = ','.join(value)
            parser.set(section, key, str(value))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as conf:
        parser.write(conf)


class Stack(fixtures.Fixture):
    """See the module docstring.

    After setUp: ``run_dir``, ``log_dir``, ``api_url`` (…/v3),
    ``glance_url``, ``sections`` ({backend section: options}),
    ``protocols`` ({section: 'iSCSI'|'FC'|...}), ``vendors``
    ({section: Backend}), ``volume_types`` ({section: type id}),
    ``host_env`` (environment for attaching on this host),
    ``client()`` a python-cinderclient Client.

    With ``active_active``, the backends whose driver declares
    SUPPORTS_ACTIVE_ACTIVE (``clustered``, a set of sections) are served by
    two cinder-volume services (hosts ``fullstack-a``/``-b``, logs
    ``cinder-volume-a.log``/``-b.log``) of one cluster, ``CLUSTER``,
    coordinated through tooz on Redis; the other backends stay on the one
    ``fullstack`` service.

    ``backends`` narrows cinder to those backend sections of the started
    simulators. A subclass changes the deployment through three hooks:
    ``find_vendors()`` (the Backends to start: the installed vendors'),
    ``cinder_conf_overrides()`` (options merged into cinder.conf) and
    ``create_volume_types()``; and ``client()``, how it talks to cinder-api.
    """

    def __init__(self, vendors=None, run_dir=None, progress=None,
                 keep_run_dir=False, active_active=False, backends=None):
        super().__init__()
        self.active_active = active_active
        self._wanted = vendors
        self._backends = backends
        self._run_dir = run_dir
        self.keep_run_dir = keep_run_dir
        self.progress = progress or (lambda message: None)

    # -- setup -------------------------------------------------------------

    def _setUp(self):
        if self._run_dir:
            os.makedirs(self._run_dir, exist_ok=True)
            self.run_dir = self._run_dir
        else:
            self.run_dir = tempfile.mkdtemp(prefix='cinder-fullstack-')
        self.log_dir = os.path.join(self.run_dir, 'logs')
        os.makedirs(self.log_dir, exist_ok=True)
        self.run_id = 'fullstack_%s' % uuid.uuid4().hex[:12]
        self.group = processes.ProcessGroup(self.log_dir)
        self.address = net.private_loopback()

        self.progress('RabbitMQ and MariaDB')
        services.ensure_rabbitmq()
        services.ensure_mariadb()
        if self.active_active:
            services.ensure_redis()
        self.vhost = services.RabbitVhost(self.run_id)
        self.addCleanup(self.vhost.drop)
        self.vhost.create()
        self.database = services.Database(self.run_id)
        self.addCleanup(self.database.drop)
        self.database.create()
        self.glance_database = services.Database(self.run_id + '_glance')
        self.addCleanup(self.glance_database.drop)
        self.glance_database.create()
        # Cleanups run last-in first-out: processes stop before the
        # databases and the vhost they use go.
        self.addCleanup(self._stop_processes)

        self.sections, self.protocols, self.vendors = {}, {}, {}
        self.host_env = {}
        for vendor in self.find_vendors():
            self.progress('simulator %s' % vendor.name)
            state_dir = os.path.join(self.run_dir, 'arrays', vendor.name)
            os.makedirs(state_dir, exist_ok=True)
            for section, options in vendor.start(
                    self.group, self.address, state_dir).items():
                options.setdefault('volume_backend_name', section)
                self.sections[section] = options
                self.protocols[section] = vendor.protocols[section]
                self.vendors[section] = vendor
            self.host_env.update(vendor.host_env())
        if not self.sections:
            raise processes.ProcessError('no vendor package installed '
                                         '(wanted: %s)' % (self._wanted,))
        if self._backends is not None:
            self._keep_only(self._backends)

        self.progress('glance-api')
        self._start_glance()
        self.progress('cinder-api, cinder-scheduler, cinder-volume')
        self._start_cinder()
        self.progress('volume types')
        self.create_volume_types()

    def _keep_only(self, backends):
        # A simulator serves all its protocols; cinder gets only these.
        unknown = set(backends) - set(self.sections)
        if unknown:
            raise processes.ProcessError(
                'no backend section %s (the simulators serve %s)'
                % (', '.join(sorted(unknown)), ', '.join(sorted(
                    self.sections))))
        for table in (self.sections, self.protocols, self.vendors):
            for section in set(table) - set(backends):
                del table[section]

    def _stop_processes(self):
        errors = self.group.stop_all()
        self._stop_initiators()
        if errors:
            raise processes.ProcessError('stopping: %s' % '; '.join(errors))

    def _stop_initiators(self):
        # qemu-storage-daemons cinder-volume started (they daemonize, so
        # they are not in its process group); their pid files are in the
        # TMPDIR this stack gave cinder-volume.
        tmp = os.path.join(self.run_dir, 'tmp')
        for root, _dirs, files in os.walk(tmp):
            if 'qsd.pid' in files:
                with contextlib.suppress(OSError, ValueError):
                    with open(os.path.join(root, 'qsd.pid')) as pid_file:
                        processes.stop_pid(int(pid_file.read().strip()))

    def _start_glance(self):
        conf_dir = os.path.join(self.run_dir, 'glance')
        stores = os.path.join(self.run_dir, 'glance-stores')
        for store in ('fs', 'tasks', 'staging'):
            os.makedirs(os.path.join(stores, store), exist_ok=True)
        os.makedirs(conf_dir, exist_ok=True)
        port = net.free_port('127.0.0.1')
        conf = os.path.join(conf_dir, 'glance-api.conf')
        write_ini(conf, {
            'DEFAULT': {
                'enabled_backends': 'fs:file',
                'log_file': os.path.join(self.log_dir, 'glance-api.log'),
                'debug': True,
                'bind_host': '127.0.0.1', 'bind_port': port,
            },
            'database': {'connection': self.glance_database.url},
            'glance_store': {'default_backend': 'fs'},
            'fs': {'filesystem_store_datadir':
                   os.path.join(stores, 'fs')},
            'os_glance_tasks_store': {'filesystem_store_datadir':
                                      os.path.join(stores, 'tasks')},
            'os_glance_staging_store': {'filesystem_store_datadir':
                                        os.path.join(stores, 'staging')},
            'paste_deploy': {'config_file': _venv_file(
                'glance', 'glance-api-paste.ini')},
            'oslo_policy': {'enforce_new_defaults': False,
                            'enforce_scope': False},
            'oslo_concurrency': {'lock_path': os.path.join(
                self.run_dir, 'glance-locks')},
        })
        manage = self.group.start('glance-manage', [
            _program('glance-manage'), '--config-file', conf, 'db_sync'])
        if manage.popen.wait(timeout=START_TIMEOUT) != 0:
            raise processes.ProcessError('glance-manage db_sync failed: %s'
                                         % manage.log_tail())
        self.group.stop(manage)
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR=conf_dir)
        glance = self.group.start('glance-gunicorn', [
            _program('gunicorn'), '--bind', '127.0.0.1:%d' % port,
            '--workers', '1', '--timeout', '300',
            'glance.wsgi.api:application'], env=env)
        self.glance_url = 'http://127.0.0.1:%d' % port
        processes.wait_for(
            lambda: requests.get(self.glance_url + '/v2/images',
                                 timeout=5).status_code == 200,
            START_TIMEOUT, 'glance-api at %s' % self.glance_url,
            processes=[glance])

    def _cinder_conf(self):
        state = os.path.join(self.run_dir, 'cinder-state')
        os.makedirs(state, exist_ok=True)
        self.api_port = net.free_port('127.0.0.1')
        sections = {
            'DEFAULT': {
                'host': HOST,
                'transport_url': self.vhost.transport_url,
                'auth_strategy': 'noauth',
                'osapi_volume_listen': '127.0.0.1',
                'osapi_volume_listen_port': self.api_port,
                'osapi_volume_workers': 1,
                'api_paste_config': _venv_file('cinder', 'api-paste.ini'),
                'rootwrap_config': _venv_file('cinder', 'rootwrap.conf'),
                'resource_query_filters_file': _venv_file(
                    'cinder', 'resource_filters.json'),
                'state_path': state,
                'enabled_backends': sorted(self.sections),
                'glance_api_servers': self.glance_url,
                'report_interval': 2,
                'periodic_interval': 10,
                'debug': True,
                'image_conversion_dir': os.path.join(state, 'conversion'),
            },
            'database': {'connection': self.database.url},
            'oslo_concurrency': {'lock_path': os.path.join(state, 'locks')},
            'coordination': {'backend_url': 'file://' + os.path.join(
                state, 'coordination')},
        }
        self.clustered = set()
        if self.active_active:
            self.clustered = {section for section, options
                              in self.sections.items()
                              if supports_active_active(options)}
            sections['coordination']['backend_url'] = REDIS_URL
        for section, options in self.sections.items():
            sections[section] = dict(options)
        for section, options in self.cinder_conf_overrides().items():
            sections.setdefault(section, {}).update(options)
        self.cinder_conf = os.path.join(self.run_dir, 'cinder.conf')
        write_ini(self.cinder_conf, sections)

    def _start_cinder(self):
        self._cinder_conf()
        conf = ['--config-file', self.cinder_conf]
        sync = self.group.start('cinder-manage', [
            _program('cinder-manage')] + conf + ['db', 'sync'])
        if sync.popen.wait(timeout=START_TIMEOUT) != 0:
            raise processes.ProcessError('cinder-manage db sync failed: %s'
                                         % sync.log_tail())
        self.group.stop(sync)

        def log(name):
            return ['--log-file', os.path.join(self.log_dir, name + '.log')]

        api = self.group.start('cinder-api', [_program('cinder-api')] + conf
                               + log('cinder-api'), stdout=None)
        scheduler = self.group.start(
            'cinder-scheduler',
            [_program('cinder-scheduler')] + conf + log('cinder-scheduler'))
        self.cinder_processes = [api, scheduler]
        # {service name: (host, its start command)}, and which service
        # serves a backend section: {section: [service names]}.
        self.volume_services, self.serving = {}, {}
        volume_hosts = {'%s@%s' % (HOST, section) for section in
                        set(self.sections) - self.clustered}
        if volume_hosts:
            self._volume_command = self._volume_service(
                '', {'enabled_backends': sorted(set(self.sections) -
                                                self.clustered)})
            self.volume_services['cinder-volume'] = (HOST,
                                                     self._volume_command)
            for section in set(self.sections) - self.clustered:
                self.serving[section] = ['cinder-volume']
            self.cinder_processes.append(
                self.group.start(**self._volume_command))
        for member in sorted(CLUSTER_MEMBERS) if self.clustered else ():
            host = '%s-%s' % (HOST, member)
            self._volume_command = self._volume_service('-' + member, {
                'host': host, 'cluster': CLUSTER,
                'enabled_backends': sorted(self.clustered)})
            self.volume_services['cinder-volume-' + member] = (
                host, self._volume_command)
            for section in self.clustered:
                self.serving.setdefault(section, []).append(
                    'cinder-volume-' + member)
            self.cinder_processes.append(
                self.group.start(**self._volume_command))
            volume_hosts |= {'%s@%s' % (host, section)
                             for section in self.clustered}
        self.api_url = 'http://127.0.0.1:%d/v3' % self.api_port
        processes.wait_for(
            lambda: requests.get(self.api_url.rsplit('/', 1)[0],
                                 timeout=5).status_code in (200, 300),
            START_TIMEOUT, 'cinder-api at %s' % self.api_url,
            processes=self.cinder_processes)
        self._wait_services({'cinder-scheduler': {HOST},
                             'cinder-volume': volume_hosts},
                            'cinder-scheduler and cinder-volume for %s'
                            % ', '.join(sorted(self.sections)))

    def service_states(self):
        """{(binary, host): 'up'|'down'} as cinder-api reports them."""
        return {(service.binary, service.host): service.state
                for service in self.client().services.list()}

    def _wait_services(self, wanted, what, state='up', check=True):
        def reached():
            seen = {}
            for (binary, host), now in self.service_states().items():
                if now == state:
                    seen.setdefault(binary, set()).add(host)
            return all(hosts <= seen.get(binary, set())
                       for binary, hosts in wanted.items())

        processes.wait_for(reached, START_TIMEOUT, what, interval=0.5,
                           processes=self.cinder_processes if check
                           else ())

    def _service_hosts(self, name):
        host, _command = self.volume_services[name]
        return {'%s@%s' % (host, section) for section, names
                in self.serving.items() if name in names}

    def _volume_process(self, name):
        return next(process for process in self.cinder_processes
                    if process.name == name)

    def kill_volume_service(self, name):
        """``kill -9`` every process of cinder-volume service ``name``.

        The whole process group (the parent and its one child per
        backend), as when the node dies; then wait until cinder-api
        reports it down (service_down_time).
        """
        process = self._volume_process(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.popen.wait()
        self.cinder_processes.remove(process)
        self.group.stop(process)
        self._wait_services({'cinder-volume': self._service_hosts(name)},
                            '%s reported down' % name, state='down')

    def start_volume_service(self, name):
        """Start service ``name`` again; wait until it is up."""
        _host, command = self.volume_services[name]
        self.cinder_processes.append(self.group.start(**command))
        self._wait_services({'cinder-volume': self._service_hosts(name)},
                            '%s up again' % name)

    def simulator_process(self, vendor):
        return next(process for process in self.group.processes
                    if process.name == vendor.name)

    def stop_array(self, vendor):
        """SIGSTOP the simulator's process group: the array is gone.

        Its state stays as it was (most simulators hold their model in
        memory only); its sockets accept nothing and answer nothing.
        """
        os.killpg(self.simulator_process(vendor).pid, signal.SIGSTOP)

    def resume_array(self, vendor):
        """SIGCONT: the array comes back on the same state."""
        os.killpg(self.simulator_process(vendor).pid, signal.SIGCONT)

    def _volume_service(self, suffix, overrides):
        """How to start cinder-volume``suffix`` serving ``overrides``.

        The overrides (host, cluster, enabled_backends) go to a second
        config file, which oslo.config reads after cinder.conf.
        """
        name = 'cinder-volume' + suffix
        if not self.active_active:
            conf = ['--config-file', self.cinder_conf]
        else:
            override = os.path.join(self.run_dir, name + '.conf')
            write_ini(override, {'DEFAULT': overrides})
            conf = ['--config-file', self.cinder_conf,
                    '--config-file', override]
        # Under <run dir>/tmp, where _stop_initiators looks.
        tmp = os.path.join(self.run_dir, 'tmp', suffix.lstrip('-'))
        os.makedirs(tmp, exist_ok=True)
        return dict(
            name=name,
            args=[sys.executable, '-m',
                  'common_testing.fullstack.volume_service']
            + conf + ['--log-file', os.path.join(self.log_dir,
                                                 name + '.log')],
            env=dict(os.environ, TMPDIR=tmp, **self.host_env))

    def find_vendors(self):
        """The Backends whose simulators the stack starts (the wanted)."""
        return fullstack_mod.vendors(self._wanted)

    def cinder_conf_overrides(self):
        """{section: {option: value}} to merge into cinder.conf."""
        return {}

    def create_volume_types(self):
        """A volume type per backend section, and generous quotas."""
        client = self.client()
        client.quotas.update(PROJECT_ID, volumes=QUOTA, snapshots=QUOTA,
                             gigabytes=QUOTA * 10, backups=QUOTA)
        self.volume_types = {}
        for section in sorted(self.sections):
            volume_type = client.volume_types.create(section)
            volume_type.set_keys({'volume_backend_name': section})
            self.volume_types[section] = volume_type.id

    # -- use ---------------------------------------------------------------

    def client(self):
        from cinderclient import client as cinder_client
        from cinderclient.contrib import noauth
        from keystoneauth1 import session as ks_session
        auth = noauth.CinderNoAuthPlugin(USER_ID, PROJECT_ID,
                                         endpoint=self.api_url)
        session = ks_session.Session(auth=auth)
        return cinder_client.Client(API_VERSION, session=session)

    def restart_volume_service(self):
        """Stop cinder-volume by PID and start it again.

        SIGTERM, waiting for the process group to end, as an operator's
        restart does.
        """
        old = self.cinder_processes.pop()
        self.group.stop(old)
        self.cinder_processes.append(
            self.group.start(**self._volume_command))

    def check_running(self):
        for process in self.cinder_processes:
            process.check_running()
        for vendor in set(self.vendors.values()):
            self.simulator_process(vendor).check_running()
