"""Customer emotion: anger vs. neutral reports, urging and negation; abuse; intensity."""

from __future__ import annotations

import pytest

from callqa.text.emotion import Emotion, default_model, find_cues, lexicon_features
from callqa.text.normalize import clean


@pytest.fixture(scope="module")
def model():
    return default_model()


def _analyse(model, text: str) -> Emotion:
    return model.analyse([text])[0]


ANGRY = [
    "你们什么破服务，等了半个月了还不到！",
    "凭什么又扣我五十块钱，我根本没开通过",
    "我都打了四次电话了，到现在还没人管，太过分了",
    "气死我了，你们就是这样对待老客户的吗",
    "乱扣费还不认账，你们这是抢钱吧",
    "说好三天到货，这都一个星期了，你们怎么做事的？？？",
]
CALM = [
    "我的快递还没到，帮我查一下",  # neutral problem report
    "快点帮我处理一下吧",  # urging
    "我晕",  # mild
    "我不生气，就是想问问进度",  # negated
    "没有不满意，挺好的",  # negated
    "好的谢谢你",
    "话费好像多扣了一点，麻烦看看是什么费用",
]


@pytest.mark.parametrize("text", ANGRY)
def test_angry(model, text):
    emotion = _analyse(model, text)
    assert emotion.angry >= model.angry_threshold, emotion
    assert emotion.abusive < model.abusive_threshold, emotion


@pytest.mark.parametrize("text", CALM)
def test_not_angry(model, text):
    emotion = _analyse(model, text)
    assert emotion.angry < model.angry_threshold, emotion
    assert emotion.abusive < model.abusive_threshold, emotion


@pytest.mark.parametrize("text", ["你他妈的有病吧", "你个白痴听不懂人话吗", "sb客服滚"])
def test_insults_are_abusive_and_angry(model, text):
    emotion = _analyse(model, text)
    assert emotion.abusive >= model.abusive_threshold, emotion
    assert emotion.angry >= model.angry_threshold, emotion


@pytest.mark.parametrize("text", ["美女你有男朋友吗，晚上出来玩", "哈哈哈逗你玩呢我没事"])
def test_harassment_is_abusive_not_angry(model, text):
    emotion = _analyse(model, text)
    assert emotion.abusive >= model.abusive_threshold, emotion
    assert emotion.angry < model.angry_threshold, emotion


def test_intensity_orders_levels(model):
    calm, mild, furious = model.analyse(
        ["帮我查一下订单", "怎么又坏了，这已经是第二次了", "气死我了！！你们这帮骗子，我要去曝光你们！"]
    )
    assert 0.0 <= calm.intensity < mild.intensity < furious.intensity <= 1.0


def test_cues_and_negation():
    kept, negated, abusive = find_cues(clean("我不生气，但是你们太过分了"))
    assert [c for c, _ in kept] == ["太过分", "过分"]
    assert negated == ["生气"]
    assert not abusive
    kept, negated, _ = find_cues(clean("我没有不满，只是问问"))
    assert not kept and negated == ["不满"]
    # A negator in another clause does not cancel the cue.
    kept, negated, _ = find_cues(clean("不是吧，气死我了"))
    assert [c for c, _ in kept] == ["气死"] and not negated
    # 操作 / 滚筒 are not profanity.
    assert not find_cues(clean("这个操作怎么弄，滚筒洗衣机坏了"))[2]
    # 不满足条件 (does not meet the conditions) holds no 不满 (discontent); 很不满 does.
    assert not find_cues(clean("APP上一直提示不满足条件"))[0]
    assert [c for c, _ in find_cues(clean("我对你们很不满"))[0]] == ["不满"]


def test_cues_reported(model):
    emotion = _analyse(model, "什么破服务，气死我了")
    assert {"破服务", "气死"} <= set(emotion.cues)
    assert _analyse(model, "我不生气").cues == ()


def test_lexicon_features_shape():
    rows, cues = lexicon_features(["太过分了！！！", "好的"])
    assert rows.shape == (2, 6)
    assert rows[0, 0] > 0 and rows[0, 3] == 1.0
    assert rows[1].sum() == 0 and cues[1] == ()


def test_empty(model):
    assert model.analyse([]) == []
