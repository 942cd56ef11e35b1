"""Exports of an executed run: a code-free HTML page per chapter and an ``index.html``.

Reads only ``outputs/<run_id>/``; never recomputes a figure.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

HIDDEN_TAGS = {"parameters", "injected-parameters"}


def _strip_hidden(nb):
    nb.cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", []))]
    return nb


def export_html(notebook: str | Path, out_path: str | Path | None = None) -> Path:
    """Write a code-free HTML page of an executed notebook (no inputs, no prompts, no parameter
    cells; images stay embedded) and return its path."""
    notebook = Path(notebook)
    out_path = Path(out_path) if out_path else notebook.with_suffix(".html")
    nb = _strip_hidden(nbformat.read(notebook, as_version=4))
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    out_path.write_text(body, encoding="utf-8")
    return out_path


def write_index(run_dir: str | Path, chapters: list[dict], title: str = "Community operations study") -> Path:
    """``index.html`` linking every artefact of the run: chapter pages, notebooks, metrics, run record."""
    run_dir = Path(run_dir)
    rows = []
    for ch in chapters:
        stem = Path(ch["notebook"]).stem
        links = [f'<a href="{html.escape(stem)}.html">report</a>'] if (run_dir / f"{stem}.html").exists() else []
        if (run_dir / ch["notebook"]).exists():
            links.append(f'<a href="{html.escape(ch["notebook"])}">notebook</a>')
        status = html.escape(ch.get("status", ""))
        rows.append(f"<tr><td>{html.escape(ch['id'])}</td><td>{html.escape(ch['title'])}</td>"
                    f"<td>{' · '.join(links)}</td><td>{status}</td></tr>")
    extras = [f'<a href="{n}">{n}</a>' for n in ("metrics.json", "run.json", "preregistration.json")
              if (run_dir / n).exists()]
    meta = {}
    if (run_dir / "run.json").exists():
        meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8")).get("parameters", {})
    params = ", ".join(f"{html.escape(str(k))}={html.escape(str(v))}" for k, v in meta.items()
                       if k in ("run_id", "scale", "seed", "start", "lang"))
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:860px;margin:2rem auto;color:#222}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}}</style>
</head><body><h1>{html.escape(title)}</h1><p>{params}</p>
<table><tr><th>#</th><th>Chapter</th><th>Artefacts</th><th>Status</th></tr>{''.join(rows)}</table>
<p>{' · '.join(extras)}</p></body></html>"""
    out = run_dir / "index.html"
    out.write_text(page, encoding="utf-8")
    return out
