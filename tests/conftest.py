"""Shared pytest setup: the thread setting, and at the end the parity record (cases, worst errors
per op and dtype) and the lockstep drifts against their bounds.

MINITORCH_TEST_THREADS=N runs the whole suite with N threads in both libraries (default: their
own defaults, all cores; the training modules use one thread, see cifar_helpers.single_thread).
"""
import json
import os

import minitorch_cv
import torch

import lockstep
from torch_parity import RECORD

if os.environ.get("MINITORCH_TEST_THREADS"):
    minitorch_cv.set_num_threads(int(os.environ["MINITORCH_TEST_THREADS"]))
    torch.set_num_threads(int(os.environ["MINITORCH_TEST_THREADS"]))


def pytest_terminal_summary(terminalreporter):
    write_lockstep_record(terminalreporter)
    if not RECORD:
        return
    rows = sorted(RECORD.items())
    total = sum(cases for cases, _, _ in RECORD.values())
    terminalreporter.section(f"torch parity: {total} cases, largest errors per op")
    terminalreporter.write_line(f"{'op':28s} {'dtype':8s} {'cases':>6s} {'max abs err':>12s} {'max rel err':>12s}")
    for (op, dtype), (cases, abs_err, rel_err) in rows:
        terminalreporter.write_line(f"{op:28s} {dtype:8s} {cases:6d} {abs_err:12.3e} {rel_err:12.3e}")
    path = os.environ.get("MINITORCH_PARITY_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump([{"op": op, "dtype": dt, "cases": n, "max_abs": a, "max_rel": r}
                       for (op, dt), (n, a, r) in rows], f, indent=1)


def write_lockstep_record(terminalreporter):
    if not lockstep.RECORD:
        return
    terminalreporter.section("lockstep runs: drift from torch (first steps / all steps / final state)")
    for label, row in sorted(lockstep.RECORD.items()):
        measured = " / ".join(f"{v:.1e}" for v in row["measured"])
        limit = " / ".join("-" if v is None else f"{v:.1e}" for v in row["bounds"])
        spread = " / ".join(f"{v:.1e}" for v in row["spread"]) if row["spread"] else "-"
        terminalreporter.write_line(f"{label}: {measured}  (bounds {limit}; torch's spread {spread})")
