"""`vaelab evaluate RUN --disentanglement` on your own runs: dSprites, a .npz with factors, and the refusals.

Runs are tiny (a few hundred images, one epoch, 3 latents) and scored at the "tiny" protocol: these tests
check the plumbing and that every score is a finite number, not what the scores are (the metrics' known
answers are in test_disentanglement_metrics.py).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import vaelab
from vaelab.cli import main
from vaelab.data.arrays import load_array_file
from vaelab.data.batches import Batches
from vaelab.data.factor_batches import FactorBatches
from vaelab.errors import ConfigError, DataError
from vaelab.runs.factor_report import SCORE_KEYS

from .builders import train_flags

TINY = ["--disentanglement", "--disentanglement-protocol", "tiny", "--quiet"]
SMALL_NET = {"hidden": 32, "latent_dim": 3, "batch_size": 64}
OWN = {**SMALL_NET, "subset": None, "val_size": 10}  # a .npz of 128 images: no subset, a small validation set
ROWS, COLUMNS, LEVELS = (1, 3, 5, 7), (0, 2, 4, 6), (120, 250)  # the factor values of bars_npz's images


def bars_npz(path, copies: int = 4, drop: int = 0, **extra):
    """8x8 images of a bright row and column, from 3 factors on a full grid (row, column, brightness: 4 x 4 x
    2), each combination `copies` times with its own faint noise; the last `drop` combinations left out."""
    rng = np.random.default_rng(0)
    grid = [(r, c, v) for r in ROWS for c in COLUMNS for v in LEVELS]
    factors = np.array([g for g in grid[: len(grid) - drop] for _ in range(copies)])  # (N, 3)
    x = rng.integers(0, 20, (len(factors), 8, 8)).astype(np.uint8)
    for image, (r, c, v) in zip(x, factors, strict=True):
        image[r, :] = image[:, c] = v
    np.savez(path, x=x, factors=factors, **extra)
    return path


def scores_of(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def assert_all_five_finite(result: dict) -> None:
    assert all(isinstance(result[k], float) and math.isfinite(result[k]) for k in SCORE_KEYS), result
    assert result["disentanglement_protocol"] == "tiny" and "disentanglement" in result["seconds"]


def test_a_dsprites_run_reports_all_five_metrics(tmp_path, capsys):
    run = tmp_path / "run"
    flags = train_flags(dataset="dsprites-32", subset=300, val_size=50, **SMALL_NET)
    assert main(["train", *flags, "--out", str(run)]) == 0
    capsys.readouterr()
    assert isinstance(vaelab.load(run).built.batches("train", shuffle=True), FactorBatches)  # renders, unlike a .npz
    assert main(["evaluate", str(run), *TINY]) == 0
    result = scores_of(capsys)
    assert_all_five_finite(result)
    assert np.isfinite(result["negative_elbo"])  # the usual report is still there


def test_an_npz_with_factors_trains_on_its_images_and_is_scored(tmp_path, capsys):
    data = bars_npz(tmp_path / "bars.npz", factor_names=np.array(["row", "column", "brightness"]))
    run = tmp_path / "run"
    assert main(["train", *train_flags(dataset=str(data), **OWN), "--out", str(run)]) == 0
    capsys.readouterr()
    loaded = vaelab.load(run)
    assert loaded.dataset.factors.factor_names == ("row", "column", "brightness")
    train = loaded.built.batches("train", shuffle=True)  # the stored images, not renders of sampled factors
    assert isinstance(train, Batches) and train.num_examples == len(loaded.built.splits.train.images)
    assert main(["evaluate", str(run), *TINY]) == 0
    printed = scores_of(capsys)
    assert_all_five_finite(printed)
    returned = loaded.evaluate(disentanglement=True, disentanglement_protocol="tiny")  # the same draws
    assert {k: returned[k] for k in SCORE_KEYS} == {k: printed[k] for k in SCORE_KEYS}
    with np.load(data) as arrays:  # the same images, other factor labels: the run refuses them
        np.savez(data, x=arrays["x"], factors=arrays["factors"][::-1], factor_names=arrays["factor_names"])
    assert main(["evaluate", str(run), *TINY]) == 1
    assert "the data changed since" in capsys.readouterr().err


def test_factor_values_are_reindexed_and_observed_as_their_own_images(tmp_path):
    ds = load_array_file(bars_npz(tmp_path / "bars.npz", copies=2), test_fraction=0.1)
    data = ds.factors
    assert not ds.rendered and data.factor_sizes == (4, 4, 2) and data.factor_names == ("factor0", "factor1", "factor2")
    assert [v.tolist() for v in data.values] == [list(ROWS), list(COLUMNS), list(LEVELS)]
    factors = data.sample_factors(50, np.random.default_rng(1))
    x = data.sample_observations_from_factors(factors, np.random.default_rng(2))  # (50, 1, 8, 8) in [0, 1]
    assert x.shape == (50, 1, 8, 8) and float(x.max()) <= 1.0
    for image, (r, c, v) in zip(x[:, 0].numpy(), factors, strict=True):
        assert np.allclose(image[ROWS[r], :], LEVELS[v] / 255) and np.allclose(image[:, COLUMNS[c]], LEVELS[v] / 255)
    draws = [data.sample_observations_from_factors(factors[:1], np.random.default_rng(s)) for s in range(20)]
    assert len({tuple(x.flatten().tolist()) for x in draws}) == 2  # a combination saved twice: either image


def test_a_missing_combination_trains_but_the_metrics_refuse_in_one_line(tmp_path, capsys):
    data = bars_npz(tmp_path / "gaps.npz", drop=1)
    run = tmp_path / "run"
    assert main(["train", *train_flags(dataset=str(data), **OWN), "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(run), *TINY]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1 of the 32 combinations of the factor values (4 x 4 x 2) have no image" in err


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"factors": np.zeros((5, 2))}, "factors must hold integer factor values"),
        ({"factors": np.zeros((4, 2), dtype=int)}, r"shape \(5, K\)"),
        ({"factors": np.zeros(5, dtype=int)}, "reshape"),
        ({"factors": np.zeros((5, 2), dtype=int), "factor_names": np.array(["a"])}, "2 distinct strings"),
        ({"factor_names": np.array(["a"])}, "factor_names without factors"),
    ],
)
def test_bad_factor_arrays_fail_in_one_line_naming_the_file(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", x=np.zeros((5, 8, 8), dtype=np.uint8), **arrays)
    with pytest.raises(DataError, match=message) as e:
        load_array_file(tmp_path / "bad.npz", test_fraction=0.2)
    assert "bad.npz" in str(e.value) and "\n" not in str(e.value)


def test_a_run_without_factors_is_refused_in_one_line(tmp_path, capsys):
    run = tmp_path / "mnist"
    assert main(["train", *train_flags(), "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(run), "--disentanglement"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "--disentanglement needs a run trained on data with known factors" in captured.err
    loaded = vaelab.load(run)
    with pytest.raises(ConfigError, match="`disentanglement` needs a run trained on data with known factors"):
        loaded.evaluate(disentanglement=True)
    with pytest.raises(ConfigError, match="ask for both"):
        loaded.evaluate(disentanglement_protocol="tiny")
