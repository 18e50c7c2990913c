"""The web console (GET /ui) in a real headless Chromium, against the real daemon, a real
redis-server and a real C reader (libomega_config): sign in, read the settings built from the
schema, edit with a dry-run review and publish, see the reader follow, be told when someone
else changed the settings, get a refusal next to the field, roll back after seeing the diff,
watch a temporary change count down and revert. Every value is shown as text (no script runs
from data), nothing is requested from another origin, and the token stays in the tab.

Screenshots go to tests/output/console/ (ignored by git); the path is printed."""

import enum
import json
from typing import Optional

import pytest
import redis as redis_py
from pydantic import Field, HttpUrl, RedisDsn, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.support.browser import OUTPUT, require_chromium, start_chromium
from tests.support.daemon import ALICE, BOB
from tests.support.waiting import wait_until

SECRET = "console-secret-NEVER-SHOWN-0123456789abcdef"
URL_PASSWORD = "cache-pass-never-shown"
XSS = "<img src=x onerror=window.__xss=1>"


class Level(str, enum.Enum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class ConsoleSettings(BaseSettings):
    """A team's settings, as pydantic-settings writes them: the console reads its schema."""

    model_config = SettingsConfigDict(extra="forbid", case_sensitive=True)

    LOG_LEVEL: Level = Field(Level.INFO, description="How much every service logs.")
    REQUEST_TIMEOUT: int = Field(30, ge=1, le=300, description="Seconds before an upstream call is abandoned.")
    MAX_CONCURRENT_TASKS: int = Field(8, gt=0, le=1024, description="Tasks one worker runs at once.")
    LLM_TEMPERATURE: float = Field(0.7, ge=0, le=2, description="Sampling temperature of the planner.")
    FEATURE_STREAMING: bool = Field(True, description="Stream answers as they are generated.")
    MOTD: str = Field("Welcome", max_length=200, description="The message of the day shown to users.")
    ALERT_WEBHOOK_URL: Optional[HttpUrl] = Field(None, description="Where alerts are posted.")
    REDIS_URL: RedisDsn = Field(description="The cache the services share.")
    SECRET_KEY: SecretStr = Field(min_length=32, description="Signs session tokens.")
    ALLOWED_ORIGINS: list[str] = Field([], description="Origins the public API answers.")
    RETRIES: Optional[int] = Field(None, ge=0, le=10, description="Retries of a failed call (unset: the default).")


ENV = f"""# the console test's settings
LOG_LEVEL=INFO
REQUEST_TIMEOUT=30
MAX_CONCURRENT_TASKS=8
LLM_TEMPERATURE=0.7
FEATURE_STREAMING=true
MOTD=Welcome
REDIS_URL=redis://:{URL_PASSWORD}@10.0.0.5:6379/0
SECRET_KEY={SECRET}
ALLOWED_ORIGINS='["https://app.example"]'
"""
FIELDS = len(ConsoleSettings.model_fields)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    require_chromium()
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(request):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("*.png"):  # only this run's pictures
        old.unlink()
    capman = request.config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled():
        print(f"\nconsole screenshots: {OUTPUT}")
    return lambda driver, name: driver.save_screenshot(str(OUTPUT / f"{name}.png"))


@pytest.fixture
def console(make_daemon, browser):
    """Starts a daemon with the console settings; console(args) returns it."""

    def start(args=()):
        schema = json.dumps(ConsoleSettings.model_json_schema())
        # Each daemon has its own port, so its own origin: no sign-in carries over.
        return make_daemon(args=args, env_text=ENV, schema_text=schema)

    return start


# ---- small helpers, in the user's words ---------------------------------------------------


def find(driver, css, timeout=20):
    return wait_until(lambda: first_visible(driver, css), timeout=timeout, what=css)


def click(driver, css):
    """Clicks as a user would: scrolled into the middle of the window first, clear of the
    sticky bars (Selenium's own scrolling puts it at the top edge, under them)."""
    e = find(driver, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", e)
    e.click()


def first_visible(driver, css):
    for e in driver.find_elements(By.CSS_SELECTOR, css):
        if e.is_displayed():
            return e
    return None


def text_of(driver, css):
    e = first_visible(driver, css)
    return e.text if e else ""


def wait_text(driver, css, needle, timeout=20):
    return wait_until(lambda: needle in text_of(driver, css), timeout=timeout, what=f"{needle!r} in {css}")


def sign_in(driver, d, token=ALICE):
    driver.get(d.base + "/ui")
    box = find(driver, "#token")
    box.clear()
    box.send_keys(token)
    click(driver, "#sign-in")


def signed_in(driver, d):
    sign_in(driver, d)
    wait_until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#settings-table tbody tr")) == FIELDS)


def row(driver, key):
    return find(driver, f'#settings-table tr[data-key="{key}"]')


def field(driver, key):
    return find(driver, f"#field-{key}")


def type_into(element, text):
    element.clear()
    element.send_keys(text)


def version(d):
    return d.config()["version"]


def fleet_by_version(d):
    return d.request("GET", "/config/readers", token=None).json["by_version"]


def dialog_rows(driver, css):
    find(driver, f"{css} tbody tr")
    return {r.get_attribute("data-key"): r.text for r in driver.find_elements(By.CSS_SELECTOR, f"{css} tbody tr")}


def page_errors(driver):
    """What the browser logged as errors, but for the HTTP refusals it logs for every 4xx and
    5xx answer (the tests ask for those): script errors, CSP violations."""
    return [m for m in driver.get_log("browser") if m["level"] == "SEVERE" and m.get("source") != "network"]


# ---- the flow ----------------------------------------------------------------------------


def test_edit_review_publish_follow_roll_back_and_count_down(console, browser, c_reader, shots):
    d = console()
    c_reader("LOG_LEVEL")
    wait_until(lambda: fleet_by_version(d) == {"1": 1}, what="the C reader in the fleet at v1")

    # Sign in: a wrong token is refused at once, the right one opens the console.
    sign_in(browser, d, token="x" * 40)
    wait_text(browser, "#login-error", "refused")
    signed_in(browser, d)
    assert text_of(browser, "#current-version") == "v1"
    wait_text(browser, "#fleet-summary", "1 reader · all on v1")

    # The table is the schema: description, type, bounds, enum, default; secrets masked.
    timeout = row(browser, "REQUEST_TIMEOUT").text
    assert "Seconds before an upstream call is abandoned." in timeout
    assert "integer" in timeout and "≥ 1" in timeout and "≤ 300" in timeout and "30" in timeout
    level = row(browser, "LOG_LEVEL").text
    assert "one of" in level and all(m in level for m in ["DEBUG", "INFO", "WARNING", "ERROR"])
    assert "> 0" in row(browser, "MAX_CONCURRENT_TASKS").text
    assert "SECRET" in row(browser, "SECRET_KEY").text.upper() and "••••••••" in row(browser, "SECRET_KEY").text
    assert "redis://:**********@10.0.0.5:6379/0" in row(browser, "REDIS_URL").text
    assert "optional" in row(browser, "RETRIES").text and "unset" in row(browser, "RETRIES").text
    assert SECRET not in browser.page_source and URL_PASSWORD not in browser.page_source
    shots(browser, "1-settings")

    # Edit: a select for the enum, a bounded number input; the review is a dry run.
    click(browser, "#edit")
    Select(field(browser, "LOG_LEVEL")).select_by_visible_text("DEBUG")
    timeout_input = field(browser, "REQUEST_TIMEOUT")
    assert timeout_input.get_attribute("type") == "number"
    assert (timeout_input.get_attribute("min"), timeout_input.get_attribute("max")) == ("1", "300")
    assert field(browser, "SECRET_KEY").get_attribute("type") == "password"
    assert field(browser, "SECRET_KEY").get_attribute("value") == ""
    assert field(browser, "REDIS_URL").get_attribute("value") == ""  # the mask is never sent back
    type_into(timeout_input, "45")
    type_into(find(browser, "#edit-comment"), "more detail for the incident")
    click(browser, "#edit-review")
    diff = dialog_rows(browser, "#review-diff")
    assert set(diff) == {"LOG_LEVEL", "REQUEST_TIMEOUT"}
    assert "INFO" in diff["LOG_LEVEL"] and "DEBUG" in diff["LOG_LEVEL"]
    assert "30" in diff["REQUEST_TIMEOUT"] and "45" in diff["REQUEST_TIMEOUT"]
    assert version(d) == "1", "a review changes nothing"
    shots(browser, "2-review-diff")

    # Publish: the new version everywhere, and the reader follows.
    click(browser, "#publish")
    wait_text(browser, "#current-version", "v2")
    cfg = d.config()["config"]
    assert cfg["LOG_LEVEL"] == "DEBUG" and cfg["REQUEST_TIMEOUT"] == 45
    newest = d.request("GET", "/config/history?limit=1", token=None).json["versions"][0]
    assert newest["actor"] == "alice" and newest["comment"] == "more detail for the incident"
    wait_text(browser, "#fleet-summary", "1 reader · all on v2", timeout=30)
    assert fleet_by_version(d) == {"2": 1}

    click(browser, "#tab-fleet")
    find(browser, '#readers-table tr[data-version="2"][data-state="READY"]')
    assert "omega_consumer" in text_of(browser, "#readers-table")
    assert "v2" in text_of(browser, "#fleet-by-version")
    shots(browser, "3-fleet")

    # Someone else publishes while the form is open: If-Match refuses the stale form, and the
    # page says what happened and what to do.
    click(browser, "#tab-settings")
    click(browser, "#edit")
    type_into(field(browser, "REQUEST_TIMEOUT"), "50")
    assert d.patch({"FEATURE_STREAMING": False}, token=BOB).status == 200
    click(browser, "#edit-review")
    wait_text(browser, "#stale-notice", "Someone else changed the settings")
    assert "version 2" in text_of(browser, "#stale-notice") and "version 3" in text_of(browser, "#stale-notice")
    assert not first_visible(browser, "#dialog[open]")
    assert d.config()["config"]["REQUEST_TIMEOUT"] == 45 and version(d) == "3"

    # Reload the form: it starts from version 3. A value out of bounds comes back as a 422
    # next to its field; text that is not JSON is caught before anything is sent.
    click(browser, "#stale-reload")
    wait_text(browser, ".toolbar-title", "starting from version 3")
    type_into(field(browser, "REQUEST_TIMEOUT"), "999")
    type_into(field(browser, "ALLOWED_ORIGINS"), '["https://app.example"')
    click(browser, "#edit-review")
    wait_text(browser, '#settings-table tr[data-key="ALLOWED_ORIGINS"] .field-error', "not valid JSON")
    type_into(field(browser, "ALLOWED_ORIGINS"), '["https://app.example", "https://admin.example"]')
    click(browser, "#edit-review")
    wait_text(browser, '#settings-table tr[data-key="REQUEST_TIMEOUT"] .field-error', "300")
    assert not first_visible(browser, '#settings-table tr[data-key="ALLOWED_ORIGINS"] .field-error')
    shots(browser, "4-field-error")
    click(browser, "#edit-cancel")
    assert version(d) == "3"

    # History: a timeline with the diffs (old -> new), actor and comment.
    click(browser, "#tab-history")
    v2 = find(browser, '#timeline li[data-version="2"]')
    wait_until(lambda: "DEBUG" in v2.text and "45" in v2.text, what="v2's diff")
    assert "alice" in v2.text and "more detail for the incident" in v2.text
    assert "token-" in text_of(browser, '#timeline li[data-version="3"]')  # bob is an unnamed token line
    shots(browser, "5-history")

    # Roll back to v1: the dry run's diff first, then the confirmation publishes v4.
    click(browser, '#timeline li[data-version="1"] button[data-rollback="1"]')
    diff = dialog_rows(browser, "#rollback-diff")
    assert set(diff) == {"LOG_LEVEL", "REQUEST_TIMEOUT", "FEATURE_STREAMING"}
    assert version(d) == "3", "the rollback's review changes nothing"
    shots(browser, "6-rollback-diff")
    type_into(find(browser, "#rollback-comment"), "back to the known good")
    click(browser, "#rollback-confirm")
    wait_text(browser, "#current-version", "v4")
    history = d.request("GET", "/config/history?limit=4", token=None).json["versions"]
    assert history[0]["event"] == "rollback" and history[0]["config"] == history[3]["config"]
    find(browser, '#timeline li[data-version="4"]')

    # A temporary change: it counts down, then reverts by itself, and the page follows.
    click(browser, "#tab-settings")
    click(browser, "#edit")
    click(browser, '#settings-table tr[data-key="FEATURE_STREAMING"] .switch')
    type_into(find(browser, "#edit-revert-amount"), "12")
    Select(find(browser, "#edit-revert-unit")).select_by_visible_text("seconds")
    click(browser, "#edit-review")
    wait_text(browser, "#dialog", "Temporary: reverts after 0:12")
    assert "FEATURE_STREAMING" in dialog_rows(browser, "#review-diff")
    click(browser, "#publish")
    wait_text(browser, "#current-version", "v5")
    first = find(browser, "#reverts .countdown").text
    wait_until(lambda: text_of(browser, "#reverts .countdown") != first, what="the countdown to move")
    assert "reverts in" in row(browser, "FEATURE_STREAMING").text
    assert "FEATURE_STREAMING" in text_of(browser, "#reverts")
    shots(browser, "7-countdown")
    pending = d.config()["pending_reverts"]
    assert pending[0]["keys"] == ["FEATURE_STREAMING"] and pending[0]["version"] == "5"
    wait_text(browser, "#current-version", "v6", timeout=40)
    wait_until(lambda: not first_visible(browser, "#reverts"), what="the countdown to go")
    assert d.config()["config"]["FEATURE_STREAMING"] is True
    wait_text(browser, "#fleet-summary", "all on v6", timeout=30)

    assert page_errors(browser) == []


# ---- every value is text -------------------------------------------------------------------


def test_values_from_the_api_are_shown_as_text(console, browser, redis_server, shots):
    d = console()
    comment = "<script>window.__xss=2</script><b>bold?</b>"
    new_secret = "another-secret-NEVER-SHOWN-0123456789abcdef"
    assert d.patch({"MOTD": XSS, "SECRET_KEY": new_secret}, comment=comment).status == 200
    # A reader's name is attacker-controlled too (whoever can connect to Redis sets it).
    named = redis_py.Redis(port=redis_server.port, client_name="omega:<img/src=x/onerror=window.__xss=3>:h:1:v2:READY")
    sub = named.pubsub()
    sub.subscribe("config_channel")
    try:
        signed_in(browser, d)
        assert XSS in row(browser, "MOTD").text
        click(browser, "#edit")
        assert field(browser, "MOTD").get_attribute("value") == XSS
        click(browser, "#edit-cancel")
        click(browser, "#tab-fleet")
        wait_text(browser, "#readers-table", "<img/src=x/onerror=window.__xss=3>")
        click(browser, "#tab-history")
        entry = find(browser, '#timeline li[data-version="2"]')
        wait_until(lambda: XSS in entry.text, what="the value in the diff")
        assert comment in entry.text
        # A secret's change is only "changed": no value, not even masked.
        secret_row = find(browser, '#timeline li[data-version="2"] tr[data-key="SECRET_KEY"]')
        assert "changed (secret)" in secret_row.text and "*" not in secret_row.text
        shots(browser, "8-values-as-text")
        assert browser.execute_script("return window.__xss") is None
        assert (
            browser.execute_script("return document.querySelectorAll('img[src=\"x\"], script:not([src]), b').length")
            == 0
        )
        assert new_secret not in browser.page_source and SECRET not in browser.page_source
    finally:
        sub.close()
        named.close()
    assert page_errors(browser) == []


def test_nothing_leaves_the_origin_and_the_token_stays_in_the_tab(console, browser):
    d = console()
    signed_in(browser, d)
    click(browser, "#tab-history")
    find(browser, "#timeline li")
    click(browser, "#tab-fleet")
    find(browser, "#fleet-by-version, .empty")
    origins = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
        ".concat([new URL(location.href).origin])"
    )
    assert set(origins) == {d.base}, origins
    assert ALICE not in browser.current_url
    assert browser.get_cookies() == []
    assert browser.execute_script("return Object.keys(localStorage).length") == 0
    assert browser.execute_script("return document.cookie") == ""
    names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert not any(ALICE in n for n in names)
    # The page's own CSP is in force: an inline script cannot run (the browser reports it).
    browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.append(s)"
    )
    assert browser.execute_script("return window.__inline") is None
    assert any("Content Security Policy" in m["message"] for m in browser.get_log("browser"))
    # Signing out forgets the token.
    click(browser, "#sign-out")
    find(browser, "#token")
    assert browser.execute_script("return sessionStorage.length") == 0


