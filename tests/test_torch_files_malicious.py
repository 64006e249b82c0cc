"""Hostile or broken .pth files: refused with a clear error, and nothing in them runs.

Each code-running payload is first shown to work with Python's own unpickler (it creates a
marker file), so the test proves minitorch_cv.load stops a real attack, not a dud.
"""
import io
import os
import pickle
import tarfile
import zipfile

import numpy as np
import pytest
import torch

import minitorch_cv as mt

MAGIC = (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True})


class _Touch:
    """Unpickling this runs ``os.system("touch MARKER")``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class _Global:
    """Pickles as a call of any global, e.g. builtins.eval('...')."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _torch_zip(path, payload, prefix="archive", extra=()):
    """A zip laid out as torch.save writes it, holding ``payload`` as data.pkl."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{prefix}/data.pkl", payload)
        archive.writestr(f"{prefix}/byteorder", b"little")
        archive.writestr(f"{prefix}/version", b"3\n")
        for name, data in extra:
            archive.writestr(f"{prefix}/{name}", data)
    return path


def _legacy(path, payload):
    """A legacy-format stream whose object pickle is ``payload``."""
    with open(path, "wb") as f:
        for value in MAGIC:
            pickle.dump(value, f, protocol=2)
        f.write(payload)
        pickle.dump([], f, protocol=2)
    return path


@pytest.mark.parametrize("container", ["zip", "legacy"])
@pytest.mark.parametrize("protocol", [2, 4])
def test_code_running_pickle_is_refused_and_never_runs(tmp_path, container, protocol):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"weight": [1.0, _Touch(marker)]}, protocol=protocol)
    pickle.loads(payload)
    assert marker.exists(), "the payload must really run code under plain pickle"
    marker.unlink()
    path = (_torch_zip if container == "zip" else _legacy)(tmp_path / "evil.pth", payload)
    with pytest.raises(pickle.UnpicklingError, match=r"evil.pth.*(posix|os)\.system was not an allowed global"):
        mt.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("func,args,name", [
    (eval, ("1+1",), "builtins.eval"), (getattr, ("abc", "upper"), "builtins.getattr"),
    (np.load, ("x.npy",), "numpy.load"), (torch.nn.Linear, (2, 2), "torch.nn.modules.linear.Linear"),
    (os.system, ("true",), "posix.system"),
], ids=["eval", "getattr", "numpy", "torch-module", "system"])
def test_unknown_globals_are_refused_by_name(tmp_path, func, args, name):
    path = _torch_zip(tmp_path / "g.pth", pickle.dumps(_Global(func, *args), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=rf"Unsupported global: GLOBAL {name} was not an allowed") as info:
        mt.load(path)
    assert "nothing named by the file was imported or run" in str(info.value)


def test_whole_model_saved_by_torch_is_refused(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "model.pth")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear.*state_dict"):
        mt.load(tmp_path / "model.pth")


def test_build_cannot_change_shared_objects(tmp_path):
    # GLOBAL torch.float32, then BUILD {"numpy": ...}: would rewire minitorch_cv.float32 for the whole process
    payload = b"\x80\x02ctorch\nfloat32\n}X\x05\x00\x00\x00numpyK\x01sb."
    before = mt.float32.numpy
    with pytest.raises(pickle.UnpicklingError, match="Can only build an OrderedDict"):
        mt.load(_torch_zip(tmp_path / "b.pth", payload))
    assert mt.float32.numpy is before


@pytest.mark.parametrize("payload,message", [
    (b"\x80\x02c__builtin__\nset\n)R}b.", "Can only build an OrderedDict"),
    (b"\x80\x02}K\x01a.", "Can only append to lists"),
    (b"\x80\x02]K\x01K\x02s.", "Can only SETITEM for dict"),
    (b"\x80\x02(X\x06\x00\x00\x00moduleK\x01tQ.", "Only persistent_load of storage"),
    (b"\x80\x02I1\n.", "Unsupported operand"),
    (b"\x80\x02ccollections\nOrderedDict\n)R}X\x09\x00\x00\x00__class__K\x01sb.", "refusing to set attribute"),
    (b"\x80\x02]K\x01", "truncated"),
    (b"\x80\x02ctorch\nSize\nK\x05\x85R.", r"Size\(5,\) failed: TypeError"),
    (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nK\x01\x85R.", r"rebuild_tensor_v2\(1,\) failed: TypeError"),
    (b"\x80\x02X\xff\xff\xff\xff", "longer than any checkpoint"),
], ids=["build-set", "append-dict", "setitem-list", "persid-module", "text-int-opcode", "dunder-attribute",
        "no-stop", "bad-call", "rebuild-arguments", "huge-string"])
def test_pickle_tricks_are_refused(tmp_path, payload, message):
    with pytest.raises(pickle.UnpicklingError, match=message):
        mt.load(_torch_zip(tmp_path / "t.pth", payload))


def _torch_file(tmp_path, obj=None):
    path = tmp_path / "good.pth"
    torch.save(obj if obj is not None else {"w": torch.arange(4.0), "n": torch.tensor(3)}, path)
    return path


def _rewrite(source, target, drop=(), replace=None):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            if info.filename.split("/", 1)[1] in drop:
                continue
            data = src.read(info)
            if replace and info.filename.endswith(replace[0]):
                data = replace[1](data)
            dst.writestr(info.filename, data)
    return target


@pytest.mark.parametrize("change,message", [
    (dict(drop=("data/0",)), r"storage record 'good/data/0' is missing"),
    (dict(replace=("data/1", lambda d: d[:4])), r"'good/data/1' holds 4 bytes, but its tensor needs 8"),
    (dict(replace=("byteorder", lambda d: b"middle")), "unknown byte order record 'middle'"),
    (dict(replace=("data.pkl", lambda d: d.replace(b"K\x04\x85", b"K\x09\x85", 1))),
     r"size \[9\], stride \[1\] at offset 0 reaches past the end of storage '0' \(4 elements\)"),
    (dict(replace=("data.pkl", lambda d: d[: len(d) // 2])), "pickle data was truncated"),
])
def test_damaged_archives_are_refused_clearly(tmp_path, change, message):
    path = _rewrite(_torch_file(tmp_path), tmp_path / "bad.pth", **change)
    with pytest.raises((RuntimeError, pickle.UnpicklingError), match=message) as info:
        mt.load(path)
    assert "load()" in str(info.value) and "bad.pth" in str(info.value)


def test_flipped_byte_in_a_storage_fails_its_crc(tmp_path):
    path = _torch_file(tmp_path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("good/data/0")
    content = bytearray(path.read_bytes())
    extra_size = int.from_bytes(content[info.header_offset + 28:][:2], "little")
    start = info.header_offset + 30 + len(info.filename) + extra_size
    content[start + 5] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(RuntimeError, match="'good/data/0' is corrupt: its CRC-32 does not match"):
        mt.load(path)


def test_truncated_and_foreign_files_are_refused_clearly(tmp_path):
    content = _torch_file(tmp_path).read_bytes()
    torch.save({"w": torch.ones(3)}, tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
    legacy = (tmp_path / "legacy.pth").read_bytes()
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as archive:
        archive.addfile(tarfile.TarInfo("storages"), io.BytesIO(b""))
    cases = {
        "half.pth": (content[: len(content) // 2], "not a readable checkpoint"),
        "no_end.pth": (content[:-30], "not a readable checkpoint"),
        "legacy_half.pth": (legacy[: len(legacy) - 6], "cut short"),
        "legacy_no_data.pth": (legacy[: legacy.rindex(b".") + 1], "missing"),
        "random.pth": (np.random.default_rng(0).bytes(2000), "none of the formats"),
        "text.pth": (b"hello world\n" * 40, "none of the formats"),
        "empty.pth": (b"", "none of the formats"),
        "old.tar": (tar.getvalue(), "tar archive"),
        "pickled_int.pth": (pickle.dumps(12345, protocol=2), "invalid magic number"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(RuntimeError, match=message) as info:
            mt.load(tmp_path / name)
        assert "load()" in str(info.value) and name in str(info.value), name


@pytest.mark.filterwarnings("ignore:`torch.jit:FutureWarning")
def test_torchscript_archive_is_refused(tmp_path):
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), tmp_path / "scripted.pt")
    with pytest.raises(RuntimeError, match="TorchScript archive"):
        mt.load(tmp_path / "scripted.pt")
