"""``/v1/feedback`` and the counts store (``guide.feedback``): counts go up, nothing but counts is
stored, strict validation (422), the off switch (404), and no vote lost across threads and processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest
from api_asserts import is_error
from fastapi.testclient import TestClient

from guide.api.app import create_app
from guide.feedback import FeedbackStore, Vote, counts_path
from guide.settings import Settings

VOTE = {"kind": "everyday", "need": "separation_grief", "region": "01", "useful": True, "reason": None}
ROW_KEYS = {"kind", "need", "region", "useful", "reason", "count"}


class IdleEngine(SimpleNamespace):
    """The feedback routes never use the engine: no models are loaded for these tests."""

    def warm_up(self) -> None:
        pass


def make_client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, engine=IdleEngine()))


@pytest.fixture()
def counts(tmp_path):
    return tmp_path / "store" / "feedback.json"


@pytest.fixture()
def client(settings, counts):
    s = settings.model_copy(update={"api_rate_limit": "10000/minute", "feedback": True, "feedback_path": counts})
    with make_client(s) as c:
        yield c


def stored(path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"schema", "counts"} and data["schema"] == "guide-feedback/1"
    assert all(set(r) == ROW_KEYS for r in data["counts"]), data
    return data["counts"]


def test_counts_go_up(client, counts):
    assert client.get("/v1/feedback").json() == {"total": 0, "useful": 0, "counts": []}
    assert not counts.exists()  # reading writes nothing
    for _ in range(2):
        r = client.post("/v1/feedback", json=VOTE)
        assert r.status_code == 200, r.text
    client.post("/v1/feedback", json={**VOTE, "useful": False, "reason": "wrong_place"})
    client.post("/v1/feedback", json={"kind": "crisis", "need": "none", "region": "none", "useful": False})
    body = client.get("/v1/feedback").json()
    assert body["total"] == 4 and body["useful"] == 2
    assert body["counts"][0] == {**VOTE, "count": 2}  # biggest first
    assert {"kind": "crisis", "need": "none", "region": "none", "useful": False, "reason": None, "count": 1} in body[
        "counts"
    ]
    assert sorted(r["count"] for r in stored(counts)) == [1, 1, 2]


def test_nothing_but_counts_is_stored(client, counts):
    secret = "je veux mourir ce soir, j'habite au 123 rue Principale"
    r = client.post("/v1/feedback", json={**VOTE, "message": secret})  # an extra field is refused, not kept
    is_error(r, 422, "invalid_request")
    assert not counts.exists()
    client.post("/v1/feedback", json=VOTE)
    text = counts.read_text(encoding="utf-8")
    assert "mourir" not in text and "Principale" not in text
    assert stored(counts) == [{**VOTE, "count": 1}]


@pytest.mark.parametrize(
    "body",
    [
        {**VOTE, "kind": "other"},
        {**VOTE, "need": "not_a_need"},  # well formed, but not in the taxonomy
        {**VOTE, "need": "Rimouski, seule et épuisée"},  # words never get in
        {**VOTE, "region": "99"},
        {**VOTE, "region": "00"},
        {**VOTE, "region": "1"},
        {**VOTE, "region": "Montréal"},
        {**VOTE, "useful": "yes"},
        {**VOTE, "useful": 1},
        {**VOTE, "useful": None},
        {**VOTE, "useful": False, "reason": "rude"},
        {**VOTE, "useful": True, "reason": "too_long"},  # a reason only after "no"
        {k: v for k, v in VOTE.items() if k != "region"},
        {**VOTE, "comment": "free text"},
        [VOTE],
        "useful",
    ],
)
def test_bad_input_is_422_and_writes_nothing(client, counts, body):
    is_error(client.post("/v1/feedback", json=body), 422)
    assert not counts.exists()


def test_every_reason_of_the_fixed_list_is_accepted(client, counts):
    from guide.feedback import REASONS

    assert REASONS == ("wrong_place", "wrong_line", "too_long", "not_answered", "other")
    for reason in REASONS:
        assert client.post("/v1/feedback", json={**VOTE, "useful": False, "reason": reason}).status_code == 200
    assert sorted(r["reason"] for r in stored(counts)) == sorted(REASONS)


def test_off_switch(settings, counts):
    s = settings.model_copy(update={"feedback": False, "feedback_path": counts})
    with make_client(s) as c:
        is_error(c.post("/v1/feedback", json=VOTE), 404, "feedback_off")
        is_error(c.get("/v1/feedback"), 404, "feedback_off")
        is_error(c.post("/v1/feedback", json={"kind": "nope"}), 404, "feedback_off")  # off wins over validation
    assert not counts.exists() and not counts.parent.exists()


def test_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("GUIDE_FEEDBACK", raising=False)
    monkeypatch.delenv("GUIDE_FEEDBACK_PATH", raising=False)
    s = Settings(index_dir=tmp_path / "idx")
    assert s.feedback is True and counts_path(s) == tmp_path / "idx" / "feedback.json"
    monkeypatch.setenv("GUIDE_FEEDBACK", "off")
    monkeypatch.setenv("GUIDE_FEEDBACK_PATH", str(tmp_path / "elsewhere.json"))
    s = Settings()
    assert s.feedback is False and counts_path(s) == tmp_path / "elsewhere.json"
    monkeypatch.setenv("GUIDE_FEEDBACK", "on")
    assert Settings().feedback is True


def test_a_reason_chosen_later_replaces_the_no(counts):
    store = FeedbackStore(counts)
    no = Vote(**{**VOTE, "useful": False})
    store.add(no)
    store.add(no.model_copy(update={"reason": "too_long"}), replaces=no)
    assert [(c.reason, c.count) for c in store.counts().counts] == [("too_long", 1)]


def test_rows_that_are_not_counts_are_dropped(counts):
    counts.parent.mkdir(parents=True)
    counts.write_text(
        json.dumps(
            {
                "schema": "guide-feedback/1",
                "counts": [
                    {**VOTE, "count": 3},
                    {**VOTE, "count": 1, "message": "mon secret"},  # not a count: dropped, never carried over
                    {"note": "mon secret"},
                ],
            }
        ),
        encoding="utf-8",
    )
    store = FeedbackStore(counts)
    store.add(Vote(**VOTE))
    assert stored(counts) == [{**VOTE, "count": 4}]
    assert "secret" not in counts.read_text(encoding="utf-8")


def test_a_damaged_file_does_not_stop_the_votes(counts):
    counts.parent.mkdir(parents=True)
    counts.write_text("{not json", encoding="utf-8")
    store = FeedbackStore(counts)
    assert store.counts().total == 0
    store.add(Vote(**VOTE))
    assert stored(counts) == [{**VOTE, "count": 1}]


def test_threads_lose_no_vote(counts):
    store = FeedbackStore(counts)
    votes = [Vote(**VOTE), Vote(**{**VOTE, "useful": False, "reason": "other"})]

    def work(i: int) -> None:
        for _ in range(25):
            FeedbackStore(counts).add(votes[i % 2])  # a store per thread: the lock is per file

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = store.counts()
    assert got.total == 200 and got.useful == 100


ADD_IN_A_PROCESS = """
import sys
from pathlib import Path
from guide.feedback import FeedbackStore, Vote
store = FeedbackStore(Path(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    store.add(Vote(kind="crisis", need="suicide", region="06", useful=True))
"""


def test_processes_lose_no_vote(counts):
    # plain interpreters (not multiprocessing's spawn, which re-runs whatever __main__ an earlier test left)
    procs = [subprocess.Popen([sys.executable, "-c", ADD_IN_A_PROCESS, str(counts), "30"]) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert stored(counts) == [
        {"kind": "crisis", "need": "suicide", "region": "06", "useful": True, "reason": None, "count": 90}
    ]
