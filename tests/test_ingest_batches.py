"""The Arrow batch path of event-scale ingestion agrees with the pandas path it replaces, and the
generator's fast twins (bucketed ``choice``, Arrow-rendered JSON) give the same values as the originals."""
from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from helpers.ingest import batches as B
from helpers.ingest.quarantine import Ledger
from helpers.ingest.validation import Field, SeenKeys, reject_duplicates, validate
from helpers.synth import render as R
from helpers.synth.draws import Choice

FIELDS = [Field("id", "str", required=True), Field("time", "ms", required=True),
          Field("event", "str", required=True, isin=("view", "buy")), Field("amount", "float")]
MS = 1_767_225_600_000  # 2026-01-01 UTC


def _batch() -> pa.Table:
    return pa.table({
        "id": ["a", "b", None, "d", "e", "f", "b"],
        "time": pa.array([MS, MS + 1, MS + 2, 5, MS + 4, MS + 5, MS + 1], pa.int64()),  # row 4: 1970
        "event": ["view", "buy", "view", "view", "refund", "view", "buy"],              # row 5: not documented
        "amount": pa.array([1.0, None, 2.0, 3.0, 4.0, 5.0, None]),
        "_row": pa.array(np.arange(1, 8), pa.int64()),
        "_file": ["day1.jsonl"] * 7,
    })


def _reasons(ledger: Ledger) -> list[tuple]:
    q = ledger.quarantine()
    return sorted(zip(q["row"].astype(int), q["column"].astype(str), q["reason"].astype(str)))


def test_batch_validation_quarantines_the_same_rows_with_the_same_reasons_as_pandas():
    fast, slow = Ledger(), Ledger()
    kept = B.validate(_batch(), FIELDS, fast, "src", "events")
    frame = B.to_pandas(_batch(), FIELDS)
    expected = validate(frame, FIELDS, slow, "src", "events")
    assert kept.column("_row").to_pylist() == expected["_row"].tolist() == [1, 2, 6, 7]
    assert _reasons(fast) == _reasons(slow) and len(_reasons(fast)) == 3
    assert {r for r, _, _ in _reasons(fast)} == {3, 4, 5}


def test_a_clean_batch_is_returned_untouched():
    clean = _batch().take(pa.array([0, 1, 5]))
    ledger = Ledger()
    assert B.validate(clean, FIELDS, ledger, "src", "events") is clean
    assert ledger.quarantine().empty


def test_duplicates_within_and_across_batches_match_the_pandas_path():
    con = duckdb.connect()
    first = pa.table({"msgid": ["m1", "m2", "m2", "m3"], "_row": pa.array([1, 2, 3, 4], pa.int64()),
                      "_file": ["d1.jsonl"] * 4})
    second = pa.table({"msgid": ["m3", "m4", "m1"], "_row": pa.array([1, 2, 3], pa.int64()),
                       "_file": ["d2.jsonl"] * 3})
    fields = [Field("msgid", "str", required=True)]
    fast, seen = Ledger(), B.SeenKeys(con, "msgid")
    out1 = B.reject_duplicates(con, first, fields, ["msgid"], "msgid", fast, "s", "messages", seen=seen)
    out2 = B.reject_duplicates(con, second, fields, ["msgid"], "msgid", fast, "s", "messages", seen=seen)
    seen.close()
    assert out1.column("msgid").to_pylist() == ["m1", "m2", "m3"] and out2.column("msgid").to_pylist() == ["m4"]

    slow, keys = Ledger(), SeenKeys()
    for tbl in (first, second):  # the pandas path, batch by batch with its own memory of keys
        reject_duplicates(B.to_pandas(tbl, fields), ["msgid"], "msgid", slow, "s", "messages", seen=keys)
    q_fast, q_slow = fast.quarantine(), slow.quarantine()
    cols = ["file", "row", "reason"]
    assert q_fast[cols].sort_values(cols).values.tolist() == q_slow[cols].sort_values(cols).values.tolist()
    assert len(q_fast) == 3  # m2 again in day 1; m3 and m1 again in day 2
    # within a file the reason gives the first row; across files, the file too
    assert sorted(q_fast["reason"]) == ["duplicate msgid first seen at row 1 of d1.jsonl",
                                        "duplicate msgid first seen at row 2",
                                        "duplicate msgid first seen at row 4 of d1.jsonl"]


def test_batch_hash_is_equal_for_equal_keys_only():
    tbl = pa.table({"a": ["x", "y", "x", "x"], "b": pa.array([1, 1, 1, None], pa.int64())})
    h = B.batch_hash(tbl, ["a", "b"])
    assert h[0] == h[2] and len({h[0], h[1], h[3]}) == 3


def test_lookup_maps_values_to_targets_and_misses_to_null():
    out = B.lookup(pa.chunked_array([["u2", "u9", "u1", "u2"]]), pa.array(["u1", "u2"]), pa.array(["m1", "m2"]))
    assert out.to_pylist() == ["m2", None, "m1", "m2"]


@pytest.mark.parametrize("p", [[0.5, 0.5], [0.1, 0.0, 0.6, 0.3], list(np.random.default_rng(1).dirichlet(np.ones(500)))])
def test_bucketed_choice_draws_exactly_what_numpy_choice_draws(p):
    ours = Choice(p).draw(np.random.default_rng(42), 20_000)
    numpy = np.random.default_rng(42).choice(len(p), 20_000, p=np.asarray(p) / np.sum(p))
    assert np.array_equal(ours, numpy)


def test_rendered_records_parse_back_to_the_values():
    names = np.array(['引号"和\\反斜杠', "普通", None], dtype=object)
    where = np.array([True, True, False])
    lines = R.concat('{"id":', R.text(np.array([1, 2, 3])), R.pick(R.keyed("name", names), np.arange(3), where),
                     ',"n":', R.optional(np.array([10, 20, 30]), np.array([True, False, True])), "}")
    parsed = [json.loads(s) for s in lines.to_pylist()]
    assert parsed == [{"id": 1, "name": '引号"和\\反斜杠', "n": 10}, {"id": 2, "name": "普通", "n": None},
                      {"id": 3, "n": 30}]
    assert R.grouped(pa.array(["1", "2", "3"]), np.array([2, 1])).to_pylist() == ["1,2", "3"]
    assert pd.isna(R.distinct(np.array(["x", "y"], dtype=object), np.array([True, False]))[1].as_py())
