"""One epoch of real CIFAR-10 training plus evaluation on the test set, per backend, wall time.

It reuses ``examples/train_cifar.py``'s own machinery (``examples/cifar_training``): the same
CIFAR10 dataset and DataLoader feed both backends, batch loading (and augmentation) is inside
the timed epoch, and both start from the same weights and see the same batches. The backends
run in one process, taking turns every BLOCK_BATCHES batches, so that the machine's drift over
the minutes an epoch takes falls on both alike (run one after the other, the ratio carried it).
Two recipes:

- ``--model cifar10cnn`` (default): the tutorial's CNN, batch 64, SGD lr 0.01, momentum 0.9;
- ``--model resnet20``: issue 16's ResNet-20 recipe, the first of its 30 epochs: batch 128,
  random crop and flip, CIFAR-10 normalization, SGD lr 0.1 with Nesterov momentum 0.9, weight
  decay 5e-4, one-cycle schedule (max lr 0.1, 15% warm-up).

Reading the CIFAR-10 files happens once, before, and is reported apart. Each backend first runs
one untimed step and one evaluation batch (numba compiles or loads there). With
``--limit-train``/``--limit-test`` (or ``--quick``) the figures are of a partial epoch: the
output and the JSON say so (``scaled``).

    python benchmarks/bench_epoch.py --data-dir ../shared/data
    python benchmarks/bench_epoch.py --model resnet20 --data-dir ../shared/data
    python benchmarks/bench_epoch.py --limit-train 5000 --limit-test 1000    # a quicker, scaled figure
"""
import argparse
import itertools
import os
import time

from common import (BACKEND_NAMES, OURS, REPO_ROOT, THEIRS, TRAINING_BACKEND, CpuLoadMonitor, all_cores,
                    error_text, finish, format_table, set_threads)

DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))
FULL_SPLITS = (50000, 10000)  # CIFAR-10's training and test images
TUTORIAL = dict(model="cifar10cnn", batch_size=64, lr=0.01, momentum=0.9, weight_decay=0.0)
ISSUE16_RESNET20 = dict(model="resnet20", batch_size=128, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4,
                        augment=True, normalize="cifar", scheduler="onecycle", max_lr=0.1, pct_start=0.15,
                        schedule_epochs=30)
RECIPES = {"cifar10cnn": TUTORIAL, "resnet20": ISSUE16_RESNET20}


def recipe_of(model, batch_size=None):
    """The full recipe (train_cifar.py's keys) of ``model``'s epoch; ``batch_size`` overrides its batch."""
    from cifar_training import recipes

    recipe = {**recipes.DEFAULTS, "activation": "none", "augment": False, "schedule_epochs": 1, **RECIPES[model]}
    if batch_size:
        recipe["batch_size"] = batch_size
    return recipe


def epoch_parts(name, recipe, train_images):
    """train_cifar.py's backend, model (from the shared seed-0 weights), loss and optimizer with its
    schedule (over epochs of ``train_images`` images)."""
    from cifar_training import data, recipes
    from cifar_training.backends import Backend, initial_state

    backend = Backend(TRAINING_BACKEND[name])
    lib = backend.lib
    model = backend.build_model("none", backend.from_minitorch(initial_state(0, "none", recipe["model"])),
                                recipe["model"])
    optimizer = recipes.build_optimizer(lib, recipe, model.parameters())
    scheduler = recipes.build_scheduler(lib, recipe, optimizer,
                                        data.batches_per_epoch(train_images, recipe["batch_size"]))
    return backend, model, recipes.build_criterion(lib, recipe), recipes.Training(lib, recipe, optimizer, scheduler)


def warm_up(name, recipe, train_set, test_set, generator):
    """One untimed training step and one evaluation batch on a throwaway model."""
    from cifar_training import data
    from cifar_training.loop import Progress, evaluate, train_epoch

    batch_size = recipe["batch_size"]
    backend, model, criterion, optimizer = epoch_parts(name, recipe, len(train_set))
    first = next(data.train_batches(train_set, batch_size, seed=1, epoch=0, augment_generator=generator))
    train_epoch(backend, model, criterion, optimizer, [first], Progress(), lambda: False)
    evaluate(backend, model, criterion, [next(data.eval_batches(test_set, batch_size))])


