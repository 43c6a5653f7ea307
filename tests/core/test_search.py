"""Search finds the right passage the way people really write."""

import pytest

from guide.search import QueryError, clean_query, search


def top_ids(index, q, n=3, **kw):
    return [h.id for h in search(index, q, limit=n, **kw)]


@pytest.mark.parametrize(
    "q",
    [
        "services sociaux sans référence ni liste d'attente",
        "services sociaux sans reference ni liste dattente",  # no accents, no apostrophe
        "servises sociaus sans referance liste d'atente",  # typos
    ],
)
def test_accent_and_typo_insensitive(index, q):
    assert "decl-principe-2-1" in top_ids(index, q)


def test_english_query_finds_french_passage(index):
    assert "decl-principe-3-1" in top_ids(index, "social determinants of health like income and housing")


def test_helpline_found_from_informal_french(index):
    ids = top_ids(index, "mon chum me frappe", kind="helpline")
    assert ids[0] == "line-sos-violence-conjugale"


def test_kind_filter_only_returns_that_kind(index):
    hits = search(index, "plainte", kind="declaration", limit=5)
    assert hits and all(h.kind == "declaration" for h in hits)


def test_bm25_only_positive_hits_take_part(index):
    hits = search(index, "zzzzqqq xylophone", mode="bm25", limit=5)
    assert hits == []


def test_results_carry_the_contract_fields(index):
    h = search(index, "droit de porter plainte", limit=1)[0]
    d = h.model_dump()
    for key in ("id", "kind", "title", "reference", "text", "score", "source"):
        assert key in d
    assert d["source"]["file"]


@pytest.mark.parametrize(
    "raw,code",
    [
        ("", "empty_query"),
        ("   \n\t ", "empty_query"),
        ("?!... ;;", "no_words"),
        (b"\x00\x01\x02\xff\xfe\x00\x00\x03", "empty_query"),
    ],
)
def test_bad_queries_get_a_clear_message(raw, code):
    with pytest.raises(QueryError) as exc:
        clean_query(raw)
    assert exc.value.code == code
    assert "/" in exc.value.message  # French and English


def test_huge_query_is_cut_with_a_notice():
    q = clean_query("aide " * 20000)
    assert q.truncated and len(q.text) <= 2000 and "2000" in q.notice


def test_binary_with_some_text_is_searchable():
    q = clean_query(b"\x00\x01aide\xff logement\x00")
    assert q.text == "aide logement"
