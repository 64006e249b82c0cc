"""Layer classes, one file per family as in torch.nn.modules."""
from .activation import (GELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSoftmax, ReLU, ReLU6, Sigmoid, SiLU,
                         Softmax, Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout, Dropout2d
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .sync_batchnorm import SyncBatchNorm
from .conv import ConvTranspose2d
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .smooth_activation import CELU, ELU, SELU, LogSigmoid, Mish, Softmin, Softplus, Softsign
from .loss import BCELoss, BCEWithLogitsLoss
from .pooling import MaxUnpool1d, MaxUnpool2d
from .pooling import AvgPool1d, AvgPool3d, MaxPool1d, MaxPool3d, MaxUnpool3d
from .conv import Conv1d, Conv3d
