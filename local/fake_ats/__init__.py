"""A deterministic fake ATS: the export API (docs/ats-export-api.yaml) over HTTP, from a generator that makes
any record of a million-record history on demand (docs/fake-ats.md)."""

from .generator import (
    INVALID_KINDS,
    REASONS,
    ExpectedRejection,
    expected_rejection_counts,
    expected_rejections,
    is_invalid,
    record,
    record_id,
    record_index,
    records,
    seat_holder_emails,
    seat_holders,
    user_profiles,
)
from .people import SeatHolder, UserProfile
from .server import DEFAULT_TOKEN, FakeAts, service
from .spec import RESOURCES, SYNC_RESOURCES, DatasetSpec, SpecError, dataset_from_total

__all__ = [
    "DEFAULT_TOKEN",
    "INVALID_KINDS",
    "REASONS",
    "RESOURCES",
    "SYNC_RESOURCES",
    "DatasetSpec",
    "ExpectedRejection",
    "FakeAts",
    "SeatHolder",
    "SpecError",
    "UserProfile",
    "dataset_from_total",
    "expected_rejection_counts",
    "expected_rejections",
    "is_invalid",
    "record",
    "record_id",
    "record_index",
    "records",
    "seat_holder_emails",
    "seat_holders",
    "service",
    "user_profiles",
]
