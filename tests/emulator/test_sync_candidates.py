"""atsCandidates: BATCH_UPDATE (full replacement), BATCH_GET, BATCH_PARTIAL_UPDATE, keys, limits, notes."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.emulator.support import ORG, LinkedIn
from tests.emulator.sync_support import (
    CANDIDATE_ID,
    PUT,
    Sync,
    candidate,
    canonical,
    ids_query,
    key_string,
    multipart,
    note,
)


def cand(ats_id: str) -> str:
    return canonical(CANDIDATE_ID, ats_id)


def test_upsert_then_batch_get_with_matches(li: LinkedIn, sync: Sync) -> None:
    resp = sync.put_candidates({"C1": candidate(emailAddresses=["m1@acme.example"]), "C2": candidate()})
    assert resp.status_code == 200
    assert resp.json() == {"results": {cand("C1"): {"status": 204}, cand("C2"): {"status": 204}}, "errors": {}}
    got = sync.get_candidates(["C1", "C2", "C3"])
    assert got.status_code == 200
    body = got.json()
    assert body["statuses"] == {}
    assert body["results"][cand("C1")] == {
        **candidate(emailAddresses=["m1@acme.example"]),
        "matchedMembers": ["urn:li:person:m1"],
    }
    assert body["results"][cand("C2")]["matchedMembers"] == []
    assert body["errors"] == {cand("C3"): {"status": 404, "message": f"No candidate 'C3' in {ORG}"}}


def test_update_is_a_full_replacement(sync: Sync) -> None:
    sync.put_candidates({"C1": candidate(doNotContact=True)})
    assert sync.put_candidates({"C1": candidate(lastName=..., doNotContact=..., firstName="G.")}).status_code == 200
    stored = sync.data()["candidates"]["C1"]
    assert stored["firstName"] == "G." and stored["lastName"] is None and stored["doNotContact"] is None
    got = sync.get_candidates(["C1"]).json()["results"][cand("C1")]
    assert "lastName" not in got and "doNotContact" not in got  # Rest.li leaves absent fields out


def test_a_mix_of_valid_and_invalid_entities(sync: Sync) -> None:
    resp = sync.put_candidates({"good": candidate(), "bad": candidate(firstName=...), "good2": candidate()})
    assert resp.status_code == 200
    body = resp.json()
    assert set(body["results"]) == {cand("good"), cand("good2")}
    assert body["errors"] == {
        cand("bad"): {
            "status": 422,
            "message": "ERROR :: /firstName :: field is required but not found and has no default value\n",
        }
    }
    assert set(sync.data()["candidates"]) == {"good", "good2"}


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"atsCreatedAt": ...}, "/atsCreatedAt"),
        ({"atsCreatedAt": 0}, "/atsCreatedAt"),
        ({"atsCreatedAt": -5, "atsLastModifiedAt": 10}, "/atsCreatedAt"),
        ({"atsCreatedAt": "2024-01-01"}, "/atsCreatedAt"),
        ({"atsLastModifiedAt": ...}, "/atsLastModifiedAt"),
        ({"atsLastModifiedAt": 0}, "/atsLastModifiedAt"),
        ({"atsLastModifiedAt": 1_600_000_000_000}, "/atsLastModifiedAt"),  # earlier than atsCreatedAt
        ({"firstName": ...}, "/firstName"),
        ({"firstName": ""}, "/firstName"),
        ({"addresses": ...}, "/addresses"),
        ({"phoneNumbers": ...}, "/phoneNumbers"),
        ({"emailAddresses": ["not-an-email"]}, "/emailAddresses/0"),
        ({"emailAddresses": ["a@b"]}, "/emailAddresses/0"),
        ({"emailAddresses": "a@b.c"}, "/emailAddresses"),
        ({"phoneNumbers": [{"extension": "1"}]}, "/phoneNumbers/0/number"),
        ({"addresses": [{"city": "X", "planet": "Mars"}]}, "/addresses/0/planet"),
        ({"favouriteColour": "blue"}, "/favouriteColour"),
        ({"lastName": None}, "/lastName"),
        ({"doNotContact": "yes"}, "/doNotContact"),
        ({"manualMatchedMember": "urn:li:member:1"}, "/manualMatchedMember"),
    ],
)
def test_candidate_validation_rules(sync: Sync, overrides: dict[str, Any], path: str) -> None:
    resp = sync.put_candidates({"C1": candidate(**overrides)})
    assert resp.status_code == 200 and resp.json()["results"] == {}
    error = resp.json()["errors"][cand("C1")]
    assert error["status"] == 422
    assert f"ERROR :: {path} :: " in error["message"], error["message"]
    assert sync.data()["candidates"] == {}


def test_empty_addresses_and_phone_numbers_and_equal_timestamps_are_fine(sync: Sync) -> None:
    body = candidate(addresses=[], phoneNumbers=[], emailAddresses=..., atsLastModifiedAt=1_700_000_000_000)
    assert sync.put_candidates({"C1": body}).json()["errors"] == {}


def test_keys_in_any_order_and_encoding(li: LinkedIn, sync: Sync) -> None:
    ids = ["C 1/ü", "C2"]
    pairs = ids_query(CANDIDATE_ID, ids).split("&")
    random.Random(5).shuffle(pairs)
    first = f"integrationContext={quote(ORG, safe='')}&atsCandidateId={quote(ids[0], safe='')}&dataProvider=ATS"
    entities = {
        first: candidate(),
        f"dataProvider=ATS&atsCandidateId=C2&integrationContext={ORG}": candidate(),
    }
    resp = requests.put(
        f"{li.api}/atsCandidates?{'&'.join(pairs)}", json={"entities": entities}, headers={**sync.child.auth, **PUT}
    )
    assert resp.status_code == 200, resp.text
    assert set(resp.json()["results"]) == {
        "atsCandidateId=C+1%2F%C3%BC&dataProvider=ATS&integrationContext=urn%3Ali%3Aorganization%3A456",
        cand("C2"),
    }
    assert set(sync.data()["candidates"]) == {"C 1/ü", "C2"}


def test_request_shape_errors_are_400(li: LinkedIn, sync: Sync) -> None:
    url = f"{li.api}/atsCandidates?{ids_query(CANDIDATE_ID, ['C1', 'C2'])}"
    auth = {**sync.child.auth, **PUT}
    one = {"entities": {key_string(CANDIDATE_ID, "C1"): candidate()}}
    assert requests.put(url, json=one, headers=auth).json()["message"].startswith('The keys of "entities"')
    crm = url.replace("dataProvider=ATS", "dataProvider=CRM")
    assert "dataProvider" in requests.put(crm, json=one, headers=auth).json()["message"]
    contract = ids_query(CANDIDATE_ID, ["C1"], "urn:li:contract:123")
    assert requests.put(f"{li.api}/atsCandidates?{contract}", json=one, headers=auth).status_code == 400
    assert requests.put(url + "&color=blue", json=one, headers=auth).status_code == 400
    assert requests.put(url, json={"C1": candidate()}, headers=auth).status_code == 400
    no_method = requests.put(url, json=one, headers=sync.child.auth)
    assert no_method.status_code == 400 and "X-RestLi-Method" in no_method.json()["message"]
    as_text = requests.put(url, data="{}", headers={**auth, "Content-Type": "text/plain"})
    assert as_text.status_code == 415
    repeated = f"{li.api}/atsCandidates?{ids_query(CANDIDATE_ID, ['C1', 'C1'])}"
    assert requests.put(repeated, json=one, headers=auth).status_code == 400
    assert sync.data()["candidates"] == {}


def test_100_keys_need_tunneling_and_101_are_refused(li: LinkedIn, sync: Sync) -> None:
    ids = [f"candidate-{n:04d}" for n in range(100)]
    query = ids_query(CANDIDATE_ID, ids)
    entity = {"entities": {key_string(CANDIDATE_ID, i): candidate() for i in ids}}
    too_long = requests.put(f"{li.api}/atsCandidates?{query}", json=entity, headers={**sync.child.auth, **PUT})
    assert too_long.status_code == 414
    body, headers = multipart(query, entity)
    tunneled = requests.post(
        f"{li.api}/atsCandidates",
        data=body,
        headers={**sync.child.auth, **headers, **PUT, "X-HTTP-Method-Override": "PUT"},
    )
    assert tunneled.status_code == 200, tunneled.text
    assert len(tunneled.json()["results"]) == 100 and tunneled.json()["errors"] == {}
    assert sync.counts()["candidates"] == 100
    ids.append("candidate-0100")
    entity["entities"][key_string(CANDIDATE_ID, "candidate-0100")] = candidate()
    body, headers = multipart(ids_query(CANDIDATE_ID, ids), entity)
    refused = requests.post(
        f"{li.api}/atsCandidates",
        data=body,
        headers={**sync.child.auth, **headers, **PUT, "X-HTTP-Method-Override": "PUT"},
    )
    assert refused.status_code == 400 and "Too many keys" in refused.json()["message"]
    get = requests.post(
        f"{li.api}/atsCandidates",
        data=query,
        headers={
            **sync.child.auth,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-HTTP-Method-Override": "GET",
        },
    )
    assert get.status_code == 200 and len(get.json()["results"]) == 100


def test_batch_get_projection(sync: Sync) -> None:
    sync.put_candidates({"C1": candidate(manualMatchedMember="urn:li:person:abc")})
    got = sync.get_candidates(["C1"], fields="matchedMembers,manualMatchedMember").json()
    assert got["results"] == {cand("C1"): {"manualMatchedMember": "urn:li:person:abc", "matchedMembers": []}}
    assert sync.get_candidates(["C1"], fields="first name").status_code == 400


def test_partial_update_sets_and_deletes_the_manual_match(sync: Sync) -> None:
    sync.put_candidates({"C1": candidate(), "C2": candidate()})
    resp = sync.patch_candidates(
        {
            "C1": {"$set": {"manualMatchedMember": "urn:li:person:p42"}},
            "C2": {"$set": {"manualMatchedMember": "not-a-urn"}},
        }
    )
    assert resp.status_code == 200
    assert resp.json()["results"] == {cand("C1"): {"status": 204}}
    assert "ERROR :: /manualMatchedMember" in resp.json()["errors"][cand("C2")]["message"]
    stored = sync.data()["candidates"]
    assert stored["C1"]["manualMatchedMember"] == "urn:li:person:p42" and stored["C1"]["firstName"] == "Grace"
    assert stored["C2"]["manualMatchedMember"] is None
    deleted = sync.patch_candidates({"C1": {"$delete": ["manualMatchedMember"]}})
    assert deleted.json()["results"] == {cand("C1"): {"status": 204}}
    assert sync.data()["candidates"]["C1"]["manualMatchedMember"] is None


def test_partial_update_rules(sync: Sync) -> None:
    sync.put_candidates({"C1": candidate()})
    missing = sync.patch_candidates({"C9": {"$set": {"firstName": "X"}}})
    assert missing.json()["errors"][cand("C9")]["status"] == 404
    required = sync.patch_candidates({"C1": {"$delete": ["firstName"]}})
    assert "ERROR :: /firstName" in required.json()["errors"][cand("C1")]["message"]
    unknown = sync.patch_candidates({"C1": {"$delete": ["shoeSize"]}})
    assert "ERROR :: /shoeSize" in unknown.json()["errors"][cand("C1")]["message"]
    assert sync.patch_candidates({"C1": {"$replace": {}}}).status_code == 400
    assert sync.data()["candidates"]["C1"]["firstName"] == "Grace"


def test_a_put_clears_the_manual_match_it_omits(sync: Sync) -> None:
    sync.put_candidates({"C1": candidate()})
    sync.patch_candidates({"C1": {"$set": {"manualMatchedMember": "urn:li:person:p42"}}})
    sync.put_candidates({"C1": candidate()})
    assert sync.data()["candidates"]["C1"]["manualMatchedMember"] is None  # assumption A17


def test_candidate_notes(li: LinkedIn, sync: Sync) -> None:
    sync.put_candidates({"C1": candidate()})
    resp = sync.put_candidate_notes(
        "C1", {"N1": note(), "N2": note(author={"firstName": "Angela"}), "N3": note(atsCreatedAt=...)}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["results"] == {"N1": {"status": 204}, "N3": {"status": 204}}
    assert body["errors"]["N2"]["status"] == 422 and "ERROR :: /author/lastName ::" in body["errors"]["N2"]["message"]
    notes = sync.data()["candidateNotes"]["C1"]
    assert notes["N3"] == {
        "atsCreatedAt": None,
        "author": {"firstName": "Angela", "lastName": "Smith"},
        "note": "Strong candidate",
    }
    # the parent key in the path, encoded as a whole or per value, in any field order
    encoded = quote(f"dataProvider=ATS&integrationContext={ORG}&atsCandidateId=C1", safe="")
    again = requests.put(
        f"{li.api}/atsCandidates/{encoded}/notes",
        params={"ids": "N4"},
        json={"entities": {"N4": note()}},
        headers={**sync.child.auth, **PUT},
    )
    assert again.json()["results"] == {"N4": {"status": 204}}, again.text
    orphan = sync.put_candidate_notes("C404", {"N1": note()})
    assert orphan.json()["errors"] == {"N1": {"status": 404, "message": f"No candidate 'C404' in {ORG}"}}
    mismatch = requests.put(
        sync.child_url("atsCandidates", CANDIDATE_ID, "C1", "notes"),
        params=[("ids", "N1"), ("ids", "N2")],
        json={"entities": {"N1": note()}},
        headers={**sync.child.auth, **PUT},
    )
    assert mismatch.status_code == 400
    assert sync.counts()["candidateNotes"] == 3
