"""The RSC partner API calls this project makes, over rsc_connector.linkedin.http.

Onboarding (linkedin-rsc-api.md section 1): provisioning the customer's child app with the partner app,
the OAuth code exchange, naming the atsIntegrations and setting their configurations with the child app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from rsc_connector.domain import COMPANY_LEVEL_TYPES, CONTRACT_LEVEL_TYPES, IntegrationType
from rsc_connector.linkedin import assumptions as A
from rsc_connector.linkedin import restli
from rsc_connector.linkedin.http import AppCredentials, LinkedInError, LinkedInHttp, error_from_response

TENANT_TYPE = "RECRUITER"
DATA_PROVIDER = "ATS"


@dataclass(frozen=True)
class ProvisionedApp:
    key: str
    credentials: AppCredentials
    unique_foreign_id: str
    oauth2_authorized_callback_urls: list[str] = field(default_factory=list)
    valid_js_sdk_domains: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IntegrationRequest:
    """What the customer asked for when they clicked Request: their organization and contract."""

    organization_urn: str
    contract_urn: str
    request_id: str | None = None


@dataclass
class BatchResult:
    """Per-entity outcome of a Rest.li batch call (HTTP 200 even when entities failed)."""

    ok: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)


def integration_key(integration_type: IntegrationType, context: str) -> dict[str, str]:
    return {
        "integrationContext": context,
        "integrationType": integration_type.value,
        "tenantType": TENANT_TYPE,
        "dataProvider": DATA_PROVIDER,
    }


def rsc_integration_keys(org_urn: str, contract_urn: str) -> list[dict[str, str]]:
    """The four RSC integrations: three on the organization, CSA_API on the contract."""
    return [integration_key(t, org_urn) for t in COMPANY_LEVEL_TYPES] + [
        integration_key(t, contract_urn) for t in CONTRACT_LEVEL_TYPES
    ]


def _batch_result(body: dict[str, Any], sent_keys: list[str]) -> BatchResult:
    """Read each entity's status; a key LinkedIn did not mention at all counts as an error."""
    result = BatchResult()
    results = body.get("results") or {}
    errors = body.get("errors") or {}
    by_set = {frozenset(restli.parse_entity_key(k).items()): k for k in sent_keys}
    for raw_key, value in errors.items():
        sent = by_set.get(frozenset(restli.parse_entity_key(raw_key).items()), raw_key)
        result.errors[sent] = value if isinstance(value, dict) else {"message": str(value)}
    for raw_key, value in results.items():
        sent = by_set.get(frozenset(restli.parse_entity_key(raw_key).items()), raw_key)
        status = value.get("status", 200) if isinstance(value, dict) else 200
        if isinstance(status, int) and status >= 400:
            result.errors[sent] = value
        elif sent not in result.errors:
            result.ok[sent] = value
    for key in sent_keys:
        if key not in result.ok and key not in result.errors:
            result.errors[key] = {"status": 0, "message": "LinkedIn did not report this entity"}
    return result


class PartnerApi:
    """Calls made with the parent (partner) application: provisioning only."""

    def __init__(self, http: LinkedInHttp, partner: AppCredentials) -> None:
        self.http = http
        self.partner = partner

    def find_app(self, unique_foreign_id: str) -> ProvisionedApp | None:
        resp = self.http.call(
            "GET",
            "/provisionedApplications",
            self.partner,
            params={"q": "credentialsByUniqueForeignId", "uniqueForeignId": unique_foreign_id},
        )
        elements = resp.json().get("elements") or []
        return _provisioned(elements[0], unique_foreign_id) if elements else None

    def create_app(
        self,
        unique_foreign_id: str,
        name: str,
        description: str,
        callback_urls: list[str],
        js_domains: list[str],
    ) -> ProvisionedApp | None:
        """Create the child app; None when it already exists (409), so the caller looks it up."""
        body = {
            "uniqueForeignId": unique_foreign_id,
            "name": name,
            "description": description,
            "oauth2AuthorizedCallbackUrls": callback_urls,
            "validJsSdkDomains": js_domains,
        }
        try:
            resp = self.http.call(
                "POST", "/provisionedApplications", self.partner, json=body, ok=A.PROVISION_CREATE_STATUSES
            )
        except LinkedInError as exc:
            if exc.status == A.PROVISION_CONFLICT_STATUS:
                return None
            raise
        return _provisioned({**resp.json(), **body}, unique_foreign_id)

    def update_app(self, key: str, changes: dict[str, Any]) -> None:
        self.http.call(
            "POST",
            f"/provisionedApplications/{quote(key, safe='')}",
            self.partner,
            json={"patch": {"$set": changes}},
            ok=frozenset({200, 204}),
        )


