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
"""The machine's RabbitMQ and MariaDB, with a vhost and a database per run.

Both are shared by everything on the machine, so a run never touches
anything but its own vhost and database, and drops them at the end.  If
they are not running they are started as the Debian packages install them
(no systemd here); if they are not installed, install-system-deps.sh
installs rabbitmq-server and mariadb-server.
"""

import os
import secrets
import shutil
import subprocess
import time

from common_testing import net

RABBIT_HOST = '127.0.0.1'
RABBIT_PORT = 5672
RABBIT_USER = 'guest'
RABBIT_PASSWORD = 'guest'
MYSQL_HOST = '127.0.0.1'
MYSQL_PORT = 3306
MYSQL_USER = 'root'
REDIS_HOST = '127.0.0.1'
REDIS_PORT = 6379
START_TIMEOUT = 60


class ServiceError(Exception):
    """RabbitMQ or MariaDB is missing or does not answer."""


def _run(*args, timeout=60):
    try:
        return subprocess.run(args, check=True, capture_output=True,
                              text=True, timeout=timeout).stdout
    except FileNotFoundError:
        raise ServiceError('%s is not installed; run '
                           'common-testing/tools/install-system-deps.sh'
                           % args[0])
    except subprocess.CalledProcessError as exc:
        raise ServiceError('%s failed: %s' % (' '.join(args),
                                              exc.stderr.strip()))
    except subprocess.TimeoutExpired:
        raise ServiceError('%s did not answer in %ds'
                           % (' '.join(args), timeout))


def _wait_listening(host, port, what):
    deadline = time.monotonic() + START_TIMEOUT
    while not net.is_listening(host, port):
        if time.monotonic() > deadline:
            raise ServiceError('%s does not listen on %s:%d after %ds'
                               % (what, host, port, START_TIMEOUT))
        time.sleep(0.5)


def ensure_rabbitmq():
    if net.is_listening(RABBIT_HOST, RABBIT_PORT):
        return False
    if not shutil.which('rabbitmq-server'):
        raise ServiceError('rabbitmq-server is not installed; run '
                           'common-testing/tools/install-system-deps.sh')
    env_prefix = ['env', 'RABBITMQ_NODE_IP_ADDRESS=127.0.0.1',
                  'ERL_EPMD_ADDRESS=127.0.0.1']
    _run(*(env_prefix + ['rabbitmq-server', '-detached']))
    _wait_listening(RABBIT_HOST, RABBIT_PORT, 'RabbitMQ')
    return True


def ensure_mariadb():
    if net.is_listening(MYSQL_HOST, MYSQL_PORT):
        return False
    daemon = shutil.which('mariadbd') or '/usr/sbin/mariadbd'
    if not shutil.which(daemon):
        raise ServiceError('mariadbd is not installed; run '
                           'common-testing/tools/install-system-deps.sh')
    _run('start-stop-daemon', '--start', '--oknodo', '--background',
         '--exec', daemon)
    _wait_listening(MYSQL_HOST, MYSQL_PORT, 'MariaDB')
    return True


def ensure_redis():
    """Redis for tooz coordination of an active/active cluster.

    Started as a throwaway cache (no persistence) on loopback if it is not
    running; install-system-deps.sh installs redis-server.
    """
    if net.is_listening(REDIS_HOST, REDIS_PORT):
        return False
    if not shutil.which('redis-server'):
        raise ServiceError('redis-server is not installed; run '
                           'common-testing/tools/install-system-deps.sh')
    work_dir = '/var/lib/redis'
    os.makedirs(work_dir, exist_ok=True)
    _run('redis-server', '--daemonize', 'yes', '--bind', REDIS_HOST,
         '--port', str(REDIS_PORT), '--save', '', '--appendonly', 'no',
         '--dir', work_dir)
    _wait_listening(REDIS_HOST, REDIS_PORT, 'Redis')
    return True


class RabbitVhost(object):
    """A RabbitMQ vhost of one run: queues of two runs never mix."""

    def __init__(self, name):
        self.name = name

    def create(self):
        _run('rabbitmqctl', 'add_vhost', self.name)
        _run('rabbitmqctl', 'set_permissions', '-p', self.name,
             RABBIT_USER, '.*', '.*', '.*')

    def drop(self):
        try:
            _run('rabbitmqctl', 'delete_vhost', self.name)
        except ServiceError as exc:
            if 'does_not_exist' not in str(exc) and 'not exist' not in str(
                    exc):
                raise

    @property
    def transport_url(self):
        return 'rabbit://%s:%s@%s:%d/%s' % (
            RABBIT_USER, RABBIT_PASSWORD, RABBIT_HOST, RABBIT_PORT,
            self.name)


class Database(object):
    """A MariaDB database of one run, and a user of its own for it.

    The admin connection is root over TCP with an empty password (as on
    these machines) or, failing that, root over the unix socket (Debian's
    default unix_socket authentication when we are root); the services
    connect over TCP as the run's own user.
    """

    SOCKETS = ('/run/mysqld/mysqld.sock', '/var/run/mysqld/mysqld.sock')

    def __init__(self, name):
        self.name = name
        self.user = name[:32]
        self.password = secrets.token_hex(12)

    def _connect(self):
        import pymysql
        try:
            return pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT,
                                   user=MYSQL_USER, password='',
                                   connect_timeout=10)
        except pymysql.err.OperationalError as exc:
            for socket_path in self.SOCKETS:
                if os.path.exists(socket_path):
                    return pymysql.connect(unix_socket=socket_path,
                                           user=MYSQL_USER,
                                           connect_timeout=10)
            raise ServiceError('cannot connect to MariaDB as %s: %s'
                               % (MYSQL_USER, exc))

    def _sql(self, *statements):
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            connection.commit()
        finally:
            connection.close()

    def create(self):
        self._sql('CREATE DATABASE `%s` CHARACTER SET utf8mb4' % self.name,
                  "CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'"
                  % (self.user, self.password),
                  "GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'127.0.0.1'"
                  % (self.name, self.user))

    def drop(self):
        self._sql('DROP DATABASE IF EXISTS `%s`' % self.name,
                  "DROP USER IF EXISTS '%s'@'127.0.0.1'" % self.user)

    @property
    def url(self):
        return 'mysql+pymysql://%s:%s@%s:%d/%s?charset=utf8mb4' % (
            self.user, self.password, MYSQL_HOST, MYSQL_PORT, self.name)
