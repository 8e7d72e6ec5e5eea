"""The record models: every served record parses, invalid ones included, and parsing is lenient."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import fake_ats
from rsc_connector.ats import (
    ATS_RESOURCES,
    RECORD_MODELS,
    SYNC_RESOURCES,
    AtsApplication,
    AtsCandidate,
    AtsRecordError,
    AtsStage,
    AtsUser,
    parse_record,
)


def test_the_connector_and_the_fake_agree_on_the_resources() -> None:
    assert ATS_RESOURCES == fake_ats.RESOURCES
    assert SYNC_RESOURCES == fake_ats.SYNC_RESOURCES
    assert set(RECORD_MODELS) == set(ATS_RESOURCES)


@pytest.mark.parametrize("resource", ATS_RESOURCES)
def test_every_served_record_parses_to_its_model(resource: str) -> None:
    spec = fake_ats.DatasetSpec(seed=2, jobs=10, candidates=80, invalid_share=0.25)
    for item in fake_ats.records(spec, "acct", resource):
        model = parse_record(resource, item)
        assert type(model) is RECORD_MODELS[resource]
        assert model.id == item["id"]
        dumped = model.model_dump()
        for key, value in item.items():
            if isinstance(value, str) and key.endswith("_at"):
                assert dumped[key] == datetime.fromisoformat(value.replace("Z", "+00:00"))
            elif key in dumped and not isinstance(value, dict | list):
                assert dumped[key] == value


def test_records_linkedin_rejects_still_parse() -> None:
    spec = fake_ats.DatasetSpec(seed=2, jobs=10, candidates=80, invalid_share=0.5)
    seen = set()
    for rejection in fake_ats.expected_rejections(spec):
        model = parse_record(rejection.resource, fake_ats.record(spec, rejection.resource, rejection.index))
        seen.add(rejection.reason)
        if rejection.reason == "missing_first_name":
            assert isinstance(model, AtsCandidate) and not model.first_name
        if rejection.reason == "stage_not_available":
            assert isinstance(model, AtsStage) and model.name == "Not Available"
    assert seen == set(fake_ats.REASONS)


def test_parsing_is_lenient() -> None:
    candidate = parse_record(
        "candidates",
        {
            "id": 42,
            "emails": ["a@b.example", {"address": "c@d.example", "type": "work"}],
            "phones": None,
            "created_at": "2024-01-02T03:04:05",
            "updated_at": "last tuesday",
            "unknown": {"anything": 1},
        },
    )
    assert isinstance(candidate, AtsCandidate)
    assert candidate.id == "42" and candidate.first_name is None
    assert [e.address for e in candidate.emails] == ["a@b.example", "c@d.example"]
    assert candidate.phones == [] and candidate.addresses == []
    assert candidate.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert candidate.updated_at is None
    offset = parse_record("stages", {"id": "s", "entered_at": "2024-01-02T05:04:05+02:00"})
    assert isinstance(offset, AtsStage) and offset.entered_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    application = parse_record("applications", {"id": "a", "candidate_id": 7, "candidate": None})
    assert isinstance(application, AtsApplication) and application.candidate_id == "7"
    user = parse_record("users", {"id": "u", "emails": None})
    assert isinstance(user, AtsUser) and user.emails == []


@pytest.mark.parametrize(
    ("resource", "data", "fields"),
    [
        ("jobs", {"title": "no id"}, ["id"]),
        ("candidates", {"id": "c1", "emails": "SECRET-VALUE"}, ["emails"]),
        ("users", {"id": True}, ["id"]),
        ("stages", "not an object", []),
    ],
)
def test_unreadable_records_raise_a_safe_error(resource: str, data: object, fields: list[str]) -> None:
    with pytest.raises(AtsRecordError) as caught:
        parse_record(resource, data)
    assert caught.value.resource == resource and caught.value.fields == fields
    assert "SECRET-VALUE" not in str(caught.value)  # field names only, never values (PII)


def test_unknown_resource() -> None:
    with pytest.raises(ValueError, match="unknown ATS resource"):
        parse_record("offers", {"id": "x"})
