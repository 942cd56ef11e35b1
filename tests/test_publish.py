"""Exports: code-free HTML, offline slides, a combined report with contents, and the PPTX deck."""
import json
import re

import matplotlib
import nbformat
import pytest
from pptx import Presentation

from helpers import deck, publish

matplotlib.use("Agg")


def _executed_notebook(path, heading, chapter_tag):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("run_id = 'x'")
    params.metadata = {"tags": ["injected-parameters"], "slideshow": {"slide_type": "skip"}}
    code = nbformat.v4.new_code_cell("secret_code_line = 1")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": f"answer of {chapter_tag}"})]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {heading}"), params, nbformat.v4.new_markdown_cell("## Section A"), code]
    for c in nb.cells:
        c.metadata.setdefault("slideshow", {"slide_type": "slide"})
    nbformat.write(nb, path)
    return path


def test_html_and_report_are_code_free_with_contents(tmp_path):
    a = _executed_notebook(tmp_path / "01_a.ipynb", "Chapter 1", "one")
    b = _executed_notebook(tmp_path / "02_b.ipynb", "Chapter 2", "two")
    page = publish.export_html(a).read_text()
    assert "answer of one" in page and "secret_code_line" not in page and "run_id = " not in page
    report = publish.export_report([a, b], tmp_path / "report.html").read_text()
    toc = report[report.index('<nav id="toc">'):report.index("</nav>")]
    assert [t for t in re.findall(r">([^<>]+)</a>", toc)] == ["Chapter 1", "Section A", "Chapter 2", "Section A"]
    assert report.index("answer of one") < report.index("answer of two")


def test_pages_carry_the_chapter_language(tmp_path):
    a = _executed_notebook(tmp_path / "01_a.ipynb", "Chapter 1", "one")
    assert '<html lang="en">' in publish.export_html(a).read_text()
    nb = nbformat.read(a, as_version=4)
    nb.metadata["papermill"] = {"parameters": {"lang": "zh", "run_id": "x"}}  # as papermill records them
    nbformat.write(nb, a)
    assert '<html lang="zh">' in publish.export_html(a).read_text()
    assert '<html lang="zh">' in publish.export_report([a], tmp_path / "report.html").read_text()


def test_pages_and_report_load_nothing_from_the_network(tmp_path):
    a = _executed_notebook(tmp_path / "01_a.ipynb", "Chapter 1", "one")
    for page in (publish.export_html(a).read_text(), publish.export_report([a], tmp_path / "report.html").read_text()):
        # nbconvert's lab page loads require.js, MathJax and Mermaid from cdnjs; ours loads no script at all
        assert re.findall(r"<script[^>]*\bsrc=", page) == []
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page) and "import(\"http" not in page
        assert "MathJax" not in page and "mermaid.esm" not in page


def test_slides_load_nothing_from_the_network(tmp_path):
    nb = _executed_notebook(tmp_path / "01_a.ipynb", "Chapter 1", "one")
    slides = publish.export_slides(nb).read_text()
    publish.copy_slide_assets(tmp_path)
    loads = re.findall(r'(?:src|href)="([^"#]+)"', slides) + re.findall(r'"(assets/[^"]+\.js)"', slides)
    assert loads and all(not u.startswith(("http:", "https:", "//")) for u in loads), loads
    for u in loads:
        assert (tmp_path / u).exists(), f"slides need {u}, which is not beside them"
    assert "secret_code_line" not in slides and "answer of one" in slides
    # no MathJax to re-render on slide change (its handler threw), and Reveal is reachable for tests
    assert "MathJax" not in slides and "window.Reveal = Reveal" in slides


def test_deck_has_title_scoreboard_figures_and_recommendations(tmp_path):
    import matplotlib.pyplot as plt
    (tmp_path / "figures").mkdir()
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    fig.savefig(tmp_path / "figures" / "01_x.png")
    plt.close(fig)
    (tmp_path / "figures" / "index.json").write_text(json.dumps(
        [{"chapter": "01", "name": "x", "title": "Activity doubled in treated chats", "file": "01_x.png"}]))
    (tmp_path / "metrics.json").write_text(json.dumps({
        "01": {"core_share": {"value": 0.18, "unit": "share", "ci": [0.17, 0.19], "definition": "core"}},
        "06": {"recommendations": {"value": ["Ship the navigation fix"]}}}))
    prs = Presentation(deck.build_deck(tmp_path))
    assert prs.slide_width * 9 == prs.slide_height * 16
    texts = [[sh.text_frame.text for sh in s.shapes if sh.has_text_frame] for s in prs.slides]
    assert len(prs.slides) == 4
    assert "Activity doubled in treated chats" in texts[2]
    assert any("Ship the navigation fix" in t for t in texts[3])
    table = next(sh.table for sh in prs.slides[1].shapes if sh.has_table)
    assert table.cell(1, 0).text == "Core-member share" and table.cell(1, 1).text == "18.0% (17.0%–19.0%)"
    assert prs.slides[0].shapes.title.text == "Community operations study"
    # the title slide names the run and its start: from the runner's parameters, else a stale run.json's
    (tmp_path / "run.json").write_text(json.dumps({"parameters": {"run_id": "old", "start": "2025-01-01"}}))
    assert Presentation(deck.build_deck(tmp_path)).slides[0].placeholders[1].text == "run old · study start 2025-01-01"
    fresh = Presentation(deck.build_deck(tmp_path, params={"run_id": "r2", "start": "2026-06-01"}))
    assert fresh.slides[0].placeholders[1].text == "run r2 · study start 2026-06-01"
    zh = Presentation(deck.build_deck(tmp_path, lang="zh"))
    assert zh.slides[0].shapes.title.text == "社群运营研究"
    with pytest.raises(ValueError, match="lang"):
        deck.build_deck(tmp_path, lang="fr")


def test_one_glossary_with_section_vocabularies():
    from helpers.glossary import label
    assert label("share", "zh", ns="node") == "分享" and label("share", "zh") == "占比"
    assert label("hours", "en", ns="service") != label("hours", "en", ns="journey")
    assert label("signoff_exception", "zh", ns="service") == "签收异常"
    assert label("unknown_key", "zh", ns="service") == "unknown key"


def test_saved_chart_headline_prefers_the_figure_title(tmp_path):
    import matplotlib.pyplot as plt

    from helpers.study import Study
    from helpers.timeline import Timeline
    st = Study(con=None, timeline=Timeline(), output_dir=tmp_path, lang="en", chapter="02", data_dir=tmp_path)
    fig, axes = plt.subplots(1, 2)
    axes[0].set_title("Before")
    fig.suptitle("Clicks move to the bottom button")
    st.save(axes[0], "heat")
    _, ax = plt.subplots()
    ax.set_title("One panel, one finding")
    st.save(ax, "single")
    plt.close("all")
    index = json.loads((tmp_path / "figures" / "index.json").read_text())
    assert [e["title"] for e in index] == ["Clicks move to the bottom button", "One panel, one finding"]
