"""Bilingual labels (issue #6): ``lang`` switches chart titles, axes, legends, table headers and segment
names through the glossary. Known answers for ``t`` and ``relabel``; every helper chart drawn under
"zh" shows no English word of its own making and under "en" no Chinese; every title and axis label a
notebook writes goes through ``t`` or a glossary label, with the same figures in both languages."""
import ast
import inspect
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers import abtest_plots, feedback_plots, personas, plots, plots_journey, plots_members, plots_service  # noqa: E402
from helpers import strategy  # noqa: E402
from helpers.glossary import label, relabel, t  # noqa: E402

NB_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# words that stay as they are in a Chinese chart: acronyms, product and method names
KEEP = {"DAU", "WAU", "MAU", "SLA", "CSAT", "ICE", "IDF", "TF", "SnowNLP", "Zendesk", "Salesforce", "jieba", "Holm", "TextRank"}


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in KEEP]


# ---------------------------------------------------------------------------------------------- t


def test_t_returns_the_text_of_the_language():
    assert t("en", "Bounce falls", "跳出率下降") == "Bounce falls"
    assert t("zh", "Bounce falls", "跳出率下降") == "跳出率下降"
    drop = 0.14
    assert t("zh", f"cut by {drop * 100:.0f} points", f"降低 {drop * 100:.0f} 个百分点") == "降低 14 个百分点"


@pytest.mark.parametrize("lang", ["fr", "EN", "", None])
def test_t_refuses_an_unknown_language(lang):
    with pytest.raises(ValueError, match=r"`lang` must be one of \('en', 'zh'\); not"):
        t(lang, "a", "b")


def test_every_glossary_entry_has_both_languages():
    from helpers.glossary import NAMESPACED, TERMS
    for key, (en, zh) in {**TERMS, **NAMESPACED}.items():
        assert en and zh and not CJK.search(en), key
        assert CJK.search(zh) or zh == en, f"{key}: no Chinese in {zh!r}"  # names such as Zendesk stay as they are


# ---------------------------------------------------------------------------------------- relabel


def test_relabel_translates_headers_index_and_values_from_a_section():
    df = pd.DataFrame({"category": ["signoff_exception", "refund"], "ticket_share": [0.38, 0.1]},
                      index=pd.Index([0, 1], name="rank"))
    out = relabel(df, "zh", values=("category",), ns="service", header_ns="service")
    assert list(out.columns) == ["工单类别", "工单占比"] and out.index.name == "排名"
    assert out["工单类别"].tolist() == ["签收异常", "退款"]
    assert list(relabel(df, "en", header_ns="service").columns) == ["Category", "Share of tickets"]
    # headers without a section entry fall back to the shared terms; a value's section is not a header's
    steps = pd.DataFrame({"step": ["share"], "share": [0.5]})
    assert relabel(steps, "zh", values=("step",), ns="node").iloc[0].tolist() == ["分享", 0.5]
    assert list(relabel(steps, "zh", values=("step",), ns="node").columns) == ["step", "占比"]
    assert df.columns.tolist() == ["category", "ticket_share"]  # a copy: the input is untouched
    with pytest.raises(ValueError, match="lang"):
        relabel(df, "de")


def test_segment_and_persona_names_switch_language():
    assert label("Champions", "zh", ns="segment") == "重要价值用户" and label("dormant", "zh", ns="segment") == "沉睡"
    assert label("nav_fix", "zh") == "导航优化" and label("ship", "zh") == "上线"
    centroids = pd.DataFrame({"age_years": [1.5, -1.0, 0.1], "log_spend": [0.5, -0.5, 0.2], "tickets": [0.0, 2.0, -3.0]})
    assert personas.name_personas(centroids) == {0: "Mature", 1: "Vocal", 2: "Low tickets"}
    assert personas.name_personas(centroids, "zh") == {0: "成熟用户", 1: "反馈活跃者", 2: "工单数偏低"}
    twins = pd.DataFrame({"age_years": [1.0, 1.0], "log_spend": [0.5, -0.6]})  # same first word: the second is added
    assert personas.name_personas(twins) == {0: "Mature, big spenders", 1: "Mature, no purchase on record"}
    assert personas.name_personas(twins, "zh") == {0: "成熟用户·高消费用户", 1: "成熟用户·无消费记录"}
    with pytest.raises(ValueError, match="lang"):
        personas.name_personas(twins, "fr")


