"""Dialog acts of one utterance (multi-label), from a small linear model on char n-grams.

The role (agent / customer) is known to the caller and is not an input: acts that only one
side performs (`praise` is the customer's, `praise_response` the agent's) are read by the
caller for the right side. The model was trained on lines written for callqa
(`callqa/text/data/acts.yaml`, rebuilt by `python -m callqa.text.train`); the weights ship
as `callqa/text/models/acts.npz` (no pickle): prediction is featurise → sparse × dense
product → sigmoid → per-act threshold.

Acts (definition; two examples):

- greeting: a greeting (您好 / 早上好 / 节日快乐). 「您好」「亲，下午好」
- self_intro: the agent names the company, department, 工号 or own work name.
  「联合洲际客服中心1024号」「我是联合洲际的回访专员小李」
- offer_help: offers help / invites the request. 「请问有什么可以帮您」「您请讲」
- ask_more_help: asks whether anything else is needed. 「请问还有其他问题吗」「还有什么可以帮您」
- thanks: an explicit thanks (谢谢 / 感谢 / 多谢), either side. 「感谢您的来电」「好的谢谢」
- farewell: a leave-taking. 「再见」「祝您生活愉快」
- apology: an apology formula. 「非常抱歉给您带来不便」「不好意思」
- empathy: acknowledges the customer's feelings (reassurance alone is not empathy).
  「我非常理解您的心情」「换作是我也会着急」
- hold_request: asks to wait or announces a lookup. 「请稍等」「我帮您查一下」
- consent_question: asks the customer's agreement as a question (请稍等 alone is not).
  「您看这样可以吗」「请您稍等一下好吗」
- wait_thanks: thanks / apology for having waited. 「感谢您的耐心等待」「让您久等了」
- transfer_notice: announces a transfer or its outcome. 「我帮您转接技术部门」「转接不成功」
- confirm: restates / confirms the customer's request. 「您的意思是快递还没到对吗」「跟您确认一下…」
- callback_promise: promises the customer will be contacted or notified.
  「稍后给您回电」「处理结果会短信通知您」
- time_frame: a concrete time limit (尽快 / 审核通过后 are not). 「24小时内」「明天下午三点前」
- praise_response: acknowledges thanks or praise. 「不客气」「这是我们应该做的」
- request_repeat: asks to repeat / speak up. 「请您再说一遍好吗」「麻烦您大声一点」
- cannot_hear: says the line or voice is unclear. 「我这边听不太清楚」「您那边信号不好」
- request_mandarin: asks for 普通话 or for someone else to take the phone.
  「请您说普通话好吗」「请您让家人接一下电话」
- cannot_understand: cannot understand the speech or dialect. 「听不太懂您的方言」「我听不懂您说的话」
- silent_prompt: prompts a silent caller / checks the line. 「您好，您的电话已接通，请讲」「请问能听到吗」
- silent_close: closing line for a silent or bad line (redial / change phone).
  「听不到您的声音，请您稍后再拨」「麻烦您换一部电话再拨」
- correction: corrects earlier information. 「更正一下」「刚才说错了，应该是三个工作日」
- warning: the nuisance-call warning. 「请您文明用语」「如果您没有业务需要，我将挂断电话」
- ask_contact: asks for / confirms the customer's contact details.
  「请留一下您的联系电话」「这个号码能联系到您吗」
- escalate: records, passes on or escalates the matter. 「我帮您记录下来」「给您升级处理」
- confirm_identity: checks who the callee is. 「请问是王先生吗」「请问您是机主本人吗」
- state_purpose: states why the agent is calling. 「给您来电是想回访一下」「这次来电是想通知您…」
- ask_convenience: asks whether now is convenient. 「现在方便接听吗」「耽误您几分钟可以吗」
- praise: the customer thanks or compliments the service (not thanks attached to a request,
  not negated). 「谢谢你」「你们服务真好」
- complaint: the customer lodges a complaint (asking for the complaint number is not).
  「我要投诉」「要举报你们」
- request: the customer describes a problem or asks for something. 「我的快递怎么还没到」「我要退货」
- own_business: the customer raises an extra topic of their own. 「顺便问一下」「另外我想咨询」

Forbidden service language (服务忌语; read on agent turns, checkpoints forbidden.*). A polite
wording of the same content (请/麻烦…好吗, an apology, a reason with help or a referral) is
none of these; their thresholds are set for precision (see `callqa/text/models/REPORT.md`).

- arrogant: arrogance, impatience, contempt or insults.
  「你问我我问谁」「爱办不办」「你有完没完」「说了你也不懂」「有意见找领导去」
- rebuke: blames, reproaches or questions the customer rhetorically.
  「刚才不是和您说过了吗」「明明就是你不对」「谁让你自己点的」「这还用问吗」
- command: a bare order to the customer. 「你小声一点行不行」「大声点我听不清」「你听我说」「别说了」
  (「请您大声一点好吗」「您先听我说完，好吗」are not)
- shirk: deflects the matter or refuses without help.
  「不关我的事」「这是规定」「这不归我们管」「系统就这样」「你问别人去」
  (「按规定需要您本人办理，给您添麻烦了」「这个需要商家处理，我帮您联系」are not)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from scipy import sparse

from callqa.text.normalize import clean

ACTS: tuple[str, ...] = (
    "greeting", "self_intro", "offer_help", "ask_more_help", "thanks", "farewell", "apology",
    "empathy", "hold_request", "consent_question", "wait_thanks", "transfer_notice", "confirm",
    "callback_promise", "time_frame", "praise_response", "request_repeat", "cannot_hear",
    "request_mandarin", "cannot_understand", "silent_prompt", "silent_close", "correction",
    "warning", "ask_contact", "escalate", "confirm_identity", "state_purpose",
    "ask_convenience", "praise", "complaint", "request", "own_business",
    "arrogant", "rebuke", "command", "shirk",
)  # fmt: skip

# Acts read on each side: the model is role-free, the caller knows who spoke.
CUSTOMER_ACTS: frozenset[str] = frozenset({
    "greeting", "thanks", "farewell", "apology", "hold_request", "request_repeat",
    "cannot_hear", "cannot_understand", "correction", "praise", "complaint", "request",
    "own_business",
})  # fmt: skip
AGENT_ACTS: frozenset[str] = frozenset(ACTS) - {"praise", "complaint", "request", "own_business"}
ROLE_ACTS = {"agent": AGENT_ACTS, "customer": CUSTOMER_ACTS}

MODELS_DIR = Path(__file__).parent / "models"

_DIGIT_RUN = re.compile(r"\d+")
# After clean(): everything that is not a CJK ideograph, a letter or a digit is dropped, so
# phone (punctuated), ASR (bare) and chat (~, emoji) renderings give the same n-grams.
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def featurize_text(text: str) -> str:
    """The string the n-grams are taken from: clean(), digit runs → '0', symbols dropped."""
    return _NOT_WORD.sub("", _DIGIT_RUN.sub("0", clean(text)))


class CharNgrams:
    """Binary char n-grams (with ^ $ boundary marks) over a fixed vocabulary, L2-normalised.

    A vocabulary instead of feature hashing keeps the mapping exact and independent of any
    library's hash function; n-grams outside it still count towards the norm.
    """

    def __init__(self, vocabulary: Sequence[str], ngram_max: int = 3) -> None:
        self.vocabulary = tuple(vocabulary)
        self.ngram_max = ngram_max
        self._index = {gram: i for i, gram in enumerate(self.vocabulary)}

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def grams(self, text: str) -> set[str]:
        s = "^" + featurize_text(text) + "$"
        return {s[i : i + n] for n in range(1, self.ngram_max + 1) for i in range(len(s) - n + 1)}

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        index = self._index
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            grams = self.grams(text)
            cols = [c for c in map(index.get, grams) if c is not None]
            indices.extend(cols)
            data.extend([1.0 / np.sqrt(max(len(grams), 1))] * len(cols))
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
             np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), self.size),
        )  # fmt: skip

    @staticmethod
    def build_vocabulary(texts: Sequence[str], ngram_max: int = 3, min_df: int = 2) -> list[str]:
        """N-grams seen in at least `min_df` texts, sorted (deterministic)."""
        counts: dict[str, int] = {}
        probe = CharNgrams((), ngram_max)
        for text in texts:
            for gram in probe.grams(text):
                counts[gram] = counts.get(gram, 0) + 1
        return sorted(g for g, c in counts.items() if c >= min_df)


def save_npz(path: str | Path, **arrays: np.ndarray) -> None:
    """Like np.savez_compressed, but byte-identical across runs (fixed zip timestamps)."""
    import io
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue())


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


class ActModel:
    """Linear one-vs-rest classifier over char n-grams; see the module docstring."""

    def __init__(self, acts: Sequence[str], featurizer: CharNgrams, coef: np.ndarray,
                 intercept: np.ndarray, thresholds: np.ndarray) -> None:
        self.acts = tuple(acts)
        self.featurizer = featurizer
        self._coef_t = np.ascontiguousarray(coef.T, dtype=np.float32)  # (vocab, acts)
        self._intercept = intercept.astype(np.float32)
        self._thresholds = thresholds.astype(np.float64)

    @classmethod
    def load(cls, path: str | Path) -> ActModel:
        with np.load(path, allow_pickle=False) as z:
            featurizer = CharNgrams(z["vocabulary"].tolist(), int(z["ngram_max"]))
            return cls(z["acts"].tolist(), featurizer, z["coef"].astype(np.float32),
                       z["intercept"], z["thresholds"])  # fmt: skip

    def save(self, path: str | Path) -> None:
        save_npz(
            path, acts=np.array(self.acts), vocabulary=np.array(self.featurizer.vocabulary),
            ngram_max=np.int64(self.featurizer.ngram_max),
            coef=self._coef_t.T.astype(np.float16), intercept=self._intercept,
            thresholds=self._thresholds,
        )  # fmt: skip

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.acts)), dtype=np.float32)
        x = self.featurizer.transform(texts)
        return np.asarray(x @ self._coef_t) + self._intercept

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, len(acts)) probabilities; texts are raw (normalised here)."""
        return sigmoid(self.decision_function(list(texts)))

    def thresholds(self) -> np.ndarray:
        """Per-act decision thresholds (tuned on out-of-fold predictions of the train split)."""
        return self._thresholds.copy()

    def predict(self, texts: Sequence[str], role: str | None = None) -> list[set[str]]:
        """Acts per text; with `role` ("agent" / "customer") only that side's acts."""
        above = self.predict_proba(texts) >= self._thresholds
        keep = ROLE_ACTS[role] if role is not None else frozenset(self.acts)
        return [{self.acts[j] for j in np.flatnonzero(row)} & keep for row in above]


@cache
def default_model() -> ActModel:
    """The shipped model (callqa/text/models/acts.npz), loaded once."""
    return ActModel.load(MODELS_DIR / "acts.npz")
