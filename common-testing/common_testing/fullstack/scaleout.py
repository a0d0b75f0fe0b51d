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
"""Scale-out under load: services die, the array goes away (issue 16).

Per backend section of a running ``Stack``, ``Load`` has N API clients
run L complete volume lifecycles concurrently: create; attach (an
attachment with a connector; every tenth attach of a protocol with a data
path goes over the wire, a pattern written and read back); detach;
snapshot; volume from snapshot; clone; extend; delete all.  While they run
it ``kill -9``s a cinder-volume service that serves the section (one of
the cluster's two, or the only one), asks cinder's ``workers cleanup``
API (microversion 3.24) to clean what the dead service held, restarts it,
and then stops the array (SIGSTOP of the simulator) for a while and lets
it come back on the same state, watching the scheduler's pool stats.

Afterwards it settles everything the way an operator would: what is
still transitional after cleanup (states cinder's cleanup does not own:
attaching, extending, a snapshot deleting, a create whose message died
with the service) is reset with ``cinder reset-state`` (the documented
command) and deleted; every volume and snapshot is deleted.  Then the
array must hold nothing (``Backend.array_objects``), cinder nothing, and
the volumes written before the kill must read back their pattern.

``Result`` carries the numbers of the README table (``readme_table``);
``python -m common_testing.fullstack.scaleout`` runs it from the command
line (``tox -e scaleout``).
"""

import argparse
import collections
import contextlib
import datetime
import os
import re
import sys
import threading
import time

from common_testing.fullstack import demo
from common_testing.fullstack import stack as stack_mod

Size = collections.namedtuple(
    'Size', 'name clients lifecycles kills outage step_timeout')
# kills: which services die, one per kind: 'member' (one of the
# cluster's two; backends without active/active fall back to their only
# service) and 'single' (the only service: a stack without a cluster).
FULL = Size('full', 16, 200, ('member', 'single'), 30, 240)
REDUCED = Size('reduced', 4, 20, ('member',), 15, 120)
# What CI runs (tests/test_fullstack_scaleout.py), every section at once:
# REDUCED takes over 20 minutes for seven sections on two cores.
CI = Size('ci', 2, 3, ('member',), 15, 120)
SIZES = {size.name: size for size in (FULL, REDUCED, CI)}

DATA_EVERY = 10           # every tenth attach over the data path
COMPUTE_HOSTS = 4         # connectors shared by the clients of a section
KILL_AT = 0.25            # the kill when this share of lifecycles is done
OUTAGE_AT = 0.6           # the array stops at this share
WITNESSES = 2             # volumes written before the kill, read after
SETTLE_TIMEOUT = 120      # for what is transitional after the load
# Seconds between two looks at a volume: cinder-api (one worker) answers
# every client's polls, and is the bottleneck of the run at 0.5 s.
POLL = 1.5
# The stats cinder-volume pushes to the scheduler: pools older than this
# are stale (the stack polls every STATS_INTERVAL seconds).
STATS_INTERVAL = 3
STALE_AFTER = 2 * STATS_INTERVAL + 2
# What cinder's workers cleanup cleans (objects.Volume/Snapshot
# _is_cleanable); anything else transitional is the operator's.
CLEANABLE = {'volume': ('creating', 'deleting'), 'snapshot': ('creating',)}
SETTLED = ('available', 'in-use', 'error', 'error_deleting',
           'error_extending', 'deleted')
PATTERN_SIZE = 1024 * 1024
GIB = 1024 ** 3
README_START = '.. scaleout-results-start'
README_END = '.. scaleout-results-end'


class ScaleoutStack(stack_mod.Stack):
    """The stack as the scale-out run needs it.

    Services are reported down within seconds of dying (report_interval 2,
    service_down_time 10) and push pool stats every STATS_INTERVAL seconds,
    so the run sees a dead service and a gone array quickly.
    """

    def cinder_conf_overrides(self):
        return {'DEFAULT': {'service_down_time': 10,
                            'periodic_interval': STATS_INTERVAL,
                            'backend_stats_polling_interval':
                                STATS_INTERVAL}}


Op = collections.namedtuple('Op', 'kind started ended ok detail')
# The local attaches of the data path, one at a time.
_DATA_LOCK = threading.Lock()


