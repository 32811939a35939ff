"""The console in a real browser: headless Debian chromium driven by selenium against the
app served by uvicorn on 127.0.0.1. Skipped (with the reason) where chromium is absent."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callqa.web import WebConfig, create_app

from .conftest import PASSWORDS

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
         "--autoplay-policy=no-user-gesture-required", "--mute-audio")

from tests.conftest import skip_unless_strict  # noqa: E402

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    skip_unless_strict("chromium is not installed (apt-get install -y chromium chromium-driver)", module=True)

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    folder = tmp_path_factory.mktemp("browser")
    shutil.copy(prepared / "template.db", folder / "callqa.db")
    app = create_app(WebConfig(db_url=f"sqlite:///{folder / 'callqa.db'}", audio_dir=prepared / "audio"))
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="callqa-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait(driver: Any, condition: Any, timeout: float = 10) -> Any:
    """Wait for a condition, riding over the page being replaced after a form post."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,
                                                              NoSuchElementException)).until(condition)


def login(driver: Any, base: str, name: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[name])
    driver.find_element(By.ID, "login-submit").click()
    wait(driver, lambda d: d.find_elements(By.ID, "user-name"))
    assert driver.find_element(By.ID, "user-name").text == name


def score(driver: Any) -> float:
    return float(driver.find_element(By.ID, "score").text)


def test_login_and_dashboard_charts(server: str, browser: Any) -> None:
    login(browser, server, "admin")
    assert browser.current_url == f"{server}/"
    for chart in ("histogram", "trend", "worst"):
        wait(browser, lambda d, c=chart: d.find_elements(By.CSS_SELECTOR, f"#chart-{c} svg.main-svg"))
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart-histogram g.point")
    assert len(bars) == 10
    assert browser.find_element(By.ID, "kpi-calls").text == "13"
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_filter_the_call_list(server: str, browser: Any) -> None:
    login(browser, server, "admin")
    browser.get(f"{server}/calls")
    Select(browser.find_element(By.ID, "f-team")).select_by_value("B")
    Select(browser.find_element(By.ID, "f-failed")).select_by_value("talk.address_customer")
    browser.find_element(By.ID, "filter-submit").click()
    wait(browser, lambda d: "team=B" in d.current_url)
    rows = [r.get_attribute("data-call") for r in browser.find_elements(By.CSS_SELECTOR, "tr.call-row")]
    assert rows == ["demo-006"]  # the one team-B call that failed 礼貌称呼
    assert browser.find_element(By.ID, "calls-total").text == "1"
    assert "礼貌称呼" in browser.find_element(By.CSS_SELECTOR, "tr.call-row").text
    Select(browser.find_element(By.ID, "f-failed")).select_by_value("")
    browser.find_element(By.ID, "f-score-min").send_keys("50")
    browser.find_element(By.ID, "filter-submit").click()
    wait(browser, lambda d: "score_min=50" in d.current_url)
    rows = [r.get_attribute("data-call") for r in browser.find_elements(By.CSS_SELECTOR, "tr.call-row")]
    assert sorted(rows) == ["demo-004", "demo-009", "demo-011"]


def test_open_a_call_and_jump_to_the_evidence(server: str, browser: Any) -> None:
    login(browser, server, "admin")
    browser.get(f"{server}/calls")
    browser.find_element(By.CSS_SELECTOR, "tr[data-call='web-untrusted'] a.call-link").click()
    wait(browser, lambda d: d.find_elements(By.ID, "timeline"))
    audio = browser.find_element(By.ID, "audio")
    wait(browser, lambda d: d.execute_script("return arguments[0].readyState", audio) >= 1)
    link = browser.find_element(By.CSS_SELECTOR, "#cp-forbidden\\.shirk a.ev-link[data-target^='u-']")
    target, t = link.get_attribute("data-target"), float(link.get_attribute("data-t"))
    link.click()
    utterance = browser.find_element(By.ID, target)
    wait(browser, lambda d: "flash-target" in utterance.get_attribute("class"))
    assert "不关我的事" in utterance.text
    assert browser.execute_script("return location.hash") == f"#{target}"
    wait(browser, lambda d: abs(d.execute_script("return arguments[0].currentTime", audio) - t) < 2)
    visible = ("const r = arguments[0].getBoundingClientRect(), p = arguments[0].closest('.transcript-card')"
               ".getBoundingClientRect(); return r.top >= p.top && r.bottom <= p.bottom;")
    wait(browser, lambda d: d.execute_script(visible, utterance))  # scrolled into view


