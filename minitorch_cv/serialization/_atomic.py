"""Write a file atomically: into a temporary file beside it, flushed to disk, then renamed.

An interrupted save never leaves a half-written file and never destroys the previous one; a
file that existed keeps its permission bits, a new one gets the usual ``0o666 & ~umask``.
"""
import os
import tempfile

_UMASK = os.umask(0)
os.umask(_UMASK)


def new_file_mode():
    """The permission bits a newly created file gets: ``0o666`` less the process's umask."""
    return 0o666 & ~_UMASK


def write_atomically(path, write):
    """Call ``write(handle)`` on a temporary binary file, then rename it to ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else new_file_mode()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _sync_folder(folder):
    """Make the rename itself durable (where the OS allows opening folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
