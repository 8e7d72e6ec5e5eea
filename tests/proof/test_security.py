"""Security (issue 7, item 3), over HTTP on the local stack after the demo's story.

Every route of template.yaml (enumerated, so new routes are covered): another account's token gets 404 (or 403) and
no data, with the victim's ids in the path and the body; a non-admin gets 403 ROLE_NOT_ALLOWED on the admin-only
routes (ACCESS below fails loudly on a route it does not know). LinkedIn's push: bad signature 401, replay
acknowledged without effect. OAuth state: replay, expiry, another account's or user's state are 400. And no secret,
token or candidate PII in any log line of the demo's full run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from rsc_demo.ats import DEMO_JWT_KEY, AtsBackend, AtsUser
from rsc_demo.linkedin_people import LinkedInPeople
from tests.proof.support import (
    ACCOUNT,
    BASE,
    CONTRACT,
    NON_ADMIN_ROLES,
    ORG,
    OTHER_ACCOUNT,
    OTHER_OWNER,
    OWNER,
    SECOND_ADMIN,
    Demo,
    Route,
    assert_error,
    assert_nothing_written,
    bearer,
    quiet,
    request,
    snapshot,
    template_routes,
)

pytestmark = pytest.mark.stack

ROUTES = template_routes()
ADMIN, ANY, PUBLIC = "admin", "any user of the account", "public (no ATS token)"

# Who may call each route, read from the code (Caller.require_admin / ensure_account in onboarding.py, sync/resync.py,
# sync/changes.py, seats/service.py, deactivation/service.py). A route of template.yaml missing here fails
# test_every_route_has_an_access_rule: decide who may call it and add it.
ACCESS: dict[str, str] = {
    "POST /accounts/{accountId}/linkedin/activation": ADMIN,
    "POST /accounts/{accountId}/linkedin/contracts/{contractId}/renotify": ADMIN,
    "POST /accounts/{accountId}/linkedin/integration-requests": ADMIN,
    "POST /accounts/{accountId}/linkedin/contracts/{contractId}/syncs": ADMIN,
    "POST /accounts/{accountId}/linkedin/seats/refresh": ADMIN,
    "POST /accounts/{accountId}/linkedin/seats/auto-link": ADMIN,  # a dry run: any user (below)
    "PUT /accounts/{accountId}/users/{userId}/linkedin-seat": ADMIN,
    "DELETE /accounts/{accountId}/users/{userId}/linkedin-seat": ADMIN,
    "POST /accounts/{accountId}/linkedin/deactivation": ADMIN,
    "GET /accounts/{accountId}/linkedin": ANY,
    "GET /accounts/{accountId}/linkedin/seats": ANY,
    "GET /accounts/{accountId}/users": ANY,
    "GET /accounts/{accountId}/linkedin/deactivation": ANY,
    "POST /accounts/{accountId}/linkedin/changes": ANY,  # the ATS reports any user's edits (tests/integration)
    "GET /oauth/linkedin/callback": PUBLIC,  # the single-use state is the credential
    "POST /linkedin/notifications/{accountId}": PUBLIC,  # X-LI-Signature is the credential
}
ADMIN_ROUTES = [r for r in ROUTES if ACCESS.get(r.key) == ADMIN]
ACCOUNT_ROUTES = [r for r in ROUTES if ACCESS.get(r.key) in (ADMIN, ANY)]


def victim_request(route: Route, demo: Demo, account: str = ACCOUNT) -> dict[str, Any]:
    """The route's request aimed at Acme's real things: contract 7001, a linked user, that user's seat."""
    base = BASE[route.key]
    body = base.get("body")
    if route.key.startswith("PUT /accounts/{accountId}/users/"):
        body = {"seatId": demo.linked_user["seatId"], "contractId": CONTRACT, "replace": True}
    elif route.key == "POST /accounts/{accountId}/linkedin/seats/auto-link":
        body = {"contractId": CONTRACT, "dryRun": False}
    elif route.key in ("POST /accounts/{accountId}/linkedin/deactivation",):
        body = {"contractId": CONTRACT}
    path = {"accountId": account, "contractId": CONTRACT, "userId": demo.linked_user["id"]}
    return {"path": path, "query": base.get("query"), "body": body}


def acme_data(demo: Demo) -> list[str]:
    """Strings that only Acme's data holds: what a refused caller must never see."""
    return [ORG, f"urn:li:contract:{CONTRACT}", demo.linked_user["id"], f"urn:li:seat:{demo.linked_user['seatId']}"]


