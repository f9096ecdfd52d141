import html
import inspect
import json
import re
import textwrap

import pytest

from vaelab.tutorial.report import closing, content, intros
from vaelab.tutorial.report.html import all_claims, page_outline, toc_html, write_report
from vaelab.tutorial.report.listings import LISTINGS, resolve, standalone
from vaelab.tutorial.report.markup import blocks, equation_svg, to_html, to_markdown

PROSE = [t for *_, t in content.BEFORE + closing.AFTER] + [intros.EXPERIMENTS_LEAD]
PROSE += list(intros.EXPERIMENT_INTROS.values()) + list(intros.MEASURED_NOTES.values())


def test_every_equation_in_the_tutorial_renders(tmp_path):
    texts = PROSE
    equations = [b.strip("$").strip() for t in texts for b in blocks(t) if b.startswith("$$")]
    assert len(equations) >= 30  # the derivations' steps among them
    for tex in equations:
        svg = (tmp_path / equation_svg(tex, tmp_path)).read_text()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        width = float(re.search(r'width="([\d.]+)pt"', svg).group(1))
        glyphs = len(re.findall(r"<(?:path|use)\b", svg))  # mathtext draws each symbol as a path or a use
        assert width > 20 and glyphs >= 3, f"{tex!r} drew {glyphs} glyphs, {width} pt wide"


def test_markup_escapes_and_formats(tmp_path):
    out = to_html("a <b> **bold** and `code` & *em*\n\n- one\n- two <i>", tmp_path, "assets/")
    assert "&lt;b&gt;" in out and "<strong>bold</strong>" in out and "<code>code</code>" in out
    assert "<em>em</em>" in out and "<li>two &lt;i&gt;</li>" in out


def test_directives_are_rendered_by_the_caller_and_equations_stay_tex_in_markdown(tmp_path):
    text = "before\n\n@figure vae-architecture\n\n$$a^2 + b^2$$\n\n@standalone\n\nafter"
    seen = []
    out = to_html(text, tmp_path, "assets/", lambda name, arg: seen.append((name, arg)) or f"<{name}:{arg}>")
    assert seen == [("figure", "vae-architecture"), ("standalone", "")] and "<figure:vae-architecture>" in out
    assert "@figure" not in to_html(text, tmp_path, "assets/")  # without a renderer a directive is dropped
    md = to_markdown(text, lambda name, arg: f"[{name}]")
    assert md == "before\n\n[figure]\n\n$$\na^2 + b^2\n$$\n\n[standalone]\n\nafter"


def test_every_directive_in_the_prose_names_something_the_page_can_draw():
    from vaelab.tutorial.report.markup import directive_of
    from vaelab.tutorial.report.teaching import FIGURES

    known = {"figure": set(FIGURES), "explorer": {"plane", "sliders"}, "code": set(LISTINGS), "standalone": {""}}
    found = [directive_of(b) for t in PROSE for b in blocks(t) if directive_of(b)]
    assert {n for n, _ in found} == set(known) and all(arg in known[n] for n, arg in found)
    assert {arg for n, arg in found if n == "code"} == set(LISTINGS)


def test_the_table_of_contents_nests_subsections_under_their_section():
    nav = toc_html([(2, "a", "A"), (3, "a1", "A1"), (3, "a2", "A2"), (2, "b", "B"), (2, "c", "C"), (3, "c1", "C1")])
    assert nav == (
        '<nav aria-label="Contents"><ol><li><a href="#a">A</a><ol><li><a href="#a1">A1</a></li>'
        '<li><a href="#a2">A2</a></li></ol></li><li><a href="#b">B</a></li><li><a href="#c">C</a><ol>'
        '<li><a href="#c1">C1</a></li></ol></li></ol></nav>'
    )
    assert page_outline({})[0] == (2, "autoencoders", "Autoencoders") and page_outline({})[-1][1] == "claims"


def test_report_shows_results_escaped_and_offline(tmp_path):
    folder = tmp_path / "generation"
    folder.mkdir()
    (folder / "samples.png").write_bytes(b"\x89PNG fake")
    results = {
        "name": "generation",
        "title": "Gen <script>alert(1)</script>",
        "seeds": 2,
        "profile": "tiny",
        "tables": [{"title": "t", "columns": ["a", "b"], "rows": [["<img src=x onerror=alert(1)>", 1.5]]}],
        "figures": [{"file": "samples.png", "caption": 'caption with "quotes" & <tags>'}],
        "claims": [
            {
                "id": "C9",
                "claim": "c <b>",
                "criterion": "k",
                "design": "the design fixed in advance",
                "verdict": "supported",
                "reason": "r",
                "evidence": "e",
                "effects": [
                    {
                        "effect": "psnr: a - b",
                        "text": "1.5 [1.2, 1.8], n = 3",
                        "verdict": "supported",
                        "estimate": 1.5,
                        "ci_low": 1.2,
                        "ci_high": 1.8,
                        "min_effect": 0.5,
                        "direction": 1,
                        "decides": True,
                    },
                    {
                        "effect": "ssim",
                        "text": "0.1, n = 1",
                        "verdict": "inconclusive",
                        "estimate": 0.1,
                        "ci_low": None,
                        "ci_high": None,
                        "min_effect": 0.0,
                        "direction": -1,
                        "decides": False,
                    },
                ],
            }
        ],
    }
    (folder / "results.json").write_text(json.dumps(results))
    page = write_report(tmp_path).read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert 'src="generation/samples.png"' in page
    assert "verdict yes" in page and "C9" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "the page must not load anything remote"
    assert "1.5 [1.2, 1.8], n = 3" in page and 'rowspan="2"' in page and "c &lt;b&gt;" in page
    assert (tmp_path / "assets" / "claims-effects.png").stat().st_size > 1000  # drawn with a missing interval too
    md = (tmp_path / "tutorial.md").read_text()
    assert "## The maths: the evidence lower bound" in md and "(generation/samples.png)" in md
    outside = re.sub(r"(?s)<details.*?</details>", "", page)
    assert "the design fixed in advance" in page and "the design fixed in advance" not in outside  # in its box


@pytest.mark.parametrize("dotted", LISTINGS)
def test_the_pages_code_listing_is_the_live_source_of_the_function(tmp_path, dotted):
    page = write_report(tmp_path).read_text()
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(resolve(dotted))))
    assert html.escape(source.rstrip() + "\n") in page
    md = (tmp_path / "tutorial.md").read_text()
    assert source.rstrip() in md


def test_the_stand_alone_vae_runs_and_prints_its_test_elbo(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "vae.py"
    script.write_text(standalone(train_images=256, epochs=1))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    elbo = float(re.search(r"test ELBO (-?[\d.]+) nats", proc.stdout).group(1))
    assert -600 < elbo < -50
    assert 25 <= len(standalone().strip().splitlines()) <= 50


def test_a_claim_repeated_on_another_dataset_is_named_with_it_at_a_glance():
    claim = {"id": "C4", "verdict": "inconclusive"}
    results = {
        "clusters-fashion-mnist": {"experiment": "clusters", "dataset": "fashion-mnist", "claims": [claim]},
        "clusters": {"experiment": "clusters", "dataset": "mnist", "claims": [claim]},
        "blur": {"experiment": "blur", "dataset": "mnist", "claims": [{"id": "C5", "verdict": "supported"}]},
    }
    assert [c["id"] for c in all_claims(results)] == ["C4", "C4 (fashion-mnist)", "C5"]
