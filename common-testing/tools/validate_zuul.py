#!/usr/bin/env python3
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
"""Validate zuul.d/ offline with Zuul's own configuration parser.

Usage: validate_zuul.py [--repo-root DIR]

Checks, each reported as "<file>: <item>: key '<key>': <problem>":

* every YAML file loads with Zuul's loader (duplicate keys, !inherit);
* every item matches Zuul's schema for its type (a typo such as ``file:``
  for ``files:`` is an "extra keys not allowed" error), also inside the
  job variants of a project's pipelines;
* every ``files`` / ``irrelevant-files`` regex compiles with RE2, the
  engine Zuul matches with (a negative lookahead does not);
* every ``tox_envlist`` names a ``[testenv:<env>]`` section of tox.ini;
* certification: each ``cert-<backend>`` tox environment is run by one
  job, whose ``files`` are those of the job of the vendor package the
  environment installs, and no job certifies two vendors' backends;
* every playbook path exists; every parent and every job a pipeline lists
  is defined here (or is one of the few OpenStack jobs we inherit from);
* gating policy: each package tox environment (one whose ``changedir`` is
  ``{toxinidir}/<env>``) has one job, listed in check and gate; a change
  inside one vendor directory runs that vendor's job and no other
  package's; a change to common-testing/ or tox.ini runs every package job.
  File matching uses Zuul's own matcher classes.

Needs the ``zuul`` package (tox -e zuul); nothing else in the repository
imports this module.
"""

import argparse
import configparser
import os
import re
import sys
import types

import voluptuous
from zuul import change_matcher
from zuul import configloader
from zuul.lib import yamlutil
from zuul import model

# Jobs defined outside this repository (openstack-zuul-jobs, zuul-jobs).
EXTERNAL_JOBS = frozenset([
    'base', 'tox', 'openstack-tox', 'openstack-tox-pep8',
    'openstack-tox-py311', 'openstack-tox-py312',
])
# The package every other package's tests depend on.
SHARED_PACKAGE = 'common-testing'
# Changes that must run every package's job.
SHARED_CHANGES = ('common-testing/constraints.txt',
                  'common-testing/common_testing/__init__.py', 'tox.ini')
PIPELINES = ('check', 'gate')
PLAYBOOK_KEYS = ('pre-run', 'run', 'post-run', 'cleanup-run')
MATCHER_KEYS = ('files', 'irrelevant-files')


class Problem(object):
    def __init__(self, path, item, key, message):
        self.path, self.item, self.key, self.message = (
            path, item, key, message)

    def __str__(self):
        where = [self.path]
        if self.item:
            where.append(self.item)
        if self.key:
            where.append("key '%s'" % self.key)
        return '%s: %s' % (': '.join(where), self.message)


def _parsers():
    context = configloader.ParseContext(
        types.SimpleNamespace(connections={}), None, None, None)
    return {
        'job': context.job_parser,
        'project': context.project_parser,
        'project-template': context.project_template_parser,
        'nodeset': context.nodeset_parser,
        'secret': context.secret_parser,
        'semaphore': context.semaphore_parser,
        'queue': context.queue_parser,
        'pragma': context.pragma_parser,
    }


def _plain(value):
    """A matcher list without Zuul's !inherit / !override wrapper."""
    if isinstance(value, yamlutil.OverrideValue):
        return value.value
    return value


def _as_list(value):
    value = _plain(value)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _key_of(error_path):
    return '.'.join(str(p) for p in error_path) or None