def test_every_route_has_an_access_rule() -> None:
    declared = {r.key for r in ROUTES}
    assert declared == set(ACCESS), (
        f"routes without an access rule (decide admin/any/public and add them to ACCESS): {declared - set(ACCESS)}; "
        f"rules for routes that are gone: {set(ACCESS) - declared}"
    )
    for route in ROUTES:
        assert route.authorized == (ACCESS[route.key] != PUBLIC), f"{route.key}: template Auth vs ACCESS"


# -- another account ------------------------------------------------------------------------------------------------
def test_another_accounts_admin_gets_404_and_no_data_on_every_route(demo: Demo) -> None:
    stack = demo.stack
    before = snapshot(stack)
    failed = []
    for route in ACCOUNT_ROUTES:
        sent = victim_request(route, demo)
        resp = request(stack, route, **sent, headers=bearer(OTHER_OWNER))
        try:
            assert_error(resp, (403, 404))
            leaked = [s for s in acme_data(demo) if s in resp.text]
            assert not leaked, f"{route.key}: the answer names Acme's {leaked}: {resp.text[:300]}"
        except AssertionError as exc:
            failed.append(f"{route.key}: {exc}")
    assert not failed, "\n".join(failed)
    assert_nothing_written(stack, before)


def test_another_accounts_admin_with_acmes_ids_in_its_own_account_gets_nothing(demo: Demo) -> None:
    """Initech's Owner names Acme's contract, user and seat under /accounts/initech-9/...: refused, Acme unchanged."""
    stack = demo.stack
    before = snapshot(stack)
    failed = []
    for route in ACCOUNT_ROUTES:
        if route.key in (
            "POST /accounts/{accountId}/linkedin/activation",  # Initech's own ACTIVATE: legitimately writes
            "GET /accounts/{accountId}/linkedin",  # Initech's own status (no Acme id in it)
            "GET /accounts/{accountId}/linkedin/deactivation",
            "GET /accounts/{accountId}/users",  # Initech's own users
        ):
            continue
        sent = victim_request(route, demo, account=OTHER_ACCOUNT)
        if route.key == "GET /accounts/{accountId}/linkedin/seats":
            sent["query"] = {"contractId": CONTRACT}
        resp = request(stack, route, **sent, headers=bearer(OTHER_OWNER))
        try:
            assert_error(resp, (400, 403, 404, 409))
            leaked = [s for s in acme_data(demo) if s in resp.text and s != CONTRACT]
            assert not leaked, f"{route.key}: the answer names Acme's {leaked}: {resp.text[:300]}"
        except AssertionError as exc:
            failed.append(f"{route.key}: {exc}")
    assert not failed, "\n".join(failed)
    assert_nothing_written(stack, before)


# -- roles -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_non_admins_get_403_role_not_allowed_on_every_admin_route(demo: Demo, role: str) -> None:
    stack = demo.stack
    user = AtsUser(ACCOUNT, f"u-{role}", role.title(), role, "enterprise")
    before = snapshot(stack)
    failed = []
    for route in ADMIN_ROUTES:
        resp = request(stack, route, **victim_request(route, demo), headers=bearer(user))
        try:
            error = assert_error(resp, 403, "ROLE_NOT_ALLOWED")
            assert error["details"]["role"] == role and set(error["details"]["requiredRoles"]) == {"admin", "owner"}
        except (AssertionError, KeyError, TypeError) as exc:
            failed.append(f"{route.key}: {exc}")
    assert not failed, "\n".join(failed)
    assert_nothing_written(stack, before)


def test_non_admins_may_use_the_routes_open_to_any_user(demo: Demo) -> None:
    stack = demo.stack
    recruiter = AtsUser(ACCOUNT, "u-rita", "Rita Recruiter", "recruiter", "enterprise")
    failed = []
    for route in [r for r in ROUTES if ACCESS[r.key] == ANY]:
        sent = victim_request(route, demo)
        if route.key == "GET /accounts/{accountId}/linkedin/seats":
            sent["query"] = {"contractId": CONTRACT, "limit": "5"}
        elif route.key == "GET /accounts/{accountId}/users":
            sent["query"] = {"limit": "5"}
        resp = request(stack, route, **sent, headers=bearer(recruiter))
        if not 200 <= resp.status_code < 300:
            failed.append(f"{route.key}: HTTP {resp.status_code} {resp.text[:300]}")
    auto_link = next(r for r in ROUTES if r.key == "POST /accounts/{accountId}/linkedin/seats/auto-link")
    dry_run = request(stack, auto_link, body={"contractId": CONTRACT, "dryRun": True}, headers=bearer(recruiter))
    if dry_run.status_code != 200:
        failed.append(f"auto-link dry run: HTTP {dry_run.status_code} {dry_run.text[:300]}")
    assert not failed, "\n".join(failed)
    quiet(stack)


