"""Loss modules: L1Loss, MSELoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss
(torch's arguments; errors name the module)."""
from ...ops import loss as _loss
from .. import functional as F
from ..functional import legacy_reduction
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    """A loss with optional per-class weights, kept as the ``weight`` buffer (in state_dict)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error |input - target| with reduction 'mean' (default), 'sum' or 'none'."""

    def forward(self, input, target):
        return _loss.pointwise_loss(input, target, False, self.reduction, name=repr(self))


class MSELoss(_Loss):
    """Mean squared error (input - target)**2 with reduction 'mean' (default), 'sum' or 'none'."""

    def forward(self, input, target):
        return _loss.pointwise_loss(input, target, True, self.reduction, name=repr(self))


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (e.g. from LogSoftmax) at class indices.

    The 'mean' divides by the summed weights of the targets not equal to ``ignore_index``.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return _loss.nll_loss(input, target, self.weight, self.ignore_index, self.reduction, name=repr(self))


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices or class probabilities (fused, stable).

    Args:
        weight: per-class weights (C,); the 'mean' then divides by the targets' summed weights.
        ignore_index: target value that contributes neither loss nor gradient (default -100).
        reduction: 'mean' (default), 'sum' or 'none'.
        label_smoothing: mix the one-hot target with the uniform distribution by this amount.

    Shape: input (C), (N, C) or (N, C, d1, ...) logits; target (), (N) or (N, d1, ...) int64
    class indices, or float probabilities of the input's shape.

    Example::

        >>> loss = nn.CrossEntropyLoss()(minitorch_cv.randn(4, 10), minitorch_cv.tensor([1, 0, 9, 3]))
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return _loss.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                                   self.label_smoothing, name=repr(self))


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities in [0, 1] against targets of the same shape
    (log terms clamped at -100, as torch); ``weight`` rescales each element's loss."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross-entropy fused (stable for large logits); ``pos_weight`` scales
    the positive term per class. ``weight`` and ``pos_weight`` are buffers (in state_dict)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
