"""A trained run as a plain model folder, in the layout the Hugging Face Hub reads:

    OUT/config.json        the run's RunConfig, exactly (so `vaelab train --config OUT/config.json` retrains it)
    OUT/model.safetensors  the model's weights
    OUT/data.json          what it was trained on: image shape, classes, training-set size, your data's digest
    OUT/vaelab.json        the vaelab version, where it came from, the epoch and step, and the weights' sha256
    OUT/README.md          a model card: front matter for the Hub, the data, the model, the objective, the metrics

`vaelab.load(OUT)` reads it like a run folder (without the optimizer state: it cannot resume). Upload it with
the Hub's own tools unchanged, e.g. `huggingface-cli upload NAME OUT`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from vaelab.atomic import atomic_write_bytes, atomic_write_text
from vaelab.errors import DataError, VaelabError
from vaelab.runs.build import BuiltRun
from vaelab.runs.evaluate import evaluate_terms
from vaelab.runs.export_format import INFO_FILE
from vaelab.runs.folder import read_data_record
from vaelab.training.checkpoint import MODEL_FILE, model_bytes, read_state
from vaelab.training.history import read_metrics
from vaelab.version import __version__


def export_run(built: BuiltRun, out: str | Path, force: bool = False) -> Path:
    """Write the loaded run `built` (from its folder) to the model folder `out`; refuse a non-empty `out`
    unless `force`. The card's test metrics are measured now when the data can be read."""
    out, run_dir = Path(out), Path(built.run_dir)
    if out.exists() and any(out.iterdir()) and not force:
        raise VaelabError(f"{out} is not empty; choose another folder, or overwrite it with `force`")
    out.mkdir(parents=True, exist_ok=True)
    weights = model_bytes(built.model)
    state = read_state(run_dir)
    info = {
        "vaelab": __version__,
        "exported_from": str(run_dir.resolve()),
        "epoch": state.get("epoch"),
        "step": state.get("step"),
        "sha256": hashlib.sha256(weights).hexdigest(),
    }
    atomic_write_bytes(out / MODEL_FILE, weights)
    shutil.copyfile(run_dir / "config.json", out / "config.json")
    shutil.copyfile(run_dir / "data.json", out / "data.json")
    atomic_write_text(out / INFO_FILE, json.dumps(info, indent=2) + "\n")
    atomic_write_text(out / "README.md", model_card(built, _test_metrics(built)))
    return out


def _test_metrics(built: BuiltRun) -> dict | None:
    try:
        return evaluate_terms(built)
    except DataError:  # the data are not here: the card says so
        return None


def model_card(built: BuiltRun, test: dict | None) -> str:
    """README.md for the Hub: YAML front matter, then what the model is, what it learned from and how well."""
    cfg, record = built.cfg, read_data_record(built.run_dir) or {}
    m, o, t = cfg.model, cfg.objective, cfg.train
    last = (read_metrics(built.run_dir) or [{}])[-1]
    kind = "variational autoencoder" if m.kind == "vae" else "autoencoder"
    lines = [
        "---",
        "library_name: vaelab",
        f"tags: [vaelab, {'vae' if m.kind == 'vae' else 'autoencoder'}, pytorch]",
        "---",
        "",
        f"# A {kind} trained with vaelab",
        "",
        f"- **Data**: {record.get('dataset', cfg.data.dataset)} ({record.get('source', 'built in')}), "
        f"images {tuple(built.image_shape)}, "
        f"{record.get('training_size', '?')} training examples (input mode {cfg.data.input_mode})",
        f"- **Model**: {m.arch} encoder and decoder, hidden {list(m.hidden)}, latent size {m.latent_dim}, "
        f"{m.likelihood} likelihood",
        f"- **Objective**: {built.objective.name}" + (f", beta {o.beta}" if m.kind == "vae" else ""),
        f"- **Training**: {t.epochs} epoch{'s' if t.epochs != 1 else ''}, batch {t.batch_size}, "
        f"{t.optimizer} lr {t.lr}, seed {t.seed}",
    ]
    if last:
        lines.append(f"- **Last epoch**: validation loss {last.get('val_loss', float('nan')):.2f} nats per image")
    if test is not None:
        headline = "negative ELBO" if "negative_elbo" in test else "loss"
        value = test.get("negative_elbo", test.get("loss"))
        lines.append(f"- **Test set**: {headline} {value:.2f} nats per image on {test['examples']} images")
    else:
        lines.append("- **Test set**: not measured at export (the data were not available)")
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "import vaelab",
        "",
        'run = vaelab.load("PATH/TO/THIS/FOLDER")',
        "images = run.sample(16)",
        "mu, logvar = run.encode(images)",
        "```",
        "",
    ]
    return "\n".join(lines)