# ---- errors where they can be acted on ---------------------------------------------------------


def test_read_auth_a_refused_token_and_a_writer_that_cannot_publish(console, browser, redis_server):
    d = console(args=["--read-auth", "admin"])
    browser.get(d.base + "/ui")
    find(browser, "#token")  # the page itself needs no token, the API does
    signed_in(browser, d)
    assert text_of(browser, "#current-version") == "v1"

    # Redis goes away: the review (a dry run) still works; publishing is refused, in a banner.
    redis_server.stop()
    click(browser, "#edit")
    type_into(field(browser, "MOTD"), "Maintenance tonight")
    click(browser, "#edit-review")
    find(browser, "#review-diff tbody tr")
    click(browser, "#publish")
    wait_text(browser, "#banner", "redis_unavailable")
    assert d.request("GET", "/config").json["version"] == "1"
    click(browser, "#tab-fleet")
    wait_text(browser, "#panel-fleet", "cannot be listed", timeout=30)

    # A token the writer does not accept (revoked, say) leads back to the sign-in.
    browser.execute_script("sessionStorage.setItem('omega-console-token', 'not-a-token-' + 'x'.repeat(40))")
    browser.refresh()
    wait_text(browser, "#login-error", "refused")
    assert not first_visible(browser, "#app")
    assert page_errors(browser) == []
