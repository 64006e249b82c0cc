"""Inference: CIFAR10CNN's forward pass in eval mode under ``no_grad``, minitorch_cv against torch.

Both models hold the same weights and see the same batch; their logits are compared before
timing, so a fast but wrong forward pass shows up in the table.

    python benchmarks/bench_inference.py                 # batches 64 and 1000; 1 and all threads
    python benchmarks/bench_inference.py --batches 64 --threads 2
"""
import numpy as np

from bench_step import table
from common import (BACKEND_NAMES, LIBRARIES, OURS, THEIRS, CpuLoadMonitor, add_images_per_s, apply_quick, as_tensor,
                    base_parser, build_models, comparison_row, error_text, finish, format_ms, format_ratio,
                    int_list, interleaved, random_batch, set_threads, timed)

LOGIT_TOLERANCE = 1e-3  # largest absolute logit difference still called the same output


def make_predict(name, model, images):
    lib = LIBRARIES[name]
    model.eval()
    x = as_tensor(name, images)

    def predict():
        with lib.no_grad():
            return model(x)

    return predict


def prediction_cases(models, images, tolerance=LOGIT_TOLERANCE):
    """(timed cases, errors, logit check) for each backend's model predicting ``images``."""
    cases, errors, logits = {}, {}, {}
    for name in BACKEND_NAMES:
        try:
            predict = make_predict(name, models[name], images)
            logits[name] = np.asarray(predict().detach().numpy())
            cases[name] = timed(predict)
        except Exception as error:
            errors[name] = {"error": error_text(error)}
    check = {}
    if len(logits) == 2:
        check["max_logit_diff"] = float(np.max(np.abs(logits[OURS] - logits[THEIRS])))
        check["agree"] = check["max_logit_diff"] <= tolerance
    return cases, errors, check


def measure_inference(args, batch, threads):
    images, _ = random_batch(batch)
    cases, errors, check = prediction_cases(build_models(), images)
    results = {**errors, **interleaved(cases, args.repeats, args.warmup, args.min_sample)}
    row = comparison_row(results, case=f"inference batch {batch}", batch=batch, threads=threads, check=check)
    add_images_per_s(row, batch)
    print(f"  batch {batch:>4} threads {threads}: {format_ms(row[OURS]):>8} ms vs {format_ms(row[THEIRS]):>8} ms"
          f"  ratio {format_ratio(row['ratio'])}  max logit difference {check.get('max_logit_diff', 'n/a')}",
          flush=True)
    return row


def main(argv=None):
    parser = base_parser(__doc__.split("\n\n")[0], repeats=10, min_sample_s=0.0)
    parser.add_argument("--batches", type=int_list, default=[64, 1000],
                        help="comma-separated batch sizes (default 64,1000)")
    args = apply_quick(parser.parse_args(argv))
    print(f"Inference (no_grad forward), batches {args.batches}, threads {args.threads} "
          f"(ratio = minitorch_cv / torch)")
    with CpuLoadMonitor() as monitor:
        rows = []
        for threads in args.threads:
            set_threads(threads)
            rows += [measure_inference(args, batch, threads) for batch in args.batches]
    finish(args, "inference", rows, table(rows, agreement="same logits"), monitor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
