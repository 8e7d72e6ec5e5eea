"""The ATS side of the story: its users, the JWTs its backend signs, and the calls its pages make."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

from rsc_connector.auth import jwt

DEMO_JWT_KEY = "local-demo-signing-key-not-a-secret-0123456789abcdef"
JWT_ISSUER = "ats"
JWT_AUDIENCE = "rsc-connector"


def jwt_secret_value(key: str = DEMO_JWT_KEY) -> dict[str, str]:
    """The value of the `ats-jwt` secret the local stack seeds (the ATS backend holds the same key)."""
    return {"signing_key": key, "issuer": JWT_ISSUER, "audience": JWT_AUDIENCE}


@dataclass(frozen=True)
class AtsUser:
    account_id: str
    user_id: str
    name: str
    role: str
    plan: str

    def token(self, key: str = DEMO_JWT_KEY, lifetime: int = 300) -> str:
        now = int(time.time())
        claims = {
            "iss": JWT_ISSUER,
            "aud": JWT_AUDIENCE,
            "sub": self.user_id,
            "account_id": self.account_id,
            "role": self.role,
            "plan": self.plan,
            "iat": now,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, key)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        return self.body.get("error", {}) if isinstance(self.body, dict) else {}


class AtsBackend:
    """What the ATS's servers do: call our API with the signed-in user's JWT."""

    def __init__(self, api_url: str, key: str = DEMO_JWT_KEY) -> None:
        self.api_url = api_url.rstrip("/")
        self.key = key
        self.http = requests.Session()

    def call(self, user: AtsUser | None, method: str, path: str, body: Any = None) -> Reply:
        headers = {"Authorization": f"Bearer {user.token(self.key)}"} if user else {}
        resp = self.http.request(
            method, f"{self.api_url}{path}", json=body, headers=headers, allow_redirects=False, timeout=30
        )
        try:
            payload: Any = resp.json()
        except ValueError:
            payload = resp.text
        return Reply(resp.status_code, payload, dict(resp.headers))

    def activate(self, user: AtsUser, company_name: str) -> Reply:
        return self.call(
            user, "POST", f"/accounts/{user.account_id}/linkedin/activation", {"companyName": company_name}
        )

    def status(self, user: AtsUser) -> Reply:
        return self.call(user, "GET", f"/accounts/{user.account_id}/linkedin")

    def renotify(self, user: AtsUser, contract_id: str) -> Reply:
        return self.call(user, "POST", f"/accounts/{user.account_id}/linkedin/contracts/{contract_id}/renotify")

    # -- seat linking (the users page and a user's edit page) ---------------------------------------
    def users(self, user: AtsUser, query: str = "") -> Reply:
        return self.call(user, "GET", f"/accounts/{user.account_id}/users{query}")

    def seats(self, user: AtsUser, query: str = "") -> Reply:
        return self.call(user, "GET", f"/accounts/{user.account_id}/linkedin/seats{query}")

    def auto_link(self, user: AtsUser, dry_run: bool = False) -> Reply:
        return self.call(user, "POST", f"/accounts/{user.account_id}/linkedin/seats/auto-link", {"dryRun": dry_run})

    def link_seat(self, user: AtsUser, user_id: str, seat_id: str, replace: bool = False) -> Reply:
        body = {"seatId": seat_id, "replace": replace}
        return self.call(user, "PUT", f"/accounts/{user.account_id}/users/{user_id}/linkedin-seat", body)

    def unlink_seat(self, user: AtsUser, user_id: str) -> Reply:
        return self.call(user, "DELETE", f"/accounts/{user.account_id}/users/{user_id}/linkedin-seat")
