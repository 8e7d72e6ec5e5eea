"""HTTP client of the ATS export API (docs/ats-export-api.yaml): cursor pages, bounded retries, safe errors.

Retries 429 (honouring Retry-After), 500/502/503/504, connection errors and timeouts with exponential backoff
and jitter; never retries another 4xx. The bearer token never appears in a message, a repr or a log line.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests

from rsc_connector.ats.models import ATS_RESOURCES
from rsc_connector.observability import logger

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
_MESSAGE_CHARS = 200


class AtsError(Exception):
    """The ATS export API failed or answered something unusable.

    Attributes:
        status: The HTTP status, or None when the ATS did not answer.
        retryable: True when trying again later may succeed (429, 5xx, no answer): the caller should put the page
            back rather than give up.
        retry_after: Seconds the ATS asked us to wait (429/503 with Retry-After), if any.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class AtsAuthError(AtsError):
    """401/403: the credential is missing, wrong, revoked or not allowed to read this account."""


class AtsNotFound(AtsError):
    """404: the ATS does not know this account (or this resource)."""


@dataclass(frozen=True)
class AtsPage:
    """One page: the raw items (see rsc_connector.ats.models.parse_record), the cursor of the next page (None at
    the end) and the ATS's estimate of the resource's size (None if it gave none)."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total_estimate: int | None


class AtsExportClient:
    """Reads one account's history from an ATS export API, a page at a time."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 30.0),
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        max_backoff: float = 20.0,
        max_retry_after: float = 60.0,
    ) -> None:
        """
        Args:
            base_url: The ATS's export API root; pages are at ``{base_url}/accounts/{accountId}/{resource}``.
            token: The bearer credential.
            session: A requests session to reuse (connection pooling); a new one by default.
            timeout: (connect, read) seconds per attempt.
            max_attempts: Attempts per page, the first included.
            backoff_base: Seconds before the first retry; doubles per attempt up to ``max_backoff``, with jitter.
            sleep: Called with the delay before each retry (tests pass a recorder).
            max_backoff: Upper bound of the exponential delay.
            max_retry_after: A Retry-After longer than this is not slept: the call fails at once with a retryable
                AtsError carrying ``retry_after``, so a worker can put the page back instead of idling.
        """
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http(s) URL")
        if not token:
            raise ValueError("token must not be empty")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.session = session or requests.Session()
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.sleep = sleep
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after

    def __repr__(self) -> str:  # never show the token
        return f"AtsExportClient(base_url={self.base_url!r}, token=***)"

    def page(self, account_id: str, resource: str, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> AtsPage:
        """Fetch one page; ``cursor=None`` is the first page.

        Raises:
            ValueError: unknown resource, empty account id, limit outside 1..500.
            AtsAuthError: 401/403.
            AtsNotFound: 404.
            AtsError: any other error status, a malformed page, or retries exhausted (``retryable`` tells which).
        """
        path = self._path(account_id, resource)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be an integer in 1..{MAX_LIMIT}")
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        resp = self._get(path, params)
        return self._parse_page(resp, path)

    def iterate(
        self, account_id: str, resource: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Iterator[AtsPage]:
        """Every page from ``cursor`` (None = the start) to the end, in order."""
        seen: set[str] = set()
        while True:
            page = self.page(account_id, resource, cursor, limit)
            yield page
            if page.next_cursor is None:
                return
            if page.next_cursor in seen:
                raise AtsError(
                    f"ATS export API returned a cursor it had already returned for {resource}; stopping to avoid a loop"
                )
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    def user(self, account_id: str, user_id: str) -> dict[str, Any] | None:
        """One user (``GET /accounts/{accountId}/users/{userId}``); None when the ATS does not know it."""
        if not isinstance(user_id, str) or not user_id:
            raise ValueError("user_id must be a non-empty string")
        path = f"{self._path(account_id, 'users')}/{quote(user_id, safe='')}"
        try:
            resp = self._get(path, {})
        except AtsNotFound:
            return None
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise AtsError(self._scrub(f"ATS export API sent a malformed user for GET {path}"), status=200)
        return body

    # -- internals ---------------------------------------------------------------------------------------------

    def _path(self, account_id: str, resource: str) -> str:
        if resource not in ATS_RESOURCES:
            raise ValueError(f"unknown ATS resource {resource!r}; expected one of {', '.join(ATS_RESOURCES)}")
        if not isinstance(account_id, str) or not account_id:
            raise ValueError("account_id must be a non-empty string")
        return f"/accounts/{quote(account_id, safe='')}/{resource}"

    def _get(self, path: str, params: dict[str, str | int]) -> requests.Response:
        url = self.base_url + path
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                # The exception text may quote the URL and headers: only its type goes into the message.
                if attempt >= self.max_attempts:
                    raise AtsError(
                        f"ATS export API did not answer GET {path} after {attempt} attempt(s) ({type(exc).__name__})",
                        retryable=True,
                    ) from None
                self._backoff(attempt, None, path, type(exc).__name__)
                continue
            status = resp.status_code
            if 200 <= status < 300:
                return resp
            if status in RETRYABLE_STATUSES:
                retry_after = _retry_after(resp.headers.get("Retry-After"))
                if retry_after is not None and retry_after > self.max_retry_after:
                    raise AtsError(
                        f"ATS export API asked to wait {retry_after:.0f} s before retrying GET {path} (HTTP {status})",
                        status=status,
                        retryable=True,
                        retry_after=retry_after,
                    )
                if attempt < self.max_attempts:
                    self._backoff(attempt, retry_after, path, f"HTTP {status}")
                    continue
                raise AtsError(
                    self._message(resp, path, f"after {attempt} attempt(s)"),
                    status=status,
                    retryable=True,
                    retry_after=retry_after,
                )
            if status in (401, 403):
                raise AtsAuthError(self._message(resp, path), status=status)
            if status == 404:
                raise AtsNotFound(self._message(resp, path), status=status)
            raise AtsError(self._message(resp, path), status=status)

    def _backoff(self, attempt: int, retry_after: float | None, path: str, why: str) -> None:
        delay = min(self.max_backoff, self.backoff_base * (2 ** (attempt - 1)))
        delay *= 0.5 + random.random() / 2  # noqa: S311 - jitter, not crypto
        if retry_after is not None:
            delay = max(delay, retry_after)
        logger.info("ats export api retry", extra={"path": path, "attempt": attempt, "why": why, "delay": delay})
        self.sleep(delay)

    def _message(self, resp: requests.Response, path: str, suffix: str = "") -> str:
        detail = ""
        try:
            body = resp.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            error = body.get("error")
            raw = error.get("message") if isinstance(error, dict) else body.get("message")
            if isinstance(raw, str):
                detail = raw
        text = f"ATS export API HTTP {resp.status_code} for GET {path}"
        if suffix:
            text += f" {suffix}"
        if detail:
            text += f": {detail[:_MESSAGE_CHARS]}"
        return self._scrub(text)

    def _scrub(self, text: str) -> str:
        # An ATS that echoes the Authorization header back must not leak it through us.
        return text.replace(self._token, "***")

    def _parse_page(self, resp: requests.Response, path: str) -> AtsPage:
        def malformed(why: str) -> AtsError:
            return AtsError(self._scrub(f"ATS export API sent a malformed page for GET {path}: {why}"), status=200)

        try:
            body = resp.json()
        except ValueError:
            raise malformed("the body is not JSON") from None
        if not isinstance(body, dict):
            raise malformed("the body is not a JSON object")
        items = body.get("items")
        if not isinstance(items, list):
            raise malformed("'items' is missing or not a list")
        if not all(isinstance(item, dict) for item in items):
            raise malformed("an item is not a JSON object")
        if "next_cursor" not in body:
            raise malformed("'next_cursor' is missing")
        next_cursor = body["next_cursor"]
        if next_cursor is not None and (not isinstance(next_cursor, str) or not next_cursor):
            raise malformed("'next_cursor' is neither a non-empty string nor null")
        total = body.get("total_estimate")
        if total is not None and (isinstance(total, bool) or not isinstance(total, int) or total < 0):
            raise malformed("'total_estimate' is neither a non-negative integer nor null")
        return AtsPage(items=items, next_cursor=next_cursor, total_estimate=total)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)
