"""Datasets, samplers and the DataLoader, with ``torch.utils.data``'s names and behaviour.

A dataset may also offer ``get_batch(indices)``: a whole collated batch at once (see
``Dataset``); the DataLoader uses it so array-backed datasets skip per-sample Python work.
"""
from .dataloader import DataLoader, default_collate
from .distributed import DistributedSampler
from .dataset import Dataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler

__all__ = ["BatchSampler", "DataLoader", "Dataset", "DistributedSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "Subset", "SubsetRandomSampler", "TensorDataset", "default_collate", "random_split"]
