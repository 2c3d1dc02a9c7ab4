"""The auditor's console in a real headless browser (Debian's chromium, Playwright for Python).

Starts `minwon-hub demo`, seeds the trail over gRPC (grpcio: a counselor looks one demo citizen
up five times without a purpose note, so the review must flag a repeated subject and empty
notes), then in the browser:

- an auditor signs in with `#token=` (the fragment never reaches the server; the script moves
  it into the form and removes it from the address bar), sees the seeded records, filters by
  account, looks one subject's history up by RRN (POST only: the RRN is in no URL, the DOM of
  the result, or browser storage), opens the month's review and sees the flags, signs it off
  and sees the sign-off;
- the session cookie is HttpOnly and SameSite=Strict, a POST without the CSRF token is refused,
  every response has the strict CSP and X-Frame-Options: DENY;
- a counselor's token sees no records (the API's own denial);
- connector health is the admin's (an admin starts there; an auditor is refused);
- no page raised a script error or a CSP violation.

Screenshots of the review page and the printed review (PDF page 1 through pdftoppm) go to
$MINWON_SCREENSHOT_DIR. Run with tests/browser/run.sh.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc
import pytest
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "python"))
from test_grpcio import Demo, _compile_protos  # noqa: E402  (the grpcio test's demo runner)

import importlib  # noqa: E402

SHOTS = Path(os.environ.get("MINWON_SCREENSHOT_DIR", REPO / "target" / "browser-shots"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOKUPS = 5


@pytest.fixture(scope="module")
def work():
    with tempfile.TemporaryDirectory(prefix="minwon-browser-") as d:
        yield Path(d)


@pytest.fixture(scope="module")
def demo(work):
    d = Demo(work)
    yield d
    d.stop()


@pytest.fixture(scope="module")
def citizen(work, demo):
    """Seeds the trail: LOOKUPS look-ups of one citizen by the counselor, no purpose note."""
    gen = work / "gen"
    gen.mkdir()
    pb, pb_grpc, common = _compile_protos(gen)
    c = demo.citizens["citizens"][0]
    with grpc.insecure_channel(demo.address) as ch:
        stub = pb_grpc.CitizenCaseServiceStub(ch)
        for _ in range(LOOKUPS):
            resp = stub.GetCitizenOverview(
                pb.CitizenQuery(
                    citizen=common.CitizenKeys(rrn=c["rrn"]),
                    purpose=common.Purpose(code=common.PURPOSE_CODE_CITIZEN_INQUIRY, note=""),
                ),
                metadata=[("authorization", f"Bearer {demo.tokens['counselor']}")],
                timeout=10,
            )
            assert resp.audit_id
    return c


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium")
    if not exe:
        pytest.exit("chromium is not installed (apt-get install -y chromium)", 2)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page whose script errors, console errors (CSP violations are reported there) and
    responses are collected."""

    def __init__(self, context):
        self.page = context.new_page()
        self.errors = []
        self.responses = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "console",
            lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        self.page.on("response", lambda r: self.responses.append(r))


def sign_in(w: Watched, console: str, token: str, start: str = "records"):
    w.page.goto(f"{console}login#token={token}")
    w.page.wait_for_url(re.compile(rf".*/console/{start}.*"))


def rrn_forms(rrn: str):
    digits = rrn.replace("-", "")
    return {rrn, digits, f"{digits[:6]}-{digits[6:]}"}


def assert_no_rrn(w: Watched, rrn: str):
    html = w.page.content()
    storage = w.page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    for form in rrn_forms(rrn):
        assert form not in html, "raw RRN in the DOM"
        assert form not in w.page.url, "raw RRN in the URL"
        assert form not in storage, "raw RRN in browser storage"
        for r in w.responses:
            assert form not in r.url, f"raw RRN in a requested URL {r.url}"


