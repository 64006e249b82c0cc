"""SummaryWriter: every kind of summary read back with tensorboard's EventAccumulator, the same
calls through torch.utils.tensorboard giving the same summaries, and the writer's lifecycle."""
import gc
import os
import re
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from tensorboard.plugins.hparams import plugin_data_pb2
from torch.utils.tensorboard import SummaryWriter as TorchWriter

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.models import CIFAR10CNN
from minitorch_cv.utils.tensorboard import SummaryWriter
from tensorboard_helpers import histograms, images, load, scalars, texts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = np.random.default_rng(15)
FLOAT_IMAGE = RNG.uniform(-0.2, 1.2, (3, 9, 7)).astype(np.float32)      # out of range on purpose
UINT8_IMAGE = RNG.integers(0, 256, (9, 7, 3), dtype=np.uint8)
GRAY_IMAGE = RNG.uniform(0, 1, (6, 5))
BATCH = RNG.uniform(0, 1, (11, 3, 4, 5)).astype(np.float32)              # 11 images: a ragged last row
GRAY_BATCH_NHWC = RNG.uniform(0, 1, (3, 4, 5, 1))
VALUES = RNG.standard_normal(2000) * 3


def torch_expected_pixels(array):
    """torch's rule, written out: float times 255 (uint8 as is), clipped, truncated."""
    scale = 1 if array.dtype == np.uint8 else 255
    return (array.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def write_everything(writer, lib):
    """The same calls for both writers; ``lib`` makes tensors (minitorch_cv or torch)."""
    for step in range(4):
        writer.add_scalar("loss/train", 1.5 / (step + 1), step)
        writer.add_scalar("acc", lib.tensor(0.25 * step), step)
        writer.add_scalars("pair", {"a": step, "b": np.float64(-step)}, step)
    writer.add_image("float_chw", lib.from_numpy(FLOAT_IMAGE), 1)
    writer.add_image("uint8_hwc", UINT8_IMAGE, 2, dataformats="HWC")
    writer.add_image("gray_hw", GRAY_IMAGE, 3, dataformats="HW")
    writer.add_images("batch", lib.from_numpy(BATCH), 4)
    writer.add_images("gray_batch", GRAY_BATCH_NHWC, 5, dataformats="NHWC")
    writer.add_histogram("values", lib.from_numpy(VALUES), 6)
    writer.add_histogram("values_auto", VALUES, 7, bins="auto")
    writer.add_histogram("values_few", VALUES, 8, max_bins=30)
    writer.add_text("note", "**minitorch_cv** run", 9)
    writer.add_hparams({"lr": 0.01, "batch": 64, "optimizer": "sgd", "nesterov": True, "skip": None},
                       {"hparam/accuracy": 0.61, "hparam/loss": 1.1}, run_name="hp", global_step=20)


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory):
    ours, theirs = tmp_path_factory.mktemp("ours"), tmp_path_factory.mktemp("torch")
    with SummaryWriter(ours) as writer:
        write_everything(writer, minitorch_cv)
    with TorchWriter(str(theirs)) as writer:
        write_everything(writer, torch)
    return ours, theirs


def test_every_scalar_read_back(both_runs):
    run = load(both_runs[0])
    assert scalars(run, "loss/train") == [(s, pytest.approx(1.5 / (s + 1))) for s in range(4)]
    assert scalars(run, "acc") == [(s, 0.25 * s) for s in range(4)]
    assert scalars(load(both_runs[0] / "pair_a"), "pair") == [(s, s) for s in range(4)]
    assert scalars(load(both_runs[0] / "pair_b"), "pair") == [(s, -s) for s in range(4)]


