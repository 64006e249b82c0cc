"""Event files and the one thread that flushes them, shared by all files of a SummaryWriter.

An event file is TensorBoard's record log (length, CRC-32C, serialized ``Event``, CRC-32C),
written by tensorboard's ``RecordWriter``. Events wait in memory and are appended to their file
on flush, which then fsyncs and closes it again: no file handle stays open between flushes and
no thread or queue is made per file, so ``add_scalars`` with many keys costs one small file
each and nothing else. Event files are append-only logs that TensorBoard reads while they grow,
so they are appended to in place rather than written to a temporary file and renamed.
"""
import itertools
import os
import socket
import threading
import time
import warnings

from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.summary.writer.record_writer import RecordWriter

_file_numbers = itertools.count()


class EventFile:
    """One ``events.out.tfevents.*`` file in ``log_dir``, named as TensorBoard's own writer names
    them (time, host, process, counter), starting with the ``brain.Event:2`` version record."""

    def __init__(self, log_dir, filename_suffix=""):
        os.makedirs(log_dir, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_file_numbers)}{filename_suffix}")
        self.path = os.path.join(log_dir, name)
        self._pending = [Event(wall_time=time.time(), file_version="brain.Event:2").SerializeToString()]

    def append(self, event):
        self._pending.append(event.SerializeToString())

    def take_pending(self):
        pending, self._pending = self._pending, []
        return pending

    def put_back(self, records):
        self._pending[:0] = records

    def write(self, records):
        """Append ``records`` and return only once they are on disk (fsync)."""
        if not records:
            return
        with open(self.path, "ab") as f:
            writer = RecordWriter(f)
            for record in records:
                writer.write(record)
            writer.flush()
            os.fsync(f.fileno())


class EventSink:
    """The event files of one SummaryWriter (by folder), flushed every ``flush_secs`` by one
    daemon thread, or sooner once ``max_queue`` events wait, or when ``flush()`` is called."""

    def __init__(self, max_queue, flush_secs, filename_suffix):
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.closed = False
        self._files = {}
        self._waiting = 0
        self._lock = threading.Lock()        # guards the files' pending events
        self._io_lock = threading.Lock()     # one flush at a time, so records stay in order
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="minitorch_cv SummaryWriter", daemon=True)
        self._thread.start()

    def file(self, log_dir):
        """The event file of ``log_dir``, made on first use."""
        with self._lock:
            if log_dir not in self._files:
                self._files[log_dir] = EventFile(log_dir, self.filename_suffix)
            return self._files[log_dir]

    def add(self, log_dir, event):
        if self.closed:
            raise RuntimeError(f"SummaryWriter for {log_dir!r} is closed; make a new SummaryWriter "
                               "to write more events")
        event_file = self.file(log_dir)
        with self._lock:
            event_file.append(event)
            self._waiting += 1
            if self._waiting >= self.max_queue:
                self._wake.set()

    def flush(self):
        """Write every waiting event; returns once all of them are on disk."""
        with self._io_lock:
            with self._lock:
                batches = [(f, f.take_pending()) for f in self._files.values()]
                self._waiting = 0
            for done, (event_file, records) in enumerate(batches):
                try:
                    event_file.write(records)
                except OSError:
                    with self._lock:   # keep what was not written for the next flush
                        for unwritten, rest in batches[done:]:
                            unwritten.put_back(rest)
                    raise

    def close(self):
        """Flush, stop the thread; later ``add`` calls raise. Closing twice does nothing."""
        if self.closed:
            return
        self.closed = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self.flush()

    def _run(self):
        while not self.closed:
            self._wake.wait(self.flush_secs)
            self._wake.clear()
            try:
                self.flush()
            except OSError as error:   # kept; the next flush() in the caller raises it
                warnings.warn(f"SummaryWriter: background flush failed: {error}", RuntimeWarning)
