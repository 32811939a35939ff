"""PII: real identifiers found (spans in the original text), look-alikes left alone."""

from __future__ import annotations

import pytest

from callqa.text.pii import (
    RECOGNIZERS,
    PiiHit,
    digit_view,
    find_pii,
    id_check_char,
    luhn_valid,
    mask,
    recognizer,
    valid_id18,
)

ID = "11010519491231002X"  # the standard's sample number: valid date and check character


def _luhn_complete(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


CARD = _luhn_complete("622202123456789012")  # 19 digits
ORDER16 = _luhn_complete("202405121234567")  # 16 digits, Luhn-valid by construction


def kinds(text: str) -> list[tuple[str, str]]:
    return [(h.kind, h.text) for h in find_pii(text)]


def test_id_card_checksum():
    assert id_check_char(ID[:17]) == "X" and valid_id18(ID)
    assert kinds(f"我的身份证号是{ID}") == [("id_card", ID)]
    assert kinds(f"身份证{ID.lower()}") == [("id_card", ID.lower())]
    wrong = ID[:17] + "5"  # an 18-digit order number: the check character fails
    assert kinds(f"订单号{wrong}") == []
    bad_date = "110105194913310021"  # month 13
    assert not valid_id18(bad_date[:17] + id_check_char(bad_date[:17]))


def test_id_card_old_form_and_spoken():
    hits = find_pii("老身份证号是110105491231002")
    assert [(h.kind, h.score) for h in hits] == [("id_card", 0.85)]
    spoken = "身份证号码 幺幺零幺零五 幺九四九 幺二三幺 零零二X"
    hit = find_pii(spoken)[0]
    assert hit.kind == "id_card" and spoken[hit.start : hit.end] == hit.text
    assert hit.text.startswith("幺幺零") and hit.text.endswith("二X")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("我的手机号是13812345678", "13812345678"),
        ("手机 138 1234 5678 谢谢", "138 1234 5678"),
        ("电话 138-1234-5678", "138-1234-5678"),
        ("+86 139 0000 1111", "+86 139 0000 1111"),
        ("打0086-15912345678", "0086-15912345678"),
        ("号码是１３８１２３４５６７８", "１３８１２３４５６７８"),  # full-width
        ("我的手机是一三八 一二三四 五六七八", "一三八 一二三四 五六七八"),  # ASR numerals
        ("幺三九幺二三四五六七八就是我的号", "幺三九幺二三四五六七八"),
        ("我的号码13888886666", "13888886666"),  # repeated digits survive
    ],
)
def test_mobile(text, number):
    hits = find_pii(text)
    assert [(h.kind, h.text) for h in hits] == [("mobile", number)]
    assert text[hits[0].start : hits[0].end] == number


def test_mobile_look_alikes():
    assert kinds("订单号123813812345678") == []  # inside a longer digit run
    assert kinds("12812345678") == []  # no mobile prefix 12x


def test_landline():
    assert kinds("座机010-62345678") == [("landline", "010-62345678")]
    assert kinds("家里电话(0755)82345678") == [("landline", "(0755)82345678")]


def test_bank_card_needs_luhn_and_context():
    assert kinds(f"我的银行卡号是{CARD}") == [("bank_card", CARD)]
    spaced = " ".join(CARD[i : i + 4] for i in range(0, len(CARD), 4))
    assert kinds(f"工商银行储蓄卡 {spaced}") == [("bank_card", spaced)]
    # An order number: Luhn-valid digits, but no card word nearby.
    assert luhn_valid(ORDER16)
    assert kinds(f"订单号{ORDER16}请帮我查一下") == []
    # A card word but not Luhn-valid.
    broken = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    assert kinds(f"卡号{broken}") == []


def test_email_qq_wechat():
    assert kinds("邮箱是zhang.san@example.com，谢谢") == [("email", "zhang.san@example.com")]
    assert kinds("我的QQ号是12345678") == [("qq", "12345678")]
    assert kinds("扣扣 九八七六五四三二") == [("qq", "九八七六五四三二")]
    assert kinds("加我微信abc_12345") == [("wechat", "abc_12345")]
    assert kinds("vx：zhangsan88") == [("wechat", "zhangsan88")]
    assert kinds("订单12345678已发货") == []  # a bare number is no QQ


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我叫张伟", "张伟"),
        ("我叫李小明今天想问一下退款", "李小明"),  # ASR: no punctuation
        ("我叫张伟我想问一下", "张伟"),
        ("我姓王叫王芳", "王芳"),
        ("您好我是欧阳娜娜", "欧阳娜娜"),
        ("我 叫 刘 德 华", "刘 德 华"),
    ],
)
def test_names(text, name):
    hits = find_pii(text)
    assert [(h.kind, h.text) for h in hits] == [("name", name)]


@pytest.mark.parametrize(
    "text",
    ["我是客服小李", "我是联合洲际客服中心1024号", "我是王先生", "我是高手", "我是江苏的",
     "我叫你们经理来", "免贵姓王", "我是本人", "我是想问一下"],
)
def test_not_names(text):
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    ["工号1024号为您服务", "幺零二四号为您服务", "金额是1000元", "日期2024年5月1日",
     "下单时间2024-05-01 12:30", "退款368.50元已到账", "请在24小时内处理"],
)
def test_numbers_that_are_not_pii(text):
    assert kinds(text) == []


def test_mask_formats():
    text = f"身份证{ID}，手机13812345678，邮箱abc@x.com，我叫张伟"
    assert mask(text) == "身份证110***********002X，手机138****5678，邮箱a***@x.com，我叫张**"
    assert mask(f"卡号{CARD}") == f"卡号622{'*' * 12}{CARD[-4:]}"
    assert mask("手机 138 1234 5678") == "手机 138 **** 5678"  # separators stay
    assert mask("我的手机是一三八一二三四五六七八") == "我的手机是一三八****五六七八"
    assert mask("+86 138 1234 5678") == "+86 138 **** 5678"
    assert mask("没有个人信息") == "没有个人信息"


def test_kinds_filter_and_registry():
    text = "我叫张伟，手机13812345678"
    assert [h.kind for h in find_pii(text, kinds=["mobile"])] == ["mobile"]

    @recognizer("order_number")
    def orders(original, view):
        import re

        return [PiiHit("order_number", m.start(), m.end(), 0.7, m.group())
                for m in re.finditer(r"JD\d{8}", original)]

    try:
        assert kinds("订单JD12345678") == [("order_number", "JD12345678")]
    finally:
        del RECOGNIZERS["order_number"]


def test_digit_view_offsets():
    view = digit_view("手机 一三八 一二三四")
    assert view.text == "手机1381234"
    assert view.span(2, 5) == (3, 6)


def test_checksum_valid_order_number_scores_low():
    # An order number that happens to pass the ID checksum: kept, but with a low score.
    hit = find_pii(f"订单号{ID}")[0]
    assert hit.kind == "id_card" and hit.score == 0.5
    assert find_pii(f"订单号{ID}", min_score=0.6) == []
    assert find_pii(f"身份证号{ID}", min_score=0.6)[0].score == 0.98
