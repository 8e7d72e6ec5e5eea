"""Request bodies of the API (responses are built by the logic modules as plain JSON)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

CompanyName = Annotated[str, Field(min_length=1, max_length=200)]


class ActivationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    companyName: CompanyName
    # RSC-102: the customer chooses how synced jobs appear at LinkedIn; without a choice, private only.
    jobAvailability: Literal["PUBLIC", "PRIVATE_TO_ATS_INTEGRATION"] = "PRIVATE_TO_ATS_INTEGRATION"


class WidgetIntegration(BaseModel):
    model_config = ConfigDict(extra="ignore")

    integrationContext: str = Field(min_length=1, max_length=100)
    integrationType: str = Field(min_length=1, max_length=100)
    tenantType: str | None = Field(default=None, max_length=50)


class IntegrationRequestBody(BaseModel):
    """The configuration widget's onintegrate payload, forwarded by the ATS front end (assumption A4)."""

    model_config = ConfigDict(extra="forbid")

    state: str = Field(min_length=16, max_length=512)
    requestId: str | None = Field(default=None, max_length=200)
    integrations: list[WidgetIntegration] = Field(min_length=1, max_length=20)


Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]


class AutoLinkRequest(BaseModel):
    """Run automatic seat linking (all contracts with seats, or one); dryRun shows proposals, writes nothing."""

    model_config = ConfigDict(extra="forbid")

    contractId: Identifier | None = None
    dryRun: StrictBool = False


class SeatRefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contractId: Identifier | None = None


class SeatAssignment(BaseModel):
    """Link a user to a Recruiter seat by hand. replace=true moves the seat (or the user) from its current link."""

    model_config = ConfigDict(extra="forbid")

    seatId: Identifier
    contractId: Identifier | None = None
    replace: StrictBool = False


# -- ongoing changes (POST /accounts/{accountId}/linkedin/changes) ------------------------------------------------
MAX_CHANGES = 100
ChangeResource = Literal[
    "jobs", "candidates", "applications", "candidate-notes", "application-notes", "stages", "interview-feedback"
]
PARENT_FIELDS = {
    "candidate-notes": "candidate_id",
    "application-notes": "application_id",
    "stages": "application_id",
    "interview-feedback": "application_id",
}
Version = Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)]


class Change(BaseModel):
    """One created, updated or deleted ATS record. `version` orders a record's changes (the ATS's increasing
    version, or its modified-at in epoch milliseconds): an older version never replaces a newer one."""

    model_config = ConfigDict(extra="forbid")

    resource: ChangeResource
    id: Identifier
    action: Literal["upsert", "delete"]
    version: Version
    # The record as the export API returns it (docs/ats-export-api.yaml). Required to upsert, and to delete a job
    # (LinkedIn has no job delete: the job is re-posted CLOSED, whole).
    record: dict[str, Any] | None = None
    # Notes, stages, feedback: the candidate's or application's id, when the record does not name it.
    parentId: Identifier | None = None

    @model_validator(mode="after")
    def _complete(self) -> Change:
        if self.record is None and (self.action == "upsert" or self.resource == "jobs"):
            why = "to upsert" if self.action == "upsert" else "to close a deleted job (LinkedIn re-posts it CLOSED)"
            raise ValueError(f"record is required {why}")
        if self.record is not None and self.record.get("id") is not None and str(self.record["id"]) != self.id:
            raise ValueError("record.id differs from id")
        field = PARENT_FIELDS.get(self.resource)
        if field is None:
            if self.parentId is not None:
                raise ValueError("parentId is only for notes, stages and interview feedback")
            return self
        named = (self.record or {}).get(field)
        if self.parentId is None and named in (None, ""):
            raise ValueError(f"a {self.resource} change needs its parent: parentId or record.{field}")
        if self.parentId is not None and named not in (None, "") and str(named) != self.parentId:
            raise ValueError(f"parentId differs from record.{field}")
        return self

    def as_change(self) -> dict[str, Any]:
        field = PARENT_FIELDS.get(self.resource)
        parent = self.parentId or (str((self.record or {}).get(field)) if field else None)
        record = None if self.record is None else {**self.record, "id": self.id}
        return {
            "resource": self.resource,
            "id": self.id,
            "action": self.action,
            "version": self.version,
            "record": record,
            "parent_id": parent,
        }


class ChangesRequest(BaseModel):
    """Records the ATS created, updated or deleted: at most 100 per call (and 64 KB)."""

    model_config = ConfigDict(extra="forbid")

    changes: list[Change] = Field(min_length=1, max_length=MAX_CHANGES)


class DeactivationRequest(BaseModel):
    """Deactivate one contract, or (contractId absent) every contract of the account."""

    model_config = ConfigDict(extra="forbid")

    contractId: Identifier | None = None
