"""Shared pytest setup: print the parity record (cases, worst errors per op and dtype) at the end."""
import json
import os

from torch_parity import RECORD


def pytest_terminal_summary(terminalreporter):
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
