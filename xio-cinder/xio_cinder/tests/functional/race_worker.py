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

"""One cinder-volume service of the active/active tests, as a process.

The first line on stdin is a JSON object: ``options`` (the backend
section), ``backend_name`` and ``coordination_url`` (the tooz backend
shared with the other service). Each later line is a JSON list of
operations ``[name, {arguments}]``, all run at once from a thread pool;
the answer is one line ``RESULT <JSON>``, per operation ``[true,
result]`` or ``[false, error text]``. Objects are named by the cinder ids
given.
"""

import json
import sys

import xio_cinder.tests  # noqa: F401  (threading backend, no eventlet)


def main():
    setup = json.loads(sys.stdin.readline())
    from concurrent import futures

    from cinder import coordination
    from cinder import objects
    from oslo_config import cfg

    from common_testing import driver_loader
    objects.register_all()
    loaded = driver_loader.LoadedDriver(setup['options'],
                                        backend_name=setup['backend_name'])
    loaded.setUp()
    # Share the other service's tooz backend: that is what makes the
    # driver's locks hold across the two processes.
    coordination.COORDINATOR.stop()
    cfg.CONF.set_override('backend_url', setup['coordination_url'],
                          group='coordination')
    coordination.COORDINATOR.start()
    driver = loaded.driver
    ctxt = loaded.context

    def volume(vid, size=1):
        return objects.Volume(
            ctxt, id=vid, size=size, _name_id=None, volume_type_id=None,
            host='h@%s#Pool_1' % setup['backend_name'],
            provider_location=None, provider_id=None, multiattach=False)

    def snapshot(sid, vid):
        snap = objects.Snapshot(ctxt, id=sid, volume_id=vid, volume_size=1,
                                provider_location=None)
        snap.volume = volume(vid)
        return snap

    def run(name, args):
        if name == 'attach':
            info = driver.initialize_connection(volume(args['volume']),
                                                args['connector'])
            return info['data']['target_lun']
        if name == 'cycle':
            # Attach and detach again and again: the host empties often.
            for _n in range(args['times']):
                driver.initialize_connection(volume(args['volume']),
                                             args['connector'])
                driver.terminate_connection(volume(args['volume']),
                                            args['connector'])
            return None
        if name == 'detach':
            driver.terminate_connection(volume(args['volume']),
                                        args['connector'])
        elif name == 'snapshot':
            driver.create_snapshot(snapshot(args['snapshot'],
                                            args['volume']))
        elif name == 'clone':
            driver.create_cloned_volume(volume(args['volume']),
                                        volume(args['source']))
        elif name == 'from_snapshot':
            driver.create_volume_from_snapshot(
                volume(args['volume']),
                snapshot(args['snapshot'], args['source']))
        elif name == 'delete':
            driver.delete_volume(volume(args['volume']))
        elif name == 'delete_snapshot':
            driver.delete_snapshot(snapshot(args['snapshot'],
                                            args['volume']))
        else:
            raise ValueError('unknown operation %s' % name)

    def attempt(operation):
        try:
            return [True, run(*operation)]
        except Exception as exc:
            return [False, '%s: %s' % (type(exc).__name__, exc)]

    try:
        for line in sys.stdin:
            operations = json.loads(line)
            with futures.ThreadPoolExecutor(
                    max_workers=max(1, len(operations))) as pool:
                results = list(pool.map(attempt, operations))
            sys.stdout.write('RESULT %s\n' % json.dumps(results))
            sys.stdout.flush()
    finally:
        loaded.cleanUp()


if __name__ == '__main__':
    main()