def test_a_qa_review_changes_the_score(server: str, browser: Any) -> None:
    login(browser, server, "qa")
    browser.get(f"{server}/calls/demo-002")
    before = score(browser)
    form = browser.find_element(By.CSS_SELECTOR, "form.review-form")
    checkpoint = form.find_element(By.NAME, "checkpoint").get_attribute("value")
    form.find_element(By.CSS_SELECTOR, "input[value='false_hit']").click()
    form.find_element(By.NAME, "comment").send_keys("系统振铃时间误报")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".flash"))
    assert score(browser) > before
    card = browser.find_element(By.ID, f"cp-{checkpoint}")
    assert "复核：误判" in card.text and "系统振铃时间误报" in card.text


def test_an_agent_appeal_and_the_supervisors_final_ruling(server: str, browser: Any) -> None:
    login(browser, server, "agent1031")
    browser.get(f"{server}/calls/demo-012")
    before = score(browser)
    form = browser.find_element(By.CSS_SELECTOR, "form.appeal-form")
    checkpoint = form.find_element(By.NAME, "checkpoint").get_attribute("value")
    form.find_element(By.NAME, "reason").send_keys("客户挂机前我已道别")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: d.find_elements(By.ID, f"appeal-{checkpoint}"))
    assert "待裁定" in browser.find_element(By.ID, f"appeal-{checkpoint}").text
    assert not browser.find_elements(By.CSS_SELECTOR, "form.rule-form")

    login(browser, server, "lead")
    browser.get(f"{server}/appeals?status=open")
    browser.find_element(By.LINK_TEXT, "demo-012").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "form.rule-form"))
    form = browser.find_element(By.CSS_SELECTOR, f"#cp-{checkpoint.replace('.', chr(92) + '.')} form.rule-form")
    form.find_element(By.CSS_SELECTOR, "input[value='overturned']").click()
    form.find_element(By.NAME, "comment").send_keys("录音核实，改判")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: "终审" in d.find_element(By.ID, f"appeal-{checkpoint}").text)
    assert score(browser) > before
    assert not browser.find_elements(By.CSS_SELECTOR, "form.rule-form")
    card = browser.find_element(By.ID, f"cp-{checkpoint}")
    assert "改判通过" in card.text and not card.find_elements(By.CSS_SELECTOR, "form")


def test_an_agent_cannot_open_another_agents_call(server: str, browser: Any) -> None:
    login(browser, server, "agent1031")
    browser.get(f"{server}/calls/demo-001")
    assert "未找到" in browser.find_element(By.TAG_NAME, "h1").text
    assert not browser.find_elements(By.ID, "timeline") and "李女士" not in browser.page_source
    status = browser.execute_async_script(
        "const done = arguments[0]; fetch('/api/calls/demo-001').then(r => done(r.status));")
    assert status == 404
    own = browser.execute_async_script(
        "const done = arguments[0]; fetch('/api/calls/demo-002').then(r => done(r.status));")
    assert own == 200


def test_markup_in_a_transcript_is_shown_as_text(server: str, browser: Any) -> None:
    login(browser, server, "admin")
    browser.get(f"{server}/calls/web-untrusted")
    text = browser.find_element(By.CSS_SELECTOR, "#u-1 .text").text
    assert "<script>window.__xss = 1</script>" in text and "<img src=x" in text
    assert browser.execute_script("return window.__xss === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, "#timeline script, #timeline img")
