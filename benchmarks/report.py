"""Turn the JSON files of ``run_all.py`` into ``benchmarks/results/RESULTS.md``, targets first.

With several runs (``SETTING/runK/``) every figure is the median of the runs, written with its
range: ``0.62 (0.60-0.65)``; a figure that was the same in every run is written once.

    python benchmarks/report.py                  # rewrite RESULTS.md from benchmarks/results/*/
"""
import argparse
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
OURS, THEIRS = "minitorch_cv", "torch"
SETTING_TITLES = {
    "haswell": "OpenBLAS held to Haswell (OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512, "
               "the project environment)",
    "native": "OpenBLAS native kernel (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed)",
    "as-is": "environment as the runner found it",
}
# (what, setting, how to find the figure, limit): the issue's targets on a 2-core machine.
TARGETS = [
    ("training step, batch 64", "native", ("train_step", 64), 0.8),
    ("training step, batch 64", "haswell", ("train_step", 64), 1.0),
    ("training step, batch 256", "native", ("train_step", 256), 0.8),
    ("training step, batch 256", "haswell", ("train_step", 256), 1.0),
    ("inference, batch 64", "native", ("inference", 64), 0.8),
    ("one CIFAR-10 epoch with evaluation", "native", ("epoch", None), 1.0),
    ("one CIFAR-10 epoch with evaluation", "haswell", ("epoch", None), 1.0),
    ("peak memory of a training step, batch 256", "native", ("memory", 256), 1.5),
    ("peak memory of a training step, batch 256", "haswell", ("memory", 256), 1.5),
]
STARTUP_TARGET_S = 3.0
# Issue 14, at 2 threads: (what, (file, row fields), limit native, limit haswell)
ISSUE14_THREADS = 2
ISSUE14_TARGETS = [
    ("ResNet-20 training step, batch 128, 32x32", ("resnet", {"arch": "resnet20", "batch": 128}), 0.6, 0.8),
    ("torchvision ResNet-18 training step, batch 128, 32x32", ("resnet", {"arch": "resnet18", "batch": 128}),
     0.9, 1.0),
    ("ResNet-50 inference, batch 8, 224x224", ("resnet", {"arch": "resnet50", "batch": 8}), 0.9, 1.0),
    ("CIFAR10CNN training step, batch 64", ("train_step", {"batch": 64}), 0.5, 0.65),
    ("one ResNet-20 CIFAR-10 epoch (data, train, eval)", ("epoch_resnet20", {}), 0.7, 0.9),
    ("peak memory, ResNet-20 training step, batch 128", ("memory_resnet20", {"batch": 128}), 1.0, 1.0),
    ("peak memory, ResNet-18 training step, batch 128", ("memory_resnet18", {"batch": 128}), 1.0, 1.0),
    ("peak memory, CIFAR10CNN training step, batch 64", ("memory", {"batch": 64}), 1.0, 1.0),
]


class Spread(float):
    """The median of a figure over several runs, keeping their minimum and maximum: formats as
    ``median (min-max)`` with the format given, and compares as the median."""

    def __new__(cls, values):
        spread = super().__new__(cls, statistics.median(values))
        spread.low, spread.high = min(values), max(values)
        return spread

    def __format__(self, spec):
        return (f"{float(self).__format__(spec)} ({self.low.__format__(spec)}-"
                f"{self.high.__format__(spec)})")


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def merge(values):
    """One value standing for ``values``, the same figure in several runs: numbers that differ
    become a ``Spread``; booleans hold only if they hold in every run; dicts merge key by key
    (over the keys of all runs) and lists of rows row by row (matched on case, batch and
    threads); anything else is the first run's."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    first = values[0]
    if len(values) == 1:
        return first
    if all(is_number(v) for v in values):
        return first if len(set(values)) == 1 else Spread(values)
    if all(isinstance(v, bool) for v in values):
        return all(values)
    if all(isinstance(v, dict) for v in values):
        keys = list(dict.fromkeys(k for v in values for k in v))
        return {k: merge([v.get(k) for v in values]) for k in keys}
    if all(isinstance(v, list) for v in values) and all(isinstance(r, dict) for v in values for r in v):
        def key(row):
            return row.get("case"), row.get("batch"), row.get("threads"), row.get("model")
        order = list(dict.fromkeys(key(r) for v in values for r in v))
        return [merge([r for v in values for r in v if key(r) == k]) for k in order]
    return first


def run_folders(folder):
    """The folders holding one run's JSON files each: ``runK/`` subfolders, or ``folder`` itself."""
    runs = sorted((entry for entry in os.listdir(folder)
                   if entry.startswith("run") and os.path.isdir(os.path.join(folder, entry))),
                  key=lambda entry: int(entry[3:]) if entry[3:].isdigit() else 0)
    return [os.path.join(folder, entry) for entry in runs] or [folder]


