"""A real ``tensorboard`` server reads a run written by minitorch_cv's SummaryWriter."""
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

from minitorch_cv.utils.tensorboard import SummaryWriter

TIMEOUT = 120


def tensorboard_command():
    if shutil.which("tensorboard"):
        return ["tensorboard"]
    return [sys.executable, "-m", "tensorboard.main"]


def test_tensorboard_server_serves_our_scalars(tmp_path):
    with SummaryWriter(tmp_path / "minitorch_run") as writer:
        for step in range(5):
            writer.add_scalar("train_loss", 2.0 - 0.25 * step, step)
    server = subprocess.Popen(tensorboard_command() + ["--logdir", str(tmp_path), "--host", "127.0.0.1", "--port", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stderr], daemon=True).start()
    deadline = time.monotonic() + TIMEOUT
    try:
        url, seen = None, []
        while url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or server.poll() is not None:
                pytest.fail("tensorboard did not print its address:\n" + "".join(seen))
            try:
                line = lines.get(timeout=min(remaining, 1))
            except queue.Empty:
                continue
            seen.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
            url = match and match.group(1)
        query = urllib.parse.urlencode({"run": "minitorch_run", "tag": "train_loss"})
        while True:
            try:
                with urllib.request.urlopen(f"{url}/data/plugin/scalars/scalars?{query}", timeout=10) as response:
                    points = json.loads(response.read())
                if points:
                    break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("tensorboard served no scalars in time")
            time.sleep(0.5)
        assert [(step, value) for _, step, value in points] == [(s, 2.0 - 0.25 * s) for s in range(5)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)       # the server and anything it started, by its pid
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
