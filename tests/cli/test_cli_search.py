"""`guide search` contract: ranked passages, JSON array, clear errors with exit status 2."""

import json

from typer.testing import CliRunner

from guide.cli import app

runner = CliRunner()


def test_search_json_is_an_array_of_passages(cli_env):
    res = runner.invoke(app, ["search", "droit de porter plainte", "--kind", "right", "--limit", "3", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert isinstance(data, list) and 1 <= len(data) <= 3
    for item in data:
        assert {"id", "kind", "title", "reference", "text", "score", "source"} <= item.keys()
        assert item["kind"] == "right"
    assert [d["score"] for d in data] == sorted((d["score"] for d in data), reverse=True)


def test_search_text_output(cli_env):
    res = runner.invoke(app, ["search", "services sociaux generaux sans reference", "--limit", "3"])
    assert res.exit_code == 0
    assert "Principe 2" in res.stdout


def test_empty_query_exits_2_with_json_error(cli_env):
    res = runner.invoke(app, ["search", "   ", "--json"])
    assert res.exit_code == 2
    assert json.loads(res.stdout)["error"]["code"] == "empty_query"


def test_punctuation_only_and_bad_kind(cli_env):
    res = runner.invoke(app, ["search", "?!?!", "--json"])
    assert res.exit_code == 2 and json.loads(res.stdout)["error"]["code"] == "no_words"
    res = runner.invoke(app, ["search", "aide", "--kind", "nope", "--json"])
    assert res.exit_code == 2 and json.loads(res.stdout)["error"]["code"] == "invalid_kind"


def test_100kb_query_answers_with_a_notice(cli_env):
    res = runner.invoke(app, ["search", "logement " * 12000, "--json"])
    assert res.exit_code == 0
    assert isinstance(json.loads(res.stdout), list)
    assert "2000" in res.stderr
