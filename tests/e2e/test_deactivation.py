"""Deactivation end to end on the local stack: the real route and ASL in moto, the LinkedIn emulator and the fake
ATS. After the sync, deactivating leaves only closed jobs at LinkedIn and emails the admins; a LinkedIn outage
mid-way fails it (email, contract stays Deactivating) and deactivating again resumes; re-activating afterwards
runs a fresh initial sync."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from rsc_demo.ats import AtsBackend
from rsc_demo.deactivation_story import run_deactivation_story
from rsc_demo.linkedin_people import LinkedInPeople
from rsc_demo.story import ACCOUNT, COMPANY, CORPORATE, OWNER, run_story, seed_ats, stack_config

pytestmark = pytest.mark.stack
ORG = "urn:li:organization:5001"
PATH = f"/accounts/{ACCOUNT}/linkedin/deactivation"
CEILING = 3_000  # records/min, scaled down so a small account takes long enough to interrupt
KINDS = ("candidate-notes", "candidates", "application-notes", "stages", "interview-feedback", "applications")


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from rsc_local.testing import local_stack, testing_config

    base = stack_config("rsc-e2e-deactivation", log_level="WARNING")
    parameters = {**base.parameters, "SyncStallSeconds": "10", "LinkedInSyncRecordsPerMinute": str(CEILING)}
    config = testing_config(
        stack_name="rsc-e2e-deactivation", parameters=parameters, secrets=base.secrets, ats=base.ats
    )
    with local_stack(config) as running:
        yield running


@pytest.fixture
def fresh(stack: Any) -> Any:
    stack.reset_data()
    requests.post(f"{stack.linkedin.base_url}/_control/reset", timeout=5).raise_for_status()
    requests.post(f"{stack.linkedin.base_url}/_control/limits", json={"syncRecordsPerMinute": CEILING}, timeout=5)
    return stack


def status(stack: Any) -> dict[str, Any]:
    return AtsBackend(stack.api_url).status(OWNER).body["contracts"][0]  # type: ignore[no-any-return]


def wait(predicate: Any, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def synced(stack: Any, records: int) -> None:
    seed_ats(stack, records, seed=7, invalid_share=0.0)
    run_story(stack, io.StringIO())
    wait(lambda: (status(stack).get("sync") or {}).get("status") == "SUCCEEDED", "the initial sync")


def deactivation(stack: Any) -> dict[str, Any]:
    view = AtsBackend(stack.api_url).call(OWNER, "GET", PATH).body
    return view["contracts"][0] if view["contracts"] else {}  # type: ignore[no-any-return]


def linkedin_data(stack: Any) -> dict[str, Any]:
    resp = requests.get(f"{stack.linkedin.base_url}/_control/data", params={"organization": ORG}, timeout=30)
    return resp.json()  # type: ignore[no-any-return]


def assert_only_closed_jobs(data: dict[str, Any]) -> None:
    for name in (
        "candidates",
        "candidateNotes",
        "applications",
        "applicationNotes",
        "applicationStages",
        "applicationInterviewFeedback",
    ):
        assert data[name] == {}, name
    assert data["jobs"] and {job["state"] for job in data["jobs"].values()} == {"CLOSED"}


def test_deactivating_after_the_sync_leaves_only_closed_jobs_and_emails_the_admins(fresh: Any) -> None:
    synced(fresh, 400)
    held = linkedin_data(fresh)
    out = io.StringIO()
    story = run_deactivation_story(fresh, out)
    assert story["refused"].status == 403 and story["refused"].error["code"] == "ROLE_NOT_ALLOWED"
    assert story["reply"].status == 202 and story["reply"].body["contracts"][0]["started"] is True
    assert story["again"].status in (200, 202) and not story["again"].body["contracts"][0]["started"]
    contract = story["view"]["contracts"][0]
    assert contract["status"] == "DEACTIVATED" and contract["deactivation"]["status"] == "SUCCEEDED"
    progress = contract["deactivation"]["progress"]
    assert progress["status"] == "DONE"
    assert progress["entities"]["candidates"]["deleted"] == len(held["candidates"])
    assert all(progress["entities"][k]["failed"] == 0 for k in KINDS)
    assert progress["jobs"]["closed"] == len(held["jobs"])
    assert_only_closed_jobs(linkedin_data(fresh))
    assert set(story["remaining"]) == {ORG} and story["remaining"][ORG]["candidates"] == 0
    email = story["email"]
    assert email is not None and "is deactivated" in email.subject
    assert "contract data deletion request" in email.body and "Admin Settings > ATS" in email.body
    text = out.getvalue()
    assert "closed jobs" in text and "Deactivated" in text
    # asked again once done: 200 with the state, nothing started
    again = AtsBackend(fresh.api_url).call(OWNER, "POST", PATH, {"contractId": "7001"})
    assert again.status == 200 and again.body["contracts"][0]["status"] == "DEACTIVATED"


def test_an_outage_mid_deactivation_fails_it_and_deactivating_again_resumes(fresh: Any) -> None:
    synced(fresh, 1_500)
    held = linkedin_data(fresh)
    ats = AtsBackend(fresh.api_url)
    started = ats.call(OWNER, "POST", PATH, {"contractId": "7001"})
    assert started.status == 202 and started.body["contracts"][0]["started"] is True
    # (1, unless an earlier test of this module's stack used the name: an ended execution's name is skipped)
    first_attempt = started.body["contracts"][0]["deactivation"]["attempt"]
    wait(lambda: ((deactivation(fresh)["deactivation"] or {}).get("progress") or {}).get("deleted", 0) >= 300, "300")
    # LinkedIn goes down: every call answers 500
    requests.post(f"{fresh.linkedin.base_url}/_control/faults", json={"seed": 3, "rates": {"500": 1.0}}, timeout=5)
    wait(lambda: deactivation(fresh)["deactivation"]["status"] == "FAILED", "the deactivation to fail", 120)
    failed = deactivation(fresh)
    assert failed["status"] == "DEACTIVATING"  # no sync, no poll, not done
    deleted_before = failed["deactivation"]["progress"]["deleted"]
    assert 300 <= deleted_before < sum(len(held[k]) for k in ("candidates", "applications"))
    email = fresh.read_emails()[-1]
    assert "did not finish" in email.subject and "resumes where it stopped" in email.body
    requests.delete(f"{fresh.linkedin.base_url}/_control/requests", timeout=5)

    # LinkedIn is back; the Owner clicks Deactivate again: attempt 2 resumes
    requests.post(f"{fresh.linkedin.base_url}/_control/faults", json={}, timeout=5)
    resumed = ats.call(OWNER, "POST", PATH, {})
    assert resumed.status == 202 and resumed.body["contracts"][0]["started"] is True
    assert resumed.body["contracts"][0]["deactivation"]["attempt"] == first_attempt + 1
    wait(lambda: deactivation(fresh)["deactivation"]["status"] in ("SUCCEEDED", "FAILED"), "the resumed run")
    done = deactivation(fresh)
    assert done["status"] == "DEACTIVATED" and done["deactivation"]["status"] == "SUCCEEDED"
    assert_only_closed_jobs(linkedin_data(fresh))
    progress = done["deactivation"]["progress"]
    for kind in KINDS:
        row = progress["entities"][kind]
        assert row["failed"] == 0, kind
        assert row["gone"] <= 100, kind  # at most the page in flight when LinkedIn went down answers 404
    assert progress["entities"]["candidates"]["deleted"] + progress["entities"]["candidates"]["gone"] == len(
        held["candidates"]
    )
    # the resumed run went on from its cursor: fewer candidate delete calls than candidate pages in all
    resumed_calls = requests.get(f"{fresh.linkedin.base_url}/_control/requests", timeout=10).json()
    candidate_pages = (len(held["candidates"]) + 99) // 100
    assert sum(1 for r in resumed_calls if r["path"] == "/v2/atsCandidates") <= candidate_pages
    assert "is deactivated" in fresh.read_emails()[-1].subject


def test_reactivating_after_a_deactivation_runs_a_fresh_initial_sync(fresh: Any) -> None:
    synced(fresh, 300)
    first_sync = status(fresh)["initialSync"]["syncId"]
    ats = AtsBackend(fresh.api_url)
    ats.call(OWNER, "POST", PATH, {})
    wait(lambda: deactivation(fresh)["status"] == "DEACTIVATED", "the deactivation")
    assert_only_closed_jobs(linkedin_data(fresh))

    # ACTIVATE again: the application is found (not created), Ada clicks Request, Partner ready, Enabled
    activation = ats.activate(OWNER, COMPANY)
    assert activation.status == 200 and activation.body["childApplication"]["created"] is False
    people = LinkedInPeople(fresh.linkedin.base_url)
    url = activation.body["authorizationUrl"]
    requested = people.request(url, "ada", CORPORATE)
    back = ats.http.get(str(requested.location), allow_redirects=False, timeout=30)
    assert back.status_code == 302 and "partner_ready" in back.headers["Location"]
    assert status(fresh)["status"] == "PARTNER_READY"
    ats.renotify(OWNER, "7001")
    fresh.fire_schedule("EnablementPollFunction")
    contract = status(fresh)
    assert contract["status"] in ("ENABLED", "SYNCING")
    new_sync = contract["initialSync"]["syncId"]
    assert new_sync != first_sync and new_sync.endswith("-a2")
    wait(lambda: (status(fresh).get("sync") or {}).get("status") == "SUCCEEDED", "the new initial sync")
    view = status(fresh)["sync"]
    assert view["syncId"] == new_sync and view["percent"] == 100.0
    data = linkedin_data(fresh)
    assert data["candidates"] and {j["state"] for j in data["jobs"].values()} >= {"LISTED"}
    assert "history is synced" in fresh.read_emails()[-1].subject