class Disruptions(object):
    """The kills and outages of one run, shared by its sections' loads.

    Each happens once however many sections ask for it (the first one
    does it, the others wait for it): sections served by one service, or
    on one array, are disrupted together, as in a deployment.
    """

    def __init__(self, stack, report):
        self.stack = stack
        self.report = report
        self.lock = threading.Lock()
        self.done = {}

    def _once(self, key, action):
        with self.lock:
            record = self.done.get(key)
            mine = record is None
            if mine:
                record = self.done[key] = {'ready': threading.Event()}
        if mine:
            try:
                record.update(action())
            finally:
                record['ready'].set()
        record['ready'].wait()
        if 'at' not in record:
            raise StepError('%s failed (see the first section)' % (key,))
        return record

    def kill(self, name):
        """``kill -9`` service ``name``, clean up after it, restart it."""
        def action():
            at = time.monotonic()
            self.report('kill -9 %s' % name)
            self.stack.kill_volume_service(name)
            down_at = time.monotonic()
            host, _command = self.stack.volume_services[name]
            # POST /v3/{project}/workers/cleanup (3.24; the stack's
            # client speaks stack.API_VERSION, newer): what the dead
            # service held goes to a live one of its cluster.
            cleaning, unavailable = self.stack.client().workers.clean(
                host=host, binary='cinder-volume')
            summary = 'cleaning %d, unavailable %d' % (len(cleaning),
                                                       len(unavailable))
            self.stack.start_volume_service(name)
            self.report('%s up again (%s)' % (name, summary))
            return {'service': name, 'at': at, 'down_at': down_at,
                    'cleanup': summary, 'up_at': time.monotonic()}
        return self._once(('kill', name), action)

    def stop_array(self, vendor, seconds):
        """The array stopped for ``seconds``; (stopped at, resumed at)."""
        def action():
            at = time.monotonic()
            self.report('%s stopped for %ds' % (vendor.name, seconds))
            self.stack.stop_array(vendor)
            try:
                time.sleep(seconds)
            finally:
                self.stack.resume_array(vendor)
            return {'at': at, 'resumed': time.monotonic()}
        record = self._once(('outage', vendor.name), action)
        return record['at'], record['resumed']


class StepError(Exception):
    """An operation ended in error, or never ended (``stuck``)."""

    def __init__(self, message, stuck=False):
        super().__init__(message)
        self.stuck = stuck


class Result(object):
    """What one section's run did; the README row and the checks."""

    def __init__(self, section, topology):
        self.section = section
        self.topology = topology
        self.ops = []
        self.lifecycles = 0
        self.lifecycles_done = 0
        self.data_checks = 0
        self.started = self.ended = None
        self.kills = []          # dicts: service, at, down_at, cleanup...
        self.outage = None       # dict: at, seconds, down_at, up_at, how
        self.windows = []        # (from, to): operations may fail here
        self.operator = []       # (kind, id, status) reset by the operator
        self.stuck = []          # (kind, id, status, service) cleanup left
        self.witnesses = []      # (volume id, read back equal)
        self.orphans = None      # {kind: names} left on the array
        self.cinder_left = None  # volumes/snapshots cinder still lists
        self.served = {}         # {service: creates it logged}

    @property
    def seconds(self):
        return (self.ended or time.monotonic()) - self.started

    def failures(self):
        return [op for op in self.ops if not op.ok]

    def unexpected_failures(self):
        """Failed operations that no disruption can explain."""
        return [op for op in self.failures() if not any(
            op.started <= end and op.ended >= begin
            for begin, end in self.windows)]

    def at(self, moment):
        return moment - self.started

    def describe_kills(self):
        return '; '.join(
            'kill -9 %s at %.0fs (down %.0fs later, cleanup: %s, up again '
            'at %.0fs)' % (kill['service'], self.at(kill['at']),
                           kill['down_at'] - kill['at'], kill['cleanup'],
                           self.at(kill['up_at']))
            for kill in self.kills) or 'none'

    def describe_outage(self):
        outage = self.outage
        if not outage:
            return 'none'
        down = ('reported down %.0fs in (%s)' % (
            outage['down_at'] - outage['at'], outage['how'])
            if outage.get('down_at') else 'never reported down')
        up = ('up %.0fs after it came back' % (
            outage['up_at'] - outage['resumed'])
            if outage.get('up_at') else 'never reported up again')
        return 'array stopped %ds at %.0fs: %s, %s' % (
            outage['seconds'], self.at(outage['at']), down, up)

    def row(self):
        ok = sum(1 for op in self.ops if op.ok)
        orphans = (sum(len(names) for names in self.orphans.values())
                   if self.orphans is not None else 'n/a')
        return {
            'backend': self.section,
            'services': self.topology,
            'lifecycles': '%d/%d' % (self.lifecycles_done,
                                     self.lifecycles),
            'ops ok/failed': '%d/%d' % (ok, len(self.failures())),
            'ops/s': '%.2f' % (ok / self.seconds if self.seconds else 0),
            'kills survived': str(len(self.kills)),
            'reset-state': str(len(self.operator)),
            'data': '%d+%d' % (self.data_checks, sum(
                1 for _v, equal in self.witnesses if equal)),
            'orphans': str(orphans),
        }


