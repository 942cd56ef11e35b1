"""How common a class really is when a classifier labels the texts: the model's share corrected with a
hand-labelled random sample (adjusted classify-and-count, Forman 2008; Rogan–Gladen in epidemiology).

Definitions
-----------
- **model share** ``q``: items the model puts in the class / all items scored.
- **hit rate** ``tpr``: labelled items of the class the model also puts in it / labelled items of the class.
- **false-alarm rate** ``fpr``: labelled items *not* of the class that the model puts in it / labelled
  items not of the class.
- **adjusted share**: ``(q − fpr) / (tpr − fpr)``, clipped to [0, 1]. It is unbiased when the labelled
  items are a uniform random sample of the scored ones and the model behaves alike on both. Its 95%
  interval resamples the labelled items (percentile bootstrap; the model share, over many more items,
  is held fixed). ``tpr − fpr`` below ``MIN_SEPARATION`` gives ``status='MODEL_TOO_WEAK'``.
- **labelled share**: the class's share among the labelled items alone (Wilson interval): unbiased
  too. The adjusted share's interval is the narrower only when the model separates the class well
  (its variance grows with 1 / (tpr − fpr)²); report both.
- **per group** (:func:`adjusted_by_group`): each week's or chat's model share corrected with the same
  labels; its interval also draws the group's model share from a binomial of its size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from helpers._results import html_table

MIN_SEPARATION = 0.1


@dataclass(frozen=True)
class Prevalence:
    """The model's share of a class, its error rates on the labelled items, and the corrected share."""

    positive_class: str
    n_scored: int
    n_labelled: int
    model_share: float
    hit_rate: float
    false_alarm_rate: float
    adjusted_share: float
    adjusted_ci_low: float
    adjusted_ci_high: float
    labelled_share: float
    labelled_ci_low: float
    labelled_ci_high: float
    status: str = "OK"

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])

    def _repr_html_(self) -> str:
        return html_table(self)


def _adjust(q: float, tpr, fpr):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip((q - fpr) / (tpr - fpr), 0.0, 1.0)


def _boot_rates(pred, true, n_boot: int, rng):
    """Hit and false-alarm rates of ``n_boot`` resamples (with replacement) of the labelled items."""
    n = true.size
    idx = rng.integers(0, n, (n_boot, n))
    t_b, p_b = true[idx], pred[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (p_b & t_b).sum(axis=1) / t_b.sum(axis=1), (p_b & ~t_b).sum(axis=1) / (~t_b).sum(axis=1)


def _labels(predicted, truth, positive_class):
    pred = np.asarray(predicted, dtype=object) == positive_class
    true = np.asarray(truth, dtype=object) == positive_class
    if pred.shape != true.shape:
        raise ValueError(f"`predicted` and `truth` differ in length ({pred.size} vs {true.size}).")
    return pred, true


def adjusted_share(predicted, truth, model_share: float, n_scored: int, positive_class: str,
                   n_boot: int = 2000, seed: int = 0) -> Prevalence:
    """Correct ``model_share`` (the share of ``positive_class`` the model gives ``n_scored`` items) with
    the labelled items' model labels ``predicted`` and hand labels ``truth`` (equal length, same order).
    Fewer than one labelled item in and out of the class gives ``status='NO_LABELS'``."""
    pred, true = _labels(predicted, truth, positive_class)
    n, k = int(true.size), int(true.sum())
    nan = float("nan")
    if k == 0 or k == n:
        return Prevalence(positive_class, n_scored, n, model_share, nan, nan, nan, nan, nan,
                          k / n if n else nan, nan, nan, "NO_LABELS")
    tpr, fpr = pred[true].mean(), pred[~true].mean()
    tpr_b, fpr_b = _boot_rates(pred, true, n_boot, np.random.default_rng(seed))
    boot = _adjust(model_share, tpr_b, fpr_b)
    boot = boot[np.isfinite(boot)]
    lo, hi = np.percentile(boot, [2.5, 97.5]) if boot.size else (nan, nan)
    l_lo, l_hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    status = "OK" if tpr - fpr >= MIN_SEPARATION else "MODEL_TOO_WEAK"
    return Prevalence(positive_class, n_scored, n, float(model_share), float(tpr), float(fpr),
                      float(_adjust(model_share, tpr, fpr)), float(lo), float(hi), k / n, float(l_lo), float(l_hi),
                      status)


def adjusted_by_group(groups: pd.DataFrame, predicted, truth, positive_class: str, n: str = "n_texts",
                      k: str = "negative", n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The adjusted share of each group (a week, a chat): ``groups`` with columns ``n`` (items the model
    scored) and ``k`` (those it put in ``positive_class``), corrected with one set of labelled items
    (``predicted``, ``truth``) for all groups, which assumes the model errs alike in every group.

    Adds ``adjusted_share`` and its percentile-bootstrap 95% ``adjusted_ci_low``/``adjusted_ci_high``:
    each replicate resamples the labelled items (the rates, shared by all groups) and draws each
    group's model share from a binomial of its own size, so a small group's interval is wider. NaN
    shares when the labels hold no item in or none out of the class, or a group has no items."""
    pred, true = _labels(predicted, truth, positive_class)
    out = groups.copy()
    size, hits = out[n].to_numpy(dtype=float), out[k].to_numpy(dtype=float)
    nan = np.full(len(out), np.nan)
    if true.sum() in (0, true.size) or not len(out):
        return out.assign(adjusted_share=nan, adjusted_ci_low=nan, adjusted_ci_high=nan)
    q = np.divide(hits, size, out=np.full(len(out), np.nan), where=size > 0)
    rng = np.random.default_rng(seed)
    tpr_b, fpr_b = _boot_rates(pred, true, n_boot, rng)
    sizes = np.maximum(size, 1).astype(np.int64)
    q_b = rng.binomial(sizes, np.nan_to_num(q), size=(n_boot, len(out))) / sizes
    boot = _adjust(q_b, tpr_b[:, None], fpr_b[:, None])
    boot = np.where(np.isfinite(boot), boot, np.nan)
    with np.errstate(all="ignore"):
        lo, hi = np.nanpercentile(boot, [2.5, 97.5], axis=0) if np.isfinite(boot).any() else (nan, nan)
    empty = size <= 0
    return out.assign(adjusted_share=np.where(empty, np.nan, _adjust(q, pred[true].mean(), pred[~true].mean())),
                      adjusted_ci_low=np.where(empty, np.nan, lo), adjusted_ci_high=np.where(empty, np.nan, hi))


def confusion(predicted, truth, labels=("negative", "neutral", "positive")) -> pd.DataFrame:
    """Hand label (rows) × model label (columns) counts of the labelled items, every label shown."""
    tab = pd.crosstab(pd.Categorical(np.asarray(truth, dtype=object), categories=labels),
                      pd.Categorical(np.asarray(predicted, dtype=object), categories=labels), dropna=False)
    tab.index.name, tab.columns.name = "hand_label", "model_label"
    return tab
