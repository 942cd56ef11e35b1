"""Realistic dirt in the exports, added after the clean sample is written, so the quarantine has work.

Every defect is an extra row (never a change to a clean one), so the planted figures are untouched and
ingestion must quarantine exactly these rows, with these reasons:

- tracking SDK retries: about 0.1% of the lines of three daily files sent twice (duplicate events);
- anonymous visitors: two events whose ``distinct_id`` is no member's unionid (before login);
- an export cut short: the last daily file ends in half a line (malformed JSON);
- the message archive pulled twice over a sequence boundary: one record repeated (duplicate msgid);
- the commerce system's manual corrections: two order rows with a local time and no UTC offset;
- Zendesk's incremental export repeating a ticket across pages (duplicate ticket id).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as fh:
        fh.write(data)


def plant(raw: Path, rng: np.random.Generator) -> dict[str, int]:
    """Append the defects to the exports under ``raw`` and return how many of each were planted."""
    out: dict[str, int] = {}
    files = sorted((raw / "tracking").glob("events_*.jsonl"))
    dup = 0
    for i in sorted(rng.choice(len(files) - 1, size=min(3, len(files) - 1), replace=False)):
        lines = files[i].read_bytes().splitlines(keepends=True)
        k = max(1, len(lines) // 1000)
        _append(files[i], b"".join(lines[j] for j in np.sort(rng.choice(len(lines), size=k, replace=False))))
        dup += k
    out["tracking_duplicate_events"] = dup

    first = files[0].read_bytes().splitlines()
    anon = []
    for j in rng.choice(len(first), size=2, replace=False):
        rec = json.loads(first[j])
        rec["distinct_id"] = "anon-" + "".join(rng.choice(list("0123456789abcdef"), size=16))
        anon.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
    _append(files[0], b"".join(anon))
    out["tracking_anonymous_events"] = len(anon)

    last = files[-1].read_bytes().splitlines()
    cut = last[int(rng.integers(len(last)))]
    _append(files[-1], cut[: len(cut) // 2])
    out["tracking_truncated_lines"] = 1

    days = sorted((raw / "wecom" / "msgaudit").glob("messages_*.jsonl"))
    day = days[int(rng.integers(len(days)))]
    lines = day.read_bytes().splitlines(keepends=True)
    _append(day, lines[int(rng.integers(len(lines)))])
    out["archive_duplicate_records"] = 1

    orders = raw / "salesforce" / "orders.csv"
    rows = list(csv.reader(io.StringIO(orders.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for j in rng.choice(len(body), size=2, replace=False):
        row = list(body[j])
        row[header.index("order_id")] += "-M"
        row[header.index("order_time")] = row[header.index("order_time")][:19]  # local time, offset dropped
        writer.writerow(row)
    text = orders.read_text(encoding="utf-8")
    orders.write_text(text + ("" if text.endswith("\n") else "\n") + buf.getvalue(), encoding="utf-8")
    out["orders_naive_timestamps"] = 2

    pages = sorted((raw / "zendesk").glob("tickets_p*.json"))
    doc = json.loads(pages[-1].read_text(encoding="utf-8"))
    doc["tickets"].append(json.loads(pages[0].read_text(encoding="utf-8"))["tickets"][0])
    doc["count"] = len(doc["tickets"])
    pages[-1].write_text(json.dumps(doc, ensure_ascii=False, indent=None), encoding="utf-8")
    out["tickets_duplicate_ids"] = 1
    return out
