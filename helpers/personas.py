"""Member personas from the five dimensions of deck page 5: age band, spending power, content
preference, social behaviour and feedback tendency; KMeans with k chosen by silhouette.

Feature table (one row per community member of the window ``[start, end)``; aggregates in the engine):

- age: ``age_band`` and ``age_years`` (band midpoint; unknown bands take the median of the known
  ones and ``age_known`` says so);
- spending power: ``log_spend`` = log(1 + total order amount in ``[spend_since, end)``);
- content preference: ``pref_<type>`` = share of the member's ``post_view`` events on each content
  type (all 0 for members who viewed nothing);
- social behaviour: ``active_days`` (``helpers.kpi`` definition) and ``interaction_rate`` =
  likes + comments + shares / post views (0 without views);
- feedback tendency: ``tickets`` = support tickets created in the window.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from ibis import _
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from helpers import _engine
from helpers.glossary import NAMESPACED, check_lang, label
from helpers.kpi import active_member_days, community_members
from helpers.schema import CONTENT_TYPES, INTERACTION_EVENTS
from helpers.timeline import DEFAULT_TZ

AGE_MIDPOINTS = {"<18": 16.0, "18-25": 21.5, "26-35": 30.5, "36-45": 40.5, "46+": 52.0}
DIMENSIONS = {"age": ["age_years"], "spending": ["log_spend"],
              "content": [f"pref_{c}" for c in CONTENT_TYPES],
              "social": ["active_days", "interaction_rate"], "feedback": ["tickets"]}
FEATURES = [c for cols in DIMENSIONS.values() for c in cols]


def _window(t, col, start, end, tz):
    return (t[col] >= _engine.ts_literal(start, tz)) & (t[col] < _engine.ts_literal(end, tz))


def age_share(members, band: str = "18-25", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row: ``members_with_age`` (age band known: not null, not 'unknown'), ``band_members`` and
    their ``share``. All members of the table count, community members or not."""
    m = _engine.table(members, "members", ("member_id", "age_band"), tz)
    known = m.filter(m.age_band.notnull() & (m.age_band != "unknown"))
    row = _engine.to_pandas(known.aggregate(n=_.member_id.nunique(),
                                            k=(_.age_band == band).sum()), tz).iloc[0]
    n, k = int(row["n"] or 0), int(row["k"] or 0)
    return pd.DataFrame([dict(band=band, members_with_age=n, band_members=k, share=k / n if n else float("nan"))])


