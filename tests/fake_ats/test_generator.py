"""The generator: deterministic, exact, realistic, related, and invalid exactly where it says."""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter, defaultdict
from datetime import timedelta
from functools import cache
from typing import Any

import pytest

import fake_ats
from fake_ats import INVALID_KINDS, REASONS, RESOURCES, SYNC_RESOURCES, DatasetSpec
from tests.fake_ats.support import EMAIL, MEDIUM, SMALL, linkedin_defects, ts

STAGE_NAMES = {
    "Applied",
    "Phone Screen",
    "Hiring Manager Review",
    "Onsite Interview",
    "Reference Check",
    "Offer Extended",
    "Hired",
    "Rejected",
}
DEFECT_OF = {
    "title_too_long": "title_too_long",
    "missing_first_name": "missing_first_name",
    "malformed_email": "malformed_email",
    "updated_before_created": "updated_before_created",
    "empty_stage_name": "empty_stage_name",
    "stage_not_available": "stage_not_available",
}


@cache
def everything(spec: DatasetSpec) -> dict[str, list[dict[str, Any]]]:
    return {resource: list(fake_ats.records(spec, "acct", resource)) for resource in RESOURCES}


def test_same_seed_same_records_different_seed_different_records() -> None:
    again = DatasetSpec(**dataclasses.asdict(SMALL))
    other = dataclasses.replace(SMALL, seed=SMALL.seed + 1)
    for resource in RESOURCES:
        first = list(fake_ats.records(SMALL, "acct", resource))
        assert first == list(fake_ats.records(again, "acct", resource))
        assert first != list(fake_ats.records(other, "acct", resource))


