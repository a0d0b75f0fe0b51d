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
"""Volume data files: sparse files that hold a simulated volume's bytes.

A simulator keeps one file per volume (or snapshot, partition, ...) in its
state directory.  Files are sparse: a new 1 TiB volume costs no disk, and
copies (snapshots, clones) copy only the extents that hold data, sharing
blocks with a reflink where the file system can.  tgtd exports these files
as LUNs (see simkit.export), so what an initiator writes lands here.
"""

import fcntl
import os

# ioctl FICLONE (linux/fs.h): share all blocks of one file with another.
_FICLONE = 0x40049409
_CHUNK = 4 * 1024 * 1024


def create(path, size, exist_ok=False):
    """Create the sparse file ``path`` of ``size`` bytes (all zeroes).

    An existing file is an error (FileExistsError) unless ``exist_ok``, in
    which case it keeps its data and gets ``size``.
    """
    flags = os.O_WRONLY | os.O_CREAT | (0 if exist_ok else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    try:
        os.ftruncate(fd, size)
    finally:
        os.close(fd)


def resize(path, size):
    """Give ``path`` ``size`` bytes: growing adds a hole, shrinking cuts.

    Raises FileNotFoundError if the file does not exist, so a simulator
    never silently creates a volume on resize.
    """
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, size)
    finally:
        os.close(fd)


def size(path):
    """The size of ``path`` in bytes."""
    return os.stat(path).st_size


def allocated(path):
    """Bytes of disk ``path`` really uses (its data extents)."""
    return os.stat(path).st_blocks * 512


def remove(path):
    """Delete ``path``; no error if it is gone already (deletes repeat)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def extents(fd, end):
    """Yield (offset, length) of the data extents of ``fd`` below ``end``."""
    offset = 0
    while offset < end:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError:     # ENXIO: only a hole is left
            return
        if start >= end:
            return
        stop = min(os.lseek(fd, start, os.SEEK_HOLE), end)
        yield start, stop - start
        offset = stop


def copy(source, target, size=None):
    """Copy ``source`` into ``target`` (created or replaced), keeping holes.

    ``target`` gets ``size`` bytes (default: the size of ``source``); data
    of ``source`` past ``size`` is not copied.  Blocks are shared with a
    reflink when the file system allows it and the whole file is wanted,
    otherwise only the data extents are copied.
    """
    with open(source, 'rb') as src, open(target, 'wb') as dst:
        source_size = os.fstat(src.fileno()).st_size
        wanted = source_size if size is None else size
        if wanted >= source_size:
            try:
                fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            except OSError:
                pass     # no reflinks here (tmpfs, ext4): copy extents
            else:
                dst.truncate(wanted)
                return
        dst.truncate(wanted)
        for offset, length in extents(src.fileno(),
                                      min(source_size, wanted)):
            _copy_range(src.fileno(), dst.fileno(), offset, length)


def _copy_range(src_fd, dst_fd, offset, length):
    end = offset + length
    while offset < end:
        try:
            copied = os.copy_file_range(src_fd, dst_fd,
                                        min(end - offset, _CHUNK),
                                        offset, offset)
        except OSError:     # e.g. EXDEV on old kernels: read and write
            copied = os.pwrite(dst_fd,
                               os.pread(src_fd, min(end - offset, _CHUNK),
                                        offset), offset)
        if copied <= 0:
            break
        offset += copied


def read(path, offset, length):
    """``length`` bytes of ``path`` from ``offset`` (short at the end)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, length, offset)
    finally:
        os.close(fd)


def write(path, offset, data):
    """Write ``data`` at ``offset`` of ``path``; the file never grows.

    A write past the end is refused (ValueError) as a disk would refuse it.
    """
    fd = os.open(path, os.O_WRONLY)
    try:
        end = os.fstat(fd).st_size
        if offset < 0 or offset + len(data) > end:
            raise ValueError('write of %d bytes at %d is outside %s (%d '
                             'bytes)' % (len(data), offset, path, end))
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)
