"""The evaluation page of the Streamlit app, driven with AppTest on a reports directory."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from guide.settings import ROOT

PAGE = str(ROOT / "guide" / "web" / "views" / "evaluation.py")
HEADLINE = [
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


def make_report(root, name, headline):
    d = root / name
    d.mkdir(parents=True)
    (d / "report.json").write_text(
        json.dumps({"meta": {"set": "small", "counts": {"messages": 3}}, "headline": headline})
    )
    (d / "report.html").write_text("<html><body><h1>rapport</h1></body></html>")
    (d / "answers.csv").write_text("set,id\n")
    return d


@pytest.fixture(autouse=True)
def feedback_file(monkeypatch, tmp_path):
    """Each test reads its own feedback counts (none unless it writes some)."""
    from guide import settings as settings_mod

    path = tmp_path / "counts" / "feedback.json"
    monkeypatch.setenv("GUIDE_FEEDBACK_PATH", str(path))
    settings_mod.get_settings.cache_clear()
    yield path
    settings_mod.get_settings.cache_clear()


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


def test_feedback_counts_table(monkeypatch, tmp_path, feedback_file):
    from guide.feedback import FeedbackStore, Vote

    store = FeedbackStore(feedback_file)
    everyday = {"kind": "everyday", "need": "separation_grief", "region": "01"}
    for _ in range(3):
        store.add(Vote(**everyday, useful=True))
    store.add(Vote(**everyday, useful=False, reason="wrong_place"))
    store.add(Vote(kind="crisis", need="none", region="none", useful=False, reason=None))
    at = page(monkeypatch, tmp_path / "reports")
    assert any("Avis des personnes" in h.value for h in at.subheader)
    assert any(c.value == "5 avis ; utiles : 60 %" for c in at.caption)
    table = at.dataframe[0].value  # the only table without a report
    rows = {(r["Type de réponse"], r["Besoin"], r["Région (RSS)"]): r for r in table.to_dict("records")}
    row = rows[("courante", "Séparation, rupture, deuil", "01 Bas-Saint-Laurent")]
    assert (row["Avis"], row["Utile"], row["Pas utile"]) == (4, 3, 1) and row["Part utile"] == 0.75
    assert row["Raisons (pas utile)"] == "Mauvais endroit (1)"
    crisis = rows[("crise", "aucun", "aucun")]
    assert (crisis["Avis"], crisis["Part utile"], crisis["Raisons (pas utile)"]) == (1, 0.0, "")


def test_feedback_section_without_votes_and_when_off(monkeypatch, tmp_path):
    from guide import settings as settings_mod

    at = page(monkeypatch, tmp_path)
    assert any(i.value == "Aucun avis pour l'instant." for i in at.info)
    monkeypatch.setenv("GUIDE_FEEDBACK", "off")
    settings_mod.get_settings.cache_clear()
    at = page(monkeypatch, tmp_path)
    assert any("Les avis sont désactivés" in i.value for i in at.info)
