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

import os
import runpy

import setuptools

# In a git checkout the version comes from this package's own
# <name>-X.Y.Z tags (common-testing/tools/pkgversion.py); an sdist carries
# it in PKG-INFO.
here = os.path.dirname(os.path.abspath(__file__))
pkgversion = os.path.join(here, os.pardir, 'common-testing', 'tools',
                          'pkgversion.py')
if os.path.isfile(pkgversion):
    runpy.run_path(pkgversion)['export_pbr_version'](here)

setuptools.setup(setup_requires=['pbr>=6.1.1'], pbr=True)
