"""Which records of one person can be stitched back together.

A record is one person's row in one source (WeCom contact, Zendesk user, Salesforce Contact or
Lead). Two records are linked when they share a normalized phone or e-mail, or through an explicit
id (a Lead's ``ConvertedContactId``). Because phones and e-mails are unique per person, every
connected component belongs to one person; the components are the members stitching recovers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

SOURCES = ("wecom", "zendesk", "salesforce")


@dataclass
class Registry:
    """Records as they are written: person, source, the phone/e-mail they carry (canonical)."""

    person: list = field(default_factory=list)
    source: list = field(default_factory=list)
    phone: list = field(default_factory=list)      # int64, -1 when the record has none
    email: list = field(default_factory=list)      # str, '' when none
    link: list = field(default_factory=list)       # an explicit link key shared across records, -1 none

    def add(self, source: str, person, phone, email, link=None) -> None:
        n = len(person)
        self.person.append(np.asarray(person, dtype=np.int64))
        self.source.append(np.full(n, SOURCES.index(source), dtype=np.int8))
        self.phone.append(np.asarray(phone, dtype=np.int64))
        self.email.append(np.asarray(email, dtype=object))
        self.link.append(np.full(n, -1, dtype=np.int64) if link is None else np.asarray(link, dtype=np.int64))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({k: np.concatenate(getattr(self, k)) for k in ("person", "source", "phone", "email", "link")})


def components(records: pd.DataFrame) -> np.ndarray:
    """Component label of each record (records linked through phone, e-mail or explicit link)."""
    n = len(records)
    keys = []
    for col, missing in (("phone", -1), ("email", ""), ("link", -1)):
        v = records[col]
        has = (v != missing).to_numpy()
        codes = pd.factorize(v[has])[0]
        keys.append((np.flatnonzero(has), codes))
    offset, rows, cols = n, [], []
    for idx, codes in keys:
        rows.append(idx)
        cols.append(codes + offset)
        offset += int(codes.max()) + 1 if codes.size else 0
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(offset, offset))
    _, labels = connected_components(graph, directed=False)
    return labels[:n]


def summarize(records: pd.DataFrame, n_persons: int) -> dict:
    """Records per source, true and linkable overlaps per pair, expected stitched members."""
    comp = components(records)
    rec = records.assign(comp=comp)
    out = {"persons": int(n_persons),
           "records": {s: int((rec["source"] == i).sum()) for i, s in enumerate(SOURCES)},
           "overlap": {}}
    per = {s: rec[rec["source"] == i][["person", "comp"]].drop_duplicates() for i, s in enumerate(SOURCES)}
    for a, b in combinations(SOURCES, 2):
        true = np.intersect1d(per[a]["person"].unique(), per[b]["person"].unique()).size
        linked = per[a].merge(per[b], on=["person", "comp"])["person"].nunique()
        out["overlap"][f"{a}|{b}"] = {"true": int(true), "linkable": int(linked)}
    out["stitched_members_expected"] = int(np.unique(comp).size)
    return out


def linked_pairs(records: pd.DataFrame, a: str, b: str) -> np.ndarray:
    """Persons whose ``a`` and ``b`` records are in one component."""
    rec = records.assign(comp=components(records))
    pa = rec[rec["source"] == SOURCES.index(a)][["person", "comp"]]
    pb = rec[rec["source"] == SOURCES.index(b)][["person", "comp"]]
    return np.sort(pa.merge(pb, on=["person", "comp"])["person"].unique())
