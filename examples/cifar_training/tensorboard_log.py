"""``--tensorboard``: what ``train_cifar.py`` shows in TensorBoard, for either backend.

Train loss per step; test loss and accuracy, train accuracy and the learning rate per epoch; a
grid of the first training batch; weight and gradient histograms per epoch; the run's recipe
with its final metrics in the hparams tab. Written with minitorch_cv's SummaryWriter, which
takes the NumPy arrays both backends hand it.
"""
import minitorch_cv
from minitorch_cv.vision.utils import make_grid


class TensorBoardLog:
    def __init__(self, log_dir, steps_per_epoch, progress):
        from minitorch_cv.utils.tensorboard import SummaryWriter
        self.steps_per_epoch = steps_per_epoch
        resumed = progress.epoch > 0 or progress.step > 0
        # on --resume, TensorBoard hides the events a killed run wrote after its checkpoint:
        # those from the first step to be trained again on
        self.writer = SummaryWriter(log_dir, purge_step=self.global_step(progress) + 1 if resumed else None)
        self.wrote_batch = resumed
        self.last_record = None

    def global_step(self, progress):
        return progress.epoch * self.steps_per_epoch + progress.step

    def batches(self, batches):
        """Pass ``batches`` through, drawing the run's first batch as a grid on the way."""
        for images, labels in batches:
            if not self.wrote_batch:
                self.writer.add_image("train/first_batch", make_grid(minitorch_cv.from_numpy(images)), 0)
                self.wrote_batch = True
            yield images, labels

    def step(self, progress, loss):
        self.writer.add_scalar("train/loss", loss, self.global_step(progress))

    def epoch(self, record, model, optimizer):
        epoch = record["epoch"]
        self.last_record = record
        for key, tag in (("test_loss", "test/loss"), ("test_acc", "test/accuracy"),
                         ("train_loss", "train/epoch_loss"), ("train_acc", "train/accuracy")):
            self.writer.add_scalar(tag, record[key], epoch)
        self.writer.add_scalar("lr", optimizer.param_groups[0]["lr"], epoch)
        for name, param in model.named_parameters():
            self.writer.add_histogram(f"weights/{name}", param.detach().numpy(), epoch)
            if param.grad is not None:
                self.writer.add_histogram(f"gradients/{name}", param.grad.detach().numpy(), epoch)
        self.writer.flush()

    def finish(self, recipe, backend_name):
        """The recipe and the last epoch's test metrics in the hparams tab; then close."""
        record = self.last_record
        if record is not None:
            hparams = {key: str(value) if isinstance(value, list) else value   # e.g. milestones
                       for key, value in recipe.items() if value is not None}
            hparams["backend"] = backend_name
            self.writer.add_hparams(hparams, {"hparam/test_accuracy": record["test_acc"],
                                              "hparam/test_loss": record["test_loss"]},
                                    run_name="hparams", global_step=record["epoch"])
        self.writer.close()

    def close(self):
        self.writer.close()


class NoLog:
    """Stands in for TensorBoardLog when ``--tensorboard`` is not given."""

    def batches(self, batches):
        return batches

    def step(self, progress, loss):
        pass

    def epoch(self, record, model, optimizer):
        pass

    def finish(self, recipe, backend_name):
        pass

    def close(self):
        pass
