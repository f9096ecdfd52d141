"""OUT/tutorial.ipynb: the tutorial as a notebook a reader can rerun and change.

Its Markdown cells are the page's prose (`vaelab.tutorial.report.content`); for each experiment whose results are in
OUT, a code cell calls `vaelab.experiment`, which reloads the trained runs from OUT/runs (training only
what a changed setting asks for), recomputes the measures, tables, claims and figures, and shows them; a
second cell loads one of its runs with `vaelab.load` and samples from it. Writing the notebook needs
nbformat (the `notebook` extra); `show` and `show_images` are what its cells call to display results.
"""

from __future__ import annotations

from pathlib import Path

from vaelab.atomic import atomic_write_text
from vaelab.markdown import markdown_table
from vaelab.tutorial.report import content
from vaelab.tutorial.report.html import claim_markdown, load_results, page_order
from vaelab.tutorial.report.markup import to_markdown

INTRO = """
This notebook was written by `vaelab tutorial` beside the page (`index.html`), in the folder that holds the
tutorial's trained runs. Each experiment's cell reloads its runs from that folder and recomputes its tables,
claims and figures from them; change a setting (the profile, the seeds, the dataset) and rerun a cell, and
vaelab trains what the new setting needs first. The next cell sets where the runs are and how they were run.
"""

SETUP = """import warnings
from pathlib import Path

import vaelab
from vaelab.tutorial.report.notebook import show, show_images

warnings.filterwarnings("ignore", message="IProgress not found")  # progress bars are off in notebooks

OUT = Path(".")  # the folder vaelab tutorial wrote, where this notebook sits
PROFILE = {profile!r}  # tiny, quick or full
SEEDS = {seeds!r}  # seeds per arm (None: each experiment's own for the profile)
FIRST_SEED = {first_seed!r}
"""

EXPERIMENT = """{var} = vaelab.experiment(
    {name!r}, out=OUT, profile=PROFILE, seeds=SEEDS, first_seed=FIRST_SEED, dataset={dataset!r}
)
show({var})"""

LOAD = """# One of its runs through the Python API: samples from the prior, and its test metrics.
run = vaelab.load(OUT / "runs" / {var}["runs"][{arm!r}][0])
show_images(run.sample(32), nrow=16)
{{k: round(v, 3) for k, v in run.evaluate().items() if isinstance(v, float)}}"""


def _var(name: str) -> str:
    return name.replace("-", "_")


def experiment_cells(nbf, name: str, results: dict) -> list:
    """An experiment's prose, then the cells that recompute and show its results and load one run."""
    experiment = results.get("experiment", name)
    text = f"### {results.get('title', name)}"
    if experiment in content.EXPERIMENT_INTROS:
        text += "\n\n" + to_markdown(content.EXPERIMENT_INTROS[experiment])
    var = _var(name)
    cells = [
        nbf.new_markdown_cell(text),
        nbf.new_code_cell(EXPERIMENT.format(var=var, name=experiment, dataset=results.get("dataset", "mnist"))),
    ]
    arm = next(iter(results.get("runs", {})), None)
    if arm is not None:
        cells.append(nbf.new_code_cell(LOAD.format(var=var, arm=arm)))
    return cells


def write_notebook(out_dir: str | Path, profile: str, seeds: int | None, first_seed: int = 0) -> Path | None:
    """Write OUT/tutorial.ipynb from the results found in OUT; None (and nothing written) without nbformat."""
    try:
        import nbformat
        from nbformat import v4 as nbf
    except ImportError:
        return None
    out_dir = Path(out_dir)
    results = load_results(out_dir)
    cells = [nbf.new_markdown_cell(f"# {content.TITLE}\n\n{to_markdown(content.LEAD)}\n\n{to_markdown(INTRO)}")]
    cells.append(nbf.new_code_cell(SETUP.format(profile=profile, seeds=seeds, first_seed=first_seed)))
    cells += [nbf.new_markdown_cell(f"## {title}\n\n{to_markdown(text)}") for _, title, text in content.SECTIONS]
    cells.append(nbf.new_markdown_cell("## Experiments\n\n" + to_markdown(content.EXPERIMENTS_LEAD)))
    for name in page_order(results):
        cells += experiment_cells(nbf, name, results[name])
    closing = (content.SHORTCOMINGS, content.APPLICATIONS)
    cells += [nbf.new_markdown_cell(f"## {title}\n\n{to_markdown(text)}") for _, title, text in closing]
    notebook = nbf.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    path = out_dir / "tutorial.ipynb"
    atomic_write_text(path, nbformat.writes(notebook))
    return path


def show(results: dict) -> None:
    """In a notebook: an experiment's claims, tables and figures (the dict vaelab.experiment returns)."""
    from IPython.display import Image, Markdown, display

    for c in results.get("claims", []):
        display(Markdown(claim_markdown(c)))
    for t in results.get("tables", []):
        display(Markdown(markdown_table(t["columns"], t["rows"], t.get("title", ""))))
    for f in results.get("figures", []):
        display(Markdown(f"_{f['caption']}_"), Image(filename=str(Path(results["folder"]) / f["file"])))


def show_images(images, nrow: int = 8, scale: int = 3) -> None:
    """In a notebook: images (N, C, H, W) in [0, 1] as one grid, each pixel drawn `scale` x `scale`."""
    import tempfile

    from IPython.display import Image, display

    from vaelab.viz.grid import save_grid

    with tempfile.TemporaryDirectory() as folder:
        path = save_grid(Path(folder) / "grid.png", images, nrow=nrow, scale=scale)
        display(Image(data=path.read_bytes(), format="png"))
