"""Keep the benchmark scripts from rotting: the layer benchmark in its quickest mode on a tiny batch.

It runs the real script in a fresh process (as a user would) and checks that every layer of
CIFAR10CNN and the loss got a forward and a backward timing from both backends. A backend
that fails on a layer fails this test, with the benchmark's own error message.
"""
import json
import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["model.0 Conv2d", "model.1 MaxPool2d", "model.2 Conv2d", "model.3 MaxPool2d", "model.4 Conv2d",
          "model.5 MaxPool2d", "model.6 Flatten", "model.7 Linear", "CrossEntropyLoss"]


def test_layer_benchmark_runs_and_reports_every_layer(tmp_path):
    out = tmp_path / "layers.json"
    command = [sys.executable, os.path.join(REPO_ROOT, "benchmarks", "bench_layers.py"), "--quick",
               "--batch", "2", "--threads", "1", "--repeats", "1", "--warmup", "1", "--min-sample", "0",
               "--json", str(out)]
    # a guard against a hang, not a timing: the run took 57 s in a fresh clone on a busy 2-core machine
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"bench_layers.py failed:\n{done.stdout}\n{done.stderr}"
    report = json.loads(out.read_text())
    assert report["benchmark"] == "layers"
    assert report["machine"]["numpy_blas"]
    seen = [(row["layer"], row["direction"]) for row in report["rows"]]
    assert seen == [(layer, direction) for layer in LAYERS for direction in ("forward", "backward")]
    failures = [f"{row['case']}: {name}: {row[name]['error']}" for row in report["rows"]
                for name in ("minitorch_cv", "torch") if "error" in row[name]]
    assert not failures, "backends failed in the layer benchmark:\n" + "\n".join(failures)
    for row in report["rows"]:
        assert row["minitorch_cv"]["median_ms"] > 0 and row["torch"]["median_ms"] > 0, row["case"]
        assert row["ratio"] > 0, row["case"]
    assert "minitorch_cv ms" in done.stdout and "ratio" in done.stdout
    stream = report["memory_stream_gbps"]
    assert sorted(stream) == ["end", "start"] and all(0.1 < gbps < 10_000 for gbps in stream.values()), stream
    assert "Memory stream (128 MB copy, one thread) at the start and end:" in done.stdout


def fake_report(benchmark, rows, stream=None):
    """A benchmark JSON as the scripts write it, with only what report.py reads."""
    machine = {"cpu": "test CPU", "cores": 2, "avx512": False, "python": "3", "numpy": "2", "numba": "0",
               "torch": "2", "git": "abc", "numpy_blas": "openblas", "torch_blas": "mkl",
               "numba_threading_layer": "omp"}
    return {"benchmark": benchmark, "date": "2026-12-01 00:00:00 +0000", "machine": machine,
            "other_load_cores": 0.0, "memory_stream_gbps": stream, "rows": rows}


def test_report_gives_median_and_range_of_runs_and_issue14_verdicts(tmp_path):
    sys.path.insert(0, os.path.join(REPO_ROOT, "benchmarks"))
    from report import write_results

    def stats(ms):
        return {"median_ms": ms}

    for run, (ours, torch_ms) in enumerate([(50.0, 100.0), (70.0, 100.0), (60.0, 100.0)], start=1):
        folder = tmp_path / "native" / f"run{run}"
        folder.mkdir(parents=True)
        resnet = [{"case": "resnet20 train20 batch 128 32x32", "arch": "resnet20", "batch": 128, "threads": 2,
                   "minitorch_cv": stats(ours), "torch": stats(torch_ms), "ratio": ours / torch_ms,
                   "check": {"agree": True}}]
        startup = [{"case": f"{name} resnet50 start-up", "backend": name, "model": "resnet50",
                    "first_run": {"total_s": 9.0}, "warm_cache": {"total_s": 2.0 + run / 10}}
                   for name in ("minitorch_cv", "torch")]
        epoch = [{"case": "resnet20 epoch", "model": "resnet20", "threads": 2, "ratio": 0.5, "scaled": "SCALED: 5",
                  "train_images": 5, "test_images": 5, "batch": 128, "minitorch_cv": {"total_s": 1.0},
                  "torch": {"total_s": 2.0}}]
        stream = {"start": 20.0 + run, "end": 25.0}
        (folder / "resnet.json").write_text(json.dumps(fake_report("resnet", resnet, stream)))
        (folder / "epoch_resnet20.json").write_text(json.dumps(fake_report("epoch", epoch)))
        (folder / "startup.json").write_text(json.dumps(fake_report("startup", startup)))
    text = open(write_results(str(tmp_path), ["native", "haswell"])).read()
    assert "| ResNet-20 training step, batch 128, 32x32 | native | 3 | <= 0.6 | 0.60 (0.50-0.70) | met |" in text
    assert "| ResNet-20 training step, batch 128, 32x32 | haswell | 0 | <= 0.8 | n/a | not measured |" in text
    assert "| native | 3 | < 3 s | 2.20 (2.10-2.30) s | met |" in text
    assert "| native | 3 | <= 0.7 | 0.50 (SCALED: 5) | met on the scaled run, not judged |" in text
    assert "All issue 14 targets met: no." in text
    assert "60.0 (50.0-70.0)" in text and "100.0 |" in text  # a figure equal in every run is written once
    assert "at the benchmarks' starts and ends: resnet 22.0 (21.0-23.0) / 25.0." in text


def test_run_all_repeats_a_scaled_resnet20_epoch(tmp_path):
    sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))
    from cifar_helpers import write_cifar_folder

    data = write_cifar_folder(str(tmp_path / "data"), 16, 8)
    out = tmp_path / "results"
    command = [sys.executable, os.path.join(REPO_ROOT, "benchmarks", "run_all.py"), "--runs", "2",
               "--settings", "native,haswell", "--only", "epoch_resnet20", "--threads", "1", "--data-dir", data,
               "--epoch-limit-train", "16", "--epoch-limit-test", "8", "--out", str(out)]
    env = {**os.environ, "OPENBLAS_CORETYPE": "Zen"}  # neither setting may inherit it
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, f"run_all.py failed:\n{done.stdout}\n{done.stderr}"
    for setting, coretype in (("native", "unset"), ("haswell", "Haswell")):
        for run in (1, 2):
            report = json.loads((out / setting / f"run{run}" / "epoch_resnet20.json").read_text())
            assert report["machine"]["env"]["OPENBLAS_CORETYPE"] == coretype, (setting, run)
            row = report["rows"][0]
            assert row["model"] == "resnet20" and row["recipe"]["nesterov"] and row["recipe"]["augment"]
            assert row["scaled"].startswith("SCALED: 16 of 50000")
            assert abs(row["minitorch_cv"]["train_loss"] - row["torch"]["train_loss"]) < 1e-4  # same weights, batches
    text = (out / "RESULTS.md").read_text()
    assert "Runs per setting: native 2, haswell 2" in text and "SCALED: 16 of 50000" in text
