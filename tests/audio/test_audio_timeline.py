from callqa.audio import timeline as tl
from callqa.model import Segment


def seg(speaker: str, start: float, end: float, level: float | None = -20.0) -> Segment:
    return Segment(speaker=speaker, start=start, end=end, level=level)


SEGMENTS = [
    seg("agent", 4.0, 8.0), seg("customer", 8.5, 12.0), seg("agent", 11.0, 13.0),
    seg("customer", 25.0, 27.0), seg("agent", 26.5, 27.0, -5.0),
]


def test_dead_air_after_answer():
    assert tl.dead_air_after_answer(SEGMENTS, answer=1.0) == 3.0
    assert tl.dead_air_after_answer(SEGMENTS, answer=5.0) == 0.0  # already speaking
    assert tl.dead_air_after_answer([seg("customer", 1, 2)], answer=0) is None


def test_silences_and_overlaps():
    assert tl.silences(SEGMENTS, min_length=5) == [(13.0, 25.0)]
    assert tl.silences(SEGMENTS, start=0, end=30, min_length=2.5) == [(0, 4.0), (13.0, 25.0),
                                                                      (27.0, 30)]
    found = tl.overlaps(SEGMENTS)
    assert [(o.start, o.end, o.first, o.second) for o in found] == [
        (11.0, 12.0, "customer", "agent"), (26.5, 27.0, "customer", "agent")]
    assert tl.overlaps(SEGMENTS, min_length=0.8)[0].duration == 1.0


def test_talk_and_levels():
    assert tl.talk_time(SEGMENTS) == {"agent": 6.5, "customer": 5.5}
    assert tl.talk_ratio(SEGMENTS) == round(6.5 / 12, 3)
    assert tl.talk_ratio([]) is None
    assert tl.median_level(SEGMENTS, "agent") == -20.0
    jumps = tl.level_jumps(SEGMENTS, "agent", threshold=12)
    assert len(jumps) == 1 and jumps[0].delta == 15.0
