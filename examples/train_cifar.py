"""Train a CIFAR-10 model (the tutorial's CIFAR10CNN by default) with minitorch_cv (``--backend numpy``) or PyTorch.

Both backends start from the same weights (drawn by minitorch_cv from ``--seed``) and see the
same batches in the same order, so their losses can be compared step by step. Each epoch
trains, evaluates on the test set, prints a line, appends to ``OUT/metrics.jsonl`` and saves
``OUT/checkpoint.npz`` (numpy) or ``OUT/checkpoint.pth`` (torch). Ctrl-C saves a checkpoint
after the current batch; ``--resume`` continues from it.

    python examples/train_cifar.py --backend numpy --data-dir ../shared/data
    python examples/train_cifar.py --backend torch --data-dir ../shared/data
    mpiexec -n 2 python -m mpi4py examples/train_cifar.py --distributed --threads 1 --data-dir ../shared/data

He et al.'s ResNet-20 with a one-cycle schedule (see README for the paper's schedule)::

    python examples/train_cifar.py --model resnet20 --epochs 30 --batch-size 128 --lr 0.1 --momentum 0.9 \
        --nesterov --weight-decay 5e-4 --scheduler onecycle --max-lr 0.1 --pct-start 0.15 --augment \
        --normalize cifar --data-dir ../shared/data
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repository root

from tqdm import tqdm  # noqa: E402

import minitorch_cv  # noqa: E402
from cifar_training import data  # noqa: E402
from cifar_training import distributed as parallel  # noqa: E402
from cifar_training import recipes  # noqa: E402
from cifar_training.recipes import Training  # noqa: E402
from cifar_training.backends import BACKENDS, Backend, initial_state  # noqa: E402
from cifar_training.loop import Progress, train_epoch  # noqa: E402
from cifar_training.run_folder import RunFolder, StopOnInterrupt  # noqa: E402
from cifar_training.tensorboard_log import NoLog, TensorBoardLog  # noqa: E402
from minitorch_cv.models import ACTIVATIONS  # noqa: E402
from minitorch_cv.threads import default_num_threads  # noqa: E402

# What makes a run what it is: fixed when the run starts, read back from the checkpoint on
# --resume. The tutorial's recipe: 20 epochs, batch 64, SGD lr 0.01, no momentum, its CNN, no
# schedule (recipes.DEFAULTS). schedule_epochs: the --epochs a schedule spans, fixed at the start.
RECIPE_DEFAULTS = dict(batch_size=64, lr=0.01, momentum=0.0, weight_decay=0.0, activation="none",
                       augment=False, seed=0, limit_train=None, limit_test=None, **recipes.DEFAULTS)
INTERRUPTED = 130


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="numpy",
                        help="numpy: minitorch_cv; torch: PyTorch (default numpy)")
    parser.add_argument("--epochs", type=int, default=20, help="total epochs of the run (default 20)")
    parser.add_argument("--batch-size", type=int, help="default 64")
    parser.add_argument("--lr", type=float, help="learning rate (default 0.01)")
    parser.add_argument("--momentum", type=float, help="SGD/RMSprop momentum (default 0)")
    parser.add_argument("--weight-decay", type=float, help="weight decay (default 0)")
    parser.add_argument("--activation", choices=ACTIVATIONS,
                        help="none: the tutorial's model; relu: a ReLU after each convolution")
    parser.add_argument("--augment", action="store_true", default=None,
                        help="RandomCrop(32, padding=4) and random horizontal flips")
    parser.add_argument("--seed", type=int, help="seeds the initial weights, order and augmentation "
                                                 "(default 0)")
    parser.add_argument("--limit-train", type=int, metavar="N", help="train on the first N images only")
    parser.add_argument("--limit-test", type=int, metavar="N", help="evaluate on the first N images only")
    parser.add_argument("--data-dir", default="data", help="folder holding cifar-10-batches-py "
                                                           "(default ./data)")
    parser.add_argument("--download", action="store_true", help="download CIFAR-10 into --data-dir "
                                                                 "if it is not there")
    parser.add_argument("--out", help="run folder (default runs/BACKEND-ACTIVATION[-augment]-seedN)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    parser.add_argument("--tensorboard", nargs="?", const="", metavar="DIR",
                        help="log to TensorBoard in DIR (default OUT/tensorboard); view with "
                             "tensorboard --logdir DIR")
    parser.add_argument("--threads", type=int, default=default_num_threads(),
                        help="threads for minitorch_cv kernels and PyTorch (default: all cores)")
    recipes.add_arguments(parser)
    parallel.add_arguments(parser)
    return parser


def resolve_recipe(args, parser, saved=None):
    """The run's recipe: explicit options over the defaults, or the saved recipe on --resume."""
    given = {key: getattr(args, key) for key in RECIPE_DEFAULTS if getattr(args, key) is not None}
    if saved is None:
        return {**RECIPE_DEFAULTS, **given, "schedule_epochs": args.epochs}
    saved = {**RECIPE_DEFAULTS, "schedule_epochs": args.epochs, **saved}   # older runs: the defaults
    clashes = [f"--{k.replace('_', '-')} {v} (the run has {saved[k]})"
               for k, v in given.items() if v != saved[k]]
    if clashes:
        parser.error("--resume continues a run with its own settings; drop " + ", ".join(clashes))
    return {key: saved[key] for key in [*RECIPE_DEFAULTS, "schedule_epochs"]}


