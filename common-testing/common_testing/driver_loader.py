#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Load a volume driver from a cinder.conf backend section, as cinder does.

cinder-volume (VolumeManager.__init__ and init_host) does, for a backend
section ``[name]`` listed in ``enabled_backends``:

1. ``Configuration(volume_backend_opts, config_group=name)``: the manager's
   options are registered in ``[name]`` (default None) and in the shared
   ``[backend_defaults]`` group, a lookup falls back from one to the other;
2. ``importutils.import_object(volume_driver, configuration=..., host=...,
   cluster_name=..., is_vol_db_empty=..., active_backend_id=...)``; the
   driver registers its own options through ``append_config_values``, and
   they take the values of the section that the config file already held;
3. ``do_setup(ctxt)``, ``check_for_setup_error()``, ``init_capabilities()``
   and ``set_initialized()``.

:class:`LoadedDriver` does exactly that on cinder's global ``CONF`` (drivers
read both ``CONF`` and ``configuration``), with the section given as a dict
loaded like the text of a config file, and undoes it when the test ends:
overrides, parsed values and the options registered in the backend group.
"""

import os

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
from oslo_utils import importutils

CONF = cfg.CONF
SHARED_CONF_GROUP = 'backend_defaults'


def raw_value(value):
    """The text a cinder.conf would hold for this Python value."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple, set)):
        return ','.join(raw_value(item) for item in value)
    if isinstance(value, dict):
        return ','.join('%s:%s' % (key, raw_value(item))
                        for key, item in value.items())
    if value is None:
        return ''
    return str(value)


def _cinder_modules():
    # Imported late: importing cinder registers its options on CONF, which
    # must happen before a test's fixture takes a snapshot of it.
    from cinder import context
    from cinder import coordination
    from cinder import objects
    objects.register_all()   # before the manager module, which uses them
    from cinder.volume import configuration
    from cinder.volume import manager
    return context, coordination, configuration, manager


class LoadedDriver(fixtures.Fixture):
    """A driver loaded from ``options`` the way cinder-volume loads it.

    ``options`` is the backend section (``volume_driver`` = class path plus
    the vendor's options); ``shared_options`` go to ``[backend_defaults]``
    and ``default_options`` to ``[DEFAULT]``.  With ``setup=True`` (the
    default) the driver is set up as init_host does; otherwise call
    :meth:`init_host` (e.g. to assert on the error it raises).

    Attributes: ``driver``, ``configuration``, ``backend_name``, ``host``
    (``<host>@<backend>``, what the driver gets), ``context`` (an admin
    RequestContext).
    """

    def __init__(self, options, backend_name='conformance', setup=True,
                 shared_options=None, default_options=None,
                 hostname='conformance-host'):
        super().__init__()
        if 'volume_driver' not in options:
            raise ValueError('backend options must name the driver class '
                             'in volume_driver')
        self.options = dict(options)
        self.backend_name = backend_name
        self.setup_driver = setup
        self.shared_options = dict(shared_options or {})
        self.default_options = dict(default_options or {})
        self.host = '%s@%s' % (hostname, backend_name)
        self.driver = None
        self.configuration = None

    def _setUp(self):
        context, coordination, configuration, manager = _cinder_modules()
        self._configuration_module = configuration
        # Registered first so it runs last, after the conf was reset
        # (oslo.config refuses to unregister options from a parsed conf).
        self.addCleanup(self._unregister_backend_group_opts)
        conf_fixture = self.useFixture(config_fixture.Config(CONF))
        if not CONF._namespace:
            # No config file of the machine's must leak into the test.
            CONF(args=[], project='cinder', default_config_files=[],
                 default_config_dirs=[])
        state_path = self.useFixture(fixtures.TempDir()).path

        conf_fixture.load_raw_values(
            group=None, enabled_backends=self.backend_name,
            state_path=state_path, host=self.host.split('@')[0],
            **{k: raw_value(v) for k, v in self.default_options.items()})
        conf_fixture.load_raw_values(
            group=self.backend_name,
            **{k: raw_value(v) for k, v in self.options.items()})
        if self.shared_options:
            conf_fixture.load_raw_values(
                group=SHARED_CONF_GROUP,
                **{k: raw_value(v) for k, v in self.shared_options.items()})
        conf_fixture.config(group='oslo_concurrency',
                            lock_path=os.path.join(state_path, 'locks'))
        conf_fixture.config(group='coordination',
                            backend_url='file://' + state_path)

        # Drivers decorated with coordination.synchronized need it running.
        coordination.COORDINATOR.start()
        self.addCleanup(coordination.COORDINATOR.stop)

        self.context = context.get_admin_context()
        self.configuration = configuration.Configuration(
            manager.volume_backend_opts, config_group=self.backend_name)
        self.driver = importutils.import_object(
            self.configuration.volume_driver,
            configuration=self.configuration,
            host=self.host,
            cluster_name=None,
            is_vol_db_empty=True,
            active_backend_id=None)
        if self.setup_driver:
            self.init_host()

    def init_host(self):
        """do_setup, check_for_setup_error and capabilities, as init_host."""
        self.driver.do_setup(self.context)
        self.driver.check_for_setup_error()
        self.driver.init_capabilities()
        self.driver.set_throttle()
        self.driver.set_initialized()

    def _unregister_backend_group_opts(self):
        # The shared group keeps its options: driver modules register some
        # there at import time, and are not imported again.
        if self.backend_name not in CONF._groups:
            return
        opts = [info['opt'] for info in CONF._groups[
            self.backend_name]._opts.values()]
        CONF.unregister_opts(opts, group=self.backend_name)
