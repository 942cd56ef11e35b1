"""Assignment of units to arms, the balance table, and the pre-registration record.

- :func:`assign`: member- or group-level randomization, stratified (blocked) on pre-period covariates,
  reproducible from a seed. Numeric stratum columns are cut into ``n_bins`` quantile bins (terciles by
  default); within each stratum the units are shuffled and dealt to the arms in turn, starting at a
  random arm, so every stratum is split as evenly as its size allows.
- :func:`balance_table`: pre-period covariates by arm with the standardized mean difference
  SMD = (mean_t − mean_c) / √((s²_c + s²_t)/2) and a Welch p-value; |SMD| < 0.1 counts as balanced.
- :func:`preregister`: the analysis plan (hypothesis, primary metric, guardrails, MDE, duration,
  analysis method) written as JSON to ``<output_dir>/preregistration/<experiment_id>.json`` before any
  outcome is looked at; the file carries the time of registration and a SHA-256 of its content.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from helpers import _engine
from helpers.timeline import DEFAULT_TZ


def _frame(table, cols, tz) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise KeyError(f"`units` lacks column(s) {missing}. Available: {list(table.columns)}.")
        return table.copy()
    t = _engine.table(table, "units", tuple(cols), tz)
    return _engine.to_pandas(t, tz)


def stratify(units: pd.DataFrame, strata: Sequence[str], n_bins: int = 3) -> pd.Series:
    """Stratum label per row, e.g. ``'active_days=q2|size=q1'``. Numeric columns with more than
    ``n_bins`` distinct values are cut into ``n_bins`` quantile bins (q1 lowest); others are used as is."""
    if n_bins < 1:
        raise ValueError(f"`n_bins` must be at least 1; got {n_bins}.")
    if not strata:
        return pd.Series("all", index=units.index)
    parts = []
    for col in strata:
        s = units[col]
        if pd.api.types.is_numeric_dtype(s) and s.nunique() > n_bins:
            b = pd.qcut(s.rank(method="first"), n_bins, labels=[f"q{i + 1}" for i in range(n_bins)])
            parts.append(f"{col}=" + b.astype(str))
        else:
            parts.append(f"{col}=" + s.astype(str))
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    return out


def assign(units, by: str, strata: Sequence[str] = (), seed: int = 0,
           arms: Sequence[str] = ("control", "treatment"), n_bins: int = 3, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Randomize the units of ``units`` (one row per ``by``: a member_id or community_id) to ``arms``.

    Returns a copy of ``units`` with ``variant`` and ``stratum`` columns, sorted by ``by``. The same
    ``seed`` and input give the same assignment whatever the input row order.
    """
    if len(arms) < 2 or len(set(arms)) != len(arms):
        raise ValueError(f"`arms` must name at least two distinct arms; got {tuple(arms)!r}.")
    df = _frame(units, (by, *strata), tz)
    if df[by].duplicated().any():
        raise ValueError(f"`{by}` must identify one row per unit; {int(df[by].duplicated().sum())} duplicates.")
    df = df.sort_values(by, kind="mergesort").reset_index(drop=True)
    df["stratum"] = stratify(df, list(strata), n_bins)
    rng = np.random.default_rng(seed)
    variant = np.empty(len(df), dtype=object)
    k = len(arms)
    for _, idx in sorted(df.groupby("stratum").indices.items()):
        order = rng.permutation(idx)
        offset = int(rng.integers(k))
        variant[order] = [arms[(offset + i) % k] for i in range(len(order))]
    df["variant"] = variant
    return df


def balance_table(table, covariates: Sequence[str], by: str = "variant", control: str = "control",
                  treatment: str = "treatment", threshold: float = 0.1, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Pre-period covariates by arm: ``covariate, control_mean, treatment_mean, difference, smd,
    p_value, balanced`` (``|smd| < threshold``). Member-scale input (one row per unit)."""
    df = _frame(table, (by, *covariates), tz)
    rows = []
    for col in covariates:
        xc = df.loc[df[by] == control, col].astype(float).dropna()
        xt = df.loc[df[by] == treatment, col].astype(float).dropna()
        sd = np.sqrt((xc.var(ddof=1) + xt.var(ddof=1)) / 2) if len(xc) > 1 and len(xt) > 1 else np.nan
        diff = xt.mean() - xc.mean()
        smd = diff / sd if sd and np.isfinite(sd) and sd > 0 else (0.0 if diff == 0 else np.nan)
        p = stats.ttest_ind(xt, xc, equal_var=False).pvalue if sd and np.isfinite(sd) and sd > 0 else np.nan
        rows.append(dict(covariate=col, control_mean=xc.mean(), treatment_mean=xt.mean(), difference=diff,
                         smd=smd, p_value=p, balanced=bool(np.isfinite(smd) and abs(smd) < threshold)))
    return pd.DataFrame(rows)


def preregister(output_dir, experiment_id: str, hypothesis: str, primary_metric: str,
                guardrails: Sequence[str], mde: float, duration_days: int, analysis_method: str,
                unit: str = "member", alpha: float = 0.05, power: float = 0.8, extra: dict | None = None,
                overwrite: bool = False) -> Path:
    """Write the analysis plan of ``experiment_id`` to ``<output_dir>/preregistration/<id>.json``.

    Re-registering the same plan keeps the first file (and its ``registered_at``); a different plan for
    an already registered experiment raises ``FileExistsError`` unless ``overwrite``.
    """
    if not experiment_id or any(c in experiment_id for c in "/\\"):
        raise ValueError(f"`experiment_id` must be a plain name; got {experiment_id!r}.")
    plan = dict(experiment_id=experiment_id, hypothesis=hypothesis, primary_metric=primary_metric,
                guardrails=list(guardrails), mde=float(mde), duration_days=int(duration_days),
                analysis_method=analysis_method, unit=unit, alpha=float(alpha), power=float(power),
                extra=extra or {})
    digest = hashlib.sha256(json.dumps(plan, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    path = Path(output_dir) / "preregistration" / f"{experiment_id}.json"
    if path.exists() and not overwrite:
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("sha256") == digest:
            return path
        raise FileExistsError(f"{path} already holds a different plan for {experiment_id!r}; "
                              "pass overwrite=True to replace it (and say why in the report).")
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {**plan, "registered_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "sha256": digest}
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def read_preregistration(output_dir, experiment_id: str) -> dict:
    """The registered plan of ``experiment_id`` (raises ``FileNotFoundError`` naming what exists)."""
    folder = Path(output_dir) / "preregistration"
    path = folder / f"{experiment_id}.json"
    if not path.exists():
        have = sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []
        raise FileNotFoundError(f"No pre-registration for {experiment_id!r} in {folder}. Registered: {have}.")
    return json.loads(path.read_text(encoding="utf-8"))
