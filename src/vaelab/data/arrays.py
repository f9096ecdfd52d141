"""Your own images as arrays: a .npz / .npy file, a numpy array, a torch tensor, or a torch Dataset.

Every form ends as one in-memory `ImageDataset` of uint8 images (float images in [0, 1] are rounded to the
256 levels of uint8), with a test set held out by a fixed seed (the same images for every run on the same
data, as the built-in sets have their fixed test sets) and a sha256 digest of the whole set that the run
folder records. Accepted image layouts: (N, H, W), (N, H, W, C) and (N, C, H, W) with C = 1 or 3. Labels
`y` are optional: integers or strings, one per image; so are factor labels `factors` (N, K) in a .npz, for the
disentanglement metrics (vaelab.data.factor_labels). Bad input gets one line naming where it came from.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import torch

from vaelab.data.batches import seeded_generator
from vaelab.data.dataset import ImageDataset
from vaelab.data.factor_labels import FACTOR_ARRAYS, ImageFactors, image_factors
from vaelab.errors import DataError

OWN_TEST_SEED = 4242  # the held-out test set of your own data: one draw, whatever the run's seed
IN_MEMORY = "in-memory"  # a run's data.dataset when its images were passed from Python
CHANNELS = (1, 3)
LAYOUTS = "(N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3"


def as_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def to_uint8_images(x, where: str) -> torch.Tensor:
    """(N, H, W), (N, H, W, C) or (N, C, H, W), uint8 or float in [0, 1] -> uint8 (N, C, H, W)."""
    x = as_numpy(x)
    if x.ndim == 3:
        x = x[:, None]  # (N, H, W) -> (N, 1, H, W)
    elif x.ndim == 4 and x.shape[1] not in CHANNELS and x.shape[-1] in CHANNELS:
        x = x.transpose(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
    if x.ndim != 4 or x.shape[1] not in CHANNELS:
        raise DataError(f"{where}: images must have shape {LAYOUTS} (got {tuple(x.shape)})")
    if x.shape[0] == 0:
        raise DataError(f"{where}: holds no images")
    if x.dtype == np.bool_:
        x = x.astype(np.uint8) * 255
    if x.dtype == np.uint8:
        return torch.from_numpy(np.ascontiguousarray(x))
    if not np.issubdtype(x.dtype, np.floating):
        raise DataError(f"{where}: images must be uint8 (0 to 255) or float in [0, 1] (got {x.dtype})")
    if not np.isfinite(x).all():
        raise DataError(f"{where}: images hold NaN or infinite values")
    low, high = float(x.min()), float(x.max())
    if low < 0 or high > 1:
        raise DataError(
            f"{where}: float images must lie in [0, 1] (found values from {low:g} to {high:g}); "
            "divide 0-255 images by 255, or pass them as uint8"
        )
    return torch.from_numpy(np.round(x * 255).astype(np.uint8))


def to_labels(y, n: int, where: str) -> tuple[torch.Tensor, tuple[str, ...]]:
    """Integer or string labels, one per image -> (class indices (N,) int64, class names)."""
    y = as_numpy(y)
    if y.ndim != 1 or len(y) != n:
        raise DataError(f"{where}: labels y must be one per image, shape ({n},) (got {tuple(y.shape)})")
    if y.dtype.kind not in "iuUSb":
        raise DataError(f"{where}: labels y must be integers or strings (got {y.dtype})")
    classes, index = np.unique(y, return_inverse=True)
    return torch.from_numpy(index.astype(np.int64).reshape(-1)), tuple(str(c) for c in classes)


def digest(images: torch.Tensor, labels: torch.Tensor, classes: tuple[str, ...], factors: bytes = b"") -> str:
    """sha256 of the images (with their shape), the labels, the class names and any factor labels (as
    ImageFactors.fingerprint gives them; data without factors digest as they always did)."""
    h = hashlib.sha256(repr((tuple(images.shape), classes)).encode())
    h.update(images.contiguous().numpy().tobytes())
    h.update(labels.contiguous().numpy().tobytes())
    if factors:
        h.update(factors)
    return h.hexdigest()


def own_dataset(
    name: str,
    source: str,
    images: torch.Tensor,
    labels: torch.Tensor | None,
    classes: tuple[str, ...],
    test_fraction,
    factors: ImageFactors | None = None,
) -> ImageDataset:
    """Split uint8 images (and labels, or none) into training and test sets by the fixed seed; `factors`, if
    given, label the images for the disentanglement metrics (training reads the images all the same)."""
    n = images.shape[0]
    if labels is None:
        labels, classes = torch.full((n,), -1, dtype=torch.int64), ()
    n_test = max(1, round(n * test_fraction))
    if n_test >= n:
        raise DataError(f"{source}: {n} image(s) are too few to hold out a test set; add images")
    order = torch.randperm(n, generator=seeded_generator(OWN_TEST_SEED))
    test, train = order[:n_test].sort().values, order[n_test:].sort().values
    return ImageDataset(
        name,
        images[train],
        labels[train],
        images[test],
        labels[test],
        classes,
        source,
        factors=factors,
        digest=digest(images, labels, classes, factors.fingerprint() if factors is not None else b""),
        factors_label_images=factors is not None,
    )


def load_array_file(path: Path, test_fraction: float) -> ImageDataset:
    """A .npy of images, or a .npz with images `x`, optional labels `y` and optional factor labels `factors`
    (and `factor_names`; see vaelab.data.factor_labels)."""
    extra = {}
    try:
        data = np.load(path, allow_pickle=False)
        if isinstance(data, np.ndarray):  # a .npy: images only
            x, y = data, None
        else:
            with data:
                if "x" not in data.files:
                    found = ", ".join(data.files) or "nothing"
                    raise DataError(f"{path} has no array x (it holds {found}); save np.savez(FILE, x=..., y=...)")
                x, y = data["x"], data["y"] if "y" in data.files else None
                extra = {k: data[k] for k in FACTOR_ARRAYS if k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise DataError(f"cannot read {path}: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    images = to_uint8_images(x, str(path))
    labels, classes = (None, ()) if y is None else to_labels(y, len(images), str(path))
    factors = image_factors(images, extra, str(path))
    return own_dataset(path.stem, str(path), images, labels, classes, test_fraction, factors)


def from_memory(data, test_fraction: float) -> ImageDataset:
    """Images given from Python: an array or tensor, a pair (images, labels), a torch Dataset yielding images
    or (image, label) pairs, or an ImageDataset (used as it is)."""
    if isinstance(data, ImageDataset):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        x, y = data
        kind = f"a pair of {type(x).__name__} and {type(y).__name__}"
    elif isinstance(data, (np.ndarray, torch.Tensor)):
        x, y, kind = data, None, f"a {type(data).__module__.split('.')[0]} array"
    elif hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        x, y = stack_items(data)
        kind = f"a {type(data).__name__} of {len(data)} items"
    else:
        raise DataError(
            f"dataset= takes a name, a path, an array, a tensor, (images, labels) or a torch Dataset "
            f"(got {type(data).__name__})"
        )
    images = to_uint8_images(x, f"dataset ({kind})")
    labels, classes = (None, ()) if y is None else to_labels(y, len(images), f"dataset ({kind})")
    return own_dataset(IN_MEMORY, f"in memory: {kind}", images, labels, classes, test_fraction)


def stack_items(dataset) -> tuple[np.ndarray, np.ndarray | None]:
    """A map-style Dataset's items, each an image (C, H, W), (H, W), (H, W, C) or a PIL image, or a pair
    (image, label) -> (images stacked, labels or None)."""
    images, labels = [], []
    for i in range(len(dataset)):
        item = dataset[i]
        pair = isinstance(item, (tuple, list))
        image = as_numpy(item[0] if pair else item)
        if image.ndim == 3 and image.shape[0] not in CHANNELS and image.shape[-1] in CHANNELS:
            image = image.transpose(2, 0, 1)  # (H, W, C) -> (C, H, W)
        if images and image.shape != images[0].shape:
            raise DataError(f"dataset item {i} has shape {image.shape}, item 0 has {images[0].shape}")
        images.append(image)
        if pair:
            labels.append(as_numpy(item[1]).item())
    if not images:
        raise DataError("dataset: holds no images")
    if labels and len(labels) != len(images):
        raise DataError("dataset: some items are (image, label) pairs and some are not")
    return np.stack(images), (np.asarray(labels) if labels else None)
