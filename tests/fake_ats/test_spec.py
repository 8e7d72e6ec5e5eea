"""DatasetSpec: validation, exact counts, JSON form, sizing from a total."""

from __future__ import annotations

import math

import pytest

from fake_ats import RESOURCES, SYNC_RESOURCES, DatasetSpec, SpecError, dataset_from_total


def test_counts_follow_the_ratios_exactly() -> None:
    # Given
    spec = DatasetSpec(jobs=7, candidates=1000, users=3, applications_per_candidate=1.5, stages_per_application=2.5)
    # When
    counts = spec.counts()
    # Then
    assert list(counts) == list(RESOURCES)
    assert counts["applications"] == 1500
    assert counts["candidate-notes"] == math.floor(1000 * spec.candidate_notes_per_candidate + 1e-9)
    assert counts["stages"] == 3750
    assert counts["application-notes"] == math.floor(1500 * 0.6 + 1e-9)
    assert counts["interview-feedback"] == math.floor(1500 * 0.7 + 1e-9)
    assert spec.total_records() == sum(counts[name] for name in SYNC_RESOURCES)


@pytest.mark.parametrize("total", [50, 1_000, 100_000, 1_000_000, 10_000_000])
def test_dataset_from_total_hits_the_total_with_realistic_ratios(total: int) -> None:
    spec = dataset_from_total(total, seed=3, invalid_share=0.05)
    counts = spec.counts()
    assert spec.total_records() == total
    assert spec.seed == 3 and spec.invalid_share == 0.05
    assert counts["jobs"] >= 1
    if total >= 1_000:  # below that, the jobs absorb a remainder of up to ~9 records
        assert 0.005 <= counts["jobs"] / counts["candidates"] <= 0.1
        assert counts["stages"] > counts["applications"] > counts["candidates"] > counts["jobs"]
    assert counts["applications"] == math.floor(counts["candidates"] * 1.5 + 1e-9)
    assert 12 <= counts["users"] <= 200


def test_dataset_from_total_tiny_and_zero() -> None:
    assert dataset_from_total(0).total_records() == 0
    tiny = dataset_from_total(5)
    assert tiny.counts()["jobs"] >= 1 and tiny.counts()["candidates"] >= 1


def test_dataset_from_total_accepts_overrides_but_not_counts() -> None:
    spec = dataset_from_total(10_000, stages_per_application=4.0, users=30)
    assert spec.total_records() == 10_000
    assert spec.stages_per_application == 4.0 and spec.users == 30
    with pytest.raises(SpecError):
        dataset_from_total(10_000, candidates=5)


@pytest.mark.parametrize(
    "fields",
    [
        {"jobs": -1},
        {"candidates": 1.5},
        {"seed": True},
        {"invalid_share": 1.5},
        {"closed_job_share": -0.1},
        {"applications_per_candidate": 11},
        {"as_of": "yesterday"},
        {"as_of": "2025-01-01T00:00:00+02:00"},
        {"history_days": 7},
        {"users": 10_001},
        {"jobs": 0, "candidates": 10},
        {"company": " "},
        {"candidates": 10**10},
    ],
)
def test_invalid_specs_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(SpecError):
        DatasetSpec(**fields)  # type: ignore[arg-type]


def test_json_form_round_trips_and_accepts_camel_case() -> None:
    spec = DatasetSpec(seed=9, jobs=3, candidates=40, company="Acme")
    assert DatasetSpec.from_dict(spec.to_dict()) == spec
    camel = DatasetSpec.from_dict({"seed": 9, "jobs": 3, "candidates": 40, "invalidShare": 0.1, "company": "Acme"})
    assert camel.invalid_share == 0.1
    sized = DatasetSpec.from_dict({"totalRecords": 5000, "seed": 4})
    assert sized.total_records() == 5000 and sized.seed == 4


@pytest.mark.parametrize(
    "data", [{"nope": 1}, {"seed": 1, "Seed": 2}, {"total_records": -3}, {"jobs": "many"}, ["seed"]]
)
def test_bad_json_specs_are_refused(data: object) -> None:
    with pytest.raises(SpecError):
        DatasetSpec.from_dict(data)  # type: ignore[arg-type]


def test_fingerprint_changes_with_the_spec() -> None:
    assert DatasetSpec(seed=1).fingerprint() == DatasetSpec(seed=1).fingerprint()
    assert DatasetSpec(seed=1).fingerprint() != DatasetSpec(seed=2).fingerprint()
    assert DatasetSpec(seed=1).fingerprint() != DatasetSpec(seed=1, invalid_share=0.5).fingerprint()
