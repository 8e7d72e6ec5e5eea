"""Domain records of the emulated LinkedIn side and the documented constants they use."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.linkedin import assumptions as A

# Documented facts (linkedin-rsc-api.md 1.4-1.6), not assumptions.
TENANT_RECRUITER = "RECRUITER"
TENANT_TYPES = frozenset({TENANT_RECRUITER, "JOBS"})
DATA_PROVIDER_ATS = "ATS"
ONE_CLICK_EXPORT = "ONE_CLICK_EXPORT"
IN_ATS_INDICATOR = "IN_ATS_INDICATOR"
PROFILE_PLUGIN = "PROFILE_PLUGIN"
CSA_API = "CSA_API"
ORGANIZATION_TYPES = (ONE_CLICK_EXPORT, IN_ATS_INDICATOR, PROFILE_PLUGIN)  # RSC company level
CONTRACT_TYPES = (CSA_API,)  # RSC contract level
RSC_TYPES = ORGANIZATION_TYPES + CONTRACT_TYPES
OTHER_ORGANIZATION_TYPES = ("RECOMMENDED_MATCHES", "UNIFIED_SEARCH", "APPLY_CONNECT", "APPLY_WITH_LINKEDIN")
INTEGRATION_TYPES = frozenset(RSC_TYPES + OTHER_ORGANIZATION_TYPES)
INTEGRATION_KEY_FIELDS = frozenset({"integrationContext", "integrationType", "tenantType", "dataProvider"})

CALLBACK_URL = "CALLBACK_URL"
JOB_POSTING_VIEWERS = "JOB_POSTING_VIEWERS"
APPLICATION_VIEWERS = "APPLICATION_VIEWERS"
ALL_PRODUCT_USERS = "ALL_PRODUCT_USERS"
CONFIGURATION_OWNERS = {
    CALLBACK_URL: ONE_CLICK_EXPORT,
    JOB_POSTING_VIEWERS: ONE_CLICK_EXPORT,
    APPLICATION_VIEWERS: IN_ATS_INDICATOR,
}

ORGANIZATION_URN = re.compile(r"^urn:li:organization:([0-9]+)$")
CONTRACT_URN = re.compile(r"^urn:li:contract:([0-9]+)$")
APPLICATION_URN_PREFIX = "urn:li:developerApplication:"


def organization_urn(organization_id: str) -> str:
    return f"urn:li:organization:{organization_id}"


def contract_urn(contract_id: str) -> str:
    return f"urn:li:contract:{contract_id}"


@dataclass
class Application:
    """A developer application: the partner (parent) app or a provisioned child app."""

    client_id: str
    client_secret: str
    key: str
    is_partner: bool
    unique_foreign_id: str | None = None
    name: str = ""
    description: str = ""
    oauth2_authorized_callback_urls: list[str] = field(default_factory=list)
    valid_js_sdk_domains: list[str] = field(default_factory=list)
    allow_client_credentials: bool = True

    def provisioning_view(self) -> dict[str, Any]:
        """The finder element (linkedin-rsc-api.md 1.2), credentials included."""
        return {
            "key": self.key,
            "credentials": {"client_id": self.client_id, "client_secret": self.client_secret},
            "uniqueForeignId": self.unique_foreign_id,
            "name": self.name,
            "description": self.description,
            "validJsSdkDomains": list(self.valid_js_sdk_domains),
            "oauth2AuthorizedCallbackUrls": list(self.oauth2_authorized_callback_urls),
        }

    def public_view(self) -> dict[str, Any]:
        """What the control API shows: everything but the secret."""
        return {
            "clientId": self.client_id,
            "key": self.key,
            "partner": self.is_partner,
            "uniqueForeignId": self.unique_foreign_id,
            "name": self.name,
            "description": self.description,
            "validJsSdkDomains": list(self.valid_js_sdk_domains),
            "oauth2AuthorizedCallbackUrls": list(self.oauth2_authorized_callback_urls),
            "allowClientCredentials": self.allow_client_credentials,
        }


@dataclass
class AccessToken:
    value: str
    client_id: str
    issued_at: float
    expires_at: float
    member_id: str | None = None  # set for 3-legged (member) tokens
    scope: str = ""


@dataclass(frozen=True)
class Contract:
    contract_id: str
    name: str
    type: str
    organization_id: str

    @property
    def urn(self) -> str:
        return contract_urn(self.contract_id)

    @property
    def organization_urn(self) -> str:
        return organization_urn(self.organization_id)

    @property
    def eligible(self) -> bool:
        return self.type in A.CONTRACT_TYPES_ELIGIBLE

    def view(self) -> dict[str, str]:
        return {
            "contractId": self.contract_id,
            "contract": self.urn,
            "name": self.name,
            "type": self.type,
            "organizationId": self.organization_id,
            "organization": self.organization_urn,
        }


@dataclass
class Member:
    member_id: str
    first_name: str
    last_name: str
    email: str | None
    contracts: list[Contract]

    def view(self) -> dict[str, Any]:
        return {
            "memberId": self.member_id,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "contracts": [contract.view() for contract in self.contracts],
        }


@dataclass(frozen=True)
class IntegrationKey:
    integration_context: str
    integration_type: str
    tenant_type: str = TENANT_RECRUITER
    data_provider: str = DATA_PROVIDER_ATS

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> IntegrationKey:
        return cls(
            fields["integrationContext"], fields["integrationType"], fields["tenantType"], fields["dataProvider"]
        )

    def fields(self) -> dict[str, str]:
        return {
            "integrationContext": self.integration_context,
            "integrationType": self.integration_type,
            "tenantType": self.tenant_type,
            "dataProvider": self.data_provider,
        }


@dataclass
class Integration:
    """One atsIntegrations entity, owned by the child application the customer requested it for."""

    owner: str  # child client_id
    key: IntegrationKey
    status: str = A.STATUS_REQUESTED
    integration_name: str | None = None
    enabled_at_ms: int | None = None
    last_modified_at_ms: int = 0
    configurations: dict[str, str] = field(default_factory=dict)

    def entity(self) -> dict[str, Any]:
        """The entity as BATCH_GET and the q=request finder return it (assumptions A5, A8)."""
        body: dict[str, Any] = dict(self.key.fields())
        if self.integration_name is not None:
            body["integrationName"] = self.integration_name
        body[A.STATUS_FIELD] = self.status
        if self.enabled_at_ms is not None:
            body[A.ENABLED_AT_FIELD] = self.enabled_at_ms
        body[A.LAST_MODIFIED_AT_FIELD] = self.last_modified_at_ms
        return body


@dataclass
class IntegrationEvent:
    """A requestId: the customer's Request (A3/A4) or a status change pushed to the partner (A7/A8)."""

    request_id: str
    client_id: str
    type: str  # A.PUSH_EVENT_INTEGRATION_STATUS_CHANGE or INTEGRATION_REQUEST
    keys: list[IntegrationKey]
    created_at: float
    expires_at: float

    def view(self) -> dict[str, Any]:
        return {
            "requestId": self.request_id,
            "clientId": self.client_id,
            "type": self.type,
            "integrations": [key.fields() for key in self.keys],
            "createdAt": int(self.created_at * 1000),
            "expiresAt": int(self.expires_at * 1000),
        }


