"""Personal information in Chinese service text: find it, mask it.

Presidio-like: a registry of small recognizers, each returning `PiiHit`s whose spans point
into the ORIGINAL text. Digit-based recognizers run on `normalize()`d text, so spaced or
dashed numbers (138 1234 5678 / 138-1234-5678), full-width digits and digits spoken as
Chinese numerals in ASR text (一三八一二三四五六七八) are found, and the normaliser's offsets
map them back.

The digit recognizers (and e-mail) read their own `digit_view()` of the text rather than
`normalize()`, whose stutter collapse would shorten 6222… to 622… .

Kinds: id_card (18-character resident ID with a valid birth date and mod-11 check character,
or the 15-digit old form), mobile, landline (with area code), bank_card (16–19 digits, Luhn
valid AND a card word nearby, so order numbers are left alone), email, qq and wechat (only
when named), name (introduced by the speaker: 我叫X / 我姓X叫XY / 我是X, X starting with a
common surname).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from callqa.text.normalize import Normalized, normalize


@dataclass(frozen=True, slots=True)
class PiiHit:
    kind: str
    start: int  # span in the original text
    end: int
    score: float  # confidence in [0, 1]
    text: str  # the original text of the span


Recognizer = Callable[[str, Normalized], list[PiiHit]]
RECOGNIZERS: dict[str, Recognizer] = {}


def recognizer(kind: str) -> Callable[[Recognizer], Recognizer]:
    """Register a recognizer for `kind` (a centre can add its own the same way)."""

    def register(func: Recognizer) -> Recognizer:
        RECOGNIZERS[kind] = func
        return func

    return register


_SPOKEN = {"零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
           "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}  # fmt: skip
_SPOKEN_RUN = re.compile(r"[零〇一幺二两三四五六七八九][零〇一幺二两三四五六七八九\s]{3,}")


def digit_view(text: str) -> Normalized:
    """Text for the number recognizers: full-width → ASCII, lower case, whitespace dropped,
    runs of four or more spoken digits (一三八…, spaces allowed) → digits; with offsets."""
    spoken = set()
    for m in _SPOKEN_RUN.finditer(text):
        if sum(not ch.isspace() for ch in m.group()) >= 4:
            spoken.update(range(m.start(), m.end()))
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if ch.isspace() or code == 0x3000:
            continue
        if i in spoken:
            ch = _SPOKEN[ch]
        elif ch in "－—–":
            ch = "-"
        elif ch in "（）：":
            ch = {"（": "(", "）": ")", "：": ":"}[ch]
        chars.append(ch.lower())
        offsets.append(i)
    return Normalized("".join(chars), (*offsets, len(text)))


def _hit(kind: str, text: str, norm: Normalized, start: int, end: int, score: float) -> PiiHit:
    """A hit for normalised [start, end), mapped back to the original text."""
    s, e = norm.span(start, end)
    return PiiHit(kind, s, e, score, text[s:e])


def _near(norm_text: str, start: int, end: int, words: re.Pattern[str], before: int = 8,
          after: int = 6) -> bool:  # fmt: skip
    return bool(words.search(norm_text[max(0, start - before) : start])
                or words.search(norm_text[end : end + after]))  # fmt: skip


# --------------------------------------------------------------------------- ID card

_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                        43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
                        83})  # fmt: skip
_ID18 = re.compile(r"(?<![0-9a-z])\d{17}[\dx](?![0-9a-z])")
_ID15 = re.compile(r"(?<![0-9a-z])\d{15}(?![0-9a-z])")
_ID_WORDS = re.compile(r"身份证|证件|身份号|id")
# Words that announce some other number: an ID-shaped number after them is less likely one.
_OTHER_NUMBER_WORDS = re.compile(r"订单|单号|运单|快递单|流水|编号|商品号|工单|发票号|税号")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(first17: str) -> str:
    """The mod-11 check character of an 18-character resident ID."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date = _dt.date(year, month, day)
    except ValueError:
        return False
    return _dt.date(1900, 1, 1) <= date <= _dt.date.today()


def valid_id18(number: str) -> bool:
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit() or int(number[:2]) not in _PROVINCES:
        return False
    if not _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
        return False
    return id_check_char(number[:17]) == number[17]


def valid_id15(number: str) -> bool:
    if len(number) != 15 or not number.isdigit() or int(number[:2]) not in _PROVINCES:
        return False
    return _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


