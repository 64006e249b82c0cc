"""Draw loss and test accuracy per epoch of several train_cifar.py runs on one figure.

    python examples/plot_runs.py runs/numpy-none-seed0 runs/torch-none-seed0 --out curves.png

Also prints each run's per-epoch table (Markdown) and, for runs that logged per-step losses,
the largest relative difference of their step losses from the first run's.
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def read_run(folder):
    path = os.path.join(folder, "metrics.jsonl")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{folder!r} is not a train_cifar.py run folder: no metrics.jsonl in it")
    records = read_jsonl(path)
    if not records:
        raise ValueError(f"{path!r} has no finished epoch yet")
    steps_path = os.path.join(folder, "steps.jsonl")
    steps = read_jsonl(steps_path) if os.path.isfile(steps_path) else []
    return {"name": os.path.basename(os.path.normpath(folder)), "epochs": records, "steps": steps}


def label(run):
    first = run["epochs"][0]
    return f"{run['name']} ({first['backend']})"


def plot(runs, out):
    """Runs that agree step for step overlap: each later run is drawn thinner, on top."""
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, run in enumerate(runs):
        style = dict(color=colors[i % len(colors)], linewidth=max(3.5 - 1.2 * i, 1.0))
        epochs = [r["epoch"] for r in run["epochs"]]
        loss_ax.plot(epochs, [r["train_loss"] for r in run["epochs"]], "-", **style,
                     label=f"{label(run)} train")
        loss_ax.plot(epochs, [r["test_loss"] for r in run["epochs"]], "--", **style,
                     label=f"{label(run)} test")
        acc_ax.plot(epochs, [100 * r["test_acc"] for r in run["epochs"]], "-o", **style,
                    markersize=4, label=label(run))
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    acc_ax.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
    for ax in (loss_ax, acc_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def table(run):
    lines = [f"{label(run)}", "",
             "| epoch | train loss | test loss | test acc | seconds | images/s |",
             "|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['epoch']} | {r['train_loss']:.4f} | {r['test_loss']:.4f} | "
              f"{100 * r['test_acc']:.2f}% | {r['epoch_seconds']:.1f} | {r['images_per_second']:.0f} |"
              for r in run["epochs"]]
    return "\n".join(lines)


def step_differences(reference, run):
    """|loss - reference loss| / |reference loss| for each step both runs logged, in order."""
    ours = {(s["epoch"], s["step"]): s["loss"] for s in run["steps"]}
    return [abs(ours[key] - s["loss"]) / abs(s["loss"]) for s in reference["steps"]
            if (key := (s["epoch"], s["step"])) in ours]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Plot loss and test accuracy of train_cifar.py runs.")
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folders (train_cifar.py --out)")
    parser.add_argument("--out", default="curves.png", help="PNG file to write (default curves.png)")
    args = parser.parse_args(argv)
    try:
        runs = [read_run(folder) for folder in args.runs]
    except (OSError, ValueError) as error:
        parser.exit(1, f"plot_runs.py: error: {error}\n")
    plot(runs, args.out)
    for run in runs:
        print(table(run), end="\n\n")
    for run in runs[1:]:
        differences = step_differences(runs[0], run)
        if differences:
            print(f"per-step training loss, {label(run)} vs {label(runs[0])}: largest relative "
                  f"difference {max(differences[:50]):.2e} over the first {min(50, len(differences))} "
                  f"steps, {max(differences):.2e} over all {len(differences)}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
