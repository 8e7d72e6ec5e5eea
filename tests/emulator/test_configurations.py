"""The atsIntegrations/{key}/configurations sub-resource: BATCH_UPDATE / BATCH_GET / BATCH_DELETE and its rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests

from linkedin_emulator import LinkedInEmulator
from tests.emulator.support import ORG, Child, LinkedIn, key_string

PUSH_URL = "https://ats.example.com/linkedin/push/acme"


def config_url(li: LinkedIn, kind: str = "ONE_CLICK_EXPORT", key: str | None = None) -> str:
    return f"{li.api}/atsIntegrations/{key or key_string(ORG, kind)}/configurations"


def put(
    li: LinkedIn, child: Child, entities: dict[str, Any], ids: list[str], kind: str = "ONE_CLICK_EXPORT"
) -> requests.Response:
    return requests.put(
        config_url(li, kind),
        params=[("ids", i) for i in ids],
        json={"entities": entities},
        headers={**child.auth, "X-RestLi-Method": "batch_update"},
        timeout=5,
    )


def value(text: str) -> dict[str, Any]:
    return {"configurationValue": {"string": text}}


def test_put_get_delete_round_trip(li: LinkedIn, onboarded: Child) -> None:
    entities = {"CALLBACK_URL": value(PUSH_URL), "JOB_POSTING_VIEWERS": value("ALL_PRODUCT_USERS")}
    resp = put(li, onboarded, entities, ["CALLBACK_URL", "JOB_POSTING_VIEWERS"])
    assert resp.status_code == 200
    assert resp.json() == {
        "results": {"CALLBACK_URL": {"status": 204}, "JOB_POSTING_VIEWERS": {"status": 204}},
        "errors": {},
    }
    got = requests.get(
        config_url(li),
        params=[("ids", "CALLBACK_URL"), ("ids", "JOB_POSTING_VIEWERS")],
        headers=onboarded.auth,
        timeout=5,
    ).json()
    assert got["results"] == {"CALLBACK_URL": value(PUSH_URL), "JOB_POSTING_VIEWERS": value("ALL_PRODUCT_USERS")}
    assert got["statuses"] == {"CALLBACK_URL": 200, "JOB_POSTING_VIEWERS": 200}
    deleted = requests.delete(config_url(li), params={"ids": "JOB_POSTING_VIEWERS"}, headers=onboarded.auth, timeout=5)
    assert deleted.json() == {"results": {"JOB_POSTING_VIEWERS": {"status": 204}}, "errors": {}}
    again = requests.delete(config_url(li), params={"ids": "JOB_POSTING_VIEWERS"}, headers=onboarded.auth, timeout=5)
    assert again.json()["errors"]["JOB_POSTING_VIEWERS"]["status"] == 404
    after = requests.get(
        config_url(li), params={"ids": "JOB_POSTING_VIEWERS"}, headers=onboarded.auth, timeout=5
    ).json()
    assert after["errors"]["JOB_POSTING_VIEWERS"]["status"] == 404 and after["results"] == {}


def test_application_viewers_belongs_to_the_in_ats_indicator(li: LinkedIn, onboarded: Child) -> None:
    ok = put(
        li, onboarded, {"APPLICATION_VIEWERS": value("ALL_PRODUCT_USERS")}, ["APPLICATION_VIEWERS"], "IN_ATS_INDICATOR"
    )
    assert ok.json()["results"] == {"APPLICATION_VIEWERS": {"status": 204}}
    wrong = put(li, onboarded, {"APPLICATION_VIEWERS": value("ALL_PRODUCT_USERS")}, ["APPLICATION_VIEWERS"])
    assert wrong.status_code == 200 and wrong.json()["errors"]["APPLICATION_VIEWERS"]["status"] == 422
    callback_on_indicator = put(li, onboarded, {"CALLBACK_URL": value(PUSH_URL)}, ["CALLBACK_URL"], "IN_ATS_INDICATOR")
    assert callback_on_indicator.json()["errors"]["CALLBACK_URL"]["status"] == 422


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("CALLBACK_URL", {"configurationValue": PUSH_URL}),
        ("CALLBACK_URL", {"configurationValue": {"url": PUSH_URL}}),
        ("CALLBACK_URL", {"configurationValue": {"string": PUSH_URL, "int": 1}}),
        ("CALLBACK_URL", {"configurationValue": {"string": 42}}),
        ("CALLBACK_URL", {"value": {"string": PUSH_URL}}),
        ("CALLBACK_URL", value("not a url")),
        ("CALLBACK_URL", value("/relative")),
        ("JOB_POSTING_VIEWERS", value("SOME_USERS")),
    ],
)
def test_invalid_values_are_per_entity_422(li: LinkedIn, onboarded: Child, name: str, entity: dict[str, Any]) -> None:
    resp = put(li, onboarded, {name: entity}, [name])
    assert resp.status_code == 200
    assert resp.json()["results"] == {} and resp.json()["errors"][name]["status"] == 422


def test_callback_url_is_unique_per_customer(li: LinkedIn, onboarded: Child) -> None:
    assert put(li, onboarded, {"CALLBACK_URL": value(PUSH_URL)}, ["CALLBACK_URL"]).json()["errors"] == {}
    assert put(li, onboarded, {"CALLBACK_URL": value(PUSH_URL)}, ["CALLBACK_URL"]).json()["errors"] == {}  # same app
    other = li.provision("cust-2")
    li.add_member(
        "m2", contracts=[{"contractId": "777", "name": "B", "type": "RECRUITER_CORPORATE", "organizationId": "778"}]
    )
    li.widget_request(other, "m2", "urn:li:contract:777")
    resp = requests.put(
        config_url(li, key=key_string("urn:li:organization:778", "ONE_CLICK_EXPORT")),
        params={"ids": "CALLBACK_URL"},
        json={"entities": {"CALLBACK_URL": value(PUSH_URL)}},
        headers={**other.auth, "X-RestLi-Method": "batch_update"},
        timeout=5,
    )
    assert resp.json()["errors"]["CALLBACK_URL"]["status"] == 422
    assert "unique" in resp.json()["errors"]["CALLBACK_URL"]["message"]


def test_ids_must_equal_entity_keys_and_be_known(li: LinkedIn, onboarded: Child) -> None:
    mismatch = put(li, onboarded, {"CALLBACK_URL": value(PUSH_URL)}, ["CALLBACK_URL", "JOB_POSTING_VIEWERS"])
    assert mismatch.status_code == 400
    unknown = put(li, onboarded, {"COLOR": value("blue")}, ["COLOR"])
    assert unknown.status_code == 400
    none = requests.get(config_url(li), headers=onboarded.auth, timeout=5)
    assert none.status_code == 400
    repeated = put(li, onboarded, {"CALLBACK_URL": value(PUSH_URL)}, ["CALLBACK_URL", "CALLBACK_URL"])
    assert repeated.status_code == 400


def test_put_needs_batch_update_and_json(li: LinkedIn, onboarded: Child) -> None:
    body = {"entities": {"CALLBACK_URL": value(PUSH_URL)}}
    no_header = requests.put(
        config_url(li), params={"ids": "CALLBACK_URL"}, json=body, headers=onboarded.auth, timeout=5
    )
    assert no_header.status_code == 400
    not_json = requests.put(
        config_url(li),
        params={"ids": "CALLBACK_URL"},
        data="entities=1",
        headers={**onboarded.auth, "X-RestLi-Method": "batch_update", "Content-Type": "text/plain"},
        timeout=5,
    )
    assert not_json.status_code == 415


def test_parent_key_parsing_is_strict_and_order_independent(li: LinkedIn, onboarded: Child) -> None:
    shuffled = "tenantType=RECRUITER&dataProvider=ATS&integrationType=ONE_CLICK_EXPORT&integrationContext=" + quote(
        ORG, safe=""
    )
    fully_encoded = quote(key_string(ORG, "ONE_CLICK_EXPORT"), safe="")
    for key in (shuffled, fully_encoded):
        resp = requests.put(
            config_url(li, key=key),
            params={"ids": "CALLBACK_URL"},
            json={"entities": {"CALLBACK_URL": value(PUSH_URL)}},
            headers={**onboarded.auth, "X-RestLi-Method": "batch_update"},
            timeout=5,
        )
        assert resp.status_code == 200 and resp.json()["errors"] == {}, resp.text
    missing = "integrationContext=" + ORG + "&integrationType=ONE_CLICK_EXPORT&tenantType=RECRUITER"
    resp = requests.get(config_url(li, key=missing), params={"ids": "CALLBACK_URL"}, headers=onboarded.auth, timeout=5)
    assert resp.status_code == 400 and "lacks dataProvider" in resp.json()["message"]


def test_only_the_owning_app_may_touch_configurations(li: LinkedIn, onboarded: Child) -> None:
    stranger = li.provision("cust-2")
    resp = put(li, stranger, {"CALLBACK_URL": value(PUSH_URL)}, ["CALLBACK_URL"])
    assert resp.status_code == 404
    got = requests.get(config_url(li), params={"ids": "CALLBACK_URL"}, headers=stranger.auth, timeout=5)
    assert got.status_code == 404


def test_https_on_443_or_80_is_required_without_insecure_callbacks() -> None:
    with LinkedInEmulator(allow_insecure_callbacks=False) as strict:
        li = LinkedIn(strict)
        child = li.provision()
        li.add_member()
        li.widget_request(child)
        for url in ("http://127.0.0.1:9000/push", "https://ats.example.com:8443/push"):
            resp = put(li, child, {"CALLBACK_URL": value(url)}, ["CALLBACK_URL"])
            assert resp.json()["errors"]["CALLBACK_URL"]["status"] == 422, url
        for url in ("https://ats.example.com/push", "https://ats.example.com:443/push2"):
            assert put(li, child, {"CALLBACK_URL": value(url)}, ["CALLBACK_URL"]).json()["errors"] == {}, url


def test_plain_http_is_fine_with_insecure_callbacks(li: LinkedIn, onboarded: Child) -> None:
    resp = put(li, onboarded, {"CALLBACK_URL": value("http://127.0.0.1:9000/push")}, ["CALLBACK_URL"])
    assert resp.json()["errors"] == {}
