"""The ATS export API's records (docs/ats-export-api.yaml), parsed leniently.

These models say what the ATS sent, not whether LinkedIn will take it: a record LinkedIn rejects (no first
name, a malformed email, ``updated_at`` before ``created_at``, an empty stage...) still parses here, because
rejecting it with a reason is the mapping's job. So every field but ``id`` is optional, unknown fields are
ignored, ``null`` and an absent key mean the same, and an unparseable timestamp becomes ``None``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

ATS_RESOURCES: tuple[str, ...] = (
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

SYNC_RESOURCES: tuple[str, ...] = ATS_RESOURCES[1:]
"""The resources synced to LinkedIn (users are only used to link Recruiter seats)."""

_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def _id(value: Any) -> Any:
    # Some ATSs number their records; the connector keys everything by string.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _timestamp(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = _DATETIME.validate_python(value)
    except ValidationError:
        return None  # unparseable: the mapping reports it as missing
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _list(value: Any) -> Any:
    return [] if value is None else value


def _str_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return value


def _email_list(value: Any) -> Any:
    # Accept bare strings as well as {"address", "type"} objects.
    if value is None:
        return []
    if isinstance(value, list):
        return [{"address": item} if isinstance(item, str) else item for item in value]
    return value


RecordId = Annotated[str, BeforeValidator(_id)]
OptionalId = Annotated[str | None, BeforeValidator(_id)]
Timestamp = Annotated[datetime | None, BeforeValidator(_timestamp)]
EmailStrings = Annotated[list[str], BeforeValidator(_str_list)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AtsRecord(_Lenient):
    """Base of every record: the ATS's own id, unique within its resource and account."""

    id: RecordId


class AtsActor(_Lenient):
    """A person named on a note or a feedback (LinkedIn's Actor needs both names)."""

    first_name: str | None = None
    last_name: str | None = None


class AtsUser(AtsRecord):
    first_name: str | None = None
    last_name: str | None = None
    emails: EmailStrings = []
    """First = primary."""
    role: str | None = None
    """owner | admin | recruiter | hiring_manager | interviewer"""
    active: bool | None = None


class AtsLocation(_Lenient):
    city: str | None = None
    region: str | None = None
    country: str | None = None
    """ISO 3166-1 alpha-2."""


class AtsJob(AtsRecord):
    title: str | None = None
    description: str | None = None
    location: AtsLocation | None = None
    status: str | None = None
    """open | closed"""
    visibility: str | None = None
    """public | private"""
    apply_url: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    closed_at: Timestamp = None


class AtsEmail(_Lenient):
    address: str | None = None
    type: str | None = None
    """work | personal | other"""


class AtsPhone(_Lenient):
    number: str | None = None
    extension: str | None = None
    type: str | None = None
    """mobile | work | home | other"""


class AtsAddress(_Lenient):
    line1: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


class AtsCandidate(AtsRecord):
    first_name: str | None = None
    last_name: str | None = None
    middle_initial: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    emails: Annotated[list[AtsEmail], BeforeValidator(_email_list)] = []
    """First = primary."""
    phones: Annotated[list[AtsPhone], BeforeValidator(_list)] = []
    addresses: Annotated[list[AtsAddress], BeforeValidator(_list)] = []
    current_company: str | None = None
    current_title: str | None = None
    linkedin_url: str | None = None
    profile_url: str | None = None
    do_not_contact: bool | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


class AtsApplicationCandidate(_Lenient):
    """The candidate as the application recorded them."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    """The primary email, or null when the candidate has none."""


class AtsApplicationJob(_Lenient):
    title: str | None = None


class AtsApplication(AtsRecord):
    candidate_id: OptionalId = None
    job_id: OptionalId = None
    candidate: AtsApplicationCandidate | None = None
    job: AtsApplicationJob | None = None
    source: str | None = None
    disposition_reason: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


class AtsCandidateNote(AtsRecord):
    candidate_id: OptionalId = None
    body: str | None = None
    author: AtsActor | None = None
    created_at: Timestamp = None


class AtsApplicationNote(AtsRecord):
    application_id: OptionalId = None
    body: str | None = None
    author: AtsActor | None = None
    created_at: Timestamp = None


class AtsStage(AtsRecord):
    application_id: OptionalId = None
    name: str | None = None
    entered_at: Timestamp = None


class AtsRating(_Lenient):
    attribute: str | None = None
    score: int | None = None
    """1..5"""


class AtsInterviewFeedback(AtsRecord):
    application_id: OptionalId = None
    interviewer: AtsActor | None = None
    interview_type: str | None = None
    """phone_screen | onsite | other"""
    feedback: str | None = None
    ratings: Annotated[list[AtsRating], BeforeValidator(_list)] = []
    created_at: Timestamp = None


RECORD_MODELS: dict[str, type[AtsRecord]] = {
    "users": AtsUser,
    "jobs": AtsJob,
    "candidates": AtsCandidate,
    "applications": AtsApplication,
    "candidate-notes": AtsCandidateNote,
    "application-notes": AtsApplicationNote,
    "stages": AtsStage,
    "interview-feedback": AtsInterviewFeedback,
}


class AtsRecordError(ValueError):
    """A record that cannot be read at all (not an object, no id, a field of the wrong shape).

    The message names the resource, the record id when there is one, and the offending fields, never values.
    """

    def __init__(self, resource: str, record_id: str | None, fields: list[str]) -> None:
        where = f"{resource} record {record_id!r}" if record_id else f"{resource} record without an id"
        super().__init__(f"unreadable {where}: bad field(s) {', '.join(fields) or '(record)'}")
        self.resource = resource
        self.record_id = record_id
        self.fields = fields


def parse_record(resource: str, data: Any) -> AtsRecord:
    """Parse one item of a page of ``resource`` into its model.

    Raises:
        ValueError: ``resource`` is not one of :data:`ATS_RESOURCES`.
        AtsRecordError: the item is not an object or a field has an unusable shape (e.g. ``emails`` is a number).
    """
    model = RECORD_MODELS.get(resource)
    if model is None:
        raise ValueError(f"unknown ATS resource {resource!r}; expected one of {', '.join(ATS_RESOURCES)}")
    if not isinstance(data, dict):
        raise AtsRecordError(resource, None, [])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raw_id = data.get("id")
        record_id = str(raw_id)[:100] if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
        fields = sorted({".".join(str(part) for part in error["loc"]) for error in exc.errors()})
        raise AtsRecordError(resource, record_id, fields) from None
