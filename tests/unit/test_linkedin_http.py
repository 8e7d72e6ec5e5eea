"""Token lifecycle and retries of the LinkedIn HTTP layer (RSC-106, CRM-005), against a scripted session."""

from __future__ import annotations

import pytest
import requests

from rsc_connector.clock import FixedClock
from rsc_connector.linkedin.http import AppCredentials, LinkedInError, LinkedInHttp

APP = AppCredentials("child-id", "child-secret-value")


def response(status: int, body: dict | None = None) -> requests.Response:
    import json

    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body or {}).encode()
    resp.headers["Content-Type"] = "application/json"
    return resp


class ScriptedSession(requests.Session):
    """Answers token requests with fresh tokens and API calls from a script."""

    def __init__(self, script: list[requests.Response | Exception]) -> None:
        super().__init__()
        self.script = list(script)
        self.tokens = 0
        self.calls: list[tuple[str, str, str]] = []

    def post(self, url, data=None, **kwargs):  # type: ignore[override]
        if url.endswith("/accessToken"):
            self.tokens += 1
            return response(200, {"access_token": f"tok-{self.tokens}", "expires_in": "1800"})
        return super().post(url, data=data, **kwargs)

    def request(self, method, url, **kwargs):  # type: ignore[override]
        self.calls.append((method, url, kwargs["headers"]["Authorization"]))
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def http(session: ScriptedSession, clock: FixedClock | None = None) -> LinkedInHttp:
    return LinkedInHttp("http://li/v2", "http://li/oauth/v2", session=session, clock=clock, sleep=lambda _: None)


def test_token_is_reused_until_shortly_before_expiry():
    clock = FixedClock()
    session = ScriptedSession([response(200)] * 3)
    client = http(session, clock)
    client.call("GET", "/x", APP)
    clock.advance(1700)  # 100 s left: still reused
    client.call("GET", "/x", APP)
    clock.advance(60)  # 40 s left: renewed before it can expire mid-call
    client.call("GET", "/x", APP)
    assert [c[2] for c in session.calls] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_expired_token_is_renewed_once_and_the_call_retried():
    session = ScriptedSession([response(401, {"status": 401, "serviceErrorCode": 65602}), response(200, {"ok": 1})])
    resp = http(session).call("GET", "/x", APP)
    assert resp.json() == {"ok": 1}
    assert [c[2] for c in session.calls] == ["Bearer tok-1", "Bearer tok-2"]
    assert session.tokens == 2


def test_a_second_401_is_not_retried_forever():
    session = ScriptedSession([response(401), response(401), response(200)])
    with pytest.raises(LinkedInError) as err:
        http(session).call("GET", "/x", APP)
    assert err.value.status == 401
    assert len(session.calls) == 2


def test_transient_errors_are_retried_with_backoff():
    session = ScriptedSession([response(503), requests.ConnectionError("reset"), response(429), response(200)])
    assert http(session).call("GET", "/x", APP).status_code == 200
    assert len(session.calls) == 4


def test_persistent_outage_gives_up_with_a_clear_error():
    session = ScriptedSession([response(500)] * 4)
    with pytest.raises(LinkedInError) as err:
        http(session).call("GET", "/x", APP)
    assert err.value.status == 500


def test_credentials_never_show_in_repr():
    assert "child-secret-value" not in repr(APP)
