"""Assertions shared by the API tests (imported by name: pytest puts this folder on the path)."""


def is_error(resp, status, code=None):
    """The answer is an error of this status in Guide's one shape, and no stack trace leaves."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if code:
        assert body["error"]["code"] == code
    assert "Traceback" not in resp.text
