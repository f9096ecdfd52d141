"""Data: in-memory uint8 image datasets, found, verified and parsed defensively; seeded splits and batches."""

from vaelab.data.config import DataConfig
from vaelab.data.dataset import ImageDataset
from vaelab.data.registry import DATASETS, dataset_status, load_data, load_dataset

__all__ = ["DATASETS", "DataConfig", "ImageDataset", "dataset_status", "load_data", "load_dataset"]
