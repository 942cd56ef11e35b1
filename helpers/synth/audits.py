"""Ticket audits (the ``ticket_events`` export) and the vendor metrics computed from them.

Audit kinds in lifecycle order: create (new), assign (open), private note, first reply (pending),
requester follow-up (open), hold, unhold (open), solve, reopen (open), second solve, close. Metrics
follow Zendesk's rules: reply time = created -> first public agent comment; first / full
resolution = created -> first / last solve; wait times from the status intervals; minutes rounded,
business minutes on the schedule of :mod:`business_hours`. Stale tickets' metrics ignore every
audit after the first solve (the metric was not updated after the reopen).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synth import business_hours as BH

KINDS = ("create", "a", "note", "r", "f", "h1", "h2", "s1", "o", "s2", "close")
STATUS_AFTER = (("new", "open", None, "pending", "open", "hold", "open", "solved", "open", "solved", "closed"))
BY_REQUESTER = {"create", "f", "o"}
COMMENT = {"create": "description", "note": "note", "r": "first_reply", "f": "follow_up", "s1": "solve",
           "o": "reopen", "s2": "solve"}
K = {k: i for i, k in enumerate(KINDS)}


def build(tickets: dict) -> pd.DataFrame:
    """One row per audit written (events before the export time), sorted by ticket then time."""
    off = tickets["offsets"]
    n = tickets["created_ts"].size
    frames = []
    for kind, key in enumerate(KINDS):  # loop over audit kinds
        o = np.zeros(n, dtype=np.int64) if key == "create" else off[key]
        idx = np.flatnonzero((o >= 0) & (o < tickets["export_min"]))
        frames.append(pd.DataFrame({"t": idx, "kind": np.int8(kind), "off": o[idx]}))
    a = pd.concat(frames, ignore_index=True).sort_values(["t", "off", "kind"], kind="stable", ignore_index=True)
    a["ts"] = tickets["created_ts"][a["t"].to_numpy()] + a["off"].to_numpy() * 60
    a["status"] = np.array(STATUS_AFTER, dtype=object)[a["kind"].to_numpy()]
    st = a[a["status"].notna()]
    prev = st["status"].shift(1).where(st["t"].eq(st["t"].shift(1)))
    a["prev"] = prev.reindex(a.index)
    return a


def metrics(tickets: dict, a: pd.DataFrame) -> pd.DataFrame:
    """Vendor metrics per ticket (float minutes, NaN where the vendor gives null)."""
    n = tickets["created_ts"].size
    created = tickets["created_ts"]
    s1 = pd.Series(np.where(a["kind"] == K["s1"], a["off"], np.nan)).groupby(a["t"]).transform("max").to_numpy()
    late = tickets["stale"][a["t"].to_numpy()] & (a["off"].to_numpy() > np.nan_to_num(s1, nan=np.inf))
    a = a[~late]
    t_index = pd.RangeIndex(n)

    def ts_of(kinds, fn):
        sel = a[a["kind"].isin([K[k] for k in kinds])]
        return sel.groupby("t")["ts"].agg(fn).reindex(t_index).to_numpy(dtype=float)

    out = pd.DataFrame(index=t_index)
    out["assigned_ts"] = ts_of(["a"], "min")
    out["reply_ts"] = ts_of(["r", "s1", "s2"], "min")  # the first public agent comment (a one-touch solve)
    out["first_solve_ts"] = ts_of(["s1"], "min")
    out["solved_ts"] = ts_of(["s1", "s2"], "max")
    out["updated_ts"] = a.groupby("t")["ts"].max().reindex(t_index).to_numpy(dtype=float)
    out["reopens"] = a[a["kind"] == K["o"]].groupby("t").size().reindex(t_index, fill_value=0).to_numpy()
    out["replies"] = a[a["kind"].isin([K["r"], K["s1"], K["s2"]])].groupby("t").size().reindex(t_index, fill_value=0).to_numpy()
    for name, col in (("reply", "reply_ts"), ("first_resolution", "first_solve_ts"), ("full_resolution", "solved_ts")):
        end = out[col].to_numpy()
        ok = ~np.isnan(end)
        cal, biz = np.full(n, np.nan), np.full(n, np.nan)
        cal[ok] = BH.calendar_minutes(created[ok], end[ok].astype(np.int64))
        biz[ok] = BH.business_minutes(created[ok], end[ok].astype(np.int64))
        out[f"{name}_cal"], out[f"{name}_biz"] = cal, biz
    st = a[a["status"].notna() & (a["status"] != "closed")]
    t = st["t"].to_numpy()
    start = st["ts"].to_numpy()
    nxt = st.groupby("t")["ts"].shift(-1).to_numpy(dtype=float)
    export_ts = created + tickets["export_min"] * 60
    end = np.where(np.isnan(nxt), export_ts[t], nxt).astype(np.int64)
    status = st["status"].to_numpy()
    cal_s = end - start
    biz_s = BH.cumulative_seconds(end) - BH.cumulative_seconds(start)
    for name, statuses in (("requester_wait", ("new", "open", "hold")), ("agent_wait", ("pending",)), ("on_hold", ("hold",))):
        m = np.isin(status, statuses)
        out[f"{name}_cal"] = np.round(np.bincount(t[m], weights=cal_s[m], minlength=n) / 60)
        out[f"{name}_biz"] = np.round(np.bincount(t[m], weights=biz_s[m], minlength=n) / 60)
    return out


def children(a: pd.DataFrame, bodies: dict[str, np.ndarray], author: dict[str, np.ndarray]) -> pd.DataFrame:
    """Child events of each audit: Create, status Change, Comment (public unless a note).

    ``bodies[name]`` / ``author["requester"|"agent"]`` are per-ticket arrays."""
    kinds = np.array(KINDS, dtype=object)[a["kind"].to_numpy()]
    t = a["t"].to_numpy()
    audit = np.arange(len(a))
    parts = []
    create = kinds == "create"
    parts.append(pd.DataFrame({"audit": audit[create], "pos": 0, "ctype": 0}))
    has_status = a["status"].notna().to_numpy()
    parts.append(pd.DataFrame({"audit": audit[has_status], "pos": 1, "ctype": 1,
                               "value": a["status"].to_numpy()[has_status], "prev": a["prev"].to_numpy()[has_status]}))
    for key, body in COMMENT.items():  # loop over the comment-bearing audit kinds
        sel = kinds == key
        who = author["requester"] if key in BY_REQUESTER else author["agent"]
        parts.append(pd.DataFrame({"audit": audit[sel], "pos": 2 if key == "create" else 0, "ctype": 2,
                                   "public": key != "note", "author": who[t[sel]], "body": bodies[body][t[sel]]}))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["audit", "pos"], kind="stable", ignore_index=True)
