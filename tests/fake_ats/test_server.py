"""The fake ATS over HTTP: the export API exactly as documented, strict errors, and the control API."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

import pytest
import requests

import fake_ats
from fake_ats import RESOURCES, DatasetSpec, FakeAts
from tests.fake_ats.support import SMALL, TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def get(http: requests.Session, ats: FakeAts, path: str, **params: Any) -> requests.Response:
    return http.get(ats.base_url + path, params=params, headers=AUTH, timeout=10)


def read_all(http: requests.Session, ats: FakeAts, account: str, resource: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        resp = get(http, ats, f"/accounts/{account}/{resource}", **params)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert set(page) == {"items", "next_cursor", "total_estimate"}
        assert page["total_estimate"] == SMALL.counts()[resource]
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.parametrize("limit", [1, 7, 100, 500])
def test_paging_to_the_end_returns_every_record_once(ats: FakeAts, http: requests.Session, limit: int) -> None:
    resources = ["stages"] if limit == 1 else list(RESOURCES)
    for resource in resources:
        # When
        items = read_all(http, ats, "acme", resource, limit)
        # Then
        expected = list(fake_ats.records(SMALL, "acme", resource))
        assert items == expected
        assert len({item["id"] for item in items}) == len(items) == SMALL.counts()[resource]


def test_default_limit_and_empty_cursor(ats: FakeAts, http: requests.Session) -> None:
    page = get(http, ats, "/accounts/acme/stages").json()
    assert len(page["items"]) == 100
    assert get(http, ats, "/accounts/acme/stages", cursor="").json() == page
    assert get(http, ats, "/accounts/acme/stages/", limit=100).json() == page


def test_cursors_are_stable_and_reusable(ats: FakeAts, http: requests.Session) -> None:
    first = get(http, ats, "/accounts/acme/candidates", limit=10).json()
    second = get(http, ats, "/accounts/acme/candidates", limit=10, cursor=first["next_cursor"]).json()
    # Later, another server process with the same dataset honours the same cursor
    with FakeAts(token=TOKEN, datasets={"acme": SMALL}) as other:
        again = get(http, other, "/accounts/acme/candidates", limit=10, cursor=first["next_cursor"]).json()
    assert again == second
    assert get(http, ats, "/accounts/acme/candidates", limit=10, cursor=first["next_cursor"]).json() == second
    # the cursor is an offset, not a page number: another limit continues from the same record
    wider = get(http, ats, "/accounts/acme/candidates", limit=25, cursor=first["next_cursor"]).json()
    assert wider["items"][:10] == second["items"]


def test_json_is_utf8_with_non_ascii_names(ats: FakeAts, http: requests.Session) -> None:
    resp = get(http, ats, "/accounts/acme/candidates", limit=500)
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    names = {c["first_name"] for c in resp.json()["items"]} | {c["last_name"] for c in resp.json()["items"]}
    non_ascii = [name for name in names if name and not name.isascii()]
    assert non_ascii
    for name in non_ascii:
        assert name.encode("utf-8") in resp.content  # raw UTF-8, not \\u escapes


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": TOKEN}, 401),
        ({"Authorization": f"Basic {TOKEN}"}, 401),
        ({"Authorization": f"bearer {TOKEN}"}, 200),
    ],
)
def test_authentication(ats: FakeAts, http: requests.Session, headers: dict[str, str], status: int) -> None:
    resp = http.get(f"{ats.base_url}/accounts/acme/jobs", headers=headers, timeout=10)
    assert resp.status_code == status
    if status == 401:
        assert resp.json()["error"]["code"] == "UNAUTHENTICATED"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert TOKEN not in resp.text


def test_auth_is_checked_before_the_account(ats: FakeAts, http: requests.Session) -> None:
    assert http.get(f"{ats.base_url}/accounts/nobody/jobs", timeout=10).status_code == 401


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/accounts/nobody/jobs", "UNKNOWN_ACCOUNT"),
        ("/accounts/acme/offers", "UNKNOWN_RESOURCE"),
        ("/accounts/acme", "NOT_FOUND"),
        ("/nothing", "NOT_FOUND"),
    ],
)
def test_not_found(ats: FakeAts, http: requests.Session, path: str, code: str) -> None:
    resp = get(http, ats, path)
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == code


def test_bad_requests(ats: FakeAts, http: requests.Session) -> None:
    first = get(http, ats, "/accounts/acme/candidates", limit=10).json()["next_cursor"]
    mac = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).split(b".")[1]
    tampered = base64.urlsafe_b64encode(b"20." + mac).decode()  # another offset under the old MAC
    cases: list[tuple[dict[str, Any], str]] = [
        ({"limit": 0}, "INVALID_LIMIT"),
        ({"limit": 501}, "INVALID_LIMIT"),
        ({"limit": "ten"}, "INVALID_LIMIT"),
        ({"limit": ""}, "INVALID_LIMIT"),
        ({"limit": "-1"}, "INVALID_LIMIT"),
        ({"cursor": "not-a-cursor"}, "INVALID_CURSOR"),
        ({"cursor": "!!!"}, "INVALID_CURSOR"),
        ({"cursor": tampered.rstrip("=")}, "INVALID_CURSOR"),
        ({"page": 2}, "UNKNOWN_PARAMETER"),
    ]
    for params, code in cases:
        resp = get(http, ats, "/accounts/acme/candidates", **params)
        assert resp.status_code == 400, params
        assert resp.json()["error"]["code"] == code, params
    resp = http.get(f"{ats.base_url}/accounts/acme/candidates?limit=5&limit=6", headers=AUTH, timeout=10)
    assert resp.json()["error"]["code"] == "DUPLICATE_PARAMETER"
    # a cursor only works for the resource and account that issued it
    assert get(http, ats, "/accounts/acme/applications", cursor=first).status_code == 400
    ats.put_dataset("other", SMALL)
    assert get(http, ats, "/accounts/other/candidates", cursor=first).status_code == 400


def test_replacing_a_dataset_invalidates_its_cursors(ats: FakeAts, http: requests.Session) -> None:
    cursor = get(http, ats, "/accounts/acme/jobs", limit=5).json()["next_cursor"]
    ats.put_dataset("acme", dataclasses.replace(SMALL, seed=99))
    resp = get(http, ats, "/accounts/acme/jobs", cursor=cursor)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "INVALID_CURSOR"


def test_the_export_api_is_read_only(ats: FakeAts, http: requests.Session) -> None:
    resp = http.post(f"{ats.base_url}/accounts/acme/jobs", headers=AUTH, json={}, timeout=10)
    assert resp.status_code == 405 and resp.headers["Allow"] == "GET"


def test_empty_resource(ats: FakeAts, http: requests.Session) -> None:
    ats.put_dataset("empty", DatasetSpec(jobs=0, candidates=0, users=0))
    page = get(http, ats, "/accounts/empty/candidates").json()
    assert page == {"items": [], "next_cursor": None, "total_estimate": 0}


def test_account_ids_are_percent_decoded(ats: FakeAts, http: requests.Session) -> None:
    ats.put_dataset("acct/é 1", SMALL)
    resp = get(http, ats, "/accounts/acct%2F%C3%A9%201/jobs", limit=3)
    assert resp.status_code == 200 and resp.json()["items"] == list(fake_ats.records(SMALL, "x", "jobs"))[:3]


# -- faults ------------------------------------------------------------------------------------------------------


def test_injected_faults(ats: FakeAts, http: requests.Session) -> None:
    ats.set_faults(rate=1.0, statuses=[429], retry_after=3)
    resp = get(http, ats, "/accounts/acme/jobs")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "3"
    assert resp.json()["error"]["code"] == "RATE_LIMITED"
    ats.set_faults(statuses=[500])
    assert get(http, ats, "/accounts/acme/jobs").status_code == 500
    # faults only hit requests that would otherwise succeed: errors stay deterministic
    assert get(http, ats, "/accounts/nobody/jobs").status_code == 404
    ats.set_faults(rate=0.0)
    assert get(http, ats, "/accounts/acme/jobs").status_code == 200
    stats = ats.stats()
    assert stats["requests"] == 4 and stats["faults"] == 2
    assert stats["faultsByStatus"] == {"429": 1, "500": 1}
    assert stats["byStatus"] == {"200": 1, "404": 1, "429": 1, "500": 1}


def test_fault_sequence_is_seeded(http: requests.Session) -> None:
    def statuses(ats: FakeAts) -> list[int]:
        return [get(http, ats, "/accounts/acme/jobs").status_code for _ in range(30)]

    with FakeAts(token=TOKEN, datasets={"acme": SMALL}, fault_rate=0.5, seed=3) as one:
        first = statuses(one)
        one.reset()
        assert statuses(one) == first
    with FakeAts(token=TOKEN, datasets={"acme": SMALL}, fault_rate=0.5, seed=4) as two:
        assert statuses(two) != first
    assert 200 in first and {500, 503, 429} & set(first)


def test_latency(http: requests.Session) -> None:
    with FakeAts(token=TOKEN, datasets={"acme": SMALL}, latency_ms=60) as slow:
        resp = get(http, slow, "/accounts/acme/jobs")
    assert resp.status_code == 200 and resp.elapsed.total_seconds() >= 0.06


# -- control API -------------------------------------------------------------------------------------------------


def test_control_accounts(ats: FakeAts, http: requests.Session) -> None:
    # When an account is created from JSON
    body = {"seed": 3, "jobs": 4, "candidates": 30, "invalidShare": 0.1, "company": "Globex"}
    created = http.post(f"{ats.control_url}/accounts/globex", json=body, timeout=10)
    # Then it is served, and described
    assert created.status_code == 200
    spec = DatasetSpec(seed=3, jobs=4, candidates=30, invalid_share=0.1, company="Globex")
    summary = http.get(f"{ats.control_url}/accounts/globex", timeout=10).json()
    assert summary == created.json()
    assert summary["accountId"] == "globex" and summary["spec"] == spec.to_dict()
    assert summary["counts"] == spec.counts()
    assert summary["expectedRejections"] == fake_ats.expected_rejection_counts(spec)
    assert summary["totalRecords"] == spec.total_records()
    assert summary["emailDomain"] == "globex.example"
    assert get(http, ats, "/accounts/globex/jobs").json()["total_estimate"] == 4
    listed = http.get(f"{ats.control_url}/accounts", timeout=10).json()["accounts"]
    assert [a["accountId"] for a in listed] == ["acme", "globex"]
    # and a total-records spec sizes itself
    sized = http.post(f"{ats.control_url}/accounts/big", json={"total_records": 100_000, "seed": 1}, timeout=10)
    assert sized.json()["totalRecords"] == 100_000
    # deleting it makes it unknown again
    assert http.delete(f"{ats.control_url}/accounts/globex", timeout=10).status_code == 204
    assert get(http, ats, "/accounts/globex/jobs").status_code == 404
    assert http.get(f"{ats.control_url}/accounts/globex", timeout=10).status_code == 404
    assert http.delete(f"{ats.control_url}/accounts/globex", timeout=10).status_code == 404


@pytest.mark.parametrize("body", [{"seed": -1}, {"unknown": 1}, [1], "x"])
def test_control_rejects_bad_specs(ats: FakeAts, http: requests.Session, body: Any) -> None:
    resp = http.post(f"{ats.control_url}/accounts/bad", json=body, timeout=10)
    assert resp.status_code == 400
    assert http.post(f"{ats.control_url}/accounts/bad", data=b"{", timeout=10).status_code == 400


def test_control_rejections_and_seats(ats: FakeAts, http: requests.Session) -> None:
    rejections = http.get(f"{ats.control_url}/accounts/acme/rejections", timeout=10).json()["rejections"]
    assert [(r["resource"], r["id"], r["reason"]) for r in rejections] == [
        (r.resource, r.id, r.reason) for r in fake_ats.expected_rejections(SMALL)
    ]
    stages = http.get(f"{ats.control_url}/accounts/acme/rejections?resource=stages", timeout=10).json()
    assert stages["rejections"] and {r["resource"] for r in stages["rejections"]} == {"stages"}
    assert http.get(f"{ats.control_url}/accounts/acme/rejections?resource=x", timeout=10).status_code == 400
    seats = http.get(f"{ats.control_url}/accounts/acme/seats", timeout=10).json()
    assert [s["email"] for s in seats["seatHolders"] if s["email"]] == fake_ats.seat_holder_emails(SMALL)
    expected = [dataclasses.asdict(seat) for seat in fake_ats.seat_holders(SMALL)]
    assert seats["seatHolders"] == [{**seat, "matching_user_ids": list(seat["matching_user_ids"])} for seat in expected]
    no_email = seats["seatHolders"][-1]
    assert no_email["scenario"] == "no_email" and no_email["email"] is None and no_email["expected_user_id"] is None
    assert all(s["member_id"].startswith("m") and len(s["member_id"]) == 9 for s in seats["seatHolders"])
    assert len(seats["users"]) == SMALL.users


def test_one_user_by_id(ats: FakeAts, http: requests.Session) -> None:
    users = list(fake_ats.records(SMALL, "acme", "users"))
    for user in (users[0], users[-1]):
        resp = get(http, ats, f"/accounts/acme/users/{user['id']}")
        assert resp.status_code == 200, resp.text
        assert resp.json() == user
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    for missing in (f"usr-{SMALL.users + 1:010d}", "usr-0000000000", "job-0000000001", "nobody"):
        resp = get(http, ats, f"/accounts/acme/users/{missing}")
        assert resp.status_code == 404, missing
        assert resp.json()["error"]["code"] == "UNKNOWN_USER"
    unknown_account = get(http, ats, f"/accounts/nobody/users/{users[0]['id']}")
    assert unknown_account.status_code == 404 and unknown_account.json()["error"]["code"] == "UNKNOWN_ACCOUNT"
    anonymous = http.get(f"{ats.base_url}/accounts/acme/users/{users[0]['id']}", timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "UNAUTHENTICATED"
    wrong = http.get(
        f"{ats.base_url}/accounts/acme/users/{users[0]['id']}", headers={"Authorization": "Bearer x"}, timeout=10
    )
    assert wrong.status_code == 401 and "WWW-Authenticate" in wrong.headers
    extra = get(http, ats, f"/accounts/acme/users/{users[0]['id']}", limit=5)
    assert extra.status_code == 400 and extra.json()["error"]["code"] == "UNKNOWN_PARAMETER"
    posted = http.post(f"{ats.base_url}/accounts/acme/users/{users[0]['id']}", headers=AUTH, timeout=10)
    assert posted.status_code == 405
    assert get(http, ats, "/accounts/acme/jobs/job-0000000001").status_code == 404
    assert ats.stats()["byResource"]["users"] >= 2


def test_control_faults_stats_and_reset(ats: FakeAts, http: requests.Session) -> None:
    faults = http.post(
        f"{ats.control_url}/faults", json={"rate": 0.1, "statuses": [500, 503, 429], "latencyMs": 20}, timeout=10
    )
    assert faults.json() == {"rate": 0.1, "statuses": [500, 503, 429], "latencyMs": 20, "retryAfter": 1}
    assert http.get(f"{ats.control_url}/faults", timeout=10).json() == faults.json()
    for bad in ({"rate": 2}, {"statuses": [418]}, {"statuses": []}, {"latencyMs": -1}, {"nope": 1}):
        assert http.post(f"{ats.control_url}/faults", json=bad, timeout=10).status_code == 400
    http.post(f"{ats.control_url}/faults", json={"rate": 0, "latencyMs": 0}, timeout=10)
    get(http, ats, "/accounts/acme/jobs", limit=5)
    stats = http.get(f"{ats.control_url}/stats", timeout=10).json()
    assert stats["requests"] == 1 and stats["recordsServed"] == 5 and stats["byResource"] == {"jobs": 1}
    ats.put_dataset("extra", SMALL)
    assert http.post(f"{ats.control_url}/reset", timeout=10).status_code == 204
    assert http.get(f"{ats.control_url}/stats", timeout=10).json()["requests"] == 0
    assert get(http, ats, "/accounts/extra/jobs").status_code == 404
    assert http.get(f"{ats.control_url}/faults", timeout=10).json()["rate"] == 0.0
    assert http.put(f"{ats.control_url}/stats", timeout=10).status_code == 405
    assert http.get(f"{ats.control_url}/nothing", timeout=10).status_code == 404


# -- lifecycle and the local stack's contract --------------------------------------------------------------------


def test_service_factory_and_local_service_protocol(http: requests.Session) -> None:
    from rsc_local.config import LocalService

    # Given options as a JSON config file would hold them
    service = fake_ats.service(token="t", datasets={"a1": {"total_records": 2000, "seed": 8}}, latency_ms=0)
    assert isinstance(service, LocalService)
    service.start()
    try:
        resp = http.get(f"{service.base_url}/accounts/a1/jobs", headers={"Authorization": "Bearer t"}, timeout=10)
        assert resp.status_code == 200
        spec = service.dataset("a1")
        assert spec is not None and spec.total_records() == 2000
        assert resp.json()["items"] == list(fake_ats.records(spec, "a1", "jobs"))[:100]
    finally:
        service.stop()
    service.reset()


def test_default_dataset_serves_any_account_with_its_own_seed(http: requests.Session) -> None:
    with FakeAts(token=TOKEN, default_dataset={"jobs": 3, "candidates": 10}) as ats:
        one = get(http, ats, "/accounts/one/candidates").json()["items"]
        two = get(http, ats, "/accounts/two/candidates").json()["items"]
        spec = ats.dataset("one")
        assert spec is not None and one == list(fake_ats.records(spec, "one", "candidates"))
        assert one != two and len(one) == len(two) == 10


def test_start_stop_restart_keeps_the_port(http: requests.Session) -> None:
    ats = FakeAts(token=TOKEN, datasets={"acme": SMALL})
    ats.start()
    port = ats.port
    with pytest.raises(RuntimeError):
        ats.start()
    # a keep-alive connection is open when stopping
    assert get(http, ats, "/accounts/acme/jobs").status_code == 200
    ats.stop()
    ats.stop()
    assert not ats.running
    ats.start()
    try:
        assert ats.port == port and ats.base_url == f"http://127.0.0.1:{port}"
        assert get(http, ats, "/accounts/acme/jobs").status_code == 200
    finally:
        ats.stop()


def test_a_bug_in_the_fake_is_reported_as_json(
    ats: FakeAts, http: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(fake_ats.generator.Dataset, "slice", broken)
    resp = get(http, ats, "/accounts/acme/jobs")
    assert resp.status_code == 500 and resp.json()["error"]["code"] == "FAKE_ATS_BUG"
