"""Everything the operators ask of one call, computed once and cached.

The engine builds one `CallContext` per call. Text analysis runs per utterance and only
for utterances not analysed yet, so a live session that grows utterance by utterance
analyses each utterance once (see `extend`). Models (dialog acts, emotion) run batched:
`prefill()` analyses many calls' utterances in one model call.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from callqa.model import Call
from callqa.standard.hits import Region, Scope
from callqa.standard.timeline import Timeline
from callqa.text.normalize import Normalized, normalize

if TYPE_CHECKING:
    from callqa.text.phrases import Lexicon, PhraseHit


class CallContext:
    def __init__(self, call: Call, lexicon: Lexicon, needs: frozenset[str] = frozenset()) -> None:
        self.call = call
        self.lexicon = lexicon
        self.needs = needs  # analyses the standard uses: "acts", "emotion"
        self.norm: list[Normalized] = []
        self.phrase_hits: list[dict[int, list[PhraseHit]]] = []
        self._acts: list[Any] = []  # one probability row per analysed utterance
        self._emotion: list[Any] = []
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

    # -- models, batched ----------------------------------------------------------------
    def act_rows(self):
        """(n_utterances, n_acts) act probabilities; computed on first use."""
        if len(self._acts) < len(self.norm):
            prefill([self], acts=True, emotion=False)
        return self._acts

    def emotions(self):
        if len(self._emotion) < len(self.norm):
            prefill([self], acts=False, emotion=True)
        return self._emotion

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


def prefill(contexts: Sequence[CallContext], acts: bool = True, emotion: bool = True) -> None:
    """Run the models once over every not-yet-analysed utterance of many calls."""
    if acts:
        _fill(contexts, "_acts", _act_model)
    if emotion:
        _fill(contexts, "_emotion", _emotion_model)


def _fill(contexts: Sequence[CallContext], attr: str, model_fn) -> None:
    todo = [(c, i) for c in contexts for i in range(len(getattr(c, attr)), len(c.norm))]
    if not todo:
        return
    texts = [c.call.utterances[i].text for c, i in todo]
    rows = model_fn()(texts)
    for (c, _i), row in zip(todo, rows, strict=True):
        getattr(c, attr).append(row)


def _act_model():
    from callqa.text.acts import default_model

    return default_model().predict_proba


def _emotion_model():
    from callqa.text.emotion import default_model

    return default_model().analyse
