"""Module 5: BATCH_DELETE of candidates, applications and their children; cascades; absent -> 404 (A15)."""

from __future__ import annotations

import requests

from tests.emulator.support import ORG, LinkedIn
from tests.emulator.sync_support import (
    APPLICATION_ID,
    CANDIDATE_ID,
    Sync,
    application,
    candidate,
    canonical,
    ids_query,
    note,
)


def test_deleting_a_candidate_removes_its_notes(sync: Sync) -> None:
    sync.put_candidates({"C1": candidate(), "C2": candidate()})
    sync.put_candidate_notes("C1", {"N1": note(), "N2": note()})
    sync.put_candidate_notes("C2", {"N3": note()})
    resp = sync.delete("atsCandidates", CANDIDATE_ID, ["C1", "C9"])
    assert resp.status_code == 200
    assert resp.json() == {
        "results": {canonical(CANDIDATE_ID, "C1"): {"status": 204}},
        "errors": {canonical(CANDIDATE_ID, "C9"): {"status": 404, "message": f"No candidate 'C9' in {ORG}"}},
    }
    data = sync.data()
    assert set(data["candidates"]) == {"C2"} and data["candidateNotes"] == {"C2": {"N3": note()}}
    again = sync.delete("atsCandidates", CANDIDATE_ID, ["C1"]).json()
    assert again["results"] == {} and again["errors"][canonical(CANDIDATE_ID, "C1")]["status"] == 404
    # a candidate synced again starts without the old notes
    sync.put_candidates({"C1": candidate()})
    assert "C1" not in sync.data()["candidateNotes"]


def test_notes_first_then_the_candidate(sync: Sync) -> None:
    """RSC-501: delete the notes, then the candidate."""
    sync.put_candidates({"C1": candidate()})
    sync.put_candidate_notes("C1", {"N1": note(), "N2": note()})
    gone = sync.delete_children("atsCandidates", CANDIDATE_ID, "C1", "notes", ["N1", "N2", "N3"]).json()
    assert gone["results"] == {"N1": {"status": 204}, "N2": {"status": 204}}
    assert gone["errors"] == {"N3": {"status": 404, "message": "No note 'N3' of candidate 'C1'"}}
    assert sync.data()["candidateNotes"] == {}
    assert sync.delete("atsCandidates", CANDIDATE_ID, ["C1"]).json()["errors"] == {}
    orphan = sync.delete_children("atsCandidates", CANDIDATE_ID, "C1", "notes", ["N1"]).json()
    assert orphan["errors"] == {"N1": {"status": 404, "message": f"No candidate 'C1' in {ORG}"}}


def test_deleting_an_application_removes_its_notes_stages_and_feedback(sync: Sync) -> None:
    sync.put_applications({"A1": application(), "A2": application()})
    for parent in ("A1", "A2"):
        sync.put_application_children(parent, "notes", {"AN1": note()})
        sync.put_application_children(parent, "stages", {"S1": {"atsCreatedAt": 1, "stage": "Hired"}})
        sync.put_application_children(parent, "interviewFeedback", {"F1": {"feedback": "ok"}})
    counts = sync.counts()
    assert (counts["applicationNotes"], counts["applicationStages"], counts["applicationInterviewFeedback"]) == (
        2,
        2,
        2,
    )
    resp = sync.delete("atsApplications", APPLICATION_ID, ["A1"])
    assert resp.json() == {"results": {canonical(APPLICATION_ID, "A1"): {"status": 204}}, "errors": {}}
    data = sync.data()
    assert set(data["applications"]) == {"A2"}
    for name in ("applicationNotes", "applicationStages", "applicationInterviewFeedback"):
        assert set(data[name]) == {"A2"}, name
    late = sync.put_application_children("A1", "stages", {"S2": {"atsCreatedAt": 1, "stage": "Rejected"}})
    assert late.json()["errors"]["S2"]["status"] == 404


def test_application_children_one_by_one(sync: Sync) -> None:
    """RSC-503: delete notes, stages and feedback, then the application."""
    sync.put_applications({"A1": application()})
    sync.put_application_children("A1", "notes", {"AN1": note()})
    sync.put_application_children("A1", "stages", {"S1": {"atsCreatedAt": 1, "stage": "Hired"}})
    sync.put_application_children("A1", "interviewFeedback", {"F1": {"feedback": "ok"}})
    for kind, child_id in (("notes", "AN1"), ("stages", "S1"), ("interviewFeedback", "F1")):
        resp = sync.delete_children("atsApplications", APPLICATION_ID, "A1", kind, [child_id])
        assert resp.json() == {"results": {child_id: {"status": 204}}, "errors": {}}, kind
    data = sync.data()
    assert data["applicationNotes"] == data["applicationStages"] == data["applicationInterviewFeedback"] == {}
    assert sync.delete("atsApplications", APPLICATION_ID, ["A1"]).json()["errors"] == {}
    assert sync.counts()["applications"] == 0


def test_delete_request_rules(li: LinkedIn, sync: Sync) -> None:
    url = f"{li.api}/atsCandidates?{ids_query(CANDIDATE_ID, ['C1'])}"
    with_body = requests.delete(url, json={"entities": {}}, headers=sync.child.auth)
    assert with_body.status_code == 400
    wrong_method = requests.delete(url, headers={**sync.child.auth, "X-RestLi-Method": "batch_update"})
    assert wrong_method.status_code == 400
    named = requests.delete(url, headers={**sync.child.auth, "X-RestLi-Method": "BATCH_DELETE"})
    assert named.status_code == 200 and named.json()["errors"][canonical(CANDIDATE_ID, "C1")]["status"] == 404
    tunneled = requests.post(
        f"{li.api}/atsCandidates",
        data=ids_query(CANDIDATE_ID, ["C1"]),
        headers={
            **sync.child.auth,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-HTTP-Method-Override": "DELETE",
        },
    )
    assert tunneled.status_code == 200 and tunneled.json()["results"] == {}
