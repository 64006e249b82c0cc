"""Optimizers with torch.optim's names and update rules; schedulers in ``optim.lr_scheduler``."""
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
from . import lr_scheduler
