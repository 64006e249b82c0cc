"""save/load: exact round trips of nested state, clear errors for foreign or damaged files, atomic writes."""
import io
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minitorch_cv as mt
import minitorch_cv.serialization as serialization


def _assert_same(ours, expected):
    assert type(ours) is type(expected), (ours, expected)
    if isinstance(expected, mt.Tensor):
        assert ours.dtype is expected.dtype and ours.shape == expected.shape
        assert ours.requires_grad == expected.requires_grad and ours.is_leaf
        np.testing.assert_array_equal(ours.detach().numpy(), expected.detach().numpy())
    elif isinstance(expected, np.ndarray):
        assert ours.dtype == expected.dtype
        np.testing.assert_array_equal(ours, expected)
    elif isinstance(expected, dict):
        assert list(ours) == list(expected)
        for key in expected:
            _assert_same(ours[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(ours) == len(expected)
        for a, b in zip(ours, expected):
            _assert_same(a, b)
    else:
        assert ours == expected


def _round_trip(obj, tmp_path):
    path = tmp_path / "checkpoint.pth"
    mt.save(obj, path)
    return mt.load(path)


STATES = {
    "state_dict": OrderedDict([("conv1.weight", mt.randn(4, 3, 3, 3)), ("conv1.bias", mt.zeros(4)),
                               ("bn.num_batches_tracked", mt.tensor(7)),
                               ("fc.weight", mt.randn(10, 4, dtype=mt.float64))]),
    "optimizer state": {"state": {0: {"momentum_buffer": mt.randn(3)}, 1: {"momentum_buffer": None}, 2: {}},
                        "param_groups": [{"lr": 0.1, "momentum": 0.9, "nesterov": False, "params": [0, 1, 2],
                                          "weight_decay": 5e-4, "name": "all"}]},
    "every dtype and shape": [mt.tensor(1.5), mt.tensor([True, False]), mt.zeros(0, 3), mt.arange(6).reshape(2, 3),
                              mt.zeros(2, dtype=mt.float64), mt.ones(2, requires_grad=True)],
    "scalars and containers": {"epoch": 12, "best": 0.913, "done": True, "tag": "run-1", "nothing": None,
                               "pair": (1, 2.5), "empty list": [], "empty dict": {}, "empty tuple": (),
                               "nested": [[{"deep": [mt.ones(1)]}]]},
    "awkward keys": {"a/b": 1, "x@y": 2, "%20": 3, "#1": 4, "": 5, 1: 6, -2: 7, "#": 8, "%": 9},
    "numpy values": {"array": np.arange(5, dtype=np.int32), "scalar": np.float32(0.5), "flag": np.bool_(True)},
    "plain tensor": mt.randn(2, 2),
    "plain list": [1, "two", 3.0],
}


@pytest.mark.parametrize("name", list(STATES))
def test_round_trip_is_exact(name, tmp_path):
    expected = STATES[name]
    if name == "numpy values":
        expected = {"array": expected["array"], "scalar": 0.5, "flag": True}
    _assert_same(_round_trip(STATES[name], tmp_path), expected)


def test_round_trip_through_a_file_object():
    buffer = io.BytesIO()
    mt.save(STATES["optimizer state"], buffer)
    buffer.seek(0)
    _assert_same(mt.load(buffer), STATES["optimizer state"])


def test_loaded_tensors_do_not_share_memory_with_the_saved_ones(tmp_path):
    weight = mt.zeros(3)
    loaded = _round_trip({"w": weight}, tmp_path)["w"]
    with mt.no_grad():
        weight.add_(1)
    assert loaded.tolist() == [0.0, 0.0, 0.0]


def test_map_location_and_weights_only_arguments(tmp_path):
    path = tmp_path / "m.pth"
    mt.save({"w": mt.ones(1)}, path)
    for location in (None, "cpu", mt.device("cpu")):
        assert mt.load(path, map_location=location, weights_only=True)["w"].item() == 1.0
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.load(path, map_location="cuda:0")


def test_unsupported_values_are_refused_before_writing(tmp_path):
    path = tmp_path / "bad.pth"
    for bad in ({"f": lambda: 0}, {1.5: mt.ones(1)}, {"s": {1, 2}}, {"o": np.array([object()])}, {"big": 2 ** 70}):
        with pytest.raises(TypeError, match="save"):
            mt.save(bad, path)
    assert os.listdir(tmp_path) == []


def _write(path, data):
    path.write_bytes(data)
    return path


def test_foreign_and_damaged_files_get_clear_errors(tmp_path):
    good = tmp_path / "good.pth"
    mt.save(STATES["state_dict"], good)
    torch_file = tmp_path / "torch.pth"
    torch.save({"w": torch.ones(2)}, torch_file)
    plain_npz = tmp_path / "plain.npz"
    np.savez(plain_npz, w=np.ones(2))
    plain_npy = tmp_path / "plain.npy"
    np.save(plain_npy, np.ones(2))
    content = good.read_bytes()
    cases = {
        _write(tmp_path / "random.bin", np.random.default_rng(0).bytes(4096)): "not a readable",
        _write(tmp_path / "truncated.pth", content[: len(content) // 2]): "not a readable",
        _write(tmp_path / "cut_end.pth", content[:-10]): "not a readable",
        _write(tmp_path / "empty.pth", b""): "not a readable",
        _write(tmp_path / "text.txt", b"hello world\n"): "not a readable",
        torch_file: "looks like a PyTorch file",
        plain_npz: "without minitorch_cv's marker",
        plain_npy: "not a readable",
    }
    for path, message in cases.items():
        with pytest.raises(RuntimeError, match=message) as info:
            mt.load(path)
        assert "load()" in str(info.value) and path.name in str(info.value)
    with pytest.raises(FileNotFoundError, match="no such file"):
        mt.load(tmp_path / "missing.pth")
    with pytest.raises(RuntimeError, match="not a readable"):
        mt.load(tmp_path)


def test_corrupted_entry_inside_a_valid_zip_is_reported(tmp_path):
    path = tmp_path / "tampered.pth"
    mt.save({"w": mt.ones(3)}, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("extra@mystery.npy", b"not an array")
    with pytest.raises(RuntimeError, match="not a readable"):
        mt.load(path)


class _FailingSavez:
    """Stands in for np.savez: writes part of the archive, then fails like a full disk or Ctrl-C."""

    def __init__(self, error):
        self.error = error

    def __call__(self, handle, **arrays):
        handle.write(b"PK\x03\x04 partial data")
        raise self.error


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=repr)
def test_failed_save_keeps_the_previous_file_intact(tmp_path, monkeypatch, error):
    path = tmp_path / "model.pth"
    mt.save({"w": mt.arange(4)}, path)
    os.chmod(path, 0o600)
    before = path.read_bytes()
    monkeypatch.setattr(serialization.np, "savez", _FailingSavez(error))
    with pytest.raises(type(error)):
        mt.save({"w": mt.zeros(4)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.pth"]
    assert mt.load(path)["w"].tolist() == [0, 1, 2, 3]
    mt.save({"w": mt.ones(1)}, path)
    assert os.stat(path).st_mode & 0o777 == 0o600 and mt.load(path)["w"].tolist() == [1.0]


def test_new_files_get_normal_permissions(tmp_path):
    path = tmp_path / "fresh.pth"
    mt.save({"w": mt.ones(1)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
