"""Client-credentials tokens, their expiry on the emulator's clock, token errors and token permissions."""

from __future__ import annotations

import pytest
import requests

from tests.emulator.support import PARTNER_ID, PARTNER_SECRET, LinkedIn


def post_token(li: LinkedIn, data: dict[str, str], **kwargs: object) -> requests.Response:
    return requests.post(f"{li.oauth}/accessToken", data=data, timeout=5, **kwargs)  # type: ignore[arg-type]


def find(li: LinkedIn, headers: dict[str, str]) -> requests.Response:
    return requests.get(
        f"{li.api}/provisionedApplications",
        params={"q": "credentialsByUniqueForeignId", "uniqueForeignId": "nobody"},
        headers=headers,
        timeout=5,
    )


def test_client_credentials_token_is_opaque_and_lasts_1800_seconds(li: LinkedIn) -> None:
    resp = post_token(
        li, {"grant_type": "client_credentials", "client_id": PARTNER_ID, "client_secret": PARTNER_SECRET}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["expires_in"] == 1800
    assert len(body["access_token"]) > 40
    assert body["access_token"] != li.token(PARTNER_ID, PARTNER_SECRET)


def test_token_expires_after_1800_seconds_not_before(li: LinkedIn) -> None:
    auth = li.partner_auth()
    li.emu.clock.advance(1799)
    assert find(li, auth).status_code == 200
    li.emu.clock.advance(1)
    resp = find(li, auth)
    assert resp.status_code == 401
    assert resp.json() == {
        "status": 401,
        "serviceErrorCode": 65602,
        "message": "The token used in the request has expired",
    }


def test_clock_control_api_expires_tokens_too(li: LinkedIn) -> None:
    auth = li.partner_auth()
    assert li.control("POST", "clock", json={"advanceSeconds": 1800}).json()["now"] == pytest.approx(1_750_001_800)
    assert find(li, auth).status_code == 401
    assert li.control("GET", "clock").json()["frozen"] is True


def test_unknown_and_missing_tokens_are_401(li: LinkedIn) -> None:
    resp = find(li, {"Authorization": "Bearer not-a-token"})
    assert resp.status_code == 401
    assert resp.json() == {"status": 401, "serviceErrorCode": 65600, "message": "Invalid access token"}
    missing = find(li, {})
    assert missing.status_code == 401
    assert missing.json()["message"] == "Empty oauth2_access_token"
    assert find(li, {"Authorization": "Basic abc"}).json()["serviceErrorCode"] == 65600


@pytest.mark.parametrize(
    ("data", "status", "error", "description"),
    [
        (
            {"grant_type": "client_credentials", "client_id": PARTNER_ID, "client_secret": "wrong"},
            401,
            "invalid_client_id",
            "Client authentication failed",
        ),
        (
            {"client_id": PARTNER_ID, "client_secret": PARTNER_SECRET},
            400,
            "invalid_request",
            'A required parameter "grant_type" is missing',
        ),
        (
            {"grant_type": "client_credentials", "client_secret": PARTNER_SECRET},
            400,
            "invalid_request",
            'A required parameter "client_id" is missing',
        ),
        (
            {"grant_type": "client_credentials", "client_id": PARTNER_ID},
            400,
            "invalid_request",
            'A required parameter "client_secret" is missing',
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nope", "client_secret": "x"},
            400,
            "invalid_client_id",
            'The passed in client_id is invalid "nope"',
        ),
    ],
)
def test_token_errors_of_the_documented_table(
    li: LinkedIn, data: dict[str, str], status: int, error: str, description: str
) -> None:
    resp = post_token(li, data)
    assert resp.status_code == status
    assert resp.json() == {"error": error, "error_description": description}


def test_access_denied_when_the_app_may_not_create_application_tokens(li: LinkedIn) -> None:
    child = li.provision()
    assert li.control("POST", f"apps/{child.client_id}", json={"allowClientCredentials": False}).status_code == 200
    resp = post_token(
        li, {"grant_type": "client_credentials", "client_id": child.client_id, "client_secret": child.client_secret}
    )
    assert resp.status_code == 401
    assert resp.json() == {
        "error": "access_denied",
        "error_description": "This application is not allowed to create application tokens",
    }


def test_token_requests_must_be_a_form_post(li: LinkedIn) -> None:
    creds = {"grant_type": "client_credentials", "client_id": PARTNER_ID, "client_secret": PARTNER_SECRET}
    by_get = requests.get(f"{li.oauth}/accessToken", params=creds, timeout=5)
    assert by_get.status_code == 400 and by_get.json()["error"] == "invalid_request"
    in_query = requests.post(f"{li.oauth}/accessToken", params=creds, timeout=5)
    assert in_query.status_code == 400 and "query" in in_query.json()["error_description"]
    as_json = requests.post(f"{li.oauth}/accessToken", json=creds, timeout=5)
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    unsupported = post_token(li, {**creds, "grant_type": "password"})
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_grant_type"
    assert requests.put(f"{li.oauth}/accessToken", data=creds, timeout=5).status_code == 405


def test_partner_token_is_only_for_provisioning_and_child_token_never(li: LinkedIn) -> None:
    child = li.provision()
    forbidden = find(li, child.auth)
    assert forbidden.status_code == 403
    assert forbidden.json() == {
        "status": 403,
        "serviceErrorCode": 100,
        "message": "Not enough permissions to access: GET /provisionedApplications",
    }
    partner_on_integrations = requests.get(
        f"{li.api}/atsIntegrations", params={"q": "request", "requestId": "x"}, headers=li.partner_auth(), timeout=5
    )
    assert partner_on_integrations.status_code == 403
    assert partner_on_integrations.json()["serviceErrorCode"] == 100


def test_request_log_redacts_tokens_and_secrets(li: LinkedIn) -> None:
    li.control("DELETE", "requests")
    auth = li.partner_auth()
    find(li, auth)
    find(li, {"Authorization": "Bearer forged"})
    log = li.control("GET", "requests").json()
    token_call, good, forged = log
    assert token_call["path"] == "/oauth/v2/accessToken"
    assert "partner-secret" not in token_call["body"] and "client_secret=%3Credacted%3E" in token_call["body"]
    assert good["headers"]["Authorization"] == f"Bearer <redacted:{PARTNER_ID}>"
    assert good["app"] == PARTNER_ID and good["status"] == 200 and good["method"] == "GET"
    assert good["query"] == "q=credentialsByUniqueForeignId&uniqueForeignId=nobody"
    assert forged["headers"]["Authorization"] == "Bearer <redacted:unknown>" and forged["app"] is None
    assert all("/_control" not in entry["path"] for entry in log)
