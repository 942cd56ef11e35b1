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

# Section vocabularies, looked up as label(key, lang, ns=...): the namespaced entry first, then the plain one.
# (A journey node 'share' is the share action, not the 'Share' of an axis; service 'hours' are hours since
# a ticket's creation, journey 'hours' since the funnel's first step.)
NAMESPACED: dict[str, tuple[str, str]] = {
    # service
    'service:signoff_exception': ('Sign-off exception', '签收异常'),
    'service:delivery_delay': ('Delivery delay', '配送延迟'),
    'service:product_quality': ('Product quality', '产品质量'),
    'service:refund': ('Refund', '退款'),
    'service:account': ('Account', '账户问题'),
    'service:consultation': ('Consultation', '咨询'),
    'service:category': ('Category', '工单类别'),
    'service:region': ('Region', '地区'),
    'service:city_tier': ('City tier', '城市等级'),
    'service:ticket_share': ('Share of tickets', '工单占比'),
    'service:time_share': ('Share of handling time', '处理时长占比'),
    'service:cumulative_share': ('Cumulative share', '累计占比'),
    'service:share_of_row': ("Share of the row's tickets", '行内工单占比'),
    'service:hours': ('Hours since creation', '创建后小时数'),
    'service:share_unsolved': ('Share still unsolved', '未解决占比'),
    'service:team': ('Team', '团队'),
    'service:score': ('Score (0-100)', '综合得分 (0-100)'),
    'service:speed': ('Speed', '处理速度'),
    'service:sla': ('SLA achievement', 'SLA 达成率'),
    'service:csat': ('CSAT good share', '满意度好评率'),
    'service:reopen': ('Reopen rate (inverse)', '重开率 (反向)'),
    'service:one_touch': ('One-touch share', '一次解决率'),
    'service:mean_resolution_hours': ('Mean resolution (h)', '平均解决时长 (小时)'),
    'service:achievement_rate': ('SLA achievement', 'SLA 达成率'),
    'service:first_reply': ('First reply', '首次回复'),
    'service:resolution': ('Resolution', '解决'),
    'service:priority': ('Priority', '优先级'),
    'service:open_at_end': ('Open tickets', '未结工单'),
    # node
    'node:home': ('Home', '首页'),
    'node:itinerary_consult': ('Itinerary consult', '行程咨询'),
    'node:booking_form': ('Booking form', '预订表单'),
    'node:booking_submit': ('Booking submitted', '提交预订'),
    'node:booking_success': ('Booking success', '预订成功'),
    'node:content_list': ('Content list', '内容列表'),
    'node:post_detail': ('Post detail', '内容详情'),
    'node:member_center': ('Member centre', '会员中心'),
    'node:mall': ('Mall', '商城'),
    'node:click': ('Click', '点击'),
    'node:post_view': ('Post view', '浏览内容'),
    'node:like': ('Like', '点赞'),
    'node:comment': ('Comment', '评论'),
    'node:share': ('Share (content)', '分享'),
    'node:post': ('Own post', '发帖'),
    'node:link_open': ('Link open', '打开链接'),
    'node:purchase': ('Purchase', '购买'),
    'node:(end)': ('(session ends)', '（会话结束）'),
    'node:(start)': ('(session starts)', '（会话开始）'),
    'node:other': ('Other', '其他'),
    # journey
    'journey:step': ('Step', '步骤'),
    'journey:conversion': ('Conversion from step 1', '相对首步转化率'),
    'journey:hours': ('Hours since step 1', '距首步小时数'),
    'journey:converted_share': ('Converted share', '已转化占比'),
    'journey:share_of_members': ('Share of members who reached the node', '到达该节点用户占比'),
    'journey:from_node': ('From', '来源节点'),
    'journey:to_node': ('To', '去向节点'),
    'journey:bounce_rate': ('Bounce rate', '跳出率'),
    'journey:x_px': ('x (px)', 'x（像素）'),
    'journey:y_px': ('y (px)', 'y（像素）'),
    'journey:click_density': ('Share of clicks', '点击占比'),
    'journey:cohort': ('Cohort (first day)', '同期群（首日）'),
    'journey:period_week': ('Weeks since cohort', '距同期群周数'),
    'journey:period_month': ('Months since cohort', '距同期群月数'),
    'journey:before': ('Before the fix', '改版前'),
    'journey:after': ('After the fix', '改版后'),
    # voice
    'voice:week': ('Week starting', '周起始日'),
    'voice:negative_share': ('Negative share of feedback (%)', '负面反馈占比 (%)'),
    'voice:aspect_share': ("Share of the tier's chat feedback (%)", '占该线级城市聊天反馈比例 (%)'),
    'voice:city_tier': ('City tier', '城市线级'),
    'voice:spike': ('Negative spike', '负面高峰'),
    'voice:accuracy': ('Held-out accuracy (%)', '留出集准确率 (%)'),
    'voice:macro_f1': ('Held-out macro-F1 (%)', '留出集宏平均 F1 (%)'),
    'voice:score': ('Held-out accuracy or macro-F1 (%)', '留出集准确率或宏平均 F1 (%)'),
    'voice:logistics': ('Logistics', '物流'),
    'voice:price': ('Price', '价格'),
    'voice:service': ('Service', '服务'),
    'voice:product': ('Product', '产品'),
    'voice:content': ('Content', '内容'),
    'voice:none': ('No aspect', '未识别'),
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"`lang` must be one of {LANGS!r}; not {lang!r}.")
    return lang


def label(key: str, lang: Lang = "en", ns: str | None = None) -> str:
    """The label of ``key`` in ``lang``: the entry of section ``ns`` if there is one, else the shared one;
    an unknown key is shown as itself with underscores as spaces."""
    check_lang(lang)
    key = str(key)
    if ns is not None and f"{ns}:{key}" in NAMESPACED:
        return NAMESPACED[f"{ns}:{key}"][LANGS.index(lang)]
    if key in TERMS:
        return TERMS[key][LANGS.index(lang)]
    return key.replace("_", " ")


def relabel(df, lang: Lang = "en", columns: bool = True, values: tuple[str, ...] = ()):
    """A copy of ``df`` with headers (and the values of the named columns) translated."""
    out = df.copy()
    for col in values:
        out[col] = out[col].map(lambda v: label(v, lang) if isinstance(v, str) else v)
    if columns:
        out.columns = [label(c, lang) for c in out.columns]
    return out
