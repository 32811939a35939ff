"""The console pages: login, CSRF, rate limiting, roles, escaping, masking, the workflow forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callqa.web.pages import _safe_next

from .conftest import MOBILE, XSS, csrf_of, login


def test_pages_need_a_login(app: Any) -> None:
    client = TestClient(app)
    response = client.get("/calls?team=A", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/calls%3Fteam%3DA"
    assert client.get("/login").status_code == 200


def test_login_sets_a_safe_cookie_and_logout_ends_it(app: Any) -> None:
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"name": "admin", "password": "admin-pass", "csrf_token": token,
                                           "next": "//evil.example/"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = client.get("/")
    assert page.status_code == 200 and 'id="user-name">admin<' in page.text
    assert client.post("/logout", data={}).status_code == 403  # CSRF protects logout too
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(("target", "safe"), [("/calls?team=A", "/calls?team=A"), ("//evil.example", "/"),
                                              ("/\\evil.example", "/"), ("https://evil.example", "/"), ("", "/")])
def test_login_redirects_only_to_this_site(target: str, safe: str) -> None:
    assert _safe_next(target) == safe


def test_login_needs_csrf_and_a_right_password(app: Any) -> None:
    client = TestClient(app)
    client.get("/login")
    assert client.post("/login", data={"name": "admin", "password": "admin-pass"}).status_code == 403
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"name": "admin", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text


def test_login_is_rate_limited_per_user_and_address(app: Any) -> None:
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        assert client.post("/login", data={"name": "qa", "password": "guess", "csrf_token": token}).status_code == 401
    blocked = client.post("/login", data={"name": "qa", "password": "qa-passw", "csrf_token": token})
    assert blocked.status_code == 429 and "过多" in blocked.text
    other = client.post("/login", data={"name": "lead", "password": "lead-pass", "csrf_token": token},
                        follow_redirects=False)
    assert other.status_code == 303  # another user from the same address is not blocked
    limiter = app.state.ctx.limiter
    limiter.clock = lambda: 1e12  # five minutes later
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"name": "qa", "password": "qa-passw", "csrf_token": token},
                       follow_redirects=False).status_code == 303


@pytest.mark.parametrize("name", ["admin", "lead", "qa", "agent1031"])
def test_every_page_renders_for_every_role(client_for, name: str) -> None:
    client, _ = client_for(name)
    for path in ("/", "/calls", "/calls?failed=hold.thank_after&status=fail&score_min=&date_from=2026-11-01",
                 "/calls/web-untrusted", "/appeals", "/appeals?status=open", "/standard", "/phrases",
                 "/phrases?q=等待"):
        response = client.get(path)
        assert response.status_code == 200, (name, path)
        assert "content-security-policy" in response.headers
    assert client.get("/audit").status_code == (200 if name in ("admin", "lead") else 403)


def test_dashboard_has_charts_and_ranks(client_for) -> None:
    client, _ = client_for("admin")
    page = client.get("/").text
    assert '<script src="/vendor/plotly.min.js"' in page and 'data-chart="histogram"' in page
    assert 'id="kpi-calls">13<' in page and 'id="rank-agent"' in page
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and plotly.headers["content-type"].startswith("text/javascript")
    assert len(plotly.content) > 1_000_000


def test_call_list_filters(client_for) -> None:
    client, _ = client_for("admin")
    page = client.get("/calls?team=B&status=fail").text
    rows = re.findall(r'data-call="([^"]+)"', page)
    assert rows and all(r in ("demo-004", "demo-006", "demo-009", "demo-011") for r in rows)
    paged = client.get("/calls?per_page=5&page=3").text
    assert len(re.findall(r'data-call="', paged)) == 3 and "第 3 / 3 页" in paged


def test_transcripts_are_escaped(client_for) -> None:
    client, _ = client_for("admin")
    page = client.get("/calls/web-untrusted").text
    assert XSS not in page and "<script>window.__xss" not in page
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in page
    assert "onerror=&#34;window.__xss=2&#34;" in page or "onerror=&quot;" in page


def test_pii_masked_on_pages_except_for_admins(client_for) -> None:
    for name, visible in (("admin", True), ("qa", False), ("agent1031", False)):
        client, _ = client_for(name)
        page = client.get("/calls/web-untrusted").text
        assert (MOBILE in page) is visible, name


def test_an_agent_cannot_open_another_agents_call(client_for) -> None:
    client, _ = client_for("agent1031")
    assert client.get("/calls/demo-001").status_code == 404
    assert client.get("/calls/demo-001/audio").status_code == 404
    assert client.get("/calls/demo-002").status_code == 200


def test_recordings_are_served_from_the_audio_dir_only(client_for, app: Any) -> None:
    client, _ = client_for("admin")
    audio = client.get("/calls/web-untrusted/audio", headers={"Range": "bytes=0-99"})
    assert audio.status_code == 206 and audio.headers["content-type"] == "audio/wav"
    with app.state.ctx.db.transaction() as session:
        from callqa.store.models import CallRow

        row = session.get(CallRow, "web-untrusted")
        row.data = {**row.data, "audio": {"path": "../../../../etc/passwd"}}
    assert client.get("/calls/web-untrusted/audio").status_code == 404


def test_review_appeal_and_ruling_through_the_forms(app: Any) -> None:
    qa, agent, lead = TestClient(app), TestClient(app), TestClient(app)
    qa_csrf, agent_csrf, lead_csrf = login(qa, "qa"), login(agent, "agent1031"), login(lead, "lead")
    page = qa.get("/calls/demo-002").text
    score = float(re.search(r'id="score">([\d.]+)<', page).group(1))
    checkpoints = re.findall(r'name="checkpoint" value="([^"]+)"', page)
    first, second = checkpoints[0], checkpoints[1]
    form = {"checkpoint": first, "verdict": "false_hit", "comment": "系统误报", "standard": "default@1"}
    assert qa.post("/calls/demo-002/review", data=form).status_code == 403  # no CSRF token
    response = qa.post("/calls/demo-002/review", data={**form, "csrf_token": qa_csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/calls/demo-002#cp-{first}"
    page = qa.get("/calls/demo-002").text
    assert float(re.search(r'id="score">([\d.]+)<', page).group(1)) > score and "复核：误判" in page
    assert agent.post("/calls/demo-002/review", data={**form, "csrf_token": agent_csrf}).status_code == 403

    agent_page = agent.get("/calls/demo-002").text
    assert 'class="action-form appeal-form"' in agent_page and 'class="action-form review-form"' not in agent_page
    agent.post("/calls/demo-002/appeal", data={"checkpoint": second, "reason": "已经询问过客户",
                                                "csrf_token": agent_csrf})
    lead_page = lead.get("/calls/demo-002").text
    appeal_id = re.search(r'action="/appeals/(\d+)/rule"', lead_page).group(1)
    assert "已经询问过客户" in lead.get("/appeals?status=open").text
    lead.post(f"/appeals/{appeal_id}/rule", data={"decision": "upheld", "comment": "证据充分",
                                                  "csrf_token": lead_csrf})
    final = lead.get("/calls/demo-002").text
    assert "终审" in final and f'action="/appeals/{appeal_id}/rule"' not in final
    again = lead.post(f"/appeals/{appeal_id}/rule", data={"decision": "overturned", "csrf_token": lead_csrf})
    assert again.status_code == 409
    audit = lead.get("/audit").text
    assert "appeal.rule" in audit and "review.create" in audit
