"""The tiny tutorial's page as a reader meets it: no words about how it was produced outside its "How this was
measured" boxes (nor in the notebook's prose), every image with alt text, every section in the table of
contents, a plain-words paragraph under each experiment that follows its numbers, and the teaching figures."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import pytest

from vaelab.tutorial.report.findings import FINDINGS, paragraph
from vaelab.tutorial.report.html import load_results

# Words about how the page was produced: they belong in the provenance boxes, not in what the reader reads.
PROCESS_WORDS = ["profile", "bench", "pilot", "outline", "draft", "issue", "session"]
PROCESS_PHRASES = ["no profile can decide", "not a failure of the page"]
REPO_PATH = re.compile(r"\b[\w-]+/[\w/-]*\w\.py\b")  # bench/c6a_pilot.py, src/vaelab/x.py


def process_words(text: str) -> list[str]:
    found = [w for w in PROCESS_WORDS if re.search(rf"\b{w}s?\b", text, re.I)]
    found += [p for p in PROCESS_PHRASES if p in text.lower()]
    return found + REPO_PATH.findall(text)


def reader_html(page: str) -> str:
    """The page without its provenance boxes, scripts and stylesheet: what a reader reads (alt texts included)."""
    for pattern in (r"<details.*?</details>", r"<script.*?</script>", r"<style.*?</style>"):
        page = re.sub(pattern, "", page, flags=re.S)
    return page


class Outline(HTMLParser):
    """Images with their alt text, headings with their ids, and the table of contents' links."""

    def __init__(self):
        super().__init__()
        self.images, self.headings, self.links, self.in_nav = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append((attrs.get("src"), (attrs.get("alt") or "").strip()))
        elif tag in ("h2", "h3"):
            self.headings.append(attrs.get("id"))
        elif tag == "nav":
            self.in_nav = True
        elif tag == "a" and self.in_nav:
            self.links.append(attrs.get("href", "").removeprefix("#"))

    def handle_endtag(self, tag):
        self.in_nav = self.in_nav and tag != "nav"


def test_the_process_word_check_sees_words_phrases_and_paths():
    found = process_words("see bench/c6a_pilot.py in the quick profile, as the pilot said")
    assert found == ["profile", "bench", "pilot", "bench/c6a_pilot.py"]
    assert process_words("a low target rate; the benchmark's profiles") == ["profile"]
    assert reader_html("a<details><summary>x</summary>pilot</details>b<script>profile</script>") == "ab"


def test_the_reader_meets_no_words_about_how_the_page_was_made(tiny_report):
    page = (tiny_report / "index.html").read_text()
    assert "<details" in page and process_words(reader_html(page)) == []
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(tiny_report / "tutorial.ipynb", as_version=4)
    prose = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "<details" in prose and process_words(reader_html(prose)) == []


def test_every_image_has_alt_text_and_every_section_is_in_the_contents(tiny_report):
    outline = Outline()
    outline.feed((tiny_report / "index.html").read_text())
    assert len(outline.images) >= 40 and [src for src, alt in outline.images if not alt] == []
    assert outline.headings and None not in outline.headings
    assert outline.links == outline.headings  # every h2 and h3, in page order
    for must in ("intuition", "derive-elbo", "derive-kl", "code", "beta-vae", "disentangled", "exp-generation"):
        assert must in outline.headings


def test_each_experiment_has_a_paragraph_that_follows_its_numbers(tiny_report):
    results = load_results(tiny_report)
    assert {r["experiment"] for r in results.values()} <= set(FINDINGS)
    for name, r in results.items():
        text = FINDINGS[r["experiment"]](r)
        assert len(text) > 200 and "None" not in text, name
        assert paragraph(r) == text
        changed = copy.deepcopy(r)
        for value in changed["metrics"].values():
            value["mean"] = value["mean"] * 1.37 + 0.11
        for c in changed.get("claims", []):
            c["verdict"], c["estimate"], c["ci_low"], c["ci_high"] = "contradicted", -9.25, -9.5, -9.0
            for e in c.get("effects", []):
                e["estimate"] = -9.25
        assert FINDINGS[r["experiment"]](changed) != text, name
    page = (tiny_report / "index.html").read_text()
    assert page.count('<div class="saw">') == len(results)


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_a_paragraph_degrades_to_what_its_results_hold(name):
    assert isinstance(FINDINGS[name]({}), str)
    bare = {"experiment": name, "claims": [{"id": "C0", "claim": "Codes are codes", "verdict": "supported"}]}
    assert isinstance(paragraph(bare), str)
    assert "**supported**" in paragraph({"experiment": "new", "claims": bare["claims"]})


def test_a_changed_gap_changes_the_generation_paragraph():
    gap = {"images": 100, "samples": 50, "recon": 90.0, "kl": 20.0, "elbo": -110.0, "log_px": -104.0, "gap": 6.0}
    inside = {"with the KL term (beta = 1)": 0.8, "without it (beta = 0)": 0.45}
    results = {"elbo_gap": gap, "aggregate_inside_2sigma": inside}
    text = FINDINGS["generation"](results)
    assert "6.0 nats above the ELBO" in text and "80% of the samples" in text and "against 45%" in text
    assert "3.5 nats above" in FINDINGS["generation"]({"elbo_gap": {**gap, "gap": 3.5}})


def test_the_teaching_figures_are_drawn(tiny_report):
    for path in ("assets/vae-architecture.png", "assets/graphical-model.png", "generation/elbo-gap.png"):
        assert (tiny_report / path).stat().st_size > 10_000, path
    generation = load_results(tiny_report)["generation"]
    assert generation["elbo_gap"]["log_px"] >= generation["elbo_gap"]["elbo"] - 1.0
    files = {f["file"]: f for r in load_results(tiny_report).values() for f in r["figures"]}
    assert {"elbo-gap.png", "prior-vs-aggregate.png", "traversals-by-beta.png"} <= set(files)
    assert all(files[f].get("alt") for f in ("elbo-gap.png", "prior-vs-aggregate.png", "traversals-by-beta.png"))
