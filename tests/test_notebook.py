"""The tutorial as a notebook: the tiny tutorial's tutorial.ipynb holds the page's prose and, per experiment,
cells that recompute its results through the Python API; executed top to bottom it reproduces them."""

import json
import re
import shutil

import pytest

from vaelab.tutorial.report import closing, content
from vaelab.tutorial.report.html import load_results, page_order

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def test_the_notebook_holds_the_prose_and_a_cell_per_experiment(tiny_report):
    nb = nbformat.read(tiny_report / "tutorial.ipynb", as_version=4)
    nbformat.validate(nb)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    sections = content.BEFORE + closing.AFTER
    assert content.TITLE in prose and all(f"{'#' * level} {title}\n" in prose for level, _, title, _ in sections)
    assert "$$\n\\log p(x) = " in prose and "\\dfrac" in prose  # the equations as TeX, for Jupyter's MathJax
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    order = [h.lstrip("#").strip() for h in headings if re.match(r"#{2,3} ", h)]
    results = load_results(tiny_report)
    page = [t for lvl, _, t, _ in content.BEFORE] + ["Experiments"] + [results[n]["title"] for n in page_order(results)]
    assert order == page + [t for _, _, t, _ in closing.AFTER] + ["Claims at a glance"]  # the page's outline
    assert "```python\ndef gaussian_kl(" in prose and "**What we saw**" in prose
    assert "TRAIN_IMAGES, EPOCHS = 2_000, 1" in code  # the stand-alone VAE, small
    for r in load_results(tiny_report).values():
        assert f"vaelab.experiment(\n    {r['experiment']!r}" in code
    assert "PROFILE = 'tiny'" in code and "vaelab.load(" in code


def test_the_tiny_tutorials_notebook_executes_and_reproduces_its_results(tiny_report, tmp_path):
    work = tmp_path / "tutorial"
    shutil.copytree(tiny_report, work)  # executing rewrites each results.json: on a copy
    for path in work.glob("*/results.json"):
        path.unlink()
    nb = nbformat.read(work / "tutorial.ipynb", as_version=4)
    nbclient.NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert re.search(r"epoch 1: test ELBO -\d+\.\d nats per image", printed)  # the stand-alone VAE ran
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 20  # figures, and samples of loaded runs
    before, after = load_results(tiny_report), load_results(work)
    assert set(after) == set(before)  # every experiment ran again, reusing the trained runs
    assert not any(p.name.endswith(".tmp") for p in (work / "runs").iterdir())
    for name, r in before.items():
        assert after[name]["runs"] == r["runs"], name
        assert after[name]["tables"] == r["tables"], name
        assert [c["verdict"] for c in after[name]["claims"]] == [c["verdict"] for c in r["claims"]], name
        assert json.dumps(after[name]["per_seed"]) == json.dumps(r["per_seed"]), name
