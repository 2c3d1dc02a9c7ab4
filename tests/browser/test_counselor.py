"""The demo's counselor screen in a real headless chromium (Debian's), driven by Playwright.

Starts the real `minwon-hub demo` in a temporary folder, opens the screen at the URL it writes
to demo-endpoints.json (`counselor_screen`) and checks, as a counselor and as the tax officer:
- a search by RRN with a purpose shows every source's state (seven in the demo) and the cases,
  personal fields masked;
- the purpose is required: without one nothing is sent;
- a key the hub refuses is explained (in Korean) without echoing it;
- with one simulator hanging, the others answer and that source shows a timeout; one
  answering HTTP 500 is marked failed at once while the others render;
- the tax officer sees the tax cases' personal fields in clear, the others masked;
- a case opens in detail (GetCase) with its own audit id; the knowledge search answers;
- no raw RRN in the URL, history, storage or any request URL; no token in the URL;
- no script errors (pageerror, console errors) on any page.
Run with tests/browser/run.sh (venv + pinned requirements).
Set MINWON_SCREENSHOT_DIR to keep a screenshot of each test's final screen.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60
# The demo's per-source deadline is 2.5 s; a hanging source is reported well within this.
STREAM_TIMEOUT_MS = 15_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Demo:
    """The real `minwon-hub demo`, and the files it writes."""

    def __init__(self, work: Path):
        b = Path(os.environ.get("MINWON_HUB_BIN", REPO / "target" / "debug" / "minwon-hub"))
        b = b if b.is_absolute() else REPO / b
        if not b.exists():
            pytest.exit(f"hub binary {b} not found: cargo build -p minwon-hub, or set MINWON_HUB_BIN", 2)
        self.dir = work / "data"
        self.log_path = work / "hub.log"
        self._log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINWON_")}
        self.proc = subprocess.Popen(
            [str(b), "demo", "--listen", "127.0.0.1:0", "--sim-base-port", "0", "--data-dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=env,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        endpoints = self.dir / "demo-endpoints.json"
        while not endpoints.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"demo exited early ({self.proc.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"demo did not start in {START_TIMEOUT_S}s:\n{self.log()}")
            time.sleep(0.05)
        self.endpoints = json.loads(endpoints.read_text())
        self.tokens = json.loads((self.dir / "demo-tokens.json").read_text())
        self.citizens = json.loads((self.dir / "demo-citizens.json").read_text())
        self.screen = self.endpoints["counselor_screen"]

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def fault(self, source: str, mode: str):
        req = urllib.request.Request(
            f"{self.endpoints['simulators'][source]}/_sim/fault",
            data=json.dumps({"mode": mode}).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200, f"fault switch of {source}: HTTP {r.status}"

    def citizen_everywhere(self) -> dict:
        everywhere = set(self.citizens["all_sources"])
        return next(c for c in self.citizens["citizens"] if everywhere <= set(c["sources"]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture(scope="module")
def demo():
    with tempfile.TemporaryDirectory(prefix="minwon-browser-") as d:
        dm = Demo(Path(d))
        yield dm
        dm.stop()


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which(os.environ.get("CHROMIUM", "chromium"))
    if not exe:
        pytest.exit("chromium not found: apt-get install -y chromium", 2)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Screen:
    """One browser page on the screen, with every script error and request URL it saw."""

    def __init__(self, browser, demo: Demo, name: str):
        self.demo = demo
        self.name = name
        self.context = browser.new_context(locale="ko-KR", viewport={"width": 1360, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None
        )
        self.page.on("request", lambda r: self.urls.append(r.url))
        self.page.on("framenavigated", lambda f: self.urls.append(f.url))

    def goto(self, fragment: str = ""):
        self.page.goto(f"{self.demo.screen}{fragment}")
        # Entries before the screen (the new tab's blank page) are not the screen's doing.
        self.history0 = self.page.evaluate("history.length")

    def open_signed_in(self, token: str):
        self.goto(f"#token={token}")
        expect(self.page.locator("#who")).not_to_be_empty()

    def search(self, c: dict, purpose: str):
        """Searches citizen `c` by all their keys (RRN, vehicle numbers, water customer no)."""
        p = self.page
        p.fill("#rrn", c["rrn"])
        p.fill("#vehicle", ", ".join(c.get("vehicle_numbers") or []))
        p.fill("#water", c.get("water_customer_no") or "")
        p.select_option("#purpose", purpose)
        p.fill("#note", "브라우저 테스트")
        p.click("#search button[type=submit]")
        # The submit handler draws one waiting chip per source before the stream starts;
        # every source has answered when none is waiting. (Locator waits, not
        # wait_for_function: the screen's CSP forbids the eval that one needs.)
        expect(p.locator("#strip li").first).to_be_visible()
        expect(p.locator("#strip li[data-state=waiting]")).to_have_count(0, timeout=STREAM_TIMEOUT_MS)

    def states(self) -> dict[str, str]:
        return self.page.eval_on_selector_all(
            "#strip li", "els => Object.fromEntries(els.map(e => [e.dataset.source, e.dataset.state]))"
        )

    def visibilities(self, source: str) -> list[str]:
        return self.page.eval_on_selector_all(
            f"section.group[data-source={source}] .pf", "els => els.map(e => e.dataset.visibility)"
        )

    def assert_private(self, rrn: str):
        """No raw RRN (with or without its hyphen) in the URL, history, storage or requests."""
        forms = {rrn, rrn.replace("-", "")}
        seen = self.page.evaluate(
            """() => ({
                href: location.href,
                state: JSON.stringify(history.state),
                length: history.length,
                local: JSON.stringify(Object.entries(localStorage)),
                session: JSON.stringify(Object.entries(sessionStorage)),
                cookie: document.cookie,
            })"""
        )
        assert "#token=" not in seen["href"], "the token is cleared from the address bar"
        assert seen["local"] == "[]" and seen["session"] == "[]", seen
        assert seen["cookie"] == ""
        for where in [seen["href"], seen["state"], *self.urls]:
            for f in forms:
                assert f not in where, f"raw RRN in {where[:80]}"
        # The screen's own entry only: neither the token nor a search pushed a history entry.
        assert seen["length"] == self.history0, seen

    def shot(self, selector, suffix):
        """A picture of one part of the screen, beside the test's own (when pictures are kept)."""
        out = os.environ.get("MINWON_SCREENSHOT_DIR")
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            self.page.locator(selector).screenshot(path=str(Path(out) / f"{self.name}-{suffix}.png"))

    def finish(self):
        out = os.environ.get("MINWON_SCREENSHOT_DIR")
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(out) / f"{self.name}.png"), full_page=False)
        self.context.close()
        assert self.errors == [], self.errors


