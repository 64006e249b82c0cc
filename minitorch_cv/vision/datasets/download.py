"""Fetch and unpack dataset archives and weight files: checksummed, atomic, safe against hostile tar members.

Nothing half-done is left where a dataset looks for its files: the download goes to a temporary
file renamed into place once its md5 matches, and the archive is unpacked into a temporary
folder inside ``root`` whose dataset folder is renamed into place once complete.
"""
import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib

from tqdm import tqdm

from ...serialization._atomic import new_file_mode


class DownloadError(RuntimeError):
    """A download or an extraction failed; the message names the file and what to do."""


def md5sum(path, chunk_size=1 << 20):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url, out, timeout, digests, progress):
    """Stream ``url`` into the open file ``out``, updating each hashlib object in ``digests``.

    Returns (bytes received, bytes announced or None); ``progress`` shows a tqdm bar on stderr.
    """
    received = 0
    request = urllib.request.Request(url, headers={"User-Agent": "minitorch_cv"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        expected = response.headers.get("Content-Length")
        expected = None if expected is None else int(expected)
        with tqdm(total=expected, disable=not progress, unit="B", unit_scale=True, unit_divisor=1024) as bar:
            while chunk := response.read(1 << 20):
                out.write(chunk)
                for digest in digests.values():
                    digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    return received, expected


def download_url(url, path, md5=None, timeout=60, sha256_prefix=None, progress=False):
    """Download ``url`` to ``path``, replacing it only when complete and matching its checksum.

    ``md5`` is the whole md5 hex digest; ``sha256_prefix`` the start of the sha256 hex digest
    (torch.hub's file-name convention, ``resnet50-0676ba61.pth``).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=folder)
    by_hand = f"download it by hand from {url} and save it as {path}"
    digests = {name: hashlib.new(name) for name, wanted in (("md5", md5), ("sha256", sha256_prefix)) if wanted}
    print(f"Downloading {url} to {path}")
    try:
        with os.fdopen(fd, "wb") as out:
            received, expected = _fetch(url, out, timeout, digests, progress)
        if expected is not None and received != expected:
            raise DownloadError(f"download of {url} was cut short: got {received} of {expected} "
                                f"bytes. Try again, or {by_hand}")
        if md5 is not None and digests["md5"].hexdigest() != md5:
            raise DownloadError(f"download of {url} is corrupt: md5 {digests['md5'].hexdigest()}, expected "
                                f"{md5}. Try again, or {by_hand}")
        if sha256_prefix is not None and not digests["sha256"].hexdigest().startswith(sha256_prefix):
            raise DownloadError(f'download of {url} is corrupt: invalid hash value (expected "{sha256_prefix}", '
                                f'got "{digests["sha256"].hexdigest()}"). Try again, or {by_hand}')
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise DownloadError(f"could not download {url}: {exc}. Check the network connection, "
                            f"or {by_hand}") from exc
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _member_target(member, folder, archive):
    """Where ``member`` may be written inside ``folder``; refuse links and path escapes."""
    name = member.name.replace("\\", "/")
    if not (member.isfile() or member.isdir()):
        raise DownloadError(f"refusing to extract {archive}: member {member.name!r} is a link or "
                            "special file; a dataset archive holds only files and folders")
    target = os.path.realpath(os.path.join(folder, name))
    if (name.startswith("/") or ".." in name.split("/")
            or not target.startswith(os.path.realpath(folder) + os.sep)):
        raise DownloadError(f"refusing to extract {archive}: member {member.name!r} would be "
                            "written outside the extraction folder")
    return target


def _extract_into(archive, folder):
    os.makedirs(folder)
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            target = _member_target(member, folder, archive)
            if member.isdir():
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)


def extract_folder(archive, root, folder, required):
    """Unpack ``folder`` (holding every name in ``required``) from ``archive`` to ``root/folder``.

    The archive is unpacked into a temporary folder inside ``root``; only when it extracted
    cleanly and holds all ``required`` files is ``folder`` renamed into place (an incomplete
    older copy is swapped out, then deleted).
    """
    tmp = tempfile.mkdtemp(prefix=".extract-", dir=root)
    unpacked = os.path.join(tmp, "archive")
    try:
        try:
            _extract_into(archive, unpacked)
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise DownloadError(f"{archive} is truncated or corrupt ({exc}); delete it and "
                                "download again") from exc
        missing = [name for name in required
                   if not os.path.isfile(os.path.join(unpacked, folder, name))]
        if missing:
            raise DownloadError(f"{archive} does not contain {folder}/{missing[0]}: it is not the "
                                "expected dataset archive; delete it and download again")
        destination = os.path.join(root, folder)
        if os.path.exists(destination):
            os.replace(destination, os.path.join(tmp, "previous"))
        os.replace(os.path.join(unpacked, folder), destination)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