def check_recipe(recipe, parser):
    for key in ("batch_size", "limit_train", "limit_test"):
        if recipe[key] is not None and recipe[key] < 1:
            parser.error(f"--{key.replace('_', '-')} must be a positive integer, got {recipe[key]}")
    for key in ("lr", "momentum", "weight_decay"):
        if recipe[key] < 0:
            parser.error(f"--{key.replace('_', '-')} must not be negative, got {recipe[key]}")
    for problem in recipes.check(recipe):
        parser.error(problem)


def default_out(args):
    augment = "-augment" if args.augment else ""
    model = args.activation or "none" if args.model in (None, "cifar10cnn") else args.model
    return os.path.join("runs", f"{args.backend}-{model}{augment}-seed{args.seed or 0}")


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.threads < 1 or args.epochs < 1:
        parser.error("--threads and --epochs must be positive")
    backend = Backend(args.backend)
    backend.set_num_threads(args.threads)
    group = parallel.setup(args, backend)
    run = RunFolder(args.out or default_out(args), backend)
    if args.resume:
        try:
            checkpoint = group.on_rank0(run.load, (OSError, RuntimeError, ValueError))
        except (OSError, RuntimeError, ValueError) as error:
            parser.exit(1, f"train_cifar.py: error: {error}\n")
        recipe = resolve_recipe(args, parser, checkpoint["recipe"])
        progress = Progress.from_dict(checkpoint["progress"])
        if group.is_main:
            run.trim_logs(progress)
    else:
        if group.agree(os.path.exists(run.checkpoint)):
            parser.error(f"{run.path} already holds a run; add --resume to continue it or pick another --out")
        recipe = resolve_recipe(args, parser)
        check_recipe(recipe, parser)
        checkpoint, progress = None, Progress()
    if args.epochs > recipe["schedule_epochs"] and recipe["scheduler"] == "onecycle":
        parser.error(f"--epochs {args.epochs}: the run's one-cycle schedule ends after epoch "
                     f"{recipe['schedule_epochs']}")
    augment_generator = minitorch_cv.Generator() if recipe["augment"] else None
    try:
        train_set = data.cifar_split(args.data_dir, True, recipe["limit_train"], augment_generator,
                                     args.download, recipe["normalize"])
        test_set = data.cifar_split(args.data_dir, False, recipe["limit_test"], None, args.download,
                                    recipe["normalize"])
    except (OSError, RuntimeError) as error:
        parser.exit(1, f"train_cifar.py: error: {error}\n")
    model, criterion, optimizer = build_training(
        backend, recipe, checkpoint, data.batches_per_epoch(len(train_set), recipe["batch_size"]))
    if group.is_main:
        run.create()
    print(f"{backend.name} backend, {args.threads} threads, {group.world} process(es), {len(train_set)} training and "
          f"{len(test_set)} test images, run folder {run.path}")
    log = NoLog() if args.tensorboard is None or not group.is_main else TensorBoardLog(
        args.tensorboard or os.path.join(run.path, "tensorboard"),
        data.batches_per_epoch(len(train_set), recipe["batch_size"]), progress)
    with StopOnInterrupt() as stop:
        while progress.epoch < args.epochs:
            finished = run_epoch(backend, model, criterion, optimizer, train_set, test_set,
                                 recipe, args, progress, augment_generator, run, stop, group, log)
            if not finished:
                if group.is_main:
                    run.save(model, optimizer, progress, recipe)
                log.close()
                print(f"stopped in epoch {progress.epoch + 1} after batch {progress.step}; saved "
                      f"{run.checkpoint}; continue with --resume --out {run.path}")
                return INTERRUPTED
            optimizer.end_epoch()
            progress = progress.next_epoch()
            if group.is_main:
                run.save(model, optimizer, progress, recipe)
    log.finish(recipe, backend.name)
    print(f"done after epoch {progress.epoch}; weights in {run.checkpoint}")
    return 0


