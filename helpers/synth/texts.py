"""Phrase banks: member feedback (topic x sentiment, Chinese with some English), staff and robot
replies, and the group-chat texts. Ticket texts live in :mod:`helpers.synth.ticket_texts`.

Every text the generator writes is drawn from an enumerated bank, so the banks can be checked
(for example that no generated full name occurs in them; see :mod:`helpers.synth.names`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

TOPICS = ("logistics", "price", "service", "product", "content")
SENTIMENTS = ("positive", "neutral", "negative")

FEEDBACK = {
    "logistics": {
        "positive": ["快递很快，隔天就到了", "包装很严实，一点没压坏", "物流速度超出预期", "这次发货好快，点赞",
                     "快递小哥服务很好，送货上门", "顺丰发货就是放心"],
        "neutral": ["请问现在下单什么时候发货？", "我的快递到哪了？", "可以指定快递公司吗？", "偏远地区包邮吗？",
                    "订单显示已发货，但是物流信息没更新？", "下单后还能改收货地址吗？"],
        "negative": ["快递显示已签收，但我根本没收到", "物流太慢了，一周还没到", "包裹被放在驿站也没人通知",
                     "签收的时候发现外箱破了", "快递员没打电话就说已签收", "等了好多天物流一直不动",
                     "到货的瓶子漏了，好心疼", "派送异常，联系不上快递员"],
    },
    "price": {
        "positive": ["这次活动价格很划算", "会员折扣力度很大，囤了好几件", "性价比很高，会回购",
                     "满减叠加优惠券真香", "价格比专柜便宜不少"],
        "neutral": ["请问这个优惠券怎么用？", "下次什么时候有活动？", "会员价和活动价能叠加吗？",
                    "积分可以抵现吗？", "这款有小样装吗？"],
        "negative": ["刚买完就降价了，能补差价吗？", "价格有点贵，希望多点优惠", "活动规则太复杂了看不懂",
                     "优惠券领了用不了", "说好的赠品没有送"],
    },
    "service": {
        "positive": ["客服回复很及时，问题很快解决了", "群里的顾问很专业，推荐的很适合我", "售后处理得很满意",
                     "服务态度特别好，耐心解答", "退换货流程很顺畅"],
        "neutral": ["请问人工客服几点上班？", "退货流程是怎样的？", "怎么联系专属顾问？", "发票在哪里开？",
                    "会员等级怎么升级？"],
        "negative": ["客服半天不回消息", "问题反映了好几次都没人处理", "售后一直推来推去",
                     "电话打不通，在线客服也排队", "处理速度太慢了，很失望"],
    },
    "product": {
        "positive": ["这款精华用了两周皮肤明显变好", "口红颜色很正，很显白", "香水味道很高级，留香久",
                     "面霜很滋润，秋冬用刚好", "防晒不油腻，很清爽", "旅行套装很方便携带"],
        "neutral": ["敏感肌可以用这款吗？", "这个色号适合黄皮吗？", "精华和面霜的使用顺序是什么？",
                    "孕期可以用吗？", "保质期是多久？"],
        "negative": ["用了之后脸上起痘了", "味道和之前买的不一样，是不是换配方了？", "粉底液有点卡粉",
                     "瓶子按压头坏了", "效果一般，没有宣传的那么好"],
    },
    "content": {
        "positive": ["今天的护肤攻略太实用了", "旅行路线分享得很详细，收藏了", "群里的干货越来越多了",
                     "直播讲解很清楚，学到了", "新品测评很真实"],
        "neutral": ["上次分享的攻略在哪里看？", "有没有适合油皮的护肤步骤？", "下次直播是什么时候？",
                    "能出一期行程规划的攻略吗？", "活动报名入口在哪？"],
        "negative": ["最近的推送全是广告", "内容有点重复，没什么新意", "群里消息太多了，找不到重点",
                     "攻略链接打不开", "推荐的内容和我没关系"],
    },
}
PREFIX = {"positive": ["", "", "哈哈，", "真心说，", "姐妹们，"],
          "neutral": ["", "", "你好，", "想问一下，", "亲们，"],
          "negative": ["", "", "唉，", "说实话，", "无语了，"]}
SUFFIX = {"positive": ["", "！", "～", " [强]", " 👍"],
          "neutral": ["", "", " 谢谢", " 谢谢～"],
          "negative": ["", "。", "！", " [捂脸]", "……"]}
ENGLISH = {
    "logistics": {"positive": ["Fast delivery, arrived the next day!", "Well packed, nothing broken."],
                  "neutral": ["When will my order ship?", "Can I change the delivery address?"],
                  "negative": ["The parcel says delivered but I never got it.", "Shipping is way too slow this time."]},
    "price": {"positive": ["Great deal on member day.", "Really good value for money."],
              "neutral": ["How do I use this coupon?", "Can member price and promo price be combined?"],
              "negative": ["Price dropped right after I bought it.", "The coupon does not work at checkout."]},
    "service": {"positive": ["Support replied quickly, problem solved.", "Very patient and helpful service."],
                "neutral": ["What are the support hours?", "How do I request a return?"],
                "negative": ["Nobody answers my messages.", "I reported this three times and nothing happened."]},
    "product": {"positive": ["Love this serum, my skin feels great.", "The fragrance lasts all day."],
                "neutral": ["Is this suitable for sensitive skin?", "Which shade fits warm undertones?"],
                "negative": ["This cream made me break out.", "The pump broke after two days."]},
    "content": {"positive": ["The travel guide was super detailed, thanks!", "Useful skincare tips today."],
                "neutral": ["Where can I find the last guide?", "When is the next live stream?"],
                "negative": ["Too many ads in the group lately.", "The guide link does not open."]},
}

STAFF_REPLIES = [
    "您好，已经收到，马上帮您查询", "收到，稍等，我这边确认一下", "亲，已为您登记，专属顾问会尽快联系您",
    "这个问题已经反馈给售后同事了，有进展第一时间告诉您", "您好，可以私信我订单号，我帮您跟进",
    "谢谢反馈，我们会继续改进", "优惠券在「会员中心-我的券包」里可以查看", "敏感肌建议先在耳后小范围试用",
    "发货一般在48小时内，节假日顺延", "攻略已经置顶在群公告里啦", "Hi, we are checking this for you now.",
]
ROBOT_REPLIES = [
    "【自动回复】查询物流请点击小程序「我的订单」，如有异常请回复“人工”",
    "【自动回复】人工客服工作时间为周一至周五 9:00-18:00，我们会尽快回复您",
    "【自动回复】退换货请在小程序「售后服务」中提交申请",
    "【自动回复】优惠活动详情请查看群公告",
]
ROBOT_NOTICES = [
    "【每日话题】今天聊聊你的换季护肤小妙招", "【每日话题】最想去的旅行目的地是哪里？",
    "【温馨提示】本周会员日全场满减，记得领券", "【每日话题】分享一件你最近回购的好物",
    "【温馨提示】群内禁止发布广告，感谢配合",
]
PROGRAMME_POSTS = [
    "【打卡活动】分享你今天的护肤步骤，参与即可领积分", "【打卡活动】晒出你的旅行照片，评论区抽三位送小样",
    "【互动问答】猜猜这款新品的主打成分，答对有奖", "【打卡活动】说说你最想要的下一期攻略主题",
    "【专属福利】本周打卡满三天，送会员积分", "【互动问答】你的肤质是什么类型？投票告诉我们",
]
CHAT_TOPICS = [("skincare", "护肤交流"), ("makeup", "彩妆分享"), ("travel", "旅行达人"),
               ("membership", "会员福利"), ("new_products", "新品体验")]
CHAT_NOTICE = "欢迎加入！群内每日分享护肤与旅行干货，有问题随时@群主"
LINK_TITLES = ["新品上市｜焕亮精华", "会员日福利清单", "周末出游攻略", "夏季防晒指南", "本周直播预告"]
BROADCAST = {
    "skin_update": ["换季护肤：敏感肌修护指南", "本周护肤新知：成分怎么选"],
    "guide": ["三亚五日游行程攻略", "周末城市漫游路线推荐"],
    "promotion": ["会员日限时8折", "满299减50，今晚截止"],
    "news": ["品牌新品发布", "门店焕新开业"],
    "event": ["周末线下沙龙报名", "旅行体验官招募"],
}
PERSONALIZED_PREFIX = "为你推荐｜"
PHONE_LINES = ["我的电话是{}，麻烦回电", "联系方式{}，有消息请通知我", "手机号{}，快递一直联系不上我"]


@dataclass(frozen=True)
class PhraseBank:
    """Texts stored group after group; ``draw(rng, groups)`` picks one text of each row's group."""

    texts: np.ndarray          # object array of str
    start: np.ndarray          # first index of each group
    size: np.ndarray           # texts in each group
    question: np.ndarray       # bool per text

    def draw(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        groups = np.asarray(groups, dtype=np.int64)
        u = rng.random(groups.size)
        return self.start[groups] + np.minimum((u * self.size[groups]).astype(np.int64), self.size[groups] - 1)


def _bank(groups: list[list[str]]) -> PhraseBank:
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    flat = [t for g in groups for t in g]
    question = np.array([t.rstrip(" 谢～").endswith(("？", "?")) for t in flat], dtype=bool)
    return PhraseBank(np.array(flat, dtype=object), np.r_[0, np.cumsum(sizes)[:-1]], sizes, question)


@lru_cache(maxsize=1)
def feedback_bank() -> PhraseBank:
    """Groups ``(language, topic, sentiment)`` in that nesting: index = lang*15 + topic*3 + sentiment
    with language 0 Chinese, 1 English."""
    groups = []
    for topic, sent in product(TOPICS, SENTIMENTS):
        groups.append([p + c + s for p, c, s in product(PREFIX[sent], FEEDBACK[topic][sent], SUFFIX[sent])])
    for topic, sent in product(TOPICS, SENTIMENTS):
        groups.append(list(ENGLISH[topic][sent]))
    return _bank(groups)


def feedback_group(topic: np.ndarray, sentiment: np.ndarray, english: np.ndarray) -> np.ndarray:
    return english.astype(np.int64) * 15 + topic.astype(np.int64) * 3 + sentiment


@lru_cache(maxsize=1)
def all_texts() -> tuple[str, ...]:
    """Every fixed text the generator can write (used to keep names out of texts)."""
    from helpers.synth import ticket_texts
    out = list(feedback_bank().texts) + STAFF_REPLIES + ROBOT_REPLIES + ROBOT_NOTICES + PROGRAMME_POSTS
    out += [t for _, t in CHAT_TOPICS] + [CHAT_NOTICE] + LINK_TITLES + PHONE_LINES + [PERSONALIZED_PREFIX]
    out += [t for v in BROADCAST.values() for t in v]
    out += ticket_texts.all_texts()
    return tuple(out)


@lru_cache(maxsize=1)
def all_bigrams() -> frozenset[str]:
    return frozenset(t[i:i + 2] for t in all_texts() for i in range(len(t) - 1))
