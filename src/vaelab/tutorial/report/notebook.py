"""OUT/tutorial.ipynb: the tutorial as a notebook a reader can rerun and change.

Its cells follow the page's outline. Its Markdown cells are the page's prose (`content`, `intros`, `closing`),
with the code listings and, as a code cell, the stand-alone VAE (a smaller run in the tiny profile); for each
experiment whose results are in OUT, a code cell calls `vaelab.experiment`, which reloads the trained runs
from OUT/runs (training only what a changed setting asks for), recomputes the measures, tables, claims and
figures, and shows them; a second cell loads one of its runs with `vaelab.load` and samples from it; a
Markdown cell says what the page saw. Writing the notebook needs nbformat (the `notebook` extra); `show` and
`show_images` are what its cells call to display results.
"""

from __future__ import annotations

from pathlib import Path

from vaelab.atomic import atomic_write_text
from vaelab.markdown import markdown_table
from vaelab.tutorial.profiles import ByProfile
from vaelab.tutorial.report import closing, content, findings, intros, provenance
from vaelab.tutorial.report.claims_view import claim_markdown
from vaelab.tutorial.report.html import load_results, page_order
from vaelab.tutorial.report.listings import STANDALONE_SIZE, standalone
from vaelab.tutorial.report.markdown_page import heading, markdown_directives
from vaelab.tutorial.report.markup import to_markdown

INTRO = """
This notebook sits beside the page (`index.html`), in the folder that holds the tutorial's trained runs.
Each experiment's cell reloads its runs from that folder and recomputes its tables, claims and figures from
them; change a setting (the seeds, the dataset) and rerun a cell, and vaelab trains what the new setting
needs first. The next cell sets where the runs are and how they were run.
"""
# (training digits, epochs) of the stand-alone VAE's cell: the tiny notebook's runs in seconds
STANDALONE_CELL = ByProfile(tiny=(2000, 1), quick=STANDALONE_SIZE, full=STANDALONE_SIZE)
CODE_CELL = "\x00code\x00"  # where the stand-alone script splits a Markdown cell into Markdown, code, Markdown

SETUP = """import warnings
from pathlib import Path

import vaelab
from vaelab.tutorial.report.notebook import show, show_images

warnings.filterwarnings("ignore", message="IProgress not found")  # without ipywidgets, bars are plain text

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
    """An experiment's prose, the cells that recompute and show its results and load one run, then what the
    page saw and what to try."""
    experiment = results.get("experiment", name)
    text = heading(3, results.get("title", name))
    if experiment in intros.EXPERIMENT_INTROS:
        text += "\n\n" + to_markdown(intros.EXPERIMENT_INTROS[experiment])
    var = _var(name)
    cells = [
        nbf.new_markdown_cell(text),
        nbf.new_code_cell(EXPERIMENT.format(var=var, name=experiment, dataset=results.get("dataset", "mnist"))),
    ]
    arm = next(iter(results.get("runs", {})), None)
    if arm is not None:
        cells.append(nbf.new_code_cell(LOAD.format(var=var, arm=arm)))
    saw = findings.paragraph(results)
    after = ([f"**What we saw** when this notebook was written: {saw}"] if saw else []) + [
        provenance.try_markdown(results)
    ]
    return cells + [nbf.new_markdown_cell("\n\n".join(after))]


def prose_cells(nbf, sections, directive, code: str) -> list:
    """One Markdown cell per section; a section that shows the stand-alone script is split around it, the
    script becoming a code cell (`code`) the notebook runs."""
    cells = []
    for level, _, title, text in sections:
        pieces = to_markdown(text, directive).split(CODE_CELL)
        for i, piece in enumerate(pieces):
            piece = f"{heading(level, title)}\n\n{piece.strip()}" if i == 0 else piece.strip()
            cells += [nbf.new_markdown_cell(piece)] if piece else []
            if i + 1 < len(pieces):
                cells.append(nbf.new_code_cell(code))
    return cells


def notebook_cells(nbf, results: dict[str, dict], profile: str, seeds: int | None, first_seed: int) -> list:
    """Every cell, in the page's order."""
    directive = markdown_directives(results, standalone=lambda: CODE_CELL)
    code = standalone(*STANDALONE_CELL[profile]).rstrip()
    cells = [nbf.new_markdown_cell(f"# {content.TITLE}\n\n{to_markdown(content.LEAD)}\n\n{to_markdown(INTRO)}")]
    cells.append(nbf.new_code_cell(SETUP.format(profile=profile, seeds=seeds, first_seed=first_seed)))
    cells += prose_cells(nbf, content.BEFORE, directive, code)
    cells.append(nbf.new_markdown_cell("## Experiments\n\n" + to_markdown(intros.EXPERIMENTS_LEAD)))
    for name in page_order(results):
        cells += experiment_cells(nbf, name, results[name])
    cells += prose_cells(nbf, closing.AFTER, directive, code)
    claims = [claim_markdown(c) for name in page_order(results) for c in results[name].get("claims", [])]
    cells.append(nbf.new_markdown_cell("## Claims at a glance\n\n" + ("\n".join(claims) or "No claim yet.")))
    return cells


def write_notebook(out_dir: str | Path, profile: str, seeds: int | None, first_seed: int = 0) -> Path | None:
    """Write OUT/tutorial.ipynb from the results found in OUT; None (and nothing written) without nbformat."""
    try:
        import nbformat
        from nbformat import v4 as nbf
    except ImportError:
        return None
    out_dir = Path(out_dir)
    notebook = nbf.new_notebook(cells=notebook_cells(nbf, load_results(out_dir), profile, seeds, first_seed))
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
