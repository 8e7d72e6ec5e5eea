"""The comparison dump: /_control/data, /_control/data/counts and their in-process twins."""

from __future__ import annotations

from tests.emulator.support import ORG, LinkedIn
from tests.emulator.sync_support import Sync, application, candidate, job, note


def fill(li: LinkedIn, sync: Sync) -> None:
    sync.post_jobs([job("J1"), job("J2", state="CLOSED")])
    sync.put_candidates({"C1": candidate(lastName=...)})
    sync.put_candidate_notes("C1", {"N1": note()})
    sync.put_applications({"A1": application()})
    sync.put_application_children("A1", "notes", {"AN1": note()})
    sync.put_application_children("A1", "stages", {"S1": {"atsCreatedAt": 1, "stage": "Hired"}})
    sync.put_application_children("A1", "interviewFeedback", {"F1": {"interviewType": "PHONE_SCREEN"}})
    li.emu.clock.advance(1)


def test_dump_holds_everything_keyed_by_ats_ids(li: LinkedIn, sync: Sync) -> None:
    fill(li, sync)
    data = sync.data()
    assert data["organization"] == ORG and data["pendingJobTasks"] == 0
    assert {ext: j["state"] for ext, j in data["jobs"].items()} == {"J1": "LISTED", "J2": "CLOSED"}
    assert data["jobs"]["J1"]["jobPosting"].startswith("urn:li:jobPosting:")
    assert data["candidates"]["C1"]["lastName"] is None and data["candidates"]["C1"]["firstName"] == "Grace"
    assert data["candidateNotes"] == {"C1": {"N1": note()}}
    assert data["applications"]["A1"] == application()
    assert data["applicationNotes"] == {"A1": {"AN1": note()}}
    assert data["applicationStages"] == {"A1": {"S1": {"atsCreatedAt": 1, "stage": "Hired"}}}
    assert data["applicationInterviewFeedback"]["A1"]["F1"]["interviewType"] == "PHONE_SCREEN"
    assert sync.counts() == {
        "organization": ORG,
        "jobs": 2,
        "jobsListed": 1,
        "jobsClosed": 1,
        "candidates": 1,
        "candidateNotes": 1,
        "applications": 1,
        "applicationNotes": 1,
        "applicationStages": 1,
        "applicationInterviewFeedback": 1,
        "pendingJobTasks": 0,
    }
    # in process: the same, as a copy the caller may change
    copy = li.emu.data(ORG)
    assert copy == data
    copy["candidates"]["C1"]["firstName"] = "changed"
    assert sync.data()["candidates"]["C1"]["firstName"] == "Grace"
    assert li.emu.data_counts(ORG)["candidates"] == 1


def test_dump_of_other_or_no_organizations(li: LinkedIn, sync: Sync) -> None:
    fill(li, sync)
    empty = sync.data("urn:li:organization:1")
    assert empty["candidates"] == {} and empty["jobs"] == {}
    listing = li.control("GET", "data").json()
    assert list(listing["organizations"]) == [ORG] and listing["organizations"][ORG]["candidates"] == 1
    assert li.control("GET", "data", params={"organization": "urn:li:contract:1"}).status_code == 400
    assert li.control("GET", "data/counts").status_code == 400
    assert li.control("GET", "data", params={"org": ORG}).status_code == 400
    state = li.control("GET", "state").json()
    assert state["sync"]["organizations"][ORG]["applications"] == 1
    li.control("POST", "reset")
    assert li.control("GET", "data").json() == {"organizations": {}}
