"""examples/train_cifar.py, predict.py and plot_runs.py end to end on tiny generated CIFAR files."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import minitorch_cv
from cifar_helpers import EXAMPLES, ROOT, single_thread, write_cifar_folder  # noqa: F401
import plot_runs  # noqa: E402  (examples/, put on the path by cifar_helpers)
import predict  # noqa: E402
import train_cifar  # noqa: E402
from cifar_training import loop  # noqa: E402

RECIPE = ["--batch-size", "16", "--momentum", "0.9", "--activation", "relu", "--augment", "--seed", "5"]
pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(write_cifar_folder(tmp_path_factory.mktemp("data"), train_count=64, test_count=32))


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Two images of other sizes and modes than CIFAR's: RGBA 50x40 PNG and greyscale JPEG."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    png, jpg = str(folder / "a.png"), str(folder / "b.jpg")
    Image.fromarray(rng.integers(0, 256, (40, 50, 4), dtype=np.uint8), "RGBA").save(png)
    Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8), "L").save(jpg)
    return [png, jpg]


def train(data_dir, out, *extra):
    return train_cifar.main(["--data-dir", data_dir, "--out", str(out), "--threads", "1", *RECIPE, *extra])


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def weights(path):
    return {k: v.numpy() for k, v in minitorch_cv.load(path)["model"].items()}


@pytest.fixture(scope="module")
def two_epochs(data_dir, tmp_path_factory):
    """An uninterrupted two-epoch numpy run: what every resumed run must end up identical to."""
    out = tmp_path_factory.mktemp("runs") / "numpy"
    assert train(data_dir, out, "--epochs", "2") == 0
    return out


def test_script_trains_then_resumes_across_ctrl_c_and_predicts(data_dir, images, two_epochs, tmp_path,
                                                                 monkeypatch, capsys):
    out = tmp_path / "run"
    command = [sys.executable, os.path.join(EXAMPLES, "train_cifar.py"), "--data-dir", data_dir,
               "--out", str(out), "--epochs", "1", "--threads", "1", *RECIPE]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "epoch   1/1" in done.stdout and "img/s" in done.stdout
    [record] = read_jsonl(out / "metrics.jsonl")
    assert record["epoch"] == 1 and record["backend"] == "numpy" and record["augment"] is True
    assert 0 <= record["test_acc"] <= 1 and record["images_per_second"] > 0
    assert len(read_jsonl(out / "steps.jsonl")) == 4

    steps = []

    def step_then_ctrl_c(*args):
        steps.append(1)
        if len(steps) == 2:
            signal.raise_signal(signal.SIGINT)
        return original(*args)

    original = loop.train_step
    monkeypatch.setattr(loop, "train_step", step_then_ctrl_c)
    assert train(data_dir, out, "--resume", "--epochs", "2") == train_cifar.INTERRUPTED
    assert "stopped in epoch 2 after batch 2" in capsys.readouterr().out
    saved = minitorch_cv.load(out / "checkpoint.npz")
    assert (saved["progress"]["epoch"], saved["progress"]["step"]) == (1, 2)
    monkeypatch.setattr(loop, "train_step", original)
    assert train(data_dir, out, "--resume", "--epochs", "2") == 0
    assert "epoch   2/2" in capsys.readouterr().out
    for key, value in weights(two_epochs / "checkpoint.npz").items():
        assert np.array_equal(weights(out / "checkpoint.npz")[key], value), key
    ours, uninterrupted = read_jsonl(out / "metrics.jsonl"), read_jsonl(two_epochs / "metrics.jsonl")
    assert [(r["train_loss"], r["test_acc"]) for r in ours] == [(r["train_loss"], r["test_acc"])
                                                                for r in uninterrupted]
    assert len(read_jsonl(out / "steps.jsonl")) == 8

    assert predict.main([*images, "--checkpoint", str(out / "checkpoint.npz")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == images
    assert all("top 3:" in line and line.split()[1] in predict.CIFAR10_CLASSES for line in lines)


def test_torch_backend_sees_the_same_batches_and_checkpoints_cross(data_dir, images, two_epochs, tmp_path):
    out = tmp_path / "torch"
    assert train(data_dir, out, "--backend", "torch", "--epochs", "2") == 0
    ours = np.array([s["loss"] for s in read_jsonl(two_epochs / "steps.jsonl")])
    theirs = np.array([s["loss"] for s in read_jsonl(out / "steps.jsonl")])
    assert len(ours) == len(theirs) == 8
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)
    assert set(torch.load(out / "checkpoint.pth", weights_only=True)) >= {"model", "optimizer", "progress"}
    for checkpoint in (two_epochs / "checkpoint.npz", out / "checkpoint.pth"):
        on_numpy = predict.predict(images, str(checkpoint), "numpy")
        on_torch = predict.predict(images, str(checkpoint), "torch")
        np.testing.assert_allclose(on_numpy, on_torch, rtol=1e-4, atol=1e-6)
        assert on_numpy.shape == (2, 10) and np.allclose(on_numpy.sum(1), 1, atol=1e-5)

    figure = tmp_path / "curves.png"
    assert plot_runs.main([str(two_epochs), str(out), "--out", str(figure)]) == 0
    with Image.open(figure) as png:
        assert png.format == "PNG" and png.width > 500


def test_bad_runs_and_files_get_clear_errors(data_dir, images, two_epochs, tmp_path, capsys):
    with pytest.raises(SystemExit):
        train(data_dir, tmp_path / "nothing", "--resume")
    assert "no checkpoint" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train(data_dir, two_epochs)
    assert "already holds a run; add --resume" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train(data_dir, two_epochs, "--resume", "--lr", "0.5")
    assert "drop --lr 0.5 (the run has 0.01)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train(str(tmp_path), tmp_path / "run", "--epochs", "1")
    assert "cifar-10-batches-py" in capsys.readouterr().err

    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes((two_epochs / "checkpoint.npz").read_bytes()[:300])
    foreign = tmp_path / "foreign.npz"
    minitorch_cv.save({"fc.weight": minitorch_cv.zeros(2, 2)}, foreign)
    for checkpoint, message in [(damaged, "may be damaged"),
                                (foreign, "does not hold CIFAR10CNN weights"),
                                (tmp_path / "missing.pth", "no such checkpoint")]:
        with pytest.raises(SystemExit):
            predict.main([images[0], "--checkpoint", str(checkpoint)])
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        predict.main([str(damaged), "--checkpoint", str(two_epochs / "checkpoint.npz")])
    assert "cannot read image" in capsys.readouterr().err
