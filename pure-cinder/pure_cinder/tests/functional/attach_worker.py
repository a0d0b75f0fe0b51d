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
"""A second cinder-volume process for the cross-process attach test.

Reads a JSON job on stdin: backend options, the coordination backend URL
shared with the other process, a connector and volume ids; attaches all
volumes concurrently and prints the LUNs as JSON.
"""

import json
import sys

import pure_cinder.tests  # noqa: F401  (threading backend, no eventlet)


def main():
    job = json.load(sys.stdin)
    from concurrent import futures

    from cinder import coordination
    from cinder import objects
    from oslo_config import cfg

    from common_testing import driver_loader
    objects.register_all()
    loaded = driver_loader.LoadedDriver(job['options'],
                                        backend_name='pure-sim')
    loaded.setUp()
    try:
        # Share the other process's lock directory: that is what makes
        # the per-compute-host lock hold across processes.
        coordination.COORDINATOR.stop()
        cfg.CONF.set_override('backend_url', job['coordination_url'],
                              group='coordination')
        coordination.COORDINATOR.start()
        volumes = []
        for volume_id, provider_id in job['volumes']:
            volume = objects.Volume(
                loaded.context, id=volume_id, size=1, _name_id=None,
                provider_id=provider_id, provider_location=None,
                multiattach=False, volume_type_id=None)
            volumes.append(volume)
        with futures.ThreadPoolExecutor(max_workers=len(volumes)) as pool:
            infos = list(pool.map(
                lambda v: loaded.driver.initialize_connection(
                    v, job['connector']), volumes))
        print(json.dumps([i['data']['target_lun'] for i in infos]))
    finally:
        loaded.cleanUp()


if __name__ == '__main__':
    main()
