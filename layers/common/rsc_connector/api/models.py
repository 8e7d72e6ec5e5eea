"""Request bodies of the API (responses are built by the logic modules as plain JSON)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

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
