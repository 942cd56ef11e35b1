"""Member feedback text: Chinese tokenization, stop words, keywords and aspects.

Chinese is cut with jieba (a private ``jieba.Tokenizer`` with the kit's domain user dictionary
``data/text/userdict.txt`` loaded, so the global jieba state is left alone and terms such as
签收异常 stay whole); English words come through jieba as whole tokens. Stop words are
``data/text/stopwords.txt``; tokens that are only punctuation or white space are dropped.

Sentiment lives in :mod:`helpers.sentiment` and topics in :mod:`helpers.topics`; the public names
``sentiment``, ``evaluate_sentiment`` and ``topics`` are re-exported here.

Aspect tagging uses a lexicon (a table ``aspect, term``; default ``data/text/aspects.csv``):
a text mentions an aspect when it contains one of its terms (CJK terms as substrings, Latin-script
terms as whole words, case-insensitive). A text's ``aspect`` is the aspect with the most matched
terms, ties broken by the lexicon's order of aspects; ``"none"`` when no term matches.
"""
from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal

import numpy as np
import pandas as pd

with warnings.catch_warnings():
    # jieba 0.42.1's sources contain invalid escape sequences ('\.'): a SyntaxWarning when they are
    # compiled without cached byte code; and jieba.analyse leaves its idf.txt open (ResourceWarning).
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", ResourceWarning)
    import jieba
    import jieba.analyse
    import jieba.posseg

jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict ..." to stderr at DEBUG

TEXT_DIR = Path(__file__).resolve().parent.parent / "data" / "text"
USER_DICT = TEXT_DIR / "userdict.txt"
STOP_WORDS = TEXT_DIR / "stopwords.txt"
ASPECT_LEXICON = TEXT_DIR / "aspects.csv"
KEYWORD_METHODS = ("tfidf", "textrank")
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EMOJI_CODE = re.compile(r"\[[^\[\]\s]{1,6}\]")  # WeChat emoji codes such as [强], [捂脸]; the redaction mark [phone]


