"""Neural-network layers, losses, init and functional ops, with torch.nn's names."""
from . import functional, init
from .modules import (Conv2d, CrossEntropyLoss, Flatten, Identity, L1Loss, Linear, LogSoftmax, MaxPool2d,
                      Module, ModuleList, MSELoss, NLLLoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .modules import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, BatchNorm1d, BatchNorm2d, Dropout, Dropout2d,
                      ModuleDict)
from .modules import AvgPool2d, GELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, ReLU6, SiLU
from .parameter import Parameter
from .modules import SyncBatchNorm
from . import parallel
from . import utils
from .modules import ConvTranspose2d, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .modules import (BCELoss, BCEWithLogitsLoss, CELU, ELU, SELU, LogSigmoid, Mish, Softmin, Softplus,
                      Softsign)
from .modules import MaxUnpool1d, MaxUnpool2d
from .modules import AvgPool1d, AvgPool3d, Conv1d, Conv3d, MaxPool1d, MaxPool3d, MaxUnpool3d
