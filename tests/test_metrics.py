import json

import numpy as np
import pytest

from helpers import metrics


def test_record_merges_and_rounds(tmp_path):
    metrics.record(tmp_path, "01", "core_share", np.float64(0.18123456789), unit="share", ci=(0.17, 0.19))
    metrics.record(tmp_path, "01", "members", np.int64(4500), unit="members")
    metrics.record(tmp_path, "02", "nan_value", float("nan"))
    data = metrics.read_metrics(tmp_path)
    assert data["01"]["core_share"] == {"value": 0.181235, "unit": "share", "ci": [0.17, 0.19]}
    assert data["01"]["members"]["value"] == 4500
    assert data["02"]["nan_value"]["value"] is None
    assert metrics.value(tmp_path, "01", "members") == 4500


def test_same_figures_give_identical_bytes(tmp_path):
    for out in (tmp_path / "a", tmp_path / "b"):
        for name in (["x", "y"] if out.name == "a" else ["y", "x"]):
            metrics.record(out, "01", name, 0.5)
    assert (tmp_path / "a" / "metrics.json").read_bytes() == (tmp_path / "b" / "metrics.json").read_bytes()
    json.loads((tmp_path / "a" / "metrics.json").read_text())


def test_missing_figure_names_what_exists(tmp_path):
    metrics.record(tmp_path, "01", "core_share", 0.2)
    with pytest.raises(KeyError, match=r"No figure 03.effect .*'01': \['core_share'\].*Run chapter 03"):
        metrics.value(tmp_path, "03", "effect")
    with pytest.raises(ValueError, match="required"):
        metrics.record(tmp_path, "", "x", 1)


def test_open_study_sets_a_readable_table_display(sample, tmp_path):
    import pandas as pd
    from helpers.study import open_study
    with pd.option_context("display.precision", 6, "display.max_colwidth", 50):
        study = open_study("01", data_dir=str(sample.data), output_dir=str(tmp_path / "out"))
        try:
            assert pd.get_option("display.precision") == 3 and pd.get_option("display.max_colwidth") is None
            shown = pd.DataFrame({"minutes": [5347.616667], "cause": ["x" * 80]}).to_html()
            assert "5347.617" in shown and "x" * 80 in shown and "5347.616667" not in shown
        finally:
            study.con.disconnect()
