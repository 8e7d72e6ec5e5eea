"""DatasetSpec: everything that decides one account's fake history, and its exact record counts."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

RESOURCES: tuple[str, ...] = (
    "users",
    "jobs",
    "candidates",
    "applications",
    "candidate-notes",
    "application-notes",
    "stages",
    "interview-feedback",
)
"""Every resource of the export API, parents before children."""

SYNC_RESOURCES: tuple[str, ...] = RESOURCES[1:]
"""What is synced to LinkedIn (users only serve to link Recruiter seats)."""

FAN_OUTS: dict[str, tuple[str, str]] = {
    "applications": ("candidates", "applications_per_candidate"),
    "candidate-notes": ("candidates", "candidate_notes_per_candidate"),
    "application-notes": ("applications", "application_notes_per_application"),
    "stages": ("applications", "stages_per_application"),
    "interview-feedback": ("applications", "feedback_per_application"),
}
"""Child resource -> (parent resource, the DatasetSpec field giving children per parent)."""

MAX_RECORDS_PER_RESOURCE = 10**10 - 1  # ids carry 10 digits so that id order is index order
MAX_RATIO = 10.0
MAX_USERS = 10_000


class SpecError(ValueError):
    """A DatasetSpec (or its JSON form) that cannot describe a dataset."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class DatasetSpec:
    """One account's dataset. Records are a pure function of this spec: same spec, same bytes.

    Attributes:
        seed: Chooses every name, date and relationship.
        jobs, candidates, users: How many of each.
        applications_per_candidate .. feedback_per_application: Average children per parent; the exact count
            is ``floor(parents * ratio)`` (see :meth:`counts`), spread unevenly (some parents get none).
        invalid_share: Share of jobs, candidates, applications and stages made invalid the way LinkedIn rejects
            (exactly ``round(n * share)`` of each; see ``fake_ats.generator.INVALID_KINDS``).
        closed_job_share, private_job_share: Exact shares of closed and of private jobs.
        as_of: The dataset's "now" (ISO-8601 UTC); histories span ``history_days`` before it. Fixed rather than
            the wall clock so that a dataset is the same tomorrow.
        history_days: How far back records go (about three years by default).
        company: The customer's company name (its email domain is ``<name>.example``); None picks one from the seed.
    """

    seed: int = 0
    jobs: int = 20
    candidates: int = 200
    applications_per_candidate: float = 1.5
    candidate_notes_per_candidate: float = 0.8
    application_notes_per_application: float = 0.6
    stages_per_application: float = 2.5
    feedback_per_application: float = 0.7
    users: int = 12
    invalid_share: float = 0.02
    closed_job_share: float = 0.3
    private_job_share: float = 0.2
    as_of: str = "2025-11-01T00:00:00Z"
    history_days: int = 1095
    company: str | None = None

    def __post_init__(self) -> None:
        for name in ("seed", "jobs", "candidates", "users", "history_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SpecError(f"{name} must be a non-negative integer")
        if self.seed >= 2**63:
            raise SpecError("seed must be below 2**63")
        if self.users > MAX_USERS:
            raise SpecError(f"users must be at most {MAX_USERS}")
        if self.history_days < 30:
            raise SpecError("history_days must be at least 30")
        for _, field in FAN_OUTS.values():
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_RATIO:
                raise SpecError(f"{field} must be a number in 0..{MAX_RATIO:g}")
        for name in ("invalid_share", "closed_job_share", "private_job_share"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise SpecError(f"{name} must be a number in 0..1")
        try:
            as_of = datetime.fromisoformat(self.as_of.replace("Z", "+00:00"))
        except (AttributeError, ValueError):
            raise SpecError("as_of must be an ISO-8601 timestamp") from None
        if as_of.tzinfo is None or as_of.utcoffset() != UTC.utcoffset(None):
            raise SpecError("as_of must be in UTC (end it with Z)")
        if self.company is not None and (not isinstance(self.company, str) or not self.company.strip()):
            raise SpecError("company must be a non-empty string or null")
        counts = self.counts()
        if counts["applications"] and not self.jobs:
            raise SpecError("applications need at least one job")
        too_big = [name for name, count in counts.items() if count > MAX_RECORDS_PER_RESOURCE]
        if too_big:
            raise SpecError(f"too many records for {', '.join(too_big)} (at most {MAX_RECORDS_PER_RESOURCE})")

    # -- sizes ------------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Exact record count per resource (what ``total_estimate`` says)."""
        result = {"users": self.users, "jobs": self.jobs, "candidates": self.candidates}
        for child, (parent, field) in FAN_OUTS.items():  # parents come first in FAN_OUTS
            result[child] = math.floor(result[parent] * float(getattr(self, field)) + 1e-9)
        return {name: result[name] for name in RESOURCES}

    def total_records(self) -> int:
        """Records over the seven synced resources (users excluded)."""
        counts = self.counts()
        return sum(counts[name] for name in SYNC_RESOURCES)

    @property
    def as_of_epoch(self) -> int:
        return int(datetime.fromisoformat(self.as_of.replace("Z", "+00:00")).timestamp())

    # -- JSON form --------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def fingerprint(self) -> str:
        """A digest of the spec: cursors are bound to it, so a replaced dataset rejects old cursors."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetSpec:
        """The spec from JSON: DatasetSpec fields in snake_case or camelCase.

        ``{"total_records": N, ...}`` sizes the dataset with :func:`dataset_from_total` (the other fields
        override its choices).
        """
        if not isinstance(data, Mapping):
            raise SpecError("a dataset spec must be a JSON object")
        fields = {field.name for field in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = _snake(str(key))
            if name not in fields and name != "total_records":
                raise SpecError(f"unknown dataset field {key!r}")
            if name in values:
                raise SpecError(f"dataset field {key!r} given twice")
            values[name] = value
        if "total_records" in values:
            total = values.pop("total_records")
            if isinstance(total, bool) or not isinstance(total, int) or total < 0:
                raise SpecError("total_records must be a non-negative integer")
            return dataset_from_total(total, **values)
        try:
            return cls(**values)
        except TypeError as exc:
            raise SpecError(str(exc)) from None


def dataset_from_total(total_records: int, seed: int = 0, invalid_share: float = 0.02, **overrides: Any) -> DatasetSpec:
    """A spec whose seven synced resources add up to ``total_records`` (exactly, above a few dozen records).

    Ratios keep their defaults (or ``overrides``): about 1.5 applications and 0.8 notes per candidate, 2.5
    stages, 0.6 notes and 0.7 feedbacks per application, and one job per ~50 candidates; the candidate count is
    chosen first and the jobs absorb the remainder. Users grow slowly with size (12..200) unless given.
    """
    if isinstance(total_records, bool) or not isinstance(total_records, int) or total_records < 0:
        raise SpecError("total_records must be a non-negative integer")
    for name in ("jobs", "candidates"):
        if name in overrides:
            raise SpecError(f"{name} is chosen by dataset_from_total; use DatasetSpec to set it")
    probe = DatasetSpec(seed=seed, invalid_share=invalid_share, jobs=1, candidates=1, **overrides)
    per_candidate = (
        1
        + probe.applications_per_candidate
        + probe.candidate_notes_per_candidate
        + probe.applications_per_candidate
        * (probe.application_notes_per_application + probe.stages_per_application + probe.feedback_per_application)
    )
    candidates = int(total_records / (per_candidate + 0.02))
    users = overrides.pop("users", max(12, min(200, candidates // 500)))

    def build(jobs: int, candidates: int) -> DatasetSpec:
        return DatasetSpec(
            seed=seed, invalid_share=invalid_share, jobs=jobs, candidates=candidates, users=users, **overrides
        )

    if total_records == 0:
        return build(0, 0)
    candidates = max(1, candidates)
    while True:
        rest = build(1, candidates).total_records() - 1
        jobs = total_records - rest
        if jobs >= 1 or candidates == 1:
            return build(max(1, jobs), candidates)
        candidates -= 1
