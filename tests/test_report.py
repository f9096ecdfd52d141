import json
import re

from vaelab.tutorial.report import content
from vaelab.tutorial.report.html import all_claims, write_report
from vaelab.tutorial.report.markup import blocks, equation_svg, to_html


def test_every_equation_in_the_tutorial_renders(tmp_path):
    texts = [t for _, _, t in content.SECTIONS] + [content.SHORTCOMINGS[2], content.APPLICATIONS[2]]
    texts += list(content.EXPERIMENT_INTROS.values())
    equations = [b.strip("$").strip() for t in texts for b in blocks(t) if b.startswith("$$")]
    assert len(equations) >= 5
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
                "design": "d",
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


def test_a_claim_repeated_on_another_dataset_is_named_with_it_at_a_glance():
    claim = {"id": "C4", "verdict": "inconclusive"}
    results = {
        "clusters-fashion-mnist": {"experiment": "clusters", "dataset": "fashion-mnist", "claims": [claim]},
        "clusters": {"experiment": "clusters", "dataset": "mnist", "claims": [claim]},
        "blur": {"experiment": "blur", "dataset": "mnist", "claims": [{"id": "C5", "verdict": "supported"}]},
    }
    assert [c["id"] for c in all_claims(results)] == ["C4", "C4 (fashion-mnist)", "C5"]
