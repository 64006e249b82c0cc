"""examples/classify.py: the same top-5 on both backends from a torch.save'd checkpoint, the
enum path through a pre-filled hub cache, and clear errors for bad --weights."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "examples", "classify.py")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("classify")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (180, 240, 3), dtype=np.uint8)).save(folder / "photo.png")
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    for bn in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        bn.running_var.uniform_(0.5, 2.0)
    torch.save(model.state_dict(), folder / "weights.pth")
    cache = folder / "torch_home" / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    torch.save(model.state_dict(), cache / "resnet18-f37072fd.pth")
    return folder


def _run(files, *args):
    env = dict(os.environ, TORCH_HOME=str(files / "torch_home"))
    return subprocess.run([sys.executable, SCRIPT, str(files / "photo.png"), "--model", "resnet18", *args],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def _top5(stdout):
    rows = re.findall(r"^\s+(\d)\. (.+?)\s+(\d+\.\d\d)%$", stdout, flags=re.M)
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5], stdout
    return [(name, float(p)) for _, name, p in rows]


def test_both_backends_print_the_same_top5(files):
    runs = {backend: _run(files, "--weights", str(files / "weights.pth"), "--backend", backend)
            for backend in ("numpy", "torch")}
    for backend, done in runs.items():
        assert done.returncode == 0, f"{backend}: {done.stderr}"
    ours, theirs = _top5(runs["numpy"].stdout), _top5(runs["torch"].stdout)
    assert [name for name, _ in ours] == [name for name, _ in theirs]
    np.testing.assert_allclose([p for _, p in ours], [p for _, p in theirs], atol=0.011)
    enum = _run(files, "--weights", "IMAGENET1K_V1")         # the same file, from the hub cache
    assert enum.returncode == 0, enum.stderr
    assert [name for name, _ in _top5(enum.stdout)] == [name for name, _ in ours]


def test_bad_weights_are_reported(files):
    done = _run(files, "--weights", "IMAGENET1K_V7")
    assert done.returncode != 0 and "neither a file nor an entry of ResNet18_Weights" in done.stderr
    (files / "junk.pth").write_bytes(b"not a checkpoint")
    done = _run(files, "--weights", str(files / "junk.pth"))
    assert done.returncode != 0 and "cannot load the resnet18 weights" in done.stderr
    assert "Traceback" not in done.stderr
