"""PBX importers on the real Asterisk capture (ring 3 s, one hold/unhold, the AGENT hangs up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callqa.errors import Problem
from callqa.ingest import detect_format, read_calls
from callqa.ingest.pbx import PbxOptions, channel_matches
from callqa.model import Call

TESTS = Path(__file__).resolve().parents[1]
COPY = TESTS / "fixtures" / "asterisk"
SHARED = TESTS.parent / ".." / "shared" / "fixtures" / "asterisk"
FREESWITCH = TESTS / "fixtures" / "freeswitch"
FIRST = "1795316185.0"  # the first of the two captured calls; the AMI log has only it


@pytest.fixture(params=["copy", "shared"])
def asterisk(request) -> Path:
    folder = COPY if request.param == "copy" else SHARED
    if not (folder / "cel_custom_Master.csv").exists():
        pytest.skip(f"the shared Asterisk capture is not here ({folder.resolve()})")
    return folder


def calls(path: Path, **options) -> dict[str, Call]:
    found = {}
    for item in read_calls([path], options=PbxOptions(**options)):
        assert isinstance(item, Call), str(item)
        found[item.call_id] = item
    return found


def kinds(call: Call) -> list[str]:
    return [e.type for e in call.events]


def ring_time(call: Call) -> float:
    return call.event("answer").t - call.event("ring").t


@pytest.mark.parametrize(("name", "fmt"), [
    ("cdr_csv_Master.csv", "asterisk-cdr"), ("cdr_custom_Master.csv", "asterisk-cdr"),
    ("cel_custom_Master.csv", "asterisk-cel"), ("ami_events.txt", "asterisk-ami")])
def test_formats_are_recognised(asterisk, name, fmt):
    assert detect_format(asterisk / name).name == fmt


def test_cdr(asterisk):
    found = calls(asterisk / "cdr_csv_Master.csv")
    assert sorted(found) == [FIRST, "1795316295.3"]
    call = found[FIRST]
    assert ring_time(call) == pytest.approx(3.0, abs=0.5)
    assert kinds(call) == ["ring", "answer", "hangup"]
    assert call.event("hangup").by is None  # a CDR does not say who hung up
    assert call.started_at.isoformat() == "2026-11-22T02:56:25+00:00"  # usegmtime = yes
    assert found["1795316295.3"].agent_id == "1001"  # userfield queue:sales|agent:1001
    custom = calls(asterisk / "cdr_custom_Master.csv")[FIRST]
    assert custom.audio.path == "/var/spool/asterisk/monitor/1795316185.0.wav"


def test_cel_finds_that_the_agent_hung_up(asterisk):
    for call in calls(asterisk / "cel_custom_Master.csv").values():
        assert ring_time(call) == pytest.approx(3.0, abs=0.5)
        assert call.event("hangup").by == "agent"
        assert call.event("hangup").t == pytest.approx(14.0, abs=0.5)
        assert call.meta["channels"]["agent"][0].startswith("PJSIP/agent-")
        assert call.meta["agent_leg"] == "default: the leg the PBX dialled"


def test_ami_finds_ring_hold_and_agent_hangup(asterisk):
    call = calls(asterisk / "ami_events.txt")[FIRST]
    assert kinds(call) == ["ring", "answer", "hold_start", "hold_end", "hangup"]
    assert ring_time(call) == pytest.approx(3.0, abs=0.5)
    assert call.event("hangup").by == "agent"
    hold, unhold = call.event("hold_start"), call.event("hold_end")
    # The agent held 4 s after answer for 3 s (the SIPp scenario). Without
    # timestampevents the AMI log brackets when: the true times lie in t_range.
    lo, hi = hold.meta["t_range"]
    assert lo <= 7.0 <= hi and hi - lo < 7
    lo, hi = unhold.meta["t_range"]
    assert lo <= 10.0 <= hi and hi - lo < 7
    assert call.event("answer").t < hold.t < unhold.t < call.event("hangup").t
    assert call.meta["recording"] == "/var/spool/asterisk/monitor/1795316185.0.wav"


def test_agent_channel_pattern(asterisk):
    by_pattern = calls(asterisk / "cel_custom_Master.csv", agent_channel="PJSIP/agent-*")[FIRST]
    assert by_pattern.event("hangup").by == "agent"
    assert by_pattern.meta["agent_leg"] == "channel pattern PJSIP/agent-*"
    # Say the customer's leg is the agent's, and the same hangup is the customer's doing.
    swapped = calls(asterisk / "cel_custom_Master.csv", agent_channel="PJSIP/customer-*")[FIRST]
    assert swapped.event("hangup").by == "customer"
    via_roles = calls(asterisk / "ami_events.txt", roles={"PJSIP/agent": "agent"})[FIRST]
    assert via_roles.meta["agent_leg"] == "channel pattern PJSIP/agent"


@pytest.mark.parametrize(("channel", "pattern", "expected"), [
    ("PJSIP/agent-00000001", "PJSIP/agent-*", True),
    ("PJSIP/agent-00000001", "PJSIP/agent", True),
    ("SIP/1001-0000000a", "SIP/1xxx", True),
    ("SIP/2001-0000000a", "SIP/1xxx", False),
    ("SIP/xavier-0000000a", "SIP/xavier", True),
    ("PJSIP/customer-00000000", "PJSIP/agent-*", False),
])
def test_channel_patterns(channel, pattern, expected):
    assert channel_matches(channel, pattern) is expected


def test_queue_log():
    items = list(read_calls([COPY / "queue_log"]))
    assert detect_format(COPY / "queue_log").name == "asterisk-queue-log"
    found = {i.call_id: i for i in items if isinstance(i, Call)}
    answered = found["1795316185.20"]
    assert [(e.type, e.t) for e in answered.events] == [("ring", 8.0), ("answer", 12.0),
                                                       ("hangup", 75.0)]
    assert answered.event("hangup").by == "customer" and answered.agent_id == "1002"
    assert found["1795316300.22"].meta["abandoned"] is True
    transfer = found["1795316400.23"].event("transfer")
    assert (transfer.target, transfer.ok) == ("200", True)
    [problem] = [i for i in items if isinstance(i, Problem)]
    assert problem.line == 11 and problem.field == "data1"


def test_freeswitch_legs():
    a = calls(FREESWITCH / "a_leg.cdr.json")
    b = calls(FREESWITCH / "b_leg.cdr.json")
    assert detect_format(FREESWITCH / "a_leg.cdr.json").name == "freeswitch"
    assert list(a) == list(b)  # both legs name the same call (the caller leg's uuid)
    caller = next(iter(a.values()))
    assert [(e.type, e.t) for e in caller.events] == [
        ("ring", 0.0), ("answer", 6.0), ("hold_start", 35.0), ("hold_end", 57.0),
        ("hangup", 75.0)]
    assert caller.event("hangup").by == "agent"  # the caller's leg sent the BYE: send_bye
    assert caller.agent_id == "1001"  # cc_agent 1001@default
    agent = next(iter(b.values()))
    assert agent.event("hangup").by == "agent"  # the agent's leg received it: recv_bye
    assert caller.audio.path.endswith(".wav")


def test_bad_rows_are_problems_with_lines(tmp_path):
    cel = tmp_path / "Master.csv"
    rows = (COPY / "cel_custom_Master.csv").read_text("utf-8").splitlines()
    rows.insert(3, '"ANSWER","not a time","","100"' + ',""' * 16)
    rows.insert(5, '"HANGUP","2026-11-22 02:56:39"')
    cel.write_text("\n".join(rows) + "\n", "utf-8")
    items = list(read_calls([cel], fmt="asterisk-cel"))
    problems = [i for i in items if isinstance(i, Problem)]
    assert [(p.line, p.field) for p in problems] == [(4, "eventtime"), (6, None)]
    assert len([i for i in items if isinstance(i, Call)]) == 2


def ami_block(**fields: str) -> str:
    return "".join(f"{key}: {value}\n" for key, value in fields.items()) + "\n"


def test_ami_with_timestampevents_is_exact(tmp_path):
    t0, ids = 1795316185.0, {"Linkedid": "9.1"}
    log = "Asterisk Call Manager/11.0.0\n\n" + "".join([
        ami_block(Event="Newchannel", Privilege="call,all", Timestamp=f"{t0:.6f}",
                  Channel="SIP/13800138000-00000001", Uniqueid="9.1", **ids),
        ami_block(Event="DialBegin", Privilege="call,all", Timestamp=f"{t0 + 0.2:.6f}",
                  Channel="SIP/13800138000-00000001", Uniqueid="9.1",
                  DestChannel="SIP/1001-00000002", DestUniqueid="9.2", **ids),
        ami_block(Event="Newstate", Privilege="call,all", Timestamp=f"{t0 + 4.7:.6f}",
                  Channel="SIP/1001-00000002", ChannelState="6", Uniqueid="9.2", **ids),
        ami_block(Event="Hold", Privilege="call,all", Timestamp=f"{t0 + 20.5:.6f}",
                  Channel="SIP/1001-00000002", Uniqueid="9.2", **ids),
        ami_block(Event="Unhold", Privilege="call,all", Timestamp=f"{t0 + 41.0:.6f}",
                  Channel="SIP/1001-00000002", Uniqueid="9.2", **ids),
        ami_block(Event="BlindTransfer", Privilege="call,all", Timestamp=f"{t0 + 50.0:.6f}",
                  Result="Success", TransfererChannel="SIP/1001-00000002",
                  TransfererUniqueid="9.2", Extension="2000", Context="internal", **ids),
        ami_block(Event="HangupRequest", Privilege="call,all", Timestamp=f"{t0 + 90.0:.6f}",
                  Channel="SIP/13800138000-00000001", Uniqueid="9.1", **ids),
        ami_block(Event="Hangup", Privilege="call,all", Timestamp=f"{t0 + 90.1:.6f}",
                  Channel="SIP/13800138000-00000001", Uniqueid="9.1", Cause="16", **ids),
    ])
    path = tmp_path / "manager.log"
    path.write_text(log, "utf-8")
    call = calls(path, agent_channel="SIP/1xxx")["9.1"]
    assert [(e.type, e.t) for e in call.events] == [
        ("ring", 0.2), ("answer", 4.7), ("hold_start", 20.5), ("hold_end", 41.0),
        ("transfer", 50.0), ("hangup", 90.1)]
    assert all("t_range" not in e.meta for e in call.events)
    assert call.event("hangup").by == "customer"
    assert (call.event("transfer").target, call.event("transfer").ok) == ("2000", True)
    assert call.agent_id == "1001"


def test_ami_without_any_time_is_a_problem(tmp_path):
    path = tmp_path / "ami.txt"
    path.write_text("Asterisk Call Manager/11.0.0\n\n" + ami_block(
        Event="Newchannel", Privilege="call,all", Channel="SIP/a-1", Uniqueid="5.1",
        Linkedid="5.1"), "utf-8")
    [problem] = read_calls([path])
    assert isinstance(problem, Problem) and "timestampevents = yes" in problem.message


def test_cel_blind_transfer(tmp_path):
    def row(event: str, second: int, channel: str, uniqueid: str, extra: str = "") -> str:
        when = f"2026-11-22 03:{second // 60:02d}:{second % 60:02d}"
        fields = [event, when, "", "", "", "", "", "", "", channel, "", "", "3", "", uniqueid,
                  "7.1", "", "", "", extra]
        return ",".join(f'"{f}"' for f in fields)

    rows = [row("CHAN_START", 0, "PJSIP/cust-01", "7.1"),
            row("CHAN_START", 0, "PJSIP/1001-02", "7.2"),
            row("ANSWER", 2, "PJSIP/1001-02", "7.2"),
            row("BLINDTRANSFER", 30, "PJSIP/1001-02", "7.2",
                '{""extension"":""2000"",""context"":""internal""}'),
            row("CHAN_START", 31, "PJSIP/2000-03", "7.3"),
            row("ANSWER", 35, "PJSIP/2000-03", "7.3"),
            row("HANGUP", 80, "PJSIP/cust-01", "7.1", '{""hangupcause"":16,""hangupsource"":'
                                                      '""PJSIP/cust-01""}')]
    path = tmp_path / "Master.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    call = calls(path)["7.1"]
    transfer = call.event("transfer")
    assert (transfer.t, transfer.target, transfer.ok) == (30.0, "2000@internal", True)
    assert call.event("hangup").by == "customer"
