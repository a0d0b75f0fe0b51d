# Copyright 2026 Cinder backends team
#
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

"""Switching an ISE from cinder's former X-IO driver to ours.

cinder's ``cinder/volume/drivers/xio.py`` (1.1.4, Kilo to Pike, last
changed in openstack/cinder 1f62a411f4c2, removed in 9c7c24127) cannot run
here (Python 2, urllib2), so :class:`FormerDriverRequests` sends the
requests it sent, as facts read from its source: the paths, methods,
parameters and order of steps; unencoded ``k=v&...`` parameters, in the
query string for GET and PUT and as the body of a POST; every request
labelled ``application/xml; charset=utf-8`` with HTTP Basic auth.  The one
departure is the port: it always used 80/443, the simulator listens on a
free port.

What that driver left: ISE volumes named ``volume-<id>`` (cinder's
``volume.name``), snapshots and clones as ISE copies named
``snapshot-<id>`` / ``volume-<id>``, a clone larger than its source left at
the source's size, ISE hosts of type OPENSTACK named after the connector's
host with its IQN or all its WWPNs as endpoints, allocations whose LUN the
ISE chose.  In cinder's database: no provider_location or provider_id,
``provider_auth`` ``CHAP <user> <secret>`` (or empty) on iSCSI volumes it
created, nothing on clones and FC volumes, and hosts ``<host>@<backend>#1``
(it reported each pool under its ISE id).
"""

import base64
import logging
import time
import urllib.error
import urllib.request

from cinder import context as cinder_context
from cinder import objects
from common_testing import driver_loader
from common_testing import logcheck
from common_testing import tgt
from defusedxml import ElementTree
import fixtures as fixtures_lib

from xio_cinder.tests import base as test_base
from xio_cinder.tests.functional import fixtures
from xio_cinder.tests.functional import test_driver

INITIATOR = test_driver.INITIATOR
WWPNS = test_driver.WWPNS
ISCSI_CONNECTOR = {'host': 'compute-1', 'initiator': INITIATOR,
                   'multipath': False}
FC_CONNECTOR = {'host': 'compute-2', 'wwpns': WWPNS,
                'wwnns': ['20000024ff000001']}
# The pool as cinder knew it from the former driver: the ISE pool id.
LEGACY_HOST = 'cinder@ise#1'


