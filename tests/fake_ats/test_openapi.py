"""docs/ats-export-api.yaml is valid OpenAPI 3.1, and the fake ATS serves exactly what it describes."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fake_ats import RESOURCES, FakeAts
from fake_ats.app import DEFAULT_LIMIT, MAX_LIMIT
from tests.fake_ats.support import TOKEN

DOC = Path(__file__).resolve().parents[2] / "docs" / "ats-export-api.yaml"
PAGE_SCHEMAS = {
    "users": "UserPage",
    "jobs": "JobPage",
    "candidates": "CandidatePage",
    "applications": "ApplicationPage",
    "candidate-notes": "CandidateNotePage",
    "application-notes": "ApplicationNotePage",
    "stages": "StagePage",
    "interview-feedback": "InterviewFeedbackPage",
}


@functools.cache
def doc() -> dict[str, Any]:
    return yaml.safe_load(DOC.read_text())  # type: ignore[no-any-return]


def validator(schema: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        "urn:ats-export", Resource.from_contents(doc(), default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"urn:ats-export#/components/schemas/{schema}"}, registry=registry)


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(doc())
    assert doc()["openapi"] == "3.1.0"


def test_the_document_covers_exactly_the_eight_resources_and_one_user() -> None:
    one_user = "/accounts/{accountId}/users/{userId}"
    assert set(doc()["paths"]) == {f"/accounts/{{accountId}}/{resource}" for resource in RESOURCES} | {one_user}
    assert doc()["paths"][one_user]["get"]["operationId"] == "getUser"
    assert doc()["paths"][one_user]["get"]["tags"] == ["seats"]
    limit = doc()["components"]["parameters"]["Limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, MAX_LIMIT, DEFAULT_LIMIT)
    for path in doc()["paths"].values():
        assert set(path) == {"get"}
        assert {"200", "400", "401", "404", "429", "500", "503"} <= set(path["get"]["responses"])


@pytest.mark.parametrize("resource", RESOURCES)
def test_served_pages_match_the_documented_schemas(ats: FakeAts, http: requests.Session, resource: str) -> None:
    check = validator(PAGE_SCHEMAS[resource])
    ats.put_dataset("dirty", {"seed": 21, "jobs": 10, "candidates": 60, "invalid_share": 0.3})
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        resp = http.get(
            f"{ats.base_url}/accounts/dirty/{resource}", params=params, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        page = resp.json()
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(page)]
        assert errors == []
        # the fake sends every documented property, optional ones as null
        item_schema = doc()["components"]["schemas"][PAGE_SCHEMAS[resource][: -len("Page")]]
        for item in page["items"]:
            assert set(item) == set(item_schema["properties"])
        cursor = page["next_cursor"]
        if cursor is None:
            break


def test_one_user_matches_the_documented_schema(ats: FakeAts, http: requests.Session) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    resp = http.get(f"{ats.base_url}/accounts/acme/users/usr-0000000001", headers=auth)
    assert resp.status_code == 200
    assert list(validator("User").iter_errors(resp.json())) == []
    assert set(resp.json()) == set(doc()["components"]["schemas"]["User"]["properties"])
    missing = http.get(f"{ats.base_url}/accounts/acme/users/usr-9999999999", headers=auth)
    assert missing.status_code == 404 and list(validator("Error").iter_errors(missing.json())) == []


def test_errors_match_the_documented_schema(ats: FakeAts, http: requests.Session) -> None:
    check = validator("Error")
    for url, headers in (
        (f"{ats.base_url}/accounts/acme/jobs", {}),
        (f"{ats.base_url}/accounts/nobody/jobs", {"Authorization": f"Bearer {TOKEN}"}),
        (f"{ats.base_url}/accounts/acme/jobs?limit=0", {"Authorization": f"Bearer {TOKEN}"}),
    ):
        body = http.get(url, headers=headers).json()
        assert list(check.iter_errors(body)) == []
