"""Under each experiment: a "Try it" box (one command that reruns it with another setting) and one collapsible
"How this was measured" box that holds its provenance: the command that reruns it as it was run, its setting,
seeds and runtime, the claims' designs and criteria, and notes on how the setting was chosen. Everything about
how the page was produced goes in these boxes, never in the page's prose."""

from __future__ import annotations

import html

from vaelab.tutorial.registry import EXPERIMENTS
from vaelab.tutorial.report.intros import MEASURED_NOTES, TRY
from vaelab.tutorial.report.markup import inline_html, to_markdown

SUMMARY = "How this was measured"


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def experiment_of(results: dict) -> str:
    return results.get("experiment", results.get("name", ""))


def dataset_flag(results: dict) -> str:
    """' --dataset NAME' when the experiment ran on a dataset of the user's choosing other than MNIST."""
    experiment = EXPERIMENTS.get(experiment_of(results))
    dataset = results.get("dataset", "mnist")
    own = experiment is not None and experiment.dataset is not None
    return "" if own or dataset == "mnist" else f" --dataset {dataset}"


def rerun_command(results: dict) -> str:
    """The command that reruns the experiment as it was run here."""
    seeds, first = results.get("seeds"), (results.get("seed_list") or [0])[0]
    parts = [f"vaelab experiment {experiment_of(results)}"]
    parts += [f"--profile {results['profile']}"] if results.get("profile") else []
    parts += [f"--seeds {seeds}"] if seeds else []
    parts += [f"--seed {first}"] if first else []
    return " ".join(parts) + dataset_flag(results) + " --out ."


def try_command(results: dict) -> tuple[str, str]:
    """(command, what it does): the experiment rerun, in the page's profile, with the setting `intros.TRY`
    suggests; "--seeds" there means two more seeds per arm than the page used."""
    name = experiment_of(results)
    flags, what = TRY.get(name, ("--seeds", "a narrower interval on each effect"))
    if flags == "--seeds":
        used = results.get("seeds") if isinstance(results.get("seeds"), int) else 3
        flags, what = f"--seeds {used + 2}", f"{used + 2} seeds per arm instead of {used}: {what}"
    profile = f" --profile {results['profile']}" if results.get("profile") else ""
    return f"vaelab experiment {name}{profile} {flags}{dataset_flag(results)} --out tutorial-out", what


FRESH = (
    "This writes to a new folder, where every run of the experiment trains afresh; with --out set to this "
    "page's folder instead, the runs already trained are reused and only the new ones train (the "
    "experiment's results.json there is rewritten)."
)


def try_html(results: dict) -> str:
    command, what = try_command(results)
    return (
        f'<details class="try"><summary><strong>Try it</strong>: {esc(what)}.</summary>'
        f"<pre><code>{esc(command)}</code></pre>"
        f"<p>{esc(FRESH)}</p>"
        "<p>Or, in the notebook beside this page, change the settings in its setup cell and rerun this "
        "experiment's cell: runs already trained are reused, and only what the new setting needs is trained.</p>"
        "</details>"
    )


def facts(results: dict) -> list[str]:
    """The run's setting as plain lines: profile, seeds, dataset, runtime, versions."""
    env = results.get("environment") or {}
    lines = [
        f"profile {results.get('profile', '?')}, seeds {results.get('seed_list', results.get('seeds', '?'))}, "
        f"dataset {results.get('dataset', '?')}; {results.get('seconds', '?')} s to measure (and to train what "
        "was not trained beforehand: `vaelab tutorial` trains every experiment's runs first, in one pool)"
    ]
    if env:
        versions = ", ".join(f"{k} {env[k]}" for k in ("vaelab", "torch", "python") if k in env)
        lines.append(f"{versions}; {env.get('cpu_count', '?')} CPU cores; {env.get('date', '')}".strip("; "))
    return lines


def claim_lines(results: dict) -> list[str]:
    return [
        f"{c.get('id', '')}: design: {c.get('design', '')}"
        + (f"; criterion: {c['criterion']}" if c.get("criterion") else "")
        for c in results.get("claims") or []
        if c.get("design") or c.get("criterion")
    ]


def measured_html(results: dict) -> str:
    """The collapsible provenance box of one experiment."""
    note = MEASURED_NOTES.get(experiment_of(results), "")
    items = "".join(f"<li>{esc(line)}</li>" for line in facts(results) + claim_lines(results))
    return (
        f'<details class="measured"><summary>{SUMMARY}</summary>'
        "<p>The command that reruns this experiment as it ran here, from the folder that holds this page "
        "(finished runs are reused, so it only measures again):</p>"
        f"<pre><code>{esc(rerun_command(results))}</code></pre><ul>{items}</ul>"
        + (f"<p>{inline_html(note)}</p>" if note else "")
        + "</details>"
    )


def measured_markdown(results: dict) -> str:
    """The same box for tutorial.md (GitHub renders <details>)."""
    note = MEASURED_NOTES.get(experiment_of(results), "")
    lines = "\n".join(f"- {line}" for line in facts(results) + claim_lines(results))
    body = f"```\n{rerun_command(results)}\n```\n\n{lines}" + (f"\n\n{to_markdown(note)}" if note else "")
    return f"<details><summary>{SUMMARY}</summary>\n\n{body}\n\n</details>"


def try_markdown(results: dict) -> str:
    command, what = try_command(results)
    return f"<details><summary><b>Try it</b>: {what}.</summary>\n\n```\n{command}\n```\n\n{FRESH}\n\n</details>"


def built_html(run_info: dict | None) -> str:
    """The page's own provenance: how `vaelab tutorial` was run to build it."""
    if not run_info:
        return ""
    text = esc(", ".join(f"{k}: {v}" for k, v in run_info.items()))
    return f'<details class="measured"><summary>How this page was built</summary><p class="meta">{text}</p></details>'