def load_items(zuul_dir, root):
    """Yield (relative path, item type, body) and Problems for zuul_dir."""
    yaml_files = []
    for dirpath, dirnames, filenames in os.walk(zuul_dir):
        dirnames.sort()
        yaml_files.extend(os.path.join(dirpath, f)
                          for f in sorted(filenames) if f.endswith('.yaml'))
    if not yaml_files:
        yield Problem(os.path.relpath(zuul_dir, root), None, None,
                      'no .yaml files: Zuul would see no configuration')
    for path in yaml_files:
        rel = os.path.relpath(path, root)
        context = model.SourceContext(
            'example.invalid/cinder-backends', 'cinder-backends', 'gerrit',
            'master', rel)
        with open(path) as f:
            text = f.read()
        try:
            data = configloader.safe_load_yaml(text, context)
        except Exception as exc:
            yield Problem(rel, None, None, 'does not load: %s' % exc)
            continue
        if data is None:
            continue
        if not isinstance(data, list):
            yield Problem(rel, None, None,
                          'top level must be a list of items')
            continue
        for index, item in enumerate(data):
            if not isinstance(item, dict) or len(item) != 1:
                yield Problem(rel, 'item %d' % index, None,
                              'an item is a mapping with one key '
                              '(job, project, ...)')
                continue
            (item_type, body), = item.items()
            yield rel, str(item_type), body


def check_schema(parsers, rel, item_type, body, label):
    parser = parsers.get(item_type)
    if parser is None:
        return [Problem(rel, label, item_type,
                        'unknown item type (known: %s)'
                        % ', '.join(sorted(parsers)))]
    if not isinstance(body, dict):
        return [Problem(rel, label, None, 'body must be a mapping')]
    body = {k: v for k, v in body.items()
            if k not in ('_source_context', '_start_mark')}
    try:
        parser.schema(body)
    except voluptuous.MultipleInvalid as exc:
        return [Problem(rel, label, _key_of(e.path), e.msg)
                for e in exc.errors]
    except voluptuous.Invalid as exc:
        return [Problem(rel, label, _key_of(exc.path), exc.msg)]
    return []


def check_regexes(rel, label, attrs, prefix=''):
    problems = []
    for key in MATCHER_KEYS:
        for rx in _as_list(attrs.get(key)):
            pattern = rx['regex'] if isinstance(rx, dict) else rx
            try:
                regex = configloader.make_regex(rx)
            except Exception as exc:
                problems.append(Problem(
                    rel, label, prefix + key,
                    'regex %r does not compile: %s' % (pattern, exc)))
                continue
            if regex.re2_failure:
                problems.append(Problem(
                    rel, label, prefix + key,
                    'regex %r is not RE2-compatible (%s); Zuul matches '
                    'files with RE2' % (
                        pattern, regex.re2_failure_message or 'unsupported')))
    return problems


def read_tox(root):
    tox = configparser.ConfigParser(interpolation=None)
    path = os.path.join(root, 'tox.ini')
    if not tox.read(path):
        raise SystemExit('%s: cannot read tox.ini' % path)
    return tox


def tox_envs(tox):
    return {s.split(':', 1)[1] for s in tox.sections()
            if s.startswith('testenv:')}


def package_envs(tox):
    """Tox envs that test the package in the directory of the same name."""
    envs = set()
    for env in tox_envs(tox):
        changedir = tox.get('testenv:' + env, 'changedir', fallback='')
        if changedir.strip().rstrip('/') == '{toxinidir}/' + env:
            envs.add(env)
    return envs


_VENDOR_DEP = re.compile(r'\{toxinidir\}/([^/\[\s]+)\[simulator\]')


def cert_envs(tox):
    """{certification tox env: the vendor package directory it installs}."""
    envs = {}
    for env in tox_envs(tox):
        if env.startswith('cert-'):
            match = _VENDOR_DEP.search(
                tox.get('testenv:' + env, 'deps', fallback=''))
            envs[env] = match.group(1) if match else None
    return envs


def check_certification(runner, tox, project_rel, pipeline):
    """Each cert env has one job, gated like its vendor's package job."""
    problems = []
    jobs_of = {}
    for envlist, entries in runner.items():
        for env in (e.strip() for e in envlist.split(',')):
            jobs_of.setdefault(env, []).extend(entries)
    packages_of_job = {}
    for env, package in sorted(cert_envs(tox).items()):
        holders = jobs_of.get(env, [])
        if len(holders) != 1:
            problems.append(Problem(
                project_rel, 'project', pipeline,
                'certification %s needs exactly one job running tox -e %s, '
                'found %d' % (env, env, len(holders))))
            continue
        name, files = holders[0]
        packages_of_job.setdefault(name, set()).add(package)
        unit = runner.get(package, [])
        if unit and [str(f) for f in files] != [str(f) for f in unit[0][1]]:
            problems.append(Problem(
                project_rel, name, 'files',
                'differ from those of %s, so a change that runs %s\'s unit '
                'tests would not re-certify it (or the other way round)'
                % (unit[0][0], package)))
    for name, packages in sorted(packages_of_job.items()):
        if len(packages) > 1:
            problems.append(Problem(
                project_rel, name, 'vars.tox_envlist',
                'certifies backends of %s: one job per vendor'
                % ', '.join(sorted(packages))))
    return problems


