"""Enablement: from Partner ready to Enabled (and Disabled), by the scheduled poll and by LinkedIn's push.

Both paths end in `Enablement.observe`, the one piece of code that turns what LinkedIn reports about a
contract's four integrations into a status, access levels and, on reaching Enabled, exactly one start of the
initial sync. Observations are applied per integration type only when they are newer than what we hold
(LinkedIn's lastModifiedAt, assumption A5), and every write is conditional on the contract's version, so a
stale poll never moves a contract backwards and a poll racing a push start one execution.

Poll schedule (per contract; each poll of an account is one BATCH_GET for up to 25 contracts):
  waiting (Partner ready)  < 1 h: every minute; < 24 h: every 5 min; < 7 days: every 30 min; then every 6 h
  enabled with one level    every 30 min (to notice the second toggle and a disable)
  fully enabled             every hour (to notice a disable if the push is lost)
  disabled / deactivated    not polled (a push, a re-notify or an admin's status refresh brings them back)
Worst case for one application (one contract): 60 + 23 * 12 = 336 calls on its first day, 48/day after.
A per-application daily budget (POLL_DAILY_BUDGET of LinkedIn's 5,000) is enforced before every call.

A run's DynamoDB cost does not grow per contract: one query of the due contracts, their accounts read 100 at a
time, and per wave of up to 100 BATCH_GETs one transaction spending the budgets and one writing the contracts
(each write still conditional on its contract's version and status). The LinkedIn calls go POLL_WORKERS at a
time; an application's secret is read only to mint its token (issue 7's 5,000-contract check:
`python -m rsc_demo.poll_load`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rsc_connector.adapters.dynamodb import StaleWrite
from rsc_connector.clock import Clock
from rsc_connector.domain import (
    COMPANY_LEVEL_TYPES,
    CONTRACT_LEVEL_TYPES,
    Account,
    Contract,
    ContractStatus,
    IntegrationType,
)
from rsc_connector.errors import Conflict, LinkedInUnavailable, NotFound
from rsc_connector.linkedin import assumptions as A
from rsc_connector.linkedin import restli
from rsc_connector.linkedin.api import CustomerApi, rsc_integration_keys
from rsc_connector.linkedin.http import LinkedInError, LinkedInHttp, child_app_credentials
from rsc_connector.observability import logger
from rsc_connector.ports import SecretStore, StateRepository, SyncStarter

ATS_INTEGRATIONS_DAILY_LIMIT = 5_000  # LinkedIn's documented limit per application per UTC day
POLL_DAILY_BUDGET = 4_000  # the poll's share; the rest stays for setup, re-notify and push follow-ups
CONTRACTS_PER_CALL = 100 // 4  # four keys per contract, 100 keys per Rest.li batch
MAX_CONTRACTS_PER_RUN = 5_000
POLL_WORKERS = 32  # parallel LinkedIn calls: a run waits on thousands of them (token mints, BATCH_GETs)
POLL_WAVE = 100  # BATCH_GETs per wave: one budget transaction and one write transaction (DynamoDB's 100 items)

ACTIVE = frozenset({ContractStatus.ENABLED, ContractStatus.SYNCING, ContractStatus.SYNCED, ContractStatus.SYNC_FAILED})
WAITING = frozenset({ContractStatus.ACTIVATION_STARTED, ContractStatus.PARTNER_READY})
FROZEN = frozenset({ContractStatus.DEACTIVATING, ContractStatus.DEACTIVATED})


def utc_day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def poll_interval(contract: Contract, now: float) -> float | None:
    """Seconds until this contract's next poll, or None when it is not polled at all."""
    if contract.status in WAITING:
        waited = now - (contract.partner_ready_at or contract.created_at)
        if waited < 3600:
            return 60
        if waited < 86400:
            return 300
        if waited < 7 * 86400:
            return 1800
        return 6 * 3600
    if contract.status in ACTIVE:
        return 3600 if contract.company_level and contract.contract_level else 1800
    return None


