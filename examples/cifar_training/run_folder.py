"""A run folder: the latest checkpoint, per-epoch ``metrics.jsonl`` and per-step ``steps.jsonl``.

The checkpoint is rewritten atomically after every epoch and on Ctrl-C. It holds the weights,
the optimizer and scheduler states, the position (epoch, batch, running sums), the recipe and
the library's global random state. The data order and augmentation derive from (seed, epoch,
batch), all of which it holds; the global random state is restored for anything else drawn.
"""
import json
import os
import signal

CHECKPOINT_KIND = "minitorch_cv/cifar10-training-checkpoint"


class RunFolder:
    def __init__(self, path, backend):
        self.path = path
        self.backend = backend
        self.checkpoint = os.path.join(path, "checkpoint" + backend.suffix)
        self.metrics = os.path.join(path, "metrics.jsonl")
        self.steps = os.path.join(path, "steps.jsonl")

    def create(self):
        os.makedirs(self.path, exist_ok=True)

    def save(self, model, training, progress, recipe):
        """``training``: the optimizer and its schedule (``recipes.Training``)."""
        self.backend.save({"kind": CHECKPOINT_KIND, "backend": self.backend.name,
                           "model": model.state_dict(), "optimizer": training.state_dict(),
                           "scheduler": training.scheduler_state(), "rng": self.backend.lib.get_rng_state(),
                           "progress": progress.as_dict(), "recipe": dict(recipe)},
                          self.checkpoint)

    def load(self):
        """The checkpoint's content; a clear error when it is missing or not a training checkpoint."""
        if not os.path.exists(self.checkpoint):
            raise FileNotFoundError(f"--resume: no checkpoint {self.checkpoint!r} to resume "
                                    f"(was the run made with --backend {self.backend.name}?)")
        content = self.backend.load(self.checkpoint)
        if not isinstance(content, dict) or content.get("kind") != CHECKPOINT_KIND:
            raise ValueError(f"--resume: {self.checkpoint!r} is not a train_cifar.py checkpoint")
        return content

    def append(self, path, record):
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")

    def trim_logs(self, progress):
        """Drop log lines written after the checkpoint (a run killed without saving leaves some)."""
        position = (progress.epoch + 1, progress.step)
        _keep_lines(self.metrics, lambda r: r["epoch"] <= progress.epoch)
        _keep_lines(self.steps, lambda r: (r["epoch"], r["step"]) <= position)


def _keep_lines(path, keep):
    if not os.path.exists(path):
        return
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records if keep(r))


class StopOnInterrupt:
    """Turn the first Ctrl-C into a request to stop after the current step; a second one aborts."""

    def __init__(self):
        self.requested = False

    def __call__(self):
        return self.requested

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nCtrl-C: finishing the current batch and saving a checkpoint "
              "(press Ctrl-C again to quit without saving)", flush=True)

    def __enter__(self):
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self._previous)
        return False