def test_images_decode_to_the_input_after_torchs_conversion(both_runs):
    run = load(both_runs[0])
    assert images(run, "float_chw")[0][0] == 1
    np.testing.assert_array_equal(images(run, "float_chw")[0][1], torch_expected_pixels(FLOAT_IMAGE.transpose(1, 2, 0)))
    np.testing.assert_array_equal(images(run, "uint8_hwc")[0][1], UINT8_IMAGE)
    np.testing.assert_array_equal(images(run, "gray_hw")[0][1],
                                  np.repeat(torch_expected_pixels(GRAY_IMAGE)[:, :, None], 3, 2))
    # 11 images tiled 8 across without padding, the missing cells black
    grid = np.zeros((3, 8, 40), np.float32)
    for k, img in enumerate(BATCH):
        grid[:, (k // 8) * 4:(k // 8 + 1) * 4, (k % 8) * 5:(k % 8 + 1) * 5] = img
    np.testing.assert_array_equal(images(run, "batch")[0][1], torch_expected_pixels(grid.transpose(1, 2, 0)))


def test_histogram_counts_and_limits_equal_torchs(both_runs):
    ours, theirs = load(both_runs[0]), load(both_runs[1])
    for tag in ("values", "values_auto", "values_few"):
        (step, mine), = histograms(ours, tag)
        (torch_step, reference), = histograms(theirs, tag)
        assert step == torch_step
        assert list(mine.bucket) == list(reference.bucket) and sum(mine.bucket) == len(VALUES)
        assert list(mine.bucket_limit) == list(reference.bucket_limit)
        assert (mine.min, mine.max, mine.num, mine.sum, mine.sum_squares) == \
            (reference.min, reference.max, reference.num, reference.sum, reference.sum_squares)
    assert len(histograms(ours, "values_few")[0][1].bucket) <= 31


def test_text_and_hparams(both_runs):
    assert texts(load(both_runs[0]), "note/text_summary") == [(9, "**minitorch_cv** run")]
    hp = load(both_runs[0] / "hp")
    content = hp.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    assert dict(start.session_start_info.hparams) == {
        "lr": start.session_start_info.hparams["lr"].__class__(number_value=0.01),
        "batch": start.session_start_info.hparams["batch"].__class__(number_value=64),
        "optimizer": start.session_start_info.hparams["optimizer"].__class__(string_value="sgd"),
        "nesterov": start.session_start_info.hparams["nesterov"].__class__(number_value=1)}
    experiment = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/accuracy", "hparam/loss"]
    assert scalars(hp, "hparam/accuracy") == [(20, pytest.approx(0.61))]


def test_same_summaries_as_torchs_writer(both_runs):
    for sub in ("", "pair_a", "pair_b", "hp"):
        ours, theirs = load(both_runs[0] / sub), load(both_runs[1] / sub)
        assert ours.Tags() == theirs.Tags(), sub
        for tag in ours.Tags()["scalars"]:
            assert scalars(ours, tag) == scalars(theirs, tag)
        for tag in ours.Tags()["images"]:
            for (step, mine), (torch_step, reference) in zip(images(ours, tag), images(theirs, tag), strict=True):
                assert step == torch_step
                np.testing.assert_array_equal(mine, reference, err_msg=tag)
        for tag in ours.Tags()["histograms"]:
            assert histograms(ours, tag) == histograms(theirs, tag)
        for tag in ours.Tags()["tensors"]:
            assert texts(ours, tag) == texts(theirs, tag)
        assert ours.PluginTagToContent("hparams") == theirs.PluginTagToContent("hparams") if sub == "hp" else True


def test_default_log_dir_and_purge_step(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as writer:
        assert re.fullmatch(r"runs/[A-Z][a-z]{2}\d\d_\d\d-\d\d-\d\d_" + re.escape(socket.gethostname()) + "_lr0.1",
                            writer.get_logdir())
        assert len(os.listdir(writer.get_logdir())) == 1     # the event file exists at once
    with SummaryWriter(tmp_path / "resumed", purge_step=3) as writer:
        writer.add_scalar("x", 1.0, 3)
    assert scalars(load(tmp_path / "resumed"), "x") == [(3, 1.0)]


def test_flush_puts_events_on_disk(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    writer = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000)
    for step in range(25):
        writer.add_scalar("y", step * 2.0, step)
    before = len(synced)
    writer.flush()
    assert len(synced) == before + 1
    assert scalars(load(tmp_path), "y") == [(s, 2.0 * s) for s in range(25)]   # read while still open
    writer.close()


def test_add_scalars_makes_no_thread_or_open_file_per_key(tmp_path):
    def open_files():
        return len(os.listdir("/proc/self/fd"))

    writer = SummaryWriter(tmp_path)
    threads, files = threading.active_count(), open_files()
    for step in range(3):
        writer.add_scalars("many", {f"k{i}": i * step for i in range(30)}, step)
    writer.flush()
    assert threading.active_count() == threads and open_files() == files
    writer.close()
    assert scalars(load(tmp_path / "many_k7"), "many") == [(s, 7 * s) for s in range(3)]
    assert len([d for d in os.listdir(tmp_path) if d.startswith("many_")]) == 30


def test_histogram_drops_nan_and_inf_with_a_warning(tmp_path):
    data = np.array([0.5, np.nan, 1.5, np.inf, -np.inf, 2.5, np.nan])
    with SummaryWriter(tmp_path) as writer:
        with pytest.warns(RuntimeWarning, match=r"dropped 2 NaN and 2 infinite of 7 values"):
            writer.add_histogram("h", minitorch_cv.tensor(data), 0)
        with pytest.raises(ValueError, match="no finite values"), pytest.warns(RuntimeWarning):
            writer.add_histogram("h", np.full(3, np.nan), 1)
    (step, hist), = histograms(load(tmp_path), "h")
    assert (hist.num, hist.min, hist.max, hist.sum) == (3, 0.5, 2.5, 4.5)


def test_closed_writer_refuses_to_write(tmp_path):
    writer = SummaryWriter(tmp_path)
    writer.close()
    writer.close()                                        # twice is fine
    for call in (lambda: writer.add_scalar("x", 1.0), lambda: writer.add_scalars("m", {"a": 1}),
                 lambda: writer.add_image("i", np.zeros((3, 2, 2))), lambda: writer.flush()):
        with pytest.raises(RuntimeError, match="SummaryWriter for .* is closed"):
            call()


def test_writer_closes_itself_when_collected_and_at_exit(tmp_path):
    writer = SummaryWriter(tmp_path / "collected", flush_secs=1000)
    writer.add_scalar("z", 4.0, 1)
    thread = writer._sink._thread
    del writer
    gc.collect()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert scalars(load(tmp_path / "collected"), "z") == [(1, 4.0)]
    script = ("from minitorch_cv.utils.tensorboard import SummaryWriter\n"
              f"w = SummaryWriter({str(tmp_path / 'exit')!r}, flush_secs=1000)\n"
              "for s in range(3): w.add_scalar('q', s + 0.5, s)\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, env={**os.environ, "PYTHONPATH": ROOT})
    assert scalars(load(tmp_path / "exit"), "q") == [(s, s + 0.5) for s in range(3)]


def test_missing_tensorboard_names_the_extra():
    script = "import sys; sys.modules['tensorboard'] = None\nimport minitorch_cv.utils.tensorboard"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": ROOT})
    assert result.returncode != 0
    assert "ImportError: minitorch_cv.utils.tensorboard needs the tensorboard package" in result.stderr
    assert "pip install minitorch_cv[tensorboard]" in result.stderr


def test_writing_imports_no_torch(tmp_path):
    script = ("import sys, numpy as np\nimport minitorch_cv\nfrom minitorch_cv.utils.tensorboard import SummaryWriter\n"
              f"with SummaryWriter({str(tmp_path)!r}) as w:\n"
              "    w.add_scalar('s', 1.0); w.add_image('i', np.zeros((3, 2, 2))); w.add_histogram('h', np.ones(3))\n"
              "    w.add_text('t', 'x'); w.add_hparams({'a': 1}, {'m': 1.0})\n"
              "    w.add_graph(minitorch_cv.nn.Linear(2, 1), minitorch_cv.zeros(1, 2))\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'tensorboardX', 'tensorflow')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": ROOT}, check=True)
    assert result.stdout.strip() == "[]"


def test_bad_input_gets_clear_errors(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match=r"add_scalar\('s'\): expected one value, got shape \(2,\)"):
            writer.add_scalar("s", np.zeros(2))
        with pytest.raises(ValueError, match="does not match dataformats 'CHW'"):
            writer.add_image("i", np.zeros((2, 2)))
        with pytest.raises(ValueError, match="expected 1, 3 or 4 channels, got 2"):
            writer.add_image("i", np.zeros((2, 4, 4)))
        with pytest.raises(TypeError, match="expected a minitorch_cv Tensor, a NumPy array or a number"):
            writer.add_histogram("h", "text")
        with pytest.raises(ValueError, match="hparam 'opt' is a list"):
            writer.add_hparams({"opt": [1]}, {"m": 1})


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(48, 2))

    def forward(self, x):
        y = self.conv(x) + x            # functional code between layers
        return self.head(y.relu())


def test_add_graph_layers_with_output_shapes(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        model = CIFAR10CNN()
        writer.add_graph(model, minitorch_cv.rand(2, 3, 32, 32))
        assert model.training                                   # mode restored
    graph = load(tmp_path).Graph()
    nodes = {n.name: n for n in graph.node}
    conv = nodes["CIFAR10CNN/Sequential[model]/Conv2d[2]"]
    assert conv.op == "Conv2d" and list(conv.input) == ["CIFAR10CNN/Sequential[model]/MaxPool2d[1]"]
    assert [d.size for d in conv.attr["_output_shapes"].list.shape[0].dim] == [2, 32, 16, 16]
    assert "kernel_size=(5, 5)" in conv.attr["attr"].s.decode()
    assert list(nodes["CIFAR10CNN/Sequential[model]/Conv2d[0]"].input) == ["input/input.0"]
    assert list(nodes["output/output.0"].input) == ["CIFAR10CNN/Sequential[model]/Linear[7]"]
    assert [d.size for d in nodes["output/output.0"].attr["_output_shapes"].list.shape[0].dim] == [2, 10]


def test_add_graph_looks_through_functional_code(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(Residual(), minitorch_cv.rand(1, 3, 4, 4))
    nodes = {n.name: n for n in load(tmp_path).Graph().node}
    flatten = nodes["Residual/Sequential[head]/Flatten[0]"]
    assert sorted(flatten.input) == ["Residual/Conv2d[conv]", "input/input.0"]   # conv(x) + x


def test_a_failed_flush_keeps_the_events(tmp_path, monkeypatch):
    writer = SummaryWriter(tmp_path, flush_secs=1000)
    writer.add_scalar("kept", 1.0, 0)
    real_write = type(writer._sink.file(str(tmp_path))).write

    def failing_write(self, records):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(writer._sink.file(str(tmp_path))), "write", failing_write)
    with pytest.raises(OSError, match="No space left"):
        writer.flush()
    monkeypatch.setattr(type(writer._sink.file(str(tmp_path))), "write", real_write)
    writer.add_scalar("kept", 2.0, 1)
    writer.close()
    assert scalars(load(tmp_path), "kept") == [(0, 1.0), (1, 2.0)]


def test_add_figure_as_torchs(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def figure():
        fig = plt.figure(figsize=(2, 1.5), dpi=50)
        plt.plot([0, 1, 2], [2, 0, 1])
        return fig

    with SummaryWriter(tmp_path / "ours") as writer:
        writer.add_figure("fig", figure(), 1)
        writer.add_figure("figs", [figure(), figure()], 2)
    with TorchWriter(str(tmp_path / "torch")) as writer:
        writer.add_figure("fig", figure(), 1)
        writer.add_figure("figs", [figure(), figure()], 2)
    for tag in ("fig", "figs"):
        (step, mine), = images(load(tmp_path / "ours"), tag)
        (torch_step, reference), = images(load(tmp_path / "torch"), tag)
        assert step == torch_step and mine.shape == reference.shape
        np.testing.assert_array_equal(mine, reference)
    assert plt.get_fignums() == []


class Reuse(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x):
        return self.pool(self.pool(x))


def test_add_graph_layer_called_twice(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(Reuse(), minitorch_cv.rand(1, 3, 8, 8))
    nodes = {n.name: n for n in load(tmp_path).Graph().node}
    assert list(nodes["Reuse/MaxPool2d[pool].1"].input) == ["Reuse/MaxPool2d[pool]"]
    assert [d.size for d in nodes["Reuse/MaxPool2d[pool].1"].attr["_output_shapes"].list.shape[0].dim] == [1, 3, 2, 2]
