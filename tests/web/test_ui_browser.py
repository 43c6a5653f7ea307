"""End to end in a real browser: ``streamlit run guide/web/app.py`` as a subprocess on 127.0.0.1,
driven by Playwright with Debian's chromium (``apt-get install chromium``; Playwright's own browser
download is not used). Screenshots go to ``docs/screenshots/``.

Accessibility: axe-core (``axe-playwright-python``, which ships axe's script) finds no WCAG 2.2 A/AA
violation on the citizen chat after an answer, the staff page after a lookup and the evaluation
page; a person can write, send, open a citation, call a number and say whether the answer helped
with the keyboard alone.

Skipped only when /usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from ports import free_port

from guide.settings import ROOT

CHROMIUM = Path(os.environ.get("GUIDE_CHROMIUM", "/usr/bin/chromium"))
HAVE_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
HAVE_STREAMLIT = importlib.util.find_spec("streamlit") is not None
HAVE_AXE = importlib.util.find_spec("axe_playwright_python") is not None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
    pytest.mark.skipif(not HAVE_PLAYWRIGHT, reason="the playwright package is absent (pip install playwright)"),
    pytest.mark.skipif(not HAVE_STREAMLIT, reason="streamlit is absent (pip install -e '.[ui]')"),
]

SHOTS = ROOT / "docs" / "screenshots"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 120  # first load: index, directory, models
STEP_TIMEOUT_MS = 60_000
MESSAGE = "je viens de me séparer pis je dors pu"
PLACE = "H2L 3C3"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # WCAG 2.2 A and AA rules of axe-core
needs_axe = pytest.mark.skipif(not HAVE_AXE, reason="axe-playwright-python is absent (pip install -e '.[test]')")


def fake_report(root: Path) -> None:
    """A small evaluation report, so that the evaluation page shows its figures, files and report."""
    d = root / "20250102-000000"
    d.mkdir(parents=True)
    headline = [
        {
            "key": "crisis_recall",
            "label": "Rappel des crises / crisis recall",
            "guide": 0.95,
            "baseline": 0.7,
            "better": "higher",
            "unit": "",
            "kind": "rate",
        },
        {
            "key": "latency_p95_ms",
            "label": "Latence p95 / latency p95",
            "guide": 60.0,
            "baseline": 12.5,
            "better": "lower",
            "unit": "ms",
            "kind": "value",
        },
    ]
    (d / "report.json").write_text(
        json.dumps({"meta": {"set": "small", "counts": {"messages": 3}}, "headline": headline})
    )
    (d / "report.html").write_text(
        '<!doctype html><html lang="fr"><head><title>Rapport</title></head>'
        "<body><main><h1>Rapport</h1></main></body></html>"
    )
    (d / "answers.csv").write_text("set,id\n")


@pytest.fixture(scope="module")
def server(index, index_dir, tmp_path_factory):
    """The app served on a free port (its own feedback counts and reports); always terminated."""
    from guide.cli.web import streamlit_command

    port = free_port()
    work = tmp_path_factory.mktemp("streamlit")
    log_path = work / "server.log"
    fake_report(work / "reports")
    env = {
        **os.environ,
        "GUIDE_INDEX_DIR": str(index_dir),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "GUIDE_FEEDBACK": "on",
        "GUIDE_FEEDBACK_PATH": str(work / "feedback.json"),
        "GUIDE_REPORTS_DIR": str(work / "reports"),
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            streamlit_command("127.0.0.1", port), cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    pytest.fail(f"streamlit exited with {proc.returncode}: {tail}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not answer within {START_TIMEOUT_S} s")
                time.sleep(0.5)
            yield {"url": url, "log": log_path, "feedback": work / "feedback.json"}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS, timeout=STEP_TIMEOUT_MS)
        try:
            yield b
        finally:
            b.close()


def full_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its main element: grow the viewport to the content, then shoot."""
    height = page.evaluate(
        "() => Math.max(document.body.scrollHeight,"
        " ...[...document.querySelectorAll('[data-testid=stMain]')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(int(height) + 160, 12000)})
    page.wait_for_timeout(1500)  # let the layout and the map settle
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000


def tel_href(phone: str) -> str:
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def assert_no_wcag_violation(page, where: str) -> None:
    """axe-core on the page as it is now: no WCAG 2.2 A/AA violation (the report names each node)."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_timeout(800)  # let Streamlit finish drawing (stale elements fade while a script runs)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]})
    assert results.violations_count == 0, f"{where}: " + results.generate_report()


def test_citizen_chat_in_a_browser(server, browser):
    from guide.directory.near import services_near
    from guide.directory.store import directory_path, load_directory
    from guide.engine import EMERGENCY, INFO_SOCIAL

    lines = {e.id: e for e in load_directory(directory_path(ROOT / "corpus")).lines}
    emergency, info = lines[EMERGENCY], lines[INFO_SOCIAL]
    nearest = services_near(PLACE, kind="clsc", limit=1)[0]

    page = browser.new_page(viewport={"width": 900, "height": 1000}, locale="fr-CA")
    try:
        page.goto(server["url"], timeout=STEP_TIMEOUT_MS)
        banner = page.locator(".st-key-crisis-banner")
        banner.wait_for(timeout=STEP_TIMEOUT_MS)
        assert "Besoin d'aide maintenant" in banner.inner_text()
        assert banner.locator(f'a[href="{tel_href(emergency.phone)}"]').count() == 1
        assert banner.locator(f'a[href="{tel_href(info.phone)}"]').count() == 1

        chat = page.get_by_test_id("stChatInputTextArea")
        chat.fill(MESSAGE)
        chat.press("Enter")
        # "Dans quelle ville habitez-vous…", or "Tu habites dans quelle ville…" to a casual message like this one
        page.get_by_text("quelle ville", exact=False).first.wait_for(timeout=STEP_TIMEOUT_MS)
        page.locator(".st-key-place-flagged").wait_for(timeout=STEP_TIMEOUT_MS)  # the place box is flagged
        if HAVE_AXE:
            assert_no_wcag_violation(page, "citizen chat, place asked")

        place = page.get_by_label("Votre code postal ou votre ville (facultatif)")
        place.fill(PLACE)
        place.press("Enter")
        card = page.locator('[class*="st-key-card-"]', has_text=nearest["name"]).first
        card.wait_for(timeout=STEP_TIMEOUT_MS)
        text = card.inner_text()
        assert "Sans référence" in text and nearest["address"].split(",")[0] in text
        assert card.locator(f'a[href="{tel_href(info.phone)}"]').count() >= 1
        size = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector("
            "'[data-testid=stChatMessage] [data-testid=stMarkdownContainer] p')).fontSize)"
        )
        assert size >= 18
        page.locator(".st-key-place-flagged").wait_for(state="detached", timeout=STEP_TIMEOUT_MS)  # flag lifted
        page.get_by_text("Lieu retenu", exact=False).wait_for(timeout=STEP_TIMEOUT_MS)
        if HAVE_AXE:
            assert_no_wcag_violation(page, "citizen chat after an answer")
        full_screenshot(page, SHOTS / "citizen_chat.png")
    finally:
        page.close()
    # privacy: the server's output holds nothing the person wrote
    log = server["log"].read_text(errors="replace")
    assert MESSAGE not in log and "séparer" not in log


def test_staff_lookup_in_a_browser(server, browser):
    from guide.directory.near import services_near

    expected = services_near(PLACE, kind="clsc", limit=5)
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="fr-CA")
    try:
        page.goto(server["url"] + "/intervenant", timeout=STEP_TIMEOUT_MS)
        box = page.get_by_label("Code postal ou ville")
        box.wait_for(timeout=STEP_TIMEOUT_MS)
        box.fill(PLACE)
        box.press("Enter")
        page.get_by_text("Points de service CLSC les plus proches").wait_for(timeout=STEP_TIMEOUT_MS)
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=STEP_TIMEOUT_MS)
        copy_block = page.get_by_test_id("stCode").first
        copy_block.wait_for(timeout=STEP_TIMEOUT_MS)
        block = copy_block.inner_text()
        assert all(s["name"][:30] in block for s in expected)
        if HAVE_AXE:
            assert_no_wcag_violation(page, "staff page after a lookup")

        query = page.get_by_label("Chercher un passage")
        query.fill("droit de porter plainte")
        query.press("Enter")
        page.locator('[class*="st-key-hit-"]').first.wait_for(timeout=STEP_TIMEOUT_MS)
        assert "plainte" in page.locator('[class*="st-key-hit-"]').first.inner_text().lower()
        full_screenshot(page, SHOTS / "staff_lookup.png")

        box.fill("Toronto")
        box.press("Enter")
        alert = page.get_by_text("est hors du Québec", exact=False).first
        alert.wait_for(timeout=STEP_TIMEOUT_MS)
    finally:
        page.close()


@needs_axe
def test_evaluation_page_is_accessible(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="fr-CA")
    try:
        page.goto(server["url"] + "/evaluation", timeout=STEP_TIMEOUT_MS)
        page.get_by_text("Évaluation de Guide").first.wait_for(timeout=STEP_TIMEOUT_MS)
        page.locator(".st-key-crisis-banner").wait_for(timeout=STEP_TIMEOUT_MS)  # served by the entry, banner first
        page.get_by_test_id("stMetric").first.wait_for(timeout=STEP_TIMEOUT_MS)
        page.get_by_text("Avis des personnes", exact=False).first.wait_for(timeout=STEP_TIMEOUT_MS)
        assert_no_wcag_violation(page, "evaluation page")
    finally:
        page.close()


# -- keyboard only ------------------------------------------------------------------------------------

FOCUS_JS = """() => { const e = document.activeElement;
  return {tag: e.tagName, testid: e.getAttribute("data-testid"), href: e.getAttribute("href"),
          text: (e.innerText || "").trim().slice(0, 80), inAnswer: !!e.closest('[data-testid="stChatMessage"]')}; }"""


def tab_until(page, accept, what: str, limit: int = 200) -> dict:
    """Press Tab (only Tab) until the focused element is what ``accept`` wants; return it."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        if accept(focus):
            return focus
        seen.append(f"{focus['tag']}:{focus['testid'] or ''}:{focus['text'][:20]}")
    pytest.fail(f"Tab never reached {what}; focus went through {seen[-40:]}")


def test_keyboard_only_write_send_cite_call_and_vote(server, browser):
    """No mouse: Tab to the message box, type, Enter; Tab to a citation, Enter opens it; Tab to a phone
    number of the answer, Enter activates its tel: link; Tab to "Non", Enter, a reason (arrow keys
    inside the group of reasons), Enter."""
    page = browser.new_page(viewport={"width": 900, "height": 1000}, locale="fr-CA")
    try:
        page.goto(server["url"], timeout=STEP_TIMEOUT_MS)
        page.locator(".st-key-crisis-banner").wait_for(timeout=STEP_TIMEOUT_MS)
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=STEP_TIMEOUT_MS)
        # a tel: link activated from the keyboard fires a click; record it instead of leaving the page
        page.evaluate("""() => document.addEventListener("click", (ev) => {
            const a = ev.target.closest && ev.target.closest('a[href^="tel:"]');
            if (a) { window.__called = a.getAttribute("href"); window.__calledBy = ev.detail; ev.preventDefault(); }
        }, true)""")

        tab_until(page, lambda f: f["testid"] == "stChatInputTextArea", "the message box")
        page.keyboard.type(MESSAGE + ", j'habite à Rimouski")
        page.keyboard.press("Enter")
        page.locator('[class*="st-key-card-"]').first.wait_for(timeout=STEP_TIMEOUT_MS)
        page.locator('[class*="st-key-feedback-"]').first.wait_for(timeout=STEP_TIMEOUT_MS)
        page.wait_for_timeout(800)

        summary = tab_until(page, lambda f: f["tag"] == "SUMMARY" and f["inAnswer"], "a citation")
        assert re.search(r"^\[\d+\] ", summary["text"], re.MULTILINE), summary  # the text starts after the icon's name
        assert not page.evaluate("() => document.activeElement.closest('details').open")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.closest('details').open", timeout=STEP_TIMEOUT_MS)
        page.locator("details[open]").get_by_text("Référence", exact=False).first.wait_for(timeout=STEP_TIMEOUT_MS)

        link = tab_until(
            page,
            lambda f: f["tag"] == "A" and (f["href"] or "").startswith("tel:") and f["inAnswer"],
            "a phone number of the answer",
        )
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.__called !== undefined", timeout=STEP_TIMEOUT_MS)
        assert page.evaluate("() => window.__called") == link["href"]
        assert page.evaluate("() => window.__calledBy") == 0  # a keyboard activation (a mouse click has detail >= 1)

        tab_until(page, lambda f: f["tag"] == "BUTTON" and f["inAnswer"] and f["text"].endswith("Non"), "« Non »")
        page.keyboard.press("Enter")
        page.get_by_text("Qu'est-ce qui n'allait pas", exact=False).first.wait_for(timeout=STEP_TIMEOUT_MS)
        # the reasons are one group: Tab enters it, the arrow keys move inside it, Enter chooses
        tab_until(
            page,
            lambda f: f["tag"] == "BUTTON" and f["inAnswer"] and f["text"].endswith("Mauvais endroit"),
            "the reasons",
        )
        for _ in range(4):
            if page.evaluate(FOCUS_JS)["text"].endswith("Trop long"):
                break
            page.keyboard.press("ArrowRight")
        assert page.evaluate(FOCUS_JS)["text"].endswith("Trop long")
        page.keyboard.press("Enter")
        page.get_by_text("C'est noté, merci.").first.wait_for(timeout=STEP_TIMEOUT_MS)
        if HAVE_AXE:
            assert_no_wcag_violation(page, "citizen chat after a vote")
    finally:
        page.close()
    counts = json.loads(server["feedback"].read_text(encoding="utf-8"))["counts"]
    assert [(c["kind"], c["region"], c["useful"], c["reason"], c["count"]) for c in counts] == [
        ("everyday", "01", False, "too_long", 1)
    ]
    assert "Rimouski" not in server["feedback"].read_text(encoding="utf-8")
