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

"""The driver conformance suite and the adapter a vendor suite implements.

A vendor's functional tests provide an :class:`ArrayUnderTest` (how to start
its simulator, the cinder.conf section that points the driver at it, and a
view of what the array holds) and mix :class:`ConformanceTests` into a
test case (a mixin, so that the scenarios only run where a vendor named its
array)::

    class FlashArrayISCSI(conformance.ArrayUnderTest):
        storage_protocol = 'iSCSI'
        ...

    class TestFlashArrayISCSIConformance(conformance.ConformanceTests,
                                         testtools.TestCase):
        array_class = FlashArrayISCSI

Each scenario is one test: it starts the simulator, loads the driver as
cinder-volume does (driver_loader), fails on a secret in any log record
(logcheck), works with cinder Volume/Snapshot objects, attaches iSCSI
volumes for real (initiator, data) and ends by checking that the array holds
nothing cinder does not know about.

It is the one home of the behaviour every vendor shares (issue 15): cinder's
interface compliance, setup errors (an unreachable array, refused
credentials, bad option values named in the error), idempotent deletes and
no orphans after a failed or half-answered create.  Vendor suites keep only
their vendor's behaviour; a vendor states its cases through the hooks of
:class:`ArrayUnderTest` (``bad_option_values``, ``create_volume_failures``,
``error_class``, ...), each with a default that asks nothing more.
"""

import abc
from concurrent import futures
import contextlib
import os
import uuid

import ddt
import fixtures
from oslo_utils import importutils

from common_testing import data
from common_testing import driver_loader
from common_testing import faults
from common_testing import images
from common_testing import initiator
from common_testing import logcheck


