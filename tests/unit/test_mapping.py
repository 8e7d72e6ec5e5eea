"""The ATS -> LinkedIn mapping: LinkedIn's required-field rules (linkedin-rsc-api.md 2.7) and RSC-102."""

from __future__ import annotations

import copy

import pytest

from rsc_connector.sync.mapping import (
    Entity,
    JobAvailability,
    MappingOptions,
    Rejected,
    map_application,
    map_candidate,
    map_interview_feedback,
    map_job,
    map_record,
    map_stage,
)

ORG = "urn:li:organization:5001"
JOB = {
    "id": "job-1",
    "title": "Senior Engineer",
    "description": "Build things.",
    "location": {"city": "Lyon", "region": None, "country": "fr"},
    "status": "open",
    "visibility": "public",
    "apply_url": "https://ats.example/jobs/1",
    "created_at": "2024-01-02T03:04:05Z",
    "updated_at": "2024-02-02T03:04:05Z",
}
CANDIDATE = {
    "id": "cand-1",
    "first_name": "Zoë",
    "last_name": "Łukasz",
    "emails": [{"address": "zoe@example.com", "type": "work"}, {"address": "z@home.example", "type": "personal"}],
    "phones": [{"number": "+33 1 23", "extension": "12", "type": "work"}],
    "addresses": [{"line1": "1 rue", "city": "Lyon", "region": "ARA", "postal_code": "69001", "country": "FR"}],
    "current_company": "Acme",
    "linkedin_url": "https://www.linkedin.com/in/zoe",
    "do_not_contact": False,
    "created_at": "2023-01-01T00:00:00Z",
    "updated_at": "2023-06-01T00:00:00Z",
}


def test_job_maps_every_required_field() -> None:
    body = map_job(JOB, ORG, JobAvailability.PRIVATE, "https://x/{job_id}").body
    assert body == {
        "integrationContext": ORG,
        "externalJobPostingId": "job-1",
        "title": "Senior Engineer",
        "description": "Build things.",
        "location": "Lyon, FR",
        "state": "LISTED",
        "companyApplyUrl": "https://ats.example/jobs/1",
        "availability": "PRIVATE_TO_ATS_INTEGRATION",
        "listedAt": 1704164645000,
    }


def test_job_availability_follows_the_customers_choice_but_private_jobs_stay_private() -> None:
    assert map_job(JOB, ORG, JobAvailability.PUBLIC, "u").body["availability"] == "PUBLIC"
    private = {**JOB, "visibility": "private"}
    assert map_job(private, ORG, JobAvailability.PUBLIC, "u").body["availability"] == "PRIVATE_TO_ATS_INTEGRATION"


def test_closed_jobs_are_sent_closed() -> None:
    assert map_job({**JOB, "status": "closed"}, ORG, JobAvailability.PRIVATE, "u").body["state"] == "CLOSED"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"title": "x" * 201}, "title_too_long"),
        ({"title": "  "}, "missing_title"),
        ({"description": None}, "missing_description"),
        ({"location": {"city": "", "country": "fr"}}, "missing_location"),
        ({"updated_at": "2023-01-01T00:00:00Z"}, "modified_before_created"),
        ({"created_at": None}, "missing_timestamp"),
    ],
)
def test_job_rules(change: dict, reason: str) -> None:
    with pytest.raises(Rejected) as err:
        map_job({**JOB, **change}, ORG, JobAvailability.PRIVATE, "u")
    assert err.value.reason == reason


def test_candidate_full_record() -> None:
    body = map_candidate(CANDIDATE, ORG).body
    assert body["firstName"] == "Zoë" and body["lastName"] == "Łukasz"
    assert body["emailAddresses"] == ["zoe@example.com", "z@home.example"]
    assert body["phoneNumbers"] == [{"number": "+33 1 23", "extension": "12"}]
    assert body["addresses"][0]["country"] == "fr" and body["addresses"][0]["geographicArea"] == "ARA"
    assert body["atsLastModifiedAt"] >= body["atsCreatedAt"] > 0
    assert body["linkedInProfileUrl"] == "https://www.linkedin.com/in/zoe"


