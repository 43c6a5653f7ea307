"""The evaluation page of the Streamlit app, driven with AppTest on a reports directory."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("streamlit")

from streamlit.testing.v1 import AppTest  # noqa: E402

from guide.settings import ROOT  # noqa: E402

PAGE = str(ROOT / "ui" / "evaluation_page.py")
HEADLINE = [
    {"key": "crisis_recall", "label": "Rappel des crises / crisis recall", "guide": 0.95, "baseline": 0.7,
     "better": "higher", "unit": "", "kind": "rate"},
    {"key": "latency_p95_ms", "label": "Latence p95 / latency p95", "guide": 60.0, "baseline": 12.5,
     "better": "lower", "unit": "ms", "kind": "value"},
]


def make_report(root, name, headline):
    d = root / name
    d.mkdir(parents=True)
    (d / "report.json").write_text(json.dumps({"meta": {"set": "small", "counts": {"messages": 3}}, "headline": headline}))
    (d / "report.html").write_text("<html><body><h1>rapport</h1></body></html>")
    (d / "answers.csv").write_text("set,id\n")
    return d


def page(monkeypatch, root) -> AppTest:
    monkeypatch.setenv("GUIDE_REPORTS_DIR", str(root))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_no_report_yet(monkeypatch, tmp_path):
    at = page(monkeypatch, tmp_path)
    assert any("Aucun rapport" in i.value for i in at.info)
    assert [b.label for b in at.button] == ["Lancer l'évaluation rapide (--set small)"]


def test_latest_report_key_figures(monkeypatch, tmp_path):
    import os
    import time

    old = make_report(tmp_path, "20250101-000000", [dict(HEADLINE[0], guide=0.5)])
    os.utime(old / "report.json", (time.time() - 100, time.time() - 100))
    make_report(tmp_path, "20250102-000000", HEADLINE)
    at = page(monkeypatch, tmp_path)
    assert at.selectbox(key="eval_choice").value == "20250102-000000"
    metrics = {m.label: m for m in at.metric}
    assert metrics["Rappel des crises / crisis recall"].value == "0.950"
    assert metrics["Rappel des crises / crisis recall"].delta == "+0.250"
    assert metrics["Latence p95 / latency p95"].value == "60.0 ms"
    at.selectbox(key="eval_choice").select("20250101-000000").run()
    assert {m.label: m.value for m in at.metric}["Rappel des crises / crisis recall"] == "0.500"