class ArrayUnderTest(abc.ABC):
    """One simulated array, as the conformance suite sees it.

    The suite makes one instance per test, calls :meth:`start` first, and
    then loads the driver from :meth:`backend_options` the way cinder-volume
    loads a backend section.  Everything else is read-only observation of
    the array, used to check the driver's work independently of the driver.
    """

    #: The transport of the driver class under test: 'iSCSI' or 'FC'.
    #: iSCSI classes get a real data path (attach through tgtd); FC classes
    #: are checked against :meth:`fc_target_wwpns` and :meth:`fc_lun`.
    storage_protocol = 'iSCSI'

    #: The key of :meth:`inventory` whose names are the array's volumes
    #: (the vendor's word: 'volume', 'partition', 'allocation', ...).
    volume_kind = 'volume'

    #: Words (lower case) of which at least one must appear in the error a
    #: driver raises when the array refuses its credentials.
    credentials_error_words = ('auth', 'login', 'credential', 'password',
                               'user', 'denied', 'permission', 'session',
                               'token', '401', '403')

    #: The CI_WIKI_NAME the driver class must declare (None: any name).
    ci_wiki_name = None

    #: Option values the driver must refuse at setup, as (option, value)
    #: pairs merged over :meth:`backend_options`: do_setup or
    #: check_for_setup_error raises cinder's InvalidConfigurationValue
    #: naming the option.  Each pair is a test of its own.
    bad_option_values = ()

    #: The cinder exception class (a name in cinder.exception) the driver
    #: raises when the array cannot be reached, refuses its credentials or
    #: fails a request.
    error_class = 'CinderException'

    #: Whether the error about refused credentials names the option that
    #: holds them (a key of :meth:`refused_credentials_options`).
    credentials_error_names_option = False

    #: Faults (common_testing.faults actions) on
    #: :attr:`create_volume_request` that create_volume must report as a
    #: failure leaving nothing on the array.  Each is a test of its own.
    create_volume_failures = (faults.FAIL,)

    @abc.abstractmethod
    def start(self, test):
        """Start the simulator for ``test`` (a testtools.TestCase).

        Run it in a thread or a subprocess on an address of its own
        (common_testing.net) and register its stop with ``test.addCleanup``
        before anything can fail.  Return when it answers requests.
        """

    @abc.abstractmethod
    def backend_options(self):
        """The cinder.conf backend section as a dict of option -> value.

        Must include ``volume_driver`` (the class path of the driver class
        under test) and the vendor options that reach the simulator started
        by :meth:`start`, e.g.::

            {'volume_driver': 'pure_cinder.iscsi.PureISCSIDriver',
             'san_ip': '127.0.0.7', 'pure_api_token': '...'}

        Values are given as oslo.config would parse them (str, int, bool,
        list).  Keep retries and timeouts short: the suite tests an
        unreachable array and must not wait minutes for it.
        """

    @abc.abstractmethod
    def inventory(self):
        """What the array holds now: object kind -> set of names.

        Cover every kind the driver creates or removes, e.g.
        ``{'volume': {...}, 'snapshot': {...}, 'host': {...},
        'map': {'host1:volume-x', ...}, 'lun': {...}}``; the suite takes one
        inventory after :meth:`start` and requires the array to be back to
        it after each scenario deleted what it created (no orphans).  Must
        contain :attr:`volume_kind`.  Read the simulator's state directly
        (or its control interface), not through the driver.
        """

    @abc.abstractmethod
    def pools(self):
        """The pools the driver should report, as the simulator sees them.

        A list of dicts with ``name`` (the pool_name the driver reports;
        for a driver reporting no pools, the volume_backend_name),
        ``total_capacity_gb`` and ``free_capacity_gb``.  The suite compares
        them with the driver's get_volume_stats(refresh=True) within 1 GiB.
        """

    @abc.abstractmethod
    def make_unreachable(self):
        """Make the array stop answering (stop it, or close its port).

        Afterwards a driver loaded from :meth:`backend_options` must fail
        do_setup, check_for_setup_error or get_volume_stats with a clear
        error instead of hanging.
        """

    @abc.abstractmethod
    def refused_credentials_options(self):
        """Option overrides with credentials the array refuses.

        E.g. ``{'san_password': 'wrong'}``; merged over
        :meth:`backend_options`.  The driver must fail setup or the first
        request with an error naming the authentication problem (see
        :attr:`credentials_error_words`) and never log the secret.
        """

    @abc.abstractmethod
    def secrets(self):
        """Every secret in :meth:`backend_options` (passwords, tokens).

        The suite fails any test in which one of them appears in a log
        record (common_testing.logcheck).
        """

    @abc.abstractmethod
    def inject_fault(self, rule):
        """Install a common_testing.faults.FaultRule in the simulator's plan.

        In process: ``self.plan.add(rule)``; for a subprocess, send
        ``rule.to_dict()`` over the simulator's control interface.
        """

    @property
    @abc.abstractmethod
    def create_volume_request(self):
        """A regex matching the key of the request that creates a volume.

        The suite injects faults on it (fail, and apply-then-lose-the-
        response) and checks that no orphan volume is left behind.
        """

    def address(self):
        """The host (or URL) the driver talks to.

        Errors about an unreachable array must name it.  Defaults to the
        ``san_ip`` option; override otherwise.
        """
        return self.backend_options().get('san_ip')

    def fc_target_wwpns(self):
        """FC classes only: the set of the array's target port WWPNs.

        Lower case hex without separators, as cinder's FC connection info
        carries them ('21000024ff000001').
        """
        raise NotImplementedError('fc_target_wwpns is needed for FC arrays')

    def fc_lun(self, volume, initiator_wwpns):
        """FC classes only: the LUN the array maps ``volume`` at.

        ``volume`` is the cinder Volume object; ``initiator_wwpns`` the
        connector's WWPNs.  Return None when the array does not present the
        volume to a host holding those initiators.
        """
        raise NotImplementedError('fc_lun is needed for FC arrays')


# -- the suite -------------------------------------------------------------

