"""The domain: accounts, their LinkedIn contracts, and the states a contract goes through."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ORG_URN = re.compile(r"^urn:li:organization:(\d{1,20})$")
CONTRACT_URN = re.compile(r"^urn:li:contract:(\d{1,20})$")


class ContractStatus(StrEnum):
    """architecture.md section 4. The admin-facing words are in rsc_connector.status."""

    ACTIVATION_STARTED = "ACTIVATION_STARTED"
    PARTNER_READY = "PARTNER_READY"
    ENABLED = "ENABLED"
    SYNCING = "SYNCING"
    SYNCED = "SYNCED"
    SYNC_FAILED = "SYNC_FAILED"
    DISABLED = "DISABLED"
    DEACTIVATING = "DEACTIVATING"
    DEACTIVATED = "DEACTIVATED"


class IntegrationType(StrEnum):
    ONE_CLICK_EXPORT = "ONE_CLICK_EXPORT"
    IN_ATS_INDICATOR = "IN_ATS_INDICATOR"
    PROFILE_PLUGIN = "PROFILE_PLUGIN"
    CSA_API = "CSA_API"


COMPANY_LEVEL_TYPES = (
    IntegrationType.ONE_CLICK_EXPORT,
    IntegrationType.IN_ATS_INDICATOR,
    IntegrationType.PROFILE_PLUGIN,
)
CONTRACT_LEVEL_TYPES = (IntegrationType.CSA_API,)


class ChildApp(BaseModel):
    """The customer's LinkedIn child application. The secret lives in Secrets Manager, never here."""

    model_config = ConfigDict(frozen=True)

    key: str  # urn:li:developerApplication:{id}
    client_id: str
    unique_foreign_id: str
    secret_name: str


class Account(BaseModel):
    account_id: str
    company_name: str
    child_app: ChildApp | None = None
    redirect_uri: str | None = None  # the OAuth redirect URI registered on the child app
    job_availability: str = "PRIVATE_TO_ATS_INTEGRATION"  # RSC-102, the customer's choice
    activated_by: str | None = None
    activated_at: float | None = None
    created_at: float


class Contract(BaseModel):
    """One Recruiter contract of the account's organization, as the integration sees it."""

    account_id: str
    contract_id: str  # the numeric id of urn:li:contract:{id}
    contract_urn: str
    organization_urn: str
    status: ContractStatus
    request_id: str | None = None
    requested_by: str | None = None
    company_level: bool = False
    contract_level: bool = False
    created_at: float
    updated_at: float
    last_linkedin_contact_at: float | None = None
    last_linkedin_answer_at: float | None = None
    last_error: str | None = None
    # What LinkedIn last told us per integration type: {"status", "lastModifiedAt", "enabledAt"} (A5).
    integrations: dict[str, dict[str, Any]] = Field(default_factory=dict)
    partner_ready_at: float | None = None
    enabled_at: float | None = None
    last_poll_at: float | None = None
    last_push_at: float | None = None
    next_poll_at: float | None = None  # None: not polled (DISABLED, DEACTIVATED, not yet requested)
    sync_id: str | None = None  # the initial sync this enablement started (deterministic)
    sync_execution_arn: str | None = None
    # Company-level data (jobs, candidates, ...) belongs to the organization and is synced once per organization:
    # a second contract of an organization whose history another contract already synced shares that sync run.
    history_contract_id: str | None = None
    # How many times this contract was connected: 2 after a re-activation that followed a deactivation. Part of
    # the sync id from the second time on, so a re-activated contract gets a fresh initial sync.
    activation: int = Field(default=1, ge=1)
    version: int = Field(default=1, ge=1)


def contract_id_from_urn(urn: str) -> str:
    match = CONTRACT_URN.match(urn)
    if not match:
        raise ValueError(f"not a contract URN: {urn!r}")
    return match.group(1)


def org_urn_is_valid(urn: str) -> bool:
    return bool(ORG_URN.match(urn))
