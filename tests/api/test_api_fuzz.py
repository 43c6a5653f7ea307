"""Schema-driven fuzzing (Schemathesis against the OpenAPI spec): no input makes the server fail."""

import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

from guide.api.app import create_app
from guide.engine import Engine
from guide.settings import ROOT, Settings


def _app():
    import tempfile

    s = Settings(
        index_dir=tempfile.mkdtemp(prefix="guide-fuzz-"), corpus_dir=ROOT / "corpus", api_rate_limit="100000/minute"
    )
    return create_app(s, engine=Engine(s, writer=None))


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    response = case.call()
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
