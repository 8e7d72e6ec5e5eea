"""ATS export records -> LinkedIn RSC bodies, in one module (linkedin-rsc-api.md sections 2.2-2.7).

Each `map_*` function returns what LinkedIn needs for one record, or raises `Rejected` with a stable reason
code when the record breaks one of LinkedIn's documented rules. We never invent values to get past a rule
(LinkedIn audits partner data; section 2.7): such a record is reported to the admin instead.

Entities, in sync order, with the ATS resource each comes from:
  jobs -> simpleJobPostings | candidates -> atsCandidates | applications -> atsApplications
  candidate-notes -> atsCandidates/{key}/notes | application-notes -> atsApplications/{key}/notes
  stages -> atsApplications/{key}/stages | interview-feedback -> atsApplications/{key}/interviewFeedback
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

DATA_PROVIDER = "ATS"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # LinkedIn's documented X@X.X
TITLE_MAX = 200


class JobAvailability(StrEnum):
    """RSC-102: the customer chooses; without a choice we post only private jobs."""

    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE_TO_ATS_INTEGRATION"


class Entity(StrEnum):
    JOBS = "jobs"
    CANDIDATES = "candidates"
    APPLICATIONS = "applications"
    CANDIDATE_NOTES = "candidate-notes"
    APPLICATION_NOTES = "application-notes"
    STAGES = "stages"
    INTERVIEW_FEEDBACK = "interview-feedback"


# Dependency order: a phase starts when the previous one has drained (parents exist at LinkedIn first).
PHASES: list[list[Entity]] = [
    [Entity.JOBS],
    [Entity.CANDIDATES],
    [Entity.APPLICATIONS],
    [Entity.CANDIDATE_NOTES, Entity.APPLICATION_NOTES, Entity.STAGES, Entity.INTERVIEW_FEEDBACK],
]


class Rejected(Exception):
    """The record breaks a LinkedIn rule; `reason` is a stable code, `message` says it in words."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Mapped:
    """One record ready for LinkedIn: its ATS id, its parent's compound key (sub-resources) and its body."""

    ats_id: str
    body: dict[str, Any]
    parent_key: dict[str, str] | None = None


