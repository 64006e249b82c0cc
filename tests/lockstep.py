"""The one rule for lockstep tests: many training steps from the same start on both sides.

Why a rule of its own: a single op is compared once (``torch_parity.py``), but training feeds
each step's rounding into the next, and in float32 the two runs part a little more with every
step. How fast depends on the run, not on the code. Measured on the tutorial model, 50 SGD
steps with momentum 0.9 (``test_training_parity.py``) on a 2-core AMD EPYC (AVX-512): the
largest relative difference from torch's run (same thread count, oneDNN on) in the loss, and
in the final state (largest weight difference over the largest weight of that tensor):

| run | first 10 steps | all 50 steps | final state |
|---|---:|---:|---:|
| torch at the other thread count (1 vs 2) | 0 | 1.7e-6 | 2.3e-6 |
| torch with oneDNN off, 1 / 2 threads | 1.0e-7 | 1.8e-3 / 2.8e-3 | 4.3e-3 |
| minitorch_cv, im2col, 1 / 2 threads | 1.0e-7 | 3.5e-3 / 1.4e-5 | 2.4e-3 / 9.9e-5 |
| minitorch_cv, Winograd, 1 / 2 threads | 1.0e-7 | 8.3e-6 / 2.4e-5 | 1.0e-4 / 4.1e-5 |
| OpenBLAS variables removed: im2col | 1.0e-7 | 3.7e-6 / 3.5e-6 | 1.1e-6 / 2.3e-6 |
| OpenBLAS variables removed: Winograd | 2.1e-7 / 1.0e-7 | 2.6e-3 / 2.4e-5 | 4.4e-3 / 2.1e-4 |
| AVX2 emulated (NumPy, numba, torch, oneDNN), 1 thread: im2col / Winograd | 2.1e-7 | 3.7e-3 / 5.1e-4 | 4.3e-3 / 4.3e-3 |

A run ends anywhere from 1e-6 to 4e-3 away, on either side, by chance. So a fixed
float32 bound over a whole run holds on one CPU and fails on the next, while the first steps
agree to rounding everywhere. The rule:

- float32, the first ``EARLY_STEPS`` steps: relative difference below ``EARLY_RTOL`` (100 times
  the 1e-7 measured; or ``SPREAD_FACTOR`` times torch's own early spread, if larger). This is
  what proves the step is the same: a wrong update, gradient or buffer moves a step's loss
  by far more.
- float32, every step and the final state: below ``SPREAD_FACTOR`` times torch's own spread,
  measured in the same test run (``torch_spread``: torch at the other thread count, with oneDNN
  off, and both, against torch's run as set), but never below ``FLOORS``: one more run of a
  chaotic process lands anywhere in the spread's distribution, and torch's few variants may
  all happen to stay close (under AVX2 torch's spread in the final state was 1.8e-3, ours
  4.3e-3). The floors, 1e-2, are about 2.5 times the largest drift in the table (3.7e-3 in
  the loss, 4.4e-3 in the final state); a test whose own measurements say otherwise passes
  ``floors=``.
- float64: every step and the final state tight (``FLOAT64``): there rounding stays at 1e-16
  and any difference is an algorithm's.

Use::

    spread = torch_spread(lambda: run(torch))     # torch's run as set, and its variants
    assert_lockstep(run(minitorch_cv), spread.reference, "float32", spread, label="...")

A run is a ``Run``: per-step values (losses) and a dict of final arrays (weights, buffers); a
plain sequence of per-step values works too. Steps compare as ``|ours - theirs| / |theirs|``;
final arrays as the largest absolute difference over the largest absolute value of torch's
array, the worst array counting. Every checked run is recorded (``RECORD``) and printed at the
end of the pytest session.
"""
import warnings
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import torch

EARLY_STEPS = 10
EARLY_RTOL = 1e-5
SPREAD_FACTOR = 4.0
FLOORS = {"steps": 1e-2, "final": 1e-2}
FLOAT64 = {"steps": 1e-10, "final": 1e-9}

# (test label) -> measured drifts and bounds, printed at the end of the session by conftest.py
RECORD = {}


class Run(NamedTuple):
    steps: np.ndarray
    final: dict = {}


