"""dSprites (Matthey, Higgins, Hassabis, Lerchner 2017), rendered procedurally, batch by batch.

DeepMind's dSprites holds one 64x64 binary image for each of the 737,280 combinations of six factors:
color (1 value: white), shape (square, ellipse, heart), scale (6 values in linspace(0.5, 1)),
orientation (40 values in linspace(0, 2*pi)), posX and posY (32 values each in linspace(0, 1)).
As in disentanglement_lib, the single-valued color factor is not exposed: the factors seen by models and
metrics are (shape, scale, orientation, posX, posY), with sizes (3, 6, 40, 32, 32). The flat index of a
combination is the row of `imgs` in DeepMind's file (posY varies fastest; color has one value so it adds
nothing): index = sum_i factor_i * prod(sizes[i+1:]).

Without the original file, images are drawn from the factors, never stored (the full array is 3 GB):
for the whole batch at once, every pixel centre p of a window around each sprite is mapped into the
sprite's own frame,

    q = (u, v) = R(-orientation) (p - centre) / (scale * HALF_SIZE)       # (B, w, w) per coordinate

and the pixel is on where the shape's implicit inside-test holds at q: square max(|u|, |v|) <= 1,
ellipse u^2 + (v / ELLIPSE_RATIO)^2 <= 1, heart (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0 (the classic heart
curve, rescaled into the unit box). The look follows the original, not its exact pixels: the sprite
centre moves over pixels ~10..54 of 64 as pos goes 0..1, and the square at scale 1 is ~14 px (0.22 of the
width). posY = 0 is the top row; orientation turns the sprite counter-clockwise as displayed.
`resolution=32` renders directly on a 32x32 grid (same geometry, coarser pixels) for CPU work.
`render(factors, device)` draws the same pixels on that device (a GPU, its training batches): the numbers
of each sprite are computed in numpy as on the CPU, each pixel's by exactly rounded operations in torch.

With `path=` pointing to DeepMind's `dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz`, observations are
looked up in the original images instead; they are kept bit-packed in memory (377 MB, read in chunks).
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vaelab.config import check_choice, option
from vaelab.data.factors import FactorGrid
from vaelab.errors import ConfigError, DataError

SHAPES = ("square", "ellipse", "heart")
FACTOR_NAMES = ("shape", "scale", "orientation", "posX", "posY")
FACTOR_SIZES = (3, 6, 40, 32, 32)
FACTOR_VALUES = {  # the real values behind each factor index, as in the original `latents_values`
    "shape": np.array([1.0, 2.0, 3.0]),
    "scale": np.linspace(0.5, 1.0, 6),
    "orientation": np.linspace(0.0, 2 * math.pi, 40),
    "posX": np.linspace(0.0, 1.0, 32),
    "posY": np.linspace(0.0, 1.0, 32),
}
ORIGINAL_FILE = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"
ORIGINAL_SHAPE = (737_280, 64, 64)
RESOLUTIONS = (64, 32)

# Geometry, as fractions of the image width.
CENTRE_FIRST, CENTRE_LAST = 10 / 64, 54 / 64  # sprite centre at pos = 0 and pos = 1
HALF_SIZE = 0.11  # half the side of the square at scale 1
ELLIPSE_RATIO = 0.5  # minor / major axis
HEART_SPAN = 1.139  # the heart curve spans x in [-1.139, 1.139], y in [-1, 1.236]
HEART_LIFT = 0.118  # ... so this shift centres it vertically


@dataclass(frozen=True)
class DSpritesConfig:
    resolution: int = option(
        64, "image side in pixels (32 renders directly at 32x32 for CPU work)", choices=RESOLUTIONS
    )
    path: str | None = option(None, f"DeepMind's {ORIGINAL_FILE}; if given, its images are used")

    def __post_init__(self) -> None:
        check_choice("dsprites.resolution", self.resolution, RESOLUTIONS)
        if self.path is not None and self.resolution != 64:
            raise ConfigError("dsprites.resolution must be 64 when dsprites.path (the original 64x64 file) is given")


class DSprites(FactorGrid):
    """dSprites as a `FactorDataset`: factors (shape, scale, orientation, posX, posY), binary images.

    Observations are float32 tensors (n, 1, R, R) holding exactly 0.0 and 1.0.
    """

    def __init__(self, resolution: int = 64, path: str | Path | None = None):
        super().__init__(FACTOR_SIZES, FACTOR_NAMES)
        self.config = DSpritesConfig(resolution=resolution, path=None if path is None else str(path))
        self.resolution = resolution
        self._packed = None if path is None else load_original(path, self)
        self.source = "procedural" if path is None else str(path)
        # side of the window drawn around each sprite: every shape lies in the unit box of its frame, so
        # within sqrt(2) * HALF_SIZE * max scale of its centre (plus a pixel of margin on each side)
        self.window = min(resolution, math.ceil(2 * math.sqrt(2) * HALF_SIZE * resolution) + 2)

    @classmethod
    def from_config(cls, cfg: DSpritesConfig) -> DSprites:
        return cls(resolution=cfg.resolution, path=cfg.path)

    def factor_values(self, factors: np.ndarray) -> np.ndarray:
        """Factor indices (n, 5) -> their real values (n, 5) float64 (shape as 1, 2, 3)."""
        factors = self.check_factors(factors)
        return np.stack([FACTOR_VALUES[name][factors[:, i]] for i, name in enumerate(FACTOR_NAMES)], axis=1)

    def sample_observations_from_factors(
        self, factors: np.ndarray, rng: np.random.Generator | None = None
    ) -> torch.Tensor:
        """(n, 5) factor indices -> (n, 1, R, R) float32 images in {0, 1}; deterministic (rng unused)."""
        factors = self.check_factors(factors)
        if self._packed is None:
            return self.render(factors)
        bits = self._packed[self.factor_index(factors)]  # (n, 64, 8) uint8
        images = np.unpackbits(bits, axis=-1)  # (n, 64, 8) -> (n, 64, 64)
        return torch.from_numpy(images).unsqueeze(1).float()

    def observations_on(self, factors: np.ndarray, device: str | torch.device) -> torch.Tensor:
        """`sample_observations_from_factors` on `device`: rendered there, or read from the original file."""
        if self._packed is None:
            return self.render(factors, device)
        return self.sample_observations_from_factors(factors).to(device)

    def render(self, factors: np.ndarray, device: str | torch.device | None = None) -> torch.Tensor:
        """Draw the procedural images of (n, 5) factor indices: (n, 1, R, R) float32 in {0, 1}.

        Only a window of side `self.window` around each sprite is evaluated (~1/8 of the image), then
        written into the blank canvas. numpy, single-threaded: a batch of 256 at 64x64 takes ~2 ms and
        does not compete with torch's threads for the cores. With `device`, computed there by torch.
        """
        values = self.factor_values(factors).astype(np.float32)
        n, r, w = len(values), self.resolution, self.window
        centre = CENTRE_FIRST + values[:, 3:5] * (CENTRE_LAST - CENTRE_FIRST)  # (n, 2): x, y
        origin = np.clip(np.floor(centre * r - w / 2), 0, r - w).astype(np.int64)  # (n, 2): first column, row
        rows = (origin[:, 1, None] + np.arange(w))[:, :, None]  # (n, w, 1)
        cols = (origin[:, 0, None] + np.arange(w))[:, None, :]  # (n, 1, w)
        where = (np.arange(n)[:, None, None], rows, cols)
        if device is None:
            out = np.zeros((n, r, r), dtype=np.float32)
            out[where] = self.draw_windows(values, origin, w)
            return torch.from_numpy(out).unsqueeze(1)  # (n, R, R) -> (n, 1, R, R)
        canvas = torch.zeros((n, r, r), dtype=torch.float32, device=device)
        canvas[tuple(torch.from_numpy(i).to(device) for i in where)] = self.draw_windows(values, origin, w, device)
        return canvas.unsqueeze(1)

    def draw_windows(self, values: np.ndarray, origin: np.ndarray, w: int, device=None) -> np.ndarray | torch.Tensor:
        """The (n, w, w) pixels from top-left pixel `origin` (n, 2: column, row), for factor values (n, 5);
        with `device`, a float32 tensor computed there.

        `draw_windows(values, zeros, R)` draws the whole image (the tests compare it with `render`).
        """
        frame = self._sprite_frame(values, origin, w)  # numpy, per sprite and per row or column
        if device is None:
            out = np.zeros((len(values), w, w), dtype=np.float32)
        else:
            out = torch.zeros((len(values), w, w), dtype=torch.float32, device=device)
            frame = tuple(torch.from_numpy(a).to(device) for a in frame)
        for shape_id, inside in enumerate(INSIDE_TESTS, start=1):
            rows = np.flatnonzero(values[:, 0] == shape_id)
            if len(rows):
                pick = rows if device is None else torch.from_numpy(rows).to(device)
                pixels = inside(*_rotate(*(a[pick] for a in frame)))  # (B, w, w) bool
                out[pick] = pixels if device is None else pixels.to(out.dtype)
        return out

    def _sprite_frame(self, values: np.ndarray, origin: np.ndarray, w: int) -> tuple[np.ndarray, ...]:
        """What places each window's pixel centres in its sprite's frame: cos and sin of the orientation
        (B, 1, 1), and the offsets from the centre in sprite sizes along columns dx (B, 1, w) and rows dy
        (B, w, 1); `_rotate` turns them into u, v (B, w, w)."""
        scale, angle = values[:, 1], values[:, 2]
        cx = CENTRE_FIRST + values[:, 3] * (CENTRE_LAST - CENTRE_FIRST)
        cy = CENTRE_FIRST + values[:, 4] * (CENTRE_LAST - CENTRE_FIRST)
        size = (scale * HALF_SIZE)[:, None, None]
        pixel = np.arange(w, dtype=np.float32) + 0.5
        xs = (origin[:, 0, None] + pixel) / self.resolution  # (B, w) pixel centres, fractions of width
        ys = (origin[:, 1, None] + pixel) / self.resolution
        dx = (xs[:, None, :] - cx[:, None, None]) / size  # (B, 1, w): varies along columns
        dy = (cy[:, None, None] - ys[:, :, None]) / size  # (B, w, 1): up is positive
        cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
        return cos, sin, dx, dy


def _rotate(cos, sin, dx, dy):
    """q = (u, v) = R(-angle) (dx, dy): undo the sprite's counter-clockwise turn; each (B, w, w). This and the
    inside-tests take numpy arrays and torch tensors alike: the same exactly rounded operations in one order."""
    u = cos * dx + sin * dy
    v = cos * dy - sin * dx
    return u, v


def _inside_square(u, v):
    return (abs(u) <= 1.0) & (abs(v) <= 1.0)  # max(|u|, |v|) <= 1


def _inside_ellipse(u, v):
    v = v * (1.0 / ELLIPSE_RATIO)
    return u * u + v * v <= 1.0


def _inside_heart(u, v):
    # (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0, with (x, y) the unit box stretched onto the curve's extent
    x = u * HEART_SPAN
    y = v * HEART_SPAN + HEART_LIFT
    x2, y2 = x * x, y * y
    r = x2 + y2 - 1.0
    return r * r * r <= x2 * y2 * y


INSIDE_TESTS = (_inside_square, _inside_ellipse, _inside_heart)  # in the order of SHAPES


def read_npz_images(path: str | Path, key: str, expected_shape: tuple[int, ...]) -> np.ndarray:
    """Binary images `key` of an .npz file, bit-packed along the last axis: (N, H, W) -> (N, H, W / 8).

    The array is streamed out of the zip member in chunks, so the unpacked array (3 GB for dSprites)
    never sits in memory. Refuses a shape other than `expected_shape` and values other than 0 and 1.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"dSprites file {path} not found; download {ORIGINAL_FILE} from "
            "github.com/deepmind/dsprites-dataset or leave path unset to render procedurally"
        )
    try:
        with zipfile.ZipFile(path) as archive, archive.open(f"{key}.npy") as member:
            version = np.lib.format.read_magic(member)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(member)
            if tuple(shape) != tuple(expected_shape):
                raise DataError(f"{path}: '{key}' has shape {tuple(shape)}, expected {tuple(expected_shape)}")
            if fortran or dtype.kind not in "uib" or expected_shape[-1] % 8:
                raise DataError(
                    f"{path}: '{key}' must be a C-ordered integer array (got {dtype}, fortran_order={fortran})"
                )
            packed = np.empty((*shape[:-1], shape[-1] // 8), dtype=np.uint8)
            per_row = int(np.prod(shape[1:]))
            chunk = max(1, (64 << 20) // (per_row * dtype.itemsize))  # ~64 MB read at a time
            for start in range(0, shape[0], chunk):
                rows = min(chunk, shape[0] - start)
                data = member.read(rows * per_row * dtype.itemsize)
                block = np.frombuffer(data, dtype=dtype).reshape(rows, *shape[1:])
                if block.size and (block.min() < 0 or block.max() > 1):
                    raise DataError(f"{path}: '{key}' must hold binary images (values 0 and 1)")
                packed[start : start + rows] = np.packbits(block.astype(np.uint8), axis=-1)
    except DataError:
        raise
    except KeyError:
        raise DataError(f"{path} has no array '{key}'; is it {ORIGINAL_FILE}?") from None
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise DataError(f"cannot read {path} as an .npz file: {e}") from None
    return packed


def load_original(path: str | Path, grid: FactorGrid) -> np.ndarray:
    """DeepMind's images, checked and bit-packed: (737280, 64, 8) uint8, row = factor index."""
    packed = read_npz_images(path, "imgs", ORIGINAL_SHAPE)
    check_original_order(path, grid)
    return packed


def check_original_order(path: str | Path, grid: FactorGrid) -> None:
    """If the file has `latents_classes`, refuse it unless its rows follow the standard index order."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "latents_classes" not in data.files:
                return
            classes = data["latents_classes"]
    except (OSError, ValueError) as e:
        raise DataError(f"cannot read latents_classes from {path}: {e}") from None
    expected = grid.factors_from_index(np.arange(grid.num_combinations))
    if classes.shape != (grid.num_combinations, grid.num_factors + 1) or not np.array_equal(classes[:, 1:], expected):
        raise DataError(
            f"{path}: latents_classes do not follow the standard dSprites order "
            "(color, shape, scale, orientation, posX, posY; posY fastest)"
        )


POOL_SIZE = 10_000  # rendered images per held-out split (validation pool, test set) of a factor dataset
POOL_SEEDS = {"train": 101, "test": 202}  # fixed: every run sees the same held-out images


def as_image_dataset(data: DSprites, name: str):
    """dSprites as an `ImageDataset` for vaelab's runs: fixed rendered pools of POOL_SIZE images stand in
    for the train (validation is drawn from it) and test splits, labelled by shape; training batches
    are rendered afresh from `factors` (see `vaelab.data.factor_batches`)."""
    from vaelab.data.dataset import ImageDataset

    pools = {}
    for split, seed in POOL_SEEDS.items():
        factors = data.sample_factors(POOL_SIZE, np.random.default_rng(seed))
        images = data.sample_observations_from_factors(factors).mul_(255).to(torch.uint8)
        pools[split] = (images, torch.from_numpy(factors[:, 0].copy()))
    return ImageDataset(name, *pools["train"], *pools["test"], SHAPES, data.source, factors=data)


def locate_original(data_dir: str | Path | None = None) -> Path | None:
    from vaelab.data.files import find_files

    folder = find_files("dsprites", (ORIGINAL_FILE,), data_dir)
    return None if folder is None else folder / ORIGINAL_FILE