def _check_one_of(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {', '.join(repr(a) for a in allowed)}; not {value!r}.")


@lru_cache(maxsize=4)
def tokenizer(user_dict: str | Path = USER_DICT) -> "jieba.Tokenizer":
    """A jieba tokenizer with ``user_dict`` loaded (cached per path; the global ``jieba.dt`` is untouched)."""
    tk = jieba.Tokenizer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # jieba opens its dictionary without closing it
        tk.initialize()
        tk.load_userdict(str(user_dict))
    return tk


@lru_cache(maxsize=4)
def stop_words(path: str | Path = STOP_WORDS) -> frozenset[str]:
    """The stop-word list (one word a line, UTF-8), lower-cased."""
    return frozenset(w.strip().lower() for w in Path(path).read_text(encoding="utf-8").splitlines() if w.strip())


def _normalize(text) -> str:
    return unicodedata.normalize("NFKC", "" if text is None or text != text else str(text))


def is_chinese(text) -> bool:
    """True when ``text`` contains at least one CJK ideograph."""
    return bool(_CJK.search(_normalize(text)))


def tokenize(texts: Iterable[str], drop_stop_words: bool = True, user_dict: str | Path = USER_DICT) -> list[list[str]]:
    """Cut each text into tokens (jieba, precise mode, with the domain user dictionary).

    Text is NFKC-normalized (full-width letters and digits become ASCII), Latin letters are
    lower-cased, tokens of punctuation or white space are dropped, and with ``drop_stop_words``
    so are the stop words and WeChat emoji codes such as ``[强]`` (kept for sentiment, where they
    carry meaning). Missing texts give an empty list. One list per input text, in order.
    """
    tk = tokenizer(user_dict)
    stops = stop_words() if drop_stop_words else frozenset()
    out = []
    for text in texts:
        text = _normalize(text)
        if drop_stop_words:
            text = _EMOJI_CODE.sub(" ", text)
        toks = (t.strip().lower() for t in tk.lcut(text))
        out.append([t for t in toks if t and not _PUNCT.match(t) and t not in stops])
    return out


@lru_cache(maxsize=4)
def pos_tokenizer(user_dict: str | Path = USER_DICT) -> "jieba.posseg.POSTokenizer":
    """The part-of-speech tokenizer over :func:`tokenizer` (one per dictionary, cached). One, because
    jieba hands the user dictionary's part-of-speech tags to the first part-of-speech tokenizer that cuts
    with a tokenizer and then clears them from it: a second one built later tags the user words ``x``
    (and TextRank, which keeps nouns and verbs, dropped them). Building one also loads jieba's tag table."""
    return jieba.posseg.POSTokenizer(tokenizer(user_dict))


@lru_cache(maxsize=4)
def _extractor(method: str, user_dict: str | Path):
    """jieba's TF-IDF or TextRank extractor on the kit's tokenizers (:func:`pos_tokenizer`), built once per
    method and dictionary: building one loads jieba's IDF table (about half a second), and chapter 2 asks
    for keywords nine times. ``extract_tags`` keeps no state between calls."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # jieba.analyse's IDF loader leaves the file open
        ex = jieba.analyse.TFIDF() if method == "tfidf" else jieba.analyse.TextRank()
        ex.set_stop_words(str(STOP_WORDS))
    pos = pos_tokenizer(user_dict)
    ex.tokenizer = tokenizer(user_dict) if method == "tfidf" else pos  # TextRank cuts with part-of-speech tags
    ex.postokenizer = pos
    return ex


MAX_TEXTS = 20_000


def sample_texts(texts: Iterable[str], max_texts: int | None = MAX_TEXTS, seed: int = 7) -> list[str]:
    """``texts`` as a list; above ``max_texts`` a seeded random sample of ``max_texts`` of them, in
    their original order (``None``: all). Keywords and topics describe the distribution of words, which
    20,000 texts pin down; scanning every message of a large archive only costs time."""
    texts = list(texts)
    if max_texts is None or len(texts) <= max_texts:
        return texts
    if not isinstance(max_texts, int) or max_texts < 1:
        raise ValueError(f"`max_texts` must be a positive integer or None; got {max_texts!r}.")
    keep = np.sort(np.random.default_rng(seed).choice(len(texts), size=max_texts, replace=False))
    return [texts[i] for i in keep]


def keywords(texts: Iterable[str], method: Literal["tfidf", "textrank"] = "tfidf", top_k: int = 10,
             user_dict: str | Path = USER_DICT, max_texts: int | None = MAX_TEXTS, seed: int = 7) -> pd.DataFrame:
    """The ``top_k`` keywords of a body of texts, by jieba's TF-IDF or TextRank.

    The texts (above ``max_texts``, a seeded sample: :func:`sample_texts`) are joined (one line each)
    and treated as one document. ``tfidf``: term frequency in
    the document times jieba's bundled inverse document frequency (words missing from its table get
    the median IDF). ``textrank``: PageRank on the co-occurrence graph of nouns and verbs (window 5).
    Both use the kit's user dictionary and stop words, drop WeChat emoji codes, one-character words
    and words of punctuation only.

    Returns ``rank`` (1 = strongest), ``keyword``, ``weight`` (TF-IDF score, or TextRank score
    scaled so the top word is 1). Empty frame when the texts have no word left.
    """
    _check_one_of("method", method, KEYWORD_METHODS)
    if not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"`top_k` must be a positive integer; got {top_k!r}.")
    doc = "\n".join(_EMOJI_CODE.sub(" ", _normalize(t)).lower() for t in sample_texts(texts, max_texts, seed))
    pairs = _extractor(method, user_dict).extract_tags(doc, topK=top_k + 50, withWeight=True) if doc.strip() else []
    pairs = [(w, x) for w, x in pairs if not _PUNCT.match(w)][:top_k]
    out = pd.DataFrame(pairs, columns=["keyword", "weight"])
    out.insert(0, "rank", range(1, len(out) + 1))
    return out.astype({"rank": "int64", "keyword": "object", "weight": "float64"})


def keywords_by(frame: pd.DataFrame, by: str | list[str], text_col: str = "text",
                method: Literal["tfidf", "textrank"] = "tfidf", top_k: int = 10,
                max_texts: int | None = MAX_TEXTS, seed: int = 7) -> pd.DataFrame:
    """:func:`keywords` within each group of ``frame`` (e.g. by ticket category or week): the ``by``
    columns, ``n_texts`` (all texts of the group), then ``rank, keyword, weight`` (from at most
    ``max_texts`` of them)."""
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in by + [text_col] if c not in frame.columns]
    if missing:
        raise KeyError(f"`frame` lacks column(s) {missing}. Available: {list(frame.columns)}.")
    parts = []
    for key, grp in frame.groupby(by, sort=True, dropna=False):
        kw = keywords(grp[text_col].dropna(), method=method, top_k=top_k, max_texts=max_texts, seed=seed)
        key = key if isinstance(key, tuple) else (key,)
        head = pd.DataFrame({c: [v] * len(kw) for c, v in zip(by, key)})
        head["n_texts"] = len(grp)
        parts.append(pd.concat([head, kw], axis=1))
    cols = by + ["n_texts", "rank", "keyword", "weight"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def aspect_lexicon(path: str | Path = ASPECT_LEXICON) -> pd.DataFrame:
    """The default aspect lexicon: ``aspect, term`` (logistics, price, service, product, content)."""
    return pd.read_csv(path, dtype=str)


def tag_aspects(texts: Iterable[str], lexicon: pd.DataFrame | None = None) -> pd.DataFrame:
    """Aspects mentioned by each text, from a lexicon ``aspect, term`` (default :func:`aspect_lexicon`).

    Returns one row per text, in input order: a ``hits_<aspect>`` count of matched terms per aspect
    (lexicon order), ``aspect`` (the aspect with the most hits, ties by lexicon order; ``"none"``
    when nothing matches) and ``n_aspects`` (aspects with at least one hit).
    """
    lex = aspect_lexicon() if lexicon is None else lexicon
    missing = [c for c in ("aspect", "term") if c not in lex.columns]
    if missing:
        raise KeyError(f"`lexicon` lacks column(s) {missing}. Available: {list(lex.columns)}.")
    aspects = list(dict.fromkeys(lex["aspect"]))
    patterns = {}
    for asp in aspects:
        terms = [_normalize(t).lower() for t in lex.loc[lex["aspect"] == asp, "term"].dropna() if str(t).strip()]
        alts = [re.escape(t) if _CJK.search(t) else rf"\b{re.escape(t)}\b" for t in sorted(set(terms), key=len, reverse=True)]
        patterns[asp] = re.compile("|".join(alts)) if alts else None
    norm = [_normalize(t).lower() for t in texts]
    out = pd.DataFrame({f"hits_{a}": [len(p.findall(t)) if p else 0 for t in norm] for a, p in patterns.items()},
                       index=range(len(norm)))
    hits = out.to_numpy() if aspects else None
    if aspects and len(norm):
        best = hits.argmax(axis=1)
        out["aspect"] = [aspects[b] if hits[i, b] > 0 else "none" for i, b in enumerate(best)]
        out["n_aspects"] = (hits > 0).sum(axis=1)
    else:
        out["aspect"], out["n_aspects"] = "none", 0
    return out


# re-exports: the public text surface (one per line)
from helpers.sentiment import evaluate_sentiment  # noqa: E402
from helpers.sentiment import sentiment  # noqa: E402
from helpers.topics import topics  # noqa: E402

__all__ = [
    "aspect_lexicon",
    "evaluate_sentiment",
    "is_chinese",
    "keywords",
    "keywords_by",
    "sentiment",
    "stop_words",
    "tag_aspects",
    "tokenize",
    "tokenizer",
    "topics",
]
