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
"""Load a cinder.conf as cinder 29's cinder-volume does and report on it.

Run in a subprocess (``python -m datera_fuel_tests.cinder_volume_probe``):
importing cinder.cmd.volume monkey-patches the process with eventlet, as
the real service does. Prints one JSON object on the last line of stdout:

- ``unknown``: keys of the backend section that no option registered in
  that section has (cinder's manager options, the backend_host option
  cinder-volume registers per backend, and the driver's own options);
- ``values``: every key's value as oslo.config parsed it (a bad value
  makes the probe exit with the option named);
- ``host``: the host the backend's volumes belong to;
- with ``--setup``: ``stats`` after do_setup and check_for_setup_error.

Test-only compatibility shims, applied here and nowhere else:
``collections.Mapping`` for dfs_sdk 1.2.27 on Python >= 3.10, and a
private schema cache file for dfs_sdk instead of /tmp/.cached-schema.
"""

import argparse
import collections
import collections.abc
import configparser
import json
import logging
import sys


def _shim_dfs_sdk(schema_cache):
    collections.Mapping = collections.abc.Mapping
    import dfs_sdk
    get_api = dfs_sdk.get_api

    def get_api_with_private_cache(*args, **kwargs):
        kwargs.setdefault('schema_loc', schema_cache)
        return get_api(*args, **kwargs)
    dfs_sdk.get_api = get_api_with_private_cache


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('config_file')
    parser.add_argument('--backend', required=True)
    parser.add_argument('--schema-cache', required=True)
    parser.add_argument('--setup', action='store_true')
    args = parser.parse_args(argv)

    # First, as in cinder-volume: this import monkey-patches the process.
    from cinder.cmd import volume as cmd_volume
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    _shim_dfs_sdk(args.schema_cache)
    from cinder import objects
    objects.register_all()
    from cinder import context
    from cinder.volume import configuration
    from cinder.volume import manager
    from oslo_config import cfg
    from oslo_utils import importutils

    conf = cfg.CONF
    conf(['--config-file', args.config_file], project='cinder',
         default_config_files=[], default_config_dirs=[])
    if args.backend not in conf.enabled_backends:
        sys.exit('backend %s is not in enabled_backends %s'
                 % (args.backend, conf.enabled_backends))
    # What cinder-volume's main() does for each enabled backend.
    conf.register_opt(cmd_volume.host_opt, group=args.backend)
    backend_conf = configuration.Configuration(
        manager.volume_backend_opts, config_group=args.backend)
    host = '%s@%s' % (getattr(conf, args.backend).backend_host or conf.host,
                      args.backend)
    driver = importutils.import_object(
        backend_conf.volume_driver, configuration=backend_conf, host=host,
        cluster_name=None, is_vol_db_empty=True, active_backend_id=None)

    ini = configparser.RawConfigParser(default_section='__none__')
    ini.read(args.config_file)
    registered = conf[args.backend]
    result = {'unknown': [], 'values': {}, 'host': host,
              'driver': type(driver).__module__ + '.' + type(driver).__name__,
              'enabled_backends': conf.enabled_backends}
    for key, _raw in ini.items(args.backend):
        if key not in registered:
            result['unknown'].append(key)
            continue
        try:
            value = getattr(registered, key)
        except ValueError as exc:
            sys.exit('[%s] %s: %s' % (args.backend, key, exc))
        if key != 'san_password':
            result['values'][key] = value
    if args.setup:
        ctxt = context.get_admin_context()
        driver.do_setup(ctxt)
        driver.check_for_setup_error()
        stats = driver.get_volume_stats(refresh=True)
        result['stats'] = {k: stats.get(k) for k in (
            'vendor_name', 'volume_backend_name', 'storage_protocol',
            'total_capacity_gb', 'free_capacity_gb', 'driver_version')}
    print(json.dumps(result, default=str))


if __name__ == '__main__':
    main()
