"""HTTP to LinkedIn: client-credentials tokens cached per application, retries, 401 -> new token once.

Token rules (linkedin-rsc-api.md 1.1, RSC-106, CRM-005): request by POST with a form body, reuse one token for
all calls of an application until shortly before expiry, and on a 401 mint a new one and retry once.
Secrets and tokens never appear in logs or exception messages.
"""

from __future__ import annotations

import json as json_module
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from rsc_connector.clock import Clock, SystemClock
from rsc_connector.observability import logger

RENEW_BEFORE_EXPIRY_SECONDS = 60
TIMEOUT = (3.05, 20.0)
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_QUERY_BYTES = 4000  # LinkedIn answers 414 above 4 KB of query; tunnel before that
POOL_CONNECTIONS = 40  # kept-alive connections to LinkedIn: the poll's 32 parallel calls; a sync batch's 10 pages x 4
FORM = "application/x-www-form-urlencoded"


def tunnel(method: str, query: str, body: bytes | None) -> tuple[str, bytes, dict[str, str]]:
    """Rest.li query tunneling: POST with X-HTTP-Method-Override; the query moves into the body.

    Without an entity the body is the form-encoded query; with one (PUT/POST batches) it is multipart/mixed
    with the query part first and the JSON entity second.
    """
    headers = {"X-HTTP-Method-Override": method.upper()}
    if body is None:
        return "POST", query.encode(), {**headers, "Content-Type": FORM}
    boundary = "restli-" + secrets.token_hex(12)
    parts = (
        (
            f"--{boundary}\r\nContent-Type: {FORM}\r\n\r\n{query}\r\n"
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n"
        ).encode()
        + body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return "POST", parts, {**headers, "Content-Type": f"multipart/mixed; boundary={boundary}"}


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never print the secret
        return f"AppCredentials(client_id={self.client_id!r}, client_secret=***)"


def child_app_credentials(secrets: Any, secret_name: str) -> AppCredentials:
    """A customer's child-app credentials from Secrets Manager (cached there per container)."""
    value = secrets.get_json(secret_name)
    return AppCredentials(str(value["client_id"]), str(value["client_secret"]))


class LinkedInError(Exception):
    """LinkedIn answered with an error we could not recover from."""

    def __init__(self, status: int, message: str, service_error_code: int | None = None) -> None:
        super().__init__(f"LinkedIn HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.service_error_code = service_error_code


def error_from_response(resp: requests.Response) -> LinkedInError:
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or body.get("error_description") or body.get("error") or resp.reason)
    code = body.get("serviceErrorCode")
    return LinkedInError(resp.status_code, message[:300], code if isinstance(code, int) else None)


class TokenCache:
    """One client-credentials token per LinkedIn application, shared by every call in this container.

    Concurrent calls of one application wait for its one mint; different applications mint in parallel (the
    enablement poll mints for thousands of applications in a run).
    """

    def __init__(self, session: requests.Session, oauth_base_url: str, clock: Clock | None = None) -> None:
        self._session = session
        self._url = oauth_base_url.rstrip("/") + "/accessToken"
        self._clock = clock or SystemClock()
        self._tokens: dict[str, tuple[str, float, AppCredentials]] = {}
        self._lock = threading.Lock()  # guards the dictionaries; never held during a mint
        self._minting: dict[str, threading.Lock] = {}  # one per application: held during its mint
        self.minted = 0

    def _valid(self, client_id: str) -> tuple[str, float, AppCredentials] | None:
        cached = self._tokens.get(client_id)
        if cached and cached[1] - RENEW_BEFORE_EXPIRY_SECONDS > self._clock.now():
            return cached
        return None

    def get(self, app: AppCredentials) -> str:
        with self._lock:
            cached = self._valid(app.client_id)
            if cached:
                return cached[0]
            minting = self._minting.setdefault(app.client_id, threading.Lock())
        with minting:
            with self._lock:
                cached = self._valid(app.client_id)  # minted by another call while this one waited
                if cached:
                    return cached[0]
            token, expires_at = self._mint(app)
            with self._lock:
                self._tokens[app.client_id] = (token, expires_at, app)
                self.minted += 1
            return token

    def credentials(self, client_id: str) -> AppCredentials | None:
        """The credentials an application's still-good token was minted with, None without such a token: a
        caller holding them needs no secret read for its calls (the secret is needed to mint, nothing else)."""
        with self._lock:
            cached = self._valid(client_id)
            return cached[2] if cached else None

    def invalidate(self, app: AppCredentials, token: str) -> None:
        with self._lock:
            cached = self._tokens.get(app.client_id)
            if cached and cached[0] == token:
                del self._tokens[app.client_id]

    def _mint(self, app: AppCredentials) -> tuple[str, float]:
        try:
            resp = self._session.post(
                self._url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": app.client_id,
                    "client_secret": app.client_secret,
                },
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=TIMEOUT,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:  # as a call's: LinkedIn did not answer
            raise LinkedInError(503, f"LinkedIn did not answer the token request ({type(exc).__name__})") from None
        if resp.status_code != 200:
            raise error_from_response(resp)
        body = resp.json()
        # LinkedIn's docs show expires_in as a string ("1800"); accept a number or a string.
        expires_in = float(body["expires_in"])
        logger.info("linkedin token minted", extra={"client_id": app.client_id, "expires_in": expires_in})
        return str(body["access_token"]), self._clock.now() + expires_in


def _pooled_session() -> requests.Session:
    """A session keeping up to POOL_CONNECTIONS connections alive (requests keeps 10, and a call made beyond
    them opens a connection, with its TLS handshake, only to close it afterwards)."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=POOL_CONNECTIONS)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class LinkedInHttp:
    """Authenticated calls with bounded retries on 429/5xx/timeouts and one token renewal on 401."""

    def __init__(
        self,
        api_base_url: str,
        oauth_base_url: str,
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self.oauth_base_url = oauth_base_url.rstrip("/")
        self.session = session or _pooled_session()
        self.tokens = TokenCache(self.session, self.oauth_base_url, clock)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.sleep = sleep

    def call(
        self,
        method: str,
        path: str,
        app: AppCredentials,
        *,
        params: list[tuple[str, str]] | dict[str, str] | None = None,
        json: Any = None,
        restli_method: str | None = None,
        ok: frozenset[int] = frozenset({200, 201, 204}),
    ) -> requests.Response:
        url = self.api_base_url + path
        headers: dict[str, str] = {}
        if restli_method:
            headers["X-RestLi-Method"] = restli_method
        data: bytes | None = None
        if json is not None:
            headers["Content-Type"] = "application/json"
            data = json_module.dumps(json, separators=(",", ":")).encode()
        query = urlencode(params or {}, doseq=True)
        http_method = method
        if len(query) > MAX_QUERY_BYTES:
            # Rest.li query tunneling: a 100-key batch URL is longer than LinkedIn's 4 KB query limit (414).
            http_method, data, tunnel_headers = tunnel(method, query, data)
            headers.update(tunnel_headers)
            query = ""
        if query:
            url = f"{url}?{query}"
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            token = self.tokens.get(app)
            try:
                resp = self.session.request(
                    http_method,
                    url,
                    data=data,
                    headers={**headers, "Authorization": f"Bearer {token}"},
                    timeout=TIMEOUT,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.max_attempts:
                    raise LinkedInError(503, f"LinkedIn did not answer ({type(exc).__name__})") from None
                self._backoff(attempt, None)
                continue
            if resp.status_code == 401 and not renewed:
                # The token expired or was revoked early: mint a new one and retry once (CRM-005).
                renewed = True
                self.tokens.invalidate(app, token)
                logger.info("linkedin 401, renewing token", extra={"client_id": app.client_id, "path": path})
                continue
            if resp.status_code in RETRYABLE_STATUSES and attempt < self.max_attempts:
                self._backoff(attempt, resp.headers.get("Retry-After"))
                continue
            if resp.status_code not in ok:
                raise error_from_response(resp)
            return resp

    def _backoff(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff_base * (2 ** (attempt - 1))
        if retry_after and retry_after.isdigit():
            delay = max(delay, float(retry_after))
        self.sleep(min(delay, 10.0) * (0.5 + random.random() / 2))  # noqa: S311 - jitter, not crypto