def next_poll_at(contract: Contract, now: float) -> float | None:
    interval = poll_interval(contract, now)
    if interval is None:
        return None
    # Up to 10% deterministic jitter per account, so thousands of customers activated together do not poll in
    # lockstep, while the contracts of one account stay aligned and share one BATCH_GET.
    digest = hashlib.sha256(contract.account_id.encode()).digest()
    return now + interval * (1 + (digest[0] / 255) * 0.1)


_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _organization_state(contracts: list[Contract], contract: Contract) -> list[Observation]:
    """The newest company-level observations any contract of ``contract``'s organization holds."""
    newest: dict[IntegrationType, dict[str, Any]] = {}
    for other in contracts:
        if other.organization_urn != contract.organization_urn or other.contract_id == contract.contract_id:
            continue
        for kind in COMPANY_LEVEL_TYPES:
            held = other.integrations.get(kind.value)
            if held and int(held.get("lastModifiedAt", 0)) > int(newest.get(kind, {}).get("lastModifiedAt", -1)):
                newest[kind] = held
    return [
        Observation(
            kind,
            contract.organization_urn,
            held.get("status"),
            int(held.get("lastModifiedAt", 0)),
            held.get("enabledAt"),
        )
        for kind, held in newest.items()
    ]


def execution_name(account_id: str, contract_id: str, sync_id: str) -> str:
    """`{account}-{contract}-{syncId}`, within Step Functions' 80 characters of [A-Za-z0-9_-]."""
    raw = f"{account_id}-{contract_id}-{sync_id}"
    name = _NAME_UNSAFE.sub("_", raw)
    if name != raw or len(name) > 80:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:10]
        name = f"{name[:69]}-{digest}"
    return name


@dataclass
class Observation:
    """One integration's state as LinkedIn reported it."""

    integration_type: IntegrationType
    context: str
    status: str | None  # None: LinkedIn does not know this integration (per-entity 404)
    last_modified_at: int
    enabled_at: int | None = None

    @classmethod
    def from_entity(cls, entity: dict[str, Any]) -> Observation | None:
        try:
            integration_type = IntegrationType(str(entity.get("integrationType")))
        except ValueError:
            return None
        enabled = entity.get(A.ENABLED_AT_FIELD)
        return cls(
            integration_type=integration_type,
            context=str(entity.get("integrationContext", "")),
            status=str(entity.get(A.STATUS_FIELD) or "") or None,
            last_modified_at=int(entity.get(A.LAST_MODIFIED_AT_FIELD) or 0),
            enabled_at=int(enabled) if isinstance(enabled, int | float) else None,
        )


@dataclass
class PollReport:
    contracts_due: int = 0
    contracts_polled: int = 0
    linkedin_calls: int = 0
    skipped_for_budget: int = 0
    errors: int = 0
    transitions: list[str] = field(default_factory=list)


