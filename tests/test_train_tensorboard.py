"""``train_cifar.py --tensorboard`` on both backends: every kind of record it promises, read back."""
import numpy as np
import pytest
from tensorboard.plugins.hparams import plugin_data_pb2

from cifar_helpers import single_thread, write_cifar_folder  # noqa: F401
from tensorboard_helpers import histograms, images, load, scalars
import train_cifar  # noqa: E402  (examples/, put on the path by cifar_helpers)

pytestmark = pytest.mark.usefixtures("single_thread")
PARAMETERS = ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias", "model.4.weight",
              "model.4.bias", "model.7.weight", "model.7.bias"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(write_cifar_folder(tmp_path_factory.mktemp("data"), train_count=40, test_count=16))


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_tensorboard_log_of_a_run(data_dir, tmp_path, backend):
    out, logs = tmp_path / "run", tmp_path / "tb"
    assert train_cifar.main(["--backend", backend, "--data-dir", data_dir, "--out", str(out), "--threads", "1",
                             "--batch-size", "16", "--epochs", "2", "--tensorboard", str(logs)]) == 0
    run = load(logs)
    steps = scalars(run, "train/loss")
    assert [s for s, _ in steps] == [1, 2, 3, 4, 5, 6]           # 3 batches of 16, 16, 8 per epoch
    with open(out / "steps.jsonl") as f:
        logged = [float(line.split('"loss": ')[1].rstrip("}\n")) for line in f]
    assert [v for _, v in steps] == pytest.approx(logged, rel=1e-6)
    for tag in ("test/loss", "test/accuracy", "train/accuracy", "lr"):
        assert [s for s, _ in scalars(run, tag)] == [1, 2], tag
    assert scalars(run, "lr") == [(1, pytest.approx(0.01)), (2, pytest.approx(0.01))]
    (step, grid), = images(run, "train/first_batch")
    assert grid.shape == (2 + 2 * 34, 2 + 8 * 34, 3)                # 16 images, make_grid's 8 per row
    for name in PARAMETERS:
        assert [s for s, _ in histograms(run, f"weights/{name}")] == [1, 2]
        assert [s for s, _ in histograms(run, f"gradients/{name}")] == [1, 2]
    hp = load(logs / "hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        hp.PluginTagToContent("hparams")["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["backend"].string_value == backend and start.hparams["lr"].number_value == 0.01
    final_accuracy = scalars(run, "test/accuracy")[-1][1]
    assert scalars(hp, "hparam/test_accuracy") == [(2, pytest.approx(final_accuracy))]


def test_tensorboard_defaults_to_the_run_folder(data_dir, tmp_path):
    out = tmp_path / "run"
    assert train_cifar.main(["--data-dir", data_dir, "--out", str(out), "--threads", "1", "--epochs", "1",
                             "--limit-train", "16", "--tensorboard"]) == 0
    assert np.isfinite(scalars(load(out / "tensorboard"), "train/loss")[0][1])


def test_resumed_run_continues_the_log(data_dir, tmp_path):
    out, logs = tmp_path / "run", tmp_path / "tb"
    common = ["--data-dir", data_dir, "--out", str(out), "--threads", "1", "--tensorboard", str(logs)]
    assert train_cifar.main(common + ["--batch-size", "16", "--epochs", "1"]) == 0
    assert train_cifar.main(common + ["--epochs", "2", "--resume"]) == 0
    run = load(logs)
    assert [s for s, _ in scalars(run, "train/loss")] == [1, 2, 3, 4, 5, 6]
    assert [s for s, _ in scalars(run, "test/accuracy")] == [1, 2]
    assert len(images(run, "train/first_batch")) == 1