BLOCK_BATCHES = 10
"""Batches each backend trains (or evaluates) before the other takes its turn."""


def turns(batches, block_batches):
    """``(order, block, seconds)`` for consecutive blocks of ``block_batches`` of ``batches``: the
    backends in the order they take the block (alternating block by block), and the time spent
    building it."""
    iterator = iter(batches)
    for turn in itertools.count():
        start = time.perf_counter()
        block = list(itertools.islice(iterator, block_batches))
        if not block:
            return
        yield BACKEND_NAMES[::1 if turn % 2 == 0 else -1], block, time.perf_counter() - start


def interleaved_epoch(recipe, train_set, test_set, generator, block_batches=BLOCK_BATCHES):
    """Train one epoch and evaluate, both backends in the same process, taking turns every
    ``block_batches`` batches, so that a slower or faster spell of a shared machine falls on both;
    per backend, times and results.

    Both see the very same batches: each block is built once, by the one loader that feeds both,
    and the time that took counts in both backends' ``train_s`` (``loading_s``) or ``eval_s``,
    as if each had run the loader itself.
    """
    from cifar_training import data
    from cifar_training.loop import Progress, evaluate, train_epoch

    batch_size = recipe["batch_size"]
    parts = {name: epoch_parts(name, recipe, len(train_set)) for name in BACKEND_NAMES}
    progress = {name: Progress() for name in BACKEND_NAMES}
    spent = {name: {"train_s": 0.0, "eval_s": 0.0, "loss_sum": 0.0, "correct": 0.0, "seen": 0} for name in BACKEND_NAMES}
    loading = {"train_s": 0.0, "eval_s": 0.0}
    train = data.train_batches(train_set, batch_size, seed=0, epoch=0, augment_generator=generator)
    for order, block, built in turns(train, block_batches):
        loading["train_s"] += built
        for name in order:
            backend, model, criterion, optimizer = parts[name]
            start = time.perf_counter()
            train_epoch(backend, model, criterion, optimizer, block, progress[name], lambda: False)
            spent[name]["train_s"] += time.perf_counter() - start
    for order, block, built in turns(data.eval_batches(test_set, batch_size), block_batches):
        loading["eval_s"] += built
        seen = sum(len(labels) for _, labels in block)
        for name in order:
            backend, model, criterion, _ = parts[name]
            start = time.perf_counter()
            loss, accuracy = evaluate(backend, model, criterion, block)
            spent[name]["eval_s"] += time.perf_counter() - start
            spent[name]["loss_sum"] += loss * seen
            spent[name]["correct"] += accuracy * seen
            spent[name]["seen"] += seen
    results = {}
    for name in BACKEND_NAMES:
        s = spent[name]
        train_s, eval_s = s["train_s"] + loading["train_s"], s["eval_s"] + loading["eval_s"]
        results[name] = {"total_s": train_s + eval_s, "train_s": train_s, "loading_s": loading["train_s"],
                         "eval_s": eval_s, "train_images_per_s": progress[name].seen / train_s,
                         "train_loss": progress[name].loss_sum / progress[name].seen,
                         "test_loss": s["loss_sum"] / s["seen"], "test_acc": s["correct"] / s["seen"]}
    return results


def load_splits(args, recipe):
    """The training and test sets and the augmentation generator (None without augmentation)."""
    import minitorch_cv
    from cifar_training import data

    generator = minitorch_cv.Generator() if recipe["augment"] else None
    start = time.perf_counter()
    train_set = data.cifar_split(args.data_dir, True, args.limit_train, generator, normalize=recipe["normalize"])
    test_set = data.cifar_split(args.data_dir, False, args.limit_test, normalize=recipe["normalize"])
    return train_set, test_set, generator, time.perf_counter() - start


def scaled_note(train_images, test_images):
    """None for a whole epoch; otherwise a sentence saying which part of one was measured."""
    if (train_images, test_images) == FULL_SPLITS:
        return None
    return (f"SCALED: {train_images} of {FULL_SPLITS[0]} training and {test_images} of {FULL_SPLITS[1]} test "
            f"images, not a whole epoch")