INTEGRATION_REQUEST_EVENT = "INTEGRATION_REQUEST"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    member_id: str
    scope: str
    request_id: str
    expires_at: float
    used: bool = False


PUSH_MODES = ("deliver", "drop", "delay")


@dataclass
class PushSettings:
    mode: str = "deliver"  # deliver now | drop (record, never send) | delay (send after delay_seconds)
    delay_seconds: float = 5.0

    def view(self) -> dict[str, Any]:
        return {"mode": self.mode, "delaySeconds": self.delay_seconds}


@dataclass
class PushAttempt:
    at: float
    status: int | None
    error: str | None

    def view(self) -> dict[str, Any]:
        return {"at": int(self.at * 1000), "status": self.status, "error": self.error}


@dataclass
class PushRecord:
    """One push notification (assumption A7) and every attempt to deliver it."""

    push_id: str
    request_id: str
    client_id: str
    event_type: str
    url: str | None
    body: bytes
    signature: str
    created_at: float
    state: str = "pending"  # pending | delivered | failed | dropped | cancelled | no_callback_url
    attempts: list[PushAttempt] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.push_id,
            "requestId": self.request_id,
            "clientId": self.client_id,
            "type": self.event_type,
            "url": self.url,
            "body": self.body.decode("utf-8"),
            "signature": self.signature,
            "createdAt": int(self.created_at * 1000),
            "state": self.state,
            "attempts": [attempt.view() for attempt in self.attempts],
        }
