"""Shared fixtures: a real index built once per session in a temporary directory.

Tests use the real embedding backend of the default settings (USE, pure numpy, ~2 s to index the
corpus), so what they assert is what a user gets.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guide.settings import ROOT, Settings

CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(index_dir) -> Settings:
    return Settings(index_dir=index_dir, corpus_dir=CORPUS, embedding_backend="use")


@pytest.fixture(scope="session")
def index(settings):
    from guide.index import Index

    return Index.open(settings)


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    """A private copy of the corpus records, to modify freely."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS / "records", dst / "records")
    return dst


@pytest.fixture()
def cli_env(monkeypatch, index_dir):
    """Run the CLI against the session's index directory."""
    from guide import settings as settings_mod

    monkeypatch.setenv("GUIDE_INDEX_DIR", str(index_dir))
    settings_mod.get_settings.cache_clear()
    yield
    settings_mod.get_settings.cache_clear()
