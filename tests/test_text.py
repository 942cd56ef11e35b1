"""Tokenization, keywords, aspects and topics on hand corpora (helpers.text, helpers.topics)."""
import jieba
import pandas as pd
import pytest

from helpers import text, topics


def test_user_dictionary_keeps_domain_terms_whole():
    toks = text.tokenize(["快递显示签收异常，物流信息一直不更新", "敏感肌可以用这款精华吗？"])
    assert "签收异常" in toks[0] and "物流信息" in toks[0]
    assert "敏感肌" in toks[1]
    # stop words (的, 了, 吗, 这款, 可以) and punctuation are gone; without the list they stay
    assert toks[1] == ["敏感肌", "用", "精华"]
    assert "可以" in text.tokenize(["敏感肌可以用这款精华吗？"], drop_stop_words=False)[0]
    # the kit's tokenizer is private: jieba's global tokenizer does not learn the user dictionary
    assert "签收异常" not in jieba.Tokenizer().lcut("签收异常")


def test_tokenize_normalizes_and_handles_missing_text():
    # full-width Latin letters become ASCII and are lower-cased; None gives an empty list
    assert text.tokenize(["ＯＫ，Fast Delivery", None]) == [["ok", "fast", "delivery"], []]


def test_keywords_tfidf_and_textrank_on_a_hand_corpus():
    corpus = ["快递显示已签收，但我根本没收到", "快递员没打电话就说已签收", "快递太慢了，签收的时候外箱破了",
              "口红颜色很正"]
    tf = text.keywords(corpus, method="tfidf", top_k=3)
    # 快递 (3 times) and 签收 (3 times) lead; the rank column counts from 1
    assert set(tf["keyword"].head(2)) == {"快递", "签收"}
    assert tf["rank"].tolist() == [1, 2, 3] and tf["weight"].is_monotonic_decreasing
    tr = text.keywords(corpus, method="textrank", top_k=3)
    assert tr["weight"].iloc[0] == pytest.approx(1.0)  # TextRank weights are scaled to the top word
    assert "快递" in set(tr["keyword"])
    assert text.keywords([], top_k=3).empty
    with pytest.raises(ValueError, match="'tfidf', 'textrank'"):
        text.keywords(corpus, method="bm25")


def test_textrank_keeps_the_user_dictionary_tags_on_every_call():
    # 快递员 is a noun of the kit's user dictionary, unknown to jieba's own part-of-speech table. jieba hands
    # the user tags to the first part-of-speech tokenizer that cuts and clears them, so an extractor built
    # afresh per call lost them from the second call on and TextRank dropped the word.
    corpus = ["快递员没打电话", "快递员把包裹放在门口", "快递员态度很好", "快递员送货很快"]
    calls = [text.keywords(corpus, method="textrank", top_k=5)["keyword"].tolist() for _ in range(3)]
    assert "快递员" in calls[0] and calls[1] == calls[0] and calls[2] == calls[0]


def test_keywords_by_group():
    frame = pd.DataFrame({"category": ["a", "a", "b"], "text": ["快递很慢，快递员态度差", "快递丢了", "口红断了，口红盒也坏了"]})
    out = text.keywords_by(frame, "category", top_k=1)
    assert out[["category", "n_texts", "keyword"]].values.tolist() == [["a", 2, "快递"], ["b", 1, "口红"]]


def test_aspect_tagging_hand_cases():
    out = text.tag_aspects(["快递显示已签收但没收到", "价格有点贵，优惠券也用不了", "客服半天不回消息",
                            "The parcel says delivered but I never got it.", "今天天气不错", "shipping relationship"])
    assert out["aspect"].tolist() == ["logistics", "price", "service", "logistics", "none", "logistics"]
    assert out.loc[0, "hits_logistics"] == 2      # 快递 + 签收
    assert out.loc[5, "hits_logistics"] == 1      # 'shipping' counts; 'ship' inside 'relationship' does not
    assert out["n_aspects"].tolist() == [1, 1, 1, 1, 0, 1]


