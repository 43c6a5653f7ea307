"""The ``services`` and ``directory`` typer sub-apps, as the lead mounts them in guide.cli."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from guide.cli.directory import directory_app
from guide.cli.services import services_app
from guide.settings import get_settings

CORPUS = get_settings().corpus_dir

app = typer.Typer()
app.add_typer(services_app, name="services")
app.add_typer(directory_app, name="directory")
runner = CliRunner()


def near(*args: str):
    return runner.invoke(app, ["services", "near", *args])


def test_near_json_is_one_object() -> None:
    res = near("H2L 3C3", "--json", "--limit", "3")
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)  # exactly one JSON document
    assert set(payload) == {"location", "services"}
    assert payload["location"]["resolved"].startswith("H2L 3C3") and payload["location"]["error"] is None
    kinds = [s["kind"] for s in payload["services"]]
    assert kinds[:3] == ["clsc"] * 3
    assert {"helpline", "emergency"} & set(kinds[3:])
    assert payload["services"][0]["id"] == "svc-clsc-51218170"
    assert "é" in res.stdout  # UTF-8, not \\u escapes


def test_near_kind_need_limit() -> None:
    res = near("Sherbrooke", "--kind", "helpline", "--need", "child_protection", "--limit", "2", "--json")
    assert res.exit_code == 0
    services = json.loads(res.stdout)["services"]
    assert [s["id"] for s in services] == ["line-dpj-estrie", "line-urgence-9-1-1"]
    res = near("Rimouski", "--kind", "clsc", "--limit", "1", "--json")
    assert [s["municipality"] for s in json.loads(res.stdout)["services"]] == ["Rimouski"]


def test_near_age_offers_youth_sites() -> None:
    young = json.loads(near("Montréal", "--kind", "clsc", "--limit", "10", "--age", "17", "--json").stdout)
    adult = json.loads(near("Montréal", "--kind", "clsc", "--limit", "10", "--json").stdout)
    assert any(s["max_age"] == 25 for s in young["services"])
    assert not any(s["max_age"] for s in adult["services"])


@pytest.mark.parametrize(
    "args, code",
    [
        (["Montrael"], "unknown_place"),
        (["Toronto"], "outside_quebec"),
        (["K1A 0B1"], "outside_quebec"),
        (["H2L 3C"], "invalid_postal_code"),
        (["Z9Z 9Z9"], "invalid_postal_code"),
        (["Sherbrooke", "--need", "nope"], "invalid_need"),
        (["Sherbrooke", "--limit", "0"], "invalid_limit"),
        (["Sherbrooke", "--limit", "abc"], "invalid_limit"),
        (["Sherbrooke", "--kind", "hospital"], "invalid_kind"),
        (["Sherbrooke", "--age", "old"], "invalid_age"),
    ],
)
def test_errors_exit_2_with_json(args: list[str], code: str) -> None:
    res = near(*args, "--json")
    assert res.exit_code == 2
    payload = json.loads(res.stdout)
    assert payload["error"]["code"] == code
    assert payload["error"]["message"] and "Traceback" not in res.output


def test_unknown_place_json_carries_suggestions() -> None:
    payload = json.loads(near("Montrael", "--json").stdout)
    assert "Montréal" in payload["error"]["location"]["suggestions"]


@pytest.mark.parametrize(
    "args, code",
    [
        (["Toronto"], "outside_quebec"),
        (["Sherbrooke", "--need", "x"], "invalid_need"),
        (["H2L 3C"], "invalid_postal_code"),
    ],
)
def test_errors_without_json_go_to_stderr_in_both_languages(args: list[str], code: str) -> None:
    res = near(*args)
    assert res.exit_code == 2
    assert res.stdout == ""
    assert f"Erreur ({code})" in res.stderr and f"Error ({code})" in res.stderr
    assert "Traceback" not in res.stderr


def test_table_output() -> None:
    res = near("Rimouski")
    assert res.exit_code == 0
    assert "Rimouski" in res.stdout and "811" in res.stdout and "Info-Social" in res.stdout


def test_needs_command() -> None:
    res = runner.invoke(app, ["services", "needs", "--json"])
    ids = [n["id"] for n in json.loads(res.stdout)["needs"]]
    assert "separation_grief" in ids and "general_distress" in ids


def test_directory_import_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("sources", "taxonomy", "geo"):
        (corpus / name).symlink_to(CORPUS / name, target_is_directory=True)
    monkeypatch.setenv("GUIDE_CORPUS_DIR", str(corpus))
    get_settings.cache_clear()
    try:
        m02 = corpus / "sources" / "msss_m02" / "installationscsv.csv"
        res = runner.invoke(app, ["directory", "import-m02", str(m02)])
        assert res.exit_code == 0, res.output
        assert "1592 rows" in res.stdout and "birth_centre" in res.stdout
        first = (corpus / "directory" / "locations.csv").read_bytes()
        assert runner.invoke(app, ["directory", "import-m02", str(m02)]).exit_code == 0
        assert (corpus / "directory" / "locations.csv").read_bytes() == first
        missing = runner.invoke(app, ["directory", "import-m02", str(tmp_path / "nope.csv")])
        assert missing.exit_code == 2 and "Traceback" not in missing.output
        not_m02 = tmp_path / "x.csv"
        not_m02.write_text("a,b\n1,2\n", encoding="utf-8")
        bad = runner.invoke(app, ["directory", "import-m02", str(not_m02)])
        assert bad.exit_code == 2 and "not an M02" in bad.stderr
        empty = tmp_path / "empty"
        empty.mkdir()
        res = runner.invoke(app, ["directory", "import-hsds", str(empty)])
        assert res.exit_code == 2 and "Traceback" not in res.output
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("args", "status", "key"),
    [
        (["Rimouski", "--limit", "50", "--json"], 0, "services"),  # more than a pipe's buffer
        (["Nulle-Part-Du-Tout", "--json"], 2, "error"),
        (["Rimouski", "--limit", "x", "--json"], 2, "error"),
    ],
)
def test_the_real_command_ends_with_all_its_output_and_its_status(args, status, key, tmp_path) -> None:
    """As a process (``main``), a read-only command ends without the interpreter's teardown: its
    whole output must still be written and its status kept; the start-up cache is written first."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as in a shell pipe
    env["GUIDE_INDEX_DIR"] = str(tmp_path / "index")
    for _ in range(2):  # builds then writes the cache; then loads it
        done = subprocess.run(
            [sys.executable, "-m", "guide.cli", "services", "near", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == status, done.stderr
        assert done.stdout.endswith("\n") and key in json.loads(done.stdout)
    if status == 0:
        cached = {p.name.split("-")[0] for p in (tmp_path / "index" / "cache").glob("*.pickle")}
        assert {"gazetteer", "directory", "territories", "needs"} <= cached