def test_activate_needs_the_enterprise_plan_even_for_an_owner(demo: Demo) -> None:
    stack = demo.stack
    before = snapshot(stack)
    plus_owner = AtsUser(ACCOUNT, OWNER.user_id, OWNER.name, "owner", "plus")
    resp = AtsBackend(stack.api_url).activate(plus_owner, "Acme Corp")
    assert resp.status == 403 and resp.error["code"] == "PLAN_NOT_ENTERPRISE", resp.body
    assert_nothing_written(stack, before)


# -- LinkedIn's push -------------------------------------------------------------------------------------------------
def _secret(stack: Any, account: str) -> str:
    sm = stack.boto3_client("secretsmanager")
    value = sm.get_secret_value(SecretId=stack.environment["CUSTOMER_SECRET_PREFIX"] + account)["SecretString"]
    return str(json.loads(value)["client_secret"])


def _sign(body: bytes, secret: str) -> str:
    return "hmacsha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _push(stack: Any, account: str, body: bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-LI-Signature"] = signature
    return requests.post(f"{stack.api_url}/linkedin/notifications/{account}", data=body, headers=headers, timeout=30)


def test_pushes_with_a_bad_signature_are_401_and_change_nothing(demo: Demo) -> None:
    stack = demo.stack
    acme, initech = _secret(stack, ACCOUNT), _secret(stack, OTHER_ACCOUNT)
    body = json.dumps({"id": f"evt-{uuid.uuid4()}", "type": "INTEGRATION_STATUS_CHANGE", "expiresAt": 1}).encode()
    good = _sign(body, acme)
    cases: list[tuple[str, str, bytes, str | None]] = [
        ("no signature", ACCOUNT, body, None),
        ("empty", ACCOUNT, body, ""),
        ("zeros", ACCOUNT, body, "hmacsha256=" + "0" * 64),
        ("another scheme", ACCOUNT, body, "sha1=" + hashlib.sha1(body).hexdigest()),
        ("no prefix", ACCOUNT, body, good.removeprefix("hmacsha256=")),
        ("truncated", ACCOUNT, body, good[:-2]),
        ("signed by another customer's app", ACCOUNT, body, _sign(body, initech)),
        ("another body's signature", ACCOUNT, body + b" ", good),
        ("acme's push sent to initech", OTHER_ACCOUNT, body, good),
        ("unknown account", "no-such-account", body, good),
        ("over 16 KB", ACCOUNT, body[:-1] + b', "pad": "' + b"x" * 17000 + b'"}', None),
    ]
    big = cases[-1][2]
    cases[-1] = ("over 16 KB, signed", ACCOUNT, big, _sign(big, acme))
    before = snapshot(stack)
    failed = []
    for name, account, sent, signature in cases:
        try:
            assert_error(_push(stack, account, sent, signature), 401, "INVALID_SIGNATURE")
        except AssertionError as exc:
            failed.append(f"{name}: {exc}")
    assert not failed, "\n".join(failed)
    assert_nothing_written(stack, before)


def test_a_replayed_push_is_acknowledged_without_effect(demo: Demo) -> None:
    stack = demo.stack
    # LinkedIn's own push from the story (contract-level access turned on), delivered once already
    story_pushes = [p for p in stack.linkedin.sent_pushes() if p["state"] == "delivered" and p["url"]]
    assert story_pushes, "the story delivered no push"
    original = story_pushes[-1]
    quiet(stack)
    before = snapshot(stack)
    replay = requests.post(
        original["url"],
        data=original["body"].encode(),
        headers={"Content-Type": "application/json", "X-LI-Signature": original["signature"]},
        timeout=30,
    )
    assert replay.status_code == 200, replay.text
    assert replay.json()["status"] == "duplicate"
    assert_nothing_written(stack, before)
    # a new push is handled once; the same bytes again are a duplicate that writes nothing
    body = json.dumps({"id": f"evt-{uuid.uuid4()}", "type": "PROOF_EVENT", "expiresAt": 1}).encode()
    first = _push(stack, ACCOUNT, body, _sign(body, _secret(stack, ACCOUNT)))
    assert first.status_code == 200 and first.json()["status"] == "ignored", first.text
    quiet(stack)
    before = snapshot(stack)
    again = _push(stack, ACCOUNT, body, _sign(body, _secret(stack, ACCOUNT)))
    assert again.status_code == 200 and again.json()["status"] == "duplicate", again.text
    assert_nothing_written(stack, before)