def load(results_dir, settings):
    """({setting: {name: report}}, {setting: number of runs}, every report's date) for the JSON
    files that exist; ``name`` is the file's (run_all's benchmark name) and each report merges
    that benchmark's runs (see ``merge``)."""
    found, runs, dates = {}, {}, []
    for setting in settings:
        folder = os.path.join(results_dir, setting)
        if not os.path.isdir(folder):
            continue
        per_name = {}
        folders = run_folders(folder)
        for run_folder in folders:
            for file in sorted(os.listdir(run_folder)):
                if file.endswith(".json"):
                    with open(os.path.join(run_folder, file)) as f:
                        report = json.load(f)
                    per_name.setdefault(file[:-len(".json")], []).append(report)
                    dates.append(report["date"])
        if per_name:
            found[setting] = {name: merge(reports) for name, reports in per_name.items()}
            runs[setting] = len(folders)
    return found, runs, dates


def most_threads_row(report, batch):
    """The row of ``batch`` at the largest thread count (all cores) of a timing report."""
    rows = [r for r in report["rows"] if batch is None or r.get("batch") == batch]
    return max(rows, key=lambda r: r.get("threads", 0)) if rows else None


def ms(stats):
    if "median_ms" not in stats:
        return "error"
    return f"{stats['median_ms']:.3f}" if stats["median_ms"] < 10 else f"{stats['median_ms']:.1f}"


def ratio(value):
    return "n/a" if value is None else f"{value:.2f}"


def markdown_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value, limit, strict=False):
    if value is None:
        return "not measured"
    return "met" if (value < limit if strict else value <= limit) else "**not met**"


def startup_seconds(report, model):
    """minitorch_cv's warm-cache start-up seconds for ``model`` (reports before the ResNet-50 case
    timed CIFAR10CNN alone and name no model)."""
    for row in report["rows"]:
        if row["backend"] == OURS and row.get("model", "cifar10cnn") == model:
            return row["warm_cache"].get("total_s")
    return None


def targets_section(found):
    rows = []
    for what, setting, (benchmark, batch), limit in TARGETS:
        report = found.get(setting, {}).get(benchmark)
        row = most_threads_row(report, batch) if report else None
        value = row.get("ratio") if row else None
        threads = row.get("threads", "") if row else ""
        rows.append([what, setting, threads, f"<= {limit}", ratio(value), verdict(value, limit)])
    for setting, reports in found.items():
        if "startup" in reports:
            seconds = startup_seconds(reports["startup"], "cifar10cnn")
            rows.append(["import to first training step, warm cache (s)", setting, "all",
                         f"< {STARTUP_TARGET_S:.0f} s", "n/a" if seconds is None else f"{seconds:.2f} s",
                         verdict(seconds, STARTUP_TARGET_S, strict=True)])
    return "## Targets of earlier issues (ratio = minitorch_cv / torch)\n\n" + markdown_table(
        ["target", "BLAS setting", "threads", "limit", "measured", "verdict"], rows)


def arch_of(row):
    """A ResNet row's architecture (rows written before the ``arch`` field name it first in the case)."""
    return row.get("arch", row["case"].split()[0])


def issue14_row(report, fields):
    """The row of ``report`` at issue 14's thread count holding ``fields``, or None."""
    for row in report["rows"] if report else []:
        found = {k: arch_of(row) if k == "arch" else row.get(k) for k in fields}
        if row.get("threads") == ISSUE14_THREADS and found == fields:
            return row
    return None


def issue14_section(found, runs):
    """Issue 14's targets, each a median over the runs with its range, and a verdict."""
    rows = []
    for what, (name, fields), *limits in ISSUE14_TARGETS:
        for setting, limit in zip(("native", "haswell"), limits):
            row = issue14_row(found.get(setting, {}).get(name), fields)
            value = row.get("ratio") if row else None
            scaled = row.get("scaled") if row else None  # a partial epoch: no verdict on the target
            rows.append([what, setting, runs.get(setting, 0), f"<= {limit}",
                         ratio(value) + (f" ({scaled})" if scaled else ""),
                         f"{verdict(value, limit)} on the scaled run, not judged" if scaled else verdict(value, limit)])
    for setting in ("native", "haswell"):
        report = found.get(setting, {}).get("startup")
        seconds = startup_seconds(report, "resnet50") if report else None
        rows.append(["ResNet-50 fresh process to first inference batch (8, 224x224), warm numba cache",
                     setting, runs.get(setting, 0), f"< {STARTUP_TARGET_S:.0f} s",
                     "n/a" if seconds is None else f"{seconds:.2f} s", verdict(seconds, STARTUP_TARGET_S, strict=True)])
    met = all(r[-1] == "met" for r in rows)
    return (f"## Issue 14 targets ({ISSUE14_THREADS} threads; ratio = minitorch_cv / torch, median of the runs "
            "(min-max))\n\n" + markdown_table(["target", "BLAS setting", "runs", "limit", "measured", "verdict"], rows)
            + f"\n\nAll issue 14 targets met: {'yes' if met else 'no'}.")


