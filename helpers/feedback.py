"""Member feedback from the warehouse, scored, summarized and joined to the support desk.

Feedback texts are customer chat messages (``messages`` with ``sender_type = 'customer'`` and a
non-empty ``text``) and ticket descriptions (the subject when the description is empty). The feedback
table stays in the engine (Ibis): only its distinct texts come to pandas to be scored (a few thousand
in the sample's millions of messages), the scores go back to the engine as a small table, and every
summary below aggregates there; pandas sees groups, members, tickets or a seeded sample of texts,
never the full message table. :func:`rows` brings rows to pandas on request.

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

import ibis
from ibis import _
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from helpers import _engine
from helpers.timeline import DEFAULT_TZ

BY = {"week": "week", "category": "category", "region": "region", "community": "community_id",
      "city_tier": "city_tier", "aspect": "aspect", "source": "source"}
# which ticket categories answer each feedback aspect (values of the Zendesk Category field)
ASPECT_CATEGORIES = {"logistics": ("signoff_exception", "delivery_delay"), "product": ("product_quality",),
                     "service": ("refund", "account"), "price": (), "content": ()}
COLUMNS = ["source", "item_id", "member_id", "ts", "community_id", "category", "csat", "handling_hours",
           "region", "city_tier", "text"]
SCORES = ["lang", "p_positive", "score", "label", "aspect"]


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


def _null(kind: str):
    return ibis.null().cast(kind)


def member_feedback(messages=None, tickets=None, members=None, start=None, end=None,
                    tz: str = DEFAULT_TZ) -> ibis.Table:
    """Feedback texts in ``[start, end)`` (either bound may be None), one row per message or ticket, as
    an Ibis expression (nothing is read until a summary or :func:`rows` executes it).

    Takes ``messages(msg_id, sender_id, sender_type, ts, community_id, text)`` and/or
    ``tickets(ticket_id, member_id, created_ts, solved_ts, category, csat, region, subject, description)``
    and optionally ``members(member_id, region, city_tier)`` (Ibis tables or pandas frames). Columns
    :data:`COLUMNS`: ``source`` ('message' or 'ticket'), ``item_id``, ``member_id``, ``ts`` (message
    time or ticket creation), ``community_id`` (messages), ``category``, ``csat`` and ``handling_hours``
    (tickets), ``region`` (the member's; for a ticket whose member has none, the ticket's),
    ``city_tier`` (the member's), ``text``."""
    if messages is None and tickets is None:
        raise ValueError("Pass `messages`, `tickets` or both.")
    parts = []
    if messages is not None:
        m = _engine.table(messages, "messages", ("msg_id", "sender_id", "sender_type", "ts", "community_id", "text"), tz)
        m = m.filter((m.sender_type == "customer") & m.text.notnull() & (m.text.strip().length() > 0)
                     & _window(m, "ts", start, end, tz))
        parts.append(m.select(source=ibis.literal("message"), item_id=m.msg_id.cast("string"),
                              member_id=m.sender_id.cast("string"), ts=m.ts.cast("timestamp('UTC')"),
                              community_id=m.community_id.cast("string"), category=_null("string"),
                              csat=_null("string"), handling_hours=_null("float64"), t_region=_null("string"),
                              text=m.text.cast("string")))
    if tickets is not None:
        t = _engine.table(tickets, "tickets", ("ticket_id", "member_id", "created_ts", "solved_ts", "category",
                                               "csat", "region", "subject", "description"), tz)
        text = t.description.strip().nullif("").fill_null(t.subject)
        t = t.filter(text.notnull() & _window(t, "created_ts", start, end, tz))
        parts.append(t.select(source=ibis.literal("ticket"), item_id=t.ticket_id.cast("string"),
                              member_id=t.member_id.cast("string"), ts=t.created_ts.cast("timestamp('UTC')"),
                              community_id=_null("string"), category=t.category.cast("string"),
                              csat=t.csat.cast("string"),
                              handling_hours=(_engine.seconds_between(t.solved_ts, t.created_ts) / 3600.0).cast("float64"),
                              t_region=t.region.cast("string"), text=text.cast("string")))
    fb = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    if members is None:
        return fb.mutate(region=fb.t_region, city_tier=_null("int64")).select(*COLUMNS)
    mem = _engine.table(members, "members", ("member_id", "region", "city_tier"), tz)
    mem = mem.select(mid=mem.member_id.cast("string"), m_region=mem.region.cast("string"),
                     city_tier=mem.city_tier.cast("int64"))
    fb = fb.left_join(mem, fb.member_id == mem.mid)
    return fb.mutate(region=fb.m_region.fill_null(fb.t_region)).select(*COLUMNS)


def rows(feedback, source: str | None = None, label: str | None = None, max_rows: int | None = None,
         seed: int = 7, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Rows of ``feedback`` (:func:`member_feedback` or :func:`score_feedback` output) as pandas,
    ordered on ``ts, source, item_id``: those of ``source`` and model ``label`` when given, and above
    ``max_rows`` a seeded sample of ``max_rows`` of them (the rows with the smallest engine hash of
    seed and ``item_id``: the same rows on every run of one engine). Keywords and topics read such a
    sample (``helpers.text.MAX_TEXTS``); tickets are few enough to take whole."""
    t = _engine.table(feedback, "feedback", ("source", "item_id", "ts"), tz)
    if source is not None:
        t = t.filter(t.source == source)
    if label is not None:
        t = t.filter(t.label == label)
    if max_rows is not None:
        if not isinstance(max_rows, int) or max_rows < 1:
            raise ValueError(f"`max_rows` must be a positive integer or None; got {max_rows!r}.")
        key = (ibis.literal(f"{seed}|") + t.item_id.cast("string")).hash()
        t = t.mutate(_key=key).order_by(["_key", "item_id"]).limit(max_rows).drop("_key")
    df = _engine.rows_to_pandas(t, tz)
    if "city_tier" in df:
        df["city_tier"] = pd.to_numeric(df["city_tier"], errors="coerce").astype("Int64")
    if "handling_hours" in df:
        df["handling_hours"] = pd.to_numeric(df["handling_hours"], errors="coerce").astype(float)
    return _in_order(df)


def within(scored, start=None, end=None, tz: str = DEFAULT_TZ) -> ibis.Table:
    """The feedback rows whose ``ts`` falls in ``[start, end)`` (either bound may be None)."""
    t = _engine.table(scored, "feedback", ("ts",), tz)
    return t.filter(_window(t, "ts", start, end, tz))


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


def score_feedback(feedback, model=None, lexicon: pd.DataFrame | None = None,
                   neutral_band: float | None = None, tz: str = DEFAULT_TZ) -> ibis.Table:
    """``feedback`` with ``lang``, ``p_positive``, ``score`` in [-1, 1], ``label`` and ``aspect`` added,
    as an Ibis expression.

    Language per text (Chinese when it has a CJK ideograph, else English/VADER); Chinese model
    ``model`` (default the kit's); aspects from ``lexicon`` (default the kit's). Only the distinct
    texts come to pandas, each scored once; their scores join the rows back in the engine."""
    from helpers.sentiment import kit_scores, sentiment
    from helpers.text import tag_aspects
    fb = _engine.table(feedback, "feedback", ("text",), tz)
    key = fb.text.cast("string").fill_null("")
    uniq = _engine.rows_to_pandas(fb.select(_text=key).distinct(), tz)["_text"].sort_values(ignore_index=True)
    s = (kit_scores(uniq, neutral_band) if model is None  # scored once across chapters and runs
         else sentiment(uniq, lang="auto", model=model, neutral_band=neutral_band))
    s["aspect"] = tag_aspects(uniq, lexicon)["aspect"].to_numpy()
    s = s.drop_duplicates("text").rename(columns={"text": "_text"})[["_text"] + SCORES]
    s = s.astype({"lang": str, "label": str, "aspect": str, "p_positive": float, "score": float})
    scores = ibis.memtable(s)
    return fb.mutate(_text=key).left_join(scores, "_text").drop("_text")


def _scored(scored, tz: str, *columns: str) -> ibis.Table:
    return _engine.table(scored, "scored", columns, tz)


def _check_scored(t) -> None:
    missing = [c for c in ("score", "label") if c not in t.columns]
    if missing:
        raise KeyError(f"`scored` lacks {missing}: pass it through score_feedback first.")


def overview(scored, positive_class: str = "negative", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Texts per source and in all: ``source`` ('message', 'ticket', 'all'), ``n_texts``,
    ``negative`` (texts the model labels ``positive_class``) and ``negative_share``."""
    t = _scored(scored, tz, "source", "label")
    g = _engine.to_pandas(t.group_by("source").agg(n_texts=_.count(),
                                                    negative=(_.label == positive_class).cast("int64").sum()), tz)
    g = g.sort_values("source", ignore_index=True)
    g = pd.concat([g, pd.DataFrame({"source": ["all"], "n_texts": [g["n_texts"].sum()],
                                    "negative": [g["negative"].sum()]})], ignore_index=True)
    g["negative_share"] = g["negative"] / g["n_texts"].where(g["n_texts"] > 0)
    return g.astype({"n_texts": "int64", "negative": "int64"})


def sentiment_by(scored,
                 by: Literal["week", "category", "region", "community", "city_tier", "aspect", "source"] = "week",
                 alpha: float = 0.05, min_texts: int = 20, source: str | None = None,
                 tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Sentiment of scored feedback per group (texts of ``source`` only, or all when None), with
    negative spikes flagged (module docstring).

    Returns the group column (``week``, ``category``, ``region``, ``community_id``, ``city_tier``,
    ``aspect`` or ``source``), ``n_texts``, ``mean_score``, ``negative``, ``negative_share`` with its
    Wilson 95% ``ci_low``/``ci_high``, ``others_negative_share`` (all other groups together),
    ``p_value`` (one-sided exact binomial) and ``negative_spike``. Rows without a group are left out."""
    _check_one_of("by", by, tuple(BY))
    col = BY[by]
    t = _scored(scored, tz, "ts" if by == "week" else col, *(("source",) if source is not None else ()))
    _check_scored(t)
    if source is not None:
        t = t.filter(t.source == source)
    t = t.mutate(_key=_engine.local_date(t.ts, tz).truncate("W") if by == "week" else t[col])
    t = t.filter(t._key.notnull())
    g = _engine.to_pandas(t.group_by("_key").agg(n_texts=_.count(), mean_score=_.score.mean(),
                                                negative=(_.label == "negative").cast("int64").sum()), tz)
    g = g.rename(columns={"_key": col}).sort_values(col, ignore_index=True)
    if by == "week":
        g[col] = pd.to_datetime(g[col])
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


def aspect_share(scored, by: str = "city_tier", source: str | None = "message",
                 tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Share of feedback texts per aspect within each ``by`` group (texts of ``source`` only, or all
    when None): ``by``, ``aspect``, ``n_texts``, ``group_texts``, ``share`` and Wilson ``ci_low``/``ci_high``.
    The denominator is every text of the group, those matching no aspect ('none') included."""
    t = _scored(scored, tz, "aspect")
    if by not in t.columns:
        raise KeyError(f"`scored` lacks column {by!r}. Available: {list(t.columns)}.")
    if source is not None:
        t = t.filter(t.source == source)
    t = t.filter(t[by].notnull())
    n = _engine.to_pandas(t.group_by([by, "aspect"]).agg(n_texts=_.count()), tz)
    n["group_texts"] = n.groupby(by)["n_texts"].transform("sum")
    n["share"] = n["n_texts"] / n["group_texts"]
    lo, hi = proportion_confint(n["n_texts"], n["group_texts"], alpha=0.05, method="wilson")
    n["ci_low"], n["ci_high"] = np.asarray(lo, float), np.asarray(hi, float)
    n = n.sort_values([by, "aspect"], kind="stable")  # equal shares in aspect order
    return n.sort_values([by, "share"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _tickets(scored, tz: str, *columns: str) -> pd.DataFrame:
    """The ticket rows of ``scored`` as pandas (the desk's tickets are few; every row is kept)."""
    t = _scored(scored, tz, "source", *columns)
    return _engine.rows_to_pandas(t.filter(t.source == "ticket").select(*columns), tz)


def aspect_category(scored, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Ticket texts: aspect read from the description against the ticket's category. One row per
    ``category, aspect``: ``n_tickets``, ``share`` (of the category's tickets), ``mean_handling_hours``
    of the category (solved tickets), and ``matches`` (the aspect answers that category, per
    :data:`ASPECT_CATEGORIES`)."""
    t = _tickets(scored, tz, "category", "aspect", "handling_hours").dropna(subset=["category"])
    out = t.groupby(["category", "aspect"]).size().rename("n_tickets").reset_index()
    out["share"] = out["n_tickets"] / out.groupby("category")["n_tickets"].transform("sum")
    out["mean_handling_hours"] = out["category"].map(t.groupby("category")["handling_hours"].mean())
    out["matches"] = [c in ASPECT_CATEGORIES.get(a, ()) for c, a in zip(out["category"], out["aspect"])]
    return out.sort_values(["category", "share"], ascending=[True, False], kind="stable").reset_index(drop=True)


def aspect_tickets_by_tier(scored, aspect: str = "logistics", categories: tuple[str, ...] | None = None,
                           tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Per city tier: how much of the members' chat feedback is about ``aspect``, how many of their
    tickets fall in the matching ``categories`` (default :data:`ASPECT_CATEGORIES`), and how long
    those tickets take. Columns ``city_tier, feedback_texts, aspect_feedback_share, tickets,
    category_tickets, category_ticket_share, category_mean_handling_hours,
    category_median_handling_hours, voiced_members, other_members, voiced_member_ticket_rate,
    other_member_ticket_rate, ticket_rate_p_value, rate_diff_ci_low, rate_diff_ci_high`` (members who
    voiced the aspect in chat, the share of them vs of the other chat members of the tier who filed a
    ticket in the categories, the two-sided Fisher exact p-value of that difference and its Newcombe
    95% interval, voiced minus other). Chat messages are counted per member in the engine; only members
    and tickets come to pandas."""
    cats = ASPECT_CATEGORIES.get(aspect, ()) if categories is None else tuple(categories)
    t = _scored(scored, tz, "source", "member_id", "city_tier", "aspect", "category", "handling_hours")
    m = t.filter((t.source == "message") & t.city_tier.notnull())
    per = _engine.to_pandas(m.group_by(["city_tier", "member_id"]).agg(
        texts=_.count(), hits=(_.aspect == aspect).cast("int64").sum()), tz)
    tk = _tickets(t, tz, "city_tier", "member_id", "category", "handling_hours").dropna(subset=["city_tier"])
    rows = []
    for tier in sorted(set(per["city_tier"].astype(int)) | set(tk["city_tier"].astype(int))):
        p, tt = per[per["city_tier"] == tier], tk[tk["city_tier"] == tier]
        ct = tt[tt["category"].isin(cats)]
        voiced, others = set(p.loc[p["hits"] > 0, "member_id"]), set(p.loc[p["hits"] == 0, "member_id"])
        filers, n_texts = set(ct["member_id"]), int(p["texts"].sum())
        both = bool(voiced and others)
        lo, hi = (confint_proportions_2indep(len(voiced & filers), len(voiced), len(others & filers), len(others),
                                             method="newcomb", compare="diff") if both else (np.nan, np.nan))
        rows.append(dict(
            city_tier=int(tier), feedback_texts=n_texts,
            aspect_feedback_share=p["hits"].sum() / n_texts if n_texts else np.nan,
            tickets=len(tt), category_tickets=len(ct), category_ticket_share=len(ct) / len(tt) if len(tt) else np.nan,
            category_mean_handling_hours=ct["handling_hours"].mean(),
            category_median_handling_hours=ct["handling_hours"].median(),
            voiced_members=len(voiced), other_members=len(others),
            voiced_member_ticket_rate=len(voiced & filers) / len(voiced) if voiced else np.nan,
            other_member_ticket_rate=len(others & filers) / len(others) if others else np.nan,
            ticket_rate_p_value=stats.fisher_exact([[len(voiced & filers), len(voiced - filers)],
                                                    [len(others & filers), len(others - filers)]]).pvalue
            if both else np.nan, rate_diff_ci_low=float(lo), rate_diff_ci_high=float(hi)))
    return pd.DataFrame(rows)


def csat_vs_sentiment(scored, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Sentiment of ticket descriptions by the ticket's CSAT rating (``good``/``bad`` only):
    ``csat, n_tickets, mean_score, negative_share, ci_low, ci_high`` and ``p_value`` (two-sided
    Mann-Whitney U of scores, good vs bad; the same on both rows; NaN when a side is empty)."""
    t = _tickets(scored, tz, "csat", "score", "label")
    t = t[t["csat"].isin(["good", "bad"])]
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


def sentiment_around_tickets(scored, window_days: int = 14, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Chat sentiment of ticket requesters in the ``window_days`` days before the ticket was created
    and the ``window_days`` days after it was solved (solved = created + handling hours).

    Per ticket category and ``all``: ``tickets`` (solved tickets whose requester wrote in both
    windows), ``mean_before``, ``mean_after`` (means of per-ticket mean scores), ``change`` and
    ``p_value`` (two-sided Wilcoxon signed-rank on the per-ticket pairs; NaN under 10 pairs). The
    windows' means are taken in the engine; only one pair per ticket comes to pandas."""
    if window_days < 1:
        raise ValueError(f"`window_days` must be at least 1; got {window_days}.")
    t = _scored(scored, tz, "source", "item_id", "member_id", "category", "ts", "handling_hours", "score")
    tk = t.filter((t.source == "ticket") & t.handling_hours.notnull())
    created = _engine.epoch_us(tk.ts)
    tk = tk.select(tid=tk.item_id, requester=tk.member_id, category=tk.category, created=created,
                   solved=created + (tk.handling_hours * 3.6e9).round().cast("int64"))
    m = t.filter(t.source == "message")
    m = m.select(writer=m.member_id, at=_engine.epoch_us(m.ts), score=m.score)
    j = tk.join(m, tk.requester == m.writer)
    w = window_days * 86_400 * 10**6
    before = j.filter((j.at >= j.created - w) & (j.at < j.created)).group_by(["tid", "category"]).agg(before=_.score.mean())
    after = j.filter((j.at >= j.solved) & (j.at < j.solved + w)).group_by("tid").agg(after=_.score.mean())
    pair = _engine.to_pandas(before.join(after, "tid"), tz).sort_values("tid", ignore_index=True)
    rows = []
    for name, grp in [("all", pair)] + list(pair.groupby("category", sort=True)):
        d = grp["after"] - grp["before"]
        p = stats.wilcoxon(grp["after"], grp["before"]).pvalue if len(grp) >= 10 and (d != 0).any() else np.nan
        rows.append(dict(category=name, tickets=len(grp), mean_before=grp["before"].mean(),
                         mean_after=grp["after"].mean(), change=d.mean(), p_value=p))
    return pd.DataFrame(rows)


LABEL_KEYS = {"message": "msg_id", "ticket": "ticket_id"}  # the id column of each source's hand labels


def labelled_check(scored, labels, positive_class: str = "negative", seed: int = 0,
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
    n = _engine.to_pandas(items.agg(n=_.count(), k=(_.label == positive_class).cast("int64").sum()), tz).iloc[0]
    share = float(n["k"]) / float(n["n"]) if n["n"] else float("nan")
    result = adjusted_share(both["label_model"], both["label_hand"], share, int(n["n"]), positive_class, seed=seed)
    return result, confusion(both["label_model"], both["label_hand"])


def _labelled_pairs(scored, labels, tz: str, source: str = "message"):
    """``(rows of scored from source, labelled ones)``: the former an Ibis table, the latter pandas
    ``item_id, label_hand, label_model`` in id order (the bootstrap's resamples depend on the order)."""
    _check_one_of("source", source, tuple(LABEL_KEYS))
    key = LABEL_KEYS[source]
    t = _scored(scored, tz, "source", "item_id", "label")
    items = t.filter(t.source == source)
    lab = _engine.table(labels, "labels", (key, "label"), tz)
    lab = lab.select(_id=lab[key].cast("string"), label_hand=lab.label)
    mine = items.select(item_id=items.item_id.cast("string"), label_model=items.label)
    both = mine.join(lab, mine.item_id == lab._id).select("item_id", "label_hand", "label_model")
    return items, _engine.to_pandas(both, tz).sort_values("item_id", ignore_index=True)


def labelled_by(groups: pd.DataFrame, scored, labels, positive_class: str = "negative",
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
    "overview",
    "rows",
    "score_feedback",
    "sentiment_around_tickets",
    "sentiment_by",
    "within",
]
