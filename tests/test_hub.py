"""minitorch_cv.hub against torch.hub: the same cache folders, a download from 127.0.0.1 that is
checked, atomic and done once, files that torch downloaded reused, and torch reading ours."""
import hashlib
import io
import os
import zipfile

import numpy as np
import pytest
import torch

import minitorch_cv as mt
from minitorch_cv import hub
from minitorch_cv.vision.datasets import DownloadError
from test_download import server  # noqa: F401  (the 127.0.0.1 HTTP server fixture)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh TORCH_HOME, shared by both libraries, and no set_dir override."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    return tmp_path / "torch_home"


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    return {"fc.weight": torch.from_numpy(rng.standard_normal((3, 4)).astype(np.float32)),
            "bn.num_batches_tracked": torch.tensor(5)}


def _serve(server, tmp_path, name, obj=None):
    """Serve a torch.save'd state_dict at /<name>; returns (url, bytes, sha256 hex)."""
    buffer = io.BytesIO()
    torch.save(obj if obj is not None else _weights(), buffer)
    body = buffer.getvalue()
    server.files[f"/{name}"] = (body, None)
    return f"{server.url}/{name}", body, hashlib.sha256(body).hexdigest()


def _assert_weights(loaded, expected=None):
    expected = expected if expected is not None else _weights()
    assert list(loaded) == list(expected)
    for key, tensor in expected.items():
        np.testing.assert_array_equal(loaded[key].numpy(), tensor.numpy())


@pytest.mark.parametrize("env", [{}, {"XDG_CACHE_HOME": "{tmp}/xdg"}, {"TORCH_HOME": "{tmp}/th"},
                                 {"TORCH_HOME": "~/th", "XDG_CACHE_HOME": "{tmp}/xdg"}])
def test_cache_folder_is_torchs(env, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("TORCH_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    assert hub.get_dir() == torch.hub.get_dir()
    assert hub.get_dir().startswith(str(tmp_path))
    hub.set_dir(tmp_path / "mine")
    assert hub.get_dir() == str(tmp_path / "mine")


def test_download_once_then_reuse(home, server, tmp_path):
    url, body, digest = _serve(server, tmp_path, f"resnet-{'0' * 8}.pth")
    _assert_weights(hub.load_state_dict_from_url(url, progress=False))
    cached = home / "hub" / "checkpoints" / f"resnet-{'0' * 8}.pth"
    assert cached.read_bytes() == body and server.hits == [f"/resnet-{'0' * 8}.pth"]
    _assert_weights(hub.load_state_dict_from_url(url, progress=False))
    assert len(server.hits) == 1
    assert sorted(os.listdir(cached.parent)) == [cached.name]


def test_checkpoint_downloaded_by_torch_is_reused_and_ours_read_by_torch(home, server, tmp_path):
    url, _, digest = _serve(server, tmp_path, "net.pth")
    url_hashed, _, _ = _serve(server, tmp_path, f"net-{digest[:10]}.pth")
    theirs = torch.hub.load_state_dict_from_url(url_hashed, progress=False, check_hash=True, weights_only=True)
    hits = list(server.hits)
    _assert_weights(hub.load_state_dict_from_url(url_hashed, progress=False, check_hash=True))
    assert server.hits == hits
    mt.save({"w": mt.arange(3)}, home / "hub" / "checkpoints" / "ours.pth")
    assert torch.hub.load_state_dict_from_url(f"{server.url}/ours.pth", weights_only=True)["w"].tolist() == [0, 1, 2]
    _assert_weights(theirs)


def test_hash_prefix_is_checked_and_a_bad_download_leaves_nothing(home, server, tmp_path):
    url, _, digest = _serve(server, tmp_path, "model-deadbeef.pth")
    with pytest.raises(DownloadError, match=rf'invalid hash value \(expected "deadbeef", got "{digest}"\)'):
        hub.load_state_dict_from_url(url, progress=False, check_hash=True)
    assert os.listdir(home / "hub" / "checkpoints") == []
    _assert_weights(hub.load_state_dict_from_url(url, progress=False, check_hash=False))
    good, _, digest = _serve(server, tmp_path, "model-x.pth")
    server.files[f"/model-{digest[:8]}.pth"] = server.files["/model-x.pth"]
    _assert_weights(hub.load_state_dict_from_url(f"{server.url}/model-{digest[:8]}.pth", check_hash=True,
                                                 progress=False))


def test_model_dir_file_name_and_map_location(home, server, tmp_path):
    url, _, _ = _serve(server, tmp_path, "a.pth")
    loaded = hub.load_state_dict_from_url(url, model_dir=tmp_path / "models", file_name="b.pth",
                                          map_location="cpu", progress=False)
    _assert_weights(loaded)
    assert os.listdir(tmp_path / "models") == ["b.pth"] and not home.exists()


def test_transfer_cut_short_leaves_nothing(home, server, tmp_path):
    url, body, _ = _serve(server, tmp_path, "cut.pth")
    server.files["/cut.pth"] = (body[:100], len(body))
    with pytest.raises(DownloadError, match=rf"cut short: got 100 of {len(body)} bytes"):
        hub.load_state_dict_from_url(url, progress=False)
    assert os.listdir(home / "hub" / "checkpoints") == []


def test_progress_bar_and_download_url_to_file(server, tmp_path, capsys):
    url, body, digest = _serve(server, tmp_path, "p.pth")
    hub.download_url_to_file(url, tmp_path / "p.pth", hash_prefix=digest[:12], progress=True)
    assert (tmp_path / "p.pth").read_bytes() == body
    assert "100%" in capsys.readouterr().err


def test_old_checkpoint_zipped_by_hand_loads(home, server, tmp_path):
    legacy = io.BytesIO()
    torch.save(_weights(1), legacy, _use_new_zipfile_serialization=False)
    wrapped = io.BytesIO()
    with zipfile.ZipFile(wrapped, "w") as archive:
        archive.writestr("old.pth", legacy.getvalue())
    server.files["/old.zip"] = (wrapped.getvalue(), None)
    _assert_weights(hub.load_state_dict_from_url(f"{server.url}/old.zip", progress=False), _weights(1))
