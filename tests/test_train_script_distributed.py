"""examples/train_cifar.py --distributed under mpiexec, on both backends, against one process."""
import json
import os
import socket
import subprocess

import numpy as np
import pytest
import torch

import minitorch_cv
from cifar_helpers import EXAMPLES, ROOT, single_thread, write_cifar_folder  # noqa: F401
from mpi_helpers import mpi_env, mpiexec_command
import train_cifar  # noqa: E402

RECIPE = ["--batch-size", "16", "--momentum", "0.9", "--activation", "relu", "--augment", "--seed", "5",
          "--threads", "1"]
# 8 float32 steps of the same global batches: 2 or 3 ranks sum each batch's gradient in another
# order than one process. Measured: 7e-9 (numpy, 2 ranks), 1.5e-8 (numpy, 2 then 3 ranks),
# 1.1e-8 (torch, 2 ranks, gloo, against the numpy process). Bound: the float32 "grad" atol of
# tests/torch_parity.py.
ATOL = 1e-5
pytestmark = pytest.mark.usefixtures("single_thread")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(ranks, data_dir, out, *extra):
    command = mpiexec_command(ranks, [os.path.join(EXAMPLES, "train_cifar.py"), "--distributed",
                                      "--data-dir", data_dir, "--out", str(out), *extra])
    env = dict(mpi_env(), MASTER_PORT=str(_free_port()))
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def weights(path):
    if str(path).endswith(".pth"):
        return {k: v.numpy() for k, v in torch.load(path, weights_only=True)["model"].items()}
    return {k: v.numpy() for k, v in minitorch_cv.load(path)["model"].items()}


def largest_difference(a, b):
    assert a.keys() == b.keys()
    return max(float(np.abs(a[k] - b[k]).max()) for k in a)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(write_cifar_folder(tmp_path_factory.mktemp("data"), train_count=64, test_count=30))


@pytest.fixture(scope="module")
def one_process(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "single"
    assert train_cifar.main(["--data-dir", data_dir, "--out", str(out), "--epochs", "2", *RECIPE]) == 0
    return out


def test_numpy_two_ranks_then_resumed_on_three_equal_one_process(data_dir, one_process, tmp_path):
    out = tmp_path / "ranks"
    done = launch(2, data_dir, out, "--epochs", "1", *RECIPE)
    assert done.stdout.count("epoch   1/1") == 1                     # rank 0 alone prints
    launch(3, data_dir, out, "--epochs", "2", "--resume")           # 16 images over 3 ranks: 5, 5, 6
    assert largest_difference(weights(out / "checkpoint.npz"), weights(one_process / "checkpoint.npz")) <= ATOL
    records, single = read_jsonl(out / "metrics.jsonl"), read_jsonl(one_process / "metrics.jsonl")
    assert [r["ranks"] for r in records] == [2, 3]                   # one line per epoch: rank 0 wrote them
    for ours, theirs in zip(records, single):
        assert ours["train_acc"] == theirs["train_acc"] and ours["test_acc"] == theirs["test_acc"]
        assert ours["test_loss"] == pytest.approx(theirs["test_loss"], rel=1e-5)
    steps = read_jsonl(out / "steps.jsonl")
    assert len(steps) == 8
    np.testing.assert_allclose([s["loss"] for s in steps], [s["loss"] for s in read_jsonl(one_process / "steps.jsonl")],
                               rtol=1e-5)


def test_torch_backend_on_gloo_equals_one_process(data_dir, one_process, tmp_path):
    out = tmp_path / "torch"
    launch(2, data_dir, out, "--backend", "torch", "--epochs", "2", *RECIPE)
    assert sorted(os.listdir(out)) == ["checkpoint.pth", "metrics.jsonl", "steps.jsonl"]
    assert largest_difference(weights(out / "checkpoint.pth"), weights(one_process / "checkpoint.npz")) <= ATOL


def test_distributed_without_a_launcher_is_refused_clearly(data_dir, tmp_path):
    with pytest.raises(SystemExit, match="needs an MPI launcher"):
        train_cifar.main(["--data-dir", data_dir, "--out", str(tmp_path), "--backend", "torch", "--distributed"])
