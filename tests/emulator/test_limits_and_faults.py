"""Sync admission (A13), throttles (A16), injected latency and faults, the request-log knobs, concurrency."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from linkedin_emulator import LinkedInEmulator
from linkedin_emulator.__main__ import parse_args
from tests.emulator.support import ORG, Child, LinkedIn
from tests.emulator.sync_support import CANDIDATE_ID, Sync, application, candidate, canonical, enable, job, note

THROTTLE_MINUTE = "Resource level throttle APPLICATION MINUTE limit for records to this resource is reached."


def batch(prefix: str, size: int) -> dict[str, Any]:
    return {f"{prefix}{n}": candidate() for n in range(size)}


# -- enablement (A13) ---------------------------------------------------------------------------------------------


def test_sync_before_enablement_is_403_and_changes_nothing(li: LinkedIn, onboarded: Child) -> None:
    sync = Sync(li, onboarded)
    calls = [
        sync.put_candidates({"C1": candidate()}),
        sync.get_candidates(["C1"]),
        sync.delete("atsCandidates", CANDIDATE_ID, ["C1"]),
        sync.put_candidate_notes("C1", {"N1": note()}),
        sync.put_applications({"A1": application()}),
        sync.put_application_children("A1", "stages", {"S1": {"atsCreatedAt": 1, "stage": "Hired"}}),
        sync.post_jobs([job()]),
    ]
    for resp in calls:
        assert resp.status_code == 403, resp.text
        body = resp.json()
        assert body["serviceErrorCode"] == 100 and "not enabled for urn:li:organization:456" in body["message"]
    assert "ONE_CLICK_EXPORT: REQUESTED" in calls[0].json()["message"]
    li.name_all(onboarded)
    assert "PARTNER_READY" in sync.put_candidates({"C1": candidate()}).json()["message"]
    li.status(organization=ORG, companyLevel=True)
    assert sync.put_candidates({"C1": candidate()}).status_code == 200
    li.status(organization=ORG, companyLevel=False)  # the admin turns it off again
    disabled = sync.put_candidates({"C2": candidate()})
    assert disabled.status_code == 403 and "DISABLED" in disabled.json()["message"]
    assert set(sync.data()["candidates"]) == {"C1"}


def test_a_call_naming_an_organization_that_is_not_enabled_is_refused_whole(li: LinkedIn, sync: Sync) -> None:
    other_org = "urn:li:organization:999"
    resp = sync.put(
        "atsCandidates", CANDIDATE_ID, {"C1": candidate()}, ORG
    )  # fine on its own; now mix two organizations
    assert resp.status_code == 200
    query = f"ids[0].atsCandidateId=C2&ids[0].dataProvider=ATS&ids[0].integrationContext={ORG}&" + (
        f"ids[1].atsCandidateId=C3&ids[1].dataProvider=ATS&ids[1].integrationContext={other_org}"
    )
    body = {
        "entities": {
            f"atsCandidateId=C2&dataProvider=ATS&integrationContext={ORG}": candidate(),
            f"atsCandidateId=C3&dataProvider=ATS&integrationContext={other_org}": candidate(),
        }
    }
    mixed = requests.put(
        f"{li.api}/atsCandidates?{query}",
        json=body,
        headers={**sync.child.auth, "X-RestLi-Method": "batch_update"},
    )
    assert mixed.status_code == 403 and other_org in mixed.json()["message"]
    assert set(sync.data()["candidates"]) == {"C1"}


def test_partner_tokens_cannot_sync(li: LinkedIn, sync: Sync) -> None:
    resp = requests.post(
        f"{li.api}/simpleJobPostings",
        json={"elements": [job()]},
        headers={**li.partner_auth(), "X-RestLi-Method": "batch_create"},
    )
    assert (
        resp.status_code == 403
        and resp.json()["message"] == "Not enough permissions to access: POST /simpleJobPostings"
    )


def test_each_application_syncs_only_its_enabled_organizations(li: LinkedIn, sync: Sync) -> None:
    other = li.provision("cust-2")
    li.widget_request(other)  # the same member requests for a second app on the same organization
    stranger = Sync(li, other)
    assert stranger.put_candidates({"C1": candidate()}).status_code == 403
    enable(li, other)
    assert stranger.put_candidates({"C9": candidate()}).status_code == 200
    assert set(sync.data()["candidates"]) == {"C9"}  # data is the organization's, whoever sent it


# -- records per minute and calls per day (A16) -------------------------------------------------------------------


def test_records_per_minute_throttle_refuses_the_whole_batch(li: LinkedIn, sync: Sync) -> None:
    limits = li.control("POST", "limits", json={"syncRecordsPerMinute": 150})
    assert limits.json() == {"atsIntegrations": 5000, "syncRecordsPerMinute": 150}
    assert sync.put_candidates(batch("a", 100)).status_code == 200
    li.emu.clock.advance(20)
    refused = sync.put_candidates(batch("b", 60))
    assert refused.status_code == 429
    assert refused.json() == {"status": 429, "serviceErrorCode": 101, "message": THROTTLE_MINUTE}
    assert refused.headers["Retry-After"] == "40"  # when the first 100 records leave the 60-s window
    assert sync.counts()["candidates"] == 100  # nothing of the refused batch was applied
    assert sync.put_candidates(batch("c", 50)).status_code == 200  # 150 fits exactly
    li.emu.clock.advance(40)
    assert sync.put_candidates(batch("b", 60)).status_code == 200
    other_family = sync.put_applications({"A1": application()})  # each resource has its own budget
    assert other_family.status_code == 200
    usage = li.control("GET", "usage").json()
    assert usage["syncLimits"] == {"syncRecordsPerMinute": 150, "syncCallsPerDay": 100000}
    mine = usage["sync"][sync.child.client_id]
    assert mine["records"] == 211 and mine["throttled"] == {"recordsPerMinute": 1, "callsPerDay": 0, "injected": 0}
    assert mine["violations"] == 1
    assert mine["violationMinutes"] == [
        {"family": "atsCandidates", "minute": "2025-06-15T15:07Z", "refusedRecords": 60, "refusedCalls": 1}
    ]
    candidates = mine["families"]["atsCandidates"]
    assert candidates["maxRecordsPerMinute"] == 150 and candidates["writeCalls"] == 3
    assert candidates["minutes"]["2025-06-15T15:06Z"] == {"records": 100, "refusedRecords": 0, "refusedCalls": 0}
    assert mine["maxRecordsPerMinute"] == 150
    assert li.control("POST", "limits", json={"syncRecordsPerMinute": None}).json()["syncRecordsPerMinute"] == 10000


def test_a_batch_larger_than_the_budget_waits_a_full_window(li: LinkedIn, sync: Sync) -> None:
    li.control("POST", "limits", json={"syncRecordsPerMinute": 10})
    refused = sync.put_candidates(batch("a", 11))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"


def test_reads_are_not_records(li: LinkedIn, sync: Sync) -> None:
    li.control("POST", "limits", json={"syncRecordsPerMinute": 2})
    assert sync.put_candidates(batch("a", 2)).status_code == 200
    assert sync.get_candidates(["a0", "a1"]).status_code == 200
    assert sync.put_candidates(batch("b", 1)).status_code == 429


def test_daily_calls_limit(li: LinkedIn, sync: Sync) -> None:
    li.control("POST", "limits", json={"syncCallsPerDay": 2})
    assert [sync.put_candidates({f"C{n}": candidate()}).status_code for n in range(2)] == [200, 200]
    refused = sync.get_candidates(["C0"])
    assert refused.status_code == 429 and "APPLICATION DAY" in refused.json()["message"]
    assert refused.headers["Retry-After"] == str(86400 - (15 * 3600 + 6 * 60 + 40))  # until 00:00 UTC
    assert sync.put_applications({"A1": application()}).status_code == 200  # another resource
    li.control("POST", "limits", json={"atsCandidates": 5})  # a family's own limit wins
    assert sync.get_candidates(["C0"]).status_code == 200
    li.control("POST", "limits", json={"atsCandidates": None})
    assert sync.get_candidates(["C0"]).status_code == 429
    li.emu.clock.advance(9 * 3600)
    sync.child.token = li.token(sync.child.client_id, sync.child.client_secret)
    assert sync.get_candidates(["C0"]).status_code == 200
    usage = li.control("GET", "usage").json()
    assert usage["usage"][sync.child.client_id]["2025-06-15"]["atsCandidates"] == 5
    assert usage["sync"][sync.child.client_id]["throttled"]["callsPerDay"] == 2


def test_limit_knobs_are_validated(li: LinkedIn) -> None:
    for bad in ({"syncRecordsPerMinute": 0}, {"syncCallsPerDay": "many"}, {"syncRecordsPerMinute": True}):
        assert li.control("POST", "limits", json=bad).status_code == 400
    assert li.control("GET", "limits").json() == {"atsIntegrations": 5000}
    li.emu.set_limits({"syncRecordsPerMinute": 50_000, "syncCallsPerDay": 100_000})
    assert li.emu.sync_usage() == {}
    assert li.control("GET", "usage").json()["syncLimits"]["syncRecordsPerMinute"] == 50_000


# -- injected latency and faults ------------------------------------------------------------------------------


def fault_run(li: LinkedIn, sync: Sync, settings: dict[str, Any], calls: int) -> list[int | str]:
    assert li.control("POST", "faults", json=settings).status_code == 200
    outcomes: list[int | str] = []
    for n in range(calls):
        try:
            outcomes.append(sync.put_candidates({f"F{n}": candidate()}).status_code)
        except requests.ConnectionError:
            outcomes.append("drop")
    return outcomes


def test_faults_are_reproducible_with_a_seed(li: LinkedIn, sync: Sync) -> None:
    settings = {"seed": 7, "rates": {"429": 0.2, "500": 0.2, "504": 0.1, "drop": 0.1}, "paths": ["/v2/ats"]}
    first = fault_run(li, sync, settings, 30)
    second = fault_run(li, sync, settings, 30)
    assert first == second
    assert {429, 500, 504, "drop", 200} <= set(first)
    view = li.control("GET", "faults").json()
    assert view["decisions"] == 30 and view["seed"] == 7
    assert view["injected"]["429"] == first.count(429) and view["injected"]["drop"] == first.count("drop")
    assert view["byApp"][sync.child.client_id]["500"] == first.count(500)
    # faults are injected before anything happens: only the calls that got through were applied
    applied = {f"F{n}" for n, outcome in enumerate(second) if outcome == 200}
    assert set(sync.data()["candidates"]) == applied
    assert li.control("GET", "usage").json()["sync"][sync.child.client_id]["throttled"]["injected"] == 2 * first.count(
        429
    )
    different = fault_run(li, sync, {**settings, "seed": 8}, 30)
    assert different != first


def test_injected_429_500_and_504_replies(li: LinkedIn, sync: Sync) -> None:
    for kind, status in (("429", 429), ("500", 500), ("504", 504)):
        li.control("POST", "faults", json={"seed": 1, "rates": {kind: 1.0}})
        resp = sync.put_candidates({"C1": candidate()})
        assert resp.status_code == status and resp.json()["status"] == status
        if kind == "429":
            assert resp.headers["Retry-After"] == "1" and resp.json()["serviceErrorCode"] == 101
        else:
            assert resp.headers["X-LI-UUID"]
    assert sync.counts()["candidates"] == 0
    log = li.control("GET", "requests").json()
    assert [entry.get("fault") for entry in log[-3:]] == ["429", "500", "504"]


def test_apply_then_fail_applies_the_batch(li: LinkedIn, sync: Sync) -> None:
    li.control("POST", "faults", json={"rates": {"applyThenFail": 1.0}})
    resp = sync.put_candidates({"C1": candidate()})
    assert resp.status_code == 500
    assert set(sync.data()["candidates"]) == {"C1"}
    li.control("POST", "faults", json={"rates": {"applyThenDrop": 1.0}})
    with pytest.raises(requests.ConnectionError):
        sync.put_candidates({"C2": candidate()})
    assert set(sync.data()["candidates"]) == {"C1", "C2"}
    entry = li.control("GET", "requests").json()[-1]
    assert entry["fault"] == "applyThenDrop" and entry["status"] is None and entry["appliedStatus"] == 200


def test_latency_and_slow_calls_only_on_the_chosen_paths(li: LinkedIn, sync: Sync) -> None:
    li.control("POST", "faults", json={"latencyMs": 40, "paths": ["/v2/atsApplications"]})
    slow = sync.put_applications({"A1": application()})
    fast = sync.put_candidates({"C1": candidate()})
    assert slow.elapsed.total_seconds() >= 0.04 and fast.status_code == 200
    li.control("POST", "faults", json={"rates": {"slow": 1.0}, "slowMs": 60})
    assert sync.put_candidates({"C2": candidate()}).elapsed.total_seconds() >= 0.06
    assert li.control("GET", "clock").status_code == 200  # the control API is never faulted
    assert li.control("POST", "faults", json={}).json()["rates"]["slow"] == 0.0


def test_fault_settings_are_validated(li: LinkedIn) -> None:
    for bad in (
        {"rates": {"500": 1.5}},
        {"rates": {"500": 0.6, "504": 0.6}},
        {"rates": {"teapot": 0.1}},
        {"latencyMs": -1},
        {"paths": ["v2"]},
        {"seed": "x"},
        {"chaos": True},
    ):
        assert li.control("POST", "faults", json=bad).status_code == 400, bad


# -- request log ------------------------------------------------------------------------------------------------


def test_request_log_can_be_switched_off_or_capped(li: LinkedIn, sync: Sync) -> None:
    li.control("DELETE", "requests")
    off = li.control("POST", "request-log", json={"enabled": False}).json()
    assert off["enabled"] is False
    sync.put_candidates({"C1": candidate()})
    assert li.control("GET", "requests").json() == []
    view = li.control("GET", "request-log").json()
    assert view["skipped"] == 1 and view["kept"] == 0
    li.control("POST", "request-log", json={"enabled": True, "maxEntries": 2, "maxBodyBytes": 10})
    for n in range(3):
        sync.put_candidates({f"C{n}": candidate()})
    log = li.control("GET", "requests").json()
    assert len(log) == 2 and log[-1]["body"].startswith('{"entities') and "more characters" in log[-1]["body"]
    view = li.control("GET", "request-log").json()
    assert view["evicted"] == 1 and view["maxEntries"] == 2
    assert li.control("POST", "request-log", json={"maxEntries": None}).json()["maxEntries"] is None
    assert li.control("POST", "request-log", json={"maxEntries": 0}).status_code == 400
    assert li.control("GET", "usage").json()["usage"][sync.child.client_id]["2025-06-15"]["atsCandidates"] == 4


# -- concurrency ------------------------------------------------------------------------------------------------


def test_concurrent_writers_are_all_applied(li: LinkedIn, sync: Sync) -> None:
    errors: list[str] = []

    def worker(index: int) -> None:
        for call in range(5):
            ids = [f"T{index}-{call}-{n}" for n in range(20)]
            resp = sync.put_candidates({i: candidate() for i in ids})
            if resp.status_code != 200 or resp.json()["errors"]:
                errors.append(resp.text)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sync.counts()["candidates"] == 8 * 5 * 20
    usage = li.control("GET", "usage").json()["sync"][sync.child.client_id]
    assert usage["records"] == 800 and usage["maxRecordsPerMinute"] == 800


def test_response_keys_name_the_entity(sync: Sync) -> None:
    resp = sync.put_candidates({"C1": candidate()})
    assert list(resp.json()["results"]) == [canonical(CANDIDATE_ID, "C1")]


def test_constructor_and_command_line_knobs() -> None:
    args = parse_args(
        ["--sync-records-per-minute", "50000", "--sync-calls-per-day", "7", "--job-task-delay", "0", "--no-request-log"]
    )
    assert (args.sync_records_per_minute, args.sync_calls_per_day, args.job_task_delay) == (50000, 7, 0.0)
    assert args.no_request_log and args.request_log_max is None
    emu = LinkedInEmulator(
        sync_records_per_minute=50000, sync_calls_per_day=7, job_task_delay_seconds=0, request_log_max_entries=3
    )
    emu.set_limits({"syncRecordsPerMinute": 5})
    emu.set_request_log(enabled=False)
    emu.set_faults({"seed": 3, "latencyMs": 1})
    emu.reset()  # back to what the emulator was built with
    assert emu.state.sync.limits_view() == {"syncRecordsPerMinute": 50000, "syncCallsPerDay": 7}
    assert emu.state.sync.job_task_delay_seconds == 0
    assert emu.state.request_log_view()["maxEntries"] == 3 and emu.state.request_log_view()["enabled"] is True
    assert emu.faults()["latencyMs"] == 0.0
