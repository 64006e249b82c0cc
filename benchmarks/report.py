"""Turn the JSON files of ``run_all.py`` into ``benchmarks/results/RESULTS.md``, targets first.

    python benchmarks/report.py                  # rewrite RESULTS.md from benchmarks/results/*/
"""
import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OURS, THEIRS = "minitorch_cv", "torch"
SETTING_TITLES = {
    "haswell": "OpenBLAS held to Haswell (OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512, "
               "the project environment)",
    "native": "OpenBLAS native kernel (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed)",
    "as-is": "environment as the runner found it",
}
# (what, setting, how to find the figure, limit): the targets on a 2-core machine.
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


def load(results_dir, settings):
    """{setting: {benchmark: report}} for the JSON files that exist."""
    found = {}
    for setting in settings:
        folder = os.path.join(results_dir, setting)
        if not os.path.isdir(folder):
            continue
        for file in sorted(os.listdir(folder)):
            if file.endswith(".json"):
                with open(os.path.join(folder, file)) as f:
                    report = json.load(f)
                found.setdefault(setting, {})[report["benchmark"]] = report
    return found


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


def targets_section(found):
    rows = []
    for what, setting, (benchmark, batch), limit in TARGETS:
        report = found.get(setting, {}).get(benchmark)
        row = most_threads_row(report, batch) if report else None
        value = row.get("ratio") if row else None
        threads = row.get("threads", "") if row else ""
        verdict = "not measured" if value is None else ("met" if value <= limit else "**not met**")
        rows.append([what, setting, threads, f"<= {limit}", ratio(value), verdict])
    for setting, reports in found.items():
        startup = reports.get("startup")
        if startup:
            seconds = startup.get("target", {}).get("minitorch_cv_warm_s")
            verdict = ("not measured" if seconds is None
                       else "met" if seconds < STARTUP_TARGET_S else "**not met**")
            rows.append(["import to first training step, warm cache (s)", setting, "all",
                         f"< {STARTUP_TARGET_S:.0f} s", "n/a" if seconds is None else f"{seconds:.2f} s", verdict])
    return "## Targets (ratio = minitorch_cv / torch)\n\n" + markdown_table(
        ["target", "BLAS setting", "threads", "limit", "measured", "verdict"], rows)


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
    title = "#### Peak memory of a training step (RSS high-water mark over the RSS before, MiB)"
    return title + "\n\n" + markdown_table(["batch", "threads", "minitorch_cv", "torch", "ratio"], rows)


def startup_section(report):
    def s(stats, key):
        return f"{stats[key]:.2f}" if key in stats else "error"
    rows = [[r["backend"], *(s(r["warm_cache"], k) for k in ("import_s", "build_s", "first_step_s", "total_s")),
             s(r["first_run"], "total_s")] for r in report["rows"]]
    return "#### Start-up: fresh process, import to first training step at batch 64 (s)\n\n" + markdown_table(
        ["backend", "import", "build", "first step", "total (warm cache)", "total (first run)"], rows)


def epoch_section(report):
    if report.get("skipped"):
        return f"#### One CIFAR-10 epoch\n\nSkipped: {report['skipped']}"
    lines = []
    for r in report["rows"]:
        rows = [[name, *(f"{r[name][k]:.1f}" if k in r[name] else "error"
                         for k in ("total_s", "train_s", "loading_s", "eval_s")),
                 f"{r[name]['train_images_per_s']:.0f}" if "train_images_per_s" in r[name] else "error",
                 f"{r[name]['test_acc']:.4f}" if "test_acc" in r[name] else "error"] for name in (OURS, THEIRS)]
        lines.append(f"#### One CIFAR-10 epoch: {r['train_images']} training + {r['test_images']} test images, "
                     f"batch {r['batch']}, {r['threads']} threads (ratio {ratio(r['ratio'])})\n\n"
                     + markdown_table(["backend", "epoch s", "train s", "of which loading s", "eval s",
                                        "train img/s", "test acc"], rows))
    return "\n\n".join(lines)


def data_section(report):
    rows = [[r["case"], ms(r[OURS]), ms(r[THEIRS]), ratio(r["ratio"])] for r in report["rows"]]
    return ("#### Data pipeline (benchmarks/bench_data.py; one call = one batch of 64 unless named)\n\n"
            + markdown_table(["case", "minitorch_cv ms", "torch ms", "ratio"], rows))


def setting_section(setting, reports):
    any_report = next(iter(reports.values()))
    machine = any_report["machine"]
    loads = [f"{name} {r['other_load_cores']:.2f}" for name, r in reports.items()
             if r.get("other_load_cores") is not None]
    parts = [f"### {SETTING_TITLES.get(setting, setting)}",
             f"NumPy BLAS: {machine['numpy_blas']}. torch: {machine['torch_blas']}. "
             f"numba threading layer: {machine['numba_threading_layer']}. "
             f"Cores other processes kept busy during each benchmark: {', '.join(loads) or 'unknown'}."]
    builders = [("train_step", lambda r: timing_section("Training step", r, "same first loss")),
                ("inference", lambda r: timing_section("Inference (no_grad forward)", r, "same logits")),
                ("layers", layers_section), ("memory", memory_section), ("startup", startup_section),
                ("epoch", epoch_section), ("data_pipeline", data_section)]
    parts += [build(reports[name]) for name, build in builders if name in reports]
    return "\n\n".join(parts)


def write_results(results_dir, settings, rerun="python benchmarks/run_all.py"):
    """Write RESULTS.md from the JSON files found; returns its path."""
    found = load(results_dir, settings)
    path = os.path.join(results_dir, "RESULTS.md")
    if not found:
        raise SystemExit(f"no benchmark results under {results_dir} for settings {settings}")
    first = next(iter(next(iter(found.values())).values()))
    machine = first["machine"]
    dates = sorted(r["date"] for reports in found.values() for r in reports.values())
    header = [
        "# Benchmark results: minitorch_cv against PyTorch on the CPU",
        f"Measured {dates[0]} to {dates[-1]} on {machine['cpu']}, {machine['cores']} cores "
        f"(AVX-512: {machine['avx512']}); Python {machine['python']}, numpy {machine['numpy']}, "
        f"numba {machine['numba']}, torch {machine['torch']}; checkout {machine['git']}.",
        "Both backends run in the same process, interleaved, after untimed warm-up (numba compiles or loads "
        "its cache there), with the same thread count; figures are medians. Ratio = minitorch_cv time / "
        "torch time: below 1 means minitorch_cv is faster. Rerun with `" + rerun + "`.",
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
