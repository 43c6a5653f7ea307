"""The scale-out path: a real Chroma server on loopback, reached through chromadb.HttpClient."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from ports import free_port

from guide.index import Index, chroma_client
from guide.search import search
from guide.settings import ROOT, Settings


@pytest.fixture()
def chroma_server(tmp_path):
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("chroma server did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_search_through_a_chroma_server(tmp_path, chroma_server, index):
    s = Settings(
        index_dir=tmp_path / "idx",
        corpus_dir=ROOT / "corpus",
        embedding_backend="use",
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
    )
    assert chroma_client(s).get_settings().chroma_api_impl.endswith("fastapi.FastAPI")  # HTTP, not embedded
    remote = Index.open(s)
    assert remote.store._collection.count() == len(remote.records)
    q = "services sociaux sans référence ni liste d'attente"
    assert [h.id for h in search(remote, q, limit=5)] == [h.id for h in search(index, q, limit=5)]
    # the data lives on the server, not in the local index directory
    assert not (tmp_path / "idx" / "chroma").exists()