@recognizer("id_card")
def find_id_cards(text: str, norm: Normalized) -> list[PiiHit]:
    hits = []
    for m in _ID18.finditer(norm.text):
        if valid_id18(m.group()):
            # One random 18-digit number in eleven passes the checksum: an order-number
            # context without an ID word lowers the score.
            other = (_near(norm.text, m.start(), m.end(), _OTHER_NUMBER_WORDS)
                     and not _near(norm.text, m.start(), m.end(), _ID_WORDS))  # fmt: skip
            hits.append(_hit("id_card", text, norm, m.start(), m.end(), 0.5 if other else 0.98))
    for m in _ID15.finditer(norm.text):
        if valid_id15(m.group()):  # no checksum: a card word makes it likely
            context = _near(norm.text, m.start(), m.end(), _ID_WORDS)
            other = _near(norm.text, m.start(), m.end(), _OTHER_NUMBER_WORDS)
            score = 0.85 if context else 0.3 if other else 0.5
            hits.append(_hit("id_card", text, norm, m.start(), m.end(), score))
    return hits


# --------------------------------------------------------------------------- phones

_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86-?)?1[3-9]\d-?\d{4}-?\d{4}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:\(0\d{2,3}\)|0\d{2,3}-?)[2-9]\d{6,7}(?:-\d{1,5})?(?![0-9])")
_PHONE_WORDS = re.compile(r"电话|座机|固话|号码|打|联系|致电|手机")


@recognizer("mobile")
def find_mobiles(text: str, norm: Normalized) -> list[PiiHit]:
    return [_hit("mobile", text, norm, m.start(), m.end(), 0.95)
            for m in _MOBILE.finditer(norm.text)]  # fmt: skip


@recognizer("landline")
def find_landlines(text: str, norm: Normalized) -> list[PiiHit]:
    hits = []
    for m in _LANDLINE.finditer(norm.text):
        marked = "-" in m.group() or "(" in m.group()
        context = _near(norm.text, m.start(), m.end(), _PHONE_WORDS)
        hits.append(_hit("landline", text, norm, m.start(), m.end(),
                         0.9 if marked and context else 0.8 if marked or context else 0.5))
    return hits


# --------------------------------------------------------------------------- bank card

_CARD = re.compile(r"(?<![0-9])\d{16,19}(?![0-9])")
_CARD_WORDS = re.compile(r"卡|银行|储蓄|信用|借记|账号|账户|帐号|帐户|银联")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@recognizer("bank_card")
def find_bank_cards(text: str, norm: Normalized) -> list[PiiHit]:
    return [_hit("bank_card", text, norm, m.start(), m.end(), 0.9)
            for m in _CARD.finditer(norm.text)
            if luhn_valid(m.group()) and _near(norm.text, m.start(), m.end(), _CARD_WORDS, 10)
            and not valid_id18(m.group())]  # fmt: skip


# --------------------------------------------------------------------------- online ids

_EMAIL = re.compile(r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
# The id must follow its name closely: 「QQ号是12345678」「微信：abc_123」.
_QQ = re.compile(r"(?:qq|扣扣)(?:号码|号)?(?:是|:|为)?(?P<id>[1-9]\d{4,10})(?![0-9])")
_WECHAT = re.compile(
    r"(?:微信|vx|wx|v信|威信|weixin)(?:号码|号|id)?(?:是|:|为)?"
    r"(?P<id>[a-z][a-z0-9_-]{5,19}|1[3-9]\d{9})(?![a-z0-9_-])"
)


@recognizer("email")
def find_emails(text: str, norm: Normalized) -> list[PiiHit]:
    return [_hit("email", text, norm, m.start(), m.end(), 0.95)
            for m in _EMAIL.finditer(norm.text)]  # fmt: skip


@recognizer("qq")
def find_qq(text: str, norm: Normalized) -> list[PiiHit]:
    return [_hit("qq", text, norm, m.start("id"), m.end("id"), 0.9)
            for m in _QQ.finditer(norm.text)]  # fmt: skip


@recognizer("wechat")
def find_wechat(text: str, norm: Normalized) -> list[PiiHit]:
    return [_hit("wechat", text, norm, m.start("id"), m.end("id"), 0.85)
            for m in _WECHAT.finditer(norm.text)]  # fmt: skip


# --------------------------------------------------------------------------- names

COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
                     "夏侯", "长孙", "宇文", "司徒", "端木")  # fmt: skip
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符"
    "舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司"
    "卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣"
    "巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝白"
)  # fmt: skip
def _words(text: str) -> list[str]:
    return text.split()