@contextmanager
def torch_setting(threads=None, onednn=True):
    """torch with ``threads`` threads (default: as now) and oneDNN on or off, restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "TF32 acceleration on top of oneDNN")
            with torch.backends.mkldnn.flags(enabled=onednn):
                yield
    finally:
        torch.set_num_threads(before)


def torch_variants():
    """torch's other settings that change its rounding: thread count and convolution path."""
    other = 2 if torch.get_num_threads() == 1 else 1
    return {f"{other} threads": dict(threads=other), "oneDNN off": dict(onednn=False),
            f"oneDNN off, {other} threads": dict(threads=other, onednn=False)}


class Spread(NamedTuple):
    reference: Run
    variants: dict

    def drifts(self):
        """The largest drift of any variant from the reference: (first steps, all steps, final)."""
        found = [drift(run, self.reference) for run in self.variants.values()]
        return tuple(max((f[i] for f in found), default=0.0) for i in range(3))


def torch_spread(run):
    """Call ``run()`` (returning a ``Run`` computed with torch) as now and under each variant."""
    reference = _as_run(run())
    variants = {}
    for name, setting in torch_variants().items():
        with torch_setting(**setting):
            variants[name] = _as_run(run())
    return Spread(reference, variants)


def drift(ours, theirs):
    """(largest relative step difference over the first EARLY_STEPS, over all steps, final state)."""
    ours, theirs = _as_run(ours), _as_run(theirs)
    assert ours.steps.shape == theirs.steps.shape, f"{len(ours.steps)} steps against {len(theirs.steps)}"
    assert set(ours.final) == set(theirs.final), f"final state {sorted(ours.final)} != {sorted(theirs.final)}"
    steps = np.abs(ours.steps - theirs.steps) / np.maximum(np.abs(theirs.steps), 1e-30)
    final = [float(np.max(np.abs(np.asarray(ours.final[k], np.float64) - theirs.final[k]), initial=0.0)
                   / max(float(np.max(np.abs(theirs.final[k]), initial=0.0)), 1e-30)) for k in theirs.final]
    return float(steps[:EARLY_STEPS].max(initial=0.0)), float(steps.max(initial=0.0)), max(final, default=0.0)


def bounds(dtype, spread=None, floors=None):
    """The bounds for (first steps, all steps, final state) under the rule above."""
    if dtype == "float64":
        return FLOAT64["steps"], FLOAT64["steps"], FLOAT64["final"]
    if dtype != "float32":
        raise ValueError(f"lockstep bounds exist for float32 and float64, got {dtype}")
    if spread is None:
        return EARLY_RTOL, None, None
    floors = {**FLOORS, **(floors or {})}
    early, steps, final = spread.drifts()
    return (max(EARLY_RTOL, SPREAD_FACTOR * early), max(floors["steps"], SPREAD_FACTOR * steps),
            max(floors["final"], SPREAD_FACTOR * final))


def assert_lockstep(ours, theirs, dtype, spread=None, floors=None, label=""):
    """Check ``ours`` against ``theirs`` (``Run``s) under the rule; return the drifts and bounds.

    float32 runs longer than EARLY_STEPS need ``spread`` (from ``torch_spread``).
    """
    ours, theirs = _as_run(ours), _as_run(theirs)
    if dtype == "float32" and spread is None and len(theirs.steps) > EARLY_STEPS:
        raise ValueError(f"float32 lockstep over {len(theirs.steps)} steps needs torch's spread")
    measured, limit = drift(ours, theirs), bounds(dtype, spread, floors)
    RECORD[label or f"lockstep {len(RECORD)}"] = dict(
        dtype=dtype, measured=measured, bounds=limit, spread=spread.drifts() if spread else None)
    names = (f"the first {EARLY_STEPS} steps", "a step", "the final state")
    for name, value, bound in zip(names, measured, limit):
        if bound is not None:
            assert value <= bound, (
                f"{label}: {dtype} lockstep, {name} differs from torch by {value:.2e} (relative) "
                f"> bound {bound:.2e}; torch's own spread (first steps, all, final): "
                f"{', '.join(f'{v:.1e}' for v in spread.drifts()) if spread else 'not measured'}")
    return measured, limit


def _as_run(run):
    if isinstance(run, Run):
        return Run(np.asarray(run.steps, np.float64), run.final)
    steps, final = run if isinstance(run, tuple) else (run, {})
    return Run(np.asarray(steps, np.float64), final)