def check_tox_envlist(rel, label, attrs, envs, prefix=''):
    variables = attrs.get('vars') or {}
    if not isinstance(variables, dict) or 'tox_envlist' not in variables:
        return []
    problems = []
    for env in str(variables['tox_envlist']).split(','):
        env = env.strip()
        if env not in envs:
            problems.append(Problem(
                rel, label, prefix + 'vars.tox_envlist',
                'tox environment %r has no [testenv:%s] section in tox.ini'
                % (env, env)))
    return problems


def check_playbooks(rel, label, attrs, root):
    problems = []
    for key in PLAYBOOK_KEYS:
        for playbook in _as_list(attrs.get(key)):
            name = playbook.get('name') if isinstance(
                playbook, dict) else playbook
            if not os.path.isfile(os.path.join(root, str(name))):
                problems.append(Problem(
                    rel, label, key, 'playbook %r does not exist' % name))
    return problems


def _job_entries(pipeline_body):
    """(name, variant attrs or {}) for each job a pipeline lists."""
    for entry in (pipeline_body or {}).get('jobs') or []:
        if isinstance(entry, str):
            yield entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            (name, attrs), = entry.items()
            yield str(name), attrs if isinstance(attrs, dict) else {}


def _effective_files(jobs, name, variant):
    """The files matchers a job runs with, following local parents."""
    if variant and 'files' in variant:
        return _as_list(variant['files'])
    seen = set()
    while name in jobs and name not in seen:
        seen.add(name)
        if 'files' in jobs[name]:
            return _as_list(jobs[name]['files'])
        name = jobs[name].get('parent')
    return []


def _runs_for(files_regexes, changed_file):
    if not files_regexes:
        return True
    matcher = change_matcher.MatchAnyFiles(
        [change_matcher.FileMatcher(configloader.make_regex(rx))
         for rx in files_regexes])
    return bool(matcher.matches(types.SimpleNamespace(files=[changed_file])))


def check_gating(jobs, projects, tox, rel_of_project):
    problems = []
    pipelines = {}
    for rel, body in projects:
        for pipeline in PIPELINES:
            for name, variant in _job_entries(body.get(pipeline)):
                pipelines.setdefault(pipeline, {})[name] = (rel, variant)
    project_rel = rel_of_project or 'zuul.d'
    for name, attrs in jobs.items():
        if attrs.get('abstract'):
            continue
        for pipeline in PIPELINES:
            if name not in pipelines.get(pipeline, {}):
                problems.append(Problem(
                    project_rel, 'project', pipeline,
                    'job %s is defined but not listed' % name))
    for pipeline in PIPELINES:
        listed = pipelines.get(pipeline, {})
        for name, (rel, _variant) in listed.items():
            if name not in jobs and name not in EXTERNAL_JOBS:
                problems.append(Problem(
                    rel, 'project', pipeline,
                    'job %s is not defined' % name))
        runner = {}
        for name, (rel, variant) in listed.items():
            attrs = jobs.get(name, {})
            envlist = (variant.get('vars') or {}).get(
                'tox_envlist', (attrs.get('vars') or {}).get('tox_envlist'))
            if envlist:
                runner.setdefault(str(envlist), []).append(
                    (name, _effective_files(jobs, name, variant)))
        packages = sorted(package_envs(tox))
        for package in packages:
            if len(runner.get(package, [])) != 1:
                problems.append(Problem(
                    project_rel, 'project', pipeline,
                    'package %s needs exactly one job running tox -e %s, '
                    'found %d' % (package, package,
                                  len(runner.get(package, [])))))
        for package in packages:
            changed = '%s/setup.cfg' % package
            for other in packages:
                for name, files in runner.get(other, []):
                    runs = _runs_for(files, changed)
                    if other == package and not runs:
                        problems.append(Problem(
                            project_rel, name, 'files',
                            'a change to %s does not run this job in %s'
                            % (changed, pipeline)))
                    elif (other != package and package != SHARED_PACKAGE
                          and runs):
                        problems.append(Problem(
                            project_rel, name, 'files',
                            'a change to %s (package %s) also runs this '
                            '%s job in %s' % (changed, package, other,
                                              pipeline)))
        problems.extend(check_certification(runner, tox, project_rel,
                                            pipeline))
        for changed in SHARED_CHANGES:
            for package in packages:
                for name, files in runner.get(package, []):
                    if not _runs_for(files, changed):
                        problems.append(Problem(
                            project_rel, name, 'files',
                            'a change to %s does not run this job in %s'
                            % (changed, pipeline)))
    return problems