@dataclass
class Enablement:
    repo: StateRepository
    secrets: SecretStore
    linkedin: LinkedInHttp
    sync: SyncStarter
    clock: Clock
    seats: Any = None  # rsc_connector.seats.store.SeatStore: schedules the first seat read of a contract

    # -- the one transition logic ----------------------------------------------------------------
    def observe(self, contract: Contract, observations: Iterable[Observation], source: str) -> Contract:
        """Apply what LinkedIn reported to the contract (conditional write, retried on a lost race)."""
        observations = list(observations)
        for _ in range(8):
            current = self.repo.get_contract(contract.account_id, contract.contract_id)
            if current is None:
                raise NotFound(f"contract {contract.contract_id} not found")
            updated = self._apply(current, observations, source)
            try:
                saved = self.repo.update_contract(
                    updated, allowed_from=frozenset({current.status}), expected_version=current.version
                )
            except StaleWrite:
                continue
            return self._observed(current, saved, source)
        raise Conflict("The contract is changing too often; try again.")

    def _observed(self, current: Contract, saved: Contract, source: str) -> Contract:
        """What follows a written observation: the status change logged, the initial sync started (once) on
        reaching Enabled, the seat read scheduled when contract-level access arrived."""
        if saved.status != current.status:
            logger.info(
                "contract status changed",
                extra={
                    "account_id": saved.account_id,
                    "contract_id": saved.contract_id,
                    "from": current.status.value,
                    "to": saved.status.value,
                    "source": source,
                },
            )
        started = self._ensure_sync_started(saved)
        self._schedule_seat_read(current, started)
        return started

    def _schedule_seat_read(self, before: Contract, after: Contract) -> None:
        """Contract-level access just arrived outside a running sync (whose end links seats itself): read the
        seats and link users at the seat schedule's next run."""
        if self.seats is None or before.contract_level or not after.contract_level:
            return
        own_sync_pending = not after.history_contract_id and after.status in (
            ContractStatus.ENABLED,
            ContractStatus.SYNCING,
        )
        if after.status not in ACTIVE or own_sync_pending:
            return  # not usable, or its own initial sync (starting or running) links the seats when it ends
        self.seats.postpone_refresh(after.account_id, after.contract_id, self.clock.now(), "contract-level access on")

    def _apply(self, contract: Contract, observations: list[Observation], source: str) -> Contract:
        now = self.clock.now()
        integrations = {k: dict(v) for k, v in contract.integrations.items()}
        for obs in observations:
            expected_context = (
                contract.contract_urn if obs.integration_type in CONTRACT_LEVEL_TYPES else contract.organization_urn
            )
            if obs.context != expected_context:
                continue
            held = integrations.get(obs.integration_type.value, {})
            if obs.last_modified_at < int(held.get("lastModifiedAt", 0)):
                continue  # stale: LinkedIn has told us something newer already
            integrations[obs.integration_type.value] = {
                "status": obs.status,
                "lastModifiedAt": obs.last_modified_at,
                "enabledAt": obs.enabled_at,
            }

        def enabled(types: tuple[IntegrationType, ...]) -> bool:
            return all(integrations.get(t.value, {}).get("status") == A.STATUS_ENABLED for t in types)

        company, contract_level = enabled(COMPANY_LEVEL_TYPES), enabled(CONTRACT_LEVEL_TYPES)
        changes: dict[str, Any] = {
            "integrations": integrations,
            "company_level": company,
            "contract_level": contract_level,
            "updated_at": now,
            "last_linkedin_answer_at": now,
            "last_poll_at" if source == "poll" else "last_push_at": now,
        }
        status = contract.status
        if status not in FROZEN:
            if company or contract_level:
                if status in WAITING or status == ContractStatus.DISABLED:
                    status = ContractStatus.ENABLED
                    changes["enabled_at"] = now
                    changes["sync_id"] = self._sync_id(integrations)
                    if contract.activation > 1:  # re-activated after a deactivation: a new sync, not the old one
                        changes["sync_id"] += f"-a{contract.activation}"
                    changes["sync_execution_arn"] = None
                    changes["history_contract_id"] = None
            elif status in ACTIVE and any(v.get("status") == A.STATUS_DISABLED for v in integrations.values()):
                status = ContractStatus.DISABLED
        changes["status"] = status
        if status == ContractStatus.PARTNER_READY and contract.partner_ready_at is None:
            changes["partner_ready_at"] = now
        updated = contract.model_copy(update=changes)
        return updated.model_copy(update={"next_poll_at": next_poll_at(updated, now)})

    @staticmethod
    def _sync_id(integrations: dict[str, dict[str, Any]]) -> str:
        """Deterministic per enablement: the earliest enabledAt of the integrations now enabled."""
        stamps = [
            int(v.get("enabledAt") or v.get("lastModifiedAt") or 0)
            for v in integrations.values()
            if v.get("status") == A.STATUS_ENABLED
        ]
        return f"initial-{min(stamps) if stamps else 0}"

    def _history_owner(self, contract: Contract) -> Contract | None:
        """The other contract of this organization whose initial sync holds (or is syncing) the organization's
        history, if any; None when this contract's own sync is the one (company-level data is per organization)."""
        assert contract.sync_id is not None
        replace: tuple[str, str] | None = None
        for _ in range(3):
            owner_id, owner_sync = self.repo.claim_history(
                contract.account_id, contract.organization_urn, contract.contract_id, contract.sync_id, replace
            )
            if owner_id == contract.contract_id:
                if owner_sync == contract.sync_id:
                    return None
                replace = (owner_id, owner_sync)  # this contract's earlier enablement: record the new sync
                continue
            owner = self.repo.get_contract(contract.account_id, owner_id)
            alive = owner is not None and owner.status in ACTIVE and owner.sync_id == owner_sync
            if alive:
                return owner
            replace = (owner_id, owner_sync)  # deactivated or re-enabled since: this contract takes over
        return None

    def _ensure_sync_started(self, contract: Contract) -> Contract:
        """Start the initial sync for this enablement once: the execution name makes a second start a no-op."""
        if contract.status not in ACTIVE or not contract.sync_id or contract.sync_execution_arn:
            return contract
        owner = self._history_owner(contract)
        if owner is not None:
            return self._share_history(contract, owner)
        name = execution_name(contract.account_id, contract.contract_id, contract.sync_id)
        arn = self.sync.start(
            name,
            {
                "accountId": contract.account_id,
                "contractId": contract.contract_id,
                "syncId": contract.sync_id,
                "organizationUrn": contract.organization_urn,
                "contractUrn": contract.contract_urn,
            },
        )
        logger.info(
            "initial sync started",
            extra={"account_id": contract.account_id, "contract_id": contract.contract_id, "execution": name},
        )
        for _ in range(5):
            current = self.repo.get_contract(contract.account_id, contract.contract_id)
            if current is None or current.sync_id != contract.sync_id or current.sync_execution_arn:
                return current or contract
            try:
                return self.repo.update_contract(
                    current.model_copy(update={"sync_execution_arn": arn}),
                    allowed_from=frozenset({current.status}),
                    expected_version=current.version,
                )
            except StaleWrite:
                continue
        return contract

    def _share_history(self, contract: Contract, owner: Contract) -> Contract:
        logger.info(
            "organization history already synced by another contract",
            extra={"account_id": contract.account_id, "contract_id": contract.contract_id, "owner": owner.contract_id},
        )
        for _ in range(5):
            current = self.repo.get_contract(contract.account_id, contract.contract_id)
            if current is None or current.sync_id != contract.sync_id or current.sync_execution_arn:
                return current or contract
            try:
                return self.repo.update_contract(
                    current.model_copy(
                        update={
                            "history_contract_id": owner.contract_id,
                            "sync_id": owner.sync_id,
                            "sync_execution_arn": owner.sync_execution_arn or f"shared:{owner.contract_id}",
                        }
                    ),
                    allowed_from=frozenset({current.status}),
                    expected_version=current.version,
                )
            except StaleWrite:
                continue
        return contract

    # -- credentials and budget ------------------------------------------------------------------
    def _customer(self, account: Account) -> CustomerApi:
        if account.child_app is None:
            raise NotFound(f"account {account.account_id} has no LinkedIn application")
        # The secret is needed to mint a token, nothing else: while the application's token is good (30 min),
        # its calls read no secret (the secret store's cache lasts 5 minutes; a poll calls every application).
        app = self.linkedin.tokens.credentials(account.child_app.client_id)
        return CustomerApi(self.linkedin, app or child_app_credentials(self.secrets, account.child_app.secret_name))

    def _spend(self, account: Account, calls: int, limit: int) -> bool:
        assert account.child_app is not None
        return self.repo.consume_daily_calls(
            account.child_app.key, "atsIntegrations", utc_day(self.clock.now()), calls, limit
        )

    # -- the poll --------------------------------------------------------------------------------
    def poll(self, limit: int = MAX_CONTRACTS_PER_RUN) -> PollReport:
        """One scheduled run: every due contract, grouped per account into as few BATCH_GETs as possible.

        The run goes in waves of up to POLL_WAVE calls, each with a constant number of DynamoDB requests
        (the accounts in one batch read for the whole run; per wave one transaction spending the applications'
        budgets and one writing the observed contracts, each write still conditional on the contract's version
        and status), so that thousands of due contracts cost thousands of LinkedIn calls, not thousands of
        DynamoDB round trips on top. A contract whose conditional write loses (it changed since the index read
        it) goes through ``observe``, which re-reads it.
        """
        started = time.monotonic()
        now = self.clock.now()
        due = self.repo.contracts_due_for_poll(now, limit)
        report = PollReport(contracts_due=len(due))
        by_account: dict[str, list[Contract]] = defaultdict(list)
        for contract in due:
            by_account[contract.account_id].append(contract)
        accounts = self.repo.get_accounts(by_account) if by_account else {}
        calls: list[tuple[Account, list[Contract]]] = []
        for account_id, contracts in by_account.items():
            account = accounts.get(account_id)
            if account is None or account.child_app is None:
                continue
            for start in range(0, len(contracts), CONTRACTS_PER_CALL):
                calls.append((account, contracts[start : start + CONTRACTS_PER_CALL]))
        with ThreadPoolExecutor(max_workers=POLL_WORKERS) as pool:
            for start in range(0, len(calls), POLL_WAVE):
                self._poll_wave(calls[start : start + POLL_WAVE], pool, report)
        logger.info(
            "enablement poll finished",
            extra={**report.__dict__, "transitions": len(report.transitions), "seconds": time.monotonic() - started},
        )
        return report

    def _poll_wave(
        self, calls: list[tuple[Account, list[Contract]]], pool: ThreadPoolExecutor, report: PollReport
    ) -> None:
        """Spend the calls' budgets, BATCH_GET, write what LinkedIn reported, then what follows each write."""
        fetching: list[tuple[Account, list[Contract]]] = []
        for (account, chunk), spent in zip(calls, self._spend_for_calls(calls), strict=True):
            if spent:
                fetching.append((account, chunk))
                continue
            report.skipped_for_budget += len(chunk)
            for contract in chunk:
                self._postpone(contract, until_next_day=True)
        report.linkedin_calls += len(fetching)
        observed: list[tuple[Contract, list[Observation]]] = []
        for account, chunk, outcome in self._fetch_all(fetching, pool):
            if isinstance(outcome, list):
                observed += [(contract, outcome) for contract in chunk]
                continue
            report.errors += 1
            logger.warning(
                "enablement poll failed", extra={"account_id": account.account_id, "problem": str(outcome)[:200]}
            )
            for contract in chunk:
                self._postpone(contract)
        for contract, after in self._write_observed(observed, pool):
            report.contracts_polled += 1
            if after.status != contract.status:
                report.transitions.append(
                    f"{contract.account_id}/{contract.contract_id}: {contract.status} -> {after.status}"
                )

    def _fetch_all(
        self, calls: list[tuple[Account, list[Contract]]], pool: ThreadPoolExecutor
    ) -> list[tuple[Account, list[Contract], list[Observation] | LinkedInError | LinkedInUnavailable]]:
        """The BATCH_GETs, accounts in parallel, one account's calls one after the other (as they always were:
        its first call reads the secret and mints the token, the others use them)."""
        per_account: dict[str, list[tuple[Account, list[Contract]]]] = defaultdict(list)
        for account, chunk in calls:
            per_account[account.account_id].append((account, chunk))

        def fetch(
            of_one: list[tuple[Account, list[Contract]]],
        ) -> list[tuple[Account, list[Contract], list[Observation] | LinkedInError | LinkedInUnavailable]]:
            outcomes: list[tuple[Account, list[Contract], list[Observation] | LinkedInError | LinkedInUnavailable]]
            outcomes = []
            for account, chunk in of_one:
                try:
                    outcomes.append((account, chunk, self._batch_get(account, chunk)))
                except (LinkedInError, LinkedInUnavailable) as exc:
                    outcomes.append((account, chunk, exc))
            return outcomes

        return [outcome for part in pool.map(fetch, per_account.values()) for outcome in part]

    def _write_observed(
        self, observed: list[tuple[Contract, list[Observation]]], pool: ThreadPoolExecutor
    ) -> list[tuple[Contract, Contract]]:
        """Write each contract as ``observe`` would (conditional on the version the index read), all at once;
        a contract changed since goes through ``observe`` itself, which re-reads it. Then what follows each write,
        an account's contracts in order. Returns (contract as read, contract now) pairs."""
        if not observed:
            return []
        saved = self.repo.update_contracts(
            [
                (self._apply(contract, observations, "poll"), frozenset({contract.status}), contract.version)
                for contract, observations in observed
            ]
        )
        per_account: dict[str, list[tuple[Contract, list[Observation], Contract | None]]] = defaultdict(list)
        for (contract, observations), written in zip(observed, saved, strict=True):
            per_account[contract.account_id].append((contract, observations, written))

        def finish(items: list[tuple[Contract, list[Observation], Contract | None]]) -> list[tuple[Contract, Contract]]:
            return [
                (contract, self.observe(contract, observations, "poll"))
                if written is None
                else (contract, self._observed(contract, written, "poll"))
                for contract, observations, written in items
            ]

        return [pair for part in pool.map(finish, per_account.values()) for pair in part]

    def _spend_for_calls(self, calls: list[tuple[Account, list[Contract]]]) -> list[bool]:
        """One call each from the applications' daily budgets, in one go; an application that cannot afford all
        of its calls in this wave spends them one at a time, as far as its budget goes."""
        per_app: dict[str, int] = defaultdict(int)
        for account, _ in calls:
            assert account.child_app is not None
            per_app[account.child_app.key] += 1
        day = utc_day(self.clock.now())
        granted = self.repo.consume_daily_calls_many(per_app, "atsIntegrations", day, POLL_DAILY_BUDGET)
        spent: list[bool] = []
        for account, _ in calls:
            assert account.child_app is not None
            key = account.child_app.key
            if key in granted:
                spent.append(True)
            elif per_app[key] == 1:
                spent.append(False)
            else:
                spent.append(self._spend(account, 1, POLL_DAILY_BUDGET))
        return spent

    def _batch_get(self, account: Account, contracts: list[Contract]) -> list[Observation]:
        keys = [k for c in contracts for k in rsc_integration_keys(c.organization_urn, c.contract_urn)]
        unique = list({restli.entity_key(k): k for k in keys}.values())
        result = self._customer(account).get_integrations(unique)
        observations = []
        for entity in result.ok.values():
            obs = Observation.from_entity(entity) if isinstance(entity, dict) else None
            if obs:
                observations.append(obs)
        return observations

    def _postpone(self, contract: Contract, until_next_day: bool = False) -> None:
        """Move a contract's next poll later after a failure or an exhausted budget (never lose it)."""
        now = self.clock.now()
        if until_next_day:
            day_end = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            when = day_end.timestamp() + 86400 + 60
        else:
            when = now + max(300.0, poll_interval(contract, now) or 300.0)
        current = self.repo.get_contract(contract.account_id, contract.contract_id)
        if current is None or current.next_poll_at is None:
            return
        with contextlib.suppress(StaleWrite):  # someone else just updated it, and set its next poll
            self.repo.update_contract(
                current.model_copy(update={"next_poll_at": when}),
                allowed_from=frozenset({current.status}),
                expected_version=current.version,
            )

    # -- the push ----------------------------------------------------------------------------------
    def integration_status_changed(self, account: Account, request_id: str) -> list[Contract]:
        """LinkedIn's INTEGRATION_STATUS_CHANGE push: fetch what changed, then the same transitions."""
        if not self._spend(account, 1, ATS_INTEGRATIONS_DAILY_LIMIT):
            raise LinkedInUnavailable("Today's LinkedIn call budget for this customer is used up.")
        customer = self._customer(account)
        try:
            resp = customer.http.call(
                "GET",
                "/atsIntegrations",
                customer.app,
                params={"q": "request", "requestId": request_id},
                ok=frozenset({200}),
            )
        except LinkedInError as exc:
            raise LinkedInUnavailable(f"LinkedIn did not return the change: {exc.message}") from None
        observations = [
            obs
            for obs in (Observation.from_entity(e) for e in resp.json().get("elements") or [] if isinstance(e, dict))
            if obs is not None
        ]
        contexts = {o.context for o in observations}
        contracts = self.repo.list_contracts(account.account_id)
        touched = [c for c in contracts if c.contract_urn in contexts or c.organization_urn in contexts]
        # The company-level integrations belong to the organization: a push about one contract's CSA_API does not
        # repeat them, so what a sibling contract of the same organization last heard about them counts too.
        return [self.observe(c, observations + _organization_state(contracts, c), "push") for c in touched]
