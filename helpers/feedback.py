"""Member feedback from the warehouse, scored, summarized and joined to the support desk.

Feedback texts are customer chat messages (``messages`` with ``sender_type = 'customer'`` and a
non-empty ``text``) and ticket descriptions (the subject when the description is empty). Filtering,
the window and the join to ``members`` run in the engine (Ibis); the texts, which are member-scale,
then come to pandas for tokenization and scoring.

Definitions
-----------
- **week**: the local calendar week (``tz``) starting Monday 00:00 of the message or ticket.
- **negative share**: texts labelled ``negative`` by :func:`helpers.sentiment.sentiment` / all texts.
- **negative spike**: a group whose negative share is above that of all other groups together, with a
  one-sided exact binomial test p-value below ``alpha / number of groups`` (Bonferroni) and at least
  ``min_texts`` texts.
- **handling hours**: ``solved_ts - created_ts`` in calendar hours (solved tickets only; NaN otherwise).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from helpers import _engine
from helpers.timeline import DEFAULT_TZ

BY = {"week": "week", "category": "category", "region": "region", "community": "community_id",
      "city_tier": "city_tier", "aspect": "aspect", "source": "source"}
# which ticket categories answer each feedback aspect (values of the Zendesk Category field)
ASPECT_CATEGORIES = {"logistics": ("signoff_exception", "delivery_delay"), "product": ("product_quality",),
                     "service": ("refund", "account"), "price": (), "content": ()}
COLUMNS = ["source", "item_id", "member_id", "ts", "community_id", "category", "csat", "handling_hours",
           "region", "city_tier", "text"]


def _check_one_of(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {', '.join(repr(a) for a in allowed)}; not {value!r}.")


def _window(t, col, start, end, tz):
    keep = t[col].notnull()
    if start is not None:
        keep &= t[col] >= _engine.ts_literal(start, tz)
    if end is not None:
        keep &= t[col] < _engine.ts_literal(end, tz)
    return keep


def member_feedback(messages=None, tickets=None, members=None, start=None, end=None,
                    tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Feedback texts in ``[start, end)`` (either bound may be None), one row per message or ticket.

    Takes ``messages(msg_id, sender_id, sender_type, ts, community_id, text)`` and/or
    ``tickets(ticket_id, member_id, created_ts, solved_ts, category, csat, region, subject, description)``
    and optionally ``members(member_id, region, city_tier)``. Returns ``source`` ('message' or
    'ticket'), ``item_id``, ``member_id``, ``ts`` (message time or ticket creation), ``community_id``
    (messages), ``category``, ``csat`` and ``handling_hours`` (tickets), ``region`` (the member's; for a
    ticket whose member has none, the ticket's), ``city_tier`` (the member's, nullable Int64), ``text``."""
    if messages is None and tickets is None:
        raise ValueError("Pass `messages`, `tickets` or both.")
    frames = []
    if messages is not None:
        m = _engine.table(messages, "messages", ("msg_id", "sender_id", "sender_type", "ts", "community_id", "text"), tz)
        m = m.filter((m.sender_type == "customer") & m.text.notnull() & (m.text.strip().length() > 0)
                     & _window(m, "ts", start, end, tz))
        m = m.select(item_id=m.msg_id.cast("string"), member_id=m.sender_id.cast("string"), ts=m.ts,
                     community_id=m.community_id.cast("string"), text=m.text)
        frames.append(("message", m))
    if tickets is not None:
        t = _engine.table(tickets, "tickets", ("ticket_id", "member_id", "created_ts", "solved_ts", "category",
                                               "csat", "region", "subject", "description"), tz)
        text = t.description.strip().nullif("").fill_null(t.subject)
        t = t.filter(text.notnull() & _window(t, "created_ts", start, end, tz))
        t = t.select(item_id=t.ticket_id.cast("string"), member_id=t.member_id.cast("string"), ts=t.created_ts,
                     category=t.category, csat=t.csat, t_region=t.region,
                     handling_hours=_engine.seconds_between(t.solved_ts, t.created_ts) / 3600.0,
                     text=t.description.strip().nullif("").fill_null(t.subject))
        frames.append(("ticket", t))
    out = []
    for kind, expr in frames:
        if members is not None:
            mem = _engine.table(members, "members", ("member_id", "region", "city_tier"), tz)
            mem = mem.select(mid=mem.member_id.cast("string"), region=mem.region, city_tier=mem.city_tier.cast("int64"))
            expr = expr.left_join(mem, expr.member_id == mem.mid).drop("mid")
        df = _engine.rows_to_pandas(expr, tz)
        df.insert(0, "source", kind)
        if "t_region" in df:
            df["region"] = df["region"].fillna(df["t_region"]) if "region" in df else df["t_region"]
            df = df.drop(columns="t_region")
        out.append(df)
    df = pd.concat(out, ignore_index=True).reindex(columns=COLUMNS)
    df["city_tier"] = pd.to_numeric(df["city_tier"], errors="coerce").astype("Int64")
    df["handling_hours"] = pd.to_numeric(df["handling_hours"], errors="coerce").astype(float)
    return _in_order(df)


