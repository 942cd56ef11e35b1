"""Committed notebooks: clean, parameterized the same way, listed in the manifest, narrative-sized cells."""
import json
import re
from pathlib import Path

import nbformat
import pytest

from helpers import runner

NB_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
PARAM_LINE = re.compile(r"^(\w+): (str|int|float|bool) = (.+?)  # \S.*$")
REQUIRED = ["run_id", "data_dir", "warehouse", "backend", "scale", "seed", "start", "pre_days",
            "design_days", "test_days", "conversion_window_days", "lang", "output_dir"]


def test_manifest_lists_every_notebook_in_order():
    listed = [c["notebook"] for c in runner.manifest()]
    assert sorted(listed) == [p.name for p in NOTEBOOKS], "a notebook exists that the manifest omits (or vice versa)"
    assert listed == sorted(listed)
    assert [c["id"] for c in runner.manifest()] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name} has outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_then_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    names = []
    for line in code[0].source.splitlines():
        m = PARAM_LINE.match(line)
        assert m, f"{path.name}: parameter line not 'name: type = default  # help': {line!r}"
        names.append(m.group(1))
    assert names == REQUIRED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_are_narrative_sized_and_carry_slide_metadata(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        assert cell.metadata.get("slideshow", {}).get("slide_type"), f"{path.name} cell {i}: no slide metadata"
        if cell.cell_type != "code":
            continue
        assert not re.search(r"^\s*(def|class) ", cell.source, re.M), f"{path.name} cell {i}: logic belongs in helpers"
        assert len(cell.source.splitlines()) <= 14, f"{path.name} cell {i}: {len(cell.source.splitlines())} lines"
        assert "import " not in cell.source or i <= 3, f"{path.name} cell {i}: imports belong in the set-up cell"
