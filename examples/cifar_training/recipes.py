"""The run's model, optimizer, learning-rate schedule and loss options, for either backend.

``add_arguments`` puts them on the command line; ``DEFAULTS`` are the tutorial's choices (its
CNN, plain SGD, no schedule), so a run without these options is the tutorial's recipe.
``Training`` holds the optimizer and its scheduler and is what the training step sees as its
optimizer: ``step()`` clips the gradients, steps the optimizer, and steps a per-batch schedule.
"""
MODELS = ("cifar10cnn", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet18")
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop"}
SCHEDULERS = ("none", "step", "multistep", "cosine", "onecycle")
# CIFAR-10's training-set channel means and standard deviations
CIFAR_MEAN, CIFAR_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)

DEFAULTS = dict(model="cifar10cnn", optimizer="sgd", nesterov=False, label_smoothing=0.0, clip_grad_norm=None,
                normalize="none", scheduler="none", scheduler_step="epoch", step_size=30, gamma=0.1,
                milestones=None, eta_min=0.0, max_lr=None, pct_start=0.3, anneal_strategy="cos",
                three_phase=False, div_factor=25.0, final_div_factor=1e4, cycle_momentum=True)


def add_arguments(parser):
    group = parser.add_argument_group("model, optimizer and schedule")
    group.add_argument("--model", choices=MODELS, help="cifar10cnn: the tutorial's CNN (default); resnetN: He et "
                       "al.'s CIFAR ResNets; resnet18: torchvision's with 10 outputs")
    group.add_argument("--optimizer", choices=OPTIMIZERS, help="default sgd; --lr, --momentum (sgd, rmsprop) and "
                       "--weight-decay apply to all (L2 for sgd/adam/rmsprop, decoupled for adamw)")
    group.add_argument("--nesterov", action="store_true", default=None, help="Nesterov momentum (sgd)")
    group.add_argument("--label-smoothing", type=float, help="CrossEntropyLoss label_smoothing (default 0)")
    group.add_argument("--clip-grad-norm", type=float, metavar="MAX", help="clip the gradients' total 2-norm")
    group.add_argument("--normalize", choices=("none", "cifar"), help="cifar: subtract CIFAR-10's channel mean, "
                       "divide by its std (default none)")
    group.add_argument("--scheduler", choices=SCHEDULERS, help="learning-rate schedule (default none)")
    group.add_argument("--scheduler-step", choices=("epoch", "batch"), help="step/multistep/cosine count epochs "
                       "(default) or batches; onecycle always steps per batch")
    group.add_argument("--step-size", type=int, help="step: multiply by --gamma every N (default 30)")
    group.add_argument("--gamma", type=float, help="step, multistep: the factor (default 0.1)")
    group.add_argument("--milestones", type=int, nargs="+", help="multistep: epochs (or batches) to multiply at")
    group.add_argument("--eta-min", type=float, help="cosine: the final rate (default 0)")
    group.add_argument("--max-lr", type=float, help="onecycle: the peak rate (default --lr)")
    group.add_argument("--pct-start", type=float, help="onecycle: warm-up share of the run (default 0.3)")
    group.add_argument("--anneal-strategy", choices=("cos", "linear"), help="onecycle (default cos)")
    group.add_argument("--three-phase", action="store_true", default=None, help="onecycle: three phases")
    group.add_argument("--div-factor", type=float, help="onecycle: initial rate = max_lr / this (default 25)")
    group.add_argument("--final-div-factor", type=float, help="onecycle: final rate = initial / this (default 1e4)")
    group.add_argument("--no-cycle-momentum", dest="cycle_momentum", action="store_false", default=None,
                       help="onecycle: keep the momentum (or Adam's beta1) fixed")


def check(recipe):
    """Problems with the recipe's options, as messages (empty when it is fine)."""
    problems = []
    if recipe["nesterov"] and (recipe["optimizer"] != "sgd" or recipe["momentum"] <= 0):
        problems.append("--nesterov needs --optimizer sgd and a positive --momentum")
    if recipe["momentum"] and recipe["optimizer"] in ("adam", "adamw"):
        problems.append(f"--momentum does not apply to {recipe['optimizer']} (its betas are torch's defaults)")
    if recipe["scheduler"] == "multistep" and not recipe["milestones"]:
        problems.append("--scheduler multistep needs --milestones")
    if not 0.0 <= recipe["label_smoothing"] <= 1.0:
        problems.append(f"--label-smoothing must be in [0, 1], got {recipe['label_smoothing']}")
    if recipe["clip_grad_norm"] is not None and recipe["clip_grad_norm"] <= 0:
        problems.append(f"--clip-grad-norm must be positive, got {recipe['clip_grad_norm']}")
    if recipe["model"] != "cifar10cnn" and recipe["activation"] != "none":
        problems.append("--activation applies to --model cifar10cnn only")
    return problems


