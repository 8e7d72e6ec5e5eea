"""LinkedIn's record rules (linkedin-rsc-api.md 2.2-2.7, 8.2) applied to export-API records, written
independently of the generator so that the tests check the fake ATS against the reference, not against itself."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fake_ats import DatasetSpec

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # LinkedIn's "X@X.X"
TOKEN = "tok-SECRET-do-not-leak-7f3a"

SMALL = DatasetSpec(seed=7, jobs=12, candidates=60, users=12, invalid_share=0.1)
"""A small dataset for HTTP tests: every resource has records, invalid ones included."""

MEDIUM = DatasetSpec(seed=11, jobs=150, candidates=3000, users=40, invalid_share=0.02)
"""A few tens of thousands of records for exhaustive scans."""


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _actor_ok(actor: dict[str, Any] | None) -> bool:
    return actor is None or bool(actor.get("first_name") and actor.get("last_name"))


def linkedin_defects(resource: str, record: dict[str, Any]) -> set[str]:
    """Why LinkedIn would reject this record once mapped (empty set: it would accept it)."""
    defects: set[str] = set()
    if resource == "jobs":
        title = record.get("title") or ""
        if not title.strip():
            defects.add("missing_title")
        if len(title) > 200:
            defects.add("title_too_long")
        if not record.get("description") or not record.get("apply_url"):
            defects.add("missing_required_field")
        location = record.get("location") or {}
        if not location.get("city") or not location.get("country"):
            defects.add("missing_location")
    elif resource == "candidates":
        if not (record.get("first_name") or "").strip():
            defects.add("missing_first_name")
        if any(not EMAIL.match(email["address"]) for email in record["emails"]):
            defects.add("malformed_email")
        if ts(record["updated_at"]) < ts(record["created_at"]):
            defects.add("updated_before_created")
    elif resource == "applications":
        if ts(record["updated_at"]) < ts(record["created_at"]):
            defects.add("updated_before_created")
        if not record["job_id"] or not (record["job"].get("title") or "").strip():
            defects.add("missing_job")
        email = record["candidate"].get("email")
        if email is not None and not EMAIL.match(email):
            defects.add("malformed_email")
    elif resource == "stages":
        name = record.get("name")
        if name is None or not name.strip():
            defects.add("empty_stage_name")
        elif name == "Not Available":
            defects.add("stage_not_available")
    elif resource in ("candidate-notes", "application-notes"):
        if not _actor_ok(record.get("author")):
            defects.add("incomplete_author")
    elif resource == "interview-feedback" and not _actor_ok(record.get("interviewer")):
        defects.add("incomplete_interviewer")
    return defects
