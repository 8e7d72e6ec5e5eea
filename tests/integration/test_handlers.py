"""The real handlers with the sample events in events/: status codes and the one error shape."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.helpers import FakeLambdaContext, ats_token, load_event, load_handler


def call(function: str, event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
    result = load_handler(function).lambda_handler(event, FakeLambdaContext())
    body = json.loads(result["body"]) if result.get("body") else {}
    headers = {**(result.get("headers") or {}), **{k: v[0] for k, v in (result.get("multiValueHeaders") or {}).items()}}
    return result["statusCode"], body, headers


def assert_error(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_status_of_a_new_account_says_click_activate(aws: Any) -> None:
    status, body, _ = call("status", load_event("status_get"))
    assert status == 200
    assert body["contracts"] == [] and body["activated"] is False
    assert "ACTIVATE" in body["nextStep"]


def test_status_of_another_account_is_404_without_data(aws: Any) -> None:
    status, body, _ = call("status", load_event("status_other_account"))
    assert status == 404
    assert_error(body, "NOT_FOUND")


def test_invalid_activation_body_is_422_naming_the_field(aws: Any) -> None:
    status, body, _ = call("kickoff", load_event("kickoff_activate_invalid_body"))
    assert status == 422
    assert_error(body, "INVALID_REQUEST")
    assert body["error"]["details"][0]["field"] == "companyName"


@pytest.mark.parametrize(
    ("body", "content_type", "code", "http"),
    [
        ("{not json", "application/json", "INVALID_JSON", 400),
        ("[1, 2]", "application/json", "INVALID_JSON", 400),
        ('{"companyName": "Acme"}', "text/plain", "UNSUPPORTED_CONTENT_TYPE", 415),
        (json.dumps({"companyName": "x" * 70_000}), "application/json", "BODY_TOO_LARGE", 413),
        ('{"companyName": "Acme", "extra": 1}', "application/json", "INVALID_REQUEST", 422),
    ],
)
def test_bad_bodies_get_4xx_json_errors(aws: Any, body: str, content_type: str, code: str, http: int) -> None:
    event = copy.deepcopy(load_event("kickoff_activate_valid"))
    event["body"] = body
    event["headers"]["Content-Type"] = content_type
    event["multiValueHeaders"]["Content-Type"] = [content_type]
    status, payload, _ = call("kickoff", event)
    assert status == http
    assert_error(payload, code)


def test_non_admin_activation_is_403_naming_the_role(aws: Any) -> None:
    event = copy.deepcopy(load_event("kickoff_activate_valid"))
    event["requestContext"]["authorizer"]["role"] = "recruiter"
    status, body, _ = call("kickoff", event)
    assert status == 403
    assert_error(body, "ROLE_NOT_ALLOWED")
    assert "Admin or Owner" in body["error"]["message"]


def test_forged_oauth_state_is_400(aws: Any) -> None:
    status, body, _ = call("oauth_callback", load_event("oauth_callback_state_mismatch"))
    assert status == 400
    assert_error(body, "INVALID_OAUTH_STATE")


def test_widget_request_with_unknown_state_is_400(aws: Any) -> None:
    status, body, _ = call("oauth_callback", load_event("oauth_callback_integration_request"))
    assert status == 400
    assert_error(body, "INVALID_OAUTH_STATE")


def test_unknown_route_is_a_json_404(aws: Any) -> None:
    event = copy.deepcopy(load_event("status_get"))
    event["path"] = "/accounts/acct-1/nothing-here"
    status, body, _ = call("status", event)
    assert status == 404
    assert_error(body, "NOT_FOUND")


def test_missing_authorizer_context_is_401(aws: Any) -> None:
    event = copy.deepcopy(load_event("status_get"))
    event["requestContext"].pop("authorizer")
    status, body, _ = call("status", event)
    assert status == 401
    assert_error(body, "UNAUTHENTICATED")


def test_authorizer_refuses_bad_tokens(aws: Any) -> None:
    handler = load_handler("authorizer")
    event = load_event("authorizer_invalid_token")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler.lambda_handler(event, FakeLambdaContext())
    event = copy.deepcopy(event)
    event["headers"] = {"Authorization": "Bearer " + ats_token(key="wrong-key" * 5)}
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler.lambda_handler(event, FakeLambdaContext())
    event["headers"] = {}
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler.lambda_handler(event, FakeLambdaContext())


def test_authorizer_passes_the_callers_claims(aws: Any) -> None:
    event = copy.deepcopy(load_event("authorizer_invalid_token"))
    event["headers"] = {"authorization": "Bearer " + ats_token("acct-9", "u-7", "owner", "enterprise")}
    policy = load_handler("authorizer").lambda_handler(event, FakeLambdaContext())
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["policyDocument"]["Statement"][0]["Resource"].endswith("abcdef123/dev/*/*")
    assert policy["context"] == {"accountId": "acct-9", "userId": "u-7", "role": "owner", "plan": "enterprise"}


def test_job_availability_must_be_one_of_linkedins_values(aws: Any) -> None:
    event = copy.deepcopy(load_event("kickoff_activate_valid"))
    event["body"] = json.dumps({"companyName": "Acme", "jobAvailability": "EVERYONE"})
    status, body, _ = call("kickoff", event)
    assert status == 422
    assert body["error"]["details"][0]["field"] == "jobAvailability"


# -- seat linking ---------------------------------------------------------------------------------------------


def test_seat_routes_without_contract_level_access_are_403_naming_the_toggle(aws: Any) -> None:
    for name in ("seat_linking_seats_get", "seat_linking_link_put", "seat_linking_auto_link_dry_run"):
        status, body, _ = call("seat_linking", load_event(name))
        assert status == 403, name
        assert_error(body, "CONTRACT_LEVEL_ACCESS_REQUIRED")
        assert "ACTIVATE" in body["error"]["message"] or "contract-level access" in body["error"]["message"]


@pytest.mark.parametrize(
    ("query", "http", "code"),
    [
        ({"limit": "0"}, 422, "INVALID_REQUEST"),
        ({"limit": "100000"}, 422, "INVALID_REQUEST"),
        ({"limit": "ten"}, 422, "INVALID_REQUEST"),
        ({"linked": "maybe"}, 422, "INVALID_REQUEST"),
        ({"q": "x" * 500}, 422, "INVALID_REQUEST"),
        ({"cursor": "not-a-cursor"}, 400, "INVALID_CURSOR"),
        ({"cursor": "eyJhdHMiOiA1fQ"}, 400, "INVALID_CURSOR"),  # {"ats": 5}
    ],
)
def test_users_route_refuses_bad_query_values(aws: Any, query: dict[str, str], http: int, code: str) -> None:
    event = copy.deepcopy(load_event("seat_linking_users_get"))
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    status, body, _ = call("seat_linking", event)
    assert status == http
    assert_error(body, code)


@pytest.mark.parametrize(
    "body",
    [{}, {"seatId": ""}, {"seatId": "1", "extra": True}, {"seatId": "a b"}, {"seatId": "1", "replace": "yes"}],
)
def test_link_body_is_validated(aws: Any, body: dict[str, Any]) -> None:
    event = copy.deepcopy(load_event("seat_linking_link_put"))
    event["body"] = json.dumps(body)
    status, payload, _ = call("seat_linking", event)
    assert status == 422
    assert_error(payload, "INVALID_REQUEST")


def test_link_by_a_recruiter_is_403(aws: Any) -> None:
    event = copy.deepcopy(load_event("seat_linking_link_put"))
    event["requestContext"]["authorizer"]["role"] = "recruiter"
    status, body, _ = call("seat_linking", event)
    assert status == 403
    assert_error(body, "ROLE_NOT_ALLOWED")


def test_seat_routes_of_another_account_are_404(aws: Any) -> None:
    event = copy.deepcopy(load_event("seat_linking_seats_get"))
    event["requestContext"]["authorizer"]["accountId"] = "acct-2"
    status, body, _ = call("seat_linking", event)
    assert status == 404
    assert_error(body, "NOT_FOUND")


def test_the_scheduled_seat_refresh_runs_through_the_same_handler(aws: Any) -> None:
    result = load_handler("seat_linking").lambda_handler(load_event("seat_linking_scheduled"), FakeLambdaContext())
    assert result == {"contracts": []}
