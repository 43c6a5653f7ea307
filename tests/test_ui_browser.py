"""End to end in a real browser: ``streamlit run ui/app.py`` as a subprocess on 127.0.0.1, driven by
Playwright with Debian's chromium (``apt-get install chromium``; Playwright's own browser download
is not used). Screenshots go to ``docs/screenshots/``.

Skipped only when /usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from guide.settings import ROOT

CHROMIUM = Path(os.environ.get("GUIDE_CHROMIUM", "/usr/bin/chromium"))
HAVE_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
HAVE_STREAMLIT = importlib.util.find_spec("streamlit") is not None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
    pytest.mark.skipif(not HAVE_PLAYWRIGHT, reason="the playwright package is absent (pip install playwright)"),
    pytest.mark.skipif(not HAVE_STREAMLIT, reason="streamlit is absent (pip install -e '.[ui]')"),
]

SHOTS = ROOT / "docs" / "screenshots"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 120  # first load: index, directory, models
STEP_TIMEOUT_MS = 60_000
MESSAGE = "je viens de me séparer pis je dors pu"
PLACE = "H2L 3C3"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(index, index_dir, tmp_path_factory):
    """The app served on a free port; always terminated."""
    from guide.cli_ui import streamlit_command

    port = free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "GUIDE_INDEX_DIR": str(index_dir), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(streamlit_command("127.0.0.1", port), cwd=str(ROOT), env=env,
                                stdout=log, stderr=subprocess.STDOUT)
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
            yield {"url": url, "log": log_path}
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
    height = page.evaluate("() => Math.max(document.body.scrollHeight,"
                           " ...[...document.querySelectorAll('[data-testid=stMain]')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(int(height) + 160, 12000)})
    page.wait_for_timeout(1500)  # let the layout and the map settle
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000


def tel_href(phone: str) -> str:
    return "tel:" + re.sub(r"[^\d+]", "", phone)


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
        page.get_by_text("quelle ville habitez-vous", exact=False).first.wait_for(timeout=STEP_TIMEOUT_MS)
        page.locator(".st-key-place-flagged").wait_for(timeout=STEP_TIMEOUT_MS)  # the place box is flagged

        place = page.get_by_label("Votre code postal ou votre ville (facultatif)")
        place.fill(PLACE)
        place.press("Enter")
        card = page.locator('[class*="st-key-card-"]', has_text=nearest["name"]).first
        card.wait_for(timeout=STEP_TIMEOUT_MS)
        text = card.inner_text()
        assert "Sans référence" in text and nearest["address"].split(",")[0] in text
        assert card.locator(f'a[href="{tel_href(info.phone)}"]').count() >= 1
        size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                             "'[data-testid=stChatMessage] [data-testid=stMarkdownContainer] p')).fontSize)")
        assert size >= 18
        page.locator(".st-key-place-flagged").wait_for(state="detached", timeout=STEP_TIMEOUT_MS)  # flag lifted
        page.get_by_text("Lieu retenu", exact=False).wait_for(timeout=STEP_TIMEOUT_MS)
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