def test_candidate_without_phones_or_addresses_sends_empty_lists() -> None:
    body = map_candidate({**CANDIDATE, "phones": None, "addresses": []}, ORG).body
    assert body["phoneNumbers"] == [] and body["addresses"] == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"first_name": ""}, "missing_first_name"),
        ({"first_name": None}, "missing_first_name"),
        ({"emails": [{"address": "not-an-email"}]}, "invalid_email"),
        ({"emails": ["a@b"]}, "invalid_email"),
        ({"updated_at": "2022-01-01T00:00:00Z"}, "modified_before_created"),
    ],
)
def test_candidate_rules(change: dict, reason: str) -> None:
    with pytest.raises(Rejected) as err:
        map_candidate({**CANDIDATE, **change}, ORG)
    assert err.value.reason == reason


def test_application_needs_job_and_sends_email_only_when_available() -> None:
    application = {
        "id": "app-1",
        "candidate_id": "cand-1",
        "job_id": "job-1",
        "candidate": {"first_name": "Zoë", "last_name": "L", "email": None},
        "job": {"title": "Engineer"},
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
    }
    body = map_application(application, ORG).body
    assert "candidateEmail" not in body and body["atsJobPostingId"] == "job-1"
    assert body["atsJobPostingName"] == "Engineer" and body["atsCandidateId"] == "cand-1"
    with pytest.raises(Rejected):
        map_application({**application, "job": {"title": ""}}, ORG)
    with pytest.raises(Rejected):
        map_application({**application, "candidate": {"email": "bad"}}, ORG)


@pytest.mark.parametrize("name", ["", "  ", "Not Available", "not available"])
def test_stage_needs_a_real_name(name: str) -> None:
    with pytest.raises(Rejected) as err:
        map_stage({"id": "s1", "application_id": "app-1", "name": name, "entered_at": "2024-01-01T00:00:00Z"}, ORG)
    assert err.value.reason == "empty_stage"


def test_stage_and_feedback_carry_their_parent_application() -> None:
    stage = map_stage({"id": "s1", "application_id": "app-1", "name": "Hired", "entered_at": 1_700_000_000_000}, ORG)
    assert stage.parent_key == {"atsJobApplicationId": "app-1", "dataProvider": "ATS", "integrationContext": ORG}
    feedback = map_interview_feedback(
        {
            "id": "f1",
            "application_id": "app-1",
            "interviewer": {"first_name": "Ivy", "last_name": ""},  # an Actor needs both names: left out
            "interview_type": "other",
            "feedback": "Good",
            "ratings": [{"attribute": "Communication", "score": 4}],
            "created_at": "2024-01-01T00:00:00Z",
        },
        ORG,
    ).body
    assert "interviewer" not in feedback and "interviewType" not in feedback
    assert feedback["evaluations"] == [{"attribute": "Communication", "result": "4"}]


def test_map_record_dispatches_every_entity() -> None:
    options = MappingOptions(ORG)
    assert map_record(Entity.JOBS, copy.deepcopy(JOB), options).ats_id == "job-1"
    assert map_record(Entity.CANDIDATES, copy.deepcopy(CANDIDATE), options).ats_id == "cand-1"


def test_rejections_are_exactly_the_fake_atss_invalid_records() -> None:
    import fake_ats

    spec = fake_ats.dataset_from_total(6_000, seed=11, invalid_share=0.03)
    invalid: dict[str, set[str]] = {}
    for rejection in fake_ats.expected_rejections(spec):
        invalid.setdefault(rejection.resource, set()).add(rejection.id)
    options = MappingOptions(ORG)
    for entity in Entity:
        rejected = set()
        for record in fake_ats.records(spec, "acct", entity.value):
            try:
                map_record(entity, record, options)
            except Rejected:
                rejected.add(str(record["id"]))
        assert rejected == invalid.get(entity.value, set()), entity
