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
"""python -m common_testing.fullstack: bring up the stack, run the demo.

Prints progress, then a table (backend x operation -> result, seconds);
exits 1 if any operation failed, 2 if the stack did not come up.  Logs of
every process are in <run dir>/logs; the run dir is kept when something
failed (or with --keep), and removed otherwise.
"""

import argparse
import shutil
import signal
import sys

import fixtures

import common_testing.fullstack as fullstack_mod
from common_testing.fullstack import demo as demo_mod
from common_testing.fullstack import processes
from common_testing.fullstack import stack as stack_mod


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m common_testing.fullstack',
        description='Real cinder-api/scheduler/volume and glance-api on '
                    'every vendor simulator; runs the demo scenario.')
    parser.add_argument('--vendor', action='append', default=None,
                        help='only this vendor (directory name, e.g. '
                             'xio-cinder; repeatable); default: all '
                             'installed: %s' % ', '.join(
                                 v.dist
                                 for v in fullstack_mod.all_backends()))
    parser.add_argument('--run-dir', default=None,
                        help='directory for config, array state and logs '
                             '(default: a new /tmp/cinder-fullstack-*)')
    parser.add_argument('--keep', action='store_true',
                        help='keep the run directory even on success')
    parser.add_argument('--active-active', action='store_true',
                        help='serve backends whose driver declares '
                             'SUPPORTS_ACTIVE_ACTIVE by two cinder-volume '
                             'services of one cluster (tooz on Redis)')
    parser.add_argument('--up-only', action='store_true',
                        help='bring the stack up and wait for Ctrl-C '
                             'instead of running the demo')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    progress = processes.console_progress()

    stack = stack_mod.Stack(vendors=args.vendor, run_dir=args.run_dir,
                            active_active=args.active_active,
                            progress=lambda m: progress('starting ' + m))
    code = 2
    set_up = False
    try:
        # A failed (or interrupted) setUp has run every cleanup already.
        stack.setUp()
        set_up = True
        progress('stack up: %s; logs in %s'
                 % (', '.join(sorted(stack.sections)), stack.log_dir))
        progress('cinder API %s, glance %s' % (stack.api_url,
                                               stack.glance_url))
        if args.up_only:
            progress('Ctrl-C stops everything')
            signal.pause()
            code = 0
        else:
            demo = demo_mod.Demo(stack, report=progress)
            ok = demo.run()
            print()
            print(demo.table(), flush=True)
            code = 0 if ok else 1
    except KeyboardInterrupt:
        progress('interrupted')
        code = 130 if code == 2 else code
    except Exception as exc:
        if isinstance(exc, fixtures.MultipleExceptions):
            exc = exc.args[0][1]     # the setUp error, not the SetupError
        progress('FAILED: %s: %s' % (type(exc).__name__, exc))
    finally:
        run_dir = getattr(stack, 'run_dir', None)
        progress('stopping')
        try:
            if set_up:
                stack.cleanUp()
        except Exception as exc:
            progress('cleanup: %s' % exc)
            code = code or 2
        if run_dir and code == 0 and not args.keep and not args.run_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
        elif run_dir:
            progress('logs kept in %s/logs' % run_dir)
    return code


if __name__ == '__main__':
    sys.exit(main())
