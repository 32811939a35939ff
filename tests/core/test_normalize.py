import pytest

from callqa.text.normalize import chinese_number, normalize


@pytest.mark.parametrize("raw, expected", [
    ("您好 联合洲际 客服中心", "您好联合洲际客服中心"),          # ASR spaces
    ("聯合洲際，請稍等", "联合洲际,请稍等"),                     # traditional → simplified
    ("ＡＢＣ１２３！", "abc123!"),                               # full width
    ("幺零二四号为您服务", "1024号为您服务"),                     # spoken digits
    ("我们会在二十四小时内回复", "我们会在24小时内回复"),          # counted number + unit
    ("两个工作日内", "2个工作日内"),
    ("稍等一下，我查一点东西", "稍等一下,我查一点东西"),          # 一下 / 一点 stay words
    ("呃那个我想问一下", "那个我想问一下"),                       # filler dropped
    ("好好好好的", "好好的"),                                    # ASR stutter collapsed
    ("谢谢你，看看吧", "谢谢你,看看吧"),                            # but real doubles stay
    ("工号1000号 138 8888 6666", "工号1000号13888886666"),          # digits never collapse
    ("一零零零号", "1000号"),
])
def test_normalize(raw, expected):
    assert normalize(raw).text == expected


def test_offsets_point_back_into_the_original():
    raw = "您好 联合洲际 幺零二四号"
    n = normalize(raw)
    start = n.text.index("1024")
    lo, hi = n.span(start, start + 5)  # "1024号"
    assert raw[lo:hi] == "幺零二四号"
    lo, hi = n.span(n.text.index("联合"), n.text.index("联合") + 4)
    assert raw[lo:hi] == "联合洲际"


@pytest.mark.parametrize("numeral, value", [("二十四", 24), ("十", 10), ("两", 2), ("一百零五", 105),
                                             ("三万五千", 35000), ("一二", None)])
def test_chinese_number(numeral, value):
    assert chinese_number(numeral) == value
