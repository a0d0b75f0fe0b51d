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
"""Sphinx configuration of the one documentation site of the repository.

The site gathers what each package already keeps next to its code: its
README, its protocol notes (``<package>/doc/*.rst``), its cinder.conf
options (oslo.config's ``show-options``, from the package's
``oslo.config.opts`` entry point) and its release notes (reno). The pages
that include them are written into ``packages/`` at every build, so a new
package or a new protocol note needs no change here beyond PACKAGES.
"""

import configparser
import os

SOURCE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(SOURCE))
GENERATED = os.path.join(SOURCE, 'packages')

# The driver packages, in the order the top-level README lists them.
PACKAGES = ['pure-cinder', 'xio-cinder', 'infortrend-cinder',
            'huawei-sds-cinder']
# Documented too, without cinder.conf options of their own.
OTHERS = ['datera-fuel', 'common-testing']

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'reno.sphinxext',
]

project = 'Cinder backend drivers'
copyright = 'the Cinder backends team'
html_theme = 'openstackdocs'
openstackdocs_repo_name = 'cinder-backends'
openstackdocs_auto_name = False
openstackdocs_use_storyboard = False
openstackdocs_bug_project = 'cinder-backends'
openstackdocs_bug_tag = 'docs'
# The theme links every page to its source in a public repository; this one
# has none.
openstackdocs_pdf_link = False
html_show_sourcelink = False
exclude_patterns = []
master_doc = 'index'


def _option_namespaces(package):
    """The oslo.config namespaces the package's setup.cfg declares."""
    setup = configparser.ConfigParser()
    setup.read(os.path.join(REPO, package, 'setup.cfg'))
    entries = setup.get('entry_points', 'oslo.config.opts', fallback='')
    return [line.split('=')[0].strip()
            for line in entries.splitlines() if line.strip()]


def _title(text, mark='='):
    return '%s\n%s\n\n' % (text, mark * len(text))


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    old = None
    if os.path.exists(path):
        with open(path) as current:
            old = current.read()
    if old != text:     # leave mtimes alone: Sphinx rebuilds what changed
        with open(path, 'w') as page:
            page.write(text)


def _package_pages(package):
    """The package's pages; returns the names for its toctree."""
    rel = os.path.relpath(os.path.join(REPO, package), os.path.join(
        GENERATED, package))
    pages = []
    _write(os.path.join(GENERATED, package, 'readme.rst'),
           '.. include:: %s/README.rst\n' % rel)
    pages.append('readme')
    doc_dir = os.path.join(REPO, package, 'doc')
    if os.path.isdir(doc_dir):
        for name in sorted(os.listdir(doc_dir)):
            if name.endswith('.rst'):
                _write(os.path.join(GENERATED, package, name),
                       '.. include:: %s/doc/%s\n' % (rel, name))
                pages.append(name[:-4])
    namespaces = _option_namespaces(package)
    if namespaces:
        _write(os.path.join(GENERATED, package, 'configuration.rst'),
               _title('%s: cinder.conf options' % package)
               + ''.join('.. show-options:: %s\n\n' % namespace
                         for namespace in namespaces))
        pages.append('configuration')
    if os.path.isdir(os.path.join(REPO, package, 'releasenotes', 'notes')):
        # reno titles the page and names its labels after the directive's
        # content: one title per package keeps the labels apart.
        _write(os.path.join(GENERATED, package, 'releasenotes.rst'),
               '.. release-notes::\n'
               '   :reporoot: %s\n'
               '   :relnotessubdir: %s/releasenotes\n\n'
               '   %s release notes\n' % (REPO, package, package))
        pages.append('releasenotes')
    _write(os.path.join(GENERATED, package, 'index.rst'),
           _title(package)
           + '.. toctree::\n   :maxdepth: 2\n\n'
           + ''.join('   %s\n' % page for page in pages))


for _package in PACKAGES + OTHERS:
    _package_pages(_package)
