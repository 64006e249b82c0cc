"""minitorch_cv.distributed and DistributedDataParallel on 2 ranks under mpiexec (tests/mpi_scripts)."""
import pytest

from mpi_helpers import run_mpi

from lockstep import EARLY_STEPS, FLOORS, Run, assert_lockstep, drift

# One process on the global batch and 2 ranks on halves differ only in the order the batch's
# per-sample gradients are summed. float64: every weight within 1e-12 after 20 momentum steps
# (measured 1e-16). float32: tests/lockstep.py's rule (there is no torch twin here, so no
# spread): the first 10 steps' global-batch losses within its EARLY_RTOL, all 20 steps and the
# final weights within its floors. Measured (relative): losses 1.2e-7, final weights 2.3e-7
# (ReLU + max pool model) and 2.7e-7 (smooth model).


@pytest.fixture(scope="module")
def equivalence():
    return run_mpi("ddp_equivalence.py")[2]


@pytest.mark.parametrize("case", ["float64_relu_maxpool", "float64_tiny_buckets", "float64_no_sync_accumulation",
                                  "float64_smooth"])
def test_ddp_two_ranks_equal_one_process_float64(equivalence, case):
    result = equivalence[case]
    assert result["max_abs"] <= 1e-12, result
    assert result["ranks_spread"] == 0.0, result          # every rank holds the same weights


def test_ddp_tiny_buckets_really_split(equivalence):
    assert equivalence["float64_tiny_buckets"]["buckets"] == 6
    assert equivalence["float64_relu_maxpool"]["buckets"] == 1


@pytest.mark.parametrize("case", ["float32_relu_maxpool", "float32_smooth"])
def test_ddp_two_ranks_equal_one_process_float32(equivalence, case):
    result = equivalence[case]
    ours, theirs = Run(result["losses"]), Run(result["single_losses"])
    assert_lockstep(Run(ours.steps[:EARLY_STEPS]), Run(theirs.steps[:EARLY_STEPS]), "float32",
                    label=f"DDP 2 ranks vs 1 process, {case}, first {EARLY_STEPS} steps")
    assert drift(ours, theirs)[1] <= FLOORS["steps"], result
    assert result["final_rel"] <= FLOORS["final"], result
    assert result["ranks_spread"] == 0.0, result


def test_collectives_and_ddp_features_on_two_ranks():
    result = run_mpi("collectives_and_ddp_features.py")[2]
    assert result == {"world": 2, "checks": ["collectives", "buffers broadcast at construction and forward",
                                             "find_unused_parameters", "no_sync keeps local gradients"]}


@pytest.mark.parametrize("through_mpi4py", [True, False], ids=["python-m-mpi4py", "plain-python"])
def test_a_raising_rank_ends_the_job(through_mpi4py):
    # plain python: minitorch_cv's own excepthook (installed by init_process_group) aborts the job
    done, seconds, result = run_mpi("raising_rank.py", check=False, timeout=60, through_mpi4py=through_mpi4py)
    assert done.returncode != 0
    assert result is None, "rank 0 must not get past the collective"
    assert "rank 1 fails on purpose" in done.stderr
    assert seconds < 60


def test_sync_batchnorm_on_two_ranks_is_batchnorm_on_the_global_batch():
    """Outputs, input gradients (per share), parameter gradients (summed over ranks) and running
    buffers, each as its largest difference over its largest value (at least 1). float32 bound:
    the float32 atol of torch_parity.py's gradient row (measured: 1.6e-7 for the first conv's
    weight gradient)."""
    result = run_mpi("sync_batchnorm.py")[2]
    assert set(result["float64"]) == {"output", "input_grad", "0.weight.grad", "0.bias.grad", "1.weight.grad",
                                      "1.bias.grad", "4.weight.grad", "4.bias.grad", "running_mean", "running_var"}
    assert max(result["float64"].values()) <= 1e-12, result["float64"]
    assert max(result["float32"].values()) <= 1e-5, result["float32"]
    assert result["ddp_training_float64"] <= 1e-12      # 20 SGD steps of DDP + SyncBatchNorm
    assert result["resnet20_ddp_float64"] <= 1e-12      # ResNet-20's 19 BatchNorms, 2 steps (measured 2e-15)


def test_distributed_benchmark_runs(tmp_path):
    """bench_distributed.py in its smallest form: one 2-rank job of CIFAR10CNN, every figure present."""
    import json
    import subprocess
    import sys

    from mpi_helpers import REPO, find_mpiexec, mpi_env
    if find_mpiexec() is None:
        pytest.skip("no mpiexec")
    out = tmp_path / "distributed.json"
    command = [sys.executable, "benchmarks/bench_distributed.py", "--models", "cnn,resnet20", "--scaling", "strong",
               "--ranks", "2", "--batch", "4", "--steps", "2", "--warmup", "1", "--json", str(out)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240, env=mpi_env())
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(out.read_text())["rows"]
    cnn = rows[0]
    assert cnn["model"] == "CIFAR10CNN" and cnn["ranks"] == 2 and cnn["global_batch"] == 4, cnn
    assert cnn["step_ms"] > 0 and 0 <= cnn["allreduce_share"] < 1 and cnn["allreduce_1M_float32_ms"] > 0
    assert rows[1]["model"] == "ResNet-20" and ("step_ms" in rows[1] or rows[1]["error"].startswith("pending"))
