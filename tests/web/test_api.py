"""The JSON API: authentication (token or cookie + CSRF), submission, reading, workflow, roles."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from callqa.cli.demo import sample_calls
from callqa.store.users import by_name, issue_token

from .conftest import MOBILE


def token_for(app: Any, name: str) -> dict[str, str]:
    with app.state.ctx.db.transaction() as session:
        return {"Authorization": f"Bearer {issue_token(session, by_name(session, name))}"}


def test_authentication_is_required(app: Any) -> None:
    client = TestClient(app)
    assert client.get("/api/calls").status_code == 401
    assert client.get("/api/calls", headers={"Authorization": "Bearer cqa_wrong"}).status_code == 401
    assert client.get("/api/calls", headers=token_for(app, "admin")).status_code == 200


def test_submit_one_call_and_read_its_result(app: Any) -> None:
    client = TestClient(app)
    headers = token_for(app, "lead")
    call = sample_calls()[0].model_dump(mode="json")
    call["call_id"] = "api-001"
    body = client.post("/api/calls", json=call, headers=headers).json()
    assert body["created"] == 1 and body["result"]["standard"] == "default@1"
    again = client.post("/api/calls", json=call, headers=headers).json()
    assert again["unchanged"] == 1
    result = client.get("/api/calls/api-001/result", headers=headers).json()
    assert result["score"] == body["result"]["score"] and len(result["checkpoints"]) == 44
    assert client.get("/api/calls/api-001", headers=headers).json()["results"][0]["standard"] == "default@1"
    assert client.post("/api/calls", json={"call_id": "x", "utterances": [{"text": "hi"}]},
                       headers=headers).status_code == 422


def test_batch_reports_bad_records_and_stores_the_rest(app: Any) -> None:
    client = TestClient(app)
    calls = [c.model_dump(mode="json") for c in sample_calls()[:3]]
    for i, c in enumerate(calls):
        c["call_id"] = f"batch-{i}"
    calls.insert(1, {"call_id": "bad", "channel": "fax"})
    body = client.post("/api/calls/batch", json=calls, headers=token_for(app, "admin")).json()
    assert body["created"] == 3
    assert body["problems"] == [{"source": "request", "record": 2, "field": "channel",
                                 "message": body["problems"][0]["message"]}]


def test_agents_and_qa_cannot_submit(app: Any) -> None:
    call = sample_calls()[0].model_dump(mode="json")
    for name in ("qa", "agent1031"):
        assert TestClient(app).post("/api/calls", json=call, headers=token_for(app, name)).status_code == 403


def test_list_and_filter(app: Any) -> None:
    client = TestClient(app)
    headers = token_for(app, "admin")
    everything = client.get("/api/calls", headers=headers).json()
    assert everything["total"] == 13 and everything["standard"] == "default@1"
    failing = client.get("/api/calls?failed=hold.thank_after&status=fail", headers=headers).json()
    assert failing["total"] >= 1 and all("hold.thank_after" in i["failed"] for i in failing["items"])
    page = client.get("/api/calls?per_page=5&page=2&sort=score", headers=headers).json()
    assert (page["page"], len(page["items"]), page["pages"]) == (2, 5, 3)
    scored = client.get("/api/calls?score_min=90&team=A", headers=headers).json()
    assert all(i["score"] >= 90 and i["team"] == "A" for i in scored["items"])
    stats = client.get("/api/stats", headers=headers).json()
    assert stats["calls"] == 13 and len(stats["score_histogram"]) == 10


def test_an_agent_sees_only_their_own_calls(app: Any) -> None:
    client = TestClient(app)
    headers = token_for(app, "agent1031")
    mine = client.get("/api/calls", headers=headers).json()
    assert mine["items"] and {i["agent_id"] for i in mine["items"]} == {"1031"}
    for path in ("/api/calls/demo-001", "/api/calls/demo-001/result", "/api/calls/demo-001/audit"):
        assert client.get(path, headers=headers).status_code == 404
    assert client.get("/api/calls/demo-002", headers=headers).status_code == 200
    assert client.get("/api/stats", headers=headers).json()["calls"] == mine["total"]


def test_qa_sees_their_teams_calls(app: Any) -> None:
    client = TestClient(app)
    items = client.get("/api/calls?per_page=100", headers=token_for(app, "qa")).json()["items"]
    assert items and {i["team"] for i in items} == {"A"}
    assert client.get("/api/calls/demo-004", headers=token_for(app, "qa")).status_code == 404


def test_personal_information_is_masked_except_for_admins(app: Any) -> None:
    client = TestClient(app)
    for name, visible in (("admin", True), ("lead", False), ("qa", False), ("agent1031", False)):
        text = client.get("/api/calls/web-untrusted", headers=token_for(app, name)).json()["call"]["utterances"][1]["text"]
        assert (MOBILE in text) is visible, name
        if not visible:
            assert "138****5678" in text


def test_cookie_requests_need_the_csrf_header(client_for) -> None:
    client, csrf = client_for("qa")
    result = client.get("/api/calls/demo-002/result").json()
    checkpoint = next(c["id"] for c in result["checkpoints"] if c["status"] == "fail")
    body = {"checkpoint": checkpoint, "verdict": "false_hit", "comment": "误判"}
    assert client.post("/api/calls/demo-002/reviews", json=body).status_code == 403
    assert client.post("/api/calls/demo-002/reviews", json=body,
                       headers={"X-CSRF-Token": "forged"}).status_code == 403
    response = client.post("/api/calls/demo-002/reviews", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    reviewed = response.json()
    assert reviewed["score"] > result["score"] and reviewed["auto_score"] == result["score"]
    outcome = next(c for c in reviewed["checkpoints"] if c["id"] == checkpoint)
    assert outcome["status"] == "pass" and outcome["auto_status"] == "fail"
    assert outcome["review"]["verdict"] == "false_hit" and outcome["review"]["reviewer"] == "qa"
    assert client.get("/api/me").json()["csrf_token"] == csrf


def test_appeal_ruling_and_finality_over_the_api(app: Any) -> None:
    client = TestClient(app)
    agent, lead, qa = (token_for(app, n) for n in ("agent1031", "lead", "qa"))
    result = client.get("/api/calls/demo-002/result", headers=agent).json()
    checkpoint = next(c["id"] for c in result["checkpoints"] if c["status"] == "fail")
    other_agent = token_for(app, "agent1024")
    assert client.post("/api/calls/demo-002/appeals", json={"checkpoint": checkpoint, "reason": "x"},
                       headers=other_agent).status_code == 404
    assert client.post("/api/calls/demo-002/appeals", json={"checkpoint": checkpoint, "reason": "x"},
                       headers=qa).status_code == 403
    appeal = client.post("/api/calls/demo-002/appeals", json={"checkpoint": checkpoint, "reason": "客户没有等待"},
                         headers=agent).json()
    assert appeal["status"] == "open"
    assert [a["id"] for a in client.get("/api/appeals?status=open", headers=lead).json()] == [appeal["appeal"]]
    assert client.post(f"/api/appeals/{appeal['appeal']}/ruling", json={"decision": "overturned"},
                       headers=qa).status_code == 403
    ruled = client.post(f"/api/appeals/{appeal['appeal']}/ruling", json={"decision": "overturned", "comment": "同意"},
                        headers=lead).json()
    assert ruled["score"] > result["score"]
    assert client.post(f"/api/appeals/{appeal['appeal']}/ruling", json={"decision": "upheld"},
                       headers=lead).status_code == 409
    assert client.post("/api/calls/demo-002/reviews", json={"checkpoint": checkpoint, "verdict": "true_hit"},
                       headers=qa).status_code == 409
    log = client.get("/api/calls/demo-002/audit", headers=lead).json()
    assert [e["action"] for e in log][-2:] == ["appeal.create", "appeal.rule"]
    assert log[-1]["user"] == "lead" and log[-1]["before"]["appeal"]["status"] == "open"
    assert log[-1]["after"]["appeal"]["status"] == "overturned"
    assert client.get("/api/precision", headers=lead).json()[0]["checkpoint"] == checkpoint


def test_openapi_docs_are_served_offline(app: Any) -> None:
    client = TestClient(app)
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/vendor/swagger-ui-bundle.js" in docs.text and "cdn." not in docs.text
    assert client.get("/vendor/swagger-ui-bundle.js").status_code == 200
    assert client.get("/vendor/secrets.txt").status_code == 404
    schema = client.get("/openapi.json").json()
    assert {"/api/calls", "/api/calls/batch", "/api/calls/{call_id}/reviews", "/api/appeals/{appeal_id}/ruling"} \
        <= set(schema["paths"])
    assert "/calls" not in schema["paths"]  # pages are not API
