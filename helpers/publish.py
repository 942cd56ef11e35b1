"""Exports of an executed run: a code-free HTML page per chapter, offline reveal.js slides and an
``index.html``.

Reads only ``outputs/<run_id>/``; never recomputes a figure. Nothing loads from the network: pages and
the report drop nbconvert's CDN scripts (require.js, MathJax, Mermaid, widgets; templates/offline_lab),
and slides load reveal.js, require.js and jQuery from ``assets/`` beside them (copied from
``node_modules/``, installed by ``make setup`` from the npm registry; templates/offline_reveal).
tests/test_browser.py opens them in headless Chromium with the network cut.
"""
from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter, SlidesExporter

from helpers.project import ROOT

HIDDEN_TAGS = {"parameters", "injected-parameters"}
TEMPLATES = Path(__file__).resolve().parent / "templates"
NODE_MODULES = ROOT / "node_modules"
ASSETS = {  # what the slides need, from node_modules -> assets/
    "reveal.js/dist": "reveal.js/dist",
    "reveal.js/plugin": "reveal.js/plugin",
    "requirejs/require.js": "require.js",
    "jquery/dist/jquery.min.js": "jquery.min.js",
}


def _strip_hidden(nb):
    nb.cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", []))]
    return nb


def _language(nb) -> str:
    """The page's ``lang``: ``zh`` for a chapter run with papermill parameter ``lang="zh"`` (browsers
    pick Simplified Chinese glyphs for it), else ``en``."""
    params = nb.get("metadata", {}).get("papermill", {}).get("parameters", {})
    return "zh" if params.get("lang") == "zh" else "en"  # nbconvert takes ISO 639-1 codes only


def _page_exporter(nb) -> HTMLExporter:
    """nbconvert's lab page, code-free and offline, in the chapter's language."""
    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        extra_template_paths=[str(TEMPLATES)], template_file="offline_lab.html.j2",
                        language_code=_language(nb))


def export_html(notebook: str | Path, out_path: str | Path | None = None) -> Path:
    """Write a code-free HTML page of an executed notebook (no inputs, no prompts, no parameter
    cells; images stay embedded) and return its path."""
    notebook = Path(notebook)
    out_path = Path(out_path) if out_path else notebook.with_suffix(".html")
    nb = _strip_hidden(nbformat.read(notebook, as_version=4))
    body, _ = _page_exporter(nb).from_notebook_node(nb)
    out_path.write_text(body, encoding="utf-8")
    return out_path


def _toc(body: str) -> str:
    """A nested list of links to the page's level-1 and level-2 headings (ids set by nbconvert)."""
    items = []
    for level, anchor, inner in re.findall(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', body, flags=re.S):
        text = html.escape(html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip())
        items.append(f'<li class="toc-h{level}"><a href="#{anchor}">{text}</a></li>')
    style = ("<style>#toc{max-width:1000px;margin:1rem auto;padding:1rem 2rem;border:1px solid #ddd;"
             "font-family:system-ui,'Noto Sans CJK SC',sans-serif}#toc .toc-h2{margin-left:1.5rem;font-size:.92em}"
             "#toc ul{list-style:none;padding-left:0}</style>")
    return f'{style}<nav id="toc"><h2>Contents</h2><ul>{"".join(items)}</ul></nav>'


def export_report(notebooks: list[str | Path], out_path: str | Path) -> Path:
    """One self-contained, code-free ``report.html`` of the executed chapters, in order, with a
    table of contents (images are embedded as data URIs, so the file stands alone)."""
    merged = None
    for path in notebooks:
        nb = _strip_hidden(nbformat.read(path, as_version=4))
        if merged is None:
            merged = nb
        else:
            merged.cells.extend(nb.cells)
    if merged is None:
        raise ValueError("No executed chapter to put in the report.")
    body, _ = _page_exporter(merged).from_notebook_node(merged)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + _toc(body), body, count=1)
    out_path = Path(out_path)
    out_path.write_text(body, encoding="utf-8")
    return out_path


def copy_slide_assets(run_dir: str | Path) -> Path:
    """Copy reveal.js, require.js and jQuery into ``run_dir/assets`` and return that folder."""
    dest = Path(run_dir) / "assets"
    for src, dst in ASSETS.items():
        source, target = NODE_MODULES / src, dest / dst
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: run `make setup` (npm install of package.json) first.")
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    return dest


def export_slides(notebook: str | Path, out_path: str | Path | None = None) -> Path:
    """Write reveal.js slides of an executed notebook from its cells' slide metadata, code-free and
    offline (assets from ``assets/`` beside the file; see :func:`copy_slide_assets`)."""
    notebook = Path(notebook)
    out_path = Path(out_path) if out_path else notebook.with_suffix(".slides.html")
    nb = _strip_hidden(nbformat.read(notebook, as_version=4))
    exporter = SlidesExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        extra_template_paths=[str(TEMPLATES)], template_file="offline_reveal.html.j2",
        reveal_url_prefix="assets/reveal.js", require_js_url="assets/require.js",
        jquery_url="assets/jquery.min.js", reveal_theme="white", reveal_transition="none",
        language_code=_language(nb),
    )
    body, _ = exporter.from_notebook_node(nb)
    out_path.write_text(body, encoding="utf-8")
    return out_path


def write_index(run_dir: str | Path, chapters: list[dict], title: str = "Community operations study") -> Path:
    """``index.html`` linking every artefact of the run: chapter pages, notebooks, the report and deck,
    metrics, run record, each pre-registered plan (``preregistration/<experiment>.json``) and ``figures/``."""
    run_dir = Path(run_dir)
    rows = []
    for ch in chapters:
        stem = Path(ch["notebook"]).stem
        links = [f'<a href="{html.escape(stem)}{suffix}">{kind}</a>' for suffix, kind in
                 ((".html", "page"), (".slides.html", "slides")) if (run_dir / f"{stem}{suffix}").exists()]
        if (run_dir / ch["notebook"]).exists():
            links.append(f'<a href="{html.escape(ch["notebook"])}">notebook</a>')
        status = html.escape(ch.get("status", ""))
        rows.append(f"<tr><td>{html.escape(ch['id'])}</td><td>{html.escape(ch['title'])}</td>"
                    f"<td>{' · '.join(links)}</td><td>{status}</td></tr>")
    extras = [f'<a href="{n}">{n}</a>' for n in ("report.html", "deck.pptx", "metrics.json", "run.json")
              if (run_dir / n).exists()]
    plans = sorted((run_dir / "preregistration").glob("*.json"))  # one analysis plan per experiment
    if plans:
        extras.append("pre-registered plans: " + ", ".join(
            f'<a href="preregistration/{html.escape(p.name)}">{html.escape(p.stem)}</a>' for p in plans))
    if (run_dir / "figures").is_dir():
        extras.append('<a href="figures/">figures/</a>')
    meta = {}
    if (run_dir / "run.json").exists():
        meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8")).get("parameters", {})
    params = ", ".join(f"{html.escape(str(k))}={html.escape(str(v))}" for k, v in meta.items()
                       if k in ("run_id", "scale", "seed", "start", "lang"))
    page = f"""<!doctype html>
<html lang="{'zh' if meta.get('lang') == 'zh' else 'en'}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:860px;margin:2rem auto;color:#222}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}}</style>
</head><body><h1>{html.escape(title)}</h1><p>{params}</p>
<table><tr><th>#</th><th>Chapter</th><th>Artefacts</th><th>Status</th></tr>{''.join(rows)}</table>
<p>{' · '.join(extras)}</p></body></html>"""
    out = run_dir / "index.html"
    out.write_text(page, encoding="utf-8")
    return out
