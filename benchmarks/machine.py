"""The facts every benchmark report states: CPU, versions, BLAS libraries and kernels, threads."""
import os
import platform
import re
import subprocess

import numba
import numpy as np
import threadpoolctl
import torch

import minitorch_cv

BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _cpu_flags_and_model():
    model, flags = platform.processor() or "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                if flags and model:
                    break
    except OSError:
        pass
    return model, flags


def _blas_libraries():
    """threadpoolctl's BLAS entries, NumPy's own first (the one in NumPy's package folder)."""
    numpy_dir = os.path.dirname(os.path.dirname(np.__file__))
    entries = [info for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
    own = [info for info in entries if os.path.basename(os.path.dirname(info["filepath"])).startswith("numpy")
           and info["filepath"].startswith(numpy_dir)]
    return own + [info for info in entries if info not in own], bool(own)


def numpy_blas():
    """NumPy's BLAS as threadpoolctl sees it, with the kernel it picked ('architecture')."""
    entries, found_own = _blas_libraries()
    described = []
    for index, info in enumerate(entries):
        owner = "" if index == 0 and found_own else f"also loaded: {info['filepath']}: "
        described.append(f"{owner}{info.get('internal_api')} {info.get('version')} ({info.get('prefix')}), "
                         f"kernel {info.get('architecture', 'unknown')}, {info.get('num_threads')} threads, "
                         f"threading {info.get('threading_layer')}")
    return "; ".join(described) or "none found by threadpoolctl"


def numpy_blas_kernel():
    entries, found_own = _blas_libraries()
    return entries[0].get("architecture") if entries and found_own else None


def torch_blas():
    """torch's BLAS (from its build configuration) and the CPU code path it dispatches to."""
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    onednn = re.search(r"MKL-DNN (v[\d.]+)", config)
    capability = torch.backends.cpu.get_cpu_capability()
    return (f"{blas.group(1) if blas else 'unknown'} (built in)"
            f"{', oneDNN ' + onednn.group(1) if onednn else ''}, CPU capability {capability}")


def numba_threading_layer():
    """The layer numba chose, known once a parallel kernel has run; the configured one before."""
    try:
        return numba.threading_layer()
    except ValueError:
        return f"not chosen yet (no parallel kernel has run; configured: {numba.config.THREADING_LAYER})"


def git_revision():
    """The checkout's commit, with '+changes' when the working tree differs from it."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("+changes" if dirty else "")


def describe_machine():
    model, flags = _cpu_flags_and_model()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "avx512": "avx512f" in flags,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "torch": torch.__version__,
        "threadpoolctl": threadpoolctl.__version__,
        "numpy_blas": numpy_blas(),
        "numpy_blas_kernel": numpy_blas_kernel(),
        "torch_blas": torch_blas(),
        "torch_threads": torch.get_num_threads(),
        "minitorch_cv_threads": minitorch_cv.get_num_threads(),
        "numba_max_threads": numba.config.NUMBA_NUM_THREADS,
        "numba_threading_layer": numba_threading_layer(),
        "env": {name: os.environ.get(name, "unset") for name in BLAS_ENV},
        "git": git_revision(),
    }
