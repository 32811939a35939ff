"""Dialog acts: the shipped model on tricky lines (none of them is a training line)."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from callqa.text.acts import (
    ACTS,
    AGENT_ACTS,
    CUSTOMER_ACTS,
    MODELS_DIR,
    CharNgrams,
    default_model,
    featurize_text,
)


@pytest.fixture(scope="module")
def model():
    return default_model()


# (utterance, acts it must have, acts it must not have)
CASES = [
    # hold vs consent: 请稍等 alone is not a consent question
    ("请您稍等", {"hold_request"}, {"consent_question"}),
    ("您稍等一下，我帮您看看好吗", {"hold_request", "consent_question"}, set()),
    ("亲，还请您稍等哦，正在为您查询~", {"hold_request"}, {"consent_question"}),
    ("稍等什么稍等，我都等了半小时了", set(), {"hold_request"}),
    ("不用等了", set(), {"hold_request"}),
    # praise: negated or attached to a request is not praise
    ("我不是来感谢你的", set(), {"praise"}),
    ("麻烦帮我查一下订单，谢谢", {"request"}, {"praise"}),
    ("谢谢你，你们服务真好", {"praise"}, set()),
    ("太感谢了，帮了我大忙", {"praise"}, set()),
    # complaint: asking for the complaint number is a request
    ("你们这个投诉电话是多少啊", {"request"}, {"complaint"}),
    ("我要投诉你们这个客服", {"complaint"}, set()),
    ("我要头诉", {"complaint"}, set()),  # ASR homophone
    ("我要举报你们乱收费", {"complaint"}, set()),
    # time frames: 尽快 / 审核通过后 are not
    ("二十四小时内给您回电", {"time_frame", "callback_promise"}, set()),
    ("我们会尽快给您回电", {"callback_promise"}, {"time_frame"}),
    ("审核通过后会短信通知您", {"callback_promise"}, {"time_frame"}),
    # waits, thanks, compliments
    ("感谢您的耐心等待", {"wait_thanks"}, set()),
    ("让您久等了", {"wait_thanks"}, set()),
    ("不客气，这是我应该做的", {"praise_response"}, set()),
    # openings, phone and ASR style
    ("您好，联合洲际客服中心幺零二四号，很高兴为您服务，请问有什么可以帮您",
     {"greeting", "self_intro", "offer_help"}, set()),
    ("呃 您好 联合洲际服务热线 公号 三五七 请问有什么可以帮您",
     {"greeting", "self_intro", "offer_help"}, set()),
    ("亲亲，请问还有其他可以帮到您的吗~", {"ask_more_help"}, set()),
    ("感谢您的来电，祝您生活愉快，再见", {"thanks", "farewell"}, set()),
    # special situations
    ("请您文明用语，否则我将挂断电话", {"warning"}, set()),
    ("我听不懂您说的方言，请您说普通话好吗", {"cannot_understand", "request_mandarin"}, set()),
    ("您好，您的电话已经接通，请讲", {"silent_prompt"}, set()),
    ("听不到您的声音，请您稍后再拨，再见", {"silent_close", "farewell"}, set()),
    # understanding, empathy (reassurance alone is not), follow-up
    ("您的意思是快递一直没到是吗", {"confirm"}, set()),
    ("不好意思，更正一下，刚才说错了", {"correction", "apology"}, set()),
    ("我非常理解您的心情，给您带来不便非常抱歉", {"empathy", "apology"}, set()),
    ("请您放心", set(), {"empathy"}),
    ("我帮您转接到技术部门，请您稍等", {"transfer_notice", "hold_request"}, set()),
    ("我帮您记录下来反馈给相关部门", {"escalate"}, set()),
    ("请留一下您的联系电话", {"ask_contact"}, set()),
    # outbound
    ("请问您是王先生本人吗", {"confirm_identity"}, set()),
    ("给您来电是想回访一下您的宽带维修情况", {"state_purpose"}, set()),
    ("现在方便接听电话吗", {"ask_convenience"}, set()),
    ("顺便问一下积分怎么兑换", {"own_business"}, set()),
    ("我的退款怎么还没到账啊", {"request"}, set()),
    ("好的", set(), {"request", "praise", "thanks", "greeting"}),
    # waits, callbacks, outbound openings in other wordings
    ("您看能不能在线稍等我一下，我去核实一下", {"hold_request", "consent_question"}, set()),
    ("多谢您一直耐心等候", {"wait_thanks"}, set()),
    ("维修师傅会提前打电话跟您约时间", {"callback_promise"}, set()),
    ("就您前两天报修的事情给您回个电话", {"state_purpose"}, set()),
    ("请您注意您的措辞，再这样我们只能结束通话了", {"warning"}, set()),
]

FORBIDDEN = {"arrogant", "rebuke", "command", "shirk"}

# Forbidden service language (agent turns): paraphrases must fire, polite look-alikes that
# share their words must fire none of the four.
FORBIDDEN_CASES = [
    ("你问我，我又去问谁呢", {"arrogant"}),
    ("爱办不办，随你的便", {"arrogant"}),
    ("你有病吧，打这么多次", {"arrogant"}),
    ("没看见我正忙着吗", {"arrogant"}),
    ("不行就是不行，你再说也没用", {"arrogant"}),
    ("我不是早就跟你说过了吗", {"rebuke"}),
    ("谁叫你自己乱操作的", {"rebuke"}),
    ("你自己没看清楚说明吗", {"rebuke"}),
    ("明明就是你自己弄错了", {"rebuke"}),
    ("你给我小点声", {"command"}),
    ("行了别说了，你听我说", {"command"}),
    ("大声点，我这听不清楚", {"command"}),
    ("快点说，什么事", {"command"}),
    ("这事不归我们管，你找物业去", {"shirk"}),
    ("系统就是这样的，我们改不了", {"shirk"}),
    ("我不清楚，你去问快递公司", {"shirk"}),
    ("这不关我的事", {"shirk"}),
    # ASR (no punctuation, filler) and chat renderings
    ("嗯 你问我 我又上哪问去", {"arrogant"}),
    ("亲，这个不归我们管哦，你去找商家吧", {"shirk"}),
]
POLITE_LOOKALIKES = [
    ("请您稍微说大声一点，好吗", {"request_repeat"}),
    ("您先听我把话说完，好吗", set()),
    ("我不知道您这边是否收到了短信，我再给您发一次好吗", set()),
    ("这个确实没有办法修改，非常抱歉，我帮您换一个方案", {"apology"}),
    ("按照规定需要您本人来办理，给您添麻烦了", set()),
    ("您放心，这不是您的问题", set()),
    ("你怎么这么客气呀", set()),
    ("不怪您的", set()),
    ("这个需要商家来处理，我帮您联系一下", set()),
    ("麻烦您把订单号报一下", set()),
    ("您继续讲，我一直听着呢", set()),
    ("根据规定，七天内可以无理由退货", set()),
    ("这个我不太清楚，我去问一下同事再回复您", set()),
    ("亲，这个不能退的哦，不过可以换货", set()),
    ("请您别着急，咱们慢慢说", set()),
]


@pytest.mark.parametrize(("text", "must", "must_not"), CASES, ids=[c[0] for c in CASES])
def test_tricky_lines(model, text, must, must_not):
    predicted = model.predict([text])[0]
    assert must <= predicted, f"missing {must - predicted}; got {sorted(predicted)}"
    assert not (must_not & predicted), f"unexpected {must_not & predicted}"


@pytest.mark.parametrize(("text", "acts"), FORBIDDEN_CASES, ids=[c[0] for c in FORBIDDEN_CASES])
def test_forbidden_language(model, text, acts):
    predicted = model.predict([text], role="agent")[0]
    assert acts <= predicted, f"missing {acts - predicted}; got {sorted(predicted)}"


@pytest.mark.parametrize(("text", "acts"), POLITE_LOOKALIKES, ids=[c[0] for c in POLITE_LOOKALIKES])
def test_polite_lookalikes_are_not_forbidden(model, text, acts):
    predicted = model.predict([text], role="agent")[0]
    assert not (predicted & FORBIDDEN), f"unexpected {sorted(predicted & FORBIDDEN)}"
    assert acts <= predicted, f"missing {acts - predicted}; got {sorted(predicted)}"


def test_forbidden_acts_are_read_on_agent_turns_only(model):
    assert FORBIDDEN <= AGENT_ACTS and not (FORBIDDEN & CUSTOMER_ACTS)
    # An angry customer says the same words; they are never the customer's acts.
    assert not model.predict(["你有完没完啊，你听我说"], role="customer")[0] & FORBIDDEN
    assert model.predict(["你有完没完啊，你听我说"], role="agent")[0] & FORBIDDEN


def test_forbidden_thresholds_favour_precision(model):
    """The four forbidden-language acts fire only well above the usual act thresholds."""
    limits = dict(zip(model.acts, model.thresholds(), strict=True))
    assert all(limits[a] >= 0.5 for a in FORBIDDEN)
    assert max(v for a, v in limits.items() if a not in FORBIDDEN) < min(limits[a] for a in FORBIDDEN)


def test_forbidden_cases_are_not_training_lines():
    """The forbidden-language cases and their look-alikes are unseen paraphrases."""
    from callqa.text.train import load_act_lines

    _, lines = load_act_lines()
    seen = {featurize_text(line.template) for line in lines}
    texts = [c[0] for c in FORBIDDEN_CASES + POLITE_LOOKALIKES]
    assert not [t for t in texts if featurize_text(t) in seen]


def test_interface(model):
    assert model.acts == ACTS and len(ACTS) == 37
    proba = model.predict_proba(["您好", "我要投诉"])
    assert proba.shape == (2, len(ACTS))
    assert ((proba >= 0) & (proba <= 1)).all()
    assert model.thresholds().shape == (len(ACTS),)
    assert model.predict_proba([]).shape == (0, len(ACTS))
    assert model.predict([]) == []


def test_styles_agree(model):
    """Phone, ASR and chat renderings of one line get the same main act."""
    hold = model.acts.index("hold_request")
    proba = model.predict_proba(["请您稍等，我帮您查询一下。", "呃 请您 稍等 我帮您 查询一下",
                                 "亲，请您稍等哦，我帮您查询一下~"])
    assert (proba[:, hold] >= model.thresholds()[hold]).all()


def test_artefact_is_plain_npz():
    """Weights load without pickle (independent of the scikit-learn version)."""
    with zipfile.ZipFile(MODELS_DIR / "acts.npz") as zf:
        names = set(zf.namelist())
    assert {"coef.npy", "intercept.npy", "thresholds.npy", "vocabulary.npy", "acts.npy"} <= names
    with np.load(MODELS_DIR / "acts.npz", allow_pickle=False) as z:
        assert z["coef"].shape == (len(ACTS), len(z["vocabulary"]))


def test_featurizer():
    assert featurize_text("请问有什么可以帮您？ 工号 1024") == "请问有什么可以帮您工号0"
    assert featurize_text("幺零二四号") == featurize_text("1024号")
    grams = CharNgrams(["^您", "您好", "好$"], 3)
    x = grams.transform(["您好", "再见"])
    assert x.shape == (2, 3)
    assert x[0].nnz == 3 and x[1].nnz == 0
    # Binary n-grams, L2-normalised over all n-grams of the text (known or not).
    assert np.isclose(x[0].sum(), 3 / np.sqrt(len(grams.grams("您好"))))
