"""Training and evaluation written once against the torch API, run by either backend.

``Progress`` is the position inside a run (epoch, batch) plus the running sums of the
unfinished epoch, so a run interrupted mid-epoch resumes with the same epoch statistics.
"""
import dataclasses
import time


@dataclasses.dataclass
class Progress:
    epoch: int = 0          # epochs finished
    step: int = 0           # batches of the current epoch finished
    loss_sum: float = 0.0   # sum over the epoch's images of the training loss
    correct: int = 0
    seen: int = 0
    seconds: float = 0.0    # training time of the current epoch so far

    def as_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        return cls(**{f.name: f.type(values[f.name]) for f in dataclasses.fields(cls)})

    def next_epoch(self):
        return Progress(epoch=self.epoch + 1)


def train_step(model, criterion, optimizer, images, labels):
    """One SGD step on a batch; returns (loss, number of correct predictions)."""
    outputs = model(images)
    loss = criterion(outputs, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item(), int((outputs.argmax(1) == labels).sum().item())


def train_epoch(backend, model, criterion, optimizer, batches, progress, stop_requested,
                on_step=lambda progress, loss: None, step=None):
    """Train on ``batches`` (NumPy pairs) with ``step`` (None: one process's ``train_step``),
    updating ``progress`` after each step.

    Stops after the step during which ``stop_requested()`` became true; returns False then.
    """
    model.train()
    tick = time.perf_counter()
    for images, labels in batches:
        loss, correct = (step or train_step)(model, criterion, optimizer, backend.tensor(images), backend.tensor(labels))
        now = time.perf_counter()
        progress.step += 1
        progress.loss_sum += loss * len(labels)
        progress.correct += correct
        progress.seen += len(labels)
        progress.seconds += now - tick
        tick = now
        on_step(progress, loss)
        if stop_requested():
            return False
    return True


def evaluate(backend, model, criterion, batches, stop_requested=lambda: False):
    """(mean loss, accuracy) of ``model`` on ``batches`` in eval mode without gradients.

    Returns None when ``stop_requested()`` turns true before the end.
    """
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    try:
        with backend.lib.no_grad():
            for images, labels in batches:
                images, labels = backend.tensor(images), backend.tensor(labels)
                outputs = model(images)
                loss_sum += criterion(outputs, labels).item() * len(labels)
                correct += int((outputs.argmax(1) == labels).sum().item())
                seen += len(labels)
                if stop_requested():
                    return None
    finally:
        model.train()
    return loss_sum / seen, correct / seen