def test_aspect_lexicon_can_be_replaced():
    lex = pd.DataFrame({"aspect": ["weather", "weather", "mood"], "term": ["天气", "下雨", "开心"]})
    out = text.tag_aspects(["今天天气不错", "下雨天不开心", "快递到了"], lexicon=lex)
    assert list(out.columns) == ["hits_weather", "hits_mood", "aspect", "n_aspects"]
    # a tie (one hit each) goes to the aspect listed first
    assert out["aspect"].tolist() == ["weather", "weather", "none"]
    with pytest.raises(KeyError, match="term"):
        text.tag_aspects(["x"], lexicon=pd.DataFrame({"aspect": ["a"]}))


CORPUS = (["快递太慢了，物流一直不更新", "快递显示签收但没收到", "物流太慢，快递员不接电话", "签收后发现快递外箱破了"] * 3
          + ["口红颜色很正，很显白", "面霜很滋润，口红也好看", "精华用了皮肤变好", "面霜和精华都很好用"] * 3)


def test_topics_separate_a_two_theme_corpus_and_are_reproducible():
    a = topics.topics(CORPUS, n_topics=2, top_n=4, min_df=2, seed=3)
    b = text.topics(CORPUS, n_topics=2, top_n=4, min_df=2, seed=3)
    pd.testing.assert_frame_equal(a.terms, b.terms)
    pd.testing.assert_frame_equal(a.assignments, b.assignments)
    # every logistics text lands in one topic and every product text in the other
    first, second = a.assignments["topic"][:12], a.assignments["topic"][12:]
    assert first.nunique() == 1 and second.nunique() == 1 and first.iloc[0] != second.iloc[0]
    top_log = set(a.terms.loc[a.terms["topic"] == first.iloc[0], "term"])
    assert "快递" in top_log and "口红" not in top_log
    assert a.sizes["n_texts"].tolist() == [12, 12] and a.sizes["share"].sum() == pytest.approx(1.0)
    # texts whose words load on no topic stay unassigned instead of joining the arg-max topic
    odd = topics.topics(CORPUS + ["今天天气不错", "谢谢大家"], n_topics=2, top_n=4, min_df=2, seed=3)
    assert odd.assignments["topic"].iloc[-2:].tolist() == [-1, -1]
    assert odd.sizes["n_texts"].tolist() == [12, 12] and odd.sizes["share_of_assigned"].sum() == pytest.approx(1.0)
    assert odd.sizes["share"].sum() == pytest.approx(24 / 26)
    # the weight a text needs is a parameter: above it a text keeps its arg-max topic, below it has none
    cut = float(a.assignments["topic_weight"].median())
    strict = topics.topics(CORPUS, n_topics=2, top_n=4, min_df=2, seed=3, min_weight=cut)
    weak = strict.assignments["topic_weight"] < cut
    assert weak.any() and (strict.assignments.loc[weak, "topic"] == -1).all()
    assert (strict.assignments.loc[~weak, "topic"] == a.assignments.loc[~weak, "topic"]).all()
    assert strict.sizes["n_texts"].sum() == (~weak).sum()
    with pytest.raises(ValueError, match="more texts"):
        topics.topics(CORPUS[:2], n_topics=2)


def test_sample_texts_caps_with_a_seeded_ordered_sample():
    texts = [f"t{i}" for i in range(100)]
    assert text.sample_texts(texts, None) == texts and text.sample_texts(texts, 100) == texts
    s1, s2 = text.sample_texts(texts, 10, seed=3), text.sample_texts(texts, 10, seed=3)
    assert s1 == s2 and len(set(s1)) == 10 and s1 == sorted(s1, key=lambda t: int(t[1:]))
    assert text.sample_texts(texts, 10, seed=4) != s1
    with pytest.raises(ValueError, match="max_texts"):
        text.sample_texts(texts, 0)
    # keywords of a capped sample: the dominant word of the whole body is still first
    body = ["物流太慢了"] * 900 + ["价格有点贵"] * 100
    full = text.keywords(body, max_texts=None)
    assert set(full["keyword"][:2]) == {"物流", "太慢"}  # jieba's IDF ranks the two words of the 900
    assert list(text.keywords(body, max_texts=200)["keyword"][:2]) == list(full["keyword"][:2])
