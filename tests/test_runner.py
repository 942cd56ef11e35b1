"""The runner: manifest selection, input digests, sample handling, and a failing chapter's error."""
import json

import nbformat
import pytest

from helpers import project, publish, runner


def test_select_keeps_manifest_order_and_rejects_unknown_ids():
    chapters = runner.manifest()
    assert [c["id"] for c in runner.select(chapters, "03,01")] == ["01", "03"]
    assert runner.select(chapters, None) == chapters
    with pytest.raises(ValueError, match=r"Unknown chapter id\(s\) \['7'\].*Available"):
        runner.select(chapters, "01,7")


def test_file_digests_are_stable_and_change_with_content(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.json").write_text("{}")
    (tmp_path / "b.csv").write_text("id\n1\n")
    d1 = runner.file_digests(tmp_path)
    assert list(d1) == ["a/x.json", "b.csv"]
    assert d1 == runner.file_digests(tmp_path)
    (tmp_path / "b.csv").write_text("id\n2\n")
    assert runner.file_digests(tmp_path)["b.csv"] != d1["b.csv"]


def test_own_exports_are_never_replaced_by_the_sample(tmp_path):
    paths = project.data_paths(tmp_path)
    (paths["raw"] / "salesforce").mkdir(parents=True)
    (paths["raw"] / "salesforce" / "Contact.csv").write_text('"Id"\n"003A"\n')
    assert runner.ensure_sample(paths, 0.02, 7, "2026-06-01", progress=False) == "own exports"
    assert (paths["raw"] / "salesforce" / "Contact.csv").exists()


def test_failing_chapter_names_notebook_and_cell_and_keeps_partial_copy(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("raise ValueError('boom')")]
    (tmp_path / "nbs").mkdir()
    nbformat.write(nb, tmp_path / "nbs" / "09_broken.ipynb")
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", tmp_path / "nbs")
    with pytest.raises(runner.RunError, match=r"Chapter 09 \(09_broken.ipynb\) failed in cell 1.*ValueError: boom"):
        runner._execute({"id": "09", "notebook": "09_broken.ipynb"}, tmp_path, {})
    kept = nbformat.read(tmp_path / "09_broken.ipynb", as_version=4)
    code = [c for c in kept.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2]  # the partial run is kept, up to the failing cell


def test_index_links_existing_artefacts(tmp_path):
    (tmp_path / "01_introduction.html").write_text("<html></html>")
    (tmp_path / "metrics.json").write_text(json.dumps({}))
    page = publish.write_index(tmp_path, [{"id": "01", "notebook": "01_introduction.ipynb", "title": "Intro", "status": "ok"},
                                          {"id": "02", "notebook": "02_deep_analysis.ipynb", "title": "Deep", "status": "not run"}])
    text = page.read_text()
    assert 'href="01_introduction.html"' in text and 'href="02_deep_analysis.html"' not in text
    assert 'href="metrics.json"' in text and "not run" in text
    (tmp_path / "preregistration").mkdir()
    (tmp_path / "preregistration" / "nav_fix.json").write_text("{}")
    (tmp_path / "figures").mkdir()
    text = publish.write_index(tmp_path, []).read_text()
    assert 'href="preregistration/nav_fix.json"' in text and 'href="figures/"' in text


def test_measured_counts_the_kernel_child_and_wall_time():
    # a child process holding ~300 MB for a second stands in for a chapter's kernel
    import subprocess
    import sys
    code = "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.0)"
    steps = []
    with runner.measured(steps, "child", interval=0.05):
        subprocess.run([sys.executable, "-c", code], check=True)
    with runner.measured(steps, "idle", interval=0.05):
        pass
    child, idle = steps
    assert child["step"] == "child" and child["seconds"] >= 1.0
    assert child["peak_mb"] >= idle["peak_mb"] + 250, steps


def test_models_are_trained_in_the_background_only_when_a_chapter_needs_them(monkeypatch):
    import sys
    needing = [c for c in runner.manifest() if "sentiment_model" in c.get("needs", ())]
    assert [c["id"] for c in needing] == ["02"]
    assert runner.MODELS_COMMAND[1:] == ["-m", "helpers", "models"]
    monkeypatch.setattr(runner, "MODELS_COMMAND", [sys.executable, "-c", "print('trained')"])
    assert runner.start_models(runner.select(runner.manifest(), "01,03")) is None
    job = runner.start_models(runner.select(runner.manifest(), "02"))
    runner.wait_models(job)
    assert job[0].returncode == 0
    job[1].seek(0)
    assert job[1].read() == "trained\n"
    runner.stop_models(job)


def test_a_failed_background_training_is_reported_and_a_running_one_stopped(monkeypatch, capsys):
    import sys
    monkeypatch.setattr(runner, "MODELS_COMMAND", [sys.executable, "-c", "import sys; print('no corpus'); sys.exit(3)"])
    job = runner.start_models(runner.manifest())
    runner.wait_models(job)
    out = capsys.readouterr().out
    assert "failed (exit 3)" in out and "no corpus" in out and "trains it itself" in out
    runner.stop_models(job)
    assert job[1].closed
    monkeypatch.setattr(runner, "MODELS_COMMAND", [sys.executable, "-c", "import time; time.sleep(60)"])
    job = runner.start_models(runner.manifest())
    runner.stop_models(job)
    assert job[0].returncode is not None and job[0].returncode != 0  # terminated, not left running


def test_models_command_trains_with_the_given_seed(monkeypatch):
    from helpers import __main__ as cli
    from helpers import sentiment
    calls = []
    monkeypatch.setattr(sentiment, "compare_models", lambda **k: calls.append(k))
    assert cli.main(["models", "--seed", "3"]) == 0 and cli.main(["models"]) == 0
    assert calls == [{"seed": 3}, {}]
