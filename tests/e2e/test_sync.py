"""The historical sync end to end on the local stack: the real ASL in moto, SQS event sources, the workers,
the LinkedIn emulator and the fake ATS. Success with rejected records, and a LinkedIn outage mid-sync that
fails, emails, and is resumed by a re-sync without resending accepted pages."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from rsc_demo.ats import AtsBackend
from rsc_demo.story import ACCOUNT, OWNER, run_story, seed_ats, stack_config
from rsc_demo.verify import verify

pytestmark = pytest.mark.stack
ORG = "urn:li:organization:5001"
CEILING = 3_000  # records/min, scaled down so a small account takes long enough to interrupt


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from rsc_local.testing import local_stack, testing_config

    base = stack_config("rsc-e2e-sync", log_level="WARNING")
    parameters = {**base.parameters, "SyncStallSeconds": "10", "LinkedInSyncRecordsPerMinute": str(CEILING)}
    config = testing_config(stack_name="rsc-e2e-sync", parameters=parameters, secrets=base.secrets, ats=base.ats)
    with local_stack(config) as running:
        yield running


@pytest.fixture
def fresh(stack: Any) -> Any:
    stack.reset_data()
    requests.post(f"{stack.linkedin.base_url}/_control/reset", timeout=5).raise_for_status()
    requests.post(f"{stack.linkedin.base_url}/_control/limits", json={"syncRecordsPerMinute": CEILING}, timeout=5)
    return stack


def sync_view(stack: Any) -> dict[str, Any]:
    contract = AtsBackend(stack.api_url).status(OWNER).body["contracts"][0]
    return contract.get("sync") or {}


def wait_sync(stack: Any, predicate: Any, timeout: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = sync_view(stack)
        if predicate(view):
            return view
        time.sleep(1)
    raise AssertionError(f"sync did not reach the expected state: {sync_view(stack)}")


def usage(stack: Any) -> dict[str, Any]:
    apps = requests.get(f"{stack.linkedin.base_url}/_control/usage", timeout=5).json()["sync"]
    return max(apps.values(), key=lambda a: a["records"])


ENDPOINTS = {
    "jobs": ("/v2/simpleJobPostings", ""),
    "candidates": ("/v2/atsCandidates", ""),
    "applications": ("/v2/atsApplications", ""),
    "candidate-notes": ("/v2/atsCandidates/", "/notes"),
    "application-notes": ("/v2/atsApplications/", "/notes"),
    "stages": ("/v2/atsApplications/", "/stages"),
    "interview-feedback": ("/v2/atsApplications/", "/interviewFeedback"),
}


def _writes(call: dict[str, Any], entity: str) -> bool:
    prefix, suffix = ENDPOINTS[entity]
    path = call["path"]
    if call["method"] not in ("PUT", "POST") or not path.startswith(prefix):
        return False
    return path.endswith(suffix) if suffix else path == prefix


def accepted_ids(stack: Any) -> dict[str, list[str]]:
    """The ids of every page counted so far (the synced-key ledger)."""
    from rsc_connector.sync.store import RunKey, SyncStore

    contract = AtsBackend(stack.api_url).status(OWNER).body["contracts"][0]
    table = stack.boto3_client("dynamodb")
    import boto3

    resource = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).resource("dynamodb", endpoint_url=stack.moto_url)
    store = SyncStore(
        stack.outputs["StateTableName"], table=resource.Table(stack.outputs["StateTableName"]), client=table
    )
    key = RunKey(ACCOUNT, "7001", contract["sync"]["syncId"])
    return {entity: [i for p in store.pages(key, entity) for i in p.get("accepted", [])] for entity in ENDPOINTS}


def test_a_sync_with_invalid_records_completes_verifies_and_emails(fresh: Any) -> None:
    spec = seed_ats(fresh, 800, seed=9, invalid_share=0.05)
    run_story(fresh, io.StringIO())
    view = wait_sync(fresh, lambda v: v.get("status") in ("SUCCEEDED", "FAILED"))
    assert view["status"] == "SUCCEEDED" and view["percent"] == 100.0
    report = verify(spec, ACCOUNT, ORG, fresh.linkedin.base_url)
    assert (report.missing, report.extra, report.differing) == (0, 0, 0)
    assert all(e.rejections_match for e in report.entities.values())
    email = fresh.read_emails()[-1]
    assert "history is synced" in email.subject
    assert (
        "with no first name" in email.body
        or "not of the form" in email.body
        or "LinkedIn does not accept" in email.body
    )
    assert usage(fresh)["violations"] == 0


def test_an_outage_fails_the_sync_then_a_resync_resumes_without_resending(fresh: Any) -> None:
    spec = seed_ats(fresh, 1_500, seed=4)
    run_story(fresh, io.StringIO())
    wait_sync(fresh, lambda v: v.get("recordsDone", 0) >= 300)
    # LinkedIn goes down: every sync call answers 500
    requests.post(f"{fresh.linkedin.base_url}/_control/faults", json={"seed": 3, "rates": {"500": 1.0}}, timeout=5)
    failed = wait_sync(fresh, lambda v: v.get("status") == "FAILED", timeout=120)
    done_at_failure = failed["recordsDone"]
    accepted_before = accepted_ids(fresh)
    calls_before = len(requests.get(f"{fresh.linkedin.base_url}/_control/requests", timeout=10).json())
    assert 300 <= done_at_failure < 1_500
    failure = fresh.read_emails()[-1]
    assert "did not finish" in failure.subject and "resumes where it stopped" in failure.body
    # LinkedIn is back; the admin starts the sync again
    requests.post(f"{fresh.linkedin.base_url}/_control/faults", json={}, timeout=5)
    reply = AtsBackend(fresh.api_url).call(OWNER, "POST", f"/accounts/{ACCOUNT}/linkedin/contracts/7001/syncs")
    assert reply.status == 202 and reply.body["started"] is True and reply.body["attempt"] == 2
    again = AtsBackend(fresh.api_url).call(OWNER, "POST", f"/accounts/{ACCOUNT}/linkedin/contracts/7001/syncs")
    assert again.body["started"] is False  # idempotent while it runs
    view = wait_sync(fresh, lambda v: v.get("status") in ("SUCCEEDED", "FAILED"))
    assert view["status"] == "SUCCEEDED" and view["attempt"] == 2
    report = verify(spec, ACCOUNT, ORG, fresh.linkedin.base_url)
    assert (report.missing, report.extra, report.differing) == (0, 0, 0)
    # no record of a page accepted before the outage was sent to LinkedIn again by the resumed sync
    later = requests.get(f"{fresh.linkedin.base_url}/_control/requests", timeout=10).json()[calls_before:]
    resent = {
        entity: [i for i in ids if any(i in call["body"] for call in later if _writes(call, entity))]
        for entity, ids in accepted_before.items()
    }
    assert sum(len(ids) for ids in accepted_before.values()) >= 300
    assert all(not ids for ids in resent.values()), {e: ids[:5] for e, ids in resent.items() if ids}
    assert "history is synced" in fresh.read_emails()[-1].subject


def test_operator_cli_shows_progress_history_and_dlq(fresh: Any) -> None:
    from rsc_ops.cli import Target, cmd_dlq, cmd_history, cmd_syncs

    seed_ats(fresh, 300, seed=2)
    story = run_story(fresh, io.StringIO())
    wait_sync(fresh, lambda v: v.get("status") == "SUCCEEDED")
    import argparse

    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    outputs = fresh.outputs
    target = Target(
        session,
        fresh.moto_url,
        outputs["StateTableName"],
        outputs["SyncQueueUrl"],
        outputs["SyncDeadLetterQueueUrl"],
        outputs["InitialSyncStateMachineArn"],
    )
    out = io.StringIO()
    cmd_syncs(target, argparse.Namespace(account=None, all=True), out)
    assert "SUCCEEDED" in out.getvalue() and "100.0%" in out.getvalue() and "#" * 30 in out.getvalue()
    out = io.StringIO()
    cmd_history(target, argparse.Namespace(execution=story["executions"][0]["name"]), out)
    assert "ExecutionSucceeded" in out.getvalue() and "CheckDrain" in out.getvalue()
    sqs = fresh.boto3_client("sqs")
    sqs.send_message(QueueUrl=outputs["SyncDeadLetterQueueUrl"], MessageBody='{"not": "a page"}')
    out = io.StringIO()
    cmd_dlq(target, argparse.Namespace(action="list", account=None), out)
    assert "1 page(s)" in out.getvalue()


def test_after_the_sync_seats_are_linked_by_email_then_by_hand(fresh: Any) -> None:
    """Issue 5's story over HTTP: auto-link at the end of the sync (in the email), a recruiter refused, the admin
    links one more by hand, a seat removed at LinkedIn drops its link on refresh."""
    from rsc_demo.story import RECRUITER, run_seat_story

    seed_ats(fresh, 300, seed=5)
    run_story(fresh, io.StringIO())
    wait_sync(fresh, lambda v: v.get("status") == "SUCCEEDED")
    truth = requests.get(f"{fresh.ats.base_url}/_control/accounts/{ACCOUNT}/seats", timeout=10).json()
    expected = {h["expected_user_id"] for h in truth["seatHolders"] if h["expected_user_id"]}
    seats_total = len(truth["seatHolders"]) + 1  # and Ada, the Recruiter admin who clicked Request
    email = fresh.read_emails()[-1]
    assert f"{len(expected)} of {seats_total} seats are linked to ATS users" in email.body
    assert "Several ATS users share this email" in email.body and "deactivated" in email.body

    ats = AtsBackend(fresh.api_url)
    result = run_seat_story(fresh, io.StringIO())
    assert {u["userId"] for u in result["linked"]} == expected | {result["manual"].body["userId"]}
    assert result["refused"].status == 403 and result["refused"].error["code"] == "ROLE_NOT_ALLOWED"
    assert result["conflict"].status == 409 and result["conflict"].error["code"] == "SEAT_ALREADY_LINKED"
    assert ats.auto_link(RECRUITER).status == 403
    dry = ats.auto_link(RECRUITER, dry_run=True)
    assert dry.status == 200 and dry.body["contracts"][0]["proposals"] == []  # everything linkable is linked

    # Remove a linked seat at LinkedIn; the admin refreshes; the link goes and is reported.
    seat = ats.seats(OWNER, "?linked=true&limit=1").body["items"][0]
    requests.delete(f"{fresh.linkedin.base_url}/_control/seats/{seat['seatId']}", timeout=5).raise_for_status()
    refreshed = ats.call(OWNER, "POST", f"/accounts/{ACCOUNT}/linkedin/seats/refresh", {})
    assert refreshed.status == 200
    (removed,) = refreshed.body["contracts"][0]["linksRemoved"]
    assert removed["userId"] == seat["user"]["userId"] and "no longer exists" in removed["reason"]
    assert ats.seats(OWNER, "?linked=true").body["total"] == len(expected)  # one fewer than before
    unlinked = ats.users(OWNER, "?linked=false&limit=200").body["items"]
    assert seat["user"]["userId"] in {u["userId"] for u in unlinked}
