"""The web app's first answer after a fresh install, in a real browser.

    python benchmarks/bench_first_answer.py [--message TEXT] [--chromium /usr/bin/chromium]

A fresh install has no index directory: no search index, no start-up cache, no trained crisis
classifier. This script gives ``guide app`` an empty index directory, starts it (Streamlit, on a
free loopback port), opens the page in headless Chromium (Playwright), writes one message and
waits for the answer's first service card. It prints:

- the seconds from the start of ``guide app`` to the first answer on the screen (the app opens the
  search index only on a first search: an answer never waits for it);
- the seconds ``guide index`` then takes to build the search index into that same directory,
  and the sum of both (the worst case: an index built before the first answer).

Needs the ``test`` extra (Playwright) and Debian's chromium. Nothing is downloaded; the temporary
directory is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_api import free_port  # noqa: E402  (a sibling script, not a package)

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--message", default="je viens de me séparer pis je dors pu, j'habite à Rimouski")
    ap.add_argument("--chromium", default=os.environ.get("GUIDE_CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from guide.cli.web import streamlit_command

    tmp = Path(tempfile.mkdtemp(prefix="guide-first-answer-"))
    env = {
        **os.environ,
        "GUIDE_INDEX_DIR": str(tmp / "index"),
        "GUIDE_FEEDBACK": "off",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    port = free_port()
    log = open(tmp / "app.log", "wb")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)  # before the clock starts
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                streamlit_command("127.0.0.1", port), cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                url = f"http://127.0.0.1:{port}"
                while True:
                    if proc.poll() is not None:
                        print((tmp / "app.log").read_text(errors="replace")[-2000:])
                        return 1
                    try:
                        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                            if r.status == 200:
                                break
                    except OSError:
                        time.sleep(0.1)
                t_up = time.perf_counter() - t0
                page = browser.new_page(locale="fr-CA")
                page.goto(url, timeout=180_000)
                chat = page.get_by_test_id("stChatInputTextArea")
                chat.wait_for(timeout=180_000)
                chat.fill(args.message)
                chat.press("Enter")
                page.locator('[class*="st-key-card-"]').first.wait_for(timeout=180_000)
                t_answer = time.perf_counter() - t0
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            browser.close()
        t1 = time.perf_counter()
        built = subprocess.run(
            [sys.executable, "-m", "guide.cli", "index"], env=env, cwd=str(ROOT), capture_output=True, text=True
        )
        t_index = time.perf_counter() - t1
        if built.returncode != 0:
            print(built.stderr[-2000:])
            return 1
        print(f"app serving (health 200):                  {t_up:6.1f} s")
        print(f"first answer on screen, fresh install:     {t_answer:6.1f} s  (goal <= 15 s)")
        print(f"search index build (guide index):          {t_index:6.1f} s")
        print(f"worst case, index built before the answer: {t_answer + t_index:6.1f} s")
        return 0
    finally:
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
