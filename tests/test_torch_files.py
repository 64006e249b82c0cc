"""PyTorch checkpoint files moving both ways: torch.save -> minitorch_cv.load in a process that never
imports torch, minitorch_cv.save -> torch.load(weights_only=True); both zip and legacy formats,
every dtype, strided/offset/shared/expanded storages, big-endian files, and .safetensors.
Hostile files: test_torch_files_malicious.py.
"""
import json
import os
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch
from PIL import Image

import minitorch_cv as mt
from minitorch_cv.nn import Parameter
from reference.models import CIFAR10CNN as TorchCIFAR10CNN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUPPORTED = (torch.float32, torch.float64, torch.int64, torch.bool)


def _values(dtype, shape, seed):
    """Values covering the dtype's range: NaN/inf and huge floats, int64 extremes, both bools."""
    rng = np.random.default_rng(seed)
    if dtype.is_floating_point:
        flat = rng.standard_normal(int(np.prod(shape))) * 1e3
        flat[:3] = [np.nan, np.inf, -3.4e38][:flat.size]
        return torch.tensor(flat.reshape(shape), dtype=dtype)
    if dtype == torch.bool:
        return torch.tensor(rng.integers(0, 2, shape).astype(bool))
    flat = rng.integers(-2 ** 62, 2 ** 62, int(np.prod(shape)))
    flat[:2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max][:flat.size]
    return torch.tensor(flat.reshape(shape))


def _torch_states():
    """Objects saved by torch.save, with the pairs of top-level entries that share a storage."""
    torch.manual_seed(0)
    base = torch.arange(60, dtype=torch.float32).reshape(3, 4, 5)
    views = OrderedDict([("base", base), ("transposed", base.transpose(0, 2)), ("row", base[1]),
                         ("stepped", base[:, ::2, 1:4]), ("scalar_view", base[2, 3, 4]),
                         ("expanded", torch.tensor([1.5, -2.0]).expand(3, 2)), ("empty", torch.zeros(0, 3)),
                         ("scalar", torch.tensor(7)), ("big", torch.randn(64, 65))])
    views._metadata = OrderedDict([("", {"version": 1}), ("layer", {"version": 2})])
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(), torch.nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    model(torch.randn(2, 3, 3, 3)).sum().backward()
    optimizer.step()
    with_attribute, parameter_with_attribute = torch.arange(3.0), torch.nn.Parameter(torch.ones(2, 2))
    with_attribute.note, parameter_with_attribute.note = "saved through _rebuild_from_type_v2", "and with_state"
    return {
        "dtypes": {str(d): _values(d, (3, 5), i) for i, d in enumerate(SUPPORTED)},
        "views": views,
        "parameters": [torch.nn.Parameter(torch.randn(2, 3)), torch.nn.Parameter(torch.ones(2), requires_grad=False),
                       torch.randn(3, requires_grad=True), with_attribute, parameter_with_attribute],
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "plain": {"epoch": 12, "lr": 0.05, "name": "run-1", "none": None, "flag": True, "pair": (1, (2, 3.5)),
                  1: [b"\x00raw", {4, 5}], "huge": 2 ** 80, "shape": torch.Size([2, 3]), "dtype": torch.float64},
    }, {"views": [("base", "transposed"), ("base", "row"), ("base", "stepped"), ("base", "scalar_view")]}