def epoch_ms(value: Any, field: str) -> int:
    """ISO-8601 (or epoch ms) -> epoch milliseconds > 0."""
    if isinstance(value, bool) or value is None or value == "":
        raise Rejected("missing_timestamp", f"{field} is missing")
    if isinstance(value, int | float):
        ms = int(value)
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise Rejected("bad_timestamp", f"{field} is not a date: {str(value)[:40]!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        ms = int(parsed.timestamp() * 1000)
    if ms <= 0:
        raise Rejected("bad_timestamp", f"{field} must be after 1970")
    return ms


def _created_modified(
    record: dict[str, Any], created: str = "created_at", modified: str = "updated_at"
) -> tuple[int, int]:
    created_ms = epoch_ms(record.get(created), created)
    modified_ms = epoch_ms(record.get(modified) or record.get(created), modified)
    if modified_ms < created_ms:
        raise Rejected("modified_before_created", f"{modified} is earlier than {created}")
    return created_ms, modified_ms


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _actor(person: Any) -> dict[str, str] | None:
    """An Actor needs both names; otherwise the optional field is left out rather than half-filled."""
    if not isinstance(person, dict):
        return None
    first, last = _text(person.get("first_name")), _text(person.get("last_name"))
    return {"firstName": first, "lastName": last} if first and last else None


def _id(record: dict[str, Any]) -> str:
    value = record.get("id")
    if value is None or str(value).strip() == "":
        raise Rejected("missing_id", "the record has no id")
    return str(value)


def candidate_key(candidate_id: str, organization_urn: str) -> dict[str, str]:
    return {"atsCandidateId": candidate_id, "dataProvider": DATA_PROVIDER, "integrationContext": organization_urn}


def application_key(application_id: str, organization_urn: str) -> dict[str, str]:
    return {
        "atsJobApplicationId": application_id,
        "dataProvider": DATA_PROVIDER,
        "integrationContext": organization_urn,
    }


# -- jobs --------------------------------------------------------------------------------------------------
def map_job(job: dict[str, Any], organization_urn: str, availability: JobAvailability, apply_url: str) -> Mapped:
    ats_id = _id(job)
    title = _text(job.get("title"))
    if not title:
        raise Rejected("missing_title", "the job has no title")
    if len(title) > TITLE_MAX:
        raise Rejected("title_too_long", f"the job title is longer than {TITLE_MAX} characters")
    description = _text(job.get("description"))
    if not description:
        raise Rejected("missing_description", "the job has no description")
    location = _obj(job.get("location"))
    city = _text(location.get("city"))
    area = _text(location.get("region")) or _text(location.get("country")).upper()
    if not city or not area:
        raise Rejected("missing_location", "the job has no city with a state or country")
    created_ms, _ = _created_modified(job)
    # A job the ATS keeps private is never published, whatever the customer chose for the others.
    chosen = JobAvailability.PRIVATE if _text(job.get("visibility")).lower() == "private" else availability
    body = {
        "integrationContext": organization_urn,
        "externalJobPostingId": ats_id,
        "title": title,
        "description": description,
        "location": f"{city}, {area}",
        "state": "CLOSED" if _text(job.get("status")).lower() == "closed" else "LISTED",
        "companyApplyUrl": _text(job.get("apply_url")) or apply_url.replace("{job_id}", ats_id),
        "availability": chosen.value,
        "listedAt": created_ms,
    }
    return Mapped(ats_id, body)


# -- candidates ----------------------------------------------------------------------------------------------
def map_candidate(candidate: dict[str, Any], organization_urn: str) -> Mapped:
    ats_id = _id(candidate)
    first = _text(candidate.get("first_name"))
    if not first:
        raise Rejected("missing_first_name", "the candidate has no first name")
    created_ms, modified_ms = _created_modified(candidate)
    emails = []
    for entry in candidate.get("emails") or []:
        email = _text(entry.get("address") if isinstance(entry, dict) else entry)
        if not email:
            continue
        if not EMAIL.match(email):
            raise Rejected("invalid_email", "an email address is not of the form name@domain.tld")
        emails.append(email)
    phones = []
    for entry in candidate.get("phones") or []:
        if isinstance(entry, dict) and _text(entry.get("number")):
            phone: dict[str, str] = {"number": _text(entry.get("number"))}
            if _text(entry.get("extension")):
                phone["extension"] = _text(entry.get("extension"))
            phones.append(phone)
    addresses = []
    for entry in candidate.get("addresses") or []:
        if not isinstance(entry, dict):
            continue
        fields = {
            "line1": _text(entry.get("line1")),
            "city": _text(entry.get("city")),
            "geographicArea": _text(entry.get("region")),
            "geographicAreaType": "STATE",
            "postalCode": _text(entry.get("postal_code")),
            "country": _text(entry.get("country")).lower(),
        }
        addresses.append({k: v for k, v in fields.items() if v})
    body: dict[str, Any] = {
        "atsCreatedAt": created_ms,
        "atsLastModifiedAt": modified_ms,
        "firstName": first,
        "lastName": _text(candidate.get("last_name")),
        "emailAddresses": emails,
        "phoneNumbers": phones,
        "addresses": addresses,
        "doNotContact": bool(candidate.get("do_not_contact")),
    }
    optional = {
        "middleInitial": _text(candidate.get("middle_initial"))[:1],
        "prefix": _text(candidate.get("prefix")),
        "suffix": _text(candidate.get("suffix")),
        "currentCompanyName": _text(candidate.get("current_company")),
        "currentJobTitle": _text(candidate.get("current_title")),
        "linkedInProfileUrl": _text(candidate.get("linkedin_url")),
        "externalProfileUrl": _text(candidate.get("profile_url")),
    }
    body.update({k: v for k, v in optional.items() if v})
    return Mapped(ats_id, body)


# -- applications -------------------------------------------------------------------------------------------
def map_application(application: dict[str, Any], organization_urn: str) -> Mapped:
    ats_id = _id(application)
    created_ms, modified_ms = _created_modified(application)
    job_id = str(application.get("job_id") or "").strip()
    job = _obj(application.get("job"))
    job_title = _text(job.get("title"))
    if not job_id:
        raise Rejected("missing_job", "the application names no job")
    if not job_title:
        raise Rejected("missing_job_title", "the application's job has no title")
    candidate = _obj(application.get("candidate"))
    body: dict[str, Any] = {
        "atsCandidateId": str(application.get("candidate_id") or ""),
        "atsCreatedAt": created_ms,
        "atsLastModifiedAt": modified_ms,
        "atsJobPostingId": job_id,
        "atsJobPostingName": job_title[:TITLE_MAX],
        "firstName": _text(candidate.get("first_name")),
        "lastName": _text(candidate.get("last_name")),
        "source": _text(application.get("source")),
        "dispositionReason": _text(application.get("disposition_reason")),
    }
    email = _text(candidate.get("email"))
    if email:  # "required whenever available"
        if not EMAIL.match(email):
            raise Rejected("invalid_email", "the candidate's email is not of the form name@domain.tld")
        body["candidateEmail"] = email
    if not body["atsCandidateId"]:
        del body["atsCandidateId"]
    return Mapped(ats_id, body)


# -- sub-resources --------------------------------------------------------------------------------------------
def _note(record: dict[str, Any], parent_key: dict[str, str]) -> Mapped:
    ats_id = _id(record)
    body: dict[str, Any] = {"atsCreatedAt": epoch_ms(record.get("created_at"), "created_at")}
    if _text(record.get("body")):
        body["note"] = str(record["body"])
    author = _actor(record.get("author"))
    if author:
        body["author"] = author
    return Mapped(ats_id, body, parent_key)


def map_candidate_note(note: dict[str, Any], organization_urn: str) -> Mapped:
    parent = str(note.get("candidate_id") or "")
    if not parent:
        raise Rejected("missing_parent", "the note names no candidate")
    return _note(note, candidate_key(parent, organization_urn))


def map_application_note(note: dict[str, Any], organization_urn: str) -> Mapped:
    parent = str(note.get("application_id") or "")
    if not parent:
        raise Rejected("missing_parent", "the note names no application")
    return _note(note, application_key(parent, organization_urn))


def map_stage(stage: dict[str, Any], organization_urn: str) -> Mapped:
    ats_id = _id(stage)
    parent = str(stage.get("application_id") or "")
    if not parent:
        raise Rejected("missing_parent", "the stage names no application")
    name = _text(stage.get("name"))
    if not name or name.lower() == "not available":
        raise Rejected("empty_stage", "the stage has no name")
    body = {"atsCreatedAt": epoch_ms(stage.get("entered_at"), "entered_at"), "stage": name}
    return Mapped(ats_id, body, application_key(parent, organization_urn))


INTERVIEW_TYPES = {"phone_screen": "PHONE_SCREEN", "onsite": "ONSITE"}


def map_interview_feedback(feedback: dict[str, Any], organization_urn: str) -> Mapped:
    ats_id = _id(feedback)
    parent = str(feedback.get("application_id") or "")
    if not parent:
        raise Rejected("missing_parent", "the feedback names no application")
    body: dict[str, Any] = {"atsCreatedAt": epoch_ms(feedback.get("created_at"), "created_at")}
    interviewer = _actor(feedback.get("interviewer"))
    if interviewer:
        body["interviewer"] = interviewer
    if _text(feedback.get("feedback")):
        body["feedback"] = str(feedback["feedback"])
    kind = INTERVIEW_TYPES.get(_text(feedback.get("interview_type")).lower())
    if kind:
        body["interviewType"] = kind
    evaluations = [
        {"attribute": _text(r.get("attribute")), "result": _text(str(r.get("score", "")))}
        for r in feedback.get("ratings") or []
        if isinstance(r, dict) and _text(r.get("attribute")) and str(r.get("score", "")).strip()
    ]
    if evaluations:
        body["evaluations"] = evaluations
    return Mapped(ats_id, body, application_key(parent, organization_urn))


@dataclass(frozen=True)
class MappingOptions:
    organization_urn: str
    job_availability: JobAvailability = JobAvailability.PRIVATE
    apply_url: str = "https://jobs.example.com/{job_id}"


def map_record(entity: Entity, record: dict[str, Any], options: MappingOptions) -> Mapped:
    """The one entry point: any entity's ATS record -> Mapped, or Rejected."""
    org = options.organization_urn
    if entity == Entity.JOBS:
        return map_job(record, org, options.job_availability, options.apply_url)
    mappers = {
        Entity.CANDIDATES: map_candidate,
        Entity.APPLICATIONS: map_application,
        Entity.CANDIDATE_NOTES: map_candidate_note,
        Entity.APPLICATION_NOTES: map_application_note,
        Entity.STAGES: map_stage,
        Entity.INTERVIEW_FEEDBACK: map_interview_feedback,
    }
    return mappers[entity](record, org)