@pytest.fixture
def screen(browser, demo, request):
    s = Screen(browser, demo, request.node.name)
    yield s
    s.finish()


def test_counselor_sees_every_source_and_masked_fields(screen, demo):
    c = demo.citizen_everywhere()
    screen.open_signed_in(demo.tokens["counselor"])
    assert "counselor-01" in screen.page.inner_text("#who")
    screen.search(c, "1")
    states = screen.states()
    assert sorted(states) == sorted(demo.citizens["all_sources"]), states
    assert set(states.values()) == {"OK"}, states
    audit_id = screen.page.inner_text("#audit-id").strip()
    assert audit_id, "the overview's audit id is on screen"
    for source in demo.citizens["all_sources"]:
        vis = screen.visibilities(source)
        assert vis and set(vis) == {"masked"}, f"{source}: {vis}"
    # Every source reads as a Korean name, the configured seventh one (which the screen has no
    # label of its own for) as the department the hub says owns it; no raw source name shows.
    chips = screen.page.eval_on_selector_all(
        "#strip li", "els => Object.fromEntries(els.map(e => [e.dataset.source, e.querySelector('strong').textContent]))"
    )
    headings = screen.page.eval_on_selector_all(
        "section.group", "els => Object.fromEntries(els.map(e => [e.dataset.source, e.querySelector('h3').firstChild.textContent.trim()]))"
    )
    assert chips["waste"] == "자원순환과" and headings["waste"] == "자원순환과", (chips, headings)
    for source, shown in chips.items():
        assert shown != source and shown == headings[source], (chips, headings)
    body = screen.page.inner_text("body")
    assert c["name"] not in body and c["rrn"] not in body and c["phone"] not in body
    # A case in detail: GetCase, with its own access record id.
    screen.page.click("section.group[data-source=tax] button.link")
    expect(screen.page.locator("#detail-audit-id")).not_to_have_text("(없음)")
    detail_id = screen.page.inner_text("#detail-audit-id").strip()
    assert detail_id and detail_id != audit_id
    assert c["rrn"] not in screen.page.inner_text("#detail")
    # Its attributes read by their Korean labels (from GetCase), never by the connector's keys.
    expect(screen.page.locator("#detail dt", has_text="세목")).to_be_visible()
    detail_terms = screen.page.locator("#detail dt").all_inner_texts()
    assert "과세 연도" in detail_terms, detail_terms
    assert not [t for t in detail_terms if re.fullmatch(r"[a-z0-9_]+", t)], detail_terms
    screen.shot("#detail", "tax-detail")
    # The configured seventh source's too, from its table's `attribute_labels`.
    screen.page.click("section.group[data-source=waste] button.link")
    expect(screen.page.locator("#detail dt", has_text="수거 예정일")).to_be_visible()
    # A yes/no attribute reads as one (water's auto-debit flag is `true`/`false` on the wire).
    screen.page.click("section.group[data-source=water] button.link")
    auto_debit = screen.page.locator("#detail dt", has_text="자동이체")
    expect(auto_debit).to_be_visible()
    assert auto_debit.locator("xpath=following-sibling::dd[1]").inner_text() in ("예", "아니요")
    screen.shot("#detail", "water-detail")
    # Filters narrow what is shown, client-side.
    before = screen.page.locator("li.case").count()
    screen.page.select_option("#f-status", "7")  # CASE_STATUS_OVERDUE
    after = screen.page.locator("li.case").count()
    assert after < before
    assert set(screen.page.eval_on_selector_all("li.case", "els => els.map(e => e.dataset.status)")) <= {"OVERDUE"}
    # The knowledge search beside it.
    screen.page.fill("#kb-query", "자동차세")
    screen.page.click("#kb button")
    expect(screen.page.locator("#kb-results article").first).to_be_visible()
    screen.assert_private(c["rrn"])


