"""atsApplications (BATCH_UPDATE, full replacement) and its notes, stages and interviewFeedback sub-resources."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.emulator.support import ORG, LinkedIn
from tests.emulator.sync_support import APPLICATION_ID, PUT, Sync, application, canonical, note


def appl(ats_id: str) -> str:
    return canonical(APPLICATION_ID, ats_id)


def stage(name: str = "Phone Screen", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"atsCreatedAt": 1_700_000_200_000, "stage": name, **overrides}
    return {key: value for key, value in body.items() if value is not ...}


def feedback(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "atsCreatedAt": 1_700_000_300_000,
        "interviewer": {"firstName": "Alan", "lastName": "Turing"},
        "evaluations": [{"attribute": "Verbal Communication", "result": "4/5"}],
        "feedback": "Clear thinker",
        "interviewType": "ONSITE",
        **overrides,
    }
    return {key: value for key, value in body.items() if value is not ...}


def test_upsert_with_full_replacement(sync: Sync) -> None:
    resp = sync.put_applications({"A1": application(), "A2": application(atsCandidateId=...)})
    assert resp.json() == {"results": {appl("A1"): {"status": 204}, appl("A2"): {"status": 204}}, "errors": {}}
    assert sync.put_applications({"A1": application(source=..., candidateEmail=...)}).json()["errors"] == {}
    stored = sync.data()["applications"]
    assert stored["A1"]["source"] is None and stored["A1"]["candidateEmail"] is None
    assert stored["A1"]["atsJobPostingName"] == "Senior Software Engineer"
    assert stored["A2"]["atsCandidateId"] is None


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"atsCreatedAt": ...}, "/atsCreatedAt"),
        ({"atsCreatedAt": 0}, "/atsCreatedAt"),
        ({"atsLastModifiedAt": ...}, "/atsLastModifiedAt"),
        ({"atsLastModifiedAt": 1_600_000_000_000}, "/atsLastModifiedAt"),
        ({"atsJobPostingId": ...}, "/atsJobPostingId"),
        ({"atsJobPostingId": ""}, "/atsJobPostingId"),
        ({"atsJobPostingName": ...}, "/atsJobPostingName"),
        ({"atsJobPostingName": ""}, "/atsJobPostingName"),
        ({"candidateEmail": "grace at navy"}, "/candidateEmail"),
        ({"accessRestriction": "NONE"}, "/accessRestriction"),
        ({"source": 7}, "/source"),
    ],
)
def test_application_validation_rules(sync: Sync, overrides: dict[str, Any], path: str) -> None:
    error = sync.put_applications({"A1": application(**overrides)}).json()["errors"][appl("A1")]
    assert error["status"] == 422 and f"ERROR :: {path} :: " in error["message"], error["message"]
    assert sync.data()["applications"] == {}


def test_stages(sync: Sync) -> None:
    sync.put_applications({"A1": application()})
    resp = sync.put_application_children(
        "A1",
        "stages",
        {
            "S1": stage(),
            "S2": stage("Not Available"),
            "S3": stage(""),
            "S4": stage(atsCreatedAt=...),
            "S5": stage(atsCreatedAt=0),
            "S6": stage("Offer Extended"),
        },
    )
    body = resp.json()
    assert body["results"] == {"S1": {"status": 204}, "S6": {"status": 204}}
    expected = {"S2": "/stage", "S3": "/stage", "S4": "/atsCreatedAt", "S5": "/atsCreatedAt"}
    for stage_id, path in expected.items():
        assert f"ERROR :: {path} :: " in body["errors"][stage_id]["message"], body["errors"][stage_id]
    assert sync.data()["applicationStages"] == {
        "A1": {
            "S1": {"atsCreatedAt": 1_700_000_200_000, "stage": "Phone Screen"},
            "S6": {"atsCreatedAt": 1_700_000_200_000, "stage": "Offer Extended"},
        }
    }


def test_interview_feedback(sync: Sync) -> None:
    sync.put_applications({"A1": application()})
    resp = sync.put_application_children(
        "A1",
        "interviewFeedback",
        {
            "F1": feedback(),
            "F2": feedback(interviewType="VIDEO"),
            "F3": feedback(evaluations=[{"result": "3/5"}]),
            "F4": feedback(interviewer={"firstName": "Alan"}),
            "F5": {},
        },
    )
    body = resp.json()
    assert body["results"] == {"F1": {"status": 204}, "F5": {"status": 204}}
    assert "ERROR :: /interviewType :: " in body["errors"]["F2"]["message"]
    assert "ERROR :: /evaluations/0/attribute :: " in body["errors"]["F3"]["message"]
    assert "ERROR :: /interviewer/lastName :: " in body["errors"]["F4"]["message"]
    stored = sync.data()["applicationInterviewFeedback"]["A1"]
    assert stored["F1"] == feedback()
    assert stored["F5"] == {
        "atsCreatedAt": None,
        "interviewer": None,
        "evaluations": None,
        "feedback": None,
        "interviewType": None,
    }


def test_application_notes(sync: Sync) -> None:
    sync.put_applications({"A1": application()})
    resp = sync.put_application_children(
        "A1", "notes", {"AN1": note(), "AN2": note(author={"lastName": "Smith"}), "AN3": note(mood="happy")}
    )
    body = resp.json()
    assert body["results"] == {"AN1": {"status": 204}}
    assert "ERROR :: /author/firstName :: " in body["errors"]["AN2"]["message"]
    assert "ERROR :: /mood :: " in body["errors"]["AN3"]["message"]
    assert sync.counts()["applicationNotes"] == 1


def test_children_of_a_missing_application_are_per_entity_404(sync: Sync) -> None:
    for kind, entity in (("notes", note()), ("stages", stage()), ("interviewFeedback", feedback())):
        resp = sync.put_application_children("A404", kind, {"X1": entity, "X2": entity})
        assert resp.status_code == 200
        assert resp.json()["results"] == {}
        assert resp.json()["errors"]["X1"] == {"status": 404, "message": f"No application 'A404' in {ORG}"}


def test_sub_resource_methods_and_keys(li: LinkedIn, sync: Sync) -> None:
    sync.put_applications({"A1": application()})
    url = sync.child_url("atsApplications", APPLICATION_ID, "A1", "stages")
    assert requests.get(url, params={"ids": "S1"}, headers=sync.child.auth).status_code == 405
    assert requests.post(f"{li.api}/atsApplications", headers=sync.child.auth).status_code == 405
    no_method = requests.put(url, params={"ids": "S1"}, json={"entities": {"S1": stage()}}, headers=sync.child.auth)
    assert no_method.status_code == 400
    bad_parent = url.replace("dataProvider=ATS", "dataProvider=HRIS")
    refused = requests.put(bad_parent, params={"ids": "S1"}, json={"entities": {"S1": stage()}}, headers=PUT)
    assert refused.status_code == 401  # authentication comes first
    refused = requests.put(
        bad_parent, params={"ids": "S1"}, json={"entities": {"S1": stage()}}, headers={**sync.child.auth, **PUT}
    )
    assert refused.status_code == 400 and "dataProvider" in refused.json()["message"]
    repeated = requests.put(
        url,
        params=[("ids", "S1"), ("ids", "S1")],
        json={"entities": {"S1": stage()}},
        headers={**sync.child.auth, **PUT},
    )
    assert repeated.status_code == 400
