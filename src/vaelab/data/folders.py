"""A folder of images as a dataset, read with Pillow.

The ImageFolder convention: images in class subfolders (ROOT/cat/1.png, ROOT/dog/2.jpg; any depth below
each class folder) are labelled by their subfolder, classes in sorted order; images directly in ROOT
have no labels. Files are read in sorted order, so the same folder always gives the same dataset. A folder
of grayscale images gives 1 channel; if any image has colour, every image is read as RGB. Images of
different sizes are refused (naming two) unless `image_size` resizes them all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vaelab.data.arrays import own_dataset
from vaelab.data.dataset import ImageDataset
from vaelab.errors import DataError

SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")


def is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUFFIXES and not path.name.startswith(".")


def list_images(root: Path) -> tuple[list[Path], list[int] | None, tuple[str, ...]]:
    """(files, class index of each or None, class names) under `root`, by the ImageFolder convention."""
    loose = sorted(p for p in root.iterdir() if is_image(p))
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    by_class = {d.name: sorted(p for p in d.rglob("*") if is_image(p)) for d in folders}
    by_class = {name: files for name, files in by_class.items() if files}
    if loose and by_class:
        raise DataError(
            f"{root} holds images both at its top ({loose[0].name}) and in class subfolders "
            f"({next(iter(by_class))}/); put every image in a class subfolder, or none"
        )
    if not loose and not by_class:
        raise DataError(f"{root} holds no images ({', '.join(s.lstrip('.').upper() for s in SUFFIXES)})")
    if loose:
        return loose, None, ()
    files = [f for fs in by_class.values() for f in fs]
    labels = [i for i, fs in enumerate(by_class.values()) for _ in fs]
    return files, labels, tuple(by_class)


def read_image(path: Path, image_size: tuple[int, ...]) -> np.ndarray:
    """One image as uint8 (H, W) (grayscale) or (H, W, 3), resized to `image_size` (H or H W) if given."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.load()  # decodes now: a truncated or corrupt file fails here, not later
            im = im.convert("L" if im.mode in GRAY_MODES else "RGB")
            if image_size:
                h, w = image_size if len(image_size) == 2 else (image_size[0], image_size[0])
                im = im.resize((w, h), Image.Resampling.BILINEAR)
            return np.asarray(im, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise DataError(f"cannot read image {path}: {str(e) or type(e).__name__}") from None


def load_image_folder(root: Path, image_size: tuple[int, ...], test_fraction: float) -> ImageDataset:
    files, labels, classes = list_images(root)
    arrays = [read_image(f, image_size) for f in files]
    first = arrays[0].shape[:2]
    for f, a in zip(files, arrays):
        if a.shape[:2] != first:
            raise DataError(
                f"images differ in size: {files[0]} is {first[0]}x{first[1]}, {f} is {a.shape[0]}x{a.shape[1]} "
                "(height x width); set data.image_size H [W] to resize them"
            )
    if any(a.ndim == 3 for a in arrays):  # some colour: every image as RGB
        arrays = [a if a.ndim == 3 else np.repeat(a[:, :, None], 3, axis=2) for a in arrays]
        images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()  # (N, H, W, 3) -> (N, 3, H, W)
    else:
        images = torch.from_numpy(np.stack(arrays)).unsqueeze(1)  # (N, H, W) -> (N, 1, H, W)
    label_tensor = None if labels is None else torch.tensor(labels, dtype=torch.int64)
    return own_dataset(root.name, str(root), images, label_tensor, classes, test_fraction)
