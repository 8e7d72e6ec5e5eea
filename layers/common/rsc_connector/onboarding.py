"""Onboarding: ACTIVATE (kickoff), the customer's integration request, and Partner ready.

architecture.md sections 1-4; linkedin-rsc-api.md sections 1.2-1.6. The OAuth callback and the widget route
share `complete_integration_request`, so both paths name the same integrations and set the same configurations.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from rsc_connector.adapters.dynamodb import StaleWrite
from rsc_connector.auth.claims import Caller
from rsc_connector.clock import Clock
from rsc_connector.domain import (
    Account,
    ChildApp,
    Contract,
    ContractStatus,
    IntegrationType,
    contract_id_from_urn,
    org_urn_is_valid,
)
from rsc_connector.errors import Conflict, InvalidOAuthState, LinkedInUnavailable, NotFound, RequirementNotMet
from rsc_connector.linkedin import restli
from rsc_connector.linkedin.api import (
    CustomerApi,
    IntegrationRequest,
    PartnerApi,
    ProvisionedApp,
    integration_key,
    rsc_integration_keys,
)
from rsc_connector.linkedin.http import AppCredentials, LinkedInError, LinkedInHttp, child_app_credentials
from rsc_connector.observability import logger
from rsc_connector.ports import SecretStore, StateRepository
from rsc_connector.settings import Settings

APP_NAME_MAX = 50
WIDGET_EXTENSION = "ATSIntegrationWidget@https://platform.linkedin.com/rsc/extensions/onboarding-widget"
WIDGET_BUNDLES = ["RECRUITER_SYSTEM_CONNECT_COMPANY", "RECRUITER_SYSTEM_CONNECT_CONTRACT"]
ALL_PRODUCT_USERS = "ALL_PRODUCT_USERS"
INTEGRATION_LABELS = {
    IntegrationType.ONE_CLICK_EXPORT: "One-Click Export",
    IntegrationType.IN_ATS_INDICATOR: "ATS Indicator",
    IntegrationType.PROFILE_PLUGIN: "Profile Plugin",
    IntegrationType.CSA_API: "CSA_API",
}
# Re-requesting an already set-up contract refreshes names and configurations but never moves it backwards.
PARTNER_READY_FROM = frozenset({ContractStatus.ACTIVATION_STARTED, ContractStatus.PARTNER_READY})


def hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def child_app_name(ats_name: str, company_name: str) -> str:
    """'{ATS} - {Customer}', at most 50 characters, without the word LinkedIn (LinkedIn rejects it)."""

    def clean(text: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"(?i)linked\s*in", "", text)).strip(" -")

    ats, company = clean(ats_name) or "ATS", clean(company_name) or "Customer"
    name = f"{ats} - {company}"
    return name if len(name) <= APP_NAME_MAX else name[: APP_NAME_MAX - 1].rstrip() + "…"


@dataclass
class Onboarding:
    """The onboarding use cases, with every outside party passed in (ports)."""

    settings: Settings
    repo: StateRepository
    secrets: SecretStore
    linkedin: LinkedInHttp
    clock: Clock
    new_state: Callable[[], str] = lambda: secrets.token_urlsafe(32)

    # -- ACTIVATE ----------------------------------------------------------------------------------
    def activate(
        self,
        caller: Caller,
        account_id: str,
        company_name: str,
        public_base_url: str,
        job_availability: str = "PRIVATE_TO_ATS_INTEGRATION",
    ) -> dict[str, Any]:
        caller.ensure_account(account_id)
        caller.require_enterprise()
        caller.require_admin("activate the LinkedIn integration")
        redirect_uri = f"{public_base_url}/oauth/linkedin/callback"
        account, created = self._ensure_child_app(account_id, company_name, redirect_uri, caller.user_id)
        assert account.child_app is not None
        if account.job_availability != job_availability:
            account.job_availability = job_availability
            self.repo.save_account(account)
        state = self.new_state()
        expires_at = self.clock.now() + self.settings.OAUTH_STATE_TTL_SECONDS
        self.repo.put_oauth_state(hash_state(state), account_id, caller.user_id, expires_at)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": account.child_app.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        logger.info("activation started", extra={"account_id": account_id, "child_app_created": created})
        return {
            "accountId": account_id,
            "authorizationUrl": f"{self.settings.LINKEDIN_OAUTH_BASE_URL.rstrip('/')}/authorization?{query}",
            "state": state,
            "stateExpiresAt": int(expires_at),
            "childApplication": {"key": account.child_app.key, "created": created},
            "widget": {
                "apiKey": account.child_app.client_id,
                "extensions": WIDGET_EXTENSION,
                "supportedBundledIntegrationTypes": WIDGET_BUNDLES,
                "integrationRequestUrl": f"{public_base_url}/accounts/{account_id}/linkedin/integration-requests",
            },
            "jobAvailability": account.job_availability,
            "nextStep": "Sign in to LinkedIn, choose your Recruiter contract if you have several, and click Request.",
        }

    def _ensure_child_app(
        self, account_id: str, company_name: str, redirect_uri: str, user_id: str
    ) -> tuple[Account, bool]:
        """Find or provision the customer's one child app (RSC-103, JP-B-02). Safe to run twice at once."""
        now = self.clock.now()
        account = self.repo.get_account(account_id) or Account(
            account_id=account_id, company_name=company_name, created_at=now
        )
        account.company_name = company_name or account.company_name
        js_domain = self.settings.ATS_JS_SDK_DOMAIN.rstrip("/")
        created = False
        if account.child_app and account.redirect_uri == redirect_uri:
            return account, created
        partner = PartnerApi(self.linkedin, self._partner_credentials())
        unique_foreign_id = f"{self.settings.STAGE}-{account_id}"
        try:
            app = partner.find_app(unique_foreign_id)
            if app is None:
                app = partner.create_app(
                    unique_foreign_id,
                    child_app_name(self.settings.ATS_NAME, company_name),
                    f"{self.settings.ATS_NAME} account {account_id} ({self.settings.STAGE}): Recruiter System Connect",
                    [redirect_uri],
                    [js_domain],
                )
                created = app is not None
                # 409: a concurrent ACTIVATE created it between our lookup and our create.
                app = app or partner.find_app(unique_foreign_id)
            if app is None:
                raise LinkedInUnavailable("LinkedIn reported the customer application exists but did not return it")
            self._register_urls(partner, app, redirect_uri, js_domain)
        except LinkedInError as exc:
            raise LinkedInUnavailable(
                f"LinkedIn could not set up the customer application: {exc.message}",
                details={"linkedinStatus": exc.status},
            ) from None
        secret_name = f"{self.settings.CUSTOMER_SECRET_PREFIX}{account_id}"
        self.secrets.put_json(
            secret_name,
            {
                "client_id": app.credentials.client_id,
                "client_secret": app.credentials.client_secret,
                "key": app.key,
            },
            description=f"LinkedIn child application of ATS account {account_id}",
        )
        account.child_app = ChildApp(
            key=app.key,
            client_id=app.credentials.client_id,
            unique_foreign_id=unique_foreign_id,
            secret_name=secret_name,
        )
        account.redirect_uri = redirect_uri
        account.activated_by = account.activated_by or user_id
        account.activated_at = account.activated_at or now
        self.repo.save_account(account)
        return account, created

    @staticmethod
    def _register_urls(partner: PartnerApi, app: ProvisionedApp, redirect_uri: str, js_domain: str) -> None:
        changes: dict[str, list[str]] = {}
        if redirect_uri not in app.oauth2_authorized_callback_urls:
            changes["oauth2AuthorizedCallbackUrls"] = [*app.oauth2_authorized_callback_urls, redirect_uri]
        if js_domain not in app.valid_js_sdk_domains:
            changes["validJsSdkDomains"] = [*app.valid_js_sdk_domains, js_domain]
        if changes:
            partner.update_app(app.key, changes)

    def _partner_credentials(self) -> AppCredentials:
        value = self.secrets.get_json(self.settings.PARTNER_SECRET_NAME)
        return AppCredentials(str(value.get("client_id", "")), str(value.get("client_secret", "")))

    def customer_credentials(self, account: Account) -> AppCredentials:
        if account.child_app is None:
            raise Conflict("Activate the LinkedIn integration first.", code="NOT_ACTIVATED")
        return child_app_credentials(self.secrets, account.child_app.secret_name)

    # -- the customer's Request --------------------------------------------------------------------
    def oauth_callback(self, params: dict[str, str], public_base_url: str) -> str:
        """LinkedIn's redirect. Returns the ATS page URL to send the browser to."""
        state = params.get("state") or ""
        if not state or len(state) > 512:
            raise InvalidOAuthState("The LinkedIn sign-in reply has no valid state. Start again from ACTIVATE.")
        stored = self.repo.consume_oauth_state(hash_state(state), self.clock.now())
        account_id = str(stored["account_id"])
        if params.get("error"):
            logger.info("customer cancelled LinkedIn sign-in", extra={"account_id": account_id})
            return self._ats_page(account_id, "cancelled", reason=str(params.get("error"))[:100])
        code = params.get("code") or ""
        if not code or len(code) > 2048:
            raise InvalidOAuthState("The LinkedIn sign-in reply has no authorization code.")
        account = self._account(account_id)
        customer = CustomerApi(self.linkedin, self.customer_credentials(account))
        try:
            request = customer.exchange_code(code, f"{public_base_url}/oauth/linkedin/callback")
        except LinkedInError as exc:
            raise LinkedInUnavailable(f"LinkedIn did not accept the sign-in: {exc.message}") from None
        except ValueError as exc:
            raise LinkedInUnavailable(str(exc)) from None
        contract = self.complete_integration_request(account, str(stored["user_id"]), request, public_base_url)
        return self._ats_page(account_id, "partner_ready", contract=contract.contract_id)

    def widget_request(
        self, caller: Caller, account_id: str, state: str, request: IntegrationRequest, public_base_url: str
    ) -> Contract:
        """The widget's onintegrate payload, forwarded by the ATS front end with the kickoff's state."""
        caller.ensure_account(account_id)
        caller.require_admin("connect a LinkedIn Recruiter contract")
        self.repo.consume_oauth_state(hash_state(state), self.clock.now(), account_id, caller.user_id)
        return self.complete_integration_request(self._account(account_id), caller.user_id, request, public_base_url)

    def _account(self, account_id: str) -> Account:
        account = self.repo.get_account(account_id)
        if account is None or account.child_app is None:
            raise NotFound(f"account {account_id} has not been activated")
        return account

    def complete_integration_request(
        self, account: Account, user_id: str, request: IntegrationRequest, public_base_url: str
    ) -> Contract:
        """Name the four integrations, set the configurations, and record the contract as Partner ready."""
        if not org_urn_is_valid(request.organization_urn):
            raise RequirementNotMet("LinkedIn did not return a valid organization for this request.")
        contract_id = contract_id_from_urn(request.contract_urn)
        now = self.clock.now()
        contract = self.repo.create_contract_if_absent(
            Contract(
                account_id=account.account_id,
                contract_id=contract_id,
                contract_urn=request.contract_urn,
                organization_urn=request.organization_urn,
                status=ContractStatus.ACTIVATION_STARTED,
                request_id=request.request_id,
                requested_by=user_id,
                created_at=now,
                updated_at=now,
            )
        )
        if contract.status == ContractStatus.DEACTIVATING:
            raise Conflict(
                f"Contract {contract_id} is being deactivated; connect it again once that has finished.",
                code="DEACTIVATION_IN_PROGRESS",
            )
        if contract.status == ContractStatus.DEACTIVATED:
            contract = self._reactivate(contract, request, user_id)
        if contract.organization_urn != request.organization_urn:
            raise Conflict(
                f"Contract {contract_id} is already connected under {contract.organization_urn}.",
                code="CONTRACT_ORGANIZATION_MISMATCH",
            )
        customer = CustomerApi(self.linkedin, self.customer_credentials(account))
        try:
            self._set_up_at_linkedin(customer, account, request, public_base_url)
        except (LinkedInError, LinkedInUnavailable) as exc:
            message = exc.message
            self._record(account.account_id, contract_id, last_error=message, contacted=True, answered=False)
            raise LinkedInUnavailable(
                f"LinkedIn did not accept the integration setup: {message}",
                details={"contractId": contract_id},
            ) from None
        updated = self._record(
            account.account_id,
            contract_id,
            to=ContractStatus.PARTNER_READY,
            contacted=True,
            answered=True,
            request_id=request.request_id,
            requested_by=user_id,
        )
        logger.info(
            "contract partner ready",
            extra={"account_id": account.account_id, "contract_id": contract_id, "status": updated.status},
        )
        return updated

    def _reactivate(self, contract: Contract, request: IntegrationRequest, user_id: str) -> Contract:
        """A deactivated contract requested again starts over: nothing of its earlier connection is kept but
        its id and the activation count (which gives its next initial sync a new id)."""
        for _ in range(5):
            current = self.repo.get_contract(contract.account_id, contract.contract_id)
            if current is None or current.status != ContractStatus.DEACTIVATED:
                return current or contract
            now = self.clock.now()
            fresh = Contract(
                account_id=current.account_id,
                contract_id=current.contract_id,
                contract_urn=request.contract_urn,
                organization_urn=request.organization_urn,
                status=ContractStatus.ACTIVATION_STARTED,
                request_id=request.request_id,
                requested_by=user_id,
                created_at=current.created_at,
                updated_at=now,
                activation=current.activation + 1,
                version=current.version,
            )
            try:
                saved = self.repo.update_contract(
                    fresh, allowed_from=frozenset({ContractStatus.DEACTIVATED}), expected_version=current.version
                )
            except StaleWrite:
                continue
            logger.info(
                "deactivated contract requested again",
                extra={"account_id": saved.account_id, "contract_id": saved.contract_id, "time": saved.activation},
            )
            return saved
        raise Conflict("The contract is being changed by another request; try again.")

    def _set_up_at_linkedin(
        self, customer: CustomerApi, account: Account, request: IntegrationRequest, public_base_url: str
    ) -> None:
        keys = rsc_integration_keys(request.organization_urn, request.contract_urn)
        company = account.company_name
        names = {
            restli.entity_key(k): f"{company} LinkedIn Recruiter "
            f"{INTEGRATION_LABELS[IntegrationType(k['integrationType'])]} Integration"
            for k in keys
        }
        named = customer.name_integrations(names, keys)
        if named.errors:
            failed = ", ".join(
                f"{restli.parse_entity_key(k).get('integrationType')} ({v.get('status')})"
                for k, v in named.errors.items()
            )
            raise LinkedInUnavailable(f"naming the integrations failed for {failed}")
        callback_url = f"{public_base_url}/linkedin/notifications/{account.account_id}"
        for integration_type, values in (
            (
                IntegrationType.ONE_CLICK_EXPORT,
                {"CALLBACK_URL": callback_url, "JOB_POSTING_VIEWERS": ALL_PRODUCT_USERS},
            ),
            (IntegrationType.IN_ATS_INDICATOR, {"APPLICATION_VIEWERS": ALL_PRODUCT_USERS}),
        ):
            result = customer.set_configurations(integration_key(integration_type, request.organization_urn), values)
            if result.errors:
                raise LinkedInUnavailable(
                    f"setting {', '.join(result.errors)} on {integration_type.value} failed",
                )

    def renotify(self, caller: Caller, account_id: str, contract_id: str, public_base_url: str) -> Contract:
        """Re-send the partner-side setup of a contract stuck before Enabled (idempotent), and poll it soon."""
        caller.ensure_account(account_id)
        caller.require_admin("re-send the LinkedIn setup")
        account = self._account(account_id)
        contract = self.repo.get_contract(account_id, contract_id)
        if contract is None:
            raise NotFound(f"contract {contract_id} not found")
        if contract.status not in PARTNER_READY_FROM:
            raise Conflict(
                f"Contract {contract_id} is {contract.status.value}; "
                "re-notifying is only for contracts waiting on LinkedIn.",
                code="NOT_WAITING",
            )
        request = IntegrationRequest(contract.organization_urn, contract.contract_urn, contract.request_id)
        customer = CustomerApi(self.linkedin, self.customer_credentials(account))
        try:
            self._set_up_at_linkedin(customer, account, request, public_base_url)
        except (LinkedInError, LinkedInUnavailable) as exc:
            self._record(account_id, contract_id, last_error=exc.message, contacted=True)
            raise LinkedInUnavailable(f"LinkedIn did not accept the setup: {exc.message}") from None
        return self._record(
            account_id,
            contract_id,
            to=ContractStatus.PARTNER_READY,
            contacted=True,
            answered=True,
            next_poll_at=self.clock.now(),
        )

    def _record(
        self,
        account_id: str,
        contract_id: str,
        *,
        to: ContractStatus | None = None,
        contacted: bool = False,
        answered: bool = False,
        last_error: str | None = None,
        **fields: Any,
    ) -> Contract:
        """Read-modify-write with a conditional put; retried when another writer got there first."""
        for _ in range(5):
            current = self.repo.get_contract(account_id, contract_id)
            if current is None:
                raise NotFound(f"contract {contract_id} not found")
            now = self.clock.now()
            changes: dict[str, Any] = {"updated_at": now, "last_error": last_error, **fields}
            if contacted:
                changes["last_linkedin_contact_at"] = now
            if answered:
                changes["last_linkedin_answer_at"] = now
            if to is not None and current.status in PARTNER_READY_FROM:
                changes["status"] = to
                if to == ContractStatus.PARTNER_READY:
                    # From now on the enablement poll watches for the Recruiter admin's toggle.
                    changes["partner_ready_at"] = current.partner_ready_at or now
                    changes.setdefault("next_poll_at", now + 60)
            try:
                return self.repo.update_contract(
                    current.model_copy(update=changes),
                    allowed_from=frozenset({current.status}),
                    expected_version=current.version,
                )
            except StaleWrite:
                continue
        raise Conflict("The contract is being changed by another request; try again.")

    def _ats_page(self, account_id: str, outcome: str, **extra: str) -> str:
        query = urlencode({"account": account_id, "linkedin": outcome, **extra})
        sep = "&" if "?" in self.settings.ATS_APP_URL else "?"
        return f"{self.settings.ATS_APP_URL}{sep}{query}"
