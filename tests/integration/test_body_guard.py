"""The resolver's body guard: odd JSON is a 4xx JSON error, never a 500 (regressions of the issue-7 proof suite)."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from rsc_connector.api.resolver import MAX_BODY_DEPTH
from tests.helpers import FakeLambdaContext, load_event, load_handler


def call(body: str, *, base64_encoded: bool = False) -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(load_event("kickoff_activate_valid"))
    event["body"] = body
    event["isBase64Encoded"] = base64_encoded
    result = load_handler("kickoff").lambda_handler(event, FakeLambdaContext())
    return result["statusCode"], json.loads(result["body"])


def nested(depth: int) -> Any:
    value: Any = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000,  # RecursionError in json.loads: was a 500 INTERNAL_ERROR
        '{"companyName": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"companyName": "Acme", "deep": ' + '{"k":' * 3000 + "1" + "}" * 3000 + "}",
        json.dumps({"companyName": "Acme", "deep": nested(MAX_BODY_DEPTH)}),  # beyond DynamoDB's 32 levels
    ],
)
def test_deeply_nested_bodies_are_400_invalid_json(aws: Any, body: str) -> None:
    status, payload = call(body)
    assert status == 400
    assert set(payload) == {"error"} and payload["error"]["code"] == "INVALID_JSON"


def test_a_body_within_the_depth_limit_reaches_validation(aws: Any) -> None:
    status, payload = call(json.dumps({"companyName": "Acme", "deep": nested(MAX_BODY_DEPTH - 2)}))
    assert status == 422  # the extra field, named: the guard let it through
    assert payload["error"]["details"][0]["field"] == "deep"


def test_a_base64_body_that_is_not_utf8_is_400_not_500(aws: Any) -> None:
    # Regression: API Gateway passes a non-UTF-8 body base64-encoded; Powertools' decode raised UnicodeDecodeError.
    status, payload = call(base64.b64encode(b"\xff\xfe\x00{").decode(), base64_encoded=True)
    assert status == 400 and payload["error"]["code"] == "INVALID_JSON"


def test_a_base64_encoded_json_body_is_read_like_any_other(aws: Any) -> None:
    # The guard decodes it too (it used to parse the base64 text): the missing field is named, as for plain JSON.
    status, payload = call(base64.b64encode(b'{"jobAvailability": "PUBLIC"}').decode(), base64_encoded=True)
    assert status == 422 and payload["error"]["details"][0]["field"] == "companyName"
