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
"""Prove that data travelled: write a seeded pattern here, check it there.

A volume's data is written at a few offsets (the start, an unaligned spot
past the first MiB, the last bytes) through one path, e.g. an attached LUN,
and checked through another, e.g. the attachment of a snapshot's clone, or
a backing file.  Only those few blocks are touched, so checking a 1 GiB
volume costs a few hundred KiB of I/O.

The pattern of (seed, offset) is always the same bytes; different seeds
give different bytes, so a test can tell "the clone has the source's data"
from "the clone has some data".
"""

import hashlib
import os
import random

BLOCK = 64 * 1024
# Start, an odd spot past the first MiB (catches offset arithmetic errors)
# and the end; negative offsets count from the end of the path.
DEFAULT_OFFSETS = (0, 1024 * 1024 + 4096 + 512, -BLOCK)


class PatternMismatch(AssertionError):
    """The pattern is not where it was written; says where and how."""


def pattern(seed, offset, length=BLOCK):
    """The bytes that ``seed`` puts at ``offset``."""
    return random.Random('%s:%d' % (seed, offset)).randbytes(length)


def digest(data):
    """A short description of ``data`` for assertion messages."""
    return '%d bytes sha256 %s' % (len(data),
                                   hashlib.sha256(data).hexdigest()[:16])


def _size(fd):
    return os.lseek(fd, 0, os.SEEK_END)


def _absolute(offsets, size, length):
    result = []
    for offset in offsets:
        absolute = offset + size if offset < 0 else offset
        if absolute < 0 or absolute + length > size:
            raise ValueError('offset %d (length %d) is outside a device of '
                             '%d bytes' % (offset, length, size))
        result.append(absolute)
    return result


def write_pattern(path, seed, offsets=DEFAULT_OFFSETS, length=BLOCK):
    """Write the pattern of ``seed`` at ``offsets`` of ``path``; fsync.

    Returns the absolute offsets written.
    """
    fd = os.open(path, os.O_WRONLY)
    try:
        written = _absolute(offsets, _size(fd), length)
        for offset in written:
            os.pwrite(fd, pattern(seed, offset, length), offset)
        os.fsync(fd)
    finally:
        os.close(fd)
    return written


def mismatches(path, seed, offsets=DEFAULT_OFFSETS, length=BLOCK):
    """[(offset, description)] where ``path`` lacks the pattern of ``seed``.

    Negative offsets are taken from the end of ``path`` (so a clone larger
    than its source must be checked with the source's absolute offsets, as
    write_pattern returned them).  Cached pages of ``path`` are dropped
    first, so data that reached it another way is seen.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        found = []
        for offset in _absolute(offsets, _size(fd), length):
            expected = pattern(seed, offset, length)
            actual = os.pread(fd, length, offset)
            if actual != expected:
                first = next((i for i, (a, b) in
                              enumerate(zip(actual, expected)) if a != b),
                             min(len(actual), len(expected)))
                found.append((offset, 'first difference at byte %d: read %s,'
                              ' expected %s' % (offset + first,
                                                digest(actual),
                                                digest(expected))))
        return found
    finally:
        os.close(fd)


def check_pattern(path, seed, offsets=DEFAULT_OFFSETS, length=BLOCK):
    """Raise PatternMismatch unless ``path`` has the pattern of ``seed``."""
    found = mismatches(path, seed, offsets, length)
    if found:
        details = '; '.join(description for _offset, description in found)
        raise PatternMismatch('%s lacks the data of seed %r at %d of %d '
                              'offsets: %s' % (path, seed, len(found),
                                               len(offsets), details))
