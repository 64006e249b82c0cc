"""vision.models against torchvision: every architecture, loaded from torch.save files.

torchvision builds each model with seeded random weights (BatchNorm affine parameters and
running statistics made non-trivial), saves its state_dict with ``torch.save`` and computes the
reference: eval logits in float32 and float64, then one float64 training step (train mode,
Dropout held in eval so the masks are equal, a random upstream gradient on the logits) giving
every parameter's gradient and every buffer. A subprocess that never imports torch
(``tests/model_zoo_worker.py``, one for the whole module, fed one architecture at a time so
memory stays bounded) loads the file with ``minitorch_cv.load`` into
``minitorch_cv.vision.models`` and computes the same; its printed model and state_dict entries
are compared too.

Inputs (batch 2 unless noted): float32 logits on 224x224 images for every architecture (VGG:
batch 1); float64 logits on 224x224 for resnet18, alexnet and mobilenet_v2, on 64x64 for the
other ResNets and 32x32 for VGG (224x224 in float64 is too slow for the suite); the training
step at 64x64 (VGG: 32x32). Tolerances: tests/torch_parity.py, rows "model" (in float32 the
absolute part is at least three times torch's own float32 error against float64 on the same input,
computed here). The float32 logits are compared twice: with every convolution by im2col under
that row, and with the default Winograd paths (3x3 and 5x5 layers) under "model winograd".
"""
import json
import os
import shutil
import subprocess
import sys
import zlib

import numpy as np
import pytest
import torch
import torchvision.models as tvm

from torch_parity import assert_matches

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = os.path.join(REPO_ROOT, "tests", "model_zoo_worker.py")

# arch: (float32 eval batch at 224x224, float64 eval size, training-step size)
ARCHS = {
    "resnet18": (2, 224, 64), "resnet34": (2, 64, 64), "resnet50": (2, 64, 64), "resnet101": (2, 64, 64),
    "resnet152": (2, 64, 64), "resnext50_32x4d": (2, 64, 64), "wide_resnet50_2": (2, 64, 64),
    "vgg11": (1, 32, 32), "vgg11_bn": (1, 32, 32), "vgg13": (1, 32, 32), "vgg13_bn": (1, 32, 32),
    "vgg16": (1, 32, 32), "vgg16_bn": (1, 32, 32), "vgg19": (1, 32, 32), "vgg19_bn": (1, 32, 32),
    "alexnet": (2, 224, 64), "mobilenet_v2": (2, 224, 64),
}


def _seed(arch):
    return zlib.crc32(arch.encode())


def _inputs(arch):
    eval_batch, eval64_size, train_size = ARCHS[arch]
    rng = np.random.default_rng(_seed(arch))
    return {"eval_float32": rng.standard_normal((eval_batch, 3, 224, 224), dtype=np.float32),
            "eval_float64": rng.standard_normal((2, 3, eval64_size, eval64_size)),
            "train_float64": rng.standard_normal((2, 3, train_size, train_size)),
            "upstream_float64": rng.standard_normal((2, 1000))}


def _calibrated_torch_model(arch, images):
    """torchvision's model, seeded, with BatchNorm weights/biases perturbed and running statistics
    set from one train-mode pass (momentum 1), so eval activations stay O(1) in deep networks."""
    torch.manual_seed(_seed(arch))
    model = getattr(tvm, arch)()
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not norms:
        return model
    with torch.no_grad():
        for bn in norms:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.1)
            bn.momentum = 1.0
        model.train()
        model(torch.from_numpy(images))
    for bn in norms:
        bn.momentum = 0.1
    return model


def _torch_reference(arch, inputs, checkpoint):
    """Save the model's state_dict to ``checkpoint``; return torchvision's results."""
    model = _calibrated_torch_model(arch, inputs["eval_float32"])
    torch.save(model.state_dict(), checkpoint)
    expected = {"repr": repr(model), "state_dict": [f"{k} {tuple(v.shape)} {str(v.dtype).split('.')[-1]}"
                                                    for k, v in model.state_dict().items()]}
    model.eval()
    with torch.no_grad():
        expected["eval_float32"] = model(torch.from_numpy(inputs["eval_float32"])).numpy()
        model.double()
        truth = model(torch.from_numpy(inputs["eval_float32"]).double()).numpy()
        expected["spread_float32"] = float(np.max(np.abs(expected["eval_float32"] - truth)))
        expected["eval_float64"] = model(torch.from_numpy(inputs["eval_float64"])).numpy()
    model.train()
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.eval()
    model(torch.from_numpy(inputs["train_float64"])).backward(torch.from_numpy(inputs["upstream_float64"]))
    expected.update({f"grad/{n}": p.grad.numpy() for n, p in model.named_parameters()})
    expected.update({f"buffer/{n}": b.numpy() for n, b in model.named_buffers()})
    return expected


@pytest.fixture(scope="module")
def worker():
    """The torch-free minitorch_cv process; ``worker(job)`` runs one job and returns its reply."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO_ROOT, os.environ.get("PYTHONPATH", "")]))
    process = subprocess.Popen([sys.executable, WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env=env)

    def run(job):
        process.stdin.write(json.dumps(job) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        assert line, f"the worker died on {job['arch']} (exit code {process.poll()}); see the captured stderr"
        return json.loads(line)

    yield run
    process.stdin.close()
    assert process.wait(timeout=60) == 0


@pytest.fixture
def scratch(tmp_path):
    """A folder emptied after the test: each architecture's checkpoint and outputs take up to
    1.7 GB, and pytest keeps the last three sessions' temporary folders."""
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.parametrize("arch", list(ARCHS))
def test_model_matches_torchvision(arch, worker, scratch):
    """Printed text, state_dict entries, eval logits (float32, float64), and after one float64
    training step every parameter gradient and buffer (running statistics, num_batches_tracked)."""
    inputs = _inputs(arch)
    job = {"arch": arch, "checkpoint": str(scratch / f"{arch}.pth"), "inputs": str(scratch / "inputs.npz"),
           "output": str(scratch / "ours.npz"),
           "kwargs": {"init_weights": False} if arch.startswith("vgg") else {}}   # VGG: skip a 2nd init pass
    expected = _torch_reference(arch, inputs, job["checkpoint"])
    np.savez(job["inputs"], **inputs)
    reply = worker(job)
    assert reply == {"arch": arch, "torch_imported": False}
    with np.load(job["output"]) as ours:
        assert str(ours["repr"]).splitlines() == expected["repr"].splitlines()
        assert list(ours["state_dict"]) == expected["state_dict"]
        op = f"vision.models.{arch}"
        assert_matches("eval_float32", ours["eval_float32"], expected["eval_float32"], "float32", "model", op,
                       spread=expected["spread_float32"])
        assert_matches("eval_float32 (Winograd)", ours["eval_float32_winograd"], expected["eval_float32"], "float32",
                       "model winograd", op, spread=expected["spread_float32"])
        assert_matches("eval_float64", ours["eval_float64"], expected["eval_float64"], "float64", "model", op)
        names = sorted(k for k in expected if k.startswith(("grad/", "buffer/")))
        assert sorted(k for k in ours.files if k.startswith(("grad/", "buffer/"))) == names
        largest_grad = max(float(np.abs(expected[k]).max()) for k in names if k.startswith("grad/"))
        for name in names:   # a conv bias before a train-mode BatchNorm has a zero gradient, up to rounding
            scale = largest_grad if name.startswith("grad/") else None
            assert_matches(name, ours[name], expected[name], "float64", "model", op, scale=scale)
