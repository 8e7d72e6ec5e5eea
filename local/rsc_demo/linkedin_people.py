"""The customer's people at LinkedIn, as the emulator lets us play them: the member who signs in and clicks
Request, and the Recruiter admin who turns the integration on in Admin Settings -> ATS."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests


@dataclass
class PageReply:
    status: int
    text: str
    location: str | None

    @property
    def words(self) -> str:
        """The page as a person reads it (tags stripped)."""
        visible = re.sub(r"(?is)<(style|script|title)[^>]*>.*?</\1>", " ", self.text)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", visible)).split())


class LinkedInPeople:
    def __init__(self, linkedin_base_url: str) -> None:
        self.base = linkedin_base_url.rstrip("/")
        self.http = requests.Session()

    def control(self, path: str, body: Any = None) -> Any:
        url = f"{self.base}/_control/{path}"
        resp = self.http.post(url, json=body, timeout=10) if body is not None else self.http.get(url, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def add_member(self, member_id: str, first: str, last: str, email: str, contracts: list[dict[str, str]]) -> None:
        self.control(
            "members",
            {"memberId": member_id, "firstName": first, "lastName": last, "email": email, "contracts": contracts},
        )

    # -- the sign-in and Request step (the page at LinkedIn) ----------------------------------------
    def _form(self, authorization_url: str) -> tuple[str, dict[str, str]]:
        parts = urlsplit(authorization_url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}", dict(parse_qsl(parts.query))

    def open_sign_in(self, authorization_url: str) -> PageReply:
        resp = self.http.get(authorization_url, timeout=10)
        return PageReply(resp.status_code, resp.text, None)

    def sign_in(self, authorization_url: str, member_id: str) -> PageReply:
        url, form = self._form(authorization_url)
        resp = self.http.post(url, data={**form, "member": member_id, "action": "signin"}, timeout=10)
        return PageReply(resp.status_code, resp.text, None)

    def request(self, authorization_url: str, member_id: str, contract_urn: str) -> PageReply:
        url, form = self._form(authorization_url)
        resp = self.http.post(
            url,
            data={**form, "member": member_id, "contract": contract_urn, "action": "request"},
            allow_redirects=False,
            timeout=10,
        )
        return PageReply(resp.status_code, resp.text, resp.headers.get("Location"))

    @staticmethod
    def contract_choices(page: PageReply) -> list[str]:
        return [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m)).split())
            for m in re.findall(r"<label><input type='radio'.*?</label>", page.text)
        ]

    # -- Recruiter Admin Settings -> ATS ---------------------------------------------------------------
    def recruiter_admin_sets(
        self, organization: str, contract: str, company_level: bool | None, contract_level: bool | None
    ) -> Any:
        body: dict[str, Any] = {"organization": organization, "contract": contract, "wait": True}
        if company_level is not None:
            body["companyLevel"] = company_level
        if contract_level is not None:
            body["contractLevel"] = contract_level
        return self.control("integrations/status", body)

    def pushes(self, mode: str) -> None:
        self.control("push-settings", {"mode": mode})
