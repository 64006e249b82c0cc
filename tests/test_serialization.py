"""save/load: exact round trips of nested state in both formats (.npz, PyTorch zip), clear errors for
foreign or damaged files, atomic writes. Files moving between torch and minitorch_cv: test_torch_files.py."""
import io
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

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


def _round_trip(obj, tmp_path, suffix=".pth"):
    path = tmp_path / f"checkpoint{suffix}"
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


@pytest.mark.parametrize("suffix", [".npz", ".pth"])
@pytest.mark.parametrize("name", list(STATES))
def test_round_trip_is_exact(name, suffix, tmp_path):
    expected = STATES[name]
    if name == "numpy values":
        if suffix == ".pth":
            with pytest.raises(TypeError, match="NumPy array at 'array' can't go into a PyTorch file"):
                _round_trip(STATES[name], tmp_path, suffix)
            return
        expected = {"array": expected["array"], "scalar": 0.5, "flag": True}
    _assert_same(_round_trip(STATES[name], tmp_path, suffix), expected)


def test_save_picks_the_format_by_suffix(tmp_path):
    for name, is_torch in (("m.pth", True), ("m.pt", True), ("m.bin", True), ("m.npz", False)):
        mt.save({"w": mt.ones(1)}, tmp_path / name)
        with zipfile.ZipFile(tmp_path / name) as archive:
            assert ("m/data.pkl" in archive.namelist()) == is_torch, name


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
    npz_only = ({1.5: mt.ones(1)}, {"s": {1, 2}}, {"big": 2 ** 70})
    for suffix, extra in ((".npz", npz_only), (".pth", ({"huge": 2 ** 3000}, {"n": np.ones(2)}))):
        for bad in ({"f": lambda: 0}, {"o": np.array([object()])}, {"x": object()}) + extra:
            with pytest.raises((TypeError, ValueError), match="save"):
                mt.save(bad, tmp_path / f"bad{suffix}")
    assert os.listdir(tmp_path) == []
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        mt.save(loop, tmp_path / "loop.pth")


def test_pytorch_format_keeps_what_npz_cannot(tmp_path):
    state = {1.5: mt.ones(1), "s": {1, 2}, "big": 2 ** 70, "raw": b"\x00\xff", "dtype": mt.float64,
             "shape": mt.Size([2, 3])}
    _assert_same(_round_trip(state, tmp_path), state)


def _write(path, data):
    path.write_bytes(data)
    return path


def test_foreign_and_damaged_files_get_clear_errors(tmp_path):
    good = tmp_path / "good.pth"
    mt.save(STATES["state_dict"], good)
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
    path = tmp_path / "tampered.npz"
    mt.save({"w": mt.ones(3)}, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("extra@mystery.npy", b"not an array")
    with pytest.raises(RuntimeError, match="not a readable"):
        mt.load(path)


class _FailingWriter:
    """Stands in for a format writer: writes part of the file, then fails like a full disk or Ctrl-C."""

    def __init__(self, error):
        self.error = error

    def __call__(self, obj, handle, *args):
        handle.write(b"PK\x03\x04 partial data")
        raise self.error


@pytest.mark.parametrize("suffix,writer", [(".npz", "save_npz"), (".pth", "write_zip")])
@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=repr)
def test_failed_save_keeps_the_previous_file_intact(tmp_path, monkeypatch, error, suffix, writer):
    path = tmp_path / f"model{suffix}"
    mt.save({"w": mt.arange(4)}, path)
    os.chmod(path, 0o600)
    before = path.read_bytes()
    monkeypatch.setattr(serialization, writer, _FailingWriter(error))
    with pytest.raises(type(error)):
        mt.save({"w": mt.zeros(4)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == [path.name]
    assert mt.load(path)["w"].tolist() == [0, 1, 2, 3]
    mt.save({"w": mt.ones(1)}, path)
    assert os.stat(path).st_mode & 0o777 == 0o600 and mt.load(path)["w"].tolist() == [1.0]


def test_new_files_get_normal_permissions(tmp_path):
    path = tmp_path / "fresh.pth"
    mt.save({"w": mt.ones(1)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