def _in_order(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (messages before tickets) sorted on ``ts, source, item_id``. A stable sort on the time
    alone already orders sources within a time ('message' < 'ticket', in that order in ``df``); only
    the rare rows sharing time and source are then ordered by id. Sorting every row on the three keys
    factorized millions of ids (6 s on the deck-size sample), and letting the engine sort held the
    sorted rows in its buffers (0.6 GB)."""
    df = df.reset_index(drop=True)
    order = np.argsort(df["ts"].array.asi8, kind="stable")  # epoch integers of the zone-aware stamps
    t, src = df["ts"].array.asi8[order], (df["source"] == "ticket").to_numpy()[order]
    same = (t[1:] == t[:-1]) & (src[1:] == src[:-1])
    tie = np.zeros(len(df), dtype=bool)
    tie[1:] |= same
    tie[:-1] |= same
    if tie.any():  # tied rows sit in runs; sorting them on all three keys keeps the runs in place
        order[tie] = df.iloc[order[tie]].sort_values(["ts", "source", "item_id"], kind="stable").index.to_numpy()
    return df.take(order).reset_index(drop=True)


def score_feedback(feedback: pd.DataFrame, model=None, lexicon: pd.DataFrame | None = None,
                   neutral_band: float | None = None) -> pd.DataFrame:
    """``feedback`` with ``lang``, ``p_positive``, ``score`` in [-1, 1], ``label`` and ``aspect`` added.

    Language per text (Chinese when it has a CJK ideograph, else English/VADER); Chinese model
    ``model`` (default the kit's); aspects from ``lexicon`` (default the kit's). Each distinct text is
    scored once."""
    from helpers.sentiment import sentiment
    from helpers.text import tag_aspects
    if "text" not in feedback.columns:
        raise KeyError(f"`feedback` lacks column 'text'. Available: {list(feedback.columns)}.")
    uniq = pd.Series(feedback["text"].fillna("").astype(str).unique())
    s = sentiment(uniq, lang="auto", model=model, neutral_band=neutral_band)
    s["aspect"] = tag_aspects(uniq, lexicon)["aspect"].to_numpy()
    s = s.drop_duplicates("text").set_index("text")
    keys = feedback["text"].fillna("").astype(str)
    out = feedback.copy()
    for col in ("lang", "p_positive", "score", "label", "aspect"):
        out[col] = keys.map(s[col]).to_numpy()
    return out


def _group_key(scored: pd.DataFrame, by: str) -> pd.Series:
    if by == "week":
        ts = pd.to_datetime(scored["ts"])
        local = ts.dt.tz_localize(None) if ts.dt.tz is not None else ts
        return local.dt.to_period("W-SUN").dt.start_time.rename("week")
    col = BY[by]
    if col not in scored.columns:
        raise KeyError(f"`scored` lacks column {col!r} for by={by!r}. Available: {list(scored.columns)}.")
    return scored[col]


def sentiment_by(scored: pd.DataFrame,
                 by: Literal["week", "category", "region", "community", "city_tier", "aspect", "source"] = "week",
                 alpha: float = 0.05, min_texts: int = 20) -> pd.DataFrame:
    """Sentiment of scored feedback per group, with negative spikes flagged (module docstring).

    Returns the group column (``week``, ``category``, ``region``, ``community_id``, ``city_tier``,
    ``aspect`` or ``source``), ``n_texts``, ``mean_score``, ``negative``, ``negative_share`` with its
    Wilson 95% ``ci_low``/``ci_high``, ``others_negative_share`` (all other groups together),
    ``p_value`` (one-sided exact binomial) and ``negative_spike``. Rows without a group are left out."""
    _check_one_of("by", by, tuple(BY))
    missing = [c for c in ("score", "label") if c not in scored.columns]
    if missing:
        raise KeyError(f"`scored` lacks {missing}: pass it through score_feedback first.")
    key = _group_key(scored, by)
    col = key.name if by == "week" else BY[by]
    df = pd.DataFrame({col: key.to_numpy(), "score": scored["score"].to_numpy(),
                       "neg": (scored["label"] == "negative").to_numpy()}).dropna(subset=[col])
    g = df.groupby(col, sort=True).agg(n_texts=("score", "size"), mean_score=("score", "mean"), negative=("neg", "sum"))
    g = g.reset_index()
    tot_n, tot_neg = g["n_texts"].sum(), g["negative"].sum()
    g["negative_share"] = g["negative"] / g["n_texts"]
    lo, hi = proportion_confint(g["negative"], g["n_texts"], alpha=0.05, method="wilson")
    g["ci_low"], g["ci_high"] = np.asarray(lo, float), np.asarray(hi, float)
    other_n, other_neg = tot_n - g["n_texts"], tot_neg - g["negative"]
    g["others_negative_share"] = np.where(other_n > 0, other_neg / other_n.where(other_n > 0, 1), np.nan)
    p = []
    for k, n, base in zip(g["negative"], g["n_texts"], g["others_negative_share"]):
        ok = np.isfinite(base) and 0 < base < 1
        p.append(stats.binomtest(int(k), int(n), float(base), alternative="greater").pvalue if ok else np.nan)
    g["p_value"] = p
    g["negative_spike"] = ((g["p_value"] < alpha / max(len(g), 1)) & (g["n_texts"] >= min_texts)
                           & (g["negative_share"] > g["others_negative_share"]))
    return g.astype({"n_texts": "int64", "negative": "int64"})


def aspect_share(scored: pd.DataFrame, by: str = "city_tier", source: str | None = "message") -> pd.DataFrame:
    """Share of feedback texts per aspect within each ``by`` group (texts of ``source`` only, or all
    when None): ``by``, ``aspect``, ``n_texts``, ``group_texts``, ``share`` and Wilson ``ci_low``/``ci_high``.
    The denominator is every text of the group, those matching no aspect ('none') included."""
    if by not in scored.columns:
        raise KeyError(f"`scored` lacks column {by!r}. Available: {list(scored.columns)}.")
    df = scored if source is None else scored[scored["source"] == source]
    df = df.dropna(subset=[by])
    n = df.groupby([by, "aspect"]).size().rename("n_texts").reset_index()
    n["group_texts"] = n.groupby(by)["n_texts"].transform("sum")
    n["share"] = n["n_texts"] / n["group_texts"]
    lo, hi = proportion_confint(n["n_texts"], n["group_texts"], alpha=0.05, method="wilson")
    n["ci_low"], n["ci_high"] = np.asarray(lo, float), np.asarray(hi, float)
    return n.sort_values([by, "share"], ascending=[True, False], kind="stable").reset_index(drop=True)


def aspect_category(scored: pd.DataFrame) -> pd.DataFrame:
    """Ticket texts: aspect read from the description against the ticket's category. One row per
    ``category, aspect``: ``n_tickets``, ``share`` (of the category's tickets), ``mean_handling_hours``
    of the category (solved tickets), and ``matches`` (the aspect answers that category, per
    :data:`ASPECT_CATEGORIES`)."""
    t = scored[scored["source"] == "ticket"].dropna(subset=["category"])
    out = t.groupby(["category", "aspect"]).size().rename("n_tickets").reset_index()
    out["share"] = out["n_tickets"] / out.groupby("category")["n_tickets"].transform("sum")
    out["mean_handling_hours"] = out["category"].map(t.groupby("category")["handling_hours"].mean())
    out["matches"] = [c in ASPECT_CATEGORIES.get(a, ()) for c, a in zip(out["category"], out["aspect"])]
    return out.sort_values(["category", "share"], ascending=[True, False], kind="stable").reset_index(drop=True)


def aspect_tickets_by_tier(scored: pd.DataFrame, aspect: str = "logistics",
                           categories: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per city tier: how much of the members' chat feedback is about ``aspect``, how many of their
    tickets fall in the matching ``categories`` (default :data:`ASPECT_CATEGORIES`), and how long
    those tickets take. Columns ``city_tier, feedback_texts, aspect_feedback_share, tickets,
    category_tickets, category_ticket_share, category_mean_handling_hours,
    category_median_handling_hours, voiced_members, other_members, voiced_member_ticket_rate,
    other_member_ticket_rate, ticket_rate_p_value`` (members who voiced the aspect in chat, the share
    of them vs of the other chat members of the tier who filed a ticket in the categories, and the
    two-sided Fisher exact p-value of that difference)."""
    cats = ASPECT_CATEGORIES.get(aspect, ()) if categories is None else tuple(categories)
    msg = scored[(scored["source"] == "message")].dropna(subset=["city_tier"])
    tk = scored[(scored["source"] == "ticket")].dropna(subset=["city_tier"])
    rows = []
    for tier in sorted(set(msg["city_tier"]) | set(tk["city_tier"])):
        m, t = msg[msg["city_tier"] == tier], tk[tk["city_tier"] == tier]
        ct = t[t["category"].isin(cats)]
        voiced = set(m.loc[m["aspect"] == aspect, "member_id"])
        others = set(m["member_id"]) - voiced
        filers = set(ct["member_id"])
        rows.append(dict(
            city_tier=int(tier), feedback_texts=len(m),
            aspect_feedback_share=(m["aspect"] == aspect).mean() if len(m) else np.nan,
            tickets=len(t), category_tickets=len(ct), category_ticket_share=len(ct) / len(t) if len(t) else np.nan,
            category_mean_handling_hours=ct["handling_hours"].mean(),
            category_median_handling_hours=ct["handling_hours"].median(),
            voiced_members=len(voiced), other_members=len(others),
            voiced_member_ticket_rate=len(voiced & filers) / len(voiced) if voiced else np.nan,
            other_member_ticket_rate=len(others & filers) / len(others) if others else np.nan,
            ticket_rate_p_value=stats.fisher_exact([[len(voiced & filers), len(voiced - filers)],
                                                    [len(others & filers), len(others - filers)]]).pvalue
            if voiced and others else np.nan))
    return pd.DataFrame(rows)


def csat_vs_sentiment(scored: pd.DataFrame) -> pd.DataFrame:
    """Sentiment of ticket descriptions by the ticket's CSAT rating (``good``/``bad`` only):
    ``csat, n_tickets, mean_score, negative_share, ci_low, ci_high`` and ``p_value`` (two-sided
    Mann-Whitney U of scores, good vs bad; the same on both rows; NaN when a side is empty)."""
    t = scored[(scored["source"] == "ticket") & scored["csat"].isin(["good", "bad"])]
    g = t.groupby("csat").agg(n_tickets=("score", "size"), mean_score=("score", "mean"),
                              negative=("label", lambda s: int((s == "negative").sum())))
    g = g.reindex(["good", "bad"]).fillna({"n_tickets": 0, "negative": 0}).reset_index()
    g["negative_share"] = g["negative"] / g["n_tickets"].where(g["n_tickets"] > 0)
    lo, hi = proportion_confint(g["negative"], g["n_tickets"].clip(lower=1), alpha=0.05, method="wilson")
    empty = (g["n_tickets"] == 0).to_numpy()
    g["ci_low"], g["ci_high"] = np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)
    good, bad = t.loc[t["csat"] == "good", "score"], t.loc[t["csat"] == "bad", "score"]
    g["p_value"] = stats.mannwhitneyu(good, bad).pvalue if len(good) and len(bad) else np.nan
    return g.astype({"n_tickets": "int64", "negative": "int64"})


def sentiment_around_tickets(scored: pd.DataFrame, window_days: int = 14) -> pd.DataFrame:
    """Chat sentiment of ticket requesters in the ``window_days`` days before the ticket was created
    and the ``window_days`` days after it was solved (solved = created + handling hours).

    Per ticket category and ``all``: ``tickets`` (solved tickets whose requester wrote in both
    windows), ``mean_before``, ``mean_after`` (means of per-ticket mean scores), ``change`` and
    ``p_value`` (two-sided Wilcoxon signed-rank on the per-ticket pairs; NaN under 10 pairs)."""
    if window_days < 1:
        raise ValueError(f"`window_days` must be at least 1; got {window_days}.")
    t = scored[(scored["source"] == "ticket") & scored["handling_hours"].notna()]
    t = t[["item_id", "member_id", "category", "ts", "handling_hours"]].rename(columns={"ts": "created"})
    t["solved"] = t["created"] + pd.to_timedelta(t["handling_hours"], unit="h")
    m = scored.loc[scored["source"] == "message", ["member_id", "ts", "score"]]
    j = t.merge(m, on="member_id")
    w = pd.Timedelta(days=window_days)
    before = j[(j["ts"] >= j["created"] - w) & (j["ts"] < j["created"])].groupby("item_id")["score"].mean()
    after = j[(j["ts"] >= j["solved"]) & (j["ts"] < j["solved"] + w)].groupby("item_id")["score"].mean()
    pair = pd.concat([before.rename("before"), after.rename("after")], axis=1, join="inner")
    pair = pair.join(t.set_index("item_id")["category"])
    rows = []
    for name, grp in [("all", pair)] + list(pair.groupby("category", sort=True)):
        d = grp["after"] - grp["before"]
        p = stats.wilcoxon(grp["after"], grp["before"]).pvalue if len(grp) >= 10 and (d != 0).any() else np.nan
        rows.append(dict(category=name, tickets=len(grp), mean_before=grp["before"].mean(),
                         mean_after=grp["after"].mean(), change=d.mean(), p_value=p))
    return pd.DataFrame(rows)

LABEL_KEYS = {"message": "msg_id", "ticket": "ticket_id"}  # the id column of each source's hand labels


def labelled_check(scored: pd.DataFrame, labels, positive_class: str = "negative", seed: int = 0,
                   tz: str = DEFAULT_TZ, source: Literal["message", "ticket"] = "message"):
    """The ``source`` texts' share of ``positive_class`` as the model reads it (chat messages, or
    tickets' descriptions), corrected with hand labels of a random sample of them
    (:func:`helpers.prevalence.adjusted_share`): ``labels(msg_id, label)`` for messages,
    ``labels(ticket_id, label)`` for tickets.

    ``scored`` is :func:`score_feedback` output; only its rows of ``source`` count. Returns
    ``(Prevalence, confusion)``: the corrected share and the hand × model label counts. Labels of items
    not in ``scored`` (outside its window, or without text) are left out, so ``n_labelled`` counts the
    rest."""
    from helpers.prevalence import adjusted_share, confusion

    items, both = _labelled_pairs(scored, labels, tz, source)
    share = float((items["label"] == positive_class).mean()) if len(items) else float("nan")
    result = adjusted_share(both["label_model"], both["label_hand"], share, len(items), positive_class, seed=seed)
    return result, confusion(both["label_model"], both["label_hand"])


def _labelled_pairs(scored: pd.DataFrame, labels, tz: str, source: str = "message"):
    """``(rows of scored from source, labelled ones)``: the latter ``<id>, label_hand, label_model``."""
    _check_one_of("source", source, tuple(LABEL_KEYS))
    key = LABEL_KEYS[source]
    lab = _engine.to_pandas(_engine.table(labels, "labels", (key, "label"), tz).select(key, "label"), tz)
    items = scored[scored["source"] == source]
    both = lab.astype({key: str}).merge(items[["item_id", "label"]].astype({"item_id": str}),
                                        left_on=key, right_on="item_id", suffixes=("_hand", "_model"))
    return items, both


def labelled_by(groups: pd.DataFrame, scored: pd.DataFrame, labels, positive_class: str = "negative",
                seed: int = 0, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """:func:`sentiment_by` rows of chat-message groups (chats; weeks of ``source == 'message'`` texts)
    with the model's negative share corrected by the hand labels, as :func:`labelled_check` corrects the
    overall share: adds ``adjusted_share``, ``adjusted_ci_low``, ``adjusted_ci_high``
    (:func:`helpers.prevalence.adjusted_by_group`; one set of labels for every group)."""
    from helpers.prevalence import adjusted_by_group

    _, both = _labelled_pairs(scored, labels, tz)
    return adjusted_by_group(groups, both["label_model"], both["label_hand"], positive_class, seed=seed)


__all__ = [
    "ASPECT_CATEGORIES",
    "LABEL_KEYS",
    "aspect_category",
    "aspect_share",
    "aspect_tickets_by_tier",
    "csat_vs_sentiment",
    "labelled_by",
    "labelled_check",
    "member_feedback",
    "score_feedback",
    "sentiment_around_tickets",
    "sentiment_by",
]