def timing_section(title, report, agreement):
    rows = [[r["batch"], r["threads"], ms(r[OURS]), ms(r[THEIRS]), ratio(r["ratio"]),
             f"{r[OURS].get('images_per_s', 0):.0f}" if "images_per_s" in r[OURS] else "-",
             f"{r[THEIRS].get('images_per_s', 0):.0f}" if "images_per_s" in r[THEIRS] else "-",
             {True: "yes", False: "NO"}.get(r.get("check", {}).get("agree"), "n/a")] for r in report["rows"]]
    return f"#### {title}\n\n" + markdown_table(
        ["batch", "threads", "minitorch_cv ms", "torch ms", "ratio", "minitorch_cv img/s", "torch img/s",
         agreement],
        rows)


def layers_section(report):
    threads = sorted({r["threads"] for r in report["rows"]})
    by_case = {}
    for r in report["rows"]:
        key = (r["layer"], r["direction"], "x".join(map(str, r["input_shape"])))
        by_case.setdefault(key, {})[r["threads"]] = r
    headers = ["layer", "pass", "input"] + [f"{h} ({n} thr)" for n in threads
                                            for h in ("minitorch_cv ms", "torch ms", "ratio")]
    def cells(by, n):
        return (ms(by[n][OURS]), ms(by[n][THEIRS]), ratio(by[n]["ratio"])) if n in by else ("-",) * 3

    rows = [[*key] + [cell for n in threads for cell in cells(by, n)] for key, by in by_case.items()]
    return "#### Layers (forward and backward apart)\n\n" + markdown_table(headers, rows)


def memory_section(report):
    def mib(stats, key):
        return f"{stats[key]:.1f}" if key in stats else "error"
    rows = [[r["batch"], r["threads"], mib(r[OURS], "peak_increase_mib"), mib(r[THEIRS], "peak_increase_mib"),
             ratio(r["ratio"])] for r in report["rows"]]
    model = report["rows"][0].get("model", "cifar10cnn") if report["rows"] else "cifar10cnn"
    title = f"#### Peak memory of a {model} training step (RSS high-water mark over the RSS before, MiB)"
    return title + "\n\n" + markdown_table(["batch", "threads", "minitorch_cv", "torch", "ratio"], rows)


def startup_section(report):
    def s(stats, key):
        return f"{stats[key]:.2f}" if key in stats else "error"
    rows = [[r.get("step", "CIFAR10CNN training step, batch 64"), r["backend"],
             *(s(r["warm_cache"], k) for k in ("import_s", "build_s", "first_step_s", "total_s")),
             s(r["first_run"], "total_s")] for r in report["rows"]]
    return "#### Start-up: fresh process, import to first step finished (s)\n\n" + markdown_table(
        ["first step", "backend", "import", "build", "first step", "total (warm cache)", "total (first run)"], rows)


def epoch_section(report):
    if report.get("skipped"):
        return f"#### One CIFAR-10 epoch\n\nSkipped: {report['skipped']}"
    lines = []
    for r in report["rows"]:
        rows = [[name, *(f"{r[name][k]:.1f}" if k in r[name] else "error"
                         for k in ("total_s", "train_s", "loading_s", "eval_s")),
                 f"{r[name]['train_images_per_s']:.0f}" if "train_images_per_s" in r[name] else "error",
                 f"{r[name]['test_acc']:.4f}" if "test_acc" in r[name] else "error"] for name in (OURS, THEIRS)]
        scaled = f" **{r['scaled']}**" if r.get("scaled") else ""
        lines.append(f"#### One CIFAR-10 epoch, {r.get('model', 'cifar10cnn')}: {r['train_images']} training + "
                     f"{r['test_images']} test images, batch {r['batch']}, {r['threads']} threads "
                     f"(ratio {ratio(r['ratio'])}){scaled}\n\n"
                     + markdown_table(["backend", "epoch s", "train s", "of which loading s", "eval s",
                                        "train img/s", "test acc"], rows))
    return "\n\n".join(lines)


