"""The emulated sign-in / Request step (assumption A3), the widget request (A4) and the code exchange."""

from __future__ import annotations

import requests

from linkedin_emulator import LinkedInEmulator
from tests.emulator.support import ACME, CALLBACK, CONTRACT, ORG, Child, LinkedIn, redirect_query

LITE = {"contractId": "900", "name": "Solo Lite", "type": "RECRUITER_LITE", "organizationId": "456"}
RPS = {"contractId": "124", "name": "Acme Agency", "type": "RECRUITER_PROFESSIONAL_SERVICES", "organizationId": "457"}


def exchange(li: LinkedIn, child: Child, code: str, redirect_uri: str = CALLBACK) -> requests.Response:
    return requests.post(
        f"{li.oauth}/accessToken",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": child.client_id,
            "client_secret": child.client_secret,
        },
        timeout=5,
    )


def test_authorization_page_shows_a_sign_in_form(li: LinkedIn) -> None:
    child = li.provision()
    page = requests.get(f"{li.oauth}/authorization", params=li.authorization_form(child), timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "name='member'" in page.text and "value='signin'" in page.text and "My ATS - cust-1" in page.text


def test_signing_in_lists_the_members_contracts(li: LinkedIn) -> None:
    child = li.provision()
    li.add_member(contracts=[ACME, LITE])
    form = {**li.authorization_form(child), "member": "m1@acme.example", "action": "signin"}
    page = requests.post(f"{li.oauth}/authorization", data=form, timeout=5)
    assert page.status_code == 200
    assert CONTRACT in page.text and "urn:li:contract:900" in page.text and "value='request'" in page.text


def test_request_redirects_with_code_and_state_and_records_the_request(
    li: LinkedIn, emulator: LinkedInEmulator
) -> None:
    child = li.provision()
    li.add_member()
    params = redirect_query(li.click_request(child, contract=CONTRACT))
    assert params["state"] == "state-1" and params["code"]
    integrations = emulator.snapshot()["integrations"]
    assert {(i["integrationContext"], i["integrationType"]) for i in integrations} == {
        (ORG, "ONE_CLICK_EXPORT"),
        (ORG, "IN_ATS_INDICATOR"),
        (ORG, "PROFILE_PLUGIN"),
        (CONTRACT, "CSA_API"),
    }
    assert all(i["status"] == "REQUESTED" and i["clientId"] == child.client_id for i in integrations)
    assert all(i["tenantType"] == "RECRUITER" and i["dataProvider"] == "ATS" for i in integrations)


def test_code_exchange_returns_a_member_token_and_the_integration_request(li: LinkedIn) -> None:
    child = li.provision()
    li.add_member()
    code = redirect_query(li.click_request(child))["code"]
    resp = exchange(li, child, code)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["expires_in"] == 5_184_000 and body["scope"] == "r_liteprofile"
    request = body["integration_request"]
    assert request["requestId"]
    assert {(i["integrationContext"], i["integrationType"], i["tenantType"]) for i in request["integrations"]} == {
        (ORG, "ONE_CLICK_EXPORT", "RECRUITER"),
        (ORG, "IN_ATS_INDICATOR", "RECRUITER"),
        (ORG, "PROFILE_PLUGIN", "RECRUITER"),
        (CONTRACT, "CSA_API", "RECRUITER"),
    }
    me = requests.get(f"{li.api}/me", headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5)
    assert me.status_code == 200 and me.json()["id"] == "m1"
    assert requests.get(f"{li.api}/me", headers=child.auth, timeout=5).status_code == 403
    # the member token is not an application token
    named = li.name_all(Child(child.client_id, child.client_secret, child.key, body["access_token"]))
    assert named.status_code == 403


def test_code_is_single_use(li: LinkedIn) -> None:
    child = li.provision()
    li.add_member()
    code = redirect_query(li.click_request(child))["code"]
    assert exchange(li, child, code).status_code == 200
    again = exchange(li, child, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_expires(li: LinkedIn) -> None:
    child = li.provision()
    li.add_member()
    code = redirect_query(li.click_request(child))["code"]
    li.emu.clock.advance(1800)
    resp = exchange(li, child, code)
    assert resp.status_code == 400 and "expired" in resp.json()["error_description"]


def test_code_needs_the_same_app_and_redirect_uri(li: LinkedIn) -> None:
    child = li.provision("cust-1", oauth2AuthorizedCallbackUrls=[CALLBACK, "https://ats.example.com/other"])
    other = li.provision("cust-2")
    li.add_member()
    code = redirect_query(li.click_request(child))["code"]
    wrong_uri = exchange(li, child, code, "https://ats.example.com/other")
    assert wrong_uri.status_code == 400 and wrong_uri.json()["error"] == "invalid_request"
    wrong_app = exchange(li, other, code)
    assert wrong_app.status_code == 400 and wrong_app.json()["error"] == "invalid_request"
    assert exchange(li, child, "made-up").json()["error"] == "invalid_grant"
    assert exchange(li, child, code).status_code == 200  # the failed attempts did not burn it


def test_invalid_authorization_requests_never_redirect(li: LinkedIn) -> None:
    child = li.provision()
    for overrides in (
        {"redirect_uri": "https://evil.example.com/cb"},
        {"client_id": "unknown"},
        {"client_id": "partner-id"},
        {"response_type": "token"},
        {"state": ""},
    ):
        form = li.authorization_form(child, **overrides)
        page = requests.get(f"{li.oauth}/authorization", params=form, allow_redirects=False, timeout=5)
        assert page.status_code == 400, overrides
        assert "Location" not in page.headers
        clicked = requests.post(
            f"{li.oauth}/authorization",
            data={**form, "member": "m1", "action": "request"},
            allow_redirects=False,
            timeout=5,
        )
        assert clicked.status_code == 400 and "Location" not in clicked.headers


def test_unknown_member_is_401(li: LinkedIn) -> None:
    child = li.provision()
    resp = li.click_request(child, member="ghost")
    assert resp.status_code == 401 and "Location" not in resp.headers


def test_lite_only_member_is_refused_and_nothing_is_recorded(li: LinkedIn, emulator: LinkedInEmulator) -> None:
    child = li.provision()
    li.add_member(contracts=[LITE])
    for fields in ({}, {"contract": "urn:li:contract:900"}):
        resp = li.click_request(child, **fields)
        assert resp.status_code == 403
        assert "Location" not in resp.headers
        assert "Recruiter System Connect is not available for Recruiter Lite contracts" in resp.text
    widget = requests.post(
        f"{li.base}/_control/widget-request", json={"clientId": child.client_id, "member": "m1"}, timeout=5
    )
    assert widget.status_code == 403
    snapshot = emulator.snapshot()
    assert snapshot["integrations"] == [] and snapshot["integrationRequests"] == []


def test_member_with_two_contracts_must_choose(li: LinkedIn) -> None:
    child = li.provision()
    li.add_member(contracts=[ACME, RPS, LITE])
    resp = li.click_request(child)
    assert resp.status_code == 400
    assert CONTRACT in resp.text and "urn:li:contract:124" in resp.text
    chosen = redirect_query(li.click_request(child, contract="urn:li:contract:124"))
    assert chosen["code"]


def test_contract_without_a_seat_is_403(li: LinkedIn) -> None:
    child = li.provision()
    li.add_member()
    li.add_member("m2", contracts=[RPS])
    resp = li.click_request(child, contract="urn:li:contract:124")
    assert resp.status_code == 403 and "no seat" in resp.text


def test_cancel_redirects_with_user_cancelled_authorize(li: LinkedIn) -> None:
    child = li.provision()
    form = {**li.authorization_form(child), "action": "cancel"}
    resp = requests.post(f"{li.oauth}/authorization", data=form, allow_redirects=False, timeout=5)
    params = redirect_query(resp)
    assert params["error"] == "user_cancelled_authorize" and params["state"] == "state-1"
    assert params["error_description"]


def test_widget_request_returns_the_onintegrate_payload(li: LinkedIn) -> None:
    child = li.provision()
    li.add_member()
    payload = li.widget_request(child, contract=None)
    assert payload["requestId"] and len(payload["integrations"]) == 4
    bundled = requests.post(
        f"{li.base}/_control/widget-request",
        json={"clientId": child.client_id, "member": "m1", "bundled": True},
        timeout=5,
    ).json()
    assert {(i["integrationContext"], i["integrationType"]) for i in bundled["integrations"]} == {
        (ORG, "RECRUITER_SYSTEM_CONNECT_COMPANY"),
        (CONTRACT, "RECRUITER_SYSTEM_CONNECT_CONTRACT"),
    }


def test_a_second_request_keeps_the_existing_integrations(li: LinkedIn, emulator: LinkedInEmulator) -> None:
    child = li.provision()
    li.add_member()
    li.widget_request(child)
    assert li.name_all(child).status_code == 200
    li.widget_request(child)
    statuses = {i["status"] for i in emulator.snapshot()["integrations"]}
    assert statuses == {"PARTNER_READY"}


def test_members_control_api_validates_and_lists(li: LinkedIn) -> None:
    bad = li.control("POST", "members", json={"memberId": "m9", "contracts": [{**ACME, "type": "RECRUITER_GOLD"}]})
    assert bad.status_code == 400
    li.add_member()
    clash = li.control("POST", "members", json={"memberId": "m2", "contracts": [{**ACME, "organizationId": "999"}]})
    assert clash.status_code == 409
    assert [m["memberId"] for m in li.control("GET", "members").json()] == ["m1"]
