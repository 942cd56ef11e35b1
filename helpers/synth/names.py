"""Chinese personal names (with pinyin for e-mail addresses and staff ids) and WeChat nicknames.

A full name is a surname plus one or two given-name characters. Pairs of a surname and a first
given character that occur anywhere in the phrase banks are never drawn, so no generated full
name can appear inside a message, ticket or comment text.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from helpers.synth import texts

SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"),
    ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("潘", "pan"), ("袁", "yuan"),
    ("蔡", "cai"), ("蒋", "jiang"), ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"),
    ("魏", "wei"), ("苏", "su"), ("吕", "lv"), ("丁", "ding"), ("任", "ren"), ("卢", "lu"),
    ("姚", "yao"), ("沈", "shen"), ("钟", "zhong"), ("姜", "jiang"), ("崔", "cui"), ("谭", "tan"),
    ("陆", "lu"), ("范", "fan"), ("汪", "wang"), ("廖", "liao"), ("金", "jin"), ("贾", "jia"),
    ("夏", "xia"), ("方", "fang"), ("邹", "zou"), ("熊", "xiong"), ("白", "bai"), ("孟", "meng"),
    ("秦", "qin"), ("邱", "qiu"), ("侯", "hou"), ("江", "jiang"), ("尹", "yin"), ("薛", "xue"),
    ("段", "duan"), ("雷", "lei"), ("黎", "li"), ("陶", "tao"), ("贺", "he"), ("顾", "gu"),
    ("龚", "gong"), ("邵", "shao"), ("钱", "qian"), ("戴", "dai"), ("欧阳", "ouyang"), ("司马", "sima"),
]
# weights roughly follow how common the surname is
SURNAME_WEIGHTS = np.r_[np.linspace(6.0, 1.2, len(SURNAMES) - 2), [0.3, 0.15]]

GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"),
    ("玉", "yu"), ("萍", "ping"), ("红", "hong"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"),
    ("晨", "chen"), ("宇", "yu"), ("浩", "hao"), ("欣", "xin"), ("怡", "yi"), ("佳", "jia"),
    ("雨", "yu"), ("萱", "xuan"), ("梓", "zi"), ("涵", "han"), ("子", "zi"), ("轩", "xuan"),
    ("思", "si"), ("诗", "shi"), ("梦", "meng"), ("嘉", "jia"), ("文", "wen"), ("博", "bo"),
    ("俊", "jun"), ("昊", "hao"), ("然", "ran"), ("悦", "yue"), ("馨", "xin"), ("晓", "xiao"),
    ("颖", "ying"), ("慧", "hui"), ("倩", "qian"), ("璐", "lu"), ("蕾", "lei"), ("晶", "jing"),
    ("凯", "kai"), ("鹏", "peng"), ("辉", "hui"), ("鑫", "xin"), ("宁", "ning"), ("彤", "tong"),
    ("瑶", "yao"), ("珊", "shan"), ("薇", "wei"), ("岚", "lan"), ("琪", "qi"), ("菲", "fei"),
    ("依", "yi"), ("沫", "mo"), ("阳", "yang"), ("帆", "fan"), ("飞", "fei"), ("冰", "bing"),
    ("健", "jian"), ("斌", "bin"), ("亮", "liang"), ("波", "bo"), ("峰", "feng"), ("婉", "wan"),
    ("清", "qing"), ("露", "lu"), ("月", "yue"), ("星", "xing"), ("诺", "nuo"), ("若", "ruo"),
    ("晴", "qing"), ("紫", "zi"), ("丹", "dan"), ("云", "yun"), ("泽", "ze"), ("睿", "rui"),
]

NICKNAMES = [
    "小鱼儿", "Momo", "阳光明媚", "Lily", "Cindy", "快乐小熊", "一只猫", "Amy", "旅行的意义", "Sunny",
    "小太阳", "晴天", "木子", "Coco", "Kiki", "慢慢来", "风吹麦浪", "Grace", "Vivian", "小确幸", "橙子",
    "Echo", "向日葵", "Tina", "柠檬不酸", "Jessie", "花开半夏", "Leo", "Nana", "简单就好", "追光者",
    "Yoyo", "海边的风", "Bella", "奶茶续命", "Zoe", "山川湖海", "Mia", "甜甜圈", "Ivy",
]


@lru_cache(maxsize=1)
def _allowed() -> np.ndarray:
    """``allowed[s, g]``: surname s followed by given character g never occurs in any text."""
    bigrams = texts.all_bigrams()
    allowed = np.ones((len(SURNAMES), len(GIVEN)), dtype=bool)
    for s, (sur, _) in enumerate(SURNAMES):
        last = sur[-1]
        for g, (ch, _) in enumerate(GIVEN):
            if last + ch in bigrams:
                allowed[s, g] = False
    return allowed


def draw_names(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw ``n`` full names; returns surname/given (hanzi) and their pinyin, as object arrays."""
    allowed = _allowed()
    sur = rng.choice(len(SURNAMES), size=n, p=SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum())
    g1 = rng.integers(0, len(GIVEN), size=n)
    bad = ~allowed[sur, g1]
    while bad.any():  # redraw the few forbidden pairs (loop over attempts, not rows)
        g1[bad] = rng.integers(0, len(GIVEN), size=int(bad.sum()))
        bad = ~allowed[sur, g1]
    two = rng.random(n) < 0.7
    g2 = rng.integers(0, len(GIVEN), size=n)
    sur_h = np.array([s for s, _ in SURNAMES], dtype=object)
    sur_p = np.array([p for _, p in SURNAMES], dtype=object)
    giv_h = np.array([g for g, _ in GIVEN], dtype=object)
    giv_p = np.array([p for _, p in GIVEN], dtype=object)
    given = np.where(two, giv_h[g1] + giv_h[g2], giv_h[g1])
    given_py = np.where(two, giv_p[g1] + giv_p[g2], giv_p[g1])
    return {"surname": sur_h[sur], "given": given, "surname_py": sur_p[sur], "given_py": given_py,
            "full": sur_h[sur] + given}


def draw_nicknames(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array(NICKNAMES, dtype=object)[rng.integers(0, len(NICKNAMES), size=n)]
