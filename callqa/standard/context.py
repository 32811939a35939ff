"""Everything the operators ask of one call, computed once and cached.

The engine builds one `CallContext` per call. Text analysis runs per utterance and only
for utterances not analysed yet, so a live session that grows utterance by utterance
analyses each utterance once (see `extend`). The models (dialog acts, emotion) run only
when a condition asks for them, on the turns of the speaker asked about, in one batch per
call — a call whose checkpoints are settled by phrases never pays for them.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from callqa.model import Call
from callqa.standard.hits import Region, Scope
from callqa.standard.timeline import Timeline
from callqa.text.normalize import Normalized, normalize

if TYPE_CHECKING:
    from callqa.text.phrases import Lexicon, PhraseHit


class CallContext:
    def __init__(self, call: Call, lexicon: Lexicon) -> None:
        self.call = call
        self.lexicon = lexicon
        self.norm: list[Normalized] = []
        self.phrase_hits: list[dict[int, list[PhraseHit]]] = []
        self._models: dict[str, dict[int, Any]] = {"acts": {}, "emotion": {}}  # utt → output
        self.memo: dict[Any, Any] = {}
        self.extend()

    # -- growing ------------------------------------------------------------------------
    def extend(self) -> None:
        """Analyse utterances added to `call` since the last call (live sessions)."""
        new = self.call.utterances[len(self.norm) :]
        if not new:
            return
        normalized = [normalize(u.text) for u in new]
        self.norm.extend(normalized)
        self.phrase_hits.extend(self.lexicon.scan([n.text for n in normalized]))
        self.memo.clear()
        for derived in ("timeline", "whole", "roles"):
            self.__dict__.pop(derived, None)

    # -- models, on demand ---------------------------------------------------------------
    def acts_of(self, utt: int):
        """Act probabilities of one turn (the row of callqa.text.acts.ACTS)."""
        return self._model_output("acts", utt)

    def emotion_of(self, utt: int):
        """callqa.text.emotion.Emotion of one turn."""
        return self._model_output("emotion", utt)

    def _model_output(self, model: str, utt: int):
        done = self._models[model]
        if utt not in done:
            # The whole call's turns of this speaker in one batch: the next ask is free.
            role = self.roles[utt]
            todo = [i for i in range(self.size) if self.roles[i] == role and i not in done]
            outputs = _MODELS[model]()([self.call.utterances[i].text for i in todo])
            done.update(zip(todo, outputs, strict=True))
        return done[utt]

    # -- shapes of the call -------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self.norm)

    def speaker(self, utt: int) -> str:
        return self.call.utterances[utt].speaker

    @cached_property
    def roles(self) -> list[str]:
        return [u.speaker for u in self.call.utterances]

    def turns_of(self, role: str) -> tuple[Region, ...]:
        """The whole turns of one speaker."""
        key = ("turns", role)
        if key not in self.memo:
            self.memo[key] = tuple(r for r in self.whole.regions if self.roles[r.utt] == role)
        return self.memo[key]

    @cached_property
    def timeline(self) -> Timeline | None:
        return Timeline.of(self.call)

    @cached_property
    def whole(self) -> Scope:
        return Scope(tuple(Region(i) for i in range(self.size)))

    def word_bounds(self, utt: int) -> frozenset[int]:
        """Offsets in the normalised turn where a word starts or ends (rjieba)."""
        key = ("words", utt)
        if key not in self.memo:
            import rjieba

            offset, bounds = 0, {0}
            for word in rjieba.cut(self.norm[utt].text):
                offset += len(word)
                bounds.add(offset)
            self.memo[key] = frozenset(bounds)
        return self.memo[key]

    def text_of(self, region: Region) -> str:
        """The normalised text a region covers."""
        return self.norm[region.utt].text[region.lo : region.hi]


def _acts_model():
    from callqa.text.acts import default_model

    return default_model().predict_proba


def _emotion_model():
    from callqa.text.emotion import default_model

    return default_model().analyse


_MODELS = {"acts": _acts_model, "emotion": _emotion_model}
