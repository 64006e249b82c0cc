"""Random numbers against torch's CPU generator: after the same seed, the same values bit for bit.

Covers the scalar and the vectorized (16-at-a-time) normal paths, ragged tails, transposed views,
the cached second normal sample, 32- and 64-bit integer ranges, randperm, bernoulli, exponential_,
Generator objects and torch's state bytes, nn.init and default layer init, shuffled data loading.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.utils.data as tud
import torchvision.transforms as T
from PIL import Image

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.utils.data import DataLoader, RandomSampler, SubsetRandomSampler, TensorDataset, random_split
from minitorch_cv.vision import datasets
from minitorch_cv.vision import transforms as M
from reference import models as reference_models
from cifar_helpers import write_cifar_folder
from test_cifar_dataset import TorchvisionCIFAR10
from torch_parity import assert_matches

SHAPES = [(1,), (3,), (15,), (16,), (17,), (40,), (4, 5), (8, 3, 3, 3), (1000,)]
DTYPES = ["float32", "float64"]


def same(op, ours, theirs):
    """Bit-identical values, shape and dtype (bools compared as 0/1 int64)."""
    ours = ours.numpy() if hasattr(ours, "numpy") else np.asarray(ours)
    theirs = theirs.numpy() if hasattr(theirs, "numpy") else np.asarray(theirs)
    if theirs.dtype == np.bool_:
        ours, theirs = ours.astype(np.int64), theirs.astype(np.int64)
    kind = str(theirs.dtype) if theirs.dtype != np.bool_ else "int64"
    assert_matches("values", ours, theirs, kind, "bitwise", op)


def seeded(seed):
    return minitorch_cv.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", [0, 1, 2 ** 40 + 3])
def test_float_distributions_match_torch_bit_for_bit(dtype, seed):
    ours, theirs = seeded(seed)
    mdt, tdt = getattr(minitorch_cv, dtype), getattr(torch, dtype)
    for shape in SHAPES:
        for _ in range(2):  # twice: the cached normal half and the generator position carry over
            same("rand", minitorch_cv.rand(shape, dtype=mdt, generator=ours),
                 torch.rand(shape, dtype=tdt, generator=theirs))
            same("randn", minitorch_cv.randn(*shape, dtype=mdt, generator=ours),
                 torch.randn(*shape, dtype=tdt, generator=theirs))
            same("uniform_", minitorch_cv.empty(shape, dtype=mdt).uniform_(-0.3, 0.9, generator=ours),
                 torch.empty(shape, dtype=tdt).uniform_(-0.3, 0.9, generator=theirs))
            same("normal_", minitorch_cv.empty(shape, dtype=mdt).normal_(0.2, 1.7, generator=ours),
                 torch.empty(shape, dtype=tdt).normal_(0.2, 1.7, generator=theirs))
            same("exponential_", minitorch_cv.empty(shape, dtype=mdt).exponential_(1.5, generator=ours),
                 torch.empty(shape, dtype=tdt).exponential_(1.5, generator=theirs))
            same("cauchy_", minitorch_cv.empty(shape, dtype=mdt).cauchy_(0.3, 2.5, generator=ours),
                 torch.empty(shape, dtype=tdt).cauchy_(0.3, 2.5, generator=theirs))
            same("log_normal_", minitorch_cv.empty(shape, dtype=mdt).log_normal_(0.2, 0.7, generator=ours),
                 torch.empty(shape, dtype=tdt).log_normal_(0.2, 0.7, generator=theirs))
            same("geometric_", minitorch_cv.empty(shape, dtype=mdt).geometric_(0.3, generator=ours),
                 torch.empty(shape, dtype=tdt).geometric_(0.3, generator=theirs))
            probs = np.linspace(0, 1, int(np.prod(shape))).reshape(shape).astype(dtype)
            same("bernoulli(probs)", minitorch_cv.bernoulli(minitorch_cv.tensor(probs), generator=ours),
                 torch.bernoulli(torch.tensor(probs), generator=theirs))
            same("random_()", minitorch_cv.empty(shape, dtype=mdt).random_(generator=ours),
                 torch.empty(shape, dtype=tdt).random_(generator=theirs))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bernoulli_with_a_number_matches_torch(dtype):
    """Dropout's masks: torch's own kernel on AMD CPUs, its MKL stream on Intel ones."""
    ours, theirs = seeded(5)
    for shape in SHAPES:
        for p in (0.3, 0.9):
            mask = minitorch_cv.empty(shape, dtype=getattr(minitorch_cv, dtype)).bernoulli_(p, generator=ours)
            their_mask = torch.empty(shape, dtype=getattr(torch, dtype)).bernoulli_(p, generator=theirs)
            same("bernoulli_(p)", mask, their_mask)
    same("bernoulli(input, p)", minitorch_cv.bernoulli(minitorch_cv.zeros(20), 0.5, generator=ours),
         torch.bernoulli(torch.zeros(20), 0.5, generator=theirs))


def _mkl_bernoulli(seed, count, p):
    """MKL's own ``viRngBernoulli`` on a seeded MCG31 stream, through ctypes (``MKL_RT``: the path of
    libmkl_rt.so, e.g. from the PyPI ``mkl`` wheel); None where no MKL runtime is found."""
    import ctypes
    import ctypes.util
    path = os.environ.get("MKL_RT") or ctypes.util.find_library("mkl_rt")
    if not path:
        return None
    mkl = ctypes.CDLL(path)
    stream, out = ctypes.c_void_p(), np.zeros(count, np.int32)
    assert mkl.vslNewStream(ctypes.byref(stream), ctypes.c_int(1 << 20), ctypes.c_uint(seed)) == 0  # VSL_BRNG_MCG31
    assert mkl.viRngBernoulli(ctypes.c_int(0), stream, ctypes.c_int(count), out.ctypes.data_as(ctypes.c_void_p),
                              ctypes.c_double(p)) == 0
    mkl.vslDeleteStream(ctypes.byref(stream))
    return out


def test_intel_bernoulli_path_is_mkls_stream(monkeypatch):
    """The MKL path checked against MKL itself on any CPU (torch takes it on Intel CPUs only)."""
    from minitorch_cv import _draws
    if _mkl_bernoulli(1, 1, 0.5) is None:
        pytest.skip("no MKL runtime (set MKL_RT to libmkl_rt.so to run this check)")
    monkeypatch.setattr(_draws, "MKL_BERNOULLI", True)
    for seed, p in [(0, 0.3), (12345, 0.5), (7, 0.9), (8, 0.1)]:
        generator = minitorch_cv.Generator().manual_seed(seed)
        word = int(minitorch_cv.Generator().set_state(generator.get_state()).words(1)[0])  # MKL's seed
        ours = minitorch_cv.empty(3000).bernoulli_(p, generator=generator).numpy().astype(np.int32)
        assert np.array_equal(ours, _mkl_bernoulli(word, 3000, p)), (seed, p)


def test_non_contiguous_tensors_fill_in_memory_order_by_the_element_path():
    ours, theirs = seeded(11)
    for dtype in DTYPES:
        a = minitorch_cv.empty(6, 9, dtype=getattr(minitorch_cv, dtype)).t()
        b = torch.empty(6, 9, dtype=getattr(torch, dtype)).t()
        same("normal_ on a transposed view", a.normal_(generator=ours), b.normal_(generator=theirs))
        same("uniform_ on a transposed view", a.uniform_(generator=ours), b.uniform_(generator=theirs))


def test_integers_and_permutations_match_torch():
    ours, theirs = seeded(7)
    for low, high in [(0, 10), (-5, 3), (0, 2 ** 28 - 1), (5, 2 ** 28 + 5), (0, 2 ** 32), (-2 ** 40, 2 ** 41)]:
        for shape in [(1,), (17,), (3, 50)]:
            same("randint", minitorch_cv.randint(low, high, shape, generator=ours),
                 torch.randint(low, high, shape, generator=theirs))
    same("randint int32-range", minitorch_cv.randint(0, 2 ** 29 + 3, (4,), dtype=minitorch_cv.float64, generator=ours),
         torch.randint(0, 2 ** 29 + 3, (4,), dtype=torch.float64, generator=theirs))
    same("randint(high, size)", minitorch_cv.randint(6, (9,), generator=ours), torch.randint(6, (9,), generator=theirs))
    same("random_(from, to)", minitorch_cv.empty(20).random_(2, 9, generator=ours),
         torch.empty(20).random_(2, 9, generator=theirs))
    same("randint_like", minitorch_cv.randint_like(minitorch_cv.zeros(5), 3, 9, generator=ours),
         torch.randint_like(torch.zeros(5), 3, 9, generator=theirs))
    for n in [0, 1, 2, 7, 100, 5000]:
        same("randperm", minitorch_cv.randperm(n, generator=ours), torch.randperm(n, generator=theirs))


@pytest.mark.parametrize("dtype", DTYPES)
def test_multinomial_matches_torch(dtype):
    ours, theirs = seeded(6)
    for shape in [(5,), (3, 7), (4, 100)]:
        probs = np.random.default_rng(len(shape)).random(shape).astype(dtype)
        for count, replacement in [(1, False), (1, True), (3, False), (5, True), (50, True)]:
            if replacement or count <= shape[-1]:
                mine = minitorch_cv.multinomial(minitorch_cv.tensor(probs), count, replacement, generator=ours)
                same("multinomial", mine, torch.multinomial(torch.tensor(probs), count, replacement, generator=theirs))
    with pytest.raises(RuntimeError, match="without replacement"):
        minitorch_cv.multinomial(minitorch_cv.ones(3), 4)


def test_global_seed_and_like_factories_follow_torch():
    for seed in (0, 42):
        minitorch_cv.manual_seed(seed)
        torch.manual_seed(seed)
        same("randn_like", minitorch_cv.randn_like(minitorch_cv.zeros(4, 5)), torch.randn_like(torch.zeros(4, 5)))
        same("rand_like", minitorch_cv.rand_like(minitorch_cv.zeros(3, dtype=minitorch_cv.float64)),
             torch.rand_like(torch.zeros(3, dtype=torch.float64)))
        same("normal(mean, std, size)", minitorch_cv.normal(2.0, 3.0, (4, 5)), torch.normal(2.0, 3.0, (4, 5)))
        means, stds = np.arange(20.0).reshape(4, 5) / 3, np.linspace(0.1, 2, 5)
        for mean, std in [(means, stds), (means, 2.0), (1.5, stds), (means.astype(np.float32), stds.astype(np.float32))]:
            mine = minitorch_cv.normal(*(minitorch_cv.tensor(v) if isinstance(v, np.ndarray) else v for v in (mean, std)))
            same("normal(tensors)", mine, torch.normal(*(torch.tensor(v) if isinstance(v, np.ndarray) else v
                                                          for v in (mean, std))))
        same("randn after", minitorch_cv.randn(33), torch.randn(33))
        assert minitorch_cv.initial_seed() == torch.initial_seed() == seed


def test_generator_state_is_torchs_byte_layout_both_ways():
    ours, theirs = seeded(2 ** 63 + 5)
    assert ours.initial_seed() == theirs.initial_seed()
    minitorch_cv.randn(3, generator=ours), torch.randn(3, generator=theirs)  # leaves a cached normal half
    state = ours.get_state()
    assert state.numpy().astype(np.uint8).tobytes() == theirs.get_state().numpy().tobytes()
    first = minitorch_cv.randn(5, generator=ours)
    ours.set_state(state)
    same("after set_state", minitorch_cv.randn(5, generator=ours), first)
    theirs.set_state(torch.tensor(state.numpy(), dtype=torch.uint8))
    same("torch from our state", first, torch.randn(5, generator=theirs))
    ours.set_state(theirs.get_state().numpy())
    same("ours from torch's state", minitorch_cv.rand(20, generator=ours), torch.rand(20, generator=theirs))
    with pytest.raises(RuntimeError, match="size"):
        ours.set_state(np.zeros(10, np.uint8))
    assert minitorch_cv.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert ours.seed() == ours.initial_seed()


def test_seeds_wrap_and_overflow_as_torchs():
    for seed in (-1, -2 ** 63, 2 ** 64 - 1):
        minitorch_cv.manual_seed(seed)
        torch.manual_seed(seed)
        assert minitorch_cv.initial_seed() == torch.initial_seed()
        same("rand after a wrapped seed", minitorch_cv.rand(3), torch.rand(3))
    with pytest.raises(ValueError, match="Overflow"):
        minitorch_cv.manual_seed(2 ** 64)
    with pytest.raises(RuntimeError, match="expected a long"):
        minitorch_cv.Generator().manual_seed("a")


def test_errors_name_the_bad_argument():
    with pytest.raises(RuntimeError, match="from=3 >= to=3"):
        minitorch_cv.randint(3, 3, (2,))
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        minitorch_cv.empty(3).normal_(0, -1)
    with pytest.raises(RuntimeError, match=r"\[from, to\)"):
        minitorch_cv.empty(3).uniform_(1, 0)
    with pytest.raises(RuntimeError, match="floating point"):
        minitorch_cv.rand(3, dtype=minitorch_cv.int64)


def test_models_start_from_torchs_weights():
    for seed in (0, 1):
        minitorch_cv.manual_seed(seed)
        torch.manual_seed(seed)
        ours, theirs = minitorch_cv.models.CIFAR10CNN(), reference_models.CIFAR10CNN()
        stack = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Linear(10, 7), nn.Conv2d(8, 2, 1, bias=False), nn.Linear(300, 20))
        torch_stack = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Linear(10, 7),
                                          torch.nn.Conv2d(8, 2, 1, bias=False), torch.nn.Linear(300, 20))
        mine_all = list(ours.state_dict().items()) + list(stack.state_dict().items())
        reference_all = list(theirs.state_dict().items()) + list(torch_stack.state_dict().items())
        for (name, mine), (_, reference) in zip(mine_all, reference_all):
            same(f"initial {name}", mine, reference)


@pytest.mark.parametrize("name,kwargs", [
    ("uniform_", {"a": -2.0, "b": 0.5}), ("normal_", {"mean": 1.0, "std": 0.5}),
    ("kaiming_uniform_", {"nonlinearity": "relu"}), ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {}),
    ("trunc_normal_", {"std": 0.02}), ("trunc_normal_", {"mean": 0.5, "a": 0.0, "b": 0.6}),
    ("trunc_normal_", {"a": 1.5, "b": 3.0}),  # under 30% of the mass: uniform proposals, accept/reject
])
@pytest.mark.parametrize("shape", [(3, 4), (64, 16, 3, 3)])
def test_init_functions_match_torch(name, kwargs, shape):
    ours, theirs = seeded(4)
    for dtype in DTYPES:
        mine = minitorch_cv.empty(shape, dtype=getattr(minitorch_cv, dtype))
        same(name, getattr(nn.init, name)(mine, **kwargs, generator=ours),
             getattr(torch.nn.init, name)(torch.empty(shape, dtype=getattr(torch, dtype)), **kwargs, generator=theirs))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (64, 16, 3, 3), (100, 100)])
def test_orthogonal_init_is_torchs_up_to_lapack_rounding(shape):
    """Same normal draws; the QR factorisations (NumPy's LAPACK, torch's MKL) differ in the last
    bits (the "qr" row of the tolerances); the generator ends where torch's does."""
    ours, theirs = seeded(2)
    for dtype in DTYPES:
        mine = nn.init.orthogonal_(minitorch_cv.empty(*shape, dtype=getattr(minitorch_cv, dtype)), 2.0, generator=ours)
        reference = torch.nn.init.orthogonal_(torch.empty(*shape, dtype=getattr(torch, dtype)), 2.0, generator=theirs)
        assert_matches("weights", mine.numpy(), reference, dtype, "qr", "orthogonal_")
    same("draws afterwards", minitorch_cv.rand(3, generator=ours), torch.rand(3, generator=theirs))