def build_training(backend, recipe, checkpoint, batches_per_epoch):
    """Model, loss and ``Training`` (optimizer and schedule): fresh from the seed, or restored
    from ``checkpoint`` with the random state it saved."""
    if checkpoint is None:
        state = backend.from_minitorch(initial_state(recipe["seed"], recipe["activation"], recipe["model"]))
    else:
        state = checkpoint["model"]
    model = backend.build_model(recipe["activation"], state, recipe["model"])
    criterion = recipes.build_criterion(backend.lib, recipe)
    optimizer = recipes.build_optimizer(backend.lib, recipe, model.parameters())
    scheduler = recipes.build_scheduler(backend.lib, recipe, optimizer, batches_per_epoch)
    training = Training(backend.lib, recipe, optimizer, scheduler)
    if checkpoint is not None:
        training.load(checkpoint["optimizer"], checkpoint.get("scheduler"))
        if checkpoint.get("rng") is not None:
            backend.lib.set_rng_state(checkpoint["rng"])
    return model, criterion, training


def run_epoch(backend, model, criterion, optimizer, train_set, test_set, recipe, args, progress,
              augment_generator, run, stop, group, log):
    """Train the rest of the current epoch, then evaluate and log it; False if Ctrl-C stopped it."""
    epoch, batch_size = progress.epoch, recipe["batch_size"]
    batches = log.batches(data.train_batches(train_set, batch_size, recipe["seed"], epoch,
                                             progress.step, augment_generator))
    bar = tqdm(total=data.batches_per_epoch(len(train_set), batch_size), initial=progress.step,
               desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch", leave=False, disable=None)

    def on_step(progress, loss):
        if group.is_main:
            run.append(run.steps, {"epoch": epoch + 1, "step": progress.step, "loss": loss})
        log.step(progress, loss)
        bar.set_postfix(loss=f"{progress.loss_sum / progress.seen:.4f}",
                        img_s=f"{progress.seen / max(progress.seconds, 1e-9):.0f}", refresh=False)
        bar.update()

    with bar:
        if not train_epoch(backend, group.training_model(model), criterion, optimizer, batches, progress,
                           group.stop(stop), on_step, group.train_step):
            return False
        tick = time.perf_counter()
        result = group.evaluate(model, criterion, test_set, batch_size, stop)
    if result is None:
        return False
    eval_seconds = time.perf_counter() - tick
    test_loss, test_acc = result
    record = {"epoch": epoch + 1, "train_loss": progress.loss_sum / progress.seen,
              "train_acc": progress.correct / progress.seen, "test_loss": test_loss,
              "test_acc": test_acc, "epoch_seconds": progress.seconds + eval_seconds,
              "train_seconds": progress.seconds, "eval_seconds": eval_seconds,
              "images_per_second": progress.seen / progress.seconds, "backend": backend.name,
              "last_lr": optimizer.param_groups[0]["lr"],
              "threads": args.threads, **group.record(), **recipe}
    if group.is_main:
        run.append(run.metrics, record)
    log.epoch(record, model, optimizer)
    print(f"epoch {epoch + 1:>3}/{args.epochs}  train loss {record['train_loss']:.4f} "
          f"acc {100 * record['train_acc']:5.2f}%  test loss {test_loss:.4f} acc {100 * test_acc:5.2f}%  "
          f"{record['epoch_seconds']:6.1f} s ({record['images_per_second']:.0f} img/s)", flush=True)
    return True


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; nothing saved since the last checkpoint", file=sys.stderr)
        sys.exit(INTERRUPTED)