def build_model(lib, recipe):
    """The recipe's model from ``lib`` (minitorch_cv) or, through the reference twins, torch."""
    name = recipe["model"]
    if lib.__name__ == "minitorch_cv":
        from minitorch_cv import models
        from minitorch_cv.vision.models import resnet18
        cnn, resnet = models.CIFAR10CNN, models.CIFARResNet
    else:
        from torchvision.models import resnet18

        from reference import models
        cnn, resnet = models.CIFAR10CNN, models.CIFARResNet
    if name == "cifar10cnn":
        return cnn(recipe["activation"])
    if name == "resnet18":
        return resnet18(num_classes=10)
    return resnet(int(name[len("resnet"):]))


def build_criterion(lib, recipe):
    return lib.nn.CrossEntropyLoss(label_smoothing=recipe["label_smoothing"])


def build_optimizer(lib, recipe, parameters):
    name, options = recipe["optimizer"], dict(lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    if name == "sgd":
        options.update(momentum=recipe["momentum"], nesterov=recipe["nesterov"])
    elif name == "rmsprop":
        options.update(momentum=recipe["momentum"])
    return getattr(lib.optim, OPTIMIZERS[name])(parameters, **options)


def build_scheduler(lib, recipe, optimizer, batches_per_epoch):
    """The recipe's scheduler over ``schedule_epochs`` epochs, or None."""
    kind, schedulers = recipe["scheduler"], lib.optim.lr_scheduler
    steps = recipe["schedule_epochs"] * (batches_per_epoch if recipe["scheduler_step"] == "batch" else 1)
    if kind == "none":
        return None
    if kind == "step":
        return schedulers.StepLR(optimizer, recipe["step_size"], recipe["gamma"])
    if kind == "multistep":
        return schedulers.MultiStepLR(optimizer, recipe["milestones"], recipe["gamma"])
    if kind == "cosine":
        return schedulers.CosineAnnealingLR(optimizer, steps, recipe["eta_min"])
    return schedulers.OneCycleLR(
        optimizer, recipe["max_lr"] or recipe["lr"], epochs=recipe["schedule_epochs"],
        steps_per_epoch=batches_per_epoch, pct_start=recipe["pct_start"], anneal_strategy=recipe["anneal_strategy"],
        cycle_momentum=recipe["cycle_momentum"], div_factor=recipe["div_factor"],
        final_div_factor=recipe["final_div_factor"], three_phase=recipe["three_phase"])


def per_batch(recipe):
    return recipe["scheduler"] == "onecycle" or recipe["scheduler_step"] == "batch"


class Training:
    """The optimizer as the training step sees it: ``zero_grad``; ``step`` = clip, step, and a
    per-batch scheduler step. ``end_epoch`` steps a per-epoch scheduler."""

    def __init__(self, lib, recipe, optimizer, scheduler):
        self.lib, self.optimizer, self.scheduler = lib, optimizer, scheduler
        self.clip = recipe["clip_grad_norm"]
        self.per_batch = per_batch(recipe)

    @property
    def param_groups(self):
        return self.optimizer.param_groups

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none)

    def step(self):
        if self.clip is not None:
            parameters = [p for group in self.param_groups for p in group["params"]]
            self.lib.nn.utils.clip_grad_norm_(parameters, self.clip)
        self.optimizer.step()
        if self.scheduler is not None and self.per_batch:
            self.scheduler.step()

    def end_epoch(self):
        if self.scheduler is not None and not self.per_batch:
            self.scheduler.step()

    def state_dict(self):
        return self.optimizer.state_dict()

    def scheduler_state(self):
        """The scheduler's state in plain containers (MultiStepLR's Counter as a dict), or None."""
        if self.scheduler is None:
            return None
        state = self.scheduler.state_dict()
        return {key: dict(value) if key == "milestones" else value for key, value in state.items()}

    def load(self, optimizer_state, scheduler_state):
        self.optimizer.load_state_dict(optimizer_state)
        if self.scheduler is not None:
            self.scheduler.load_state_dict(scheduler_state)
