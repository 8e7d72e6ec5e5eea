"""Recruiter seat holders: seatsV2 and the legacy seats finder (A19-A22), the seat control API, members' seats."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.emulator.support import CONTRACT, ORG, Child, LinkedIn

V2 = "q=attributes&contracts=urn:li:contract:123"
LEGACY = "q=seatsByAttributes&contracts=urn:li:contract:123"
FIRST_SEAT = 142_636_001


def get(li: LinkedIn, child: Child, resource: str, query: str) -> requests.Response:
    return requests.get(f"{li.api}/{resource}?{query}", headers=child.auth, timeout=5)


def add_seats(li: LinkedIn, seats: list[dict[str, Any]], contract: str = CONTRACT, **extra: Any) -> requests.Response:
    return li.control("POST", "seats", json={"contract": contract, "seats": seats, **extra})


def people(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"firstName": f"First{i}", "lastName": f"Last{i}", "email": f"p{i}@acme.example", **extra} for i in range(n)
    ]


@pytest.fixture
def csa(li: LinkedIn, onboarded: Child) -> Child:
    """The onboarded app with company-level and contract-level (CSA_API) access ENABLED on org 456 / contract 123."""
    assert li.name_all(onboarded).status_code == 200
    resp = li.status(organization=ORG, contract=CONTRACT, companyLevel=True, contractLevel=True)
    assert resp.status_code == 200, resp.text
    return onboarded


# -- members hold seats -------------------------------------------------------------------------------------------


def test_a_member_gets_an_active_admin_seat_per_contract_kept_across_updates(li: LinkedIn) -> None:
    li.add_member()
    [seat] = li.control("GET", "seats").json()["seats"]
    assert seat["seatId"] == FIRST_SEAT and seat["member"] == "urn:li:person:m1" and seat["contract"] == CONTRACT
    assert seat["state"] == "ACTIVE" and "ADMIN_SEAT" in seat["roles"] and seat["admin"] is True
    assert (seat["firstName"], seat["lastName"], seat["email"], seat["organization"]) == (
        "Ada",
        "Admin",
        "m1@acme.example",
        ORG,
    )
    other = {"contractId": "124", "name": "Acme Two", "type": "RECRUITER_CORPORATE", "organizationId": "456"}
    li.add_member(firstName="Adele", email="adele@acme.example", contracts=[{**seat_contract()}, other])
    seats = li.control("GET", "seats").json()["seats"]
    assert [(s["seatId"], s["contract"], s["firstName"]) for s in seats] == [
        (FIRST_SEAT, CONTRACT, "Adele"),
        (FIRST_SEAT + 1, "urn:li:contract:124", "Adele"),
    ]
    li.add_member(contracts=[other])  # contract 123 dropped: its member seat goes
    assert [s["seatId"] for s in li.control("GET", "seats").json()["seats"]] == [FIRST_SEAT + 1]
    assert li.control("GET", "state").json()["seats"][0]["seatId"] == FIRST_SEAT + 1
    li.control("POST", "reset")
    assert li.control("GET", "seats").json() == {"seats": []}


def seat_contract() -> dict[str, str]:
    return {"contractId": "123", "name": "Acme Recruiter", "type": "RECRUITER_CORPORATE", "organizationId": "456"}


# -- seatsV2 --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        (V2, '"start" is required'),  # start is mandatory on seatsV2
        (f"{V2}&start=-1", '"start" must be a non-negative integer'),
        (f"{V2}&start=0&count=101", '"count" must be at most 100'),
        (f"{V2}&start=0&count=ten", '"count" must be a non-negative integer'),
        (f"{V2}&start=0&start=1", "repeated"),
        ("contracts=urn:li:contract:123&start=0", '"q" is required'),
        ("q=seatsByAttributes&contracts=urn:li:contract:123&start=0", 'Unknown finder "seatsByAttributes"'),
        ("q=attributes&start=0", '"contracts" is required'),
        ("q=attributes&contracts=123&start=0", "contract URNs"),
        (f"{V2}&start=0&states=GONE", '"states" must be among ACTIVE, INACTIVE, INVITED, PARKED'),
        (f"{V2}&start=0&active=true", 'Unexpected query parameter "active"'),
    ],
)
def test_seats_v2_refuses_malformed_queries(li: LinkedIn, csa: Child, query: str, needle: str) -> None:
    resp = get(li, csa, "seatsV2", query)
    assert resp.status_code == 400, resp.text
    assert resp.json()["status"] == 400 and needle in resp.json()["message"]


def test_seats_v2_pages_in_seat_id_order(li: LinkedIn, csa: Child) -> None:
    assert add_seats(li, people(22)).status_code == 200  # plus m1's admin seat: 23
    pages = [get(li, csa, "seatsV2", f"{V2}&states=ACTIVE&start={start}&count=10") for start in (0, 10, 20)]
    for resp, (start, size) in zip(pages, [(0, 10), (10, 10), (20, 3)], strict=True):
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["paging"] == {"start": start, "count": 10, "total": 23, "links": []}
        assert len(body["elements"]) == size
    ids = [e["id"] for resp in pages for e in resp.json()["elements"]]
    assert ids == sorted(ids) == list(range(FIRST_SEAT, FIRST_SEAT + 23))
    first = pages[0].json()["elements"][0]
    assert first == {
        "id": FIRST_SEAT,
        "firstName": "Ada",
        "lastName": "Admin",
        "contract": CONTRACT,
        "member": "urn:li:person:m1",
        "state": "ACTIVE",
        "seatRoles": ["ADMIN_SEAT", "SOURCER_ADD_PROSPECT"],
        "email": "m1@acme.example",
    }
    second = pages[0].json()["elements"][1]
    assert second["seatRoles"] == ["SOURCER_ADD_PROSPECT"] and second["member"].startswith("urn:li:person:")
    past = get(li, csa, "seatsV2", f"{V2}&start=30").json()
    assert past == {"elements": [], "paging": {"start": 30, "count": 10, "total": 23, "links": []}}
    encoded = get(li, csa, "seatsV2", "q=attributes&contracts=urn%3Ali%3Acontract%3A123&start=0&count=100")
    assert encoded.status_code == 200 and len(encoded.json()["elements"]) == 23


def test_seats_v2_states_filter(li: LinkedIn, csa: Child) -> None:
    seats = add_seats(li, [*people(1, state="INACTIVE"), *people(1, state="INVITED"), *people(1, state="PARKED")])
    assert seats.status_code == 200, seats.text

    # people() repeats names and emails; the member ids differ
    def states(query: str) -> list[str]:
        resp = get(li, csa, "seatsV2", f"{V2}&start=0{query}")
        assert resp.status_code == 200, resp.text
        return [e["state"] for e in resp.json()["elements"]]

    assert states("&states=ACTIVE") == ["ACTIVE"]
    assert states("&states=INACTIVE&states=INVITED") == ["INACTIVE", "INVITED"]
    assert states("") == ["ACTIVE", "INACTIVE", "INVITED", "PARKED"]


def test_email_is_left_out_when_the_seat_has_none_or_seats_v2_emails_is_off(li: LinkedIn, csa: Child) -> None:
    add_seats(li, [{"firstName": "No", "lastName": "Mail"}, {"firstName": "Nul", "lastName": "Mail", "email": None}])
    elements = get(li, csa, "seatsV2", f"{V2}&start=0").json()["elements"]
    assert ["email" in e for e in elements] == [True, False, False]
    legacy = get(li, csa, "seats", LEGACY).json()["elements"]
    assert ["email" in e for e in legacy] == [True, False, False]
    settings = li.control("POST", "seat-settings", json={"seatsV2Emails": False})
    assert settings.json() == {"seatsV2Emails": False, "seatsV2Available": True, "legacySeatsAvailable": True}
    elements = get(li, csa, "seatsV2", f"{V2}&start=0").json()["elements"]
    assert all("email" not in e for e in elements) and all("id" in e for e in elements)
    assert get(li, csa, "seats", LEGACY).json()["elements"][0]["email"] == "m1@acme.example"  # legacy keeps it
    assert li.control("GET", "seat-settings").json()["seatsV2Emails"] is False
    li.control("POST", "reset")
    assert li.control("GET", "seat-settings").json()["seatsV2Emails"] is True


# -- legacy seats -------------------------------------------------------------------------------------------------


def test_legacy_seats_shape_admin_flag_active_filter_and_fields(li: LinkedIn, csa: Child) -> None:
    add_seats(li, [*people(2), *people(1, state="INACTIVE")])
    resp = get(li, csa, "seats", f"{LEGACY}&active=true&start=0&count=100")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["paging"] == {"start": 0, "count": 100, "total": 3, "links": []}
    admin, plain = body["elements"][0], body["elements"][1]
    assert admin == {
        "firstName": "Ada",
        "lastName": "Admin",
        "contractId": CONTRACT,
        "member": "urn:li:person:m1",
        "active": True,
        "admin": True,
        "id": FIRST_SEAT,
        "email": "m1@acme.example",
    }
    assert plain["admin"] is False and plain["active"] is True and plain["email"] == "p0@acme.example"
    inactive = get(li, csa, "seats", f"{LEGACY}&active=false").json()["elements"]
    assert [(e["active"], e["id"]) for e in inactive] == [(False, FIRST_SEAT + 3)]
    assert get(li, csa, "seats", LEGACY).json()["paging"]["total"] == 4  # no filter; start defaults to 0
    ids = get(li, csa, "seats", f"{LEGACY}&fields=id").json()["elements"]
    assert ids == [{"id": FIRST_SEAT + n} for n in range(4)]
    for query, needle in (
        (f"{LEGACY}&fields=nickname", 'Unknown field "nickname"'),
        (f"{LEGACY}&active=yes", '"active" must be true or false'),
        (f"{LEGACY}&count=101", "at most 100"),
        (f"{LEGACY}&states=ACTIVE", 'Unexpected query parameter "states"'),
        ("q=attributes&contracts=urn:li:contract:123", 'Unknown finder "attributes"'),
        ("q=seatsByAttributes", '"contracts" is required'),
    ):
        refused = get(li, csa, "seats", query)
        assert refused.status_code == 400 and needle in refused.json()["message"], (query, refused.text)


# -- authorization (A20), limits (A22), availability (A21) ---------------------------------------------------------


def test_company_level_access_alone_is_403_naming_contract_level_access(li: LinkedIn, onboarded: Child) -> None:
    li.name_all(onboarded)
    li.status(organization=ORG, companyLevel=True)
    for resource, query in (("seatsV2", f"{V2}&start=0"), ("seats", LEGACY)):
        resp = get(li, onboarded, resource, query)
        assert resp.status_code == 403, resp.text
        body = resp.json()
        assert body["serviceErrorCode"] == 100
        assert body["message"].startswith(
            "Contract-level access (CSA_API) is not enabled for urn:li:contract:123 for this application "
            "(CSA_API: PARTNER_READY)"
        )
    li.status(contract=CONTRACT, contractLevel=True)
    assert get(li, onboarded, "seatsV2", f"{V2}&start=0").status_code == 200
    li.status(contract=CONTRACT, contractLevel=False)
    disabled = get(li, onboarded, "seatsV2", f"{V2}&start=0")
    assert disabled.status_code == 403 and "CSA_API: DISABLED" in disabled.json()["message"]


def test_another_applications_contract_is_403_for_the_whole_call(li: LinkedIn, csa: Child) -> None:
    other = li.provision("cust-2")
    globex = {"contractId": "777", "name": "Globex", "type": "RECRUITER_CORPORATE", "organizationId": "888"}
    li.add_member("m2", contracts=[globex])
    li.widget_request(other, member="m2", contract="urn:li:contract:777")
    li.name_all(other, [("urn:li:organization:888", "ONE_CLICK_EXPORT"), ("urn:li:contract:777", "CSA_API")])
    li.status(organization="urn:li:organization:888", contract="urn:li:contract:777", contractLevel=True)
    assert get(li, other, "seatsV2", "q=attributes&contracts=urn:li:contract:777&start=0").status_code == 200
    for query in ("contracts=urn:li:contract:777", "contracts=urn:li:contract:123&contracts=urn:li:contract:777"):
        resp = get(li, csa, "seatsV2", f"q=attributes&{query}&start=0")
        assert resp.status_code == 403, resp.text
        assert "(CSA_API) is not enabled for urn:li:contract:777" in resp.json()["message"]
        assert "not requested" in resp.json()["message"]
    unknown = get(li, csa, "seats", "q=seatsByAttributes&contracts=urn:li:contract:9")
    assert unknown.status_code == 403
    partner = requests.get(f"{li.api}/seatsV2?{V2}&start=0", headers=li.partner_auth(), timeout=5)
    assert partner.status_code == 403 and partner.json()["message"] == "Not enough permissions to access: GET /seatsV2"


def test_both_endpoints_share_the_prospect_interactions_day_limit(li: LinkedIn, csa: Child) -> None:
    assert li.control("POST", "limits", json={"prospectInteractions": 2}).status_code == 200
    assert get(li, csa, "seatsV2", f"{V2}&start=0").status_code == 200
    assert get(li, csa, "seats", LEGACY).status_code == 200
    throttled = get(li, csa, "seatsV2", f"{V2}&start=0")
    assert throttled.status_code == 429
    assert throttled.json()["serviceErrorCode"] == 101 and "APPLICATION DAY" in throttled.json()["message"]
    assert int(throttled.headers["Retry-After"]) > 0
    assert get(li, csa, "seats", LEGACY).status_code == 429
    day = next(iter(li.control("GET", "usage").json()["usage"][csa.client_id].values()))
    assert day["prospectInteractions"] == 4
    li.control("POST", "clock", json={"advanceSeconds": 86_400})  # a new UTC day (and a new token)
    csa.token = li.token(csa.client_id, csa.client_secret)
    assert get(li, csa, "seatsV2", f"{V2}&start=0").status_code == 200


def test_the_default_prospect_interactions_limit_is_100000(li: LinkedIn) -> None:
    assert li.emu.state.daily_limit("prospectInteractions") == 100_000
    assert "prospectInteractions" not in li.control("GET", "limits").json()


def test_an_unavailable_endpoint_answers_404_or_410_before_authentication(li: LinkedIn, csa: Child) -> None:
    li.control("POST", "seat-settings", json={"seatsV2Available": False})
    gone = get(li, csa, "seatsV2", f"{V2}&start=0")
    assert gone.status_code == 404 and gone.json()["status"] == 404 and "seatsV2" in gone.json()["message"]
    assert requests.get(f"{li.api}/seatsV2?{V2}&start=0", timeout=5).status_code == 404  # no token needed
    assert get(li, csa, "seats", LEGACY).status_code == 200
    li.control("POST", "seat-settings", json={"seatsV2Available": True, "legacySeatsAvailable": False})
    retired = get(li, csa, "seats", LEGACY)
    assert retired.status_code == 410 and retired.json()["status"] == 410
    assert "no longer available" in retired.json()["message"]
    assert get(li, csa, "seatsV2", f"{V2}&start=0").status_code == 200
    day = next(iter(li.control("GET", "usage").json()["usage"][csa.client_id].values()))
    assert day["prospectInteractions"] == 2  # unavailable calls are not counted


# -- the control API ------------------------------------------------------------------------------------------------


def test_control_adds_updates_reassigns_and_removes_seats(li: LinkedIn, csa: Child) -> None:
    resp = add_seats(li, [{"firstName": "Sam", "lastName": "Sourcer", "email": "sam@acme.example"}])
    assert resp.status_code == 200, resp.text
    [sam] = resp.json()["seats"]
    assert resp.json()["contract"] == CONTRACT and resp.json()["organization"] == ORG
    assert sam["seatId"] == FIRST_SEAT + 1 and sam["member"] == f"urn:li:person:{sam['memberId']}"
    assert sam["memberId"].isalnum() and sam["admin"] is False and sam["state"] == "ACTIVE"
    seat_id = sam["seatId"]
    # the seat changes hands: a new person, names and email
    moved = li.control(
        "POST",
        f"seats/{seat_id}",
        json={"memberId": "m77", "firstName": "Rita", "lastName": "Recruiter", "email": "rita@acme.example"},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["seatId"], moved.json()["member"], moved.json()["email"]) == (
        seat_id,
        "urn:li:person:m77",
        "rita@acme.example",
    )
    element = get(li, csa, "seatsV2", f"{V2}&start=0").json()["elements"][1]
    assert (element["id"], element["member"], element["firstName"]) == (seat_id, "urn:li:person:m77", "Rita")
    assert li.control("POST", f"seats/{seat_id}", json={"state": "INACTIVE", "admin": True}).status_code == 200
    active = get(li, csa, "seatsV2", f"{V2}&states=ACTIVE&start=0").json()["elements"]
    assert [e["id"] for e in active] == [FIRST_SEAT]
    legacy = get(li, csa, "seats", f"{LEGACY}&active=false").json()["elements"]
    assert legacy[0]["admin"] is True and legacy[0]["active"] is False
    # the same person cannot hold two seats of one contract
    clash = li.control("POST", f"seats/{seat_id}", json={"memberId": "m1"})
    assert clash.status_code == 409 and "already holds seat" in clash.json()["message"]
    assert add_seats(li, [{"memberId": "m77", "firstName": "R", "lastName": "R"}]).status_code == 409
    # replace by seatId
    replaced = add_seats(li, [{"seatId": seat_id, "memberId": "m78", "firstName": "Rex", "lastName": "R"}])
    assert replaced.status_code == 200 and replaced.json()["seats"][0]["email"] is None
    assert [s["seatId"] for s in li.control("GET", "seats", params={"contract": CONTRACT}).json()["seats"]] == [
        FIRST_SEAT,
        seat_id,
    ]
    deleted = li.control("DELETE", f"seats/{seat_id}")
    assert deleted.status_code == 200 and deleted.json()["deleted"]["seatId"] == seat_id
    assert li.control("DELETE", f"seats/{seat_id}").status_code == 404
    assert li.control("POST", f"seats/{seat_id}", json={"state": "ACTIVE"}).status_code == 404
    assert [e["id"] for e in get(li, csa, "seatsV2", f"{V2}&start=0").json()["elements"]] == [FIRST_SEAT]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"contract": CONTRACT}, 400),
        ({"contract": "123", "seats": []}, 400),
        ({"contract": CONTRACT, "seats": [{"firstName": "A"}]}, 400),
        ({"contract": CONTRACT, "seats": [{"firstName": "A", "lastName": "B", "nick": "x"}]}, 400),
        ({"contract": CONTRACT, "seats": [{"firstName": "A", "lastName": "B", "state": "GONE"}]}, 400),
        ({"contract": CONTRACT, "seats": [{"firstName": "A", "lastName": "B", "email": "nope"}]}, 400),
        ({"contract": CONTRACT, "seats": [{"firstName": "A", "lastName": "B", "roles": []}]}, 400),
        (
            {
                "contract": CONTRACT,
                "seats": [{"firstName": "A", "lastName": "B", "roles": ["ADMIN_SEAT"], "admin": False}],
            },
            400,
        ),
        ({"contract": CONTRACT, "seats": [{"firstName": "A", "lastName": "B", "seatId": "7"}]}, 400),
        ({"contract": CONTRACT, "seats": [{"firstName": "A", "lastName": "B", "memberId": "a b"}]}, 400),
        ({"contract": CONTRACT, "seats": [{"firstName": "A", "lastName": "B", "seatId": 9}] * 2}, 400),
        ({"contract": "urn:li:contract:999", "seats": [{"firstName": "A", "lastName": "B"}]}, 404),
        ({"contract": CONTRACT, "organization": "urn:li:organization:1", "seats": []}, 409),
    ],
)
def test_control_refuses_bad_seat_bodies(li: LinkedIn, body: dict[str, Any], status: int) -> None:
    li.add_member()
    resp = li.control("POST", "seats", json=body)
    assert resp.status_code == status, resp.text
    assert [s["seatId"] for s in li.control("GET", "seats").json()["seats"]] == [FIRST_SEAT]


def test_control_refuses_bad_seat_changes_and_settings(li: LinkedIn) -> None:
    li.add_member()
    for path, body in (
        (f"seats/{FIRST_SEAT}", {}),
        (f"seats/{FIRST_SEAT}", {"seatId": 5}),
        (f"seats/{FIRST_SEAT}", {"firstName": ""}),
        ("seats/abc", {"state": "ACTIVE"}),
        ("seat-settings", {"seatsV2Emails": "no"}),
        ("seat-settings", {"emails": False}),
    ):
        assert li.control("POST", path, json=body).status_code == 400, (path, body)
    assert li.control("GET", "seats", params={"contract": "nope"}).status_code == 400
    assert li.control("GET", "seats", params={"organization": ORG}).status_code == 400


def test_an_unknown_contract_takes_seats_with_its_organization(li: LinkedIn) -> None:
    resp = add_seats(li, people(2), contract="urn:li:contract:900", organization="urn:li:organization:901")
    assert resp.status_code == 200 and resp.json()["organization"] == "urn:li:organization:901"
    more = add_seats(li, people(1), contract="urn:li:contract:900")  # now known
    assert more.status_code == 200 and more.json()["seats"][0]["seatId"] == FIRST_SEAT + 2
    conflict = add_seats(li, people(1), contract="urn:li:contract:900", organization="urn:li:organization:5")
    assert conflict.status_code == 409
    views = li.control("GET", "seats", params={"contract": "urn:li:contract:900"}).json()["seats"]
    assert len(views) == 3 and {v["organization"] for v in views} == {"urn:li:organization:901"}
    assert len({v["memberId"] for v in views}) == 3


def test_in_process_seats_for_a_members_contract(li: LinkedIn) -> None:
    emu = li.emu
    contract = {"contractId": "7001", "name": "Acme", "type": "RECRUITER_CORPORATE", "organizationId": "5001"}
    emu.add_member("admin1", first_name="Ada", last_name="Admin", email="ada@acme.example", contracts=[contract])
    added = emu.add_seats("urn:li:contract:7001", people(20))
    assert len(added) == 20 and {s["organization"] for s in added} == {"urn:li:organization:5001"}
    assert len(emu.seats("urn:li:contract:7001")) == 21
    assert emu.update_seat(added[0]["seatId"], state="INACTIVE")["state"] == "INACTIVE"
    assert emu.remove_seat(added[1]["seatId"])["seatId"] == added[1]["seatId"]
    assert emu.set_seat_settings(seats_v2_emails=False)["seatsV2Emails"] is False
    assert len(emu.snapshot()["seats"]) == 20 and emu.snapshot()["seatSettings"]["seatsV2Emails"] is False
    emu.add_member("admin1", first_name="Ada", last_name="Lovelace", email="ada@acme.example", contracts=[contract])
    assert [s["lastName"] for s in emu.seats() if s["memberId"] == "admin1"] == ["Lovelace"]
    assert len(emu.seats()) == 20