GiB = 1024 ** 3
BACKEND_NAME = 'conformance'
CONNECTOR_HOST = 'conformance-host'
# The initiator names the suite connects as are this test process's own, so
# parallel workers never share host objects on an array.
INITIATOR_WWPNS = ['10000090fa%06x' % (os.getpid() & 0xffffff),
                   '10000090fb%06x' % (os.getpid() & 0xffffff)]
INITIATOR_WWNNS = ['20000090fa%06x' % (os.getpid() & 0xffffff)]

#: Keys cinder's scheduler and the driver checklist need in every report.
REQUIRED_STATS = ('volume_backend_name', 'vendor_name', 'driver_version',
                  'storage_protocol')


def cinder_option_names():
    """The names of the options cinder itself gives every backend section.

    cinder-volume, the generic driver code and the san base class read
    them; a driver declares only its own (get_driver_options).
    """
    from cinder.volume import driver
    from cinder.volume.drivers.san import san
    from cinder.volume import manager
    groups = (driver.volume_opts, driver.iser_opts, driver.nvmeof_opts,
              driver.nvmet_opts, driver.scst_opts, driver.backup_opts,
              driver.image_opts, driver.fqdn_opts,
              manager.volume_manager_opts, manager.volume_backend_opts,
              san.san_opts)
    return {opt.name for group in groups for opt in group}


def apply_model_update(obj, update):
    """Set what a driver's model update returns, as the manager would."""
    for key, value in (update or {}).items():
        if key in obj.fields:
            setattr(obj, key, value)


# Built with every field a driver may read set, so that nothing is lazily
# loaded from a database the suite does not have.  (cinder.tests.unit's
# fakes would do, but importing that package monkey-patches the process
# with eventlet.)
def volume_object(context, size, host, **fields):
    """A cinder Volume object as the manager hands it to a driver."""
    from cinder import objects
    values = dict(
        id=str(uuid.uuid4()), _name_id=None, size=size, host=host,
        status='creating', attach_status='detached',
        display_name='conformance', display_description=None,
        project_id=context.project_id or 'conformance',
        user_id=context.user_id or 'conformance', volume_type_id=None,
        volume_type=None, provider_location=None,
        provider_auth=None, provider_id=None, multiattach=False,
        encryption_key_id=None, metadata={}, admin_metadata={},
        glance_metadata={}, bootable=False, source_volid=None,
        snapshot_id=None, consistencygroup_id=None, consistencygroup=None,
        group_id=None, group=None, replication_status=None,
        availability_zone='nova', migration_status=None,
        previous_status=None, use_quota=True, shared_targets=False,
        cluster_name=None,
        volume_attachment=objects.VolumeAttachmentList(objects=[]))
    values.update(fields)
    return objects.Volume(context=context, **values)


def snapshot_object(context, volume, **fields):
    """A cinder Snapshot object of ``volume``."""
    from cinder import objects
    values = dict(
        id=str(uuid.uuid4()), volume=volume, volume_id=volume.id,
        volume_size=volume.size, volume_type_id=volume.volume_type_id,
        status='creating', display_name='conformance',
        display_description=None,
        project_id=context.project_id or 'conformance',
        user_id=context.user_id or 'conformance', provider_location=None,
        provider_id=None,
        provider_auth=None, metadata={}, encryption_key_id=None,
        cgsnapshot_id=None, group_snapshot_id=None, progress=None,
        use_quota=True)
    values.update(fields)
    return objects.Snapshot(context=context, **values)


