"""Rank 1 raises while rank 0 waits in a collective: the job must end, non-zero, not hang."""
import minitorch_cv as torch
import minitorch_cv.distributed as dist

dist.init_process_group("mpi")
if dist.get_rank() == 1:
    raise ValueError("rank 1 fails on purpose")
dist.all_reduce(torch.ones(3))   # never completes: rank 1 is gone
print("RESULT {\"rank0_finished\": true}", flush=True)