# -- OAuth state -----------------------------------------------------------------------------------------------------
NEW_CONTRACT = "7003"


def _callback(stack: Any, query: dict[str, str]) -> requests.Response:
    return requests.get(f"{stack.api_url}/oauth/linkedin/callback", params=query, allow_redirects=False, timeout=30)


def _widget_payload(stack: Any, client_id: str, member: str, contract: str) -> dict[str, Any]:
    resp = requests.post(
        f"{stack.linkedin.base_url}/_control/widget-request",
        json={"clientId": client_id, "member": member, "contract": contract},
        timeout=10,
    )
    resp.raise_for_status()
    payload: dict[str, Any] = resp.json()
    return payload


def test_oauth_state_replay_expiry_and_misuse_are_400_over_http(demo: Demo) -> None:
    stack = demo.stack
    ats = AtsBackend(stack.api_url)
    people = LinkedInPeople(stack.linkedin.base_url)
    people.add_member(
        "bea",
        "Bea",
        "Builder",
        "bea@acme.example",
        [
            {
                "contractId": NEW_CONTRACT,
                "name": "Acme Recruiter 2",
                "type": "RECRUITER_CORPORATE",
                "organizationId": "5001",
            }
        ],
    )
    started = ats.activate(OWNER, "Acme Corp")
    assert started.status == 200, started.body
    state, url = started.body["state"], started.body["authorizationUrl"]
    widget = _widget_payload(stack, started.body["widget"]["apiKey"], "bea", f"urn:li:contract:{NEW_CONTRACT}")
    integrations_body = {"state": state, "requestId": widget["requestId"], "integrations": widget["integrations"]}
    path = "/accounts/{account}/linkedin/integration-requests"

    # Another account's admin, and another admin of the same account, cannot use Olivia's state; it stays usable
    quiet(stack)
    before = snapshot(stack)
    other_account = ats.call(OTHER_OWNER, "POST", path.format(account=OTHER_ACCOUNT), integrations_body)
    assert other_account.status == 400 and other_account.error["code"] == "INVALID_OAUTH_STATE", other_account.body
    assert "another account" in other_account.error["message"]
    other_user = ats.call(SECOND_ADMIN, "POST", path.format(account=ACCOUNT), integrations_body)
    assert other_user.status == 400 and "another user" in other_user.error["message"], other_user.body
    forged = [
        "x" * 43,
        state[:-1] + ("A" if state[-1] != "A" else "B"),
        "s" * 600,
        "' OR 1=1 --",
        "\u0000" * 20,
        state + state,
    ]
    for value in forged:
        assert_error(_callback(stack, {"code": "c", "state": value}), 400)
        assert_error(_callback(stack, {"error": "user_cancelled_login", "state": value}), 400)
        reply = ats.call(OWNER, "POST", path.format(account=ACCOUNT), {**integrations_body, "state": value})
        assert reply.status in (400, 422), (value, reply.status, reply.body)
    assert_error(_callback(stack, {"code": "c"}), 400)
    assert_nothing_written(stack, before)

    # The customer's Request at LinkedIn: the redirect works once; its replay is 400 and changes nothing
    people.sign_in(url, "bea")
    redirect = people.request(url, "bea", f"urn:li:contract:{NEW_CONTRACT}")
    assert redirect.location and redirect.location.startswith(stack.api_url), redirect
    query = dict(parse_qsl(urlsplit(redirect.location).query))
    assert query["state"] == state
    first = _callback(stack, query)
    assert first.status_code == 302, first.text
    assert not {"code", "state"} & set(dict(parse_qsl(urlsplit(first.headers["Location"]).query)))
    quiet(stack)
    before = snapshot(stack)
    replay = _callback(stack, query)
    assert_error(replay, 400, "INVALID_OAUTH_STATE")
    assert "already used" in replay.json()["error"]["message"]
    used = ats.call(OWNER, "POST", path.format(account=ACCOUNT), integrations_body)
    assert used.status == 400 and used.error["code"] == "INVALID_OAUTH_STATE", used.body
    assert_nothing_written(stack, before)

    # An expired state (10 minutes): as if the customer came back after 11
    second = ats.activate(OWNER, "Acme Corp")
    expired_state = second.body["state"]
    table = stack.boto3_client("dynamodb")
    key = {"pk": {"S": "OAUTH_STATE#" + hashlib.sha256(expired_state.encode()).hexdigest()}, "sk": {"S": "#STATE"}}
    assert "Item" in table.get_item(TableName=stack.environment["TABLE_NAME"], Key=key), "state storage changed?"
    table.update_item(
        TableName=stack.environment["TABLE_NAME"],
        Key=key,
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(Decimal(int(time.time()) - 60))}},
    )
    quiet(stack)
    before = snapshot(stack)
    late = _callback(stack, {"code": "c" * 20, "state": expired_state})
    assert_error(late, 400, "INVALID_OAUTH_STATE")
    assert "expired" in late.json()["error"]["message"]
    late_widget = ats.call(OWNER, "POST", path.format(account=ACCOUNT), {**integrations_body, "state": expired_state})
    assert late_widget.status == 400 and "expired" in late_widget.error["message"], late_widget.body
    assert_nothing_written(stack, before)