def _connector(section, protocol, number):
    # A compute host per section and number: the iSCSI and FC sections of
    # one array must not share a host name with different initiators.
    host = 'so-%s-%d' % (section, number)
    connector = {'ip': '127.0.0.1', 'host': host, 'platform': 'x86_64',
                 'os_type': 'linux', 'multipath': False,
                 'do_local_attach': False}
    if protocol == 'FC':
        # WWNs are 16 hex digits.
        connector.update(wwpns=['21000024ff8%05x' % number],
                         wwnns=['20000024ff8%05x' % number])
    else:
        connector['initiator'] = 'iqn.2026-12.test.scaleout:%s' % host
    return connector


class Load(object):
    """One section's run: the load, the disruptions, the settling.

    ``kill`` names the cinder-volume service to ``kill -9`` (None: no
    kill), ``outage`` the seconds the array is stopped (0: none).
    """

    def __init__(self, stack, section, size, kill=None, outage=0,
                 report=None, data_path=None, disruptions=None):
        self.stack = stack
        self.report = report or (lambda message: None)
        self.disruptions = disruptions or Disruptions(stack, self.report)
        self.section = section
        self.size = size
        self.kill = kill
        self.outage = outage
        self.protocol = stack.protocols[section]
        self.vendor = stack.vendors[section]
        self.vtype = stack.volume_types[section]
        self.data = data_path   # a demo.Demo: its local attach
        self.local = threading.local()
        self.lock = threading.Lock()
        self.attaches = 0
        self.next_lifecycle = 0
        self.finished = 0
        self.created_by = {}     # {service host: volumes it created}
        self.clients = []
        self.stop = threading.Event()
        names = stack.serving[section]
        self.result = Result(section, '%d (%s)' % (len(names),
                                                   ', '.join(names)))
        self.result.lifecycles = size.lifecycles
        self.prefix = 'so-%s-' % section

    # -- API helpers -------------------------------------------------------

    def client(self):
        if not hasattr(self.local, 'client'):
            self.local.client = self.stack.client()
        return self.local.client

    def _record(self, kind, started, ok, detail=''):
        with self.lock:
            self.result.ops.append(Op(kind, started, time.monotonic(), ok,
                                      detail))

    def _wait(self, get, wanted, what):
        """Poll until ``wanted``; StepError on error or timeout."""
        from cinderclient import exceptions
        deadline = time.monotonic() + self.size.step_timeout
        seen = set()
        while True:
            try:
                obj = get()
            except exceptions.NotFound:
                if wanted == 'deleted':
                    return None
                raise StepError('%s is gone (wanted %s)' % (what, wanted))
            status = obj.status
            seen.add(status)
            if status == wanted:
                return obj
            if status.startswith('error') or (
                    wanted == 'deleted' and 'deleting' in seen and
                    status in ('available', 'in-use')):
                raise StepError('%s went to %s' % (what, status))
            if self.stop.is_set():
                raise StepError('run interrupted')
            if time.monotonic() > deadline:
                raise StepError('%s still %s after %ds (wanted %s)' % (
                    what, status, self.size.step_timeout, wanted),
                    stuck=True)
            time.sleep(POLL)

    def _op(self, kind, function, *args, **kwargs):
        started = time.monotonic()
        try:
            value = function(*args, **kwargs)
        except Exception as exc:
            self._record(kind, started, False, '%s: %s' % (
                type(exc).__name__, exc))
            raise
        self._record(kind, started, True)
        return value

    # -- one lifecycle -------------------------------------------------------

    def _create(self, name, **source):
        cinder = self.client()
        volume = cinder.volumes.create(1, volume_type=self.vtype,
                                       name=self.prefix + name, **source)
        volume = self._wait(lambda: cinder.volumes.get(volume.id),
                            'available', 'volume %s' % volume.id)
        # The service that created it: host@backend#pool (in a cluster
        # too: the member's own host).
        host = (getattr(volume, 'os-vol-host-attr:host', None) or ''
                ).split('@')[0]
        with self.lock:
            self.created_by[host] = self.created_by.get(host, 0) + 1
        return volume

    def _delete_volume(self, volume_id):
        cinder = self.client()
        cinder.volumes.delete(volume_id)
        self._wait(lambda: cinder.volumes.get(volume_id), 'deleted',
                   'volume %s' % volume_id)

    def _attach_detach(self, volume, index):
        cinder = self.client()
        with self.lock:
            self.attaches += 1
            over_wire = (self.data is not None and
                         # The first, the eleventh, ...: every tenth,
                         # and a short run has one too.
                         self.attaches % DATA_EVERY == 1)
        connector = (self._data_connector() if over_wire else
                     _connector(self.section, self.protocol,
                                index % COMPUTE_HOSTS))
        attachment = cinder.attachments.create(volume.id, connector,
                                               mode='rw')
        try:
            if over_wire:
                self._write_read(attachment['connection_info'],
                                 ('%s-%s' % (self.section, volume.id))
                                 .encode())
            cinder.attachments.complete(attachment['id'])
            self._wait(lambda: cinder.volumes.get(volume.id), 'in-use',
                       'volume %s attaching' % volume.id)
        finally:
            cinder.attachments.delete(attachment['id'])
        self._wait(lambda: cinder.volumes.get(volume.id), 'available',
                   'volume %s detaching' % volume.id)

    def _data_connector(self):
        return self.data.connector(self.section)

    def _write_read(self, info, seed, write=True, count=True):
        """Over the data path: write the pattern (if ``write``), read it."""
        data = demo.pattern(seed, PATTERN_SIZE)
        with _DATA_LOCK:
            path, detach = self.data._attach_local(info)
            try:
                size = demo.device_size(path)
                if write:
                    with open(path, 'r+b') as lun:
                        for offset in (0, size - PATTERN_SIZE):
                            lun.seek(offset)
                            lun.write(data)
                        lun.flush()
                        os.fsync(lun.fileno())
                with open(path, 'rb') as lun:
                    for offset in (0, size - PATTERN_SIZE):
                        lun.seek(offset)
                        if lun.read(PATTERN_SIZE) != data:
                            raise StepError('pattern read back over %s '
                                            'differs at %d' % (
                                                self.protocol, offset))
            finally:
                detach()
        if count:
            with self.lock:
                self.result.data_checks += 1

    def lifecycle(self, index):
        try:
            return self._lifecycle(index)
        finally:
            with self.lock:
                self.finished += 1

    def _lifecycle(self, index):
        try:
            a = self._op('create', self._create, '%d-a' % index)
            self._op('attach+detach', self._attach_detach, a, index)
            snap = self._op('snapshot', self._snapshot, a, index)
            b = self._op('volume from snapshot', self._create,
                         '%d-b' % index, snapshot_id=snap.id)
            c = self._op('clone', self._create, '%d-c' % index,
                         source_volid=a.id)
            self._op('extend', self._extend, a)
            for kind, object_id in [('volume', b.id), ('volume', c.id),
                                    ('snapshot', snap.id),
                                    ('volume', a.id)]:
                self._op('delete ' + kind, self._delete, kind, object_id)
        except Exception:
            # What it made is left to the settling phase after the load,
            # which finds it by name (self.prefix).
            return False
        with self.lock:
            self.result.lifecycles_done += 1
        return True

    def _snapshot(self, volume, index):
        cinder = self.client()
        snap = cinder.volume_snapshots.create(
            volume.id, name='%s%d-s' % (self.prefix, index))
        return self._wait(lambda: cinder.volume_snapshots.get(snap.id),
                          'available', 'snapshot %s' % snap.id)

    def _extend(self, volume):
        cinder = self.client()
        cinder.volumes.extend(volume.id, 2)
        volume = self._wait(lambda: cinder.volumes.get(volume.id),
                            'available', 'volume %s extending' % volume.id)
        if volume.size != 2:
            raise StepError('volume %s is %s GiB after extend to 2'
                            % (volume.id, volume.size))

    def _delete(self, kind, object_id):
        cinder = self.client()
        if kind == 'volume':
            return self._delete_volume(object_id)
        cinder.volume_snapshots.delete(object_id)
        self._wait(lambda: cinder.volume_snapshots.get(object_id),
                   'deleted', 'snapshot %s' % object_id)

    def _client_loop(self):
        while not self.stop.is_set():
            with self.lock:
                index = self.next_lifecycle
                if index >= self.size.lifecycles:
                    return
                self.next_lifecycle += 1
            self.lifecycle(index)

    # -- the run -------------------------------------------------------------

    def run(self):
        result = self.result
        result.started = time.monotonic()
        self.report('[%s] witnesses' % self.section)
        witnesses = self._witnesses()
        self.report('[%s] %d clients x %d lifecycles' % (
            self.section, self.size.clients, self.size.lifecycles))
        self.samples, watching = [], threading.Event()
        watcher = threading.Thread(target=self._watch_pools,
                                   args=(self.samples, watching),
                                   daemon=True)
        if self.outage:
            watcher.start()
        self.clients = [threading.Thread(target=self._client_loop,
                                         name='client-%d' % number,
                                         daemon=True)
                        for number in range(self.size.clients)]
        for client in self.clients:
            client.start()
        try:
            self._disrupt()
        except BaseException:
            self.stop.set()     # no new lifecycles; the running ones end
            raise
        finally:
            for client in self.clients:
                client.join()
            watching.set()
            if self.outage:
                watcher.join()
        result.served = {
            name: self.created_by.get(self.stack.volume_services[name][0],
                                      0)
            for name in self.stack.serving[self.section]}
        self.report('[%s] settling' % self.section)
        self._settle()
        self.report('[%s] witnesses read back' % self.section)
        self._check_witnesses(witnesses)
        self._cleanup_all()
        result.cinder_left = self._cinder_objects()
        result.ended = time.monotonic()
        self.report('[%s] done in %.0fs' % (self.section, result.seconds))
        return result

    def _wait_share(self, share):
        while self.finished < share * self.size.lifecycles and any(
                client.is_alive() for client in self.clients):
            time.sleep(0.5)

    def _disrupt(self):
        if self.kill:
            self._wait_share(KILL_AT)
            self._kill(self.kill)
        if self.outage:
            self._wait_share(OUTAGE_AT)
            self._stop_array()

    def _kill(self, name):
        result = self.result
        kill = self.disruptions.kill(name)
        # Operations in flight when it died, and those cinder queued for
        # it until it came back, may fail; give them a step's time.
        result.windows.append((kill['at'] - 1,
                               kill['up_at'] + self.size.step_timeout))
        result.kills.append(kill)

    def _stop_array(self):
        result = self.result
        samples = self.samples
        at, resumed = self.disruptions.stop_array(self.vendor, self.outage)
        deadline = resumed + self.size.step_timeout
        outage = {'at': at, 'seconds': self.outage, 'resumed': resumed,
                  'fresh_before': any(t < at and fresh for t, fresh, _s
                                      in list(samples))}
        while time.monotonic() < deadline:
            if any(t > resumed and fresh for t, fresh, _s
                   in list(samples)):
                break
            time.sleep(1)
        for moment, fresh, state in samples:
            if at <= moment <= resumed + STALE_AFTER and not fresh:
                outage['down_at'] = moment
                outage['how'] = ('backend_state down' if state == 'down'
                                 else 'stats stale')
                break
        outage['up_at'] = next((moment for moment, fresh, _s in samples
                                if moment > resumed and fresh), None)
        result.outage = outage
        result.windows.append((at - 1, resumed + self.size.step_timeout))
        self.report('[%s] %s' % (self.section, result.describe_outage()))

    def _watch_pools(self, samples, done):
        """(time, fresh, backend_state) of the section's pools, each 2 s.

        Down is the driver's ``backend_state: down`` where it reports one,
        or stats older than STALE_AFTER (nothing reached the scheduler).
        """
        client = self.stack.client()
        while not done.is_set():
            with contextlib.suppress(Exception):
                # cinderclient's Pool keeps the capabilities in to_dict().
                pools = [pool.to_dict()['capabilities'] for pool
                         in client.pools.list(detailed=True)]
                pools = [caps for caps in pools
                         if caps.get('volume_backend_name') == self.section]
                now = datetime.datetime.utcnow()
                fresh, state = bool(pools), None
                for caps in pools:
                    state = caps.get('backend_state', state)
                    stamp = caps.get('timestamp')
                    if isinstance(stamp, str):
                        stamp = datetime.datetime.fromisoformat(
                            stamp.rstrip('Z').split('+')[0])
                    if caps.get('backend_state') == 'down' or not stamp or (
                            now - stamp).total_seconds() > STALE_AFTER:
                        fresh = False
                samples.append((time.monotonic(), fresh, state))
            done.wait(2)

    # -- witnesses -----------------------------------------------------------

    def _witnesses(self):
        """Volumes written before any disruption: (volume, seed)."""
        made = []
        for number in range(WITNESSES):
            volume = self._op('create', self._create, 'witness-%d' % number)
            seed = ('witness-%s' % volume.id).encode()
            if self.data is not None:
                cinder = self.client()
                attachment = cinder.attachments.create(
                    volume.id, self._data_connector(), mode='rw')
                try:
                    self._write_read(attachment['connection_info'], seed,
                                     count=False)
                finally:
                    cinder.attachments.delete(attachment['id'])
                self._wait(lambda: cinder.volumes.get(volume.id),
                           'available', 'witness %s' % volume.id)
            made.append((volume, seed))
        return made

    def _check_witnesses(self, witnesses):
        cinder = self.client()
        for volume, seed in witnesses:
            status = cinder.volumes.get(volume.id).status
            equal = status == 'available'
            if equal and self.data is not None:
                attachment = cinder.attachments.create(
                    volume.id, self._data_connector(), mode='ro')
                try:
                    self._write_read(attachment['connection_info'], seed,
                                     write=False, count=False)
                except StepError:
                    equal = False
                finally:
                    cinder.attachments.delete(attachment['id'])
                self._wait(lambda: cinder.volumes.get(volume.id),
                           'available', 'witness %s' % volume.id)
            self.result.witnesses.append((volume.id, equal))

    # -- settling ------------------------------------------------------------

    def _cinder_objects(self):
        """This section's volumes and snapshots cinder lists: {id: status}."""
        cinder = self.client()
        found = {}
        for volume in cinder.volumes.list(search_opts={'all_tenants': 1}):
            if volume.name and volume.name.startswith(self.prefix):
                found[('volume', volume.id)] = volume.status
        for snap in cinder.volume_snapshots.list(
                search_opts={'all_tenants': 1}):
            if snap.name and snap.name.startswith(self.prefix):
                found[('snapshot', snap.id)] = snap.status
        return found

    def _settle(self):
        """Wait for transitional states to end; reset what cinder leaves.

        What is transitional after the cleanup and SETTLE_TIMEOUT is left
        by cinder to the operator: ``cinder reset-state --state error``
        (and ``--attach-status detached``), then delete.
        """
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            pending = {key: status for key, status in
                       self._cinder_objects().items()
                       if status not in SETTLED}
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(1)
        cinder = self.client()
        owners = self._workers(object_id for (_k, object_id) in pending)
        for (kind, object_id), status in sorted(pending.items()):
            self.result.operator.append((kind, object_id, status))
            if status in CLEANABLE[kind] and owners.get(object_id):
                # A service took it (the workers row names it) and the
                # cleanup of that service should have ended it.
                self.result.stuck.append((kind, object_id, status,
                                          owners[object_id]))
            if kind == 'volume':
                self._drop_attachments(object_id)
                cinder.volumes.reset_state(object_id, 'error',
                                           attach_status='detached')
            else:
                cinder.volume_snapshots.reset_state(object_id, 'error')

    def _workers(self, resource_ids):
        """{resource id: service id} of cinder's workers table.

        A row is written when the API sends a cleanable operation (service
        id empty) and claimed by the service that starts it; cleanup works
        on the rows of the services it is asked to clean.
        """
        resource_ids = list(resource_ids)
        if not resource_ids:
            return {}
        connection = self.stack.database._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    'SELECT resource_id, service_id FROM `%s`.workers '
                    'WHERE deleted = 0 AND resource_id IN (%s)' % (
                        self.stack.database.name,
                        ', '.join(['%s'] * len(resource_ids))),
                    resource_ids)
                return dict(cursor.fetchall())
        finally:
            connection.close()

    def _drop_attachments(self, volume_id):
        """Delete the volume's attachments (a failed attach's too)."""
        cinder = self.client()
        for attachment in cinder.attachments.list(
                search_opts={'volume_id': volume_id}):
            with contextlib.suppress(Exception):
                cinder.attachments.delete(attachment.id)

    def _cleanup_all(self):
        """Delete every volume and snapshot of the section that is left."""
        from cinderclient import exceptions
        cinder = self.client()
        for attempt in range(2):
            left = self._cinder_objects()
            if not left:
                return
            # Snapshots first (a volume with snapshots cannot go), then
            # volumes made from them, then the rest.
            for kind in ('snapshot', 'volume'):
                for (what, object_id), status in sorted(left.items()):
                    if what != kind:
                        continue
                    if kind == 'volume' and status == 'in-use':
                        # An attach that failed half-way: its attachment
                        # goes as a client's detach would.
                        self._drop_attachments(object_id)
                    if status.startswith('error_'):
                        # The documented remedy for a failed delete.
                        self.result.operator.append((kind, object_id,
                                                     status))
                        manager = (cinder.volumes if kind == 'volume'
                                   else cinder.volume_snapshots)
                        manager.reset_state(object_id, 'error')
                    with contextlib.suppress(exceptions.NotFound,
                                             exceptions.BadRequest):
                        self._delete(kind, object_id)