# Runs in a fresh interpreter: load each file with minitorch_cv, describe it as JSON + arrays.
_READER = r"""
import json, sys
import numpy as np
import minitorch_cv as mt
from minitorch_cv.nn import Parameter

folder, names, pairs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
arrays = {}

def describe(obj):
    if isinstance(obj, mt.Tensor):
        key = str(len(arrays))
        arrays[key] = obj.detach().numpy()
        return {"tensor": key, "parameter": isinstance(obj, Parameter), "dtype": obj.dtype.name,
                "requires_grad": obj.requires_grad, "leaf": obj.is_leaf}
    if isinstance(obj, dict):
        meta = getattr(obj, "_metadata", None)
        return {"dict": type(obj).__name__, "items": [[describe(k), describe(v)] for k, v in obj.items()],
                "metadata": None if meta is None else describe(meta)}
    if isinstance(obj, (list, tuple)) and not isinstance(obj, mt.Size):
        return {"seq": type(obj).__name__, "items": [describe(v) for v in obj]}
    if isinstance(obj, set):
        return {"seq": "set", "items": [describe(v) for v in sorted(obj)]}
    return {"value": repr(obj), "type": type(obj).__name__}

for name in names:
    obj = mt.load(f"{folder}/{name}")
    shared = {f"{a}/{b}": bool(np.shares_memory(obj[a]._data, obj[b]._data))
              for a, b in pairs.get(name.split(".")[0], [])}
    json.dump({"tree": describe(obj), "shared": shared}, open(f"{folder}/{name}.json", "w"))
np.savez(f"{folder}/arrays.npz", **arrays)
assert "torch" not in sys.modules, "minitorch_cv imported torch"
print("torch imported:", "torch" in sys.modules)
"""


