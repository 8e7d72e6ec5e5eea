"""provisionedApplications: CREATE, 409, PARTIAL_UPDATE, FINDER and LinkedIn's validation rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.emulator.support import LinkedIn

VALID = {"uniqueForeignId": "cust-1", "name": "My ATS - Acme", "description": "Acme's instance"}


def create(li: LinkedIn, body: Any, **kwargs: Any) -> requests.Response:
    headers = {**li.partner_auth(), **kwargs.pop("headers", {})}
    return requests.post(f"{li.api}/provisionedApplications", json=body, headers=headers, timeout=5, **kwargs)


def find(li: LinkedIn, foreign_id: str) -> requests.Response:
    return requests.get(
        f"{li.api}/provisionedApplications",
        params={"q": "credentialsByUniqueForeignId", "uniqueForeignId": foreign_id},
        headers=li.partner_auth(),
        timeout=5,
    )


def update(li: LinkedIn, key: str, body: Any) -> requests.Response:
    return requests.post(
        f"{li.api}/provisionedApplications/{quote(key, safe='')}", json=body, headers=li.partner_auth(), timeout=5
    )


def test_create_returns_201_key_and_snake_case_credentials(li: LinkedIn) -> None:
    resp = create(li, {**VALID, "oauth2AuthorizedCallbackUrls": ["https://ats.example.com/cb"]})
    assert resp.status_code == 201
    body = resp.json()
    assert body["key"].startswith("urn:li:developerApplication:")
    assert resp.headers["x-restli-id"] == body["key"]
    assert set(body["credentials"]) == {"client_id", "client_secret"}
    assert li.token(body["credentials"]["client_id"], body["credentials"]["client_secret"])


def test_duplicate_unique_foreign_id_is_409(li: LinkedIn) -> None:
    assert create(li, VALID).status_code == 201
    again = create(li, {**VALID, "name": "Another name"})
    assert again.status_code == 409
    assert again.json()["status"] == 409 and "cust-1" in again.json()["message"]
    assert len(find(li, "cust-1").json()["elements"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALID, "name": "LinkedIn connector"}, "name"),
        ({**VALID, "name": "My ATS - linkedin"}, "name"),
        ({**VALID, "name": "x" * 51}, "name"),
        ({k: v for k, v in VALID.items() if k != "description"}, "description"),
        ({k: v for k, v in VALID.items() if k != "uniqueForeignId"}, "uniqueForeignId"),
        ({**VALID, "name": ""}, "name"),
        ({**VALID, "validJsSdkDomains": ["https://ats.example.com/"]}, "validJsSdkDomains"),
        ({**VALID, "validJsSdkDomains": "https://ats.example.com"}, "validJsSdkDomains"),
        ({**VALID, "validJsSdkDomains": ["ats.example.com"]}, "validJsSdkDomains"),
        ({**VALID, "oauth2AuthorizedCallbackUrls": ["/relative/cb"]}, "oauth2AuthorizedCallbackUrls"),
        ({**VALID, "oauth2AuthorizedCallbackUrls": ["ftp://x.example.com/cb"]}, "oauth2AuthorizedCallbackUrls"),
        ({**VALID, "color": "blue"}, "color"),
    ],
)
def test_create_validation_names_the_field(li: LinkedIn, body: dict[str, Any], field: str) -> None:
    resp = create(li, body)
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["message"]


def test_name_of_exactly_50_characters_is_fine(li: LinkedIn) -> None:
    assert create(li, {**VALID, "name": "x" * 50}).status_code == 201


def test_create_needs_a_json_object_body(li: LinkedIn) -> None:
    as_form = requests.post(f"{li.api}/provisionedApplications", data=VALID, headers=li.partner_auth(), timeout=5)
    assert as_form.status_code == 415
    broken = create(li, None, data="{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["message"]
    assert create(li, ["a list"]).status_code == 400


def test_partial_update_sets_fields_and_answers_204(li: LinkedIn) -> None:
    key = create(li, VALID).json()["key"]
    patch = {"$set": {"validJsSdkDomains": ["http://localhost:8000", "http://localhost:5000"], "name": "Renamed"}}
    resp = update(li, key, {"patch": patch})
    assert resp.status_code == 204 and resp.content == b""
    element = find(li, "cust-1").json()["elements"][0]
    assert element["validJsSdkDomains"] == ["http://localhost:8000", "http://localhost:5000"]
    assert element["name"] == "Renamed" and element["description"] == "Acme's instance"
    unencoded = requests.post(
        f"{li.api}/provisionedApplications/{key}",
        json={"patch": {"$set": {"oauth2AuthorizedCallbackUrls": ["https://ats.example.com/cb2"]}}},
        headers=li.partner_auth(),
        timeout=5,
    )
    assert unencoded.status_code == 204
    assert find(li, "cust-1").json()["elements"][0]["oauth2AuthorizedCallbackUrls"] == ["https://ats.example.com/cb2"]


@pytest.mark.parametrize(
    "body",
    [
        {"patch": {"$set": {"uniqueForeignId": "other"}}},
        {"patch": {"$set": {"name": "LinkedIn Tool"}}},
        {"patch": {"$set": {"validJsSdkDomains": ["https://a.example.com/"]}}},
        {"patch": {"$delete": ["name"]}},
        {"$set": {"name": "x"}},
    ],
)
def test_partial_update_validation(li: LinkedIn, body: dict[str, Any]) -> None:
    key = create(li, VALID).json()["key"]
    assert update(li, key, body).status_code == 400


def test_partial_update_of_unknown_app_is_404(li: LinkedIn) -> None:
    resp = update(li, "urn:li:developerApplication:999", {"patch": {"$set": {"name": "x"}}})
    assert resp.status_code == 404
    assert update(li, "urn:li:developerApplication:1", {"patch": {"$set": {"name": "x"}}}).status_code == 404


def test_finder_returns_elements_with_credentials_and_paging(li: LinkedIn) -> None:
    created = create(li, {**VALID, "validJsSdkDomains": ["https://ats.example.com"]}).json()
    page = find(li, "cust-1").json()
    assert page["paging"]["start"] == 0 and page["paging"]["count"] == 10 and page["paging"]["links"] == []
    (element,) = page["elements"]
    assert element["key"] == created["key"]
    assert element["credentials"] == created["credentials"]
    assert element["uniqueForeignId"] == "cust-1" and element["name"] == "My ATS - Acme"
    assert element["validJsSdkDomains"] == ["https://ats.example.com"]
    assert element["oauth2AuthorizedCallbackUrls"] == []
    assert find(li, "someone-else").json()["elements"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"uniqueForeignId": "cust-1"},
        {"q": "byName", "uniqueForeignId": "cust-1"},
        {"q": "credentialsByUniqueForeignId"},
        {"q": "credentialsByUniqueForeignId", "uniqueForeignId": "x", "extra": "1"},
    ],
)
def test_finder_needs_the_right_q_and_parameters(li: LinkedIn, params: dict[str, str]) -> None:
    resp = requests.get(f"{li.api}/provisionedApplications", params=params, headers=li.partner_auth(), timeout=5)
    assert resp.status_code == 400
