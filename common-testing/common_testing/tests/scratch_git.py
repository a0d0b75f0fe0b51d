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

"""A test's scratch git checkout at ``self.repo``: write files, commit."""

import os
import subprocess


class ScratchGitMixin(object):
    """For a test case that sets ``self.repo`` to a directory."""

    def git(self, *args):
        return subprocess.run(
            ['git', '-C', self.repo, '-c', 'user.name=t', '-c',
             'user.email=t@example.com'] + list(args),
            check=True, capture_output=True, text=True).stdout.strip()

    def write(self, path, text):
        path = os.path.join(self.repo, path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as out:
            out.write(text)

    def commit(self):
        """Commit every change; return the commit's 12-letter hash."""
        self.git('add', '-A')
        self.git('commit', '-q', '-m', 'change')
        return self.git('rev-parse', 'HEAD')[:12]
