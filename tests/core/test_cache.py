"""The start-up cache (``guide.cache``): built once, loaded after; rebuilt when a source or the
code changes, when the file is damaged; never fails because of the disk; off when asked."""

from __future__ import annotations

import pytest

from guide import cache
from guide.settings import ROOT, Settings


@pytest.fixture()
def cache_in(tmp_path):
    before = cache.cache_dir()
    cache.configure(Settings(index_dir=tmp_path / "index"))
    yield tmp_path / "index" / "cache"
    cache._state["dir"] = before


def _builder(calls: list, value):
    def build():
        calls.append(1)
        return value

    return build


def test_built_once_then_loaded(cache_in, tmp_path):
    src = tmp_path / "src.csv"
    src.write_text("a,b\n1,2\n")
    calls: list = []
    assert cache.cached("thing", [src], _builder(calls, {"x": [1, 2]})) == {"x": [1, 2]}
    assert cache.cached("thing", [src], _builder(calls, "never built")) == {"x": [1, 2]}
    assert len(calls) == 1 and len(list(cache_in.glob("thing-*.pickle"))) == 1


def test_a_changed_source_builds_afresh_and_replaces_the_old_file(cache_in, tmp_path):
    src = tmp_path / "dir"
    src.mkdir()
    (src / "one.csv").write_text("v1")
    calls: list = []
    cache.cached("thing", [src], _builder(calls, "v1"))
    (src / "one.csv").write_text("v2")
    assert cache.cached("thing", [src], _builder(calls, "v2")) == "v2"
    (src / "two.csv").write_text("new file")
    assert cache.cached("thing", [src], _builder(calls, "v3")) == "v3"
    assert len(calls) == 3 and len(list(cache_in.glob("thing-*.pickle"))) == 1


def test_a_linked_data_folder_is_an_input_too(cache_in, tmp_path):
    data = tmp_path / "volume"
    data.mkdir()
    (data / "m02.csv").write_text("v1")
    src = tmp_path / "sources"
    src.mkdir()
    (src / "msss_m02").symlink_to(data, target_is_directory=True)
    calls: list = []
    cache.cached("thing", [src], _builder(calls, "v1"))
    (data / "m02.csv").write_text("v2")
    assert cache.cached("thing", [src], _builder(calls, "v2")) == "v2" and len(calls) == 2


def test_a_source_that_changes_while_read_is_not_kept_under_the_old_key(cache_in, tmp_path):
    src = tmp_path / "src.csv"
    src.write_text("before")

    def build_during_an_import():
        src.write_text("after")  # another process rewrote the file while this one read it
        return "read before the change"

    cache.cached("thing", [src], build_during_an_import)
    assert not list(cache_in.glob("thing-*.pickle"))
    calls: list = []
    assert cache.cached("thing", [src], _builder(calls, "after")) == "after" and len(calls) == 1


def test_a_cache_file_is_readable_by_the_service(cache_in, tmp_path):
    src = tmp_path / "src.csv"
    src.write_text("x")
    cache.cached("thing", [src], lambda: 1)
    (path,) = cache_in.glob("thing-*.pickle")
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_damaged_file_is_rebuilt(cache_in, tmp_path, caplog):
    src = tmp_path / "src.csv"
    src.write_text("x")
    calls: list = []
    cache.cached("thing", [src], _builder(calls, "good"))
    (path,) = cache_in.glob("thing-*.pickle")
    path.write_bytes(b"\x80\x05garbage")
    assert cache.cached("thing", [src], _builder(calls, "good")) == "good"
    assert len(calls) == 2 and "unreadable" in caplog.text
    assert cache.cached("thing", [src], _builder(calls, "not again")) == "good"  # rewritten


def test_a_cache_path_that_is_a_file_only_costs_the_build(tmp_path, caplog):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "cache").write_text("not a directory")
    before = cache.cache_dir()
    cache.configure(Settings(index_dir=tmp_path / "index"))
    try:
        src = tmp_path / "src.csv"
        src.write_text("x")
        calls: list = []
        assert cache.cached("thing", [src], _builder(calls, 7)) == 7
        assert cache.cached("thing", [src], _builder(calls, 7)) == 7 and len(calls) == 2
        assert "unreadable" not in caplog.text  # no cache is not a damaged cache
    finally:
        cache._state["dir"] = before


def test_off_when_the_settings_say_so(tmp_path):
    before = cache.cache_dir()
    cache.configure(Settings(index_dir=tmp_path / "index", cache=False))
    try:
        calls: list = []
        cache.cached("thing", [ROOT / "pyproject.toml"], _builder(calls, 1))
        cache.cached("thing", [ROOT / "pyproject.toml"], _builder(calls, 1))
        assert len(calls) == 2 and not (tmp_path / "index").exists()
    finally:
        cache._state["dir"] = before


def test_a_change_of_code_builds_afresh(cache_in, tmp_path, monkeypatch):
    assert cache.CODE == (ROOT / "guide").resolve()  # the package's own source is hashed
    src = tmp_path / "src.csv"
    src.write_text("x")
    calls: list = []
    cache.cached("thing", [src], _builder(calls, "old code"))
    monkeypatch.setattr(cache, "_code_digest", lambda: "another release")
    assert cache.cached("thing", [src], _builder(calls, "new code")) == "new code" and len(calls) == 2


def test_the_gazetteer_and_directory_from_the_cache_answer_as_built(cache_in, monkeypatch):
    from guide.directory import areas, needs
    from guide.directory.near import services_near
    from guide.directory.store import _load
    from guide.geo import _build_gazetteer, resolve

    def clear() -> None:  # every per-process cache in front of the files
        for f in (_build_gazetteer, _load, areas._territories, needs._load):
            f.cache_clear()

    places = ["H2L 3C3", "Rimouski", "Sherby", "Kuujjuaq", "Charlesbourg", "Toronto", "Saint-Machin"]

    def answers():
        clear()
        locs = [resolve(p) for p in places]
        return [loc.model_dump() for loc in locs], [services_near(loc, limit=8) for loc in locs if loc.ok]

    try:
        built = answers()  # builds and writes the two files
        assert {p.name.split("-")[0] for p in cache_in.glob("*.pickle")} == {
            "gazetteer",
            "directory",
            "territories",
            "needs",
        }
        from guide import geo
        from guide.directory import store

        def no_build(*_):
            raise AssertionError("built again instead of loaded")

        monkeypatch.setattr(geo, "_gazetteer_from_sources", no_build)
        monkeypatch.setattr(store, "build_entries", no_build)
        assert answers() == built  # loaded from the files
    finally:
        clear()
