"""Support-desk texts: ticket subjects and descriptions by category, agent and requester comments."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from helpers.synth.texts import PhraseBank, _bank

CATEGORIES = ("signoff_exception", "delivery_delay", "product_quality", "refund", "account", "consultation")
CATEGORY_NAMES = ("签收异常", "配送延迟", "产品质量", "退款", "账户问题", "咨询")
LOGISTICS = (0, 1)

SUBJECTS = {
    "signoff_exception": ["快递显示签收但未收到", "签收异常", "包裹被他人代签", "未经同意放驿站", "签收后发现少件"],
    "delivery_delay": ["物流超时未送达", "发货太慢", "物流信息不更新", "预计送达时间已过"],
    "product_quality": ["产品有质量问题", "收到的商品破损", "使用后过敏", "包装漏液"],
    "refund": ["申请退款", "退款还没到账", "退货后未收到退款"],
    "account": ["无法登录会员账号", "积分不见了", "会员等级显示错误", "手机号换绑"],
    "consultation": ["咨询产品使用方法", "咨询活动规则", "咨询发票开具", "旅行套餐咨询"],
}
BODIES = {
    "signoff_exception": ["物流显示已签收，但我本人没有收到包裹，家里人也说没有。", "快递员没有联系我就点了签收，现在找不到包裹。",
                          "包裹被放在小区驿站，没有任何通知，过了好几天才取到。", "签收的时候只收到一个箱子，订单里应该有两个。",
                          "快递被物业代收了，但物业说没看到。",
                          "订单详情里写着已完成，可我什么都没拿到。"],  # no logistics term: not every description names its aspect
    "delivery_delay": ["下单一周了还没有送到，物流停在中转站好几天。", "说好的次日达，三天了还没发货。",
                       "物流信息一直不更新，不知道包裹在哪里。", "预计送达时间已经过了，催了也没有回复。",
                       "等了十天还没到，早知道就不买了，想退款。"],  # names the remedy (退款, a service term), not the delay
    "product_quality": ["收到的精华瓶子裂了，液体漏了一半。", "用了两天脸上过敏发红，想咨询怎么处理。",
                        "口红断了，包装盒也压坏了。", "香水味道和专柜的不一样，怀疑不是正品。",
                        "东西用着不太对劲，跟之前买的不一样。"],
    "refund": ["退货已经寄回一周了，退款还没到账。", "申请了退款但是一直显示处理中。",
               "订单取消后钱没有退回来。", "退款金额不对，少退了运费。"],
    "account": ["会员账号登录不上，提示验证码错误。", "上个月的积分突然清零了。",
                "会员等级应该是金卡，现在显示普通会员。", "想把绑定的手机号换成新号码。"],
    "consultation": ["想问一下这款面霜适合什么肤质。", "会员日活动的满减规则是怎样的？",
                     "电子发票在哪里申请？", "旅行套餐可以改日期吗？"],
}
ENGLISH_BODIES = {
    "signoff_exception": ["Tracking says delivered but the package never arrived."],
    "delivery_delay": ["My order has been stuck in transit for a week."],
    "product_quality": ["The bottle arrived cracked and leaking."],
    "refund": ["I returned the item two weeks ago and still have no refund."],
    "account": ["I cannot log in to my member account."],
    "consultation": ["Can I change the dates of my travel package?"],
}
# how a person labels each description (the hand labels of labels/ticket_sentiment.csv): a complaint is
# negative; a question or a plain request is neutral; no description is positive
NEUTRAL_BODIES = frozenset(BODIES["consultation"] + ENGLISH_BODIES["consultation"] + ["想把绑定的手机号换成新号码。"])


def body_labels(bodies: np.ndarray) -> np.ndarray:
    """``negative`` or ``neutral`` for each description body (before any contact line is appended)."""
    return np.where(np.isin(bodies, list(NEUTRAL_BODIES)), "neutral", "negative").astype(object)


FIRST_REPLIES = ["您好，已收到您的反馈，我们正在核实，请耐心等待。", "您好，麻烦提供一下订单截图，我们马上处理。",
                 "您好，已联系物流公司核实，有结果第一时间通知您。", "Hello, thanks for reaching out. We are looking into it."]
SOLVE_COMMENTS = ["您好，问题已处理完毕，如有其他疑问欢迎随时联系。", "已为您安排补发，请注意查收。",
                  "退款已原路退回，预计1-3个工作日到账。", "Your issue has been resolved. Thank you for your patience."]
REQUESTER_REPLIES = ["好的，谢谢", "还没有收到，请再帮我查一下", "已经提供了，麻烦尽快处理", "OK, thanks."]
REOPEN_COMMENTS = ["问题还是没有解决，又出现了", "补发的包裹也显示签收但没收到", "The problem is back again."]
PII_TEMPLATES = ["联系电话：{}", "我的手机号是{}，请尽快联系我", "我的邮箱是 {}", "You can reach me at {}"]


@lru_cache(maxsize=1)
def body_bank() -> PhraseBank:
    """Group index = category*2 + language (0 Chinese, 1 English)."""
    groups = []
    for cat in CATEGORIES:
        groups.append(list(BODIES[cat]))
        groups.append(list(ENGLISH_BODIES[cat]))
    return _bank(groups)


@lru_cache(maxsize=1)
def subject_bank() -> PhraseBank:
    return _bank([SUBJECTS[c] for c in CATEGORIES])


def all_texts() -> list[str]:
    out = [t for v in SUBJECTS.values() for t in v] + [t for v in BODIES.values() for t in v]
    out += [t for v in ENGLISH_BODIES.values() for t in v] + list(CATEGORY_NAMES)
    out += FIRST_REPLIES + SOLVE_COMMENTS + REQUESTER_REPLIES + REOPEN_COMMENTS + PII_TEMPLATES + INTERNAL_NOTES
    return out


def pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), size=n)]
INTERNAL_NOTES = ["内部备注：已联系物流核实", "内部备注：需要仓库确认库存", "Internal note: escalated to tier 2."]
