"""One whole training step of CIFAR10CNN (zero_grad, forward, cross-entropy, backward, SGD with
momentum 0.9) at several batch sizes, minitorch_cv against torch from the same weights.

Before timing, each backend's first step runs on the same batch from the same weights and the
two losses are compared: a backend that computes something else would not be a fair race.

    python benchmarks/bench_step.py                      # batches 32,64,128,256; 1 and all threads
    python benchmarks/bench_step.py --batches 64 --threads 2
"""
from common import (BACKEND_NAMES, OURS, THEIRS, CpuLoadMonitor, add_images_per_s, apply_quick, base_parser,
                    build_models, comparison_row, error_text, finish, format_ms, format_ratio,
                    format_table, int_list, interleaved, make_train_step, random_batch, set_threads, timed)

LOSS_AGREEMENT = 1e-4  # relative difference of the first losses above which the row is flagged


def first_step_check(steps):
    """Run each backend's first step (same weights, same batch) and compare the losses."""
    losses, errors = {}, {}
    for name, step in steps.items():
        try:
            losses[name] = float(step().item())
        except Exception as error:
            errors[name] = {"error": error_text(error)}
    check = {f"{name}_first_loss": loss for name, loss in losses.items()}
    if len(losses) == 2:
        difference = abs(losses[OURS] - losses[THEIRS]) / max(abs(losses[THEIRS]), 1e-12)
        check.update(loss_rel_diff=difference, agree=difference <= LOSS_AGREEMENT)
    return check, errors


def measure_step(args, batch, threads):
    images, labels = random_batch(batch)
    models = build_models()
    steps, errors = {}, {}
    for name in BACKEND_NAMES:
        try:
            steps[name] = make_train_step(name, models[name], images, labels)
        except Exception as error:
            errors[name] = {"error": error_text(error)}
    check, step_errors = first_step_check(steps)
    errors.update(step_errors)
    cases = {name: timed(step) for name, step in steps.items() if name not in errors}
    results = {**errors, **interleaved(cases, args.repeats, args.warmup, args.min_sample)}
    row = comparison_row(results, case=f"train step batch {batch}", batch=batch, threads=threads, check=check)
    add_images_per_s(row, batch)
    print(f"  batch {batch:>4} threads {threads}: {format_ms(row[OURS]):>8} ms vs {format_ms(row[THEIRS]):>8} ms"
          f"  ratio {format_ratio(row['ratio'])}  first losses agree: {check.get('agree', 'n/a')}",
          flush=True)
    return row


def images_per_s(stats):
    return f"{stats['images_per_s']:.0f}" if "images_per_s" in stats else "-"


def table(rows, agreement="same loss"):
    headers = ["batch", "threads", "minitorch_cv ms", "torch ms", "ratio", "minitorch_cv img/s", "torch img/s",
               agreement]
    body = [[r["batch"], r["threads"], format_ms(r[OURS]), format_ms(r[THEIRS]), format_ratio(r["ratio"]),
             images_per_s(r[OURS]), images_per_s(r[THEIRS]),
             {True: "yes", False: "NO"}.get(r.get("check", {}).get("agree"), "n/a")] for r in rows]
    return format_table(headers, body)


def main(argv=None):
    parser = base_parser(__doc__.split("\n\n")[0], repeats=10, min_sample_s=0.0)
    parser.add_argument("--batches", type=int_list, default=[32, 64, 128, 256],
                        help="comma-separated batch sizes (default 32,64,128,256)")
    args = apply_quick(parser.parse_args(argv))
    print(f"Training step, batches {args.batches}, threads {args.threads} (ratio = minitorch_cv / torch)")
    with CpuLoadMonitor() as monitor:
        rows = []
        for threads in args.threads:
            set_threads(threads)
            rows += [measure_step(args, batch, threads) for batch in args.batches]
    finish(args, "train_step", rows, table(rows), monitor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
