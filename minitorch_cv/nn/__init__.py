"""Neural-network layers, losses, init and functional ops, with torch.nn's names."""
from . import functional, init
from .modules import (Conv2d, CrossEntropyLoss, Flatten, Identity, L1Loss, Linear, LogSoftmax, MaxPool2d,
                      Module, ModuleList, MSELoss, NLLLoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .parameter import Parameter
from . import parallel
