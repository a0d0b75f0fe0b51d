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
view of what the array holds) and subclass :class:`DriverConformanceTest`::

    class FlashArraySimulator(conformance.ArrayUnderTest):
        storage_protocol = 'iSCSI'
        ...

    class TestFlashArrayISCSIConformance(conformance.DriverConformanceTest):
        array_class = FlashArraySimulator
"""

import abc


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
