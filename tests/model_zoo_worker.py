"""minitorch_cv's side of the model-zoo parity test, run as a subprocess that never imports torch.

    python tests/model_zoo_worker.py      # then one JSON job per line on stdin, one JSON reply per line

Each job names an architecture (and builder kwargs), a checkpoint written by ``torch.save``
and an .npz of inputs; the worker loads the checkpoint with ``minitorch_cv.load`` into
``vision.models.<arch>()`` and writes to the job's output .npz: the printed model and its
state_dict entries, float32 eval logits with every convolution by im2col and with the default
Winograd paths, float64 eval logits, and, after one float64 training step
(train mode, Dropout in eval so its masks cannot differ, a random upstream gradient on the
logits), every parameter's gradient and every buffer.
"""
import json
import sys

import numpy as np

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.vision import models


def eval_logits(model, images):
    model.eval()
    with minitorch_cv.no_grad():
        return model(minitorch_cv.from_numpy(images)).numpy()


def training_step(model, images, upstream):
    """One forward/backward in train mode (Dropout held in eval); gradients and buffers by name."""
    model.train()
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.eval()
    model.zero_grad()
    logits = model(minitorch_cv.from_numpy(images))
    logits.backward(minitorch_cv.from_numpy(upstream))
    out = {f"grad/{name}": p.grad.numpy() for name, p in model.named_parameters()}
    out.update({f"buffer/{name}": b.numpy() for name, b in model.named_buffers()})
    return out


def run(job):
    inputs = np.load(job["inputs"])
    model = getattr(models, job["arch"])(**job.get("kwargs", {}))
    entries = [f"{key} {tuple(value.shape)} {str(value.dtype).split('.')[-1]}"
               for key, value in model.state_dict().items()]
    out = {"repr": np.array(repr(model)), "state_dict": np.array(entries)}
    model.load_state_dict(minitorch_cv.load(job["checkpoint"]))
    with minitorch_cv.backends.winograd.flags(enabled=False):
        out["eval_float32"] = eval_logits(model, inputs["eval_float32"])
    out["eval_float32_winograd"] = eval_logits(model, inputs["eval_float32"])
    model.double()
    out["eval_float64"] = eval_logits(model, inputs["eval_float64"])
    out.update(training_step(model, inputs["train_float64"], inputs["upstream_float64"]))
    np.savez(job["output"], **out)


def main():
    """Serve jobs until stdin closes; each reply says whether torch has been imported (it must not be)."""
    for line in sys.stdin:
        job = json.loads(line)
        run(job)
        print(json.dumps({"arch": job["arch"], "torch_imported": "torch" in sys.modules}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
