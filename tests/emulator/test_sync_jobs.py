"""simpleJobPostings (BATCH_CREATE, asynchronous) and simpleJobPostingTasks (BATCH_GET): A14, A18."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.emulator.support import ORG, LinkedIn
from tests.emulator.sync_support import Sync, job


def task_urns(resp: requests.Response) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [element["id"] for element in resp.json()["elements"] if element["status"] == 202]


def settle(li: LinkedIn) -> None:
    """Let the default processing delay (0.2 s of emulator time) pass."""
    li.emu.clock.advance(1)


def test_batch_create_answers_per_element_in_request_order(sync: Sync) -> None:
    resp = sync.post_jobs([job("J1"), job("J2", title=...), job("J3", availability="PUBLIC")])
    assert resp.status_code == 200
    elements = resp.json()["elements"]
    assert [element["status"] for element in elements] == [202, 422, 202]
    assert elements[0]["id"].startswith("urn:li:simpleJobPostingTask:")
    assert elements[1] == {
        "status": 422,
        "error": {
            "message": "ERROR :: /title :: field is required but not found and has no default value\n",
            "status": 422,
        },
    }
    assert len({elements[0]["id"], elements[2]["id"]}) == 2


def test_tasks_are_in_progress_then_succeeded(li: LinkedIn, sync: Sync) -> None:
    urns = task_urns(sync.post_jobs([job("J1"), job("J2", location=..., countryCode="US", postalCode="94105")]))
    pending = sync.tasks(urns).json()
    assert pending["statuses"] == {} and pending["errors"] == {}
    assert {task["status"] for task in pending["results"].values()} == {"IN_PROGRESS"}
    assert pending["results"][urns[0]] == {
        "id": urns[0],
        "status": "IN_PROGRESS",
        "externalJobPostingId": "J1",
        "location": "San Francisco, CA",
    }
    assert sync.counts()["jobs"] == 0 and sync.counts()["pendingJobTasks"] == 2  # not applied yet
    li.emu.clock.advance(0.2)
    done = sync.tasks(urns).json()["results"]
    assert done[urns[0]]["status"] == "SUCCEEDED" and done[urns[0]]["jobPosting"].startswith("urn:li:jobPosting:")
    assert "location" not in done[urns[1]] and done[urns[1]]["externalJobPostingId"] == "J2"
    stored = sync.data()["jobs"]
    assert stored["J1"]["state"] == "LISTED" and stored["J1"]["jobPosting"] == done[urns[0]]["jobPosting"]
    assert stored["J2"]["location"] is None and stored["J2"]["postalCode"] == "94105"


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"integrationContext": ...}, "/integrationContext"),
        ({"integrationContext": "urn:li:contract:123"}, "/integrationContext"),
        ({"externalJobPostingId": ...}, "/externalJobPostingId"),
        ({"externalJobPostingId": ""}, "/externalJobPostingId"),
        ({"title": ...}, "/title"),
        ({"title": "x" * 201}, "/title"),
        ({"description": ...}, "/description"),
        ({"location": ...}, "/location"),
        ({"location": ..., "countryCode": "US"}, "/location"),
        ({"state": ...}, "/state"),
        ({"state": "OPEN"}, "/state"),
        ({"jobPostingOperationType": "CREATE"}, "/state"),  # both: state is deprecated by the operation type
        ({"state": ..., "jobPostingOperationType": "DELETE"}, "/jobPostingOperationType"),
        ({"companyApplyUrl": ...}, "/companyApplyUrl"),
        ({"companyApplyUrl": "ats.example.com/jobs/1"}, "/companyApplyUrl"),
        ({"availability": ...}, "/availability"),
        ({"availability": "EVERYONE"}, "/availability"),
        ({"listedAt": 0}, "/listedAt"),
        ({"requisitionOwnerEmail": "owner"}, "/requisitionOwnerEmail"),
        ({"salary": "lots"}, "/salary"),
        ({"description": None}, "/description"),
    ],
)
def test_job_validation_rules(sync: Sync, overrides: dict[str, Any], path: str) -> None:
    element = sync.post_jobs([job("J1", **overrides)]).json()["elements"][0]
    assert element["status"] == 422 and element["error"]["status"] == 422
    assert f"ERROR :: {path} :: " in element["error"]["message"], element["error"]["message"]


def test_title_of_200_characters_is_fine(sync: Sync) -> None:
    assert sync.post_jobs([job("J1", title="x" * 200)]).json()["elements"][0]["status"] == 202


def test_duplicate_ids_and_more_than_100_are_400(sync: Sync) -> None:
    duplicate = sync.post_jobs([job("J1"), job("J1", title="Other")])
    assert duplicate.status_code == 400 and "Duplicate externalJobPostingId 'J1'" in duplicate.json()["message"]
    too_many = sync.post_jobs([job(f"J{n}") for n in range(101)])
    assert too_many.status_code == 400 and "at most 100" in too_many.json()["message"]
    assert sync.post_jobs([job(f"J{n}") for n in range(100)]).status_code == 200
    assert sync.post_jobs([]).status_code == 400


def test_request_shape_errors(li: LinkedIn, sync: Sync) -> None:
    url = f"{li.api}/simpleJobPostings"
    auth = sync.child.auth
    assert requests.post(url, json={"elements": [job()]}, headers=auth).status_code == 400  # no batch_create
    wrong = requests.post(url, json={"elements": [job()]}, headers={**auth, "X-RestLi-Method": "create"})
    assert wrong.status_code == 400
    assert requests.post(url, json=[job()], headers={**auth, "X-RestLi-Method": "batch_create"}).status_code == 400
    with_query = requests.post(
        f"{url}?ids=1", json={"elements": [job()]}, headers={**auth, "X-RestLi-Method": "batch_create"}
    )
    assert with_query.status_code == 400
    assert requests.get(url, headers=auth).status_code == 405


def test_state_upserts_and_closes(li: LinkedIn, sync: Sync) -> None:
    first = task_urns(sync.post_jobs([job("J1")]))
    settle(li)
    posting = sync.tasks(first).json()["results"][first[0]]["jobPosting"]
    closed = task_urns(sync.post_jobs([job("J1", state="CLOSED", title="Renamed")]))
    historical = task_urns(sync.post_jobs([job("OLD", state="CLOSED")]))  # a closed job from the history
    settle(li)
    results = sync.tasks(closed + historical).json()["results"]
    assert results[closed[0]] == {
        "id": closed[0],
        "status": "SUCCEEDED",
        "externalJobPostingId": "J1",
        "jobPosting": posting,
        "location": "San Francisco, CA",
    }
    jobs = sync.data()["jobs"]
    assert jobs["J1"]["state"] == "CLOSED" and jobs["J1"]["title"] == "Renamed"
    assert jobs["OLD"]["state"] == "CLOSED"
    task_urns(sync.post_jobs([job("J1", state="LISTED")]))
    settle(li)
    assert sync.data()["jobs"]["J1"]["state"] == "LISTED"
    counts = sync.counts()
    assert (counts["jobs"], counts["jobsListed"], counts["jobsClosed"]) == (2, 1, 1)


def operation(external_id: str, kind: str, **overrides: Any) -> dict[str, Any]:
    return job(external_id, state=..., jobPostingOperationType=kind, **overrides)


def test_operation_types_and_their_asynchronous_failures(li: LinkedIn, sync: Sync) -> None:
    def run(*elements: dict[str, Any]) -> list[dict[str, Any]]:
        urns = task_urns(sync.post_jobs(list(elements)))
        settle(li)
        results = sync.tasks(urns).json()["results"]
        return [results[urn] for urn in urns]

    (created,) = run(operation("J1", "CREATE"))
    assert created["status"] == "SUCCEEDED"
    again, unknown_update, unknown_close = run(
        operation("J1", "CREATE"), operation("J2", "UPDATE"), operation("J3", "CLOSE")
    )
    assert again["status"] == "FAILED" and "already exists" in again["errorMessage"] and "jobPosting" not in again
    assert unknown_update["status"] == "FAILED" and "does not exist" in unknown_update["errorMessage"]
    assert unknown_close["status"] == "FAILED"
    (updated,) = run(operation("J1", "UPDATE", title="Staff Engineer"))
    assert updated["status"] == "SUCCEEDED" and updated["jobPosting"] == created["jobPosting"]
    (closed,) = run(operation("J1", "CLOSE"))
    assert closed["status"] == "SUCCEEDED" and sync.data()["jobs"]["J1"]["state"] == "CLOSED"
    (update_closed,) = run(operation("J1", "UPDATE"))
    assert update_closed["status"] == "FAILED" and "RENEW" in update_closed["errorMessage"]
    (renewed,) = run(operation("J1", "RENEW"))
    assert renewed["status"] == "SUCCEEDED"
    stored = sync.data()["jobs"]
    assert stored["J1"]["state"] == "LISTED" and stored["J1"]["jobPostingOperationType"] == "RENEW"
    assert set(stored) == {"J1"}


def test_tasks_are_applied_in_submission_order(li: LinkedIn, sync: Sync) -> None:
    task_urns(sync.post_jobs([operation("J1", "CREATE")]))
    task_urns(sync.post_jobs([operation("J1", "CLOSE")]))
    settle(li)
    assert sync.data()["jobs"]["J1"]["state"] == "CLOSED"


def test_task_ids_expire_after_24_hours_and_are_private(li: LinkedIn, sync: Sync) -> None:
    urn = task_urns(sync.post_jobs([job("J1")]))[0]
    other = li.provision("cust-2")
    assert (
        requests.get(f"{li.api}/simpleJobPostingTasks", params={"ids": urn}, headers=other.auth).json()["errors"][urn][
            "status"
        ]
        == 404
    )
    li.emu.clock.advance(24 * 3600 - 1)
    fresh = li.token(sync.child.client_id, sync.child.client_secret)
    sync.child.token = fresh
    assert sync.tasks([urn]).json()["results"][urn]["status"] == "SUCCEEDED"
    li.emu.clock.advance(1)
    expired = sync.tasks([urn, "urn:li:simpleJobPostingTask:nope"]).json()
    assert expired["results"] == {} and set(expired["errors"]) == {urn, "urn:li:simpleJobPostingTask:nope"}
    assert sync.tasks(["not-a-task"]).status_code == 400
    assert sync.data()["jobs"]["J1"]["state"] == "LISTED"  # the job outlives its task


def test_processing_delay_knob_and_complete_now(li: LinkedIn, sync: Sync) -> None:
    assert li.control("POST", "job-tasks", json={"delaySeconds": 0}).json()["delaySeconds"] == 0
    urn = task_urns(sync.post_jobs([job("J1")]))[0]
    assert sync.tasks([urn]).json()["results"][urn]["status"] == "SUCCEEDED"
    li.control("POST", "job-tasks", json={"delaySeconds": 3600})
    slow = task_urns(sync.post_jobs([job("J2")]))[0]
    assert sync.tasks([slow]).json()["results"][slow]["status"] == "IN_PROGRESS"
    view = li.control("GET", "job-tasks").json()
    assert view["pending"] == 1 and view["statuses"] == {"SUCCEEDED": 1, "IN_PROGRESS": 1}
    done = li.control("POST", "job-tasks", json={"completeNow": True}).json()
    assert done["completed"] == 1 and done["pending"] == 0
    assert sync.tasks([slow]).json()["results"][slow]["status"] == "SUCCEEDED"
    assert li.control("POST", "job-tasks", json={"delaySeconds": -1}).status_code == 400


def test_jobs_follow_real_time_on_a_running_clock(li: LinkedIn, sync: Sync) -> None:
    li.emu.clock.freeze(False)
    try:
        li.control("POST", "job-tasks", json={"delaySeconds": 0.05})
        urn = task_urns(sync.post_jobs([job("J1")]))[0]
        deadline = li.emu.clock.now() + 5
        status = "IN_PROGRESS"
        while status == "IN_PROGRESS" and li.emu.clock.now() < deadline:
            status = sync.tasks([urn]).json()["results"][urn]["status"]
        assert status == "SUCCEEDED"
    finally:
        li.emu.clock.freeze(True)


def test_jobs_of_an_organization_of_another_app_are_refused_whole(li: LinkedIn, sync: Sync) -> None:
    resp = sync.post_jobs([job("J1"), job("J2", integrationContext="urn:li:organization:999")])
    assert resp.status_code == 403 and "urn:li:organization:999" in resp.json()["message"]
    li.emu.clock.advance(1)
    assert sync.counts()["jobs"] == 0 and sync.counts(ORG)["pendingJobTasks"] == 0
