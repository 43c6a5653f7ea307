"""``guide evaluate`` (the Typer sub-app ``evaluate_app``): the small suite writes its three files;
errors exit 2 with a clear message and no traceback; the review export/import round trip."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from guide.cli.evaluate import evaluate_app

runner = CliRunner()


def run(args):
    return runner.invoke(evaluate_app, args, catch_exceptions=False)


def test_unknown_set_exits_2_with_a_message(tmp_path):
    r = run(["--set", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    assert "not 'small', 'full' nor a directory" in r.output and "Traceback" not in r.output


def test_malformed_set_file_exits_2_naming_the_line(tmp_path):
    (tmp_path / "messages.yaml").write_text("messages:\n  - id: a1\n    lang: fr\n", encoding="utf-8")
    r = run(["--set", str(tmp_path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    assert re.search(r"messages.yaml:2: missing text", r.output) and "Traceback" not in r.output


def test_review_errors_exit_2(tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("pas un classeur")
    r = run(["import-review", str(bad)])
    assert r.exit_code == 2 and "n'est pas un classeur .xlsx" in r.output and "Traceback" not in r.output
    r = run(["import-review", str(tmp_path / "absent.xlsx")])
    assert r.exit_code == 2 and "introuvable" in r.output
    r = run(["export-review", "--out", str(tmp_path / "revue.csv")])
    assert r.exit_code == 2 and ".xlsx" in r.output
    r = run(["export-review", "--n", "0"])
    assert r.exit_code == 2


def test_help_lists_options_and_subcommands():
    r = run(["--help"])
    assert r.exit_code == 0
    for word in ("--set", "--out", "export-review", "import-review"):
        assert word in r.output


def test_export_then_import_review_through_the_cli(cli_env, index, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from guide.evaluation.review import CRITERIA, FIRST_CRITERION_COL, SHEET_ANSWERS

    sheet = tmp_path / "revue.xlsx"
    r = run(["export-review", "--n", "3", "--seed", "2", "--out", str(sheet)])
    assert r.exit_code == 0, r.output
    assert sheet.exists() and "3 réponses" in r.output
    filled = []
    for name in ("a", "b"):
        wb = openpyxl.load_workbook(sheet)
        ws = wb[SHEET_ANSWERS]
        assert ws.cell(row=2, column=5).value  # the engine's answer is in the sheet
        for row in range(2, ws.max_row + 1):
            for j in range(len(CRITERIA)):
                ws.cell(row=row, column=FIRST_CRITERION_COL + j, value=1 + (row * 3 + j) % 4)
        wb.save(tmp_path / f"{name}.xlsx")
        filled.append(str(tmp_path / f"{name}.xlsx"))
    r = run(["import-review", *filled, "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["answers"] == 3 and res["overall"]["agreement"] == {
        "method": "cohen",
        "kappa": 1.0,
        "observed_agreement": 1.0,
    }
    r = run(["import-review", filled[0]])
    assert r.exit_code == 0 and "Un·e seul·e évaluateur·rice" in r.output


@pytest.mark.slow
def test_small_suite_writes_the_three_files(cli_env, index, tmp_path):
    """The CI run: ``guide evaluate --set small`` (about a minute or two on 2 cores)."""
    out = tmp_path / "report"
    r = run(["--set", "small", "--out", str(out)])
    assert r.exit_code == 0, r.output
    for name in ("report.json", "report.html", "answers.csv"):
        assert (out / name).stat().st_size > 0, name
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    keys = {h["key"] for h in report["headline"]}
    assert {
        "crisis_recall",
        "false_alarm_rate",
        "need_accuracy",
        "grounded_answers",
        "retrieval_mrr@10",
        "latency_p95_ms",
        "cold_start_s",
    } <= keys
    for h in report["headline"]:
        assert h["guide"] is not None and h["baseline"] is not None, h
    conv = report["conversations"]["guide"]
    assert conv["messages"] == report["meta"]["counts"]["messages"]
    assert set(conv["stages"]) >= {"triage", "locate", "understand", "orient", "compose", "total"}
    assert report["performance"]["cold_start"]["guide"]["peak_rss_mb"] > 0
    assert report["performance"]["index_build"]
    assert report["retrieval"]["backends"]  # one backend, its modes and the baseline
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<style>" in html
    assert not re.search(r"<(script|link|img)\b|src=|@import|url\(", html)  # self-contained, no external asset
    rows = (out / "answers.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("set,id,line,text,where,lang,expected,got,answer")
    progress = json.loads((out / "progress.json").read_text(encoding="utf-8"))
    assert progress["state"] == "done" and progress["overall"] == 1.0


def test_mounted_under_a_parent_app_as_the_lead_will(tmp_path):
    import typer

    parent = typer.Typer()

    @parent.command("other")
    def other() -> None:  # a parent app with its own commands, as guide.cli
        pass

    parent.add_typer(evaluate_app, name="evaluate")
    r = runner.invoke(parent, ["evaluate", "--help"])
    assert r.exit_code == 0 and "export-review" in r.output
    r = runner.invoke(parent, ["evaluate", "--set", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "nor a directory" in r.output
    r = runner.invoke(parent, ["evaluate", "import-review", str(tmp_path / "absent.xlsx")])
    assert r.exit_code == 2 and "introuvable" in r.output
