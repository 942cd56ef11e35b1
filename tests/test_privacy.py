import pandas as pd

from helpers import privacy


def test_scan_outputs_matches_whole_latin_tokens_and_chinese_substrings(tmp_path):
    (tmp_path / "a.html").write_text("chat wrZoeX1 and email zoe.li@example.com, 王小明来了", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"phone": "13812345678"}', encoding="utf-8")
    (tmp_path / "c.png").write_bytes(b"13812345678")  # images are not text outputs
    needles = {"Zoe", "zoe.li@example.com", "王小明", "13812345678", "李"}
    scan = privacy.scan_outputs(tmp_path, needles).set_index("file")
    assert scan.loc["a.html", "hits"] == 2  # the email and the Chinese name; 'Zoe' inside an id is no hit
    assert scan.loc["b.json", "hits"] == 1 and "c.png" not in scan.index


def test_raw_identifiers_on_the_sample(sample):
    vals = privacy.raw_identifiers(sample.raw)
    contacts = pd.read_csv(sample.raw / "salesforce" / "Contact.csv", dtype=str)
    assert set(contacts["Id"]) <= vals
    assert any(v.startswith(("wm", "wo")) for v in vals) and any("@" in v for v in vals)


def test_place_names_come_from_the_gazetteer(tmp_path):
    places = privacy.place_names()
    assert {"金华", "浙江", "北京"} <= places and not any(p != p.strip() or not p for p in places)
    (tmp_path / "cities.csv").write_text("city,province,city_tier,region\n常德,湖南,3,华中\n", encoding="utf-8")
    assert privacy.place_names(tmp_path / "cities.csv") == {"常德", "湖南"}


def test_find_identifiers_formats_and_images():
    needles = {"+86 138 1234 5678", "wmAbC123", "王小明"}
    text = 'ok <img src="data:image/png;base64,wmAbC123AAAA"> id wmAbC123. call +86 138 1234 5678 见王小明'
    assert sorted(privacy.find_identifiers(text, needles)) == sorted(["wmAbC123", "+86 138 1234 5678", "王小明"])
    assert privacy.find_identifiers("xwmAbC123y", needles) == []


def test_spaced_values_are_found_inside_longer_runs_of_tokens():
    needles = {"138 1234 5678", "+86 139 0000 1111"}
    text = "call 138 1234 5678 now; or +86  139 0000 1111. not 1138 1234 56789"
    assert sorted(privacy.find_identifiers(text, needles)) == ["+86 139 0000 1111", "138 1234 5678"]
    # after a long token that no space follows (as in a notebook's base64 image), runs are still found
    blob = "iVBORw0KGgo" + "A1b2+C3d4" * 5000
    assert privacy.find_identifiers(f'"image/png": "{blob}\\n", "x": "call 138 1234 5678"', needles) == ["138 1234 5678"]
    assert privacy.find_identifiers(blob + " 1234 5678", needles) == []  # a run starts at its first token
