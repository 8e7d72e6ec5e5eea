"""Test helpers shared by the suites: the template, sample events, tokens."""

from __future__ import annotations

import functools
import json
import time
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