def interaction_by_segment(events, members, start, end, by: str = "age_band", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Content interaction rate (likes + comments + shares / post views, ``helpers.kpi`` definition)
    by ``by`` (a ``members`` column) and content type: ``<by>, content_type, views, interactions, rate``."""
    ev = _engine.table(events, "events", ("member_id", "ts", "event", "content_type"), tz)
    m = _engine.table(members, "members", ("member_id", by), tz)
    ev = ev.filter(_window(ev, "ts", start, end, tz) & ev.content_type.notnull())
    j = ev.join(m.select("member_id", by), "member_id")
    agg = j.group_by([by, "content_type"]).agg(views=(_.event == "post_view").sum(),
                                                interactions=_engine.isin(j.event, INTERACTION_EVENTS).sum())
    df = _engine.to_pandas(agg, tz).astype({"views": "int64", "interactions": "int64"})
    df["rate"] = df["interactions"] / df["views"].where(df["views"] > 0)
    return df.sort_values([by, "content_type"]).reset_index(drop=True)


def member_features(con_or_tables, start, end, spend_since=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """The feature table (module docstring) for community members of ``[start, end)``.

    ``con_or_tables``: an Ibis connection to the warehouse, or a dict with ``members, memberships,
    events, messages, orders, tickets`` (Ibis tables or pandas frames). ``spend_since`` defaults to
    365 days before ``end``."""
    names = ("members", "memberships", "events", "messages", "orders", "tickets")
    t = con_or_tables if isinstance(con_or_tables, dict) else {n: con_or_tables.table(n) for n in names}
    spend_since = spend_since if spend_since is not None else pd.Timestamp(end) - pd.Timedelta(days=365)
    ev = _engine.table(t["events"], "events", ("member_id", "ts", "event", "content_type"), tz)
    ev = ev.filter(_window(ev, "ts", start, end, tz))
    views = ev.filter(ev.event == "post_view").group_by(["member_id", "content_type"]).agg(n=_.count())
    inter = ev.group_by("member_id").agg(views=(_.event == "post_view").sum().cast("int64"),
                                         interactions=_engine.isin(ev.event, INTERACTION_EVENTS).sum().cast("int64"))
    o = _engine.table(t["orders"], "orders", ("member_id", "ts", "amount"), tz)
    spend = o.filter(_window(o, "ts", spend_since, end, tz)).group_by("member_id").agg(spend=_.amount.sum().cast("float64"))
    tk = _engine.table(t["tickets"], "tickets", ("member_id", "created_ts"), tz)
    tickets = tk.filter(_window(tk, "created_ts", start, end, tz)).group_by("member_id").agg(tickets=_.count())
    days = active_member_days(t["events"], t["messages"], start, end, tz).group_by("member_id").agg(active_days=_.count())
    mem = _engine.table(t["members"], "members", ("member_id", "age_band"), tz).select("member_id", "age_band")
    base = community_members(t["memberships"], start, end, tz).join(mem, "member_id", how="left").select("member_id", "age_band")
    for part in (inter, spend, tickets, days):
        base = base.left_join(part, "member_id").drop("member_id_right")
    df = _engine.to_pandas(base, tz)
    v = _engine.to_pandas(views.semi_join(base, "member_id"), tz)
    shares = v.pivot_table(index="member_id", columns="content_type", values="n", aggfunc="sum", fill_value=0)
    shares = shares.reindex(columns=list(CONTENT_TYPES), fill_value=0)
    shares = shares.div(shares.sum(axis=1).where(shares.sum(axis=1) > 0), axis=0).fillna(0.0)
    shares.columns = [f"pref_{c}" for c in shares.columns]
    df = df.merge(shares, left_on="member_id", right_index=True, how="left")
    df = df.fillna({c: 0 for c in ["views", "interactions", "spend", "tickets", "active_days"] + list(shares.columns)})
    for c in ("views", "interactions", "tickets", "active_days"):
        df[c] = df[c].astype("int64")
    df["spend"] = df["spend"].astype(float)
    df["age_band"] = df["age_band"].fillna("unknown")
    df["age_known"] = df["age_band"].isin(list(AGE_MIDPOINTS))
    age = df["age_band"].map(AGE_MIDPOINTS)
    df["age_years"] = age.fillna(age.median() if age.notna().any() else 30.5)
    df["log_spend"] = np.log1p(df["spend"].astype(float))
    df["interaction_rate"] = (df["interactions"] / df["views"].where(df["views"] > 0)).fillna(0.0)
    cols = ["member_id", "age_band", "age_known", "spend", "views", "interactions"] + FEATURES
    return df[cols].sort_values("member_id").reset_index(drop=True)


@dataclass(frozen=True)
class Personas:
    """KMeans personas. ``k``; ``silhouette`` (``k, silhouette``); ``assignments``
    (``member_id, persona``); ``profiles`` (``persona, name, members, share`` and the mean of each
    feature); ``centroids`` (persona x feature, in standard units: the radar chart's data)."""

    k: int
    silhouette: pd.DataFrame
    assignments: pd.DataFrame
    profiles: pd.DataFrame
    centroids: pd.DataFrame


def feature_label(feature: str, lang: str = "en") -> str:
    """The name of a feature (a radar axis) in ``lang``, from the glossary's persona vocabulary."""
    return label(feature, lang, ns="persona")


def _word(feature: str, high: bool, lang: str) -> str:
    """What a high (or low) value of a feature says about a persona: the glossary's persona entry
    ``high_<feature>`` (``low_<feature>``); a feature without one is named by itself ("Low tickets")."""
    key = f"{'high' if high else 'low'}_{feature}"
    if f"persona:{key}" in NAMESPACED:
        return label(key, lang, ns="persona")
    if high:
        return feature_label(feature, lang)
    return f"Low {feature_label(feature, lang).lower()}" if lang == "en" else f"{feature_label(feature, lang)}偏低"


def name_personas(centroids: pd.DataFrame, lang: str = "en") -> dict[int, str]:
    """A name per persona in ``lang`` from its most distinctive feature (largest |standard score|);
    names that would repeat get the second feature added."""
    check_lang(lang)
    names = {}
    for p, row in centroids.iterrows():
        c = row.abs().sort_values(ascending=False).index[0]
        names[p] = _word(c, row[c] >= 0, lang)
    counts = pd.Series(list(names.values())).value_counts()
    for p, row in centroids.iterrows():
        if counts[names[p]] > 1:
            c = row.abs().sort_values(ascending=False).index[1]
            second = _word(c, row[c] >= 0, lang)
            names[p] = f"{names[p]}, {second.lower()}" if lang == "en" else f"{names[p]}·{second}"
    return names


def build_personas(features: pd.DataFrame, k_range=range(2, 9), columns: list[str] | None = None,
                   random_state: int = 0, sample_size: int | None = 5000,
                   balance_dimensions: bool = True, lang: str = "en") -> Personas:
    """Standardize ``columns`` (default ``FEATURES``; with ``balance_dimensions`` the columns of a
    dimension of ``DIMENSIONS`` holding n columns are scaled by 1/sqrt(n), so each of the five
    dimensions carries the same total variance), fit KMeans (``n_init=10``) for each k in
    ``k_range``, keep the k with the highest silhouette (computed on a random ``sample_size`` of
    members, seeded, when there are more; ``None``: all), then profile and name the personas (names in
    ``lang``, see :func:`name_personas`)."""
    columns = list(columns or FEATURES)
    missing = [c for c in columns + ["member_id"] if c not in features.columns]
    if missing:
        raise KeyError(f"`features` lacks {missing}. Available: {list(features.columns)}.")
    ks = [k for k in k_range if 2 <= k < len(features)]
    if not ks:
        raise ValueError(f"`k_range` needs a k with 2 <= k < members ({len(features)}); got {list(k_range)}.")
    x = StandardScaler().fit_transform(features[columns].to_numpy(dtype=float))
    x = np.nan_to_num(x)  # a constant column scales to 0/0
    z = x.copy()
    if balance_dimensions:
        size = {c: len(cols) for cols in DIMENSIONS.values() for c in cols}
        x = x / np.sqrt(np.array([size.get(c, 1) for c in columns], dtype=float))
    fits, scores = {}, []
    for k in ks:
        km = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(x)
        fits[k] = km
        ss = sample_size if sample_size and len(x) > sample_size else None
        scores.append((k, float(silhouette_score(x, km.labels_, sample_size=ss, random_state=random_state))))
    sil = pd.DataFrame(scores, columns=["k", "silhouette"])
    best = int(sil.loc[sil["silhouette"].idxmax(), "k"])
    labels = fits[best].labels_
    # number personas by size, largest first
    order = pd.Series(labels).value_counts().index.tolist()
    relabel = {old: new for new, old in enumerate(order)}
    labels = np.array([relabel[v] for v in labels])
    cent = pd.DataFrame(z, columns=columns).groupby(labels).mean()
    cent.index.name = "persona"
    names = name_personas(cent, lang)
    prof = features[columns].groupby(labels).mean()
    prof.insert(0, "share", pd.Series(labels).value_counts(normalize=True).sort_index())
    prof.insert(0, "members", pd.Series(labels).value_counts().sort_index())
    prof.insert(0, "name", [names[p] for p in prof.index])
    prof.index.name = "persona"
    assign = pd.DataFrame({"member_id": features["member_id"].to_numpy(), "persona": labels})
    return Personas(k=best, silhouette=sil, assignments=assign, profiles=prof.reset_index(), centroids=cent)
