"""The main job end to end on the local stack, plus what must never happen along the way."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import requests

from rsc_demo.ats import DEMO_JWT_KEY, AtsBackend, AtsUser
from rsc_demo.story import OWNER, run_story

pytestmark = pytest.mark.stack


def test_the_story_reaches_partner_ready_then_enabled_with_one_sync(fresh_stack: Any) -> None:
    out = io.StringIO()
    result = run_story(fresh_stack, out)
    assert result["refused_plan"].status == 403 and result["refused_plan"].error["code"] == "PLAN_NOT_ENTERPRISE"
    assert result["refused_role"].status == 403 and result["refused_role"].error["code"] == "ROLE_NOT_ALLOWED"
    assert result["activation"].body["childApplication"]["created"] is True
    assert result["second_activation"].body["childApplication"]["created"] is False
    assert result["lite_refusal"].status == 403 and "Recruiter Lite" in result["lite_refusal"].words
    assert result["partner_ready_status"] == "PARTNER_READY"
    assert result["replay_status"] == 400
    assert result["after_poll"]["status"] == "ENABLED"
    assert result["after_poll"]["accessLevels"] == {"companyLevel": True, "contractLevel": False}
    assert "contract-level access" in result["after_poll"]["nextStep"]
    assert result["enabled"]["accessLevels"] == {"companyLevel": True, "contractLevel": True}
    assert len(result["executions"]) == 1
    assert "Partner ready" in out.getvalue()


class EverythingHandler(logging.Handler):
    """Keeps every log record whole: message, arguments, extra fields, exception text."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = {k: v for k, v in record.__dict__.items() if k not in ("exc_info",)}
        if record.exc_info:
            fields["exception"] = logging.Formatter().formatException(record.exc_info)
        self.lines.append(json.dumps(fields, default=str) + " " + record.getMessage())


def test_no_secret_or_token_appears_in_any_log_line(fresh_stack: Any) -> None:
    # Given a full run of the story with every log record of every library kept whole
    handler = EverythingHandler()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # everything at INFO and above, from every library (Lambda's root logger)
    try:
        run_story(fresh_stack, io.StringIO())
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    captured = "\n".join(handler.lines)
    assert "linkedin token minted" in captured  # the handlers' logs were captured
    # Then no secret value, token or signing key appears anywhere in them
    sm = fresh_stack.boto3_client("secretsmanager")
    secrets: list[str] = [DEMO_JWT_KEY]
    for page in sm.get_paginator("list_secrets").paginate():
        for entry in page["SecretList"]:
            try:
                value = sm.get_secret_value(SecretId=entry["ARN"]).get("SecretString") or ""
            except sm.exceptions.ResourceNotFoundException:
                continue  # declared by the template, value not set (the ATS export API credential)
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = {"value": value}
            secrets += [v for k, v in parsed.items() if k in ("client_secret", "signing_key", "token", "value") and v]
    assert len(secrets) >= 3  # partner secret, the customer's child secret, the JWT key
    tokens = [
        r["headers"].get("Authorization", "")
        for r in requests.get(f"{fresh_stack.linkedin.base_url}/_control/requests", timeout=5).json()
    ]
    for secret in secrets:
        assert secret not in captured, "a secret value reached the logs"
    assert OWNER.token(DEMO_JWT_KEY)[:40] not in captured
    assert all("redacted" in t or not t for t in tokens)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/accounts/acme-1042/linkedin", "GET"),
        ("/accounts/acme-1042/linkedin/activation", "POST"),
        ("/accounts/acme-1042/linkedin/contracts/7001/renotify", "POST"),
        ("/accounts/acme-1042/linkedin/integration-requests", "POST"),
    ],
)
def test_ats_routes_refuse_missing_forged_and_expired_tokens(stack: Any, path: str, method: str) -> None:
    url = stack.api_url + path
    assert requests.request(method, url, timeout=10).status_code == 401
    forged = AtsUser("acme-1042", "u-x", "X", "owner", "enterprise").token(key="not-the-key" * 4)
    assert requests.request(method, url, headers={"Authorization": f"Bearer {forged}"}, timeout=10).status_code == 401
    expired = AtsUser("acme-1042", "u-x", "X", "owner", "enterprise").token(lifetime=-120)
    assert requests.request(method, url, headers={"Authorization": f"Bearer {expired}"}, timeout=10).status_code == 401


def test_another_accounts_token_reads_and_changes_nothing(fresh_stack: Any, ats: AtsBackend) -> None:
    run_story(fresh_stack, io.StringIO())
    intruder = AtsUser("globex-77", "u-eve", "Eve", "owner", "enterprise")
    for method, path, body in [
        ("GET", "/accounts/acme-1042/linkedin", None),
        ("POST", "/accounts/acme-1042/linkedin/activation", {"companyName": "Evil"}),
        ("POST", "/accounts/acme-1042/linkedin/contracts/7001/renotify", None),
        (
            "POST",
            "/accounts/acme-1042/linkedin/integration-requests",
            {
                "state": "s" * 32,
                "integrations": [{"integrationContext": "urn:li:organization:5001", "integrationType": "X"}],
            },
        ),
    ]:
        reply = ats.call(intruder, method, path, body)
        assert reply.status in (400, 403, 404), (path, reply.status)
        assert "contracts" not in json.dumps(reply.body)
    assert ats.status(OWNER).body["contracts"][0]["status"] in ("ENABLED", "SYNCING", "SYNCED")


def test_push_with_a_bad_signature_is_401_over_http(fresh_stack: Any) -> None:
    run_story(fresh_stack, io.StringIO())
    url = f"{fresh_stack.api_url}/linkedin/notifications/acme-1042"
    body = json.dumps({"id": "forged-1", "type": "INTEGRATION_STATUS_CHANGE", "expiresAt": 1})
    for headers in ({}, {"X-LI-Signature": "hmacsha256=" + "0" * 64}):
        resp = requests.post(url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=10)
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "INVALID_SIGNATURE"
