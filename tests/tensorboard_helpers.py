"""Reading event files back with tensorboard's own EventAccumulator (keeping every event)."""
import io

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import (STORE_EVERYTHING_SIZE_GUIDANCE,
                                                                    EventAccumulator)


def load(path):
    accumulator = EventAccumulator(str(path), size_guidance=STORE_EVERYTHING_SIZE_GUIDANCE)
    accumulator.Reload()
    return accumulator


def scalars(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def images(accumulator, tag):
    return [(event.step, np.asarray(Image.open(io.BytesIO(event.encoded_image_string))))
            for event in accumulator.Images(tag)]


def histograms(accumulator, tag):
    return [(event.step, event.histogram_value) for event in accumulator.Histograms(tag)]


def texts(accumulator, tag):
    return [(event.step, event.tensor_proto.string_val[0].decode()) for event in accumulator.Tensors(tag)]
