"""The emulator's in-memory store and the domain operations on it, all guarded by one re-entrant lock.

HTTP handlers (and in-process tests) call these methods; a handler that needs several steps to be atomic
holds ``state.lock`` around them.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.linkedin import assumptions as A

from .clock import Clock
from .faults import FaultInjector, FaultSettings
from .model import (
    APPLICATION_URN_PREFIX,
    CALLBACK_URL,
    CONTRACT_TYPES,
    CONTRACT_URN,
    INTEGRATION_REQUEST_EVENT,
    ONE_CLICK_EXPORT,
    ORGANIZATION_TYPES,
    AccessToken,
    Application,
    AuthorizationCode,
    Contract,
    Integration,
    IntegrationEvent,
    IntegrationKey,
    Member,
    PushRecord,
    PushSettings,
)
from .seatstore import SeatStore
from .syncstore import DEFAULT_JOB_TASK_DELAY_SECONDS, SYNC_FAMILIES, SyncStore

DEFAULT_DAILY_LIMITS: Mapping[str, int] = {"atsIntegrations": 5000}  # linkedin-rsc-api.md 5.4
APP_TOKEN_TTL_SECONDS = 1800  # documented: 30-minute client-credentials tokens
LITE_REFUSAL = "Recruiter System Connect is not available for Recruiter Lite contracts"


class Refusal(Exception):
    """A domain rule said no; the HTTP layer renders it as a page (authorization) or JSON (control)."""

    def __init__(self, status: int, message: str, options: list[Contract] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.options = options or []


@dataclass
class RequestLogSettings:
    """What the request log keeps: everything by default; off, or the newest ``max_entries``, for bulk runs."""

    enabled: bool = True
    max_entries: int | None = None
    max_body_bytes: int | None = None

    def view(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "maxEntries": self.max_entries, "maxBodyBytes": self.max_body_bytes}


@dataclass
class StatusChange:
    """What one Recruiter-admin action changed for one child application."""

    event: IntegrationEvent
    integrations: list[Integration] = field(default_factory=list)


class EmulatorState:
    def __init__(
        self,
        clock: Clock,
        partner_client_id: str,
        partner_client_secret: str,
        daily_limits: Mapping[str, int] | None = None,
        *,
        sync_records_per_minute: int = A.SYNC_RECORDS_PER_MINUTE,
        sync_calls_per_day: int = A.SYNC_CALLS_PER_DAY,
        job_task_delay_seconds: float = DEFAULT_JOB_TASK_DELAY_SECONDS,
        request_log: RequestLogSettings | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.partner_client_id = partner_client_id
        self._partner_client_secret = partner_client_secret
        self._initial_limits = dict(DEFAULT_DAILY_LIMITS if daily_limits is None else daily_limits)
        self._initial_log_settings = request_log or RequestLogSettings()
        self.sync = SyncStore(
            clock,
            self.lock,
            records_per_minute=sync_records_per_minute,
            calls_per_day=sync_calls_per_day,
            job_task_delay_seconds=job_task_delay_seconds,
        )
        self.faults = FaultInjector()
        self.seats = SeatStore()
        self.request_log_settings = RequestLogSettings()
        self.requests_seen = 0
        self.requests_skipped = 0
        self.requests_evicted = 0
        self.apps: dict[str, Application] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.members: dict[str, Member] = {}
        self.integrations: dict[tuple[str, IntegrationKey], Integration] = {}
        self.events: dict[str, IntegrationEvent] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.request_log: deque[dict[str, Any]] = deque()
        self.usage: dict[tuple[str, str, str], int] = {}
        self.daily_limits: dict[str, int] = {}
        self.pushes: list[PushRecord] = []
        self.push_settings = PushSettings()
        self._app_sequence = 0
        self.reset()

    def reset(self) -> None:
        """Forget everything but the partner application (its credentials stay)."""
        with self.lock:
            self._app_sequence = 1
            partner = Application(
                client_id=self.partner_client_id,
                client_secret=self._partner_client_secret,
                key=f"{APPLICATION_URN_PREFIX}1",
                is_partner=True,
                name="Partner application",
            )
            self.apps = {partner.client_id: partner}
            self.tokens = {}
            self.members = {}
            self.integrations = {}
            self.events = {}
            self.codes = {}
            self.request_log_settings = RequestLogSettings(**vars(self._initial_log_settings))
            self.request_log = deque(maxlen=self.request_log_settings.max_entries)
            self.requests_seen = self.requests_skipped = self.requests_evicted = 0
            self.usage = {}
            self.daily_limits = dict(self._initial_limits)
            self.pushes = []
            self.push_settings = PushSettings()
            self.sync.reset()
            self.seats.reset()
            self.faults.configure(FaultSettings())

    # -- applications -------------------------------------------------------------------------------------

    def app(self, client_id: str) -> Application | None:
        with self.lock:
            return self.apps.get(client_id)

    def child_app(self, client_id: str) -> Application | None:
        with self.lock:
            app = self.apps.get(client_id)
            return app if app is not None and not app.is_partner else None

    def app_by_key(self, key: str) -> Application | None:
        with self.lock:
            return next((app for app in self.apps.values() if app.key == key and not app.is_partner), None)

    def create_app(self, fields: Mapping[str, Any]) -> Application:
        """CREATE a child application; Refusal(409) on a duplicate uniqueForeignId (assumption A2)."""
        with self.lock:
            foreign_id = fields["uniqueForeignId"]
            if self.apps_by_foreign_id(foreign_id):
                raise Refusal(
                    A.PROVISION_CONFLICT_STATUS,
                    f"An application with uniqueForeignId {foreign_id!r} already exists",
                )
            self._app_sequence += 1
            app = Application(
                client_id=self._new_client_id(),
                client_secret=secrets.token_urlsafe(12),
                key=f"{APPLICATION_URN_PREFIX}{self._app_sequence}",
                is_partner=False,
                unique_foreign_id=foreign_id,
            )
            self._apply_app_fields(app, fields)
            self.apps[app.client_id] = app
            return app

    def update_app(self, key: str, fields: Mapping[str, Any]) -> Application:
        with self.lock:
            app = self.app_by_key(key)
            if app is None:
                raise Refusal(404, f"No provisioned application {key}")
            self._apply_app_fields(app, fields)
            return app

    def apps_by_foreign_id(self, foreign_id: str) -> list[Application]:
        with self.lock:
            return [a for a in self.apps.values() if not a.is_partner and a.unique_foreign_id == foreign_id]

    def set_client_credentials_allowed(self, client_id: str, allowed: bool) -> Application:
        with self.lock:
            app = self.apps.get(client_id)
            if app is None:
                raise Refusal(404, f"No application with client_id {client_id!r}")
            app.allow_client_credentials = allowed
            return app

    def _new_client_id(self) -> str:
        while True:
            client_id = "78" + secrets.token_hex(6)
            if client_id not in self.apps:
                return client_id

    @staticmethod
    def _apply_app_fields(app: Application, fields: Mapping[str, Any]) -> None:
        if "name" in fields:
            app.name = fields["name"]
        if "description" in fields:
            app.description = fields["description"]
        if "oauth2AuthorizedCallbackUrls" in fields:
            app.oauth2_authorized_callback_urls = list(fields["oauth2AuthorizedCallbackUrls"])
        if "validJsSdkDomains" in fields:
            app.valid_js_sdk_domains = list(fields["validJsSdkDomains"])

    # -- tokens -------------------------------------------------------------------------------------------

    def issue_token(
        self, client_id: str, ttl_seconds: float, *, member_id: str | None = None, scope: str = ""
    ) -> AccessToken:
        with self.lock:
            now = self.clock.now()
            token = AccessToken(
                value="AQ" + secrets.token_urlsafe(48),
                client_id=client_id,
                issued_at=now,
                expires_at=now + ttl_seconds,
                member_id=member_id,
                scope=scope,
            )
            self.tokens[token.value] = token
            return token

    def token(self, value: str) -> AccessToken | None:
        with self.lock:
            return self.tokens.get(value)

    # -- members and contracts ----------------------------------------------------------------------------

    def upsert_member(self, member: Member) -> bool:
        """Add or replace a member; True when new. Refusal(409) when a contract or email contradicts another."""
        with self.lock:
            if member.email:
                for other in self.members.values():
                    if (
                        other.member_id != member.member_id
                        and (other.email or "").casefold() == member.email.casefold()
                    ):
                        raise Refusal(409, f"Email {member.email!r} already belongs to member {other.member_id!r}")
            known = {
                c.contract_id: c for m in self.members.values() if m.member_id != member.member_id for c in m.contracts
            }
            for contract in member.contracts:
                existing = known.get(contract.contract_id)
                if existing is not None and (existing.organization_id, existing.type) != (
                    contract.organization_id,
                    contract.type,
                ):
                    raise Refusal(
                        409,
                        f"Contract {contract.contract_id} is already known with organization "
                        f"{existing.organization_id} and type {existing.type}",
                    )
            created = member.member_id not in self.members
            self.members[member.member_id] = member
            self.seats.sync_member(member)
            return created

    def find_member(self, identifier: str) -> Member | None:
        """By member id, or by email (case-insensitive)."""
        with self.lock:
            if identifier in self.members:
                return self.members[identifier]
            folded = identifier.casefold()
            return next((m for m in self.members.values() if (m.email or "").casefold() == folded), None)

    def contract(self, urn: str) -> Contract | None:
        with self.lock:
            for member in self.members.values():
                for contract in member.contracts:
                    if contract.urn == urn:
                        return contract
            return None

    def contract_organization(self, urn: str) -> str | None:
        """The organization URN of a contract: a member's, else the one the seat control API was given."""
        with self.lock:
            known = self.contract(urn)
            if known is not None:
                return known.organization_urn
            return self.seats.contract_organizations.get(urn)

    # -- the customer's Request (widget / authorization page) ---------------------------------------------

    def choose_contract(self, member: Member, contract_urn: str | None) -> Contract:
        """The contract the member's Request applies to (assumption A10: never a Recruiter Lite one)."""
        if not member.contracts:
            raise Refusal(403, f"Member {member.member_id} holds no seat on any Recruiter contract")
        if contract_urn:
            if not CONTRACT_URN.match(contract_urn):
                raise Refusal(400, f"{contract_urn!r} is not a contract URN (urn:li:contract:<id>)")
            chosen = next((c for c in member.contracts if c.urn == contract_urn), None)
            if chosen is None:
                raise Refusal(403, f"Member {member.member_id} holds no seat on contract {contract_urn}")
            if not chosen.eligible:
                raise Refusal(403, LITE_REFUSAL)
            return chosen
        eligible = [c for c in member.contracts if c.eligible]
        if not eligible:
            raise Refusal(403, LITE_REFUSAL)
        if len(eligible) > 1:
            choices = ", ".join(c.urn for c in eligible)
            raise Refusal(
                400, f"The member holds seats on several Recruiter contracts; choose one of {choices}", eligible
            )
        return eligible[0]

    def request_integrations(self, client_id: str, member: Member, contract_urn: str | None) -> IntegrationEvent:
        """The member clicked Request: create the four RSC integrations (REQUESTED) for the child app."""
        with self.lock:
            if self.child_app(client_id) is None:
                raise Refusal(400, f"{client_id!r} is not a provisioned (child) application")
            contract = self.choose_contract(member, contract_urn)
            now_ms = self.clock.now_ms()
            keys = [IntegrationKey(contract.organization_urn, kind) for kind in ORGANIZATION_TYPES]
            keys += [IntegrationKey(contract.urn, kind) for kind in CONTRACT_TYPES]
            for key in keys:
                if (client_id, key) not in self.integrations:
                    self.integrations[(client_id, key)] = Integration(client_id, key, last_modified_at_ms=now_ms)
            return self._new_event(client_id, INTEGRATION_REQUEST_EVENT, keys)

    def issue_code(
        self, client_id: str, redirect_uri: str, member: Member, scope: str, event: IntegrationEvent
    ) -> AuthorizationCode:
        with self.lock:
            code = AuthorizationCode(
                code=secrets.token_urlsafe(32),
                client_id=client_id,
                redirect_uri=redirect_uri,
                member_id=member.member_id,
                scope=scope,
                request_id=event.request_id,
                expires_at=self.clock.now() + A.AUTHORIZATION_CODE_TTL_SECONDS,
            )
            self.codes[code.code] = code
            return code

    # -- integrations ---------------------------------------------------------------------------------------

    def integration(self, client_id: str, key: IntegrationKey) -> Integration | None:
        with self.lock:
            return self.integrations.get((client_id, key))

    def rename_integration(self, integration: Integration, name: str) -> None:
        """The partner's BATCH_PARTIAL_UPDATE: REQUESTED -> PARTNER_READY; ENABLED/DISABLED stay."""
        with self.lock:
            integration.integration_name = name
            if integration.status == A.STATUS_REQUESTED:
                integration.status = A.STATUS_PARTNER_READY
            integration.last_modified_at_ms = self.clock.now_ms()

    def callback_url_users(self, url: str) -> set[str]:
        """Client ids whose CALLBACK_URL configuration is ``url``."""
        with self.lock:
            return {i.owner for i in self.integrations.values() if i.configurations.get(CALLBACK_URL) == url}

    def callback_url(self, client_id: str, organization: str | None) -> str | None:
        """The push target of a child app: its ONE_CLICK_EXPORT CALLBACK_URL, preferring ``organization``'s."""
        with self.lock:
            candidates = [
                i
                for i in self.integrations.values()
                if i.owner == client_id
                and i.key.integration_type == ONE_CLICK_EXPORT
                and CALLBACK_URL in i.configurations
            ]
            candidates.sort(key=lambda i: i.key.integration_context != organization)
            return candidates[0].configurations[CALLBACK_URL] if candidates else None

    def change_status(
        self,
        organization: str | None,
        contract: str | None,
        company_level: bool | None,
        contract_level: bool | None,
        client_id: str | None = None,
    ) -> list[StatusChange]:
        """The customer's Recruiter admin turns company/contract-level access on or off (Admin Settings -> ATS).

        Atomic: Refusal(409) if any targeted integration is still REQUESTED, Refusal(404) if none exists.
        Returns one change (with a new requestId) per child application whose integrations changed.
        """
        wanted: list[tuple[str, tuple[str, ...], bool]] = []
        if company_level is not None and organization is not None:
            wanted.append((organization, ORGANIZATION_TYPES, company_level))
        if contract_level is not None and contract is not None:
            wanted.append((contract, CONTRACT_TYPES, contract_level))
        with self.lock:
            targets: list[tuple[Integration, bool]] = [
                (integration, enable)
                for context, kinds, enable in wanted
                for integration in self.integrations.values()
                if integration.key.integration_context == context
                and integration.key.integration_type in kinds
                and (client_id is None or integration.owner == client_id)
            ]
            if not targets:
                raise Refusal(404, "No integration was requested for that organization/contract")
            pending = [i for i, _ in targets if i.status == A.STATUS_REQUESTED]
            if pending:
                raise Refusal(
                    409,
                    "The partner has not set up the integration yet: "
                    + ", ".join(f"{i.key.integration_type} on {i.key.integration_context}" for i in pending),
                )
            now_ms = self.clock.now_ms()
            changed: dict[str, list[Integration]] = {}
            for integration, enable in targets:
                status = A.STATUS_ENABLED if enable else A.STATUS_DISABLED
                if integration.status == status:
                    continue
                integration.status = status
                integration.enabled_at_ms = now_ms if enable else None
                integration.last_modified_at_ms = now_ms
                changed.setdefault(integration.owner, []).append(integration)
            return [
                StatusChange(
                    self._new_event(owner, A.PUSH_EVENT_INTEGRATION_STATUS_CHANGE, [i.key for i in items]), items
                )
                for owner, items in changed.items()
            ]

    # -- events (requestIds) ------------------------------------------------------------------------------

    def _new_event(self, client_id: str, event_type: str, keys: Iterable[IntegrationKey]) -> IntegrationEvent:
        now = self.clock.now()
        event = IntegrationEvent(
            request_id=str(uuid.uuid4()),
            client_id=client_id,
            type=event_type,
            keys=list(keys),
            created_at=now,
            expires_at=now + A.PUSH_REQUEST_TTL_SECONDS,
        )
        self.events[event.request_id] = event
        return event

    def find_event(self, client_id: str, request_id: str) -> IntegrationEvent | None:
        """The event, if it belongs to ``client_id`` and has not expired (A.PUSH_REQUEST_TTL_SECONDS)."""
        with self.lock:
            event = self.events.get(request_id)
            if event is None or event.client_id != client_id or self.clock.now() >= event.expires_at:
                return None
            return event

    # -- request log, usage and limits --------------------------------------------------------------------

    def record_request(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests_seen += 1
            log = self.request_log
            if log.maxlen is not None and len(log) == log.maxlen:
                self.requests_evicted += 1
            log.append(entry)

    def skip_request(self) -> None:
        """A request the log was told not to keep (``request_log_settings.enabled`` is off): counted only."""
        with self.lock:
            self.requests_seen += 1
            self.requests_skipped += 1

    def configure_request_log(
        self, enabled: bool | None, max_entries: int | None, max_body_bytes: int | None, *, unset: Collection[str] = ()
    ) -> dict[str, Any]:
        """Change what the log keeps; ``unset`` names (maxEntries, maxBodyBytes) go back to "no cap"."""
        with self.lock:
            settings = self.request_log_settings
            if enabled is not None:
                settings.enabled = enabled
            if "maxEntries" in unset:
                settings.max_entries = None
            if "maxBodyBytes" in unset:
                settings.max_body_bytes = None
            if max_entries is not None:
                settings.max_entries = max_entries
            if max_body_bytes is not None:
                settings.max_body_bytes = max_body_bytes
            if self.request_log.maxlen != settings.max_entries:
                kept = list(self.request_log)
                if settings.max_entries is not None and len(kept) > settings.max_entries:
                    self.requests_evicted += len(kept) - settings.max_entries
                self.request_log = deque(kept, maxlen=settings.max_entries)
            return self.request_log_view()

    def request_log_view(self) -> dict[str, Any]:
        with self.lock:
            return {
                **self.request_log_settings.view(),
                "seen": self.requests_seen,
                "kept": len(self.request_log),
                "skipped": self.requests_skipped,
                "evicted": self.requests_evicted,
            }

    def daily_limit(self, family: str) -> int | None:
        """The family's own limit, else (sync families) the sync calls-per-day knob (A16)."""
        with self.lock:
            limit = self.daily_limits.get(family)
            if limit is None and family in SYNC_FAMILIES:
                return self.sync.calls_per_day
            if limit is None and family == A.PROSPECT_INTERACTIONS_FAMILY:
                return A.PROSPECT_INTERACTIONS_CALLS_PER_DAY
            return limit

    def count_call(self, client_id: str, family: str) -> tuple[int, int | None]:
        """Count one call of ``client_id`` to ``family`` today (UTC); returns (count, daily limit)."""
        with self.lock:
            slot = (client_id, self.clock.utc_day(), family)
            self.usage[slot] = self.usage.get(slot, 0) + 1
            return self.usage[slot], self.daily_limit(family)

    def usage_view(self) -> dict[str, dict[str, dict[str, int]]]:
        """``{client_id: {day: {family: count}}}``."""
        with self.lock:
            view: dict[str, dict[str, dict[str, int]]] = {}
            for (client_id, day, family), count in sorted(self.usage.items()):
                view.setdefault(client_id, {}).setdefault(day, {})[family] = count
            return view

    def set_limits(self, limits: Mapping[str, int | None]) -> dict[str, int]:
        """Merge daily limits; ``None`` removes a family's limit."""
        with self.lock:
            for family, limit in limits.items():
                if limit is None:
                    self.daily_limits.pop(family, None)
                else:
                    self.daily_limits[family] = limit
            return dict(self.daily_limits)

    # -- sync admission ---------------------------------------------------------------------------------------

    def sync_blocker(self, client_id: str, organization: str) -> str | None:
        """Why ``client_id`` may not sync data for ``organization`` (A13), or None when it may."""
        with self.lock:
            statuses = []
            for kind in A.SYNC_REQUIRED_ENABLED_TYPES:
                integration = self.integrations.get((client_id, IntegrationKey(organization, kind)))
                statuses.append(integration.status if integration is not None else "not requested")
            if all(status == A.STATUS_ENABLED for status in statuses):
                return None
            shown = ", ".join(
                f"{kind}: {status}" for kind, status in zip(A.SYNC_REQUIRED_ENABLED_TYPES, statuses, strict=True)
            )
            return (
                f"Recruiter System Connect is not enabled for {organization} for this application "
                f"({shown}); data can be synced only after the customer enabled the integration"
            )

    def seats_blocker(self, client_id: str, contract: str) -> str | None:
        """Why ``client_id`` may not read the seat holders of ``contract`` (A20), or None when it may."""
        with self.lock:
            kind = A.SEATS_REQUIRED_ENABLED_TYPE
            integration = self.integrations.get((client_id, IntegrationKey(contract, kind)))
            status = integration.status if integration is not None else "not requested"
            if status == A.STATUS_ENABLED:
                return None
            return (
                f"Contract-level access ({kind}) is not enabled for {contract} for this application ({kind}: "
                f"{status}); seat holders can be read only after the customer's Recruiter admin enabled it"
            )

    # -- dump -----------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything the control API shows (no secrets)."""
        with self.lock:
            return {
                "clock": {"now": self.clock.now(), "frozen": self.clock.frozen},
                "partner": self.apps[self.partner_client_id].public_view(),
                "apps": [app.public_view() for app in self.apps.values() if not app.is_partner],
                "members": [member.view() for member in self.members.values()],
                "seats": [seat.view(self.contract_organization(seat.contract)) for seat in self.seats.all()],
                "seatSettings": self.seats.settings.view(),
                "integrations": [
                    {"clientId": i.owner, **i.entity(), "configurations": dict(i.configurations)}
                    for i in self.integrations.values()
                ],
                "integrationRequests": [event.view() for event in self.events.values()],
                "pushes": [push.view() for push in self.pushes],
                "pushSettings": self.push_settings.view(),
                "limits": dict(self.daily_limits),
                "usage": self.usage_view(),
                "requests": list(self.request_log),
                "requestLog": self.request_log_view(),
                "sync": {
                    "limits": self.sync.limits_view(),
                    "jobTasks": self.sync.job_tasks_view(),
                    "organizations": {org: self.sync.counts(org) for org in self.sync.organizations()},
                    "usage": self.sync.usage_view(),
                },
                "faults": self.faults.view(),
            }
