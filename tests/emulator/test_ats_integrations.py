"""atsIntegrations: strict protocol-1.0 keys, BATCH_PARTIAL_UPDATE, BATCH_GET and the q=request finder."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.emulator.support import CONTRACT, ORG, RSC_KEYS, Child, LinkedIn, canonical, key_query, key_string

BPU = {"X-RestLi-Method": "batch_partial_update"}
ONE = [(ORG, "ONE_CLICK_EXPORT")]


def bpu(li: LinkedIn, child: Child, query: str, entities: Any, **headers: str) -> requests.Response:
    return requests.post(
        f"{li.api}/atsIntegrations?{query}",
        json={"entities": entities},
        headers={**child.auth, **BPU, **headers},
        timeout=5,
    )


def name_patch(name: str = "Acme One-Click Export") -> dict[str, Any]:
    return {"patch": {"$set": {"integrationName": name}}}


def batch_get(li: LinkedIn, child: Child, query: str) -> requests.Response:
    return requests.get(f"{li.api}/atsIntegrations?{query}", headers=child.auth, timeout=5)


def test_naming_all_four_moves_them_to_partner_ready(li: LinkedIn, onboarded: Child) -> None:
    resp = li.name_all(onboarded)
    assert resp.status_code == 200
    assert resp.json() == {"results": {canonical(c, k): {"status": 204} for c, k in RSC_KEYS}, "errors": {}}
    got = batch_get(li, onboarded, key_query(RSC_KEYS)).json()
    assert got["errors"] == {}
    assert got["statuses"] == {canonical(c, k): 200 for c, k in RSC_KEYS}
    entity = got["results"][canonical(ORG, "ONE_CLICK_EXPORT")]
    assert entity == {
        "integrationContext": ORG,
        "integrationType": "ONE_CLICK_EXPORT",
        "tenantType": "RECRUITER",
        "dataProvider": "ATS",
        "integrationName": "Acme ONE_CLICK_EXPORT",
        "status": "PARTNER_READY",
        "lastModifiedAt": 1_750_000_000_000,
    }


def test_keys_in_any_order_and_encoding(li: LinkedIn, onboarded: Child) -> None:
    pairs = key_query(RSC_KEYS).split("&")
    random.Random(7).shuffle(pairs)  # params of one index and the indexes themselves in any order
    encoded = "&".join(f"{quote(p.split('=')[0])}={quote(p.split('=', 1)[1], safe='')}" for p in pairs)
    entities = {}
    for context, kind in reversed(RSC_KEYS):
        fields = key_string(context, kind).split("&")
        random.Random(3).shuffle(fields)
        entities["&".join(fields).replace(":", "%3A")] = name_patch(kind)
    resp = bpu(li, onboarded, encoded, entities)
    assert resp.status_code == 200, resp.text
    assert set(resp.json()["results"]) == {canonical(c, k) for c, k in RSC_KEYS}


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        (key_query(ONE).replace("&ids[0].dataProvider=ATS", ""), "lacks dataProvider"),
        (key_query(ONE) + "&" + key_query([(ORG, "IN_ATS_INDICATOR")]).replace("ids[0]", "ids[2]"), "without gaps"),
        (key_query(ONE) + "&ids[0].color=blue", "unknown key field"),
        (key_query(ONE) + "&ids[0].tenantType=RECRUITER", "more than once"),
        (key_query([(CONTRACT, "ONE_CLICK_EXPORT")]), "organization URN"),
        (key_query([(ORG, "CSA_API")]), "contract URN"),
        (key_query([(ORG, "EXPORT_EVERYTHING")]), "unknown integrationType"),
        (key_query(ONE).replace("dataProvider=ATS", "dataProvider=CRM"), "dataProvider"),
        (key_query(ONE).replace("ids[0].", "ids[01]."), "ids[<index>]"),
        (key_query(ONE).replace("ids[0].", "ids.0."), "ids[<index>]"),
        (key_query(ONE + ONE), "more than once"),
        ("", "no ids"),
    ],
)
def test_malformed_keys_are_400(li: LinkedIn, onboarded: Child, query: str, detail: str) -> None:
    for resp in (bpu(li, onboarded, query, {key_string(*ONE[0]): name_patch()}), batch_get(li, onboarded, query)):
        assert resp.status_code == 400, resp.text
        assert detail in resp.json()["message"]


def test_more_than_100_keys_is_400(li: LinkedIn, onboarded: Child) -> None:
    keys = [(f"urn:li:organization:{n}", "ONE_CLICK_EXPORT") for n in range(101)]
    query = key_query(keys)
    resp = requests.post(
        f"{li.api}/atsIntegrations",
        data=query,
        headers={
            **onboarded.auth,
            "X-HTTP-Method-Override": "GET",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=5,
    )
    assert resp.status_code == 400 and "Too many keys" in resp.json()["message"]


def test_body_keys_must_equal_the_url_keys(li: LinkedIn, onboarded: Child) -> None:
    two = [(ORG, "ONE_CLICK_EXPORT"), (ORG, "IN_ATS_INDICATOR")]
    only_one = bpu(li, onboarded, key_query(two), {key_string(*two[0]): name_patch()})
    assert only_one.status_code == 400 and "exactly the ids" in only_one.json()["message"]
    other = bpu(li, onboarded, key_query(ONE), {key_string(ORG, "PROFILE_PLUGIN"): name_patch()})
    assert other.status_code == 400
    broken = bpu(li, onboarded, key_query(ONE), {"integrationContext=" + ORG: name_patch()})
    assert broken.status_code == 400 and "Malformed key" in broken.json()["message"]
    not_a_patch = bpu(li, onboarded, key_query(ONE), {key_string(*ONE[0]): {"integrationName": "x"}})
    assert not_a_patch.status_code == 400


def test_post_without_the_method_header_is_400(li: LinkedIn, onboarded: Child) -> None:
    body = {"entities": {key_string(*ONE[0]): name_patch()}}
    url = f"{li.api}/atsIntegrations?{key_query(ONE)}"
    missing = requests.post(url, json=body, headers=onboarded.auth, timeout=5)
    assert missing.status_code == 400 and "X-RestLi-Method" in missing.json()["message"]
    wrong = requests.post(url, json=body, headers={**onboarded.auth, "X-RestLi-Method": "batch_update"}, timeout=5)
    assert wrong.status_code == 400
    upper = requests.post(
        url, json=body, headers={**onboarded.auth, "X-RestLi-Method": "BATCH_PARTIAL_UPDATE"}, timeout=5
    )
    assert upper.status_code == 200


def test_another_apps_key_is_a_per_entity_404(li: LinkedIn, onboarded: Child) -> None:
    stranger = li.provision("cust-2")
    li.add_member(
        "m2", contracts=[{"contractId": "777", "name": "Other", "type": "RECRUITER_CORPORATE", "organizationId": "778"}]
    )
    li.widget_request(stranger, "m2", "urn:li:contract:777")
    keys = [(ORG, "ONE_CLICK_EXPORT"), ("urn:li:organization:778", "ONE_CLICK_EXPORT")]
    entities = {key_string(c, k): name_patch() for c, k in keys}
    resp = bpu(li, onboarded, key_query(keys), entities)
    assert resp.status_code == 200
    body = resp.json()
    assert body["results"] == {canonical(*keys[0]): {"status": 204}}
    assert body["errors"][canonical(*keys[1])]["status"] == 404
    got = batch_get(li, onboarded, key_query(keys)).json()
    assert got["statuses"][canonical(*keys[1])] == 404 and canonical(*keys[1]) not in got["results"]
    # the stranger's integration was not renamed
    theirs = batch_get(li, stranger, key_query([keys[1]])).json()["results"][canonical(*keys[1])]
    assert theirs["status"] == "REQUESTED" and "integrationName" not in theirs


def test_only_integration_name_is_settable(li: LinkedIn, onboarded: Child) -> None:
    entities = {key_string(*ONE[0]): {"patch": {"$set": {"status": "ENABLED"}}}}
    resp = bpu(li, onboarded, key_query(ONE), entities)
    assert resp.status_code == 200
    assert resp.json()["errors"][canonical(*ONE[0])]["status"] == 422
    empty = bpu(li, onboarded, key_query(ONE), {key_string(*ONE[0]): name_patch("  ")})
    assert empty.json()["errors"][canonical(*ONE[0])]["status"] == 422


def test_renaming_never_moves_enabled_back(li: LinkedIn, onboarded: Child) -> None:
    li.name_all(onboarded)
    assert li.status(organization=ORG, companyLevel=True).status_code == 200
    li.name_all(onboarded)
    got = batch_get(li, onboarded, key_query(RSC_KEYS)).json()["results"]
    assert got[canonical(ORG, "ONE_CLICK_EXPORT")]["status"] == "ENABLED"
    assert got[canonical(ORG, "ONE_CLICK_EXPORT")]["enabledAt"] == 1_750_000_000_000
    assert got[canonical(CONTRACT, "CSA_API")]["status"] == "PARTNER_READY"


def test_finder_by_request_id_returns_the_requested_integrations(li: LinkedIn) -> None:
    child = li.provision()
    li.add_member()
    request_id = li.widget_request(child)["requestId"]
    resp = requests.get(
        f"{li.api}/atsIntegrations", params={"q": "request", "requestId": request_id}, headers=child.auth, timeout=5
    )
    assert resp.status_code == 200
    page = resp.json()
    assert {(e["integrationContext"], e["integrationType"]) for e in page["elements"]} == set(RSC_KEYS)
    assert page["paging"]["start"] == 0


def test_finder_refuses_unknown_foreign_and_expired_request_ids(li: LinkedIn) -> None:
    child = li.provision()
    stranger = li.provision("cust-2")
    li.add_member()
    request_id = li.widget_request(child)["requestId"]

    def find(who: Child, rid: str) -> requests.Response:
        return requests.get(
            f"{li.api}/atsIntegrations", params={"q": "request", "requestId": rid}, headers=who.auth, timeout=5
        )

    assert find(child, "no-such-id").status_code == 404
    assert find(stranger, request_id).status_code == 404
    li.emu.clock.advance(24 * 3600 - 1)
    fresh_child = Child(child.client_id, child.client_secret, child.key, li.token(child.client_id, child.client_secret))
    assert find(fresh_child, request_id).status_code == 200
    li.emu.clock.advance(1)
    assert find(fresh_child, request_id).status_code == 404
    bad_q = requests.get(f"{li.api}/atsIntegrations", params={"q": "everything"}, headers=fresh_child.auth, timeout=5)
    assert bad_q.status_code == 400
    no_id = requests.get(f"{li.api}/atsIntegrations", params={"q": "request"}, headers=fresh_child.auth, timeout=5)
    assert no_id.status_code == 400


def test_collection_methods(li: LinkedIn, onboarded: Child) -> None:
    assert requests.put(f"{li.api}/atsIntegrations", headers=onboarded.auth, timeout=5).status_code == 405
    assert requests.delete(f"{li.api}/atsIntegrations", headers=onboarded.auth, timeout=5).status_code == 405
    assert (
        requests.get(f"{li.api}/atsIntegrations/{key_string(*ONE[0])}", headers=onboarded.auth, timeout=5).status_code
        == 404
    )