def resnet_section(report):
    rows = [[arch_of(r), r["case"], r["threads"], ms(r[OURS]), ms(r[THEIRS]),
             ratio(r["ratio"]), {True: "yes", False: "NO"}.get(r.get("check", {}).get("agree"), "n/a")]
            for r in report["rows"]]
    return "#### ResNets (benchmarks/bench_resnet.py)\n\n" + markdown_table(
        ["model", "case", "threads", "minitorch_cv ms", "torch ms", "ratio", "same result"], rows)


def data_section(report):
    rows = [[r["case"], ms(r[OURS]), ms(r[THEIRS]), ratio(r["ratio"])] for r in report["rows"]]
    return ("#### Data pipeline (benchmarks/bench_data.py; one call = one batch of 64 unless named)\n\n"
            + markdown_table(["case", "minitorch_cv ms", "torch ms", "ratio"], rows))


def setting_section(setting, reports):
    any_report = next(iter(reports.values()))
    machine = any_report["machine"]
    loads = [f"{name} {r['other_load_cores']:.2f}" for name, r in reports.items()
             if r.get("other_load_cores") is not None]
    streams = [f"{name} {r['memory_stream_gbps']['start']:.1f} / {r['memory_stream_gbps']['end']:.1f}"
               for name, r in reports.items() if r.get("memory_stream_gbps")]
    parts = [f"### {SETTING_TITLES.get(setting, setting)}",
             f"NumPy BLAS: {machine['numpy_blas']}. torch: {machine['torch_blas']}. "
             f"numba threading layer: {machine['numba_threading_layer']}. "
             f"Cores other processes kept busy during each benchmark: {', '.join(loads) or 'unknown'}. "
             f"Memory stream (128 MB copy, one thread, GB/s read plus written) at the benchmarks' starts and "
             f"ends: {', '.join(streams) or 'not recorded'}."]
    builders = {"train_step": lambda r: timing_section("Training step", r, "same first loss"),
                "inference": lambda r: timing_section("Inference (no_grad forward)", r, "same logits"),
                "resnet": resnet_section, "layers": layers_section, "memory": memory_section,
                "startup": startup_section, "epoch": epoch_section, "data_pipeline": data_section}
    order = list(builders)
    names = sorted(reports, key=lambda n: (order.index(reports[n]["benchmark"])
                                           if reports[n]["benchmark"] in order else len(order), n))
    parts += [builders[reports[n]["benchmark"]](reports[n]) for n in names if reports[n]["benchmark"] in builders]
    return "\n\n".join(parts)


def write_results(results_dir, settings, rerun="python benchmarks/run_all.py"):
    """Write RESULTS.md from the JSON files found; returns its path."""
    found, runs, dates = load(results_dir, settings)
    path = os.path.join(results_dir, "RESULTS.md")
    if not found:
        raise SystemExit(f"no benchmark results under {results_dir} for settings {settings}")
    first = next(iter(next(iter(found.values())).values()))
    machine = first["machine"]
    dates = sorted(dates)
    run_counts = ", ".join(f"{setting} {count}" for setting, count in runs.items())
    header = [
        "# Benchmark results: minitorch_cv against PyTorch on the CPU",
        f"Measured {dates[0]} to {dates[-1]} on {machine['cpu']}, {machine['cores']} cores "
        f"(AVX-512: {machine['avx512']}); Python {machine['python']}, numpy {machine['numpy']}, "
        f"numba {machine['numba']}, torch {machine['torch']}; checkout {machine['git']}.",
        "Both backends run in the same process, interleaved, after untimed warm-up (numba compiles or loads "
        "its cache there), with the same thread count; figures are medians. Ratio = minitorch_cv time / "
        "torch time: below 1 means minitorch_cv is faster. Runs per setting: " + run_counts + "; with more "
        "than one, each figure is the median of the runs with their range (min-max) in brackets. "
        "Rerun with `" + rerun + "`.",
        issue14_section(found, runs),
        targets_section(found),
        "## Details",
    ]
    body = [setting_section(setting, found[setting]) for setting in settings if setting in found]
    with open(path, "w") as f:
        f.write("\n\n".join(header + body) + "\n")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=os.path.join(HERE, "results"), help="default benchmarks/results")
    parser.add_argument("--settings", default="haswell,native", help="default haswell,native")
    args = parser.parse_args(argv)
    print(write_results(args.results, [s.strip() for s in args.settings.split(",")]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
