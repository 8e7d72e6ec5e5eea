"""AtsExportClient against a scripted session (no network): retries, errors, page validation, secrecy."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from rsc_connector.ats import AtsAuthError, AtsError, AtsExportClient, AtsNotFound, AtsPage
from tests.fake_ats.support import TOKEN

BASE = "https://ats.example.test/export/v1"


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = raw if raw is not None else json.dumps(body).encode()
    resp.headers = CaseInsensitiveDict({"Content-Type": "application/json", **(headers or {})})
    resp.encoding = "utf-8"
    return resp


def page(
    items: list[dict[str, Any]] | None = None, next_cursor: str | None = None, total: int | None = 3
) -> requests.Response:
    return response(
        200,
        {"items": items if items is not None else [{"id": "j1"}], "next_cursor": next_cursor, "total_estimate": total},
    )


class ScriptedSession(requests.Session):
    """Answers each GET with the next scripted response (or raises the scripted exception)."""

    def __init__(self, steps: Iterable[requests.Response | Exception]) -> None:
        super().__init__()
        self.steps = list(steps)
        self.calls: list[dict[str, Any]] = []

    def get(self, url: str | bytes, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls.append({"url": url, **kwargs})
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


def client(
    *steps: requests.Response | Exception, **options: Any
) -> tuple[AtsExportClient, ScriptedSession, list[float]]:
    session = ScriptedSession(steps)
    sleeps: list[float] = []
    return AtsExportClient(BASE, TOKEN, session=session, sleep=sleeps.append, **options), session, sleeps


def test_a_page_is_requested_and_parsed() -> None:
    ats, session, sleeps = client(page([{"id": "j1"}, {"id": "j2"}], "c2", 2))
    result = ats.page("acct 1/é", "jobs", cursor="c1", limit=2)
    assert result == AtsPage(items=[{"id": "j1"}, {"id": "j2"}], next_cursor="c2", total_estimate=2)
    call = session.calls[0]
    assert call["url"] == f"{BASE}/accounts/acct%201%2F%C3%A9/jobs"
    assert call["params"] == {"limit": 2, "cursor": "c1"}
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert call["timeout"] == (3.05, 30.0)
    assert sleeps == []


def test_first_page_sends_no_cursor_and_total_may_be_absent() -> None:
    ats, session, _ = client(response(200, {"items": [], "next_cursor": None}))
    assert ats.page("a", "stages") == AtsPage([], None, None)
    assert session.calls[0]["params"] == {"limit": 100}


def test_iterate_follows_cursors_to_the_end() -> None:
    ats, session, _ = client(page([{"id": "1"}], "c2"), page([{"id": "2"}], "c3"), page([{"id": "3"}], None))
    pages = list(ats.iterate("a", "candidates", limit=1))
    assert [p.items[0]["id"] for p in pages] == ["1", "2", "3"]
    assert [c["params"].get("cursor") for c in session.calls] == [None, "c2", "c3"]


def test_iterate_refuses_a_cursor_loop() -> None:
    ats, _, _ = client(page([], "same"), page([], "same"))
    with pytest.raises(AtsError, match="already returned"):
        list(ats.iterate("a", "jobs"))


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_transient_statuses_are_retried_with_growing_backoff(status: int) -> None:
    ats, session, sleeps = client(response(status, {}), response(status, {}), response(status, {}), page())
    assert ats.page("a", "jobs").items == [{"id": "j1"}]
    assert len(session.calls) == 4
    assert len(sleeps) == 3
    for attempt, delay in enumerate(sleeps, start=1):
        full = 0.5 * 2 ** (attempt - 1)
        assert full / 2 <= delay <= full  # exponential, with jitter


def test_retry_after_is_honoured() -> None:
    ats, _, sleeps = client(response(429, {}, {"Retry-After": "7"}), page())
    ats.page("a", "jobs")
    assert sleeps == [7.0]
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    ats, _, sleeps = client(response(503, {}, {"Retry-After": when}), page())
    ats.page("a", "jobs")
    assert 25 <= sleeps[0] <= 30


def test_a_long_retry_after_fails_fast_for_the_caller_to_requeue() -> None:
    ats, session, sleeps = client(response(429, {}, {"Retry-After": "600"}), max_retry_after=60)
    with pytest.raises(AtsError) as caught:
        ats.page("a", "jobs")
    assert caught.value.retryable and caught.value.retry_after == 600 and caught.value.status == 429
    assert sleeps == [] and len(session.calls) == 1


def test_connection_errors_and_timeouts_are_retried() -> None:
    ats, session, sleeps = client(
        requests.ConnectionError("refused"), requests.ReadTimeout("slow"), requests.ConnectTimeout("x"), page()
    )
    assert ats.page("a", "jobs").total_estimate == 3
    assert len(session.calls) == 4 and len(sleeps) == 3


def test_retries_stop_after_max_attempts() -> None:
    ats, session, sleeps = client(*[response(503, {"error": {"message": "down"}})] * 3, max_attempts=3)
    with pytest.raises(AtsError) as caught:
        ats.page("a", "jobs")
    assert caught.value.status == 503 and caught.value.retryable
    assert "after 3 attempt(s)" in str(caught.value) and "down" in str(caught.value)
    assert len(session.calls) == 3 and len(sleeps) == 2
    ats, _, _ = client(*[requests.ConnectionError("no")] * 2, max_attempts=2)
    with pytest.raises(AtsError) as unreachable:
        ats.page("a", "jobs")
    assert unreachable.value.status is None and unreachable.value.retryable


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AtsAuthError), (403, AtsAuthError), (404, AtsNotFound), (400, AtsError), (422, AtsError), (409, AtsError)],
)
def test_other_client_errors_are_never_retried(status: int, error: type[AtsError]) -> None:
    ats, session, sleeps = client(response(status, {"error": {"code": "X", "message": "nope"}}), page())
    with pytest.raises(error) as caught:
        ats.page("a", "jobs")
    assert type(caught.value) is error
    assert caught.value.status == status and not caught.value.retryable
    assert len(session.calls) == 1 and sleeps == []
    assert f"HTTP {status}" in str(caught.value) and "nope" in str(caught.value)


def test_messages_never_contain_the_token() -> None:
    echo = {"error": {"message": f"bad header Authorization: Bearer {TOKEN}"}}
    for status in (400, 401, 404, 500):
        ats, _, _ = client(*[response(status, echo)] * 5)
        with pytest.raises(AtsError) as caught:
            ats.page("a", "jobs")
        assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value.args)
    leaky = requests.ConnectionError(f"failed with headers {{'Authorization': 'Bearer {TOKEN}'}}")
    ats, _, _ = client(*[leaky] * 5)
    with pytest.raises(AtsError) as caught:
        ats.page("a", "jobs")
    assert TOKEN not in str(caught.value) and caught.value.__cause__ is None
    ats, _, _ = client(response(200, raw=f"<html>{TOKEN}</html>".encode()))
    with pytest.raises(AtsError) as malformed:
        ats.page("a", "jobs")
    assert TOKEN not in str(malformed.value)
    assert TOKEN not in repr(ats)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"next_cursor": null}',
        b'{"items": {}, "next_cursor": null}',
        b'{"items": [1], "next_cursor": null}',
        b'{"items": []}',
        b'{"items": [], "next_cursor": 5}',
        b'{"items": [], "next_cursor": ""}',
        b'{"items": [], "next_cursor": null, "total_estimate": -1}',
        b'{"items": [], "next_cursor": null, "total_estimate": "12"}',
        b'{"items": [], "next_cursor": null, "total_estimate": true}',
    ],
)
def test_malformed_pages_are_errors(body: bytes) -> None:
    ats, session, _ = client(response(200, raw=body))
    with pytest.raises(AtsError, match="malformed page") as caught:
        ats.page("a", "jobs")
    assert not caught.value.retryable and len(session.calls) == 1


def test_arguments_are_validated() -> None:
    ats, session, _ = client()
    for resource in ("offers", "Jobs", "", "users/../jobs"):
        with pytest.raises(ValueError, match="unknown ATS resource"):
            ats.page("a", resource)
    for limit in (0, 501, True, 2.5):
        with pytest.raises(ValueError, match="limit"):
            ats.page("a", "jobs", limit=limit)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="account_id"):
        ats.page("", "jobs")
    assert session.calls == []
    with pytest.raises(ValueError):
        AtsExportClient("ftp://x", TOKEN)
    with pytest.raises(ValueError):
        AtsExportClient(BASE, "")
    with pytest.raises(ValueError):
        AtsExportClient(BASE, TOKEN, max_attempts=0)


def test_all_eight_resources_are_accepted() -> None:
    resources = [
        "users",
        "jobs",
        "candidates",
        "applications",
        "candidate-notes",
        "application-notes",
        "stages",
        "interview-feedback",
    ]
    ats, session, _ = client(*[page()] * len(resources))
    for resource in resources:
        ats.page("a", resource)
    assert [c["url"].rsplit("/", 1)[1] for c in session.calls] == resources