def jobs_run_for(root, changed_file, pipeline='check'):
    """Names of the jobs root/zuul.d runs in pipeline for one changed file."""
    jobs = {}
    projects = []
    for entry in load_items(os.path.join(root, 'zuul.d'), root):
        if isinstance(entry, Problem):
            raise ValueError(str(entry))
        rel, item_type, body = entry
        if item_type == 'job':
            jobs[body['name']] = body
        elif item_type == 'project':
            projects.append(body)
    return sorted(
        name for body in projects
        for name, variant in _job_entries(body.get(pipeline))
        if _runs_for(_effective_files(jobs, name, variant), changed_file))


def validate(root):
    """All Problems of root/zuul.d (an empty list when it is valid)."""
    root = os.path.abspath(root)
    tox = read_tox(root)
    envs = tox_envs(tox)
    parsers = _parsers()
    problems = []
    jobs = {}
    projects = []
    project_rel = None
    for entry in load_items(os.path.join(root, 'zuul.d'), root):
        if isinstance(entry, Problem):
            problems.append(entry)
            continue
        rel, item_type, body = entry
        name = body.get('name') if isinstance(body, dict) else None
        label = '%s %s' % (item_type, name) if name else item_type
        if item_type == 'project':
            project_rel = rel
        schema_problems = check_schema(parsers, rel, item_type, body, label)
        problems.extend(schema_problems)
        if schema_problems:
            continue
        if item_type == 'job':
            if name in jobs:
                problems.append(Problem(rel, label, 'name',
                                        'job defined twice'))
            jobs[name] = body
            problems.extend(check_regexes(rel, label, body))
            problems.extend(check_tox_envlist(rel, label, body, envs))
            problems.extend(check_playbooks(rel, label, body, root))
        elif item_type in ('project', 'project-template'):
            if item_type == 'project':
                projects.append((rel, body))
            for pipeline, pipeline_body in body.items():
                if not isinstance(pipeline_body, dict):
                    continue
                for job_name, variant in _job_entries(pipeline_body):
                    prefix = '%s.jobs.%s.' % (pipeline, job_name)
                    problems.extend(check_regexes(rel, label, variant,
                                                  prefix))
                    problems.extend(check_tox_envlist(rel, label, variant,
                                                      envs, prefix))
    for name, body in jobs.items():
        parent = body.get('parent')
        if parent and parent not in jobs and parent not in EXTERNAL_JOBS:
            problems.append(Problem(
                'zuul.d', 'job %s' % name, 'parent',
                'parent job %s is not defined' % parent))
    if project_rel is None:
        problems.append(Problem('zuul.d', None, None,
                                'no project stanza: no job would run'))
    elif projects and not problems:
        problems.extend(check_gating(jobs, projects, tox, project_rel))
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--repo-root', default=os.path.join(
            os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir),
        help='repository root holding zuul.d/ and tox.ini')
    args = parser.parse_args(argv)
    problems = validate(args.repo_root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print('zuul.d: %d problem(s)' % len(problems), file=sys.stderr)
        return 1
    print('zuul.d: valid')
    return 0


if __name__ == '__main__':
    sys.exit(main())