# Words that start with a surname character but are not names (我是高手 / 我是江苏的).
_NOT_NAMES = frozenset(_words(
    "高手 高兴 马上 江苏 江西 明天 明白 时候 温州 安徽 常州 金华 文件 白天 关于 全部 全家 "
    "应该 和你 和他 和您 于是 余额 程序 任何 向您 时间 连云 宁波 成都 黄山 贾汪 尚未 商家 "
    "商户 师傅 司机 单位 路过 谷歌 毛病 包裹 管理 解决 房东 费用 车主 项目 党员 简单 古代 "
    "吉林 宫殿 冷静 米饭 宗旨 边上 师姐 师兄 和平 沙发 荣幸 柴油 蒙古 华为 喻义 房客 池州 "
    "查询 查一 万一 钱包 戴着 武汉 齐全 乔迁 温馨 康复 童装 鲁莽 凌晨 梅州 纪念 景德 常客 "
    "常用 龙岩 史上 周末 周一 周二 周三 周四 周五 周六 周日 周边 林业 罗湖 郑州 肖像 田里 "
    "董事 袁州 蒋村 叶子 苏州 吕梁 丁点 任务 沈阳 卢湾 姜汤 钟点 陆续 汪汪 范围 石头 夏天 "
    "付款 付钱 付费 方便 方法 方面 方式 熊猫 秦皇 段落 陶瓷 黎明 贺卡 顾客 邵阳 严重 莫名 "
    "孔子 汤圆 施工 文字 牛奶 樊城 邢台 安全 安排 安心 齐齐 易拉 庞大 颜色 庄园 章程 岳阳 "
    "殷勤 申请 申报 欧洲 耿直 关注 关闭 关心 兰州 焦作 左边 柳州 甘肃 祝您 包括 包邮 宁愿 "
    "尚且 符合 舒服 毕业 单号 单子 季度 霍尔 涂料 成功 成年 苗头 谷子 盛情 曲线 骆驼 蓝色 "
    "路上 游客 辛苦 管道 柴火 蒙牛 鲍鱼 华南 祁连 蒲公 房子 滕州 屈服 饶了 解释 牟利 艾滋 "
    "尤其 阳光 时代 穆斯 农民 司法 卓越 古典 吉祥 简称 车子 项链 连续 芦苇 麦当 娄底 岑溪 "
    "景区 党委 宫廷 费劲 卜卦 冷冻 席位 卫生 米粉 柏林 宗教 桂林 全国 应用 闵行 苟且 边境 "
    "师范 和解 仇人 隋朝 商品 刁难 沙漠 荣誉 巫师 桑拿 郎中 甄选 丛林 仲裁 虞城 敖包 巩固 "
    "明确 佘山 池塘 查到 麻烦 苑区 迟到 白色 白领 马云 马路 王者 李子 刘海 陈述 杨树 黄色 "
    "黄金 吴江 徐州 孙子 胡同 何时 何况 高速 高级 林子 罗马 郑重 梁山 谢谢 宋朝 唐朝 许多 "
    "许可 韩国 曹操 曾经 萧山 田地 潘多 余下 杜绝 叶片 程度 苏宁 金额 金卡 钟表 江湖 汪洋 "
    "石油 夏季 韦伯 莫非 万达 钱款 严格 武器 戴尔 温度 文化 牛肉 葛根 安装 齐心 乔丹 颜值 "
    "章节 岳母 翟村 殷实 焦急 关键 兰花 左右 柳树 甘心 祝贺 包装 宁可 尚书 符号 舒适 江南 "
    "江北 黄河 长江 明星 宁夏 江门 江阴 海南 金融 金山 金牌 金色 金钱 万元 万分 万能 本人 "
    "家属"
))  # fmt: skip
_TITLES = ("先生", "女士", "小姐", "老师", "师傅", "经理", "主任", "同学", "阿姨", "大爷", "总")
# A third character that ends the name instead of belonging to it (ASR has no punctuation:
# 我叫张伟我想问一下).
_NAME_STOP = frozenset("我你他她它的是在想要有了呢啊吧呀哦嗯就也还和跟给从请问帮叫姓这那要说打来去买过"
                       "手电号家先女师经主同阿总啦嘛么吗哈呢哟啥")  # fmt: skip
_CJK = r"[\u4e00-\u9fff]"
_INTRO = re.compile(
    r"(?P<lead>我叫|我的名字是|我的名字叫|名字叫|本人叫|我姓(?P<sur>" + _CJK + r"{1,2})(?:名|叫)|我是|本人是)"
    r"(?P<name>" + _CJK + r"{1,4})"
)
_NOT_NAME_AFTER_SHI = re.compile(r"^(客服|联合|本人|他的|她的|你们|您的|来|做|打|想|说|用|从|在|第|这|那)")


def _surname_of(candidate: str) -> str | None:
    for compound in COMPOUND_SURNAMES:
        if candidate.startswith(compound):
            return compound
    return candidate[0] if candidate[0] in SURNAMES else None