# -- logs ------------------------------------------------------------------------------------------------------------
JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.")
LINKEDIN_TOKEN_LIKE = re.compile(r"AQ[A-Za-z0-9_-]{60,}")


def _secret_values(stack: Any) -> dict[str, str]:
    """Every secret string: Secrets Manager's values (partner app, child apps, JWT key, ATS credential) and the
    LinkedIn emulator's (app secrets, access tokens, authorization codes)."""
    found: dict[str, str] = {"demo JWT signing key": DEMO_JWT_KEY}
    sm = stack.boto3_client("secretsmanager")
    for page in sm.get_paginator("list_secrets").paginate():
        for entry in page["SecretList"]:
            try:
                text = sm.get_secret_value(SecretId=entry["ARN"]).get("SecretString") or ""
            except sm.exceptions.ResourceNotFoundException:
                continue
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = {"value": text}
            for key, value in (parsed if isinstance(parsed, dict) else {"value": text}).items():
                if key not in ("client_id", "issuer", "audience") and isinstance(value, str) and len(value) >= 8:
                    found[f"{entry['Name']}:{key}"] = value
    state = stack.linkedin.state
    with state.lock:
        for app in state.apps.values():
            found[f"linkedin app {app.client_id} secret"] = app.client_secret
        for value in state.tokens:
            found[f"linkedin access token {value[:6]}"] = value
        for code in state.codes:
            found[f"linkedin authorization code {code[:6]}"] = code
    return found


def _pii(demo: Demo) -> dict[str, str]:
    """Every generated candidate's emails, full name and phone numbers; the ATS users' and seat holders' emails."""
    import fake_ats

    found: dict[str, str] = {}
    for candidate in fake_ats.records(demo.spec, ACCOUNT, "candidates"):
        who = candidate["id"]
        for email in candidate["emails"]:
            if isinstance(email.get("address"), str) and "@" in email["address"]:
                found[f"{who} email"] = email["address"]
        if candidate.get("first_name") and candidate.get("last_name"):
            found[f"{who} name"] = f"{candidate['first_name']} {candidate['last_name']}"
        for i, phone in enumerate(candidate["phones"]):
            found[f"{who} phone {i}"] = phone["number"]
    for profile in fake_ats.user_profiles(demo.spec):
        for i, email in enumerate(profile.emails):
            found[f"user {profile.id} email {i}"] = email
    for i, email in enumerate(fake_ats.seat_holder_emails(demo.spec)):
        found[f"seat holder email {i}"] = email
    found["LinkedIn member email"] = "ada@acme.example"
    return found


def test_no_secret_token_or_candidate_pii_in_any_log_line_of_the_demo(demo: Demo) -> None:
    lines = demo.log_lines
    captured = "\n".join(lines) + "\n" + demo.printed
    ours = [line for line in lines if '"name": "rsc-connector"' in line]
    assert len(ours) >= 15 and "linkedin token minted" in captured, "the handlers' logs were not captured"
    secrets = _secret_values(demo.stack)
    assert len(secrets) >= 5, secrets.keys()  # partner, Acme's app, the JWT key, the ATS credential, tokens
    leaked = [name for name, value in secrets.items() if value in captured]
    assert not leaked, f"secret values in the logs: {leaked}"
    assert not JWT_LIKE.search(captured), f"a JWT in the logs: {JWT_LIKE.search(captured)}"
    assert not LINKEDIN_TOKEN_LIKE.search(captured), "a LinkedIn access token in the logs"
    pii = _pii(demo)
    assert len([k for k in pii if k.endswith("email")]) >= 20, "no candidates generated?"
    found = sorted({name for name, value in pii.items() if value in captured})
    assert not found, f"{len(found)} PII values in the logs, e.g. {found[:10]}"