def test_an_auditor_reviews_the_month_in_the_browser(demo, citizen, browser):
    console = demo.endpoints["console"]
    assert console.endswith("/console/"), console
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    w = Watched(context)

    # Sign in with the fragment: it is gone from the address bar afterwards.
    sign_in(w, console, demo.tokens["auditor"])
    assert "#token" not in w.page.url and demo.tokens["auditor"] not in w.page.url
    cookie = next(c for c in context.cookies() if c["name"] == "minwon_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie

    # The seeded look-ups are there; filtering by account keeps only that account.
    rows = w.page.locator("tr.record")
    assert rows.count() >= LOOKUPS
    assert "counselor-01" in w.page.locator("table.records").inner_text()
    w.page.fill("#filters input[name=account]", "counselor-01")
    w.page.click("#filters button[type=submit]")
    w.page.wait_for_url(re.compile(r".*account=counselor-01.*"))
    accounts = w.page.locator("tr.record td.account").all_inner_texts()
    assert len(accounts) == LOOKUPS and set(accounts) == {"counselor-01"}, accounts

    # One subject's history by RRN, sent in a POST body only.
    w.page.goto(f"{console}subject")
    w.page.fill("#rrn", citizen["rrn"])
    w.page.click("#subject button[type=submit]")
    w.page.wait_for_selector("tr.record")
    assert w.page.locator("tr.record").count() >= LOOKUPS
    assert_no_rrn(w, citizen["rrn"])

    # The month's review flags the repeated subject and the empty purpose notes.
    w.page.goto(f"{console}review")
    kinds = set(w.page.locator("tr.flag").evaluate_all("rows => rows.map(r => r.dataset.kind)"))
    assert {"repeated_subject", "empty_purpose_note"} <= kinds, kinds
    flag = w.page.locator("tr.flag[data-kind=repeated_subject]").first
    assert "counselor-01" in flag.inner_text()
    assert w.page.locator("#no-sign-off").count() == 1

    # Sign-off: recorded, then shown.
    w.page.fill("#sign-off textarea[name=comment]", "반복 조회 확인: 민원 통화 중 재조회")
    w.page.click("#sign-off button[type=submit]")
    w.page.wait_for_selector("li.sign-off")
    assert "auditor-01" in w.page.locator("li.sign-off").first.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The README's picture: the review page down to the sign-off form.
    w.page.screenshot(path=str(SHOTS / "console-review.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 760})

    # A POST with a wrong CSRF token is refused, even with the session cookie.
    month = w.page.locator("#sign-off input[name=month]").get_attribute("value")
    r = w.page.request.post(
        f"{console}review/sign-off", form={"csrf": "0" * 64, "month": month, "comment": "x"}
    )
    assert r.status == 403, r.status

    # The printed review: verification and key id on page 1; a PDF rendered to a picture.
    w.page.goto(f"{console}review/print")
    text = w.page.inner_text("section.cover")
    assert "위·변조 검증" in text and "이상 없음" in text, text
    assert "auditor-01" in text
    pdf = SHOTS / "printed-review.pdf"
    w.page.pdf(path=str(pdf), format="A4", print_background=True)
    if shutil.which("pdftoppm"):
        subprocess.run(
            # Page 1 at 90 dpi (744 px wide), its upper part: the cover facts.
            ["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-x", "0", "-y", "0", "-W", "744", "-H", "420",
             "-singlefile", str(pdf), str(SHOTS / "printed-review")],
            check=True,
        )

    # Verification and headers.
    w.page.goto(f"{console}verify")
    assert "이상 없음" in w.page.inner_text("#verify-result")
    for resp in w.responses:
        if "/console/" in resp.url and resp.status == 200:
            h = resp.headers
            assert "script-src 'self'" in h.get("content-security-policy", ""), resp.url
            assert h.get("x-frame-options") == "DENY", resp.url
    assert w.errors == [], w.errors
    context.close()


def test_a_counselor_token_sees_no_records(demo, citizen, browser):
    context = browser.new_context(locale="ko-KR")
    w = Watched(context)
    sign_in(w, demo.endpoints["console"], demo.tokens["counselor"])
    assert w.page.locator("tr.record").count() == 0
    assert "권한이 없습니다" in w.page.inner_text("main")
    # Nor the review.
    w.page.goto(f"{demo.endpoints['console']}review")
    assert w.page.locator("tr.flag").count() == 0
    assert [e for e in w.errors if "403" not in e] == [], w.errors
    context.close()


def test_connector_health_is_for_admins_only(demo, browser):
    console = demo.endpoints["console"]
    admin = Watched(browser.new_context(locale="ko-KR"))
    sign_in(admin, console, demo.tokens["admin"], start="connectors")
    names = admin.page.locator("main table tbody tr td:first-child").all_inner_texts()
    assert set(demo.citizens["all_sources"]) <= set(names), names
    assert admin.errors == [], admin.errors
    auditor = Watched(browser.new_context(locale="ko-KR"))
    sign_in(auditor, console, demo.tokens["auditor"])
    assert auditor.page.locator("a[href='/console/connectors']").count() == 0, "not in the auditor's menu"
    auditor.page.goto(f"{console}connectors")
    assert "권한이 없습니다" in auditor.page.inner_text("main")
    assert auditor.page.locator("main table").count() == 0