def _provisioned(element: dict[str, Any], unique_foreign_id: str) -> ProvisionedApp:
    creds = element.get("credentials") or {}
    if not element.get("key") or not creds.get("client_id") or not creds.get("client_secret"):
        raise LinkedInError(502, "provisionedApplications reply lacks key or credentials")
    return ProvisionedApp(
        key=str(element["key"]),
        credentials=AppCredentials(str(creds["client_id"]), str(creds["client_secret"])),
        unique_foreign_id=str(element.get("uniqueForeignId") or unique_foreign_id),
        oauth2_authorized_callback_urls=list(element.get("oauth2AuthorizedCallbackUrls") or []),
        valid_js_sdk_domains=list(element.get("validJsSdkDomains") or []),
    )


class CustomerApi:
    """Calls made with one customer's child application."""

    def __init__(self, http: LinkedInHttp, app: AppCredentials) -> None:
        self.http = http
        self.app = app

    def exchange_code(self, code: str, redirect_uri: str) -> IntegrationRequest:
        """The 3-legged code exchange; the reply carries the customer's integration request (assumption A3)."""
        resp = self.http.session.post(
            self.http.oauth_base_url + "/accessToken",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
            },
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=(3.05, 20.0),
        )
        if resp.status_code != 200:
            raise error_from_response(resp)
        request = resp.json().get(A.TOKEN_RESPONSE_INTEGRATION_REQUEST_FIELD) or {}
        return integration_request_from_widget(request.get("integrations") or [], request.get("requestId"))

    def name_integrations(self, names: dict[str, str], keys: list[dict[str, str]]) -> BatchResult:
        """BATCH_PARTIAL_UPDATE integrationName on every key in one call (names keyed by entity_key)."""
        entity_keys = [restli.entity_key(k) for k in keys]
        resp = self.http.call(
            "POST",
            "/atsIntegrations",
            self.app,
            params=restli.batch_ids_params(keys),
            json={"entities": {ek: {"patch": {"$set": {"integrationName": names[ek]}}} for ek in entity_keys}},
            restli_method="batch_partial_update",
            ok=frozenset({200}),
        )
        return _batch_result(resp.json(), entity_keys)

    def get_integrations(self, keys: list[dict[str, str]]) -> BatchResult:
        entity_keys = [restli.entity_key(k) for k in keys]
        resp = self.http.call(
            "GET", "/atsIntegrations", self.app, params=restli.batch_ids_params(keys), ok=frozenset({200})
        )
        return _batch_result(resp.json(), entity_keys)

    def set_configurations(self, key: dict[str, str], values: dict[str, str]) -> BatchResult:
        """BATCH_UPDATE configurations of one integration; values use the Rest.li `string` union member."""
        resp = self.http.call(
            "PUT",
            f"/atsIntegrations/{restli.path_key(key)}/configurations",
            self.app,
            params=restli.simple_ids_params(list(values)),
            json={"entities": {name: {"configurationValue": {"string": v}} for name, v in values.items()}},
            restli_method="batch_update",
            ok=frozenset({200}),
        )
        body = resp.json()
        result = BatchResult()
        for name in values:
            status = (body.get("results") or {}).get(name, {}).get("status")
            if name in (body.get("errors") or {}) or status not in (200, 201, 204):
                result.errors[name] = (body.get("errors") or {}).get(name) or {"status": status}
            else:
                result.ok[name] = status
        return result


def integration_request_from_widget(integrations: list[Any], request_id: str | None = None) -> IntegrationRequest:
    """Read the organization and contract out of the widget's onintegrate payload (assumption A4)."""
    org: str | None = None
    contract: str | None = None
    for item in integrations:
        if not isinstance(item, dict):
            continue
        context = str(item.get("integrationContext", ""))
        if context.startswith("urn:li:organization:"):
            org = org or context
        elif context.startswith("urn:li:contract:"):
            contract = contract or context
    if not org or not contract:
        raise ValueError("the integration request names no organization and contract")
    return IntegrationRequest(organization_urn=org, contract_urn=contract, request_id=request_id)