def test_fork_rng_restores_the_global_stream():
    minitorch_cv.manual_seed(1)
    torch.manual_seed(1)
    with minitorch_cv.random.fork_rng():
        minitorch_cv.randn(100)
    with torch.random.fork_rng():
        torch.randn(100)
    same("after fork_rng", minitorch_cv.randn(5), torch.randn(5))


@pytest.mark.parametrize("with_generator", [False, True])
def test_shuffled_loading_visits_torchs_order(with_generator):
    minitorch_cv.manual_seed(3)
    torch.manual_seed(3)
    ours, theirs = seeded(9) if with_generator else (None, None)
    data = np.arange(50, dtype=np.float32)
    loader = DataLoader(TensorDataset(minitorch_cv.tensor(data)), batch_size=8, shuffle=True, generator=ours)
    torch_loader = tud.DataLoader(tud.TensorDataset(torch.tensor(data)), batch_size=8, shuffle=True, generator=theirs)
    for _ in range(2):
        same("epoch order", np.concatenate([b[0].numpy() for b in loader]),
             np.concatenate([b[0].numpy() for b in torch_loader]))
    assert list(RandomSampler(range(10), replacement=True, num_samples=40, generator=ours)) == \
        list(tud.RandomSampler(range(10), replacement=True, num_samples=40, generator=theirs))
    assert list(RandomSampler(range(10), num_samples=23, generator=ours)) == \
        list(tud.RandomSampler(range(10), num_samples=23, generator=theirs))
    assert list(SubsetRandomSampler([5, 6, 7, 8], generator=ours)) == \
        list(tud.SubsetRandomSampler([5, 6, 7, 8], generator=theirs))
    assert [s.indices for s in random_split(range(10), [3, 7], generator=ours or minitorch_cv.default_generator)] == \
        [s.indices for s in tud.random_split(range(10), [3, 7], generator=theirs or torch.default_generator)]
    same("global stream afterwards", minitorch_cv.rand(4), torch.rand(4))


