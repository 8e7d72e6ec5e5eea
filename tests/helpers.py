"""Test helpers shared by the suites: the template, sample events, tokens, threads started together."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rsc_connector.auth import jwt

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
JWT_KEY = "test-signing-key-0123456789abcdef0123456789abcdef"


@functools.cache
def template() -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse((ROOT / "template.yaml").read_text())  # type: ignore[no-any-return]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())  # type: ignore[no-any-return]


def ats_token(
    account_id: str = "acct-1",
    user_id: str = "user-1",
    role: str = "admin",
    plan: str = "enterprise",
    *,
    key: str = JWT_KEY,
    lifetime: int = 300,
    now: float | None = None,
    **extra: Any,
) -> str:
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": "ats",
        "aud": "rsc-connector",
        "sub": user_id,
        "account_id": account_id,
        "role": role,
        "plan": plan,
        "iat": issued,
        "exp": issued + lifetime,
        **extra,
    }
    return jwt.encode(claims, key)


# -- playing the customer's people at the LinkedIn emulator -------------------------------------------
def add_member(
    linkedin_base_url: str,
    member_id: str = "m-ada",
    contracts: list[dict[str, str]] | None = None,
    email: str = "ada@acme.example",
) -> dict[str, Any]:
    import requests

    body = {
        "memberId": member_id,
        "firstName": "Ada",
        "lastName": "Admin",
        "email": email,
        "contracts": contracts
        or [{"contractId": "7001", "name": "Acme Recruiter", "type": "RECRUITER_CORPORATE", "organizationId": "5001"}],
    }
    resp = requests.post(f"{linkedin_base_url}/_control/members", json=body, timeout=5)
    resp.raise_for_status()
    return body


def member_clicks_request(
    authorization_url: str, member_id: str = "m-ada", contract_urn: str | None = "urn:li:contract:7001"
) -> Any:
    """The member signs in on LinkedIn's page, picks the contract and clicks Request; returns the reply."""
    from urllib.parse import parse_qsl, urlsplit

    import requests

    parts = urlsplit(authorization_url)
    form = dict(parse_qsl(parts.query))
    form.update({"member": member_id, "action": "request"})
    if contract_urn:
        form["contract"] = contract_urn
    page = requests.get(authorization_url, timeout=5)
    assert page.status_code == 200, page.text
    return requests.post(f"{parts.scheme}://{parts.netloc}{parts.path}", data=form, allow_redirects=False, timeout=5)


def redirect_params(resp: Any) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    assert resp.status_code == 302, (resp.status_code, resp.text[:500])
    return dict(parse_qsl(urlsplit(resp.headers["Location"]).query))


def load_handler(function_dir: str) -> Any:
    """Import functions/<dir>/app.py under a unique name (every handler module is called app.py)."""
    import importlib.util
    import sys

    name = f"handler_{function_dir}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "functions" / function_dir / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class FakeLambdaContext:
    function_name = "test-fn"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-fn"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def run_at_once(count: int, work: Callable[[], None]) -> None:
    """Run `work` in `count` threads released together (a barrier), wait for all, and raise the first error any
    of them raised: an assertion inside a thread fails the test."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
