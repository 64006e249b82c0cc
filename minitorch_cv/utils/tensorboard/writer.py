"""``SummaryWriter``: torch.utils.tensorboard's writer for minitorch_cv tensors, NumPy arrays
and Python numbers. Where torch's writer is loose, this one is strict: ``flush()`` returns once
the events are on disk, ``add_scalars`` makes no thread or open file per key, a writer closes
itself at interpreter exit, non-finite histogram values are dropped with a warning, and writing
after ``close()`` raises instead of silently starting a new file.
"""
import os
import socket
import time
import weakref
from datetime import datetime

import numpy as np
from tensorboard.compat.proto.event_pb2 import Event, SessionLog

from . import summary as _summary
from ._event_file import EventSink
from ._graph import build_graph


class SummaryWriter:
    """Writes scalars, images, histograms, text, hparams and model graphs for TensorBoard.

    Args:
        log_dir: folder of the event files; default ``runs/<Mon DD_HH-MM-SS>_<host><comment>``.
        comment: appended to the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: on restarting a crashed run at this step, TensorBoard hides the old events
            from this step on.
        max_queue: events held in memory before a background flush is started.
        flush_secs: seconds between background flushes.
        filename_suffix: appended to the event file names.

    Example::

        >>> with SummaryWriter("runs/exp1") as writer:
        ...     for step in range(100):
        ...         writer.add_scalar("loss", 1 / (step + 1), step)
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if not log_dir:
            log_dir = os.path.join("runs", datetime.now().strftime("%b%d_%H-%M-%S") + "_"
                                   + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.default_bins = _summary.default_bins()
        self._sink = EventSink(max_queue, flush_secs, filename_suffix)
        self._closer = weakref.finalize(self, self._sink.close)   # also runs at interpreter exit
        self._sink.file(self.log_dir)
        if purge_step is not None:
            self._add_event(Event(step=purge_step, file_version="brain.Event:2"))
            self._add_event(Event(step=purge_step, session_log=SessionLog(status=SessionLog.START)))
            self.purge_step = None
        self._sink.flush()   # the event file exists from here on, as with torch's writer

    def get_logdir(self):
        """The folder the event files are written to."""
        return self.log_dir

    def _add_event(self, event, step=None, walltime=None, log_dir=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self._sink.add(self.log_dir if log_dir is None else log_dir, event)

    def _add_summary(self, summary, step=None, walltime=None, log_dir=None):
        self._add_event(Event(summary=summary), step, walltime, log_dir)

    def _check_open(self):
        if self._sink.closed:
            raise RuntimeError(f"SummaryWriter for {self.log_dir!r} is closed; make a new "
                               "SummaryWriter to write more events")

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Record one number (a Python number, one-element tensor or array) under ``tag``."""
        self._check_open()
        self._add_summary(_summary.scalar(tag, scalar_value, new_style, double_precision), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several numbers drawn in one chart: as torch, each key is a run ``<log_dir>/<main_tag>_<key>``
        holding ``main_tag``; here all of them share this writer's one thread and no file stays open."""
        self._check_open()
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            log_dir = self.log_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            self._add_summary(_summary.scalar(main_tag, value), global_step, walltime, log_dir)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """Histogram of ``values``; ``bins`` as in ``numpy.histogram`` or TensorBoard's default
        exponential bins ('tensorflow'). NaN and infinite values are dropped with a warning."""
        self._check_open()
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._add_summary(_summary.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image: float in [0, 1] (scaled by 255, clipped) or uint8, laid out as ``dataformats``
        (``CHW``, ``HWC``, ``HW``, ...)."""
        self._check_open()
        self._add_summary(_summary.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images (``NCHW`` or ``NHWC``) tiled 8 across into one image, as torch does."""
        self._check_open()
        self._add_summary(_summary.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or a list of them), rendered to an image."""
        self._check_open()
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        def render(fig):
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            pixels = np.asarray(canvas.buffer_rgba())[:, :, :3].transpose(2, 0, 1).copy()
            if close:
                plt.close(fig)
            return pixels

        if isinstance(figure, list):
            self.add_image(tag, np.stack([render(f) for f in figure]), global_step, walltime, "NCHW")
        else:
            self.add_image(tag, render(figure), global_step, walltime, "CHW")

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """A string (Markdown) shown in TensorBoard's text tab under ``<tag>/text_summary``."""
        self._check_open()
        self._add_summary(_summary.text(tag, text_string), global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """A run's hyperparameters and final metrics for the hparams tab, written as torch does:
        into the sub-run ``<log_dir>/<run_name>`` (default: the current time), the metrics as scalars."""
        self._check_open()
        summaries = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        log_dir = os.path.join(self.log_dir, run_name or str(time.time()))
        for summary in summaries:
            self._add_summary(summary, global_step, log_dir=log_dir)
        for key, value in metric_dict.items():
            self._add_summary(_summary.scalar(key, value), global_step, log_dir=log_dir)
        self.flush()

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The layer graph of a minitorch_cv Module run on ``input_to_model``, with each layer's
        settings and output shape, for TensorBoard's graph tab."""
        self._check_open()
        if input_to_model is None:
            raise ValueError("add_graph needs input_to_model: minitorch_cv traces the model by running it")
        graph = build_graph(model, input_to_model)
        if verbose:
            print(graph)
        self._add_event(Event(graph_def=graph.SerializeToString()))

    def flush(self):
        """Write every pending event; returns once they are on disk."""
        self._check_open()
        self._sink.flush()

    def close(self):
        """Flush and stop; closing twice does nothing, writing afterwards raises RuntimeError."""
        self._closer()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()