def run(args, recipe):
    train_set, test_set, generator, load_s = load_splits(args, recipe)
    print(f"  read {len(train_set)} training and {len(test_set)} test images in {load_s:.1f} s", flush=True)
    row = {"case": f"{recipe['model']} epoch", "model": recipe["model"], "threads": args.threads,
           "train_images": len(train_set), "test_images": len(test_set), "batch": recipe["batch_size"],
           "scaled": scaled_note(len(train_set), len(test_set)), "dataset_load_s": load_s, "recipe": recipe}
    if row["scaled"]:
        print(f"  {row['scaled']}", flush=True)
    try:
        for name in BACKEND_NAMES:
            warm_up(name, recipe, train_set, test_set, generator)
        row.update(interleaved_epoch(recipe, train_set, test_set, generator))
    except Exception as error:
        row.update({name: {"error": error_text(error)} for name in BACKEND_NAMES})
    for name in BACKEND_NAMES:
        print(f"  {name}: {row[name]}", flush=True)
    ours, theirs = row[OURS].get("total_s"), row[THEIRS].get("total_s")
    row["ratio"] = ours / theirs if ours is not None and theirs is not None else None
    return row


def table(rows):
    def cell(stats, key, fmt):
        return format(stats[key], fmt) if key in stats else "error"

    headers = ["backend", "images", "epoch s", "train s", "of which loading s", "eval s", "train img/s",
               "train loss", "test acc"]
    body = []
    for row in rows:
        for name in BACKEND_NAMES:
            s = row[name]
            body.append([name, f"{row['train_images']}+{row['test_images']}", cell(s, "total_s", ".1f"),
                         cell(s, "train_s", ".1f"), cell(s, "loading_s", ".1f"), cell(s, "eval_s", ".1f"),
                         cell(s, "train_images_per_s", ".0f"),
                         cell(s, "train_loss", ".4f"), cell(s, "test_acc", ".4f")])
    ratios = [f"epoch wall time ratio minitorch_cv / torch: "
              f"{'n/a' if r['ratio'] is None else format(r['ratio'], '.2f')}"
              + (f"  ({r['scaled']})" if r.get("scaled") else "") for r in rows]
    return format_table(headers, body) + ("\n" + "\n".join(ratios) if ratios else "")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA, help=f"folder holding cifar-10-batches-py "
                                                                  f"(default {DEFAULT_DATA})")
    parser.add_argument("--limit-train", type=int, metavar="N", help="train on the first N images only")
    parser.add_argument("--limit-test", type=int, metavar="N", help="evaluate on the first N images only")
    parser.add_argument("--model", choices=RECIPES, default="cifar10cnn",
                        help="cifar10cnn: the tutorial's recipe (default); resnet20: issue 16's recipe")
    parser.add_argument("--batch-size", type=int, help="default: the recipe's (64 for cifar10cnn, 128 for resnet20)")
    parser.add_argument("--threads", type=int, default=all_cores(), help="threads for both (default: all cores)")
    parser.add_argument("--quick", action="store_true", help="2,000 training and 1,000 test images")
    parser.add_argument("--json", metavar="PATH", help="write the results here (default: print them)")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit_train = min(args.limit_train or 2000, 2000)
        args.limit_test = min(args.limit_test or 1000, 1000)
    set_threads(args.threads)
    with CpuLoadMonitor() as monitor:
        if not os.path.isdir(os.path.join(args.data_dir, "cifar-10-batches-py")):
            reason = f"no CIFAR-10 at {os.path.join(args.data_dir, 'cifar-10-batches-py')}; epoch not measured"
            print(f"SKIPPED: {reason}")
            finish(args, "epoch", [], f"(skipped: {reason})", monitor, extra={"skipped": reason})
            return 0
        recipe = recipe_of(args.model, args.batch_size)
        print(f"One epoch of CIFAR-10 training + evaluation, {args.model}, batch {recipe['batch_size']}, "
              f"{args.threads} threads")
        rows = [run(args, recipe)]
    finish(args, "epoch", rows, table(rows), monitor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