def test_a_purpose_is_required(screen, demo):
    c = demo.citizen_everywhere()
    screen.open_signed_in(demo.tokens["counselor"])
    screen.page.fill("#rrn", c["rrn"])
    screen.page.click("#search button[type=submit]")
    expect(screen.page.locator("#search-error")).to_contain_text("목적")
    assert screen.page.locator("#strip li").count() == 0, "nothing was sent"
    assert not any("CitizenCaseService" in u for u in screen.urls)
    screen.assert_private(c["rrn"])


def test_a_hanging_source_times_out_and_the_others_render(screen, demo):
    c = demo.citizen_everywhere()
    screen.open_signed_in(demo.tokens["counselor"])
    demo.fault("water", "hang")
    try:
        screen.search(c, "1")
    finally:
        demo.fault("water", "none")
    states = screen.states()
    assert states["water"] == "TIMEOUT", states
    others = {s: v for s, v in states.items() if s != "water"}
    assert len(others) == len(demo.citizens["all_sources"]) - 1, states
    assert set(others.values()) == {"OK"}, states
    expect(screen.page.locator("#strip li[data-source=water]")).to_contain_text("시간 초과")
    expect(screen.page.locator("section.group[data-source=water] .warn")).to_be_visible()
    for s in others:
        assert screen.page.locator(f"section.group[data-source={s}] li.case").count() > 0, s
    screen.assert_private(c["rrn"])


def test_the_tax_officer_sees_tax_fields_in_clear(screen, demo):
    c = demo.citizen_everywhere()
    screen.goto()
    # Signed in through the field this time.
    screen.page.fill("#token", demo.tokens["officer"])
    screen.page.click("#signin button")
    expect(screen.page.locator("#who")).to_contain_text("officer-tax-01 (officer · 세정과)")
    screen.search(c, "2")
    tax = screen.visibilities("tax")
    assert "clear" in tax, tax
    clear_text = " ".join(screen.page.locator("section.group[data-source=tax] .pf.clear").all_inner_texts())
    assert c["name"] in clear_text, "the officer's own department shows the name in clear"
    for source in set(demo.citizens["all_sources"]) - {"tax"}:
        assert "clear" not in screen.visibilities(source), source
    screen.assert_private(c["rrn"])


def test_a_refused_look_up_is_explained_without_echoing_the_key(screen, demo):
    bad = "900101-12345"  # one digit short: the hub refuses it (INVALID_ARGUMENT)
    screen.open_signed_in(demo.tokens["counselor"])
    screen.page.fill("#rrn", bad)
    screen.page.select_option("#purpose", "1")
    screen.page.click("#search button[type=submit]")
    error = screen.page.locator("#search-error")
    expect(error).to_contain_text("입력 오류")
    assert bad not in error.inner_text()
    assert screen.page.locator("#strip li").count() == 0, "no source is left waiting"
    screen.assert_private(bad)


def test_a_failing_source_is_marked_at_once_and_the_others_render(screen, demo):
    """Last in the file: the failures may open welfare's breaker for the demo's open_wait."""
    c = demo.citizen_everywhere()
    screen.open_signed_in(demo.tokens["counselor"])
    demo.fault("welfare", "http_500")
    try:
        screen.search(c, "1")
    finally:
        demo.fault("welfare", "none")
    states = screen.states()
    assert states["welfare"] in {"UNAVAILABLE", "CIRCUIT_OPEN"}, states
    expect(screen.page.locator("#strip li[data-source=welfare]")).to_have_class("chip fail")
    others = {s: v for s, v in states.items() if s != "welfare"}
    assert len(others) == len(demo.citizens["all_sources"]) - 1, states
    assert set(others.values()) == {"OK"}, states
    assert screen.page.locator("#strip li.chip.fail").count() == 1
    screen.assert_private(c["rrn"])