def _trim_name(candidate: str, surname: str) -> str | None:
    """The name inside a greedy 2–4 character capture, or None when it is not a name."""
    max_len = len(surname) + 2
    name = candidate[:max_len]
    # Cut at the first character that ends a name (but keep at least one given-name char).
    for i in range(len(surname) + 1, len(name)):
        if name[i] in _NAME_STOP:
            name = name[:i]
            break
    if len(name) < len(surname) + 1 or any(name.endswith(t) for t in _TITLES):
        return None
    if name[: len(surname) + 1] in _NOT_NAMES or name in _NOT_NAMES or name[:2] in _NOT_NAMES:
        return None
    return name


@recognizer("name")
def find_names(text: str, norm: Normalized) -> list[PiiHit]:
    hits = []
    for m in _INTRO.finditer(norm.text):
        lead, candidate = m.group("lead"), m.group("name")
        if m.group("sur"):  # 我姓王叫王芳 / 我姓王名芳
            surname = m.group("sur")
            if _surname_of(surname) != surname:
                continue
            if not candidate.startswith(surname):
                candidate = surname + candidate  # 我姓王叫芳芳: the given name only
                name = _trim_name(candidate, surname)
                if name is None:
                    continue
                start = m.start("name")
                hits.append(_hit("name", text, norm, start, start + len(name) - len(surname),
                                 0.9))  # fmt: skip
                continue
            score = 0.95
        else:
            if len(candidate) < 2:
                continue
            if lead in ("我是", "本人是") and _NOT_NAME_AFTER_SHI.match(candidate):
                continue
            score = 0.85 if lead not in ("我是", "本人是") else 0.6
        surname = _surname_of(candidate)
        if surname is None:
            continue
        name = _trim_name(candidate, surname)
        if name is None:
            continue
        hits.append(_hit("name", text, norm, m.start("name"), m.start("name") + len(name), score))
    return hits


# --------------------------------------------------------------------------- API


# Recognizers that read normalize() (words); the others read digit_view() (numbers).
_WORD_KINDS = frozenset({"name"})


def find_pii(text: str, kinds: Iterable[str] | None = None, min_score: float = 0.0
             ) -> list[PiiHit]:  # fmt: skip
    """PII hits in `text` (spans in the original), overlaps resolved, in text order.

    Scores: checksum-valid or well-marked identifiers 0.85–0.98; an 18-character ID number
    after an order-number word 0.5, a 15-digit one without an ID word 0.3–0.5; names
    after 我是 0.6. `min_score` drops the weaker hits.
    """
    wanted = RECOGNIZERS if kinds is None else {k: RECOGNIZERS[k] for k in kinds}
    views: dict[bool, Normalized] = {}
    hits: list[PiiHit] = []
    for kind, find in wanted.items():
        words = kind in _WORD_KINDS
        if words not in views:
            views[words] = normalize(text) if words else digit_view(text)
        hits.extend(h for h in find(text, views[words]) if h.score >= min_score)
    # Overlaps: the more confident, then the longer hit wins (an ID beats the mobile-looking
    # digits inside it).
    hits.sort(key=lambda h: (-h.score, -(h.end - h.start), h.start))
    kept: list[PiiHit] = []
    for hit in hits:
        if all(hit.end <= k.start or k.end <= hit.start for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


_DIGITLIKE = frozenset("0123456789０１２３４５６７８９零〇一幺二两三四五六七八九xX")


def _mask_number(span: str, keep_head: int = 3, keep_tail: int = 4) -> str:
    """Mask the digits of `span` except the first and last few; separators stay."""
    positions = [i for i, ch in enumerate(span) if ch in _DIGITLIKE]
    if len(positions) <= keep_head + keep_tail:
        keep_head, keep_tail = min(2, len(positions) // 3), 0
    hidden = set(positions[keep_head : len(positions) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(span))


def mask_span(kind: str, span: str) -> str:
    if kind == "name":
        return span[0] + "**"  # the length of the name is not kept either
    if kind == "email":
        local, _, domain = span.partition("@")
        return local[:1] + "***@" + domain
    if kind == "wechat" and not span.isdigit():
        return span[:2] + "*" * max(len(span) - 2, 3)
    if kind == "mobile":  # +86 / 0086: the country code stays, the rest as usual
        extra = max(sum(ch in _DIGITLIKE for ch in span) - 11, 0)
        return _mask_number(span, 3 + extra)
    return _mask_number(span)


def mask(text: str, hits: Sequence[PiiHit] | None = None) -> str:
    """`text` with every hit masked: 110***********1234, 138****5678, 张**, a***@x.com."""
    if hits is None:
        hits = find_pii(text)
    out: list[str] = []
    pos = 0
    for hit in sorted(hits, key=lambda h: h.start):
        if hit.start < pos:
            continue  # overlapping hits passed in by the caller: the first one wins
        out.append(text[pos : hit.start])
        out.append(mask_span(hit.kind, text[hit.start : hit.end]))
        pos = hit.end
    out.append(text[pos:])
    return "".join(out)