def _load_without_torch(folder, names, pairs):
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run([sys.executable, "-c", _READER, str(folder), json.dumps(names), json.dumps(pairs)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "torch imported: False" in done.stdout
    arrays = np.load(folder / "arrays.npz")
    return {name: json.loads((folder / f"{name}.json").read_text()) for name in names}, arrays


def _assert_matches_torch(expected, desc, arrays, where="top"):
    """``desc`` (what minitorch_cv loaded) is ``expected`` (what torch holds), value for value."""
    if isinstance(expected, torch.Tensor):
        assert "tensor" in desc, where
        ours = arrays[desc["tensor"]]
        assert desc["parameter"] == isinstance(expected, torch.nn.Parameter), where
        assert desc["requires_grad"] == expected.requires_grad and desc["leaf"], where
        assert desc["dtype"] == str(expected.dtype).replace("torch.", ""), where
        assert ours.shape == tuple(expected.shape), where
        np.testing.assert_array_equal(ours, expected.detach().numpy(), err_msg=where)
    elif isinstance(expected, dict):
        assert desc["dict"] == type(expected).__name__, where
        assert len(desc["items"]) == len(expected), where
        for (key_desc, value_desc), (key, value) in zip(desc["items"], expected.items()):
            _assert_matches_torch(key, key_desc, arrays, f"{where} key")
            _assert_matches_torch(value, value_desc, arrays, f"{where}/{key}")
        meta = getattr(expected, "_metadata", None)
        assert (desc["metadata"] is None) == (meta is None), where
        if meta is not None:
            _assert_matches_torch(meta, desc["metadata"], arrays, f"{where}._metadata")
    elif isinstance(expected, torch.Size):
        assert desc["value"] == repr(mt.Size(expected)), where
    elif isinstance(expected, torch.dtype):
        assert desc["value"] == repr(getattr(mt, str(expected).replace("torch.", ""))), where
    elif isinstance(expected, (list, tuple, set)):
        assert desc["seq"] == type(expected).__name__, where
        items = sorted(expected) if isinstance(expected, set) else expected
        assert len(desc["items"]) == len(items), where
        for i, (value, value_desc) in enumerate(zip(items, desc["items"])):
            _assert_matches_torch(value, value_desc, arrays, f"{where}[{i}]")
    else:
        assert desc == {"value": repr(expected), "type": type(expected).__name__}, where


def _big_endian_copy(source, target, itemsizes):
    """``source`` rewritten as a big-endian machine writes it: bytes of each storage swapped, ``byteorder`` big."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info)
            folder, _, leaf = info.filename.rpartition("/")
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif folder.endswith("/data"):
                size = itemsizes[int(leaf)]
                data = np.frombuffer(data, dtype=f"<u{size}" if size > 1 else "u1").byteswap().tobytes()
            dst.writestr(info.filename, data)


def test_torch_files_load_without_torch(tmp_path):
    states, pairs = _torch_states()
    names = []
    for name, obj in states.items():
        torch.save(obj, tmp_path / f"{name}.pth")
        torch.save(obj, tmp_path / f"{name}.legacy.pth", _use_new_zipfile_serialization=False)
        names += [f"{name}.pth", f"{name}.legacy.pth"]
    big = OrderedDict((f"t{i}", _values(d, (2, 3), 10 + i)) for i, d in enumerate(SUPPORTED))
    torch.save(big, tmp_path / "little.pth")
    _big_endian_copy(tmp_path / "little.pth", tmp_path / "big.pth", [t.element_size() for t in big.values()])
    states["big"] = big
    names.append("big.pth")
    for name, tensor in torch.load(tmp_path / "big.pth", weights_only=True).items():
        torch.testing.assert_close(tensor, big[name], equal_nan=True)  # torch reads the hand-made file alike
    loaded, arrays = _load_without_torch(tmp_path, names, pairs)
    for name in names:
        _assert_matches_torch(states[name.split(".")[0]], loaded[name]["tree"], arrays, name)
        assert all(loaded[name]["shared"].values()), (name, loaded[name]["shared"])
    assert loaded["views.pth"]["shared"] and loaded["views.legacy.pth"]["shared"]


def test_views_share_memory_and_expanded_tensors_are_copies(tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"a": base, "t": base.t(), "e": torch.ones(1).expand(4)}, tmp_path / "v.pth")
    loaded = mt.load(tmp_path / "v.pth")
    with mt.no_grad():
        loaded["a"][0, 1] = 100.0
        loaded["e"][0] = 5.0
    assert loaded["t"][1, 0].item() == 100.0
    assert loaded["e"].tolist() == [5.0, 1.0, 1.0, 1.0]


def _minitorch_states():
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Conv2d(3, 4, 3), mt.nn.Flatten(), mt.nn.Linear(16, 2))
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(mt.randn(2, 3, 4, 4)).sum().backward()
    optimizer.step()
    base = mt.arange(24.0).reshape(2, 3, 4)
    return {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "dtypes": [mt.tensor(_values(d, (2, 3), i).numpy()) for i, d in enumerate(SUPPORTED)],
        "views": {"base": base, "t": base.transpose(0, 2), "slice": base[1, :, 1:3], "scalar": base[1, 2, 3],
                  "empty": mt.zeros(0, 2)},
        "parameters": [Parameter(mt.randn(3)), Parameter(mt.ones(2), requires_grad=False),
                       mt.ones(2, requires_grad=True)],
        "plain": {"epoch": 3, 1.5: None, "pair": (1, 2.0), "big": 2 ** 70, "raw": b"\xff\x00", "set": {1, 2},
                  "shape": mt.Size([4]), "dtype": mt.int64, "ordered": OrderedDict(a=1)},
    }


def _assert_matches_ours(ours, theirs, where="top"):
    if isinstance(ours, mt.Tensor):
        assert isinstance(theirs, torch.Tensor), where
        assert isinstance(theirs, torch.nn.Parameter) == isinstance(ours, Parameter), where
        assert theirs.requires_grad == ours.requires_grad and str(theirs.dtype) == f"torch.{ours.dtype.name}", where
        np.testing.assert_array_equal(theirs.detach().numpy(), ours.detach().numpy(), err_msg=where)
    elif isinstance(ours, dict):
        assert type(theirs) is type(ours) and list(theirs) == list(ours), where
        for key in ours:
            _assert_matches_ours(ours[key], theirs[key], f"{where}/{key}")
    elif isinstance(ours, mt.Size):
        assert theirs == torch.Size(ours) and isinstance(theirs, torch.Size), where
    elif isinstance(ours, mt.dtype):
        assert theirs == getattr(torch, ours.name), where
    elif isinstance(ours, (list, tuple)):
        assert type(theirs) is type(ours) and len(theirs) == len(ours), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_matches_ours(a, b, f"{where}[{i}]")
    else:
        assert type(theirs) is type(ours) and theirs == ours, where


@pytest.mark.parametrize("name", list(_minitorch_states()))
def test_minitorch_files_load_in_torch_weights_only(name, tmp_path):
    obj = _minitorch_states()[name]
    mt.save(obj, tmp_path / "x.pth")
    theirs = torch.load(tmp_path / "x.pth", weights_only=True)
    _assert_matches_ours(obj, theirs)
    _assert_matches_ours(obj, torch.load(tmp_path / "x.pth", weights_only=True, mmap=True))
    if name == "views":
        storage = theirs["base"].untyped_storage().data_ptr()
        assert all(theirs[k].untyped_storage().data_ptr() == storage for k in ("t", "slice", "scalar"))
        assert theirs["t"].stride() == (1, 4, 12) and theirs["slice"].storage_offset() == 13


def test_state_dicts_load_into_models_both_ways(tmp_path):
    torch.manual_seed(1)
    theirs = TorchCIFAR10CNN().double()
    torch.save(theirs.state_dict(), tmp_path / "torch.pth")
    ours = mt.models.CIFAR10CNN().double()
    ours.load_state_dict(mt.load(tmp_path / "torch.pth"))
    images = np.random.default_rng(0).standard_normal((2, 3, 32, 32))
    expected = theirs(torch.from_numpy(images)).detach().numpy()
    np.testing.assert_allclose(ours(mt.from_numpy(images)).detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    mt.save(ours.state_dict(), tmp_path / "ours.pth")
    again = TorchCIFAR10CNN().double()
    again.load_state_dict(torch.load(tmp_path / "ours.pth", weights_only=True))
    np.testing.assert_array_equal(again(torch.from_numpy(images)).detach().numpy(), expected)


def test_predict_example_reads_a_torch_checkpoint_where_torch_cannot_be_imported(tmp_path):
    torch.manual_seed(0)
    model = TorchCIFAR10CNN().eval()
    torch.save({"model": model.state_dict(), "epoch": 1}, tmp_path / "checkpoint.pth")
    pixels = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "x.png")
    with torch.no_grad():
        expected = model(torch.from_numpy(pixels.transpose(2, 0, 1)[None] / np.float32(255))).argmax().item()
    blocker = tmp_path / "blocker" / "torch"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('torch is blocked in this test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "blocker"), ROOT]))
    done = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "predict.py"), str(tmp_path / "x.png"),
                           "--checkpoint", str(tmp_path / "checkpoint.pth"), "--backend", "numpy"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    classes = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    assert done.stdout.split()[1] == classes[expected], done.stdout


def test_files_written_are_torch_zip_records_aligned_for_mmap(tmp_path):
    mt.save({"a": mt.ones(3), "b": mt.zeros(5, dtype=mt.int64)}, tmp_path / "net.pth")
    with zipfile.ZipFile(tmp_path / "net.pth") as archive:
        names = archive.namelist()
        assert names[0] == "net/data.pkl" and {"net/byteorder", "net/version", "net/.format_version",
                                               "net/.storage_alignment", "net/.data/serialization_id"} <= set(names)
        for info in archive.infolist():
            if "/data/" in info.filename:
                start = info.header_offset + 30 + len(info.filename) + len(info.extra)
                assert start % 64 == 0, info.filename


def _has(dtype):
    """Whether minitorch_cv has a tensor type for torch ``dtype`` (more may come; then they must load)."""
    return isinstance(getattr(mt, str(dtype).replace("torch.", ""), None), mt.dtype)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.int32, torch.uint8, torch.int8,
                                   torch.complex64, torch.uint16])
def test_other_dtypes_load_if_minitorch_has_them_else_are_refused_clearly(dtype, tmp_path):
    values = torch.arange(-2, 4).to(dtype).reshape(2, 3)
    torch.save({"w": values, "ok": torch.ones(1)}, tmp_path / "x.pth")
    if _has(dtype) and dtype != torch.bfloat16:
        loaded = mt.load(tmp_path / "x.pth")["w"]
        assert loaded.dtype is getattr(mt, str(dtype).replace("torch.", ""))
        np.testing.assert_array_equal(loaded.numpy(), values.numpy())
        return
    message = (r"torch.bfloat16 tensors can't be read" if dtype == torch.bfloat16 else
               rf"load\(\): .*x.pth.*{dtype} tensors have no minitorch_cv counterpart; minitorch_cv has float32, "
               "float64, .*int64")
    with pytest.raises(TypeError, match=message):
        mt.load(tmp_path / "x.pth")


def test_safetensors_both_ways(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    state = {"w": torch.randn(3, 4), "b": torch.arange(5), "m": torch.tensor([True, False]),
             "d": torch.randn(2, dtype=torch.float64)}
    safetensors_torch.save_file(state, tmp_path / "t.safetensors")
    loaded = mt.load(tmp_path / "t.safetensors")
    assert sorted(loaded) == sorted(state)
    for key, tensor in state.items():
        np.testing.assert_array_equal(loaded[key].numpy(), tensor.numpy())
    mt.save(loaded, tmp_path / "ours.safetensors")
    back = safetensors_torch.load_file(tmp_path / "ours.safetensors")
    for key, tensor in state.items():
        assert torch.equal(back[key], tensor)
    with pytest.raises(TypeError, match="flat dict of str -> tensor"):
        mt.save({"nested": {"w": mt.ones(1)}}, tmp_path / "bad.safetensors")
    safetensors_torch.save_file({"h": torch.ones(2, dtype=torch.float16)}, tmp_path / "half.safetensors")
    if not _has(torch.float16):
        with pytest.raises(TypeError, match="'h' is float16, which minitorch_cv has no tensors of"):
            mt.load(tmp_path / "half.safetensors")
    assert sorted(os.listdir(tmp_path)) == ["half.safetensors", "ours.safetensors", "t.safetensors"]


def test_missing_safetensors_package_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"pip install minitorch_cv\[safetensors\]"):
        mt.save({"w": mt.ones(1)}, tmp_path / "w.safetensors")
    assert os.listdir(tmp_path) == []


def test_mmap_maps_storages_copy_on_write(tmp_path):
    state = {"w": torch.randn(4, 5), "t": None, "n": torch.tensor(3), "e": torch.zeros(0)}
    state["t"] = state["w"].t()
    torch.save(state, tmp_path / "x.pth")
    before = (tmp_path / "x.pth").read_bytes()
    loaded = mt.load(tmp_path / "x.pth", mmap=True)
    np.testing.assert_array_equal(loaded["t"].numpy(), state["t"].numpy())
    assert np.shares_memory(loaded["w"]._data, loaded["t"]._data) and loaded["n"].item() == 3
    with mt.no_grad():
        loaded["w"].mul_(2)
    np.testing.assert_array_equal(loaded["t"].numpy(), 2 * state["t"].numpy())
    assert (tmp_path / "x.pth").read_bytes() == before
    torch.save(state, tmp_path / "old.pth", _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="mmap can only be used"):
        mt.load(tmp_path / "old.pth", mmap=True)
    with open(tmp_path / "x.pth", "rb") as f, pytest.raises(ValueError, match="must be a file path"):
        mt.load(f, mmap=True)


def test_map_location_dict_function_and_bad_values(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "x.pth")
    assert mt.load(tmp_path / "x.pth", map_location={"cuda:0": "cpu"})["w"].tolist() == [1.0, 1.0]
    assert mt.load(tmp_path / "x.pth", map_location=lambda storage, location: storage)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="map_location must be"):
        mt.load(tmp_path / "x.pth", map_location=3)
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.load(tmp_path / "x.pth", map_location={"cpu": "cuda:0"})
