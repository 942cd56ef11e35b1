"""Identity resolution: normalize contact keys, pseudonymize, stitch records into members.

A *record* is one person-record in one source: a WeCom external contact (``external_userid``), a
Zendesk end-user (``requester_id``), a Salesforce Contact (``contact_id``) or Lead (``lead_id``).
A record carries *keys*: its own id, and ``unionid``, ``phone``, ``email`` and (for a converted
Lead) the ``contact_id`` it was converted to. Two records belong to the same member when they are
connected through shared keys, directly or through other records (connected components of the
record-key graph). Keys are compared after normalization and pseudonymization, so the graph never
holds raw values in the warehouse.

``member_id`` = ``"m_"`` + the first 12 hex digits of SHA-256 of the smallest pseudonymized key of
the component: stable across runs for the same salt and the same keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from helpers.ingest.pseudonymize import member_id_of, pseudonymize

LINK_COLUMNS = ("record_type", "record", "source", "key_type", "value", "first_seen")
SOURCE_ORDER = ("wecom", "salesforce", "zendesk")  # tie-break for the channel where first seen


def normalize_phone(values) -> pd.Series:
    """Mainland mobile numbers as 11 digits; anything else null.

    Spaces, dashes, dots and brackets are removed, then a leading ``+86``, ``0086`` or ``86`` (when
    13 digits remain); the result must match ``1[3-9]`` followed by 9 digits.
    """
    s = pd.Series(values, dtype="object").astype("string").str.strip()
    s = s.str.replace(r"[\s\-().]", "", regex=True).str.replace(r"^(?:\+86|0086|\+0086)", "", regex=True)
    s = s.where(~(s.str.len().eq(13) & s.str.startswith("86")), s.str.slice(2))
    return s.where(s.str.fullmatch(r"1[3-9]\d{9}").fillna(False).astype(bool)).astype("string")


def normalize_email(values) -> pd.Series:
    """E-mail addresses stripped and lower-cased; values without an ``@`` become null."""
    s = pd.Series(values, dtype="object").astype("string").str.strip().str.lower()
    s = s.str.replace(r"\s+", "", regex=True)
    return s.where(s.str.fullmatch(r"[^@]+@[^@]+\.[^@]+").fillna(False).astype(bool)).astype("string")


def links_of(record_type: str, source: str, records: pd.DataFrame, keys: dict[str, str],
             first_seen: str | None = None) -> pd.DataFrame:
    """Link rows of one kind of record.

    ``records[record_type]`` is the record id; ``keys`` maps a key type to the column holding its
    (already normalized) values; ``first_seen`` names a timestamp column. Returns one row for the
    record's own id (carrying ``first_seen``) and one per non-null key.
    """
    ids = records[record_type].astype("string")
    none = pd.Series(pd.NaT, index=records.index, dtype="datetime64[ns, UTC]")
    seen = pd.to_datetime(records[first_seen], utc=True).astype("datetime64[ns, UTC]") if first_seen else none
    parts = [pd.DataFrame({"record_type": record_type, "record": ids, "source": source, "key_type": record_type,
                           "value": ids, "first_seen": seen})]
    for key_type, col in keys.items():
        parts.append(pd.DataFrame({"record_type": record_type, "record": ids, "source": source,
                                   "key_type": key_type, "value": records[col].astype("string"),
                                   "first_seen": none}))
    out = pd.concat(parts, ignore_index=True)
    return out[out["value"].notna() & out["record"].notna()].reset_index(drop=True)


@dataclass
class Stitched:
    """Result of :func:`stitch`.

    ``links``: the link rows with ``source_key`` (pseudonymized value) and ``member_id``.
    :meth:`member_of` maps raw ids of one key type to member ids (null when unknown).
    """

    links: pd.DataFrame
    _maps: dict = field(default_factory=dict, repr=False)

    def member_of(self, key_type: str, values) -> pd.Series:
        """Member id of each raw identifier of ``key_type`` (null when no record has it)."""
        if key_type not in self._maps:
            part = self.links[self.links["key_type"] == key_type]
            self._maps[key_type] = dict(zip(part["value"].astype(str), part["member_id"]))
        s = pd.Series(values).astype("string")
        return s.map(self._maps[key_type]).astype("string")

    def member_index(self, key_type: str) -> tuple[pa.Array, pa.Array]:
        """Raw identifiers of ``key_type`` and the member id of each (for :func:`helpers.ingest.batches.lookup`)."""
        part = self.links[self.links["key_type"] == key_type]
        return (pa.array(part["value"].astype(str).tolist(), pa.string()),
                pa.array(part["member_id"].astype(object).tolist(), pa.string()))

    def identities(self) -> pd.DataFrame:
        """The canonical ``identities`` rows: one per (member_id, source, key_type, source_key)."""
        cols = ["member_id", "source", "key_type", "source_key"]
        return self.links[cols].drop_duplicates().sort_values(cols).reset_index(drop=True)

    def first_seen(self) -> pd.DataFrame:
        """Per member: ``channel`` (source of the earliest first-seen time) and the time itself."""
        own = self.links[self.links["key_type"] == self.links["record_type"]].copy()
        own["order"] = own["source"].map({s: i for i, s in enumerate(SOURCE_ORDER)}).fillna(len(SOURCE_ORDER))
        own = own.sort_values(["member_id", "first_seen", "order"], na_position="last")
        first = own.drop_duplicates("member_id")
        return first[["member_id", "source", "first_seen"]].rename(columns={"source": "channel"})


def stitch(links: pd.DataFrame, salt: str) -> Stitched:
    """Connect records through shared pseudonymized keys and give each component a member id.

    ``links`` has the columns of :func:`links_of`. Every link row joins its record's own key to
    the row's key; keys equal after pseudonymization are one node.
    """
    links = links.reset_index(drop=True).copy()
    links["source_key"] = pd.Series(pd.NA, index=links.index, dtype="string")
    for key_type, idx in links.groupby("key_type").groups.items():
        links.loc[idx, "source_key"] = pseudonymize(links.loc[idx, "value"], key_type, salt).to_numpy()
    rec = ["record_type", "record"]
    own_rows = links.loc[links["record_type"] == links["key_type"], rec + ["source_key"]]
    own_rows = own_rows.drop_duplicates(rec, keep="last").rename(columns={"source_key": "own"})
    own = links[rec].merge(own_rows, how="left", on=rec, validate="many_to_one")["own"]  # keeps the row order
    if own.isna().any():
        raise KeyError(f"Link rows without their record's own id: {links.loc[own.isna().to_numpy(), rec].head(3)}")
    nodes, codes = np.unique(np.concatenate([own.to_numpy(str), links["source_key"].to_numpy(str)]),
                             return_inverse=True)
    n = len(links)
    graph = coo_matrix((np.ones(n), (codes[:n], codes[n:])), shape=(len(nodes), len(nodes)))
    _, label = connected_components(graph, directed=False)
    # nodes are sorted, so a component's smallest key is its first node
    _, first = np.unique(label, return_index=True)
    member = np.array([member_id_of(k) for k in nodes[first]], dtype=object)
    links["member_id"] = pd.Series(member[label[codes[n:]]], index=links.index, dtype="string")
    return Stitched(links)
