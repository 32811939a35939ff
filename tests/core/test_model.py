import pytest
from pydantic import ValidationError

from callqa.model import Call


def test_unknown_fields_are_kept_in_meta_at_every_level():
    call = Call.model_validate({
        "call_id": 1024, "queue": "售后",
        "utterances": [{"speaker": "agent", "text": "您好", "asr_conf": 0.93}],
        "events": [{"type": "hangup", "t": 3, "by": "customer", "cause": 16}],
        "audio": {"path": "a.wav", "codec": "pcma"},
    })
    assert call.call_id == "1024"
    assert call.meta == {"queue": "售后"}
    assert call.utterances[0].meta == {"asr_conf": 0.93}
    assert call.events[0].meta == {"cause": 16}
    assert call.audio.meta == {"codec": "pcma"}


def test_timed_utterances_and_events_are_put_in_time_order():
    call = Call.model_validate({
        "call_id": "c",
        "utterances": [{"speaker": "customer", "text": "b", "start": 5, "end": 6},
                       {"speaker": "agent", "text": "a", "start": 1, "end": 2}],
        "events": [{"type": "hangup", "t": 9}, {"type": "ring", "t": 0}],
    })
    assert [u.text for u in call.utterances] == ["a", "b"]
    assert [e.type for e in call.events] == ["ring", "hangup"]
    assert call.timed


def test_untimed_chat_keeps_its_order():
    call = Call.model_validate({"call_id": "c", "channel": "chat", "utterances": [
        {"speaker": "customer", "text": "2"}, {"speaker": "agent", "text": "1"}]})
    assert [u.text for u in call.utterances] == ["2", "1"]
    assert not call.timed


@pytest.mark.parametrize("bad, field", [
    ({"call_id": ""}, "call_id"),
    ({"call_id": "c", "utterances": [{"speaker": "agent", "text": "x", "start": 3, "end": 1}]}, "utterances.0"),
    ({"call_id": "c", "utterances": [{"speaker": "agent", "text": "x", "start": -1}]}, "utterances.0.start"),
    ({"call_id": "c", "utterances": [{"speaker": "robot", "text": "x"}]}, "utterances.0.speaker"),
    ({"call_id": "c", "events": [{"type": "explode", "t": 1}]}, "events.0.type"),
    ({"call_id": "c", "events": [{"type": "hangup", "t": 1, "by": "nobody"}]}, "events.0.by"),
    ({"call_id": "c", "channel": "fax"}, "channel"),
])
def test_invalid_records_name_the_field(bad, field):
    with pytest.raises(ValidationError) as info:
        Call.model_validate(bad)
    locs = [".".join(map(str, e["loc"])) for e in info.value.errors()]
    assert field in locs
