"""The token cache under the enablement poll's parallel calls: one mint per application, applications in parallel."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from rsc_connector.clock import FixedClock
from rsc_connector.linkedin.http import AppCredentials, TokenCache

MINT_SECONDS = 0.3


class SlowTokenEndpoint(requests.Session):
    """LinkedIn's token endpoint taking MINT_SECONDS per token."""

    def __init__(self) -> None:
        super().__init__()
        self.minted: list[str] = []
        self.lock = threading.Lock()

    def post(self, url: Any, data: Any = None, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        time.sleep(MINT_SECONDS)
        with self.lock:
            self.minted.append(data["client_id"])
            number = len(self.minted)
        resp = requests.Response()
        resp.status_code = 200
        resp._content = f'{{"access_token": "tok-{number}", "expires_in": 1800}}'.encode()
        return resp


def in_parallel(*calls: Any) -> tuple[list[Any], float]:
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.monotonic() - started


def test_applications_mint_their_tokens_in_parallel() -> None:
    session = SlowTokenEndpoint()
    cache = TokenCache(session, "http://li/oauth/v2", FixedClock())
    apps = [AppCredentials(f"app-{n}", "secret") for n in range(4)]
    tokens, seconds = in_parallel(*(lambda app=app: cache.get(app) for app in apps))
    assert sorted(session.minted) == ["app-0", "app-1", "app-2", "app-3"] and len(set(tokens)) == 4
    assert seconds < 2 * MINT_SECONDS  # not one mint after the other (4 x 0.3 s)


def test_concurrent_calls_of_one_application_share_its_one_mint() -> None:
    session = SlowTokenEndpoint()
    cache = TokenCache(session, "http://li/oauth/v2", FixedClock())
    app = AppCredentials("app-1", "secret")
    tokens, _ = in_parallel(*(lambda: cache.get(app) for _ in range(4)))
    assert session.minted == ["app-1"] and set(tokens) == {"tok-1"} and cache.minted == 1


def test_the_credentials_of_a_good_token_are_known_until_it_is_renewed() -> None:
    clock = FixedClock()
    cache = TokenCache(SlowTokenEndpoint(), "http://li/oauth/v2", clock)
    app = AppCredentials("app-1", "secret")
    assert cache.credentials("app-1") is None
    cache.get(app)
    assert cache.credentials("app-1") == app
    clock.advance(1800 - 60)  # renewed this close to expiry: a call would mint, so it needs the secret again
    assert cache.credentials("app-1") is None