def test_every_persona_feature_and_content_type_has_both_names():
    from helpers.schema import CONTENT_TYPES
    for f in personas.FEATURES:
        en, zh = personas.feature_label(f, "en"), personas.feature_label(f, "zh")
        assert "_" not in en and CJK.search(zh) and not CJK.search(en), f
    for c in CONTENT_TYPES:
        assert CJK.search(label(c, "zh")), c


# ------------------------------------------------------------------------------- helper charts


def _texts(fig) -> list[str]:
    """Every text a reader sees on the figure: titles, axis labels, tick labels, legends, annotations."""
    fig.canvas.draw()
    out = [fig._suptitle.get_text()] if fig._suptitle else []
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")] + [ax.get_xlabel(), ax.get_ylabel()]
        out += [x.get_text() for x in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [x.get_text() for x in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += [leg.get_title().get_text()] + [x.get_text() for x in leg.get_texts()]
    return [s for s in out if s]


DAYS = pd.date_range("2026-06-01", periods=6, freq="D")
WEEKS = pd.date_range("2026-06-01", periods=3, freq="7D")


def _aa():
    from helpers import abtest
    return abtest.aa_check(pd.DataFrame({"y": np.arange(40.0)}), "y", n_splits=50)


CHARTS = {
    "daily": lambda lang: plots.plot_daily(pd.DataFrame({"day": DAYS, "n": range(6)}), "n", t(lang, "Title", "标题"),
                                           label("dau", lang), periods={"pre": (DAYS[0], DAYS[2]), "test": (DAYS[3], DAYS[5])}, lang=lang),
    "scoreboard": lambda lang: plots.plot_scoreboard(pd.DataFrame({"kpi": ["active_rate", "core_share"], "unit": ["share"] * 2,
                                                                   "value": [0.2, 0.18], "ci_low": [0.1, 0.1], "ci_high": [0.3, 0.2]}),
                                                     t(lang, "Title", "标题"), lang=lang),
    "counts": lambda lang: plots.plot_counts(relabel(pd.DataFrame({"x": ["pre", "test"] * 2, "y": [1, 2, 3, 4],
                                                                   "variant": ["treatment"] * 2 + ["control"] * 2}),
                                                     lang, columns=False, values=("x", "variant")),
                                             "x", "y", t(lang, "Title", "标题"), label("period", lang), label("units", lang),
                                             hue="variant", lang=lang),
    "dau_wau_mau": lambda lang: plots_members.plot_dau_wau_mau(pd.DataFrame({"day": DAYS, "dau": 1, "wau": 2, "mau": 3,
                                                                            "stickiness": 0.3}), lang=lang),
    "health_trend": lambda lang: plots_members.plot_health_trend(pd.DataFrame({"community_id": ["1"] * 3 + ["2"] * 3,
                                                                              "period": list(WEEKS) * 2, "score": range(6)}), lang=lang),
    "weights": lambda lang: plots_members.plot_weights(pd.DataFrame({"metric": ["active_rate", "answered_share"],
                                                                    "weight": [0.6, 0.4]}), lang=lang),
    "lifecycle": lambda lang: plots_members.plot_lifecycle(pd.DataFrame({"week": [WEEKS[0]] * 4, "members": [3, 2, 1, 4],
                                                                        "status": ["new", "returning", "resurrecting", "dormant"]}), lang=lang),
    "rfm_migration": lambda lang: plots_members.plot_transition_matrix(
        pd.DataFrame([[0.5, 0.5], [0.2, 0.8]], index=["Champions", "At risk"], columns=["Champions", "At risk"]), lang=lang),
    "silhouette": lambda lang: plots_members.plot_silhouette(pd.DataFrame({"k": [2, 3], "silhouette": [0.2, 0.4]}), 3, lang=lang),
    "radar": lambda lang: plots_members.plot_radar(
        pd.DataFrame({f: [1.0, -1.0] for f in personas.FEATURES}),
        personas.name_personas(pd.DataFrame({f: [1.0, -1.0] for f in personas.FEATURES}), lang), lang=lang),
    "interaction": lambda lang: plots_members.plot_interaction_by_segment(
        pd.DataFrame({"age_band": ["18-25", "18-25", "26-35", "26-35"], "content_type": ["guide", "skin_update"] * 2,
                      "rate": [0.38, 0.12, 0.3, 0.2]}), lang=lang),
    "tier_feedback": lambda lang: plots_members.plot_tier_feedback(
        pd.DataFrame({"city_tier": ["1", "1", "3", "3"], "category_group": ["logistics", "refund"] * 2,
                      "share": [0.3, 0.7, 0.65, 0.35]}), lang=lang),
    "reply_times": lambda lang: plots_members.plot_reply_times(
        pd.DataFrame({"community_id": ["g1", "g2"], "customer_messages": [10, 20], "median_reply_minutes": [5.0, 30.0],
                      "unanswered_share": [0.1, 0.2]}), lang=lang),
    "reconciliation": lambda lang: plots_members.plot_reconciliation(
        pd.DataFrame({"msg_total": [10, 20], "archive_msgs": [9, 18]}), lang=lang),
    "effects": lambda lang: abtest_plots.plot_effects(
        pd.DataFrame({"metric": ["nav_fix", "community_programme"], "abs_diff": [-0.14, 0.2], "abs_ci_low": [-0.16, 0.1],
                      "abs_ci_high": [-0.12, 0.3]}), lang=lang, truth=[-0.14, 0.2]),
    "rates": lambda lang: abtest_plots.plot_rates(pd.DataFrame({"period": ["pre", "test"], "rate": [0.15, 0.35],
                                                               "ci_low": [0.13, 0.32], "ci_high": [0.17, 0.38]}), "period", lang=lang),
    "aa": lambda lang: abtest_plots.plot_aa(_aa(), lang=lang),
    "balance": lambda lang: abtest_plots.plot_balance(pd.DataFrame({"covariate": ["pre_views", "pre_rate"], "smd": [0.02, -0.3]}),
                                                      lang=lang),
    "ice": lambda lang: strategy.plot_ice(strategy.catalogue(), lang=lang),
    "funnel": lambda lang: plots_journey.plot_funnel(
        pd.DataFrame({"step_index": [1, 2], "step": ["home", "itinerary_consult"], "conversion": [1.0, 0.5], "members": [4, 2]}),
        t(lang, "Title", "标题"), lang=lang),
    "bounce": lambda lang: plots_journey.plot_bounce(
        pd.DataFrame({"group": ["pre", "treatment"], "period": ["pre", "test"], "bounce_rate": [0.32, 0.18],
                      "ci_low": [0.3, 0.16], "ci_high": [0.34, 0.2], "views": [100, 100]}),
        "group", t(lang, "Title", "标题"), lang=lang, period="period"),
    "pareto": lambda lang: plots_service.plot_pareto(
        pd.DataFrame({"category": ["signoff_exception", "refund"], "ticket_share": [0.38, 0.62], "time_share": [0.22, 0.78],
                      "cumulative_ticket_share": [0.38, 1.0]}), t(lang, "Title", "标题"), lang=lang),
    "sla": lambda lang: plots_service.plot_sla(
        pd.DataFrame({"priority": ["urgent", "urgent", "low", "low"], "metric": ["first_reply", "resolution"] * 2,
                      "achievement_rate": [0.9, 0.5, 0.95, 0.8], "ci_low": [0.8, 0.4, 0.9, 0.7], "ci_high": [0.95, 0.6, 0.99, 0.9]}),
        t(lang, "Title", "标题"), lang=lang),
    "resolution_curves": lambda lang: plots_service.plot_resolution_curves(
        pd.DataFrame({"group": ["refund"] * 3, "hours": [0.0, 9.0, 18.0], "share_unsolved": [1.0, 0.5, 0.0],
                      "ci_low": [1.0, 0.4, 0.0], "ci_high": [1.0, 0.6, 0.1]}), t(lang, "Title", "标题"), lang=lang, clock="business"),
    "sentiment_trend": lambda lang: feedback_plots.plot_sentiment_trend(
        pd.DataFrame({"week": WEEKS, "negative_share": [0.4, 0.6, 0.4], "ci_low": [0.3, 0.5, 0.3], "ci_high": [0.5, 0.7, 0.5],
                      "negative_spike": [False, True, False]}), t(lang, "Title", "标题"), lang=lang),
    "aspect_share": lambda lang: feedback_plots.plot_aspect_share(
        pd.DataFrame({"city_tier": [3, 3, 1, 1], "aspect": ["logistics", "price"] * 2, "share": [0.6, 0.4, 0.3, 0.7]}),
        t(lang, "Title", "标题"), lang=lang),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_helper_chart_speaks_the_language_it_is_given(name):
    with plots.theme("zh"):
        zh = _texts(CHARTS[name]("zh").figure)
        en = _texts(CHARTS[name]("en").figure)
    plt.close("all")
    assert any(CJK.search(s) for s in zh), f"{name}: no Chinese text under lang='zh': {zh}"
    assert [s for s in zh if english_words(s)] == [], f"{name}: English left under lang='zh'"
    assert [s for s in en if CJK.search(s)] == [], f"{name}: Chinese under lang='en'"


def test_default_titles_state_the_finding_in_both_languages():
    with plots.theme("zh"):
        assert strategy.plot_ice(strategy.catalogue(), lang="en").get_title("left") == \
            "Navigation fix ranks first; tested strategies in blue"  # ICE (7 + 8 + 9) / 3 = 8.0, the highest
        assert strategy.plot_ice(strategy.catalogue(), lang="zh").get_title("left") == "导航优化优先级最高；蓝色为已测试的策略"
        aa = _aa()
        zh = abtest_plots.plot_aa(aa, lang="zh").get_title("left")
        assert zh == f"A/A 检验：{aa.false_positive_rate:.1%} 的随机拆分在 α = 0.05 下显著"
        assert abtest_plots.plot_balance(pd.DataFrame({"covariate": ["x"], "smd": [0.0]}), lang="zh").get_title("left") == "协变量平衡"
    plt.close("all")


def test_radar_axes_are_the_glossary_feature_names():
    cent = pd.DataFrame({"age_years": [1.0, -1.0], "log_spend": [0.5, -0.5], "tickets": [0.0, 2.0]})
    with plots.theme("zh"):
        zh = [x.get_text() for x in plots_members.plot_radar(cent, lang="zh").get_xticklabels()]
        en = [x.get_text() for x in plots_members.plot_radar(cent, lang="en").get_xticklabels()]
    plt.close("all")
    assert zh == ["年龄（岁）", "消费力（对数）", "工单数"]
    assert en == ["Age (years)", "Spending (log)", "Tickets"]


# ------------------------------------------------------------------------------------ notebooks

LABEL_ARGS = ("title", "xlabel", "ylabel")
BILINGUAL = {"t", "label", "term", "tr", "tr_node", "feature_label"}  # calls whose text follows `lang`


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _assignments(tree) -> dict:
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value
    return out


def _bilingual(node, assigns, seen=()) -> bool:
    """True when the expression's words follow `lang`: a call of t or a glossary label, a choice
    between such calls, a name bound to one, or one joined with language-free text like ' (%)'."""
    if isinstance(node, ast.Call):
        return _name(node.func) in BILINGUAL
    if isinstance(node, ast.IfExp):
        return _bilingual(node.body, assigns, seen) and _bilingual(node.orelse, assigns, seen)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [node.left, node.right]
        return any(_bilingual(p, assigns, seen) for p in parts) and all(
            _bilingual(p, assigns, seen) or (isinstance(p, ast.Constant) and not english_words(str(p.value))) for p in parts)
    if isinstance(node, ast.Name) and node.id in assigns and node.id not in seen:
        return _bilingual(assigns[node.id], assigns, seen + (node.id,))
    return isinstance(node, ast.Constant) and node.value in (None, "")


def _namespace(nb) -> dict:
    """The notebook's imports, run on their own (no warehouse needed)."""
    ns = {}
    for cell in nb.cells[:4]:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
            exec(compile(ast.Module(body=imports, type_ignores=[]), "<imports>", "exec"), ns)
    return ns


def _resolve(func, ns):
    if isinstance(func, ast.Name):
        return ns.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ns:
        return getattr(ns[func.value.id], func.attr, None)
    return None


def label_problems(nb) -> tuple[list[str], int]:
    """Titles and axis labels a notebook writes that do not go through t or the glossary; plot helpers
    called without ``lang``; and how many title or label arguments were checked."""
    ns, problems, checked = _namespace(nb), [], 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        assigns = _assignments(tree)
        for call in [n for n in ast.walk(tree) if isinstance(n, ast.Call)]:
            name, args = _name(call.func), {}
            if name in ("set_title", "suptitle", "set_xlabel", "set_ylabel") and call.args:
                args[name] = call.args[0]
            elif name == "set":
                args = {k.arg: k.value for k in call.keywords if k.arg in LABEL_ARGS}
            elif name.startswith("plot_"):
                fn = _resolve(call.func, ns)
                if fn is None:
                    problems.append(f"cell {i}: cannot resolve {ast.unparse(call.func)}")
                    continue
                params = inspect.signature(fn).parameters
                bound = inspect.signature(fn).bind_partial(*call.args, **{k.arg: k.value for k in call.keywords if k.arg})
                args = {k: v for k, v in bound.arguments.items() if k in LABEL_ARGS}
                if "lang" in params and "lang" not in bound.arguments:
                    problems.append(f"cell {i}: {ast.unparse(call.func)} called without lang")
            for arg, node in args.items():
                checked += 1
                if not _bilingual(node, assigns):
                    problems.append(f"cell {i}: {arg} = {ast.unparse(node)[:90]}")
    return problems, checked


def _literal(node) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return ""


def _data_names(node) -> set[str]:
    """Variables an expression formats (function names left out)."""
    called = {id(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in called}


def t_problems(nb) -> list[str]:
    """t(lang, en, zh) calls whose English holds Chinese, whose Chinese holds no Chinese, or whose
    two texts format different variables (a number typed into one language)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for call in [n for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Call) and _name(n.func) == "t"]:
            if len(call.args) != 3:
                problems.append(f"cell {i}: t needs (lang, en, zh): {ast.unparse(call)[:80]}")
                continue
            en, zh = call.args[1], call.args[2]
            if CJK.search(_literal(en)) or (english_words(_literal(zh)) and not CJK.search(_literal(zh))):
                problems.append(f"cell {i}: languages swapped or untranslated: {ast.unparse(call)[:80]}")
            elif not CJK.search(_literal(zh)) and english_words(_literal(en)):
                problems.append(f"cell {i}: no Chinese in {ast.unparse(zh)[:80]}")
            if _data_names(en) != _data_names(zh):
                problems.append(f"cell {i}: en formats {sorted(_data_names(en))}, zh {sorted(_data_names(zh))}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_titles_and_axis_labels_follow_lang(path):
    problems, checked = label_problems(nbformat.read(path, as_version=4))
    assert problems == []
    assert checked > 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_bilingual_texts_carry_the_same_figures(path):
    assert t_problems(nbformat.read(path, as_version=4)) == []


def test_notebook_checks_catch_an_english_title():
    """The checks above fail on what issue #6 found: a bare English f-string title, an English axis
    label, a helper without lang, a Chinese title that drops the number."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from helpers import plots\nfrom helpers.glossary import label, t"),
                nbformat.v4.new_code_cell(
                    'ax = plots.plot_counts(df, "x", "y", f"Bounce falls by {d:.0f} points", label("x", lang), "Event", lang=lang)\n'
                    'ax.set_title(t(lang, f"Bounce falls by {d:.0f} points", "跳出率下降"))\n'
                    'ax = plots.plot_kpi_tree(tree, t(lang, "Tree", "指标树"))\n'
                    'ax.set(xlabel="Date")')]
    problems, checked = label_problems(nb)
    assert checked == 6
    assert [p.split(":")[1].strip().split(" ")[0] for p in problems] == ["title", "ylabel", "plots.plot_kpi_tree", "xlabel"]
    assert t_problems(nb) == ["cell 1: en formats ['d'], zh []"]


def test_kpi_tree_formulas_have_chinese_twins_of_the_same_english_text():
    from helpers import kpi
    for row in kpi.KPI_TREE.itertuples():
        assert label(row.name, "en", "formula") == row.formula
        assert CJK.search(label(row.name, "zh", "formula")), row.name
        for lang in ("en", "zh"):  # the run's settings fill every placeholder
            shown = label(row.name, lang, "formula").format(target_hours=kpi.RESPONSE_TARGET_HOURS, window_days=30)
            assert "{" not in shown and ("4 h" in shown or "4 小时" in shown or row.name != "service_response")
        if row.denominator:
            assert label(row.name, "en", "denominator") == row.denominator
            assert CJK.search(label(row.name, "zh", "denominator")), row.name


def test_log_axis_finds_its_fonts_even_when_the_font_cache_lacks_matplotlibs_own(monkeypatch, caplog):
    # a font cache written by another, since deleted, matplotlib install lists system fonts only: the
    # mathtext of log-axis ticks then printed 20 findfont warnings into chapter 3's report
    import logging
    fm = matplotlib.font_manager.fontManager
    monkeypatch.setattr(fm, "ttflist", [f for f in fm.ttflist if "mpl-data" not in f.fname])
    matplotlib.font_manager.FontManager._findfont_cached.cache_clear()
    plots.cjk_font.cache_clear()
    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"), plots.theme("zh"):
        fig, ax = plt.subplots()
        ax.bar(["对照组", "实验组"], [10, 1000])
        ax.set_yscale("log")
        fig.canvas.draw()
        plt.close(fig)
    assert not [r.getMessage() for r in caplog.records if "findfont" in r.getMessage()]
    matplotlib.font_manager.FontManager._findfont_cached.cache_clear()
    plots.cjk_font.cache_clear()


def test_relabel_shows_no_negative_zero():
    import pandas as pd
    out = relabel(pd.DataFrame({"difference": [-0.0001, 1.5], "n": [1, 2], "ok": [True, False]}).round(3))
    assert "-0.0" not in out.to_string() and out.iloc[1, 0] == 1.5
    assert out.dtypes.tolist()[1] == pd.Series([1]).dtype  # integers keep their type
    assert out.iloc[:, 2].tolist() == ["Yes", "No"] and relabel(pd.DataFrame({"ok": [True]}), "zh").iloc[0, 0] == "是"


def test_relabel_can_show_missing_values_as_a_dash():
    import numpy as np
    import pandas as pd
    df = pd.DataFrame({"rows": [3, 4], "members": pd.array([2, None], dtype="Int64"), "x": [0.5, np.nan],
                       "name": ["a", None], "y": [1.25, 2.5]})
    out = relabel(df, missing="—")
    assert out.iloc[:, 1].tolist() == [2, "—"] and out.iloc[:, 2].tolist() == [0.5, "—"] and out.iloc[:, 3].tolist() == ["a", "—"]
    assert out.iloc[:, 0].dtype == "int64" and out.iloc[:, 4].dtype == "float64"  # columns without gaps keep their type
    assert relabel(df).iloc[:, 2].isna().iloc[1]  # without the option nothing is replaced


def test_relabel_shows_share_columns_as_percentages():
    import numpy as np
    import pandas as pd
    df = pd.DataFrame({"team": ["a", "b"], "csat_good_share": [0.8504, np.nan], "tickets": [3, 4], "ratio": [1.25, 0.5]})
    out = relabel(df, percent=("csat_good_share",))
    assert out.iloc[:, 1].tolist() == ["85.0%", "n/a"] and relabel(df, percent=("csat_good_share",), missing="—").iloc[1, 1] == "—"
    assert out.iloc[:, 2].tolist() == [3, 4] and out.iloc[:, 3].tolist() == [1.25, 0.5]  # other columns as they were
    with pytest.raises(KeyError, match="share"):
        relabel(df, percent=("share",))


def test_city_tiers_read_as_readers_name_them():
    from helpers.glossary import tier_name
    assert tier_name(3) == "Tier 3" and tier_name(3.0, "zh") == "三线" and tier_name("1", "zh") == "一线"
    assert tier_name(6) == "6" and tier_name(2.5) == "2.5" and tier_name(None) == "None" and tier_name("x") == "x"


def test_relabel_translates_a_named_index_of_values():
    import pandas as pd
    cs = pd.DataFrame({"n": [3, 1]}, index=pd.Index(["good", "bad"], name="csat"))
    out = relabel(cs, "zh", values=("csat",))
    assert out.index.tolist() == ["好评", "差评"] and out.index.name == label("csat", "zh")
    both = pd.DataFrame({"group": ["control", "all"]}).set_index("group", drop=False)
    assert relabel(both, values=("group",)).index.tolist() == ["Control", "All"]
    with pytest.raises(KeyError, match="neither"):
        relabel(cs, values=("nope",))


def test_count_charts_write_large_counts_in_full():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    from helpers import plots
    ax = plots.plot_counts(pd.DataFrame({"event": ["a", "b"], "rows": [2_500_000, 6_000_000]}), "event", "rows", "t", "", "")
    ax.figure.canvas.draw()
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert "6,000,000" in labels and ax.yaxis.get_offset_text().get_text() == ""  # no "1e6" above the axis
    plt.close(ax.figure)
    across = plots.plot_counts(pd.DataFrame({"event": ["a", "b"], "rows": [2_500_000, 6_000_000]}), "rows", "event", "t", "", "")
    across.figure.canvas.draw()
    assert "6,000,000" in [x.get_text() for x in across.get_xticklabels()]  # horizontal bars: the counts run along x
    plt.close(across.figure)
    small = plots.plot_counts(pd.DataFrame({"x": ["a"], "y": [0.5]}), "x", "y", "t", "", "")
    assert not isinstance(small.yaxis.get_major_formatter(), matplotlib.ticker.StrMethodFormatter)
    plt.close(small.figure)


def test_identity_populations_have_chinese_names():
    from helpers import identities
    for name in identities.POPULATIONS:
        assert label(name, "en", "population") == name and CJK.search(label(name, "zh", "population")), name


def test_relabel_writes_effects_and_intervals_in_chinese():
    from helpers.prose import effect, pp_effect
    df = pd.DataFrame({"metric": ["a", "b"], "change": [pp_effect(0.06, 0.056, 0.064), effect(0.012, -0.004, 0.028, "")]})
    assert relabel(df, "en").iloc[:, 1].tolist() == ["+6.0 pp (95% CI +5.6 to +6.4 pp)", "+0.012 (95% CI -0.004 to +0.028)"]
    assert relabel(df, "zh").iloc[:, 1].tolist() == ["+6.0 个百分点（95% CI +5.6 至 +6.4 个百分点）", "+0.012（95% CI -0.004 至 +0.028）"]
    assert relabel(pd.DataFrame({"note": ["go to the shop"]}), "zh").iloc[0, 0] == "go to the shop"  # other text untouched


def test_helper_texts_in_tables_read_in_chinese_with_their_parameters():
    from helpers.glossary import column_text
    assert column_text("delta-method z", "method", "zh") == "Delta 方法 z 检验"
    assert (column_text("DiD OLS on a placebo period, cluster-robust (community_id; t with G-1 df)", "method", "zh")
            == "安慰剂期双重差分 OLS，按社群聚类稳健（t 分布，自由度 G-1）")  # the cluster column by its glossary name
    assert column_text("SnowNLP reviews, training split (13886 sentences)", "trained_on", "zh") == "SnowNLP 评论语料的训练部分（13886 句）"
    assert (column_text("column 'order_time': naive timestamp (no UTC offset), not guessed", "reason", "zh")
            == "列“order_time”：时间戳没有 UTC 偏移，不作猜测")
    assert (column_text("column 'a': missing required value; column 'b': wrong type, expected integer", "reason", "zh")
            == "列“a”：缺少必填值；列“b”：类型错误，应为整数")
    assert column_text("duplicate event", "reason", "zh") == "重复的事件"
    from helpers.glossary import _EXPECTED_ZH
    from helpers.ingest.validation import _EXPECT
    assert set(_EXPECT.values()) <= set(_EXPECTED_ZH)  # every expected type validation can name has its Chinese
    assert column_text("duplicate msgid", "reason", "zh") == "重复的 msgid"
    assert column_text("duplicate id", "reason", "zh") == "重复的 ID"
    assert column_text("delta-method z", "method", "en") == "delta-method z"
    assert column_text("delta-method z", "reason", "zh") == "delta-method z"  # the patterns of its own column only
    assert column_text("a method the glossary does not know", "method", "zh") == "a method the glossary does not know"
    shown = relabel(pd.DataFrame({"method": ["Welch t"], "reason": ["truncated last line"], "note": ["Welch t"]}), "zh")
    assert shown.iloc[0].tolist() == ["Welch t 检验", "最后一行被截断", "Welch t"]


def test_every_registered_analysis_method_and_estimator_name_has_chinese():
    import numpy as np
    from helpers import abtest, strategy
    from helpers.glossary import column_text
    methods = set(strategy.catalogue()["analysis_method"])
    rng = np.random.default_rng(1)
    units = pd.DataFrame({"variant": ["control", "treatment"] * 50, "y": rng.normal(size=100),
                          "hit": rng.integers(0, 2, 100), "num": rng.integers(0, 5, 100), "den": rng.integers(5, 10, 100)})
    methods |= {abtest.compare(units, "y").method, abtest.compare(units, "hit", kind="proportion").method,
                abtest.compare(units, "num", kind="ratio", denominator="den").method,
                abtest.bootstrap_median(units, "y", n_resamples=99).method}
    panel = pd.DataFrame([(f"c{c}", c < 3, d, d >= 4, rng.normal()) for c in range(6) for d in range(8)],
                         columns=["community_id", "treated", "day", "post", "rate"])
    for cluster in ("community_id", None):
        methods |= {abtest.did(panel, "rate", "treated", "post", cluster=cluster).method,
                    abtest.did_pretrend(panel, "rate", "treated", "day", cluster=cluster).method,
                    abtest.period_contrast(panel, "rate", "treated", "day", 5, 7, cluster=cluster).method}
    assert len(methods) >= 14
    for m in methods:
        zh = column_text(m, "method", "zh")
        assert CJK.search(zh) and zh != m, m
