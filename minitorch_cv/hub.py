"""torch.hub's weight cache: ``load_state_dict_from_url`` and friends, without torch.

Files live where torch keeps them, ``$TORCH_HOME/hub/checkpoints`` (``TORCH_HOME`` defaults to
``$XDG_CACHE_HOME/torch``, that to ``~/.cache/torch``), so weights torch or torchvision already
downloaded are reused and the other way round. A download goes to a temporary file renamed
into place once complete and, with ``check_hash``, once its sha256 starts with the hex digits
in the file name (``resnet50-0676ba61.pth``).
"""
import io
import os
import re
import warnings
import zipfile
from urllib.parse import urlparse

from .serialization import load
from .vision.datasets.download import download_url

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_hub_dir = None


def _get_torch_home():
    default = os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
    return os.path.expanduser(os.getenv("TORCH_HOME", default))


def get_dir():
    """The hub cache folder: the one ``set_dir`` chose, else ``$TORCH_HOME/hub``."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d):
    """Use folder ``d`` as the hub cache from now on (overrides ``TORCH_HOME``)."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download ``url`` to ``dst`` atomically; with ``hash_prefix``, the sha256 must start with it.

    A failed or corrupt download raises ``DownloadError`` (a RuntimeError) and leaves ``dst`` as it was.
    """
    download_url(url, os.path.expanduser(dst), sha256_prefix=hash_prefix, progress=progress)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """Load the checkpoint at ``url``, downloading it into ``model_dir`` unless it is already there.

    ``model_dir`` defaults to ``get_dir()/checkpoints``; the file keeps the url's name unless
    ``file_name`` is given. With ``check_hash`` a new download must match the sha256 prefix in
    its name. The file is read by ``minitorch_cv.load``, which never runs code from a file, so
    ``weights_only`` changes nothing (it is accepted for torch's signature).
    """
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None, progress=progress)
    legacy = _legacy_zip_member(cached_file)
    if legacy is not None:
        return load(io.BytesIO(legacy), map_location=map_location)
    return load(cached_file, map_location=map_location)


def _legacy_zip_member(path):
    """The bytes of the one file in a zip that wraps an old-format checkpoint (torch.hub reads those too)."""
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) != 1 or members[0].is_dir():
            return None
        return archive.read(members[0])
