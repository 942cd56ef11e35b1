"""One glossary for chart titles, axes, table headers and segment names in English or Chinese."""
from __future__ import annotations

from typing import Literal

Lang = Literal["en", "zh"]
LANGS = ("en", "zh")

TERMS: dict[str, tuple[str, str]] = {
    # KPIs
    "health_index": ("Community health index", "社群健康度"),
    "engagement": ("Member engagement", "用户参与度"),
    "service_response": ("Service response rate", "服务响应率"),
    "message_open_rate": ("Message open rate", "消息打开率"),
    "content_interaction_rate": ("Content interaction rate", "内容互动率"),
    "prospect_conversion": ("Prospect conversion", "潜在客户转化率"),
    "active_rate": ("Daily active rate", "日活跃率"),
    "dau": ("Daily active members", "日活跃用户"),
    "core_share": ("Core-member share", "核心用户占比"),
    "engagement_per_member": ("Actions per member per day", "人均日互动数"),
    # levels and periods
    "level_1": ("Level 1", "一级指标"),
    "level_2": ("Level 2", "二级指标"),
    "level_3": ("Level 3", "三级指标"),
    "pre": ("Pre-period", "数据采集期"),
    "design": ("Design period", "策略设计期"),
    "test": ("Test period", "效果验证期"),
    "treatment": ("Treatment", "实验组"),
    "control": ("Control", "对照组"),
    # axes and headers
    "date": ("Date", "日期"),
    "members": ("Members", "用户数"),
    "share": ("Share", "占比"),
    "share_pct": ("Share (%)", "占比 (%)"),
    "value": ("Value", "数值"),
    "kpi": ("KPI", "指标"),
    "unit": ("Unit", "单位"),
    "definition": ("Definition", "定义"),
    "interval": ("95% interval", "95% 区间"),
    "rows": ("Rows", "行数"),
    "table": ("Table", "数据表"),
    "source": ("Source", "来源"),
    "experiment": ("Experiment", "实验"),
    "variant": ("Arm", "组别"),
    "units": ("Units", "样本量"),
    "mde": ("Minimum detectable effect", "最小可检测效应"),
    "day_count": ("Records per day", "每日记录数"),
    "messages": ("Messages", "消息数"),
    "tickets": ("Tickets", "工单数"),
    "events": ("Events", "事件数"),
    "orders": ("Orders", "订单数"),
    # content types
    "skin_update": ("Skin update", "皮肤更新"),
    "guide": ("Guide", "攻略"),
    "promotion": ("Promotion", "促销"),
    "news": ("News", "资讯"),
    "event": ("Event", "活动"),
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"`lang` must be one of {LANGS!r}; not {lang!r}.")
    return lang


def label(key: str, lang: Lang = "en") -> str:
    """The label of ``key`` in ``lang``; an unknown key is shown as itself with underscores as spaces."""
    check_lang(lang)
    if key in TERMS:
        return TERMS[key][LANGS.index(lang)]
    return str(key).replace("_", " ")


def relabel(df, lang: Lang = "en", columns: bool = True, values: tuple[str, ...] = ()):
    """A copy of ``df`` with headers (and the values of the named columns) translated."""
    out = df.copy()
    for col in values:
        out[col] = out[col].map(lambda v: label(v, lang) if isinstance(v, str) else v)
    if columns:
        out.columns = [label(c, lang) for c in out.columns]
    return out