def run_topology(stack, size, kill_kind, outage, report, sections=None,
                 parallel=False):
    """Every section of ``stack`` (or ``sections``); [Result].

    One after the other, or all at once (``parallel``: one kill and one
    outage per array for all of them, as a deployment has them).
    """
    data = demo.Demo(stack, report=lambda message: None)
    disruptions = Disruptions(stack, report)
    loads = []
    for section in sections or sorted(stack.sections):
        data_path = (data if stack.protocols[section]
                     in demo.DATA_PROTOCOLS else None)
        loads.append(Load(stack, section, size,
                          kill=stack.serving[section][0] if kill_kind
                          else None, outage=outage, report=report,
                          data_path=data_path, disruptions=disruptions))
    try:
        if not parallel:
            results = []
            for load in loads:
                results.append(load.run())
                _look_into_arrays([load])
            return results
        errors = []

        def run(load):
            try:
                load.run()
            except Exception as exc:
                errors.append('%s: %s: %s' % (load.section,
                                              type(exc).__name__, exc))
        threads = [threading.Thread(target=run, args=(load,), daemon=True)
                   for load in loads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise StepError('; '.join(errors))
        # The sections of one array end at different times: the array is
        # looked into when all of them are done.
        _look_into_arrays(loads)
        return [load.result for load in loads]
    finally:
        data.initiator.detach_all()


def _look_into_arrays(loads):
    """Set each result's orphans: what its array still holds."""
    for load in loads:
        objects = load.vendor.array_objects()
        load.result.orphans = None if objects is None else {
            kind: names for kind, names in objects.items() if names}


# -- the README table ---------------------------------------------------------

COLUMNS = ('backend', 'services', 'lifecycles', 'ops ok/failed', 'ops/s',
           'kills survived', 'reset-state', 'data', 'orphans')


def readme_table(results, size, when=None, commit=None):
    """The generated README block (without the markers)."""
    rows = [[result.row()[column] for column in COLUMNS]
            for result in results]
    widths = [max([len(column)] + [len(row[i]) for row in rows])
              for i, column in enumerate(COLUMNS)]
    rule = '  '.join('=' * width for width in widths)
    lines = ['Run of %s (size %s: %d clients and %d lifecycles per '
             'backend, kills: %s, outage %d s%s)' % (
                 when or datetime.datetime.utcnow().strftime(
                     '%Y-%m-%d %H:%M UTC'), size.name, size.clients,
                 size.lifecycles, ', '.join(size.kills) or 'none',
                 size.outage, ', at commit %s' % commit if commit
                 else '') + ':', '', rule,
             '  '.join(c.ljust(w) for c, w in zip(COLUMNS, widths)), rule]
    for row in rows:
        lines.append('  '.join(c.ljust(w) for c, w in zip(row, widths))
                     .rstrip())
    lines += [rule, '']
    for result in results:
        lines.append('* ``%s`` (%s services): %s. %s. Failed with an '
                     'error: %s. Reset by the operator: %s.' % (
                         result.section, result.topology.split()[0],
                         result.describe_kills(), result.describe_outage(),
                         len(result.failures()), ', '.join(
                             '%s %s' % (kind, status) for kind, _i, status
                             in result.operator) or 'nothing'))
    return '\n'.join(lines) + '\n'


def write_readme(path, block):
    """Replace what is between the markers of ``path`` with ``block``."""
    with open(path) as readme:
        text = readme.read()
    pattern = re.compile(r'(%s\n).*?(\n%s)' % (re.escape(README_START),
                                               re.escape(README_END)),
                         re.S)
    if not pattern.search(text):
        raise ValueError('%s has no %s ... %s markers'
                         % (path, README_START, README_END))
    text = pattern.sub(lambda match: match.group(1) + '\n' + block +
                       match.group(2), text)
    with open(path, 'w') as readme:
        readme.write(text)


def problems(result):
    """What is wrong with a section's run, as sentences; [] if nothing."""
    found = []
    for op in result.unexpected_failures():
        found.append('%s failed outside any disruption: %s'
                     % (op.kind, op.detail))
    if not result.lifecycles_done:
        found.append('no lifecycle completed')
    if result.orphans is None:
        found.append('the array cannot be looked into')
    elif result.orphans:
        found.append('left on the array: %s' % result.orphans)
    if result.cinder_left:
        found.append('cinder still lists %s' % result.cinder_left)
    lost = [volume_id for volume_id, equal in result.witnesses
            if not equal]
    if lost:
        found.append('witness volumes lost their data: %s' % lost)
    if len(result.served) > 1 and not all(result.served.values()):
        found.append('not every service served creates: %s'
                     % result.served)
    for kind, object_id, status, service_id in result.stuck:
        found.append('%s %s still %s after workers cleanup (claimed by '
                     'service %s)' % (kind, object_id, status, service_id))
    if result.outage:
        if not result.outage.get('down_at'):
            found.append('the backend was never reported down')
        if not result.outage.get('up_at'):
            found.append('the backend was never reported up again')
    return found


def _commit(path):
    """The short commit of the checkout holding ``path``, or None."""
    import subprocess
    where = os.path.dirname(os.path.abspath(path or __file__))
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(
            ['git', '-C', where, 'rev-parse', '--short', 'HEAD'],
            check=True, capture_output=True, text=True).stdout.strip()
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m common_testing.fullstack.scaleout',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('--size', choices=sorted(SIZES), default='full')
    parser.add_argument('--vendor', action='append', default=None,
                        help='vendor directory name (repeatable)')
    parser.add_argument('--clients', type=int, default=None,
                        help="override the size's clients")
    parser.add_argument('--lifecycles', type=int, default=None,
                        help="override the size's lifecycles per backend")
    parser.add_argument('--kills', default=None,
                        help="override the size's kills (member,single)")
    parser.add_argument('--parallel', action='store_true',
                        help='every section at once (as the CI test)')
    parser.add_argument('--readme', default=None,
                        help='write the results table into this README')
    parser.add_argument('--commit', default=None,
                        help='the commit named in the README table')
    args = parser.parse_args(argv)
    from common_testing.fullstack import processes
    progress = processes.console_progress()
    # The code that runs is the checkout's now, whatever lands meanwhile.
    commit = args.commit or _commit(args.readme)
    size = SIZES[args.size]
    if args.clients or args.lifecycles or args.kills is not None:
        size = size._replace(name=size.name + ' with overrides')
    size = size._replace(
        clients=args.clients or size.clients,
        lifecycles=args.lifecycles or size.lifecycles,
        kills=tuple(args.kills.split(',')) if args.kills is not None
        else size.kills)
    results = []
    for topology in ('member', 'single'):
        if topology not in size.kills:
            continue
        with ScaleoutStack(vendors=args.vendor,
                           active_active=topology == 'member',
                           progress=progress) as stack:
            sections = (sorted(stack.clustered) if topology == 'member'
                        else None)
            if topology == 'member' and not sections:
                progress('no backend declares SUPPORTS_ACTIVE_ACTIVE')
                continue
            results += run_topology(
                stack, size, topology,
                size.outage if topology == 'member' else 0, progress,
                sections=sections, parallel=args.parallel)
    failed = False
    for result in results:
        for problem in problems(result):
            failed = True
            print('%s: %s' % (result.section, problem))
    block = readme_table(results, size,
                         commit=commit)
    print(block)
    if args.readme:
        write_readme(args.readme, block)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