def _augment(lib):
    return lib.Compose([lib.RandomCrop(32, padding=4), lib.RandomHorizontalFlip(), lib.ToTensor(),
                        lib.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])


def test_tutorial_data_pipeline_gives_torchvisions_batches(tmp_path):
    """Shuffled CIFAR-10 with random crops and flips: minitorch_cv's batch path draws what
    torchvision draws image by image, so every epoch's batches are torch's."""
    write_cifar_folder(tmp_path, 40, 8)
    minitorch_cv.manual_seed(0)
    torch.manual_seed(0)
    ours = DataLoader(datasets.CIFAR10(tmp_path, train=True, transform=_augment(M)), batch_size=16, shuffle=True)
    theirs = tud.DataLoader(TorchvisionCIFAR10(str(tmp_path), train=True, transform=_augment(T)),
                            batch_size=16, shuffle=True)
    assert M.supports_batch(ours.dataset.transform)
    for _ in range(2):
        for (images, labels), (their_images, their_labels) in zip(ours, theirs):
            same("augmented batch", images, their_images)
            same("labels", labels, their_labels)


def test_random_transforms_per_image_follow_torchvision():
    images = np.random.default_rng(1).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    pipeline = lambda lib: lib.Compose([lib.RandomCrop(28), lib.ColorJitter(0.4, 0.4, 0.4, 0.1),
                                        lib.RandomVerticalFlip(), lib.ToTensor()])
    minitorch_cv.manual_seed(8)
    torch.manual_seed(8)
    for image in images:
        same("crop, jitter, flip", pipeline(M)(Image.fromarray(image)), pipeline(T)(Image.fromarray(image)))


def test_torch_default_cpu_build_is_matched_too():
    """With ATEN_CPU_CAPABILITY=default torch runs its non-AVX kernels (no FMA in uniform_, libm
    Box-Muller for float32); minitorch_cv follows the same variable."""
    script = """if True:
        import numpy as np, torch, minitorch_cv as m
        for seed in (0, 1):
            m.manual_seed(seed)
            torch.manual_seed(seed)
            for name in ("float32", "float64"):
                ours, theirs = m.empty(40, dtype=getattr(m, name)), torch.empty(40, dtype=getattr(torch, name))
                assert np.array_equal(ours.uniform_(-1, 3).numpy(), theirs.uniform_(-1, 3).numpy()), name
                for n in (45, 5):  # the block-of-16 path, then the element path
                    ours, theirs = m.empty(n, dtype=getattr(m, name)), torch.empty(n, dtype=getattr(torch, name))
                    assert np.array_equal(ours.normal_(1, 2).numpy(), theirs.normal_(1, 2).numpy()), (name, n)
    """
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
