"""Each layer of CIFAR10CNN (and the loss) at its real shapes, forward and backward timed apart.

The layers are the model's own (``model.model[i]``), with the same weights in both backends,
fed the activations they see in training. Forward runs with gradients on, as in training;
backward pushes a fixed random upstream gradient (a fresh forward before each, untimed). The
first convolution's input needs no gradient, as in training; every later layer's does.

    python benchmarks/bench_layers.py                # batch 64, 1 and all threads
    python benchmarks/bench_layers.py --quick --batch 8 --threads 1
"""
import time

import numpy as np

from common import (BACKEND_NAMES, LIBRARIES, OURS, THEIRS, CpuLoadMonitor, apply_quick, as_tensor,
                    base_parser, build_models, comparison_row, finish, format_ms, format_ratio,
                    format_table, interleaved, prepare_cases, random_batch, set_threads, timed)


def layer_inputs(model, images):
    """[(key, layer index, input array, output shape)] for each layer of torch's model, following
    a real batch through it; also the final logits."""
    torch = LIBRARIES[THEIRS]
    x = torch.from_numpy(images)
    found = []
    with torch.no_grad():
        for index, layer in enumerate(model.model):
            y = layer(x)
            found.append((f"model.{index} {type(layer).__name__}", index, x.numpy().copy(), tuple(y.shape)))
            x = y
    return found, x.numpy().copy()


def forward_case(name, layer, array, needs_grad):
    x = as_tensor(name, array, requires_grad=needs_grad)
    return timed(lambda: layer(x))


def backward_case(name, layer, array, needs_grad, upstream):
    """Forward (untimed), then time ``backward`` of the layer's output with ``upstream``."""
    x = as_tensor(name, array, requires_grad=needs_grad)
    grad = as_tensor(name, upstream)
    parameters = list(layer.parameters())

    def case():
        for p in parameters:
            p.grad = None
        if needs_grad:
            x.grad = None
        out = layer(x)
        start = time.perf_counter()
        out.backward(grad)
        return time.perf_counter() - start

    return case


def loss_cases(logits, labels):
    """Forward and backward cases of CrossEntropyLoss on the model's real logits."""
    def forward_builder(name):
        criterion = LIBRARIES[name].nn.CrossEntropyLoss()
        x, y = as_tensor(name, logits, requires_grad=True), as_tensor(name, labels)
        return timed(lambda: criterion(x, y))

    def backward_builder(name):
        criterion = LIBRARIES[name].nn.CrossEntropyLoss()
        x, y = as_tensor(name, logits, requires_grad=True), as_tensor(name, labels)

        def case():
            x.grad = None
            loss = criterion(x, y)
            start = time.perf_counter()
            loss.backward()
            return time.perf_counter() - start
        return case

    return forward_builder, backward_builder


def run(args):
    images, labels = random_batch(args.batch)
    models = build_models()
    found, logits = layer_inputs(models[THEIRS], images)
    rng = np.random.default_rng(1)
    rows = []
    for threads in args.threads:
        set_threads(threads)
        for key, index, array, out_shape in found:
            needs_grad = index > 0
            layers = {name: models[name].model[index] for name in BACKEND_NAMES}
            upstream = rng.standard_normal(out_shape).astype(np.float32)
            builders = {
                "forward": {n: (lambda n=n: forward_case(n, layers[n], array, needs_grad)) for n in BACKEND_NAMES},
                "backward": {n: (lambda n=n: backward_case(n, layers[n], array, needs_grad, upstream))
                             for n in BACKEND_NAMES},
            }
            for direction, per_backend in builders.items():
                rows.append(measure(args, per_backend, key, direction, array.shape, threads))
        forward_builder, backward_builder = loss_cases(logits, labels)
        for direction, builder in (("forward", forward_builder), ("backward", backward_builder)):
            per_backend = {n: (lambda n=n, b=builder: b(n)) for n in BACKEND_NAMES}
            rows.append(measure(args, per_backend, "CrossEntropyLoss", direction, logits.shape, threads))
    return rows


def measure(args, per_backend, key, direction, shape, threads):
    cases, errors = prepare_cases(per_backend)
    results = {**errors, **interleaved(cases, args.repeats, args.warmup, args.min_sample)}
    row = comparison_row(results, case=f"{key} {direction}", layer=key, direction=direction,
                         input_shape=list(shape), threads=threads)
    print(f"  {row['case']:<32} threads {threads}: {format_ms(row[OURS]):>9} ms vs "
          f"{format_ms(row[THEIRS]):>9} ms  ratio {format_ratio(row['ratio'])}", flush=True)
    return row


def table(rows):
    headers = ["layer", "pass", "input shape", "threads", "minitorch_cv ms", "torch ms", "ratio"]
    body = [[r["layer"], r["direction"], "x".join(map(str, r["input_shape"])), r["threads"],
             format_ms(r[OURS]), format_ms(r[THEIRS]), format_ratio(r["ratio"])] for r in rows]
    return format_table(headers, body)


def main(argv=None):
    parser = base_parser(__doc__.split("\n\n")[0], repeats=7, min_sample_s=0.05)
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    args = apply_quick(parser.parse_args(argv))
    print(f"Per-layer timings, batch {args.batch}, threads {args.threads} (ratio = minitorch_cv / torch)")
    with CpuLoadMonitor() as monitor:
        rows = run(args)
    finish(args, "layers", rows, table(rows), monitor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