def test_record_by_index_equals_the_iteration_in_any_order() -> None:
    spec = fake_ats.dataset_from_total(1_000_000, seed=5)
    counts = spec.counts()
    for resource in SYNC_RESOURCES:
        # far into a million-record dataset, backwards, without generating what comes before
        for index in (counts[resource] - 1, counts[resource] // 2, 0):
            assert fake_ats.record(spec, resource, index) == fake_ats.record(spec, resource, index)
    listed = everything(SMALL)
    for resource in RESOURCES:
        for index in reversed(range(len(listed[resource]))):
            assert fake_ats.record(SMALL, resource, index) == listed[resource][index]
    with pytest.raises(IndexError):
        fake_ats.record(SMALL, "jobs", SMALL.counts()["jobs"])
    with pytest.raises(ValueError, match="unknown resource"):
        fake_ats.record(SMALL, "offers", 0)


def test_counts_are_exact_and_ids_sort_like_indices() -> None:
    data = everything(MEDIUM)
    for resource in RESOURCES:
        items = data[resource]
        assert len(items) == MEDIUM.counts()[resource]
        ids = [item["id"] for item in items]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        assert [fake_ats.record_index(resource, i) for i in ids[:50]] == list(range(min(50, len(ids))))


def test_relationships_point_at_existing_records_and_children_are_grouped_in_time_order() -> None:
    data = everything(MEDIUM)
    by_id = {resource: {item["id"]: item for item in data[resource]} for resource in RESOURCES}
    for application in data["applications"]:
        candidate = by_id["candidates"][application["candidate_id"]]
        job = by_id["jobs"][application["job_id"]]
        assert application["candidate"]["last_name"] == candidate["last_name"]
        assert ts(application["created_at"]) >= ts(candidate["created_at"])
        assert ts(application["created_at"]) >= ts(job["created_at"])
    parents = {
        "candidate-notes": ("candidate_id", "candidates"),
        "application-notes": ("application_id", "applications"),
        "stages": ("application_id", "applications"),
        "interview-feedback": ("application_id", "applications"),
        "applications": ("candidate_id", "candidates"),
    }
    for resource, (key, parent) in parents.items():
        seen: list[str] = []
        times: dict[str, list[str]] = defaultdict(list)
        for item in data[resource]:
            assert item[key] in by_id[parent]
            if not seen or seen[-1] != item[key]:
                assert item[key] not in seen  # one parent's children are contiguous
                seen.append(item[key])
            stamp = item.get("entered_at") or item["created_at"]
            assert ts(stamp) >= ts(by_id[parent][item[key]]["created_at"])
            times[item[key]].append(stamp)
        assert seen == sorted(seen)  # parent order
        if resource != "applications":
            assert all(stamps == sorted(stamps) for stamps in times.values())
        fan_out = Counter(item[key] for item in data[resource])
        assert len(set(fan_out.values())) > 1  # uneven: some parents have more children than others


def test_stages_follow_the_pipeline() -> None:
    clean = dataclasses.replace(MEDIUM, invalid_share=0.0)  # the same stages, none made invalid
    data = everything(clean)
    applications = {item["id"]: item for item in data["applications"]}
    by_application: dict[str, list[str]] = defaultdict(list)
    for stage in data["stages"]:
        by_application[stage["application_id"]].append(stage["name"])
    for application_id, names in by_application.items():
        assert names[0] in ("Applied", "Hired", "Rejected")
        assert len(set(names)) == len(names)
        assert all(name in STAGE_NAMES or name.startswith("Onsite Interview (Round ") for name in names)
        if "Rejected" in names:
            assert names[-1] == "Rejected"
            assert applications[application_id]["disposition_reason"]
        if "Hired" in names:
            assert names[-1] == "Hired"
    assert {name for names in by_application.values() for name in names} >= STAGE_NAMES


def test_fields_are_realistic() -> None:
    data = everything(MEDIUM)
    candidates = data["candidates"]
    as_of = ts(MEDIUM.as_of)
    created = [ts(c["created_at"]) for c in candidates]
    assert min(created) >= as_of - timedelta(days=MEDIUM.history_days)
    assert max(created) - min(created) > timedelta(days=2 * 365)
    names = {c["first_name"] for c in candidates} | {c["last_name"] for c in candidates}
    assert {"José", "Zoë", "Łukasz", "Nguyễn"} <= names
    assert any(len(c["emails"]) >= 2 for c in candidates)
    assert {email["type"] for c in candidates for email in c["emails"]} == {"work", "personal", "other"}
    assert any(not c["emails"] for c in candidates)  # no email at all is valid ("when available")
    phones = [phone for c in candidates for phone in c["phones"]]
    assert any(phone["extension"] for phone in phones) and any(not phone["extension"] for phone in phones)
    assert all(phone["number"].startswith("+") for phone in phones)
    assert any(c["addresses"] for c in candidates) and any(not c["addresses"] for c in candidates)
    assert all(len(a["country"]) == 2 for c in candidates for a in c["addresses"])
    assert any(c["linkedin_url"] for c in candidates) and any(c["do_not_contact"] for c in candidates)
    jobs = data["jobs"]
    statuses = Counter(job["status"] for job in jobs)
    visibilities = Counter(job["visibility"] for job in jobs)
    assert statuses["closed"] == round(len(jobs) * MEDIUM.closed_job_share)
    assert visibilities["private"] == round(len(jobs) * MEDIUM.private_job_share)
    for job in jobs:
        assert (job["closed_at"] is not None) == (job["status"] == "closed")
        assert ts(job["updated_at"]) >= ts(job["created_at"])
        assert job["apply_url"].startswith("https://")
    assert all(job["location"]["region"] is None for job in jobs if job["location"]["country"] == "SG")
    bodies = [note["body"] for note in data["candidate-notes"]]
    assert any("\n\n" in body for body in bodies)
    assert min(len(body) for body in bodies) < 100 < max(len(body) for body in bodies)
    assert any(note["author"] is None for note in data["candidate-notes"])
    feedback = data["interview-feedback"]
    assert {f["interview_type"] for f in feedback} == {"phone_screen", "onsite", "other"}
    assert all(1 <= r["score"] <= 5 for f in feedback for r in f["ratings"]) and all(f["ratings"] for f in feedback)
    applications = data["applications"]
    assert any(a["disposition_reason"] for a in applications) and any(a["source"] is None for a in applications)


def test_every_invalid_record_has_its_stated_defect_and_no_other_record_has_any() -> None:
    """Checked against LinkedIn's rules written independently (tests/fake_ats/support.py)."""
    data = everything(MEDIUM)
    for resource in RESOURCES:
        for index, item in enumerate(data[resource]):
            reason = fake_ats.is_invalid(MEDIUM, resource, index)
            defects = linkedin_defects(resource, item)
            if reason is None:
                assert defects == set(), (resource, item)
            else:
                assert defects == {DEFECT_OF[reason]}, (resource, reason, item)


def test_invalid_share_is_exact_per_resource_and_kinds_are_balanced() -> None:
    spec = dataclasses.replace(MEDIUM, invalid_share=0.05)
    counts = spec.counts()
    rejections = fake_ats.expected_rejections(spec)
    per_resource = Counter(r.resource for r in rejections)
    expected = fake_ats.expected_rejection_counts(spec)
    for resource in RESOURCES:
        wanted = math.floor(counts[resource] * 0.05 + 0.5) if resource in INVALID_KINDS else 0
        assert per_resource[resource] == expected[resource] == wanted
    for resource, kinds in INVALID_KINDS.items():
        per_kind = Counter(r.reason for r in rejections if r.resource == resource)
        assert set(per_kind) == set(kinds)
        assert max(per_kind.values()) - min(per_kind.values()) <= 1
    assert all(r.reason in REASONS for r in rejections)
    for rejection in rejections:
        assert fake_ats.is_invalid(spec, rejection.resource, rejection.index) == rejection.reason
        assert rejection.id == fake_ats.record_id(rejection.resource, rejection.index)
    scanned = sum(
        1
        for resource in INVALID_KINDS
        for index in range(counts[resource])
        if fake_ats.is_invalid(spec, resource, index)
    )
    assert scanned == len(rejections)


def test_invalid_records_are_spread_over_the_pages() -> None:
    spec = fake_ats.dataset_from_total(100_000, seed=2, invalid_share=0.02)
    stages = [r.index for r in fake_ats.expected_rejections(spec) if r.resource == "stages"]
    pages = Counter(index // 100 for index in stages)
    # one invalid record per stratum of 1/share records: every page of 100 holds about two
    assert len(pages) == -(-spec.counts()["stages"] // 100)
    assert max(pages.values()) <= 3


def test_share_zero_and_one() -> None:
    clean = dataclasses.replace(SMALL, invalid_share=0.0)
    assert fake_ats.expected_rejections(clean) == []
    dirty = dataclasses.replace(SMALL, invalid_share=1.0)
    assert Counter(r.resource for r in fake_ats.expected_rejections(dirty)) == {
        resource: SMALL.counts()[resource] for resource in INVALID_KINDS
    }


def test_invalid_parents_do_not_make_their_children_invalid() -> None:
    spec = dataclasses.replace(MEDIUM, invalid_share=0.3)
    data = everything(spec)
    bad_candidates = {r.id: r.reason for r in fake_ats.expected_rejections(spec) if r.resource == "candidates"}
    bad_jobs = {r.id for r in fake_ats.expected_rejections(spec) if r.resource == "jobs"}
    assert bad_jobs and set(bad_candidates.values()) == set(INVALID_KINDS["candidates"])
    checked = Counter()
    for index, application in enumerate(data["applications"]):
        if application["candidate_id"] in bad_candidates or application["job_id"] in bad_jobs:
            checked[bad_candidates.get(application["candidate_id"], "job")] += 1
            assert application["candidate"]["first_name"]
            assert application["candidate"]["email"] is None or EMAIL.match(application["candidate"]["email"])
            assert len(application["job"]["title"]) <= 200
            if fake_ats.is_invalid(spec, "applications", index) is None:
                assert linkedin_defects("applications", application) == set()
    assert set(checked) == {*INVALID_KINDS["candidates"], "job"}


def test_invalid_record_differs_from_its_valid_twin_only_in_the_defect() -> None:
    spec = dataclasses.replace(SMALL, invalid_share=0.2)
    twin = dataclasses.replace(SMALL, invalid_share=0.0)
    fields = {
        "title_too_long": {"title"},
        "missing_first_name": {"first_name"},
        "malformed_email": {"emails"},
        "updated_before_created": {"updated_at"},
        "empty_stage_name": {"name"},
        "stage_not_available": {"name"},
    }
    for rejection in fake_ats.expected_rejections(spec):
        bad = fake_ats.record(spec, rejection.resource, rejection.index)
        good = fake_ats.record(twin, rejection.resource, rejection.index)
        assert {key for key in bad if bad[key] != good[key]} == fields[rejection.reason]


def test_records_are_json_with_non_ascii_text() -> None:
    encoded = json.dumps(everything(SMALL), ensure_ascii=False).encode("utf-8")
    assert json.loads(encoded) == everything(SMALL)
    assert any(byte > 127 for byte in encoded)


def test_records_validates_the_account_id() -> None:
    with pytest.raises(ValueError, match="account_id"):
        next(fake_ats.records(SMALL, "", "jobs"))
