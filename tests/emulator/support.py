"""Helpers for the LinkedIn emulator's suite: a thin client playing the partner, the customer and LinkedIn's UI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from linkedin_emulator import LinkedInEmulator

PARTNER_ID = "partner-id"
PARTNER_SECRET = "partner-secret"
START = 1_750_000_000.0  # 2025-06-15T15:06:40Z
ORG = "urn:li:organization:456"
CONTRACT = "urn:li:contract:123"
CALLBACK = "https://ats.example.com/oauth/callback"
KEY_FIELDS = ("integrationContext", "integrationType", "tenantType", "dataProvider")
RSC_KEYS = [
    (ORG, "ONE_CLICK_EXPORT"),
    (ORG, "IN_ATS_INDICATOR"),
    (ORG, "PROFILE_PLUGIN"),
    (CONTRACT, "CSA_API"),
]
ACME = {"contractId": "123", "name": "Acme Recruiter", "type": "RECRUITER_CORPORATE", "organizationId": "456"}


@dataclass
class Child:
    client_id: str
    client_secret: str
    key: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def key_query(keys: list[tuple[str, str]]) -> str:
    """``ids[i].*`` for (context, type) pairs, RECRUITER/ATS."""
    parts = []
    for index, (context, kind) in enumerate(keys):
        values = {
            "integrationContext": context,
            "integrationType": kind,
            "tenantType": "RECRUITER",
            "dataProvider": "ATS",
        }
        parts += [f"ids[{index}].{name}={values[name]}" for name in KEY_FIELDS]
    return "&".join(parts)


def key_string(context: str, kind: str) -> str:
    return f"integrationContext={context}&integrationType={kind}&tenantType=RECRUITER&dataProvider=ATS"


def canonical(context: str, kind: str) -> str:
    """The response key (assumption A12)."""
    encoded = context.replace(":", "%3A")
    return f"dataProvider=ATS&integrationContext={encoded}&integrationType={kind}&tenantType=RECRUITER"


class LinkedIn:
    """A thin test client: tokens, provisioning, members and the Request step."""

    def __init__(self, emu: LinkedInEmulator) -> None:
        self.emu = emu
        self.base = emu.base_url
        self.api = emu.api_base_url
        self.oauth = emu.oauth_base_url

    def token(self, client_id: str, client_secret: str) -> str:
        resp = requests.post(
            f"{self.oauth}/accessToken",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
            timeout=5,
        )
        assert resp.status_code == 200, resp.text
        return str(resp.json()["access_token"])

    def partner_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(PARTNER_ID, PARTNER_SECRET)}"}

    def provision(self, foreign_id: str = "cust-1", **fields: Any) -> Child:
        body = {
            "uniqueForeignId": foreign_id,
            "name": f"My ATS - {foreign_id}",
            "description": "test customer",
            "oauth2AuthorizedCallbackUrls": [CALLBACK],
            "validJsSdkDomains": ["https://ats.example.com"],
            **fields,
        }
        resp = requests.post(f"{self.api}/provisionedApplications", json=body, headers=self.partner_auth(), timeout=5)
        assert resp.status_code == 201, resp.text
        credentials = resp.json()["credentials"]
        token = self.token(credentials["client_id"], credentials["client_secret"])
        return Child(credentials["client_id"], credentials["client_secret"], resp.json()["key"], token)

    def add_member(self, member_id: str = "m1", contracts: list[dict[str, str]] | None = None, **extra: Any) -> None:
        body = {
            "memberId": member_id,
            "firstName": "Ada",
            "lastName": "Admin",
            "email": f"{member_id}@acme.example",
            "contracts": [ACME] if contracts is None else contracts,
            **extra,
        }
        resp = requests.post(f"{self.base}/_control/members", json=body, timeout=5)
        assert resp.status_code in (200, 201), resp.text

    def widget_request(self, child: Child, member: str = "m1", contract: str | None = CONTRACT) -> dict[str, Any]:
        body = {"clientId": child.client_id, "member": member}
        if contract is not None:
            body["contract"] = contract
        resp = requests.post(f"{self.base}/_control/widget-request", json=body, timeout=5)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def authorization_form(self, child: Child, **overrides: str) -> dict[str, str]:
        form = {
            "response_type": "code",
            "client_id": child.client_id,
            "redirect_uri": CALLBACK,
            "state": "state-1",
            "scope": "r_liteprofile",
        }
        form.update(overrides)
        return form

    def click_request(self, child: Child, member: str = "m1", **fields: str) -> requests.Response:
        form = {**self.authorization_form(child), "member": member, "action": "request", **fields}
        return requests.post(f"{self.oauth}/authorization", data=form, allow_redirects=False, timeout=5)

    def name_all(self, child: Child, keys: list[tuple[str, str]] = RSC_KEYS) -> requests.Response:
        entities = {key_string(c, k): {"patch": {"$set": {"integrationName": f"Acme {k}"}}} for c, k in keys}
        return requests.post(
            f"{self.api}/atsIntegrations?{key_query(keys)}",
            json={"entities": entities},
            headers={**child.auth, "X-RestLi-Method": "batch_partial_update"},
            timeout=5,
        )

    def put_config(self, child: Child, name: str, value: Any, kind: str = "ONE_CLICK_EXPORT") -> requests.Response:
        return requests.put(
            f"{self.api}/atsIntegrations/{key_string(ORG, kind)}/configurations?ids={name}",
            json={"entities": {name: {"configurationValue": value}}},
            headers={**child.auth, "X-RestLi-Method": "batch_update"},
            timeout=5,
        )

    def status(self, **body: Any) -> requests.Response:
        return requests.post(f"{self.base}/_control/integrations/status", json=body, timeout=5)

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.base}/_control/{path}", timeout=5, **kwargs)


def redirect_query(resp: requests.Response) -> dict[str, str]:
    assert resp.status_code == 302, (resp.status_code, resp.text[:300])
    return {name: values[0] for name, values in parse_qs(urlsplit(resp.headers["Location"]).query).items()}