@ddt.ddt
class ConformanceTests:
    """The driver conformance scenarios; mix into a testtools.TestCase.

    ``array_class`` is the vendor's ArrayUnderTest subclass.  Every scenario
    starts the simulator, loads the driver from its backend options as
    cinder-volume does, fails on any secret in the logs, and ends by
    deleting what it created through the driver and checking the array is
    back to the inventory it had before (no orphans).
    """

    array_class = None

    #: Extra specs of the volume type every volume of the suite has.
    volume_type_extra_specs = {}

    #: Scenarios that need cinder's own attach through os-brick, which has
    #: a data path here only for iSCSI.
    DATA_PATH_ONLY = ('test_copy_image_to_volume', 'test_copy_volume_to_image')

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # FC classes: no image copy scenarios (a None attribute is not
        # collected as a test).
        array_class = getattr(cls, 'array_class', None)
        if array_class is None:
            return
        if array_class.storage_protocol == 'FC':
            for name in dir(cls):
                if name.startswith(cls.DATA_PATH_ONLY):
                    setattr(cls, name, None)
        # One test per case the vendor's array names (ddt needs its data
        # when this module is read; these come with the subclass).
        for index, (option, value) in enumerate(
                array_class.bad_option_values, 1):
            cls._add_case('test_bad_option_value_is_named_%d_%s'
                          % (index, option),
                          cls._check_bad_option_value, option, value)
        for action in array_class.create_volume_failures:
            cls._add_case('test_failed_create_leaves_no_orphan_%s' % action,
                          cls._check_failed_create, action)

    @classmethod
    def _add_case(cls, name, check, *args):
        def test(self):
            check(self, *args)
        test.__name__ = name
        test.__doc__ = check.__doc__
        setattr(cls, name, test)

    def setUp(self):
        super().setUp()
        from cinder import objects
        objects.register_all()
        # The suite has no database: saving an object is a no-op, as if
        # the manager had saved it.
        for cls in (objects.Volume, objects.Snapshot):
            self.useFixture(fixtures.MockPatchObject(cls, 'save'))
        self._written = {}
        self._install_volume_type()
        self.array = self.array_class()
        self.array.start(self)
        if self.array.storage_protocol != 'FC':
            # Also makes cinder's own image copies attach through it; its
            # sessions end (cleanup) before the array stops.
            self.iscsi = self.useFixture(
                initiator.UserSpaceISCSIForOsBrick())
        self.logs = self.useFixture(
            logcheck.SecretsNotLogged(self.array.secrets()))
        self.baseline = self.array.inventory()
        self.check_leftovers = True
        # Runs after every object of the scenario was deleted (cleanups
        # are last in, first out).
        self.addCleanup(self._assert_no_leftovers)

    def _install_volume_type(self):
        """One volume type, answered without a database."""
        from cinder.volume import volume_types
        type_id = str(uuid.uuid4())
        self.volume_type_dict = {
            'id': type_id, 'name': 'conformance', 'description': None,
            'is_public': True, 'qos_specs_id': None, 'deleted': False,
            'extra_specs': dict(self.volume_type_extra_specs)}

        def get_volume_type(ctxt, id, expected_fields=None):
            if id != type_id:
                raise AssertionError('unknown volume type %s' % id)
            return dict(self.volume_type_dict)

        def get_extra_specs(volume_type_id, key=False):
            specs = get_volume_type(None, volume_type_id)['extra_specs']
            return specs.get(key, False) if key else specs

        for name, fake in (
                ('get_volume_type', get_volume_type),
                ('get_volume_type_extra_specs', get_extra_specs),
                ('get_volume_type_qos_specs',
                 lambda volume_type_id: {'qos_specs': None})):
            self.useFixture(fixtures.MockPatchObject(volume_types, name,
                                                     fake))

    def volume_type(self):
        from cinder import objects
        values = dict(self.volume_type_dict)
        values.pop('deleted')
        return objects.VolumeType(context=self.context, qos_specs=None,
                                  projects=[], **values)

    # -- helpers for scenarios ---------------------------------------------

    def load_driver(self, setup=True, **overrides):
        options = dict(self.array.backend_options())
        options.setdefault('volume_backend_name', BACKEND_NAME)
        options.update(overrides)
        return self.useFixture(driver_loader.LoadedDriver(
            options, backend_name=BACKEND_NAME, setup=setup,
            hostname=CONNECTOR_HOST))

    @property
    def driver(self):
        if not hasattr(self, '_loaded'):
            self._loaded = self.load_driver()
        return self._loaded.driver

    @property
    def context(self):
        self.driver   # noqa: the context comes with the loaded driver
        return self._loaded.context

    def _pool_host(self):
        stats = self.driver.get_volume_stats(refresh=False) or {}
        pools = stats.get('pools') or [{}]
        pool = pools[0].get('pool_name') or stats.get('volume_backend_name')
        return '%s#%s' % (self._loaded.host, pool)

    def new_volume(self, size=1):
        """A cinder Volume object the array does not know yet."""
        volume_type = self.volume_type()
        return volume_object(self.context, size, self._pool_host(),
                             volume_type=volume_type,
                             volume_type_id=volume_type.id)

    def _created(self, volume, create):
        self.addCleanup(self.driver.delete_volume, volume)
        apply_model_update(volume, create())
        volume.status = 'available'
        return volume

    def create_volume(self, size=1):
        volume = self.new_volume(size)
        return self._created(volume, lambda: self.driver.create_volume(
            volume))

    def create_snapshot(self, volume):
        snapshot = snapshot_object(self.context, volume)
        self.addCleanup(self.driver.delete_snapshot, snapshot)
        apply_model_update(snapshot, self.driver.create_snapshot(snapshot))
        snapshot.status = 'available'
        return snapshot

    def create_from_snapshot(self, snapshot, size):
        volume = self.new_volume(size)
        return self._created(volume, lambda: (
            self.driver.create_volume_from_snapshot(volume, snapshot)))

    def create_clone(self, source, size):
        volume = self.new_volume(size)
        volume.source_volid = source.id
        return self._created(volume, lambda: (
            self.driver.create_cloned_volume(volume, source)))

    def connector(self):
        properties = {'initiator': initiator.initiator_name(),
                      'host': CONNECTOR_HOST,
                      'ip': '127.0.0.1', 'platform': 'x86_64',
                      'os_type': 'linux', 'multipath': False,
                      'do_local_attach': False}
        if self.array.storage_protocol == 'FC':
            properties.update(wwpns=list(INITIATOR_WWPNS),
                              wwnns=list(INITIATOR_WWNNS))
        return properties

    def connect(self, volume):
        """create_export + initialize_connection, as an attachment does."""
        connector = self.connector()
        apply_model_update(volume, self.driver.create_export(
            self.context, volume, connector))
        self.addCleanup(self.disconnect, volume, connector)
        info = self.driver.initialize_connection(volume, connector)
        self.assertIn('driver_volume_type', info)
        self.assertIn('data', info)
        return info

    def disconnect(self, volume, connector):
        self.driver.terminate_connection(volume, connector)
        self.driver.remove_export(self.context, volume)

    def _assert_no_leftovers(self):
        if not self.check_leftovers:
            return
        now = self.array.inventory()
        extra = {kind: sorted(now.get(kind, set()) - names)
                 for kind, names in self.baseline.items()}
        extra.update({kind: sorted(names) for kind, names in now.items()
                      if kind not in self.baseline})
        extra = {kind: names for kind, names in extra.items() if names}
        if extra:
            raise self.failureException(
                'objects left on the array that cinder does not know '
                'about after the scenario: %s' % extra)

    def array_volumes(self):
        return self.array.inventory()[self.array.volume_kind]

    # -- the data path ---------------------------------------------------

    @contextlib.contextmanager
    def attached(self, volume):
        """Connect ``volume`` and yield a local path to its data.

        FC classes have no data path here: their connection info is checked
        against the array's ports and maps, and None is yielded.
        """
        connector = self.connector()
        info = self.connect(volume)
        try:
            if self.array.storage_protocol == 'FC':
                self.assert_fc_connection(volume, info, connector)
                yield None
            else:
                self.assertEqual('iscsi', info['driver_volume_type'])
                with self.local_attach(info) as path:
                    yield path
        finally:
            self.disconnect(volume, connector)

    @contextlib.contextmanager
    def local_attach(self, connection_info):
        """A local file path backed by the iSCSI LUN of connection_info."""
        attachment = self.iscsi.initiator.attach(connection_info)
        try:
            yield attachment.path
        finally:
            self.iscsi.initiator.detach(attachment.path)

    def assert_fc_connection(self, volume, info, connector):
        self.assertEqual('fibre_channel', info['driver_volume_type'])
        data = info['data']
        ports = {port.lower() for port in self.array.fc_target_wwpns()}
        target_wwns = data['target_wwn']
        if isinstance(target_wwns, str):
            target_wwns = [target_wwns]
        target_wwns = [wwn.lower() for wwn in target_wwns]
        self.assertTrue(target_wwns, 'no target_wwn in %s' % data)
        self.assertEqual(set(), set(target_wwns) - set(ports),
                         'target_wwn not among the array ports %s' % ports)
        self.assertEqual(self.array.fc_lun(volume, connector['wwpns']),
                         data['target_lun'],
                         'target_lun differs from the LUN the array maps '
                         '%s at' % volume.name)
        for initiator_wwpn, targets in (
                data.get('initiator_target_map') or {}).items():
            self.assertIn(initiator_wwpn.lower(), connector['wwpns'])
            self.assertEqual(set(), {t.lower() for t in targets} - ports)

    def write_pattern(self, volume, seed):
        """Write the pattern of ``seed`` through an attachment."""
        with self.attached(volume) as path:
            if path is not None:
                self._written[seed] = data.write_pattern(path, seed)

    def assert_pattern(self, volume, seed, size_gb=None):
        """The pattern of ``seed`` reads back; the disk has ``size_gb``."""
        with self.attached(volume) as path:
            if path is not None:
                data.check_pattern(path, seed, offsets=self._written[seed])
                if size_gb is not None:
                    self.assertEqual(size_gb * GiB, os.path.getsize(path))

    # -- scenarios -----------------------------------------------------

    def test_create_and_delete_volume(self):
        before = self.array_volumes()
        volume = self.create_volume()
        self.assertEqual(1, len(self.array_volumes() - before))
        self.driver.delete_volume(volume)
        self.assertEqual(before, self.array_volumes())

    def test_attach_write_detach(self):
        volume = self.create_volume()
        self.write_pattern(volume, 'attach')
        self.assert_pattern(volume, 'attach', size_gb=1)

    def test_snapshot_create_and_delete(self):
        volume = self.create_volume()
        before = self.array.inventory()
        snapshot = self.create_snapshot(volume)
        self.assertNotEqual(before, self.array.inventory())
        self.driver.delete_snapshot(snapshot)
        self.assertEqual(before, self.array.inventory())

    @ddt.data(1, 2)
    def test_volume_from_snapshot_has_the_snapshot_data(self, size_gb):
        source = self.create_volume()
        self.write_pattern(source, 'before-snapshot')
        snapshot = self.create_snapshot(source)
        # A later write to the source must not reach the snapshot.
        self.write_pattern(source, 'after-snapshot')
        volume = self.create_from_snapshot(snapshot, size_gb)
        self.assert_pattern(volume, 'before-snapshot', size_gb=size_gb)

    @ddt.data(1, 2)
    def test_clone_has_the_source_data(self, size_gb):
        source = self.create_volume()
        self.write_pattern(source, 'clone-source')
        clone = self.create_clone(source, size_gb)
        self.assert_pattern(clone, 'clone-source', size_gb=size_gb)
        self.driver.delete_volume(source)
        self.assert_pattern(clone, 'clone-source')

    def test_extend_keeps_data_and_grows(self):
        volume = self.create_volume()
        self.write_pattern(volume, 'extend')
        self.driver.extend_volume(volume, 2)
        volume.size = 2
        self.assert_pattern(volume, 'extend', size_gb=2)

    def test_concurrent_creates_and_deletes(self):
        # cinder-volume runs driver calls in parallel threads.
        volumes = [self.new_volume() for _ in range(4)]
        before = self.array_volumes()
        for volume in volumes:
            self.addCleanup(self.driver.delete_volume, volume)
        with futures.ThreadPoolExecutor(len(volumes)) as pool:
            list(pool.map(self.driver.create_volume, volumes))
        self.assertEqual(len(volumes), len(self.array_volumes() - before))
        with futures.ThreadPoolExecutor(len(volumes)) as pool:
            list(pool.map(self.driver.delete_volume, volumes))
        self.assertEqual(before, self.array_volumes())

    @ddt.data('volume', 'snapshot', 'unknown-volume', 'unknown-snapshot')
    def test_delete_of_an_object_already_gone_succeeds(self, kind):
        # cinder retries a delete whose first attempt it did not see end,
        # and deletes objects whose create failed before reaching the
        # array: both must succeed and change nothing.
        before = self.array.inventory()
        if kind == 'unknown-volume':
            self.driver.delete_volume(self.new_volume())
        elif kind == 'unknown-snapshot':
            volume = self.create_volume()
            before = self.array.inventory()
            self.driver.delete_snapshot(snapshot_object(self.context,
                                                        volume))
        elif kind == 'snapshot':
            volume = self.create_volume()
            before = self.array.inventory()
            snapshot = self.create_snapshot(volume)
            self.driver.delete_snapshot(snapshot)
            self.driver.delete_snapshot(snapshot)
        else:
            volume = self.create_volume()
            self.driver.delete_volume(volume)
            self.driver.delete_volume(volume)
        self.assertEqual(before, self.array.inventory())

    def test_interface_compliance(self):
        # What cinder's own compliance test (cinder/tests/compliance) and
        # its driver list require of an in-tree driver, for our class.
        from cinder.interface import util
        from cinder.interface import volume_driver
        path = self.array.backend_options()['volume_driver']
        importutils.import_class(path)
        registered = [info for info in util.get_volume_drivers()
                      if info.class_fqn == path]
        self.assertEqual(1, len(registered),
                         '%s is not registered with '
                         '@interface.volumedriver' % path)
        info = registered[0]
        self.assertTrue(issubclass(info.cls, volume_driver.VolumeDriverCore),
                        '%s lacks methods of VolumeDriverCore' % path)
        self.assertTrue(info.version, 'no VERSION')
        self.assertTrue(info.ci_wiki_name, 'no CI_WIKI_NAME')
        if self.array.ci_wiki_name is not None:
            self.assertEqual(self.array.ci_wiki_name, info.ci_wiki_name)
        self.assertEqual(info.version, self.driver.get_volume_stats(
            refresh=True)['driver_version'])
        # Every option of the backend section is the driver's own
        # (declared, so that cinder's sample config and option lists show
        # it) or one cinder gives every backend.
        declared = {opt.name for opt in info.driver_options}
        self.assertEqual(set(), set(self.array.backend_options()) -
                         declared - cinder_option_names(),
                         'options of the backend section that %s does '
                         'not declare in get_driver_options' % path)

    def test_stats_match_the_array_pools(self):
        stats = self.driver.get_volume_stats(refresh=True)
        for key in REQUIRED_STATS:
            self.assertTrue(stats.get(key), 'stats lack %s: %s'
                            % (key, stats))
        self.assertEqual(BACKEND_NAME, stats['volume_backend_name'])
        self.assertEqual(self.array.storage_protocol,
                         stats['storage_protocol'])
        reported = {pool.get('pool_name', stats['volume_backend_name']): pool
                    for pool in stats.get('pools') or [stats]}
        expected = {pool['name']: pool for pool in self.array.pools()}
        self.assertEqual(sorted(expected), sorted(reported))
        for name, pool in expected.items():
            for key in ('total_capacity_gb', 'free_capacity_gb'):
                self.assertAlmostEqual(
                    float(pool[key]), float(reported[name][key]), delta=1.0,
                    msg='pool %s %s' % (name, key))

    def _assert_setup_fails(self, overrides=None):
        """The driver fails setup or its first stats; returns the error."""
        loaded = self.load_driver(setup=False, **(overrides or {}))
        error = None
        try:
            loaded.init_host()
            loaded.driver.get_volume_stats(refresh=True)
        except Exception as caught:
            error = caught
        self.assertIsNotNone(error, 'the driver did not report the fault')
        return error

    def _check_bad_option_value(self, option, value):
        """A bad option value fails setup with an error naming it."""
        loaded = self.load_driver(setup=False, **{option: value})
        from cinder import exception
        error = self.assertRaises(exception.InvalidConfigurationValue,
                                  loaded.init_host)
        self.assertIn(option, str(error))

    def test_unreachable_array_gives_a_clear_error(self):
        from cinder import exception
        self.check_leftovers = False   # nothing to look at any more
        self.array.make_unreachable()
        error = self._assert_setup_fails()
        self.assertIsInstance(error, getattr(exception,
                                             self.array.error_class))
        address = self.array.address()
        if address:
            self.assertIn(str(address), str(error))

    def test_refused_credentials_give_a_clear_error(self):
        from cinder import exception
        overrides = self.array.refused_credentials_options()
        for value in overrides.values():
            if isinstance(value, str):
                self.logs.add_secret(value)
        error = self._assert_setup_fails(overrides)
        self.assertIsInstance(error, getattr(exception,
                                             self.array.error_class))
        text = str(error).lower()
        self.assertTrue(
            any(word in text for word in self.array.credentials_error_words),
            'error does not say the credentials were refused: %s' % error)
        if self.array.credentials_error_names_option:
            self.assertTrue(any(option in str(error) for option in overrides),
                            'error names none of %s: %s'
                            % (sorted(overrides), error))

    @ddt.data('raw', 'qcow2')
    def test_copy_image_to_volume(self, disk_format):
        image_service = self.useFixture(images.LocalImages()).service
        content = data.pattern('image', 0, 3 * 1024 * 1024)
        image = image_service.add_image(content, disk_format=disk_format)
        volume = self.create_volume()
        self.driver.copy_image_to_volume(self.context, volume, image_service,
                                         image['id'])
        with self.attached(volume) as path:
            if path is not None:
                with open(path, 'rb') as disk:
                    self.assertEqual(data.digest(content),
                                     data.digest(disk.read(len(content))))

    def test_copy_volume_to_image(self):
        image_service = self.useFixture(images.LocalImages()).service
        volume = self.create_volume()
        self.write_pattern(volume, 'to-image')
        image = image_service.create(self.context, {
            'name': 'conformance', 'disk_format': 'raw',
            'container_format': 'bare'})
        self.driver.copy_volume_to_image(self.context, volume, image_service,
                                         image)
        meta = image_service.show(self.context, image['id'])
        self.assertEqual('active', meta['status'])
        if self.array.storage_protocol != 'FC':
            data.check_pattern(image_service.path(image['id']), 'to-image',
                               offsets=self._written['to-image'])

    def _check_failed_create(self, action):
        """A create that fails on the array leaves nothing there."""
        self.driver   # noqa: set up before the fault is armed
        before = self.array_volumes()
        self.array.inject_fault(faults.FaultRule(
            self.array.create_volume_request, action))
        volume = self.new_volume()
        # cinder puts the volume in error and deletes it later; nothing may
        # remain meanwhile.
        from cinder import exception
        self.assertRaises(getattr(exception, self.array.error_class),
                          self.driver.create_volume, volume)
        self.assertEqual(before, self.array_volumes())

    def test_lost_create_reply_gives_one_volume(self):
        # The array made the volume but its reply was lost: the driver
        # finds it and succeeds, so the volume cinder deletes later is the
        # one on the array (the leftover check proves it went).
        self.driver   # noqa: set up before the fault is armed
        before = self.array_volumes()
        self.array.inject_fault(faults.FaultRule(
            self.array.create_volume_request, faults.LOSE_RESPONSE))
        self.create_volume()
        self.assertEqual(1, len(self.array_volumes() - before))
