"""The PPTX deck of a run (python-pptx, 16:9): title, one slide per saved chart with its finding as the
headline, the KPI scoreboard as a native table, and the recommendations.

Reads only ``outputs/<run_id>/`` (figures/index.json, figures/*.png, metrics.json, run.json).
"""
from __future__ import annotations

import json
from pathlib import Path

from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from helpers.glossary import check_lang, definition, label, t

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 16:9, 13.33 x 7.5 in
SCOREBOARD_KPIS = ("active_rate", "core_share", "message_open_rate", "content_interaction_rate",
                   "service_response", "prospect_conversion")
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5


def _fmt(entry: dict) -> str:
    v = entry.get("value")
    if v is None:
        return "n/a"
    if entry.get("unit") == "share":
        ci = entry.get("ci")
        return f"{v:.1%}" + (f" ({ci[0]:.1%}–{ci[1]:.1%})" if ci and None not in ci else "")
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


def _headline(slide, text: str):
    title = slide.shapes.title
    title.text = text
    title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.3), WIDTH - Inches(1.0), Inches(1.0)
    for p in title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(26)
            r.font.bold = True


def _picture(slide, path: Path):
    from PIL import Image
    with Image.open(path) as im:
        w, h = im.size
    box_w, box_h = WIDTH - Inches(1.0), HEIGHT - Inches(1.7)
    scale = min(box_w / w, box_h / h)
    pw, ph = int(w * scale), int(h * scale)
    slide.shapes.add_picture(str(path), Emu(int((WIDTH - pw) / 2)), Inches(1.4), Emu(pw), Emu(ph))


def build_deck(run_dir: str | Path, lang: str = "en", title: str | None = None, params: dict | None = None) -> Path:
    """Write ``run_dir/deck.pptx`` and return its path (``title``: default the study's name in ``lang``).
    ``params``: the run's parameters (run id, study start) for the title slide; default those in
    ``run_dir/run.json``, which the runner writes only after the exports, so it passes them."""
    check_lang(lang)
    title = title or t(lang, "Community operations study", "社群运营研究")
    run_dir = Path(run_dir)
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8")) if (run_dir / "metrics.json").exists() else {}
    if params is None:
        params = json.loads((run_dir / "run.json").read_text(encoding="utf-8")).get("parameters", {}) if (run_dir / "run.json").exists() else {}

    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    s.shapes.title.text = title
    s.placeholders[1].text = t(lang, f"run {params.get('run_id', run_dir.name)} · study start {params.get('start', '')}",
                               f"运行 {params.get('run_id', run_dir.name)} · 研究开始 {params.get('start', '')}")

    ch1 = metrics.get("01", {})
    rows = [k for k in SCOREBOARD_KPIS if k in ch1]
    if rows:
        s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _headline(s, label("kpi", lang) + " · " + label("pre", lang))
        shape = s.shapes.add_table(len(rows) + 1, 3, Inches(0.8), Inches(1.5), WIDTH - Inches(1.6), Inches(0.5) * (len(rows) + 1))
        table = shape.table
        for j, head in enumerate((label("kpi", lang), label("value", lang), label("definition", lang))):
            table.cell(0, j).text = head
        for i, k in enumerate(rows, start=1):
            table.cell(i, 0).text = label(k, lang)
            table.cell(i, 1).text = _fmt(ch1[k])
            table.cell(i, 2).text = definition(ch1[k].get("definition", ""), lang)
        for cell in (c for r in table.rows for c in r.cells):
            for p in cell.text_frame.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(13)

    index_path = run_dir / "figures" / "index.json"
    for fig in json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else []:
        s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _headline(s, fig["title"])
        _picture(s, run_dir / "figures" / fig["file"])

    recs = metrics.get("06", {}).get("recommendations", {}).get("value")
    if recs:
        s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _headline(s, "Recommendations" if lang == "en" else "建议")
        box = s.shapes.add_textbox(Inches(0.8), Inches(1.5), WIDTH - Inches(1.6), HEIGHT - Inches(2.0)).text_frame
        box.word_wrap = True
        for i, rec in enumerate(recs):
            p = box.paragraphs[0] if i == 0 else box.add_paragraph()
            p.text = f"{i + 1}. {rec}"
            p.font.size = Pt(18)
    out = run_dir / "deck.pptx"
    prs.save(out)
    return out