class FormerDriverRequests:
    """The ISE requests of cinder's former X-IO driver 1.1.4, step by step.

    Each step asserts the status the former driver required, so a request
    the simulator refuses fails here, naming the request.
    """

    POLL = 0.05
    POLLS = 400

    def __init__(self, test, base_url, login, password):
        self.test = test
        self.base_url = base_url
        token = base64.b64encode(('%s:%s' % (login, password)).encode())
        self.headers = {'Content-Type': 'application/xml; charset=utf-8',
                        'Authorization': 'Basic %s' % token.decode()}
        self.globalid = None

    # -- transport -----------------------------------------------------------

    def send(self, method, url, params=()):
        """One request; returns (status, XML root or None, location)."""
        # Empty values are left out and nothing is URL-encoded.
        text = '&'.join('%s=%s' % (k, v) for k, v in params if v != '')
        if not url.startswith('http'):
            url = self.base_url + url
        if method in ('GET', 'PUT') and text:
            url += '?' + text
        body = text if method == 'POST' else ''
        request = urllib.request.Request(url, data=body.encode(),
                                         headers=self.headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                status, content = reply.status, reply.read()
                location = reply.headers.get('Content-Location', '')
        except urllib.error.HTTPError as err:
            status, content, location = err.code, err.read(), ''
        root = ElementTree.fromstring(content) if content else None
        return status, root, location

    def expect(self, wanted, method, url, params=()):
        status, root, location = self.send(method, url, params)
        self.test.assertIn(status, wanted, '%s %s %s -> %s %s' % (
            method, url, params, status,
            root.text if root is not None else ''))
        return root, location

    def array(self, collection):
        return '/storage/arrays/%s/%s' % (self.globalid, collection)

    # -- steps ---------------------------------------------------------------

    def query(self):
        root, _loc = self.expect((200,), 'GET', '/query')
        codes = {c.get('value') for c in root.find('capabilities')}
        self.test.assertIn('49006', codes)    # required, or it refused
        self.test.assertIsNotNone(root.find('controllers'))
        self.globalid = root.find('globalid').text

    def volume_info(self, name):
        status, root, _loc = self.send('GET', self.array('volumes'),
                                       [('name', name)])
        node = root.find('volume') if status == 200 else None
        if node is None:
            return {'string': 'NOT FOUND', 'details': '', 'value': '',
                    'location': ''}
        state = node.find('status')
        detail = state.find('details/detail')
        return {'string': state.get('string').upper(),
                'value': state.get('value'),
                'details': (detail.text or '').upper()
                if detail is not None else '',
                'location': node.get('self')}

    def wait_for(self, name, wanted):
        for _poll in range(self.POLLS):
            info = self.volume_info(name)
            if wanted in info['string'] or wanted in info['details']:
                return info
            time.sleep(self.POLL)
        self.test.fail('%s never became %s' % (name, wanted))

    def create_volume(self, name, size, pool=1, raid=1):
        self.expect((201,), 'POST', self.array('volumes'), [
            ('name', name), ('size', size), ('pool', pool),
            ('redundancy', raid), ('affinity', ''), ('alloctype', ''),
            ('IOPSmin', ''), ('IOPSmax', ''), ('IOPSburst', '')])
        self.wait_for(name, 'OPERATIONAL')

    def copy(self, source_name, name, kind):
        """Snapshot (kind 'snapshot') or clone ('clone') of a volume."""
        source = self.wait_for(source_name, 'OPERATIONAL')
        self.test.assertEqual('0', source['value'])
        params = [('name', name), ('type', kind), ('affinity', ''),
                  ('IOPSmin', ''), ('IOPSmax', ''), ('IOPSburst', '')]
        for _poll in range(self.POLLS):
            status, root, _loc = self.send('POST', source['location'],
                                           params)
            # "Not in a valid state" was retried, anything else fatal.
            if not (status == 400 and 'VALID' in root.text.upper()):
                break
            time.sleep(self.POLL)
        self.test.assertEqual(202, status, root)
        prepared = self.wait_for(name, 'PREPARED')
        self.expect((201,), 'PUT', prepared['location'], [(kind, 'true')])
        self.wait_for(name, 'OPERATIONAL')

    def find_host(self, endpoint):
        root, _loc = self.expect((200,), 'GET', self.array('hosts'))
        for host in root.iter('host'):
            for gid in host.findall('endpoints/endpoint/globalid'):
                if gid.text.upper() == endpoint.upper():
                    return {'name': host.find('name').text,
                            'type': host.find('type').text,
                            'locator': host.get('self')}
        return None

    def present(self, volume_name, host_name, endpoints):
        """Attach: find or create the host, then allocate; the LUN."""
        host = self.find_host(endpoints[0])
        if host is None:
            self.expect((201, 409), 'POST', self.array('hosts'),
                        [('name', host_name)] +
                        [('endpoint', e) for e in endpoints] +
                        [('os', 'openstack')])
            host = self.find_host(endpoints[0])
            self.test.assertIsNotNone(host, 'host %s' % host_name)
        elif host['type'].upper() != 'OPENSTACK':
            self.expect((201, 409), 'PUT', host['locator'],
                        [('os', 'openstack')])
        _root, location = self.expect(
            (201, 409), 'POST', self.array('allocations'),
            [('volumename', volume_name), ('hostname', host['name'])])
        self.test.assertTrue(location, 'allocation Content-Location')
        root, _loc = self.expect((200,), 'GET', location)
        return int(root.find('allocation').find('lun').text)

    def provider_auth(self):
        """What its iSCSI create_volume stored in provider_auth."""
        root, _loc = self.expect((200,), 'GET', self.array('ionetworks'))
        chapin = root.find('chapin') if root.tag == 'chap' else root.find(
            './/chap/chapin')
        if chapin is None or chapin.get('value') != '1':
            return ''
        return 'CHAP %s %s' % (chapin.find('username').text,
                               chapin.find('password').text)


class SwitchTest(test_driver.DriverBase, test_base.TestCase):
    """The former driver's population, then our two drivers on it."""

    driver_class = 'xio_cinder.iscsi.XIOISCSIDriver'
    tgtd = True
    chap = True

    def setUp(self):
        test_base.TestCase.setUp(self)
        objects.register_all()
        self.ctxt = cinder_context.get_admin_context()
        self.sim = self.useFixture(fixtures.Simulator(
            tgtd=True, chap=True))
        self.logs = self.useFixture(logcheck.SecretsNotLogged(
            [self.sim.password, fixtures.CHAP_SECRET]))
        self.former = FormerDriverRequests(
            self, 'http://%s' % self.sim.controllers[0], 'admin',
            self.sim.password)
        self.build()
        # The former iSCSI and FC backend sections with our class names and
        # option names; san_api_port and target_port only because the
        # simulator does not listen on 80 and 3260.
        self.driver = self.backend('ise-iscsi', 'xio_cinder.iscsi.'
                                   'XIOISCSIDriver', iscsi_ip_address=(
                                       self.sim.info['iscsi_ips'][0]),
                                   target_port=self.sim.info[
                                       'iscsi_portal'].rsplit(':', 1)[1])
        self.fc_driver = self.backend('ise-fc', 'xio_cinder.fc.XIOFCDriver')

    def backend(self, name, driver_class, **extra):
        options = {'volume_driver': driver_class,
                   'volume_backend_name': name,
                   'san_ip': self.sim.san_ip,
                   'san_api_port': self.sim.san_api_port,
                   'san_login': 'admin',
                   'san_password': self.sim.password,
                   'ise_default_pool': 1,
                   'ise_raid_level': 1,
                   'ise_connection_retries': 5,
                   'ise_retry_interval': 1,
                   'ise_completion_retries': 30,
                   'driver_use_ssl': False}
        options.update(extra)
        return self.useFixture(driver_loader.LoadedDriver(
            options, backend_name=name)).driver

    def legacy_volume(self, size, provider_auth=None):
        return self.volume(size=size, host=LEGACY_HOST,
                           provider_location=None, provider_id=None,
                           provider_auth=provider_auth)

    def build(self):
        """The former drivers' objects, made with their requests."""
        former = self.former
        former.query()
        chap = former.provider_auth()
        self.assertEqual('CHAP chapuser %s' % fixtures.CHAP_SECRET,
                         chap)
        self.a = self.legacy_volume(1, chap)
        self.b = self.legacy_volume(2, chap)
        for volume in (self.a, self.b):
            former.create_volume(volume.name, volume.size)
        self.write(self.a, 4096, b'before the switch')
        self.snap = self.snapshot(self.a)
        former.copy(self.snap.volume_name, self.snap.name, 'snapshot')
        # A clone asked 2 GB of a 1 GB source: the former driver never
        # extended, so the ISE volume stays at 1 GB.
        self.clone = self.legacy_volume(2)
        former.copy(self.a.name, self.clone.name, 'clone')
        self.from_snap = self.legacy_volume(1)
        former.copy(self.snap.name, self.from_snap.name, 'clone')
        self.luns = {
            'a': former.present(self.a.name, 'compute-1', [INITIATOR]),
            'b': former.present(self.b.name, 'compute-1', [INITIATOR]),
            'from_snap': former.present(self.from_snap.name, 'compute-2',
                                        WWPNS)}
        state = self.sim.state()
        self.assertEqual(
            {self.a.name: ('volume', 1), self.b.name: ('volume', 2),
             self.snap.name: ('snapshot', 1),
             self.clone.name: ('clone', 1),
             self.from_snap.name: ('clone', 1)},
            {n: (v['kind'], v['size_gb'])
             for n, v in state['volumes'].items()})
        self.assertEqual(
            {'compute-1': {'endpoints': [INITIATOR], 'type': 'OPENSTACK'},
             'compute-2': {'endpoints': WWPNS, 'type': 'OPENSTACK'}},
            state['hosts'])
        self.assertEqual(3, len(set(self.luns.values())))

    def allocations(self):
        return sorted((a['volume'], a['host'])
                      for a in self.sim.state()['allocations'])

    def check_iscsi(self, info, volume):
        data = info['data']
        self.assertEqual(self.sim.info['iscsi_portal'], data['target_portal'])
        target = tgt.TgtAdmin(self.sim.info['tgtd_control_port']).target(
            data['target_iqn'])
        self.assertEqual(self.array_volumes()[volume.name]['path'],
                         target.luns[data['target_lun']].path)
        # The CHAP the former driver kept in provider_auth is the ISE's.
        self.assertEqual(volume.provider_auth.split(), [
            data['auth_method'], data['auth_username'],
            data['auth_password']])

    def test_switch_lifecycle_leaves_nothing_behind(self):
        a, b, snap, clone, from_snap = (self.a, self.b, self.snap,
                                        self.clone, self.from_snap)
        stats = self.driver.get_volume_stats(refresh=True)
        self.assertEqual(['Pool_1'], [p['pool_name'] for p in stats['pools']])

        # Detach what the former driver attached; its hosts go with their
        # last allocation.
        self.driver.terminate_connection(a, ISCSI_CONNECTOR)
        self.assertEqual(sorted([(b.name, 'compute-1'),
                                 (from_snap.name, 'compute-2')]),
                         self.allocations())
        self.driver.terminate_connection(b, ISCSI_CONNECTOR)
        info = self.fc_driver.terminate_connection(from_snap, FC_CONNECTOR)
        self.assertEqual(set(WWPNS), set(info['data'][
            'initiator_target_map']))
        state = self.sim.state()
        self.assertEqual(({}, []), (state['hosts'], state['allocations']))

        # Attach again, over both protocols.
        self.check_iscsi(self.driver.initialize_connection(
            a, ISCSI_CONNECTOR), a)
        # A former clone has no provider_auth (the former driver attached
        # it without CHAP); CHAP comes from the ISE for it too.
        data = self.driver.initialize_connection(
            clone, ISCSI_CONNECTOR)['data']
        self.assertEqual(self.a.provider_auth.split(), [
            data['auth_method'], data['auth_username'],
            data['auth_password']])
        self.driver.terminate_connection(clone, ISCSI_CONNECTOR)
        info = self.fc_driver.initialize_connection(b, FC_CONNECTOR)
        self.assertEqual(sorted([(a.name, 'compute-1'),
                                 (b.name, 'compute-2')]),
                         self.allocations())
        state = self.sim.state()
        self.assertEqual({'OPENSTACK'}, {h['type'] for h in
                                         state['hosts'].values()})
        self.assertEqual([info['data']['target_lun']], [
            x['lun'] for x in state['allocations'] if x['volume'] == b.name])

        # Snapshot, volume from the former snapshot, clone of the former
        # (undersized) clone, extend.
        snap2 = self.snapshot(a)
        self.driver.create_snapshot(snap2)
        from_old_snap = self.volume(size=2)
        self.fc_driver.create_volume_from_snapshot(from_old_snap, snap)
        self.assertEqual(b'before the switch',
                         self.read(from_old_snap, 4096, 17))
        clone2 = self.volume(size=2)
        self.driver.create_cloned_volume(clone2, clone)
        self.driver.extend_volume(clone, 3)
        self.fc_driver.extend_volume(b, 4)
        sizes = {n: v['size_gb'] for n, v in self.array_volumes().items()}
        self.assertEqual((1, 2, 2, 3, 4), (
            sizes[snap2.name], sizes[from_old_snap.name], sizes[clone2.name],
            sizes[clone.name], sizes[b.name]))
        self.assertEqual(b'before the switch', self.read(clone2, 4096, 17))

        # A QoS retype stays in place between the former pool name (the
        # ISE id) and ours.
        self.assertTrue(self.driver.retype(
            self.ctxt, a, {}, {'extra_specs': {'QoS:maxIOPS': (None, '900')}},
            {'host': 'cinder@ise#Pool_1'}))
        self.assertEqual({'IOPSmax': '900'},
                         self.array_volumes()[a.name]['iops'])

        # Unmanage leaves the array alone; manage takes the volume back.
        before = self.array_volumes()
        self.driver.unmanage(from_snap)
        self.assertEqual(before, self.array_volumes())
        managed = self.volume(size=1)
        ref = {'source-name': from_snap.name}
        self.assertEqual(1, self.fc_driver.manage_existing_get_size(managed,
                                                                    ref))
        self.fc_driver.manage_existing(managed, ref)
        self.assertNotIn(from_snap.name, self.array_volumes())

        # Detach and delete everything; deletes are idempotent.
        self.driver.terminate_connection(a, ISCSI_CONNECTOR)
        self.fc_driver.terminate_connection(b, FC_CONNECTOR)
        for snapshot in (snap, snap2):
            self.driver.delete_snapshot(snapshot)
            self.driver.delete_snapshot(snapshot)
        for volume in (a, b, clone, managed, from_old_snap, clone2):
            self.fc_driver.delete_volume(volume)
            self.driver.delete_volume(volume)
        state = self.sim.state()
        self.assertEqual(({}, {}, []), (state['volumes'], state['hosts'],
                                        state['allocations']))

    def test_delete_of_attached_volumes_and_force_detach(self):
        # Cinder force-detaches without a connector: every allocation of
        # the volume goes; the host goes at the next detach from it.
        self.driver.terminate_connection(self.a, None)
        self.assertNotIn(self.a.name, [v for v, _h in self.allocations()])
        # Deleting a volume the former driver left attached unpresents it.
        self.fc_driver.delete_volume(self.from_snap)
        self.driver.terminate_connection(self.b, ISCSI_CONNECTOR)
        self.fc_driver.terminate_connection(self.from_snap, FC_CONNECTOR)
        state = self.sim.state()
        self.assertEqual(({}, []), (state['hosts'], state['allocations']))
        self.assertNotIn(self.from_snap.name, state['volumes'])

    def test_an_operators_host_the_former_driver_adopted(self):
        # An ISE host an operator made for the initiator (type not
        # OPENSTACK, another name): the former driver used it and marked it
        # OPENSTACK (PUT ?os=openstack).
        initiator = 'iqn.2004-10.com.example:compute-3'
        self.former.expect((201,), 'POST', self.former.array('hosts'), [
            ('name', 'esx-9'), ('endpoint', initiator)])
        self.assertEqual('OTHER', self.sim.state()['hosts']['esx-9']['type'])
        volume = self.legacy_volume(1)
        self.former.create_volume(volume.name, 1)
        self.former.present(volume.name, 'compute-3', [initiator])
        self.assertEqual('OPENSTACK',
                         self.sim.state()['hosts']['esx-9']['type'])
        connector = {'host': 'compute-3', 'initiator': initiator}
        self.driver.terminate_connection(volume, connector)
        info = self.driver.initialize_connection(volume, connector)
        self.assertEqual([(volume.name, 'esx-9')], [
            a for a in self.allocations() if a[0] == volume.name])
        self.assertEqual(info['data']['target_lun'], [
            a['lun'] for a in self.sim.state()['allocations']
            if a['volume'] == volume.name][0])
        # Not a host named after the connector's: it stays.
        self.driver.terminate_connection(volume, connector)
        self.assertIn('esx-9', self.sim.state()['hosts'])
        self.driver.delete_volume(volume)
        self.assertNotIn(volume.name, self.array_volumes())

    def test_the_former_option_names_still_work(self):
        # Only volume_driver changed: ise_raid and ise_storage_pool are
        # deprecated names of ise_raid_level and ise_default_pool (the
        # deprecation warnings are kept out of the test output).
        cfg_log = logging.getLogger('oslo_config.cfg')
        self.useFixture(fixtures_lib.FakeLogger(name=cfg_log.name))
        self.addCleanup(setattr, cfg_log, 'propagate', cfg_log.propagate)
        cfg_log.propagate = False
        options = {'volume_driver': 'xio_cinder.fc.XIOFCDriver',
                   'san_ip': self.sim.san_ip,
                   'san_api_port': self.sim.san_api_port,
                   'san_login': 'admin', 'san_password': self.sim.password,
                   'ise_storage_pool': 1, 'ise_raid': 5,
                   'ise_connection_retries': 5, 'ise_retry_interval': 1,
                   'ise_completion_retries': 30, 'driver_use_ssl': False}
        driver = self.useFixture(driver_loader.LoadedDriver(
            options, backend_name='ise-old')).driver
        volume = self.volume(size=1, host='cinder@ise-old#1')
        driver.create_volume(volume)
        self.assertEqual((5, 1), (self.array_volumes()[volume.name]['raid'],
                                  self.array_volumes()[volume.name]['pool']))
        driver.delete_volume(volume)
