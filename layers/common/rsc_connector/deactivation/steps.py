"""The deactivation state machine's Lambda steps (statemachine/deactivation.asl.json):

  begin -> (settle) -> purge loop -> remove_configurations -> finish ; any failure -> fail

Each step is idempotent (Step Functions retries them) and returns small JSON.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from rsc_connector.adapters.dynamodb import StaleWrite
from rsc_connector.deactivation.purge import NOT_CONNECTED, Purger, PurgeStalled, ensure_purge, purge_view
from rsc_connector.deactivation.report import DeactivationReport, failure_email, success_email
from rsc_connector.deactivation.store import DeactivationStore
from rsc_connector.domain import Contract, ContractStatus, IntegrationType
from rsc_connector.errors import step_error_cause
from rsc_connector.linkedin.api import integration_key
from rsc_connector.linkedin.deletes import DeleteApi
from rsc_connector.linkedin.http import LinkedInError, LinkedInHttp, child_app_credentials
from rsc_connector.observability import logger
from rsc_connector.ports import StateRepository
from rsc_connector.sync.store import RunKey, SyncStore
from rsc_connector.sync.worker import RateLimits

SETTLE_SECONDS = 70  # a worker already past its stop check finishes its page within its 60 s timeout
WORK_SECONDS = 50.0  # per purge invocation (the function's timeout is 120 s)
SECRET_RECOVERY_DAYS = 7
CONFIGURATIONS = (
    (IntegrationType.ONE_CLICK_EXPORT, ["CALLBACK_URL", "JOB_POSTING_VIEWERS"]),
    (IntegrationType.IN_ATS_INDICATOR, ["APPLICATION_VIEWERS"]),
)
ATS_INTEGRATIONS_DAILY_LIMIT = 5_000


class Secrets(Protocol):
    def get_json(self, name: str) -> dict[str, Any]: ...

    def delete(self, name: str, recovery_days: int = 7) -> bool: ...


class ContractNotFound(Exception):
    pass


@dataclass
class DeactivationSteps:
    repo: StateRepository
    sync_store: SyncStore
    store: DeactivationStore
    secrets: Secrets
    linkedin: LinkedInHttp
    mailer: Any
    admins: Callable[[str], list[str]]
    ats: Callable[[], Any]
    seats: Any = None  # rsc_connector.seats.store.SeatStore (forget_contract)
    limits: RateLimits = field(default_factory=RateLimits)
    stall_seconds: float = 1800.0
    settle_seconds: int = SETTLE_SECONDS
    work_seconds: float = WORK_SECONDS

    # -- begin --------------------------------------------------------------------------------------------
    def begin(self, payload: dict[str, Any], execution_arn: str) -> dict[str, Any]:
        account_id, contract_id = str(payload["accountId"]), str(payload["contractId"])
        contract = self._contract(account_id, contract_id)
        if contract.status == ContractStatus.DEACTIVATED:
            return {"alreadyDone": True, "purge": False, "settleSeconds": 0}
        contract = self.mark(contract, ContractStatus.DEACTIVATING)
        org = contract.organization_urn
        connected = [
            c.contract_id
            for c in self.repo.list_contracts(account_id)
            if c.organization_urn == org and c.contract_id != contract_id and c.status not in NOT_CONNECTED
        ]
        purge = not connected
        stopped = self._stop_syncs(account_id, contract_id, org if purge else None)
        if self.seats is not None:
            self.seats.forget_contract(account_id, contract_id)  # no seat refresh from now on
        record = self.store.get(account_id, contract_id) or {}
        now = time.time()
        self.store.update(
            account_id,
            contract_id,
            type="deactivation",
            status="RUNNING",
            execution_arn=execution_arn,
            attempt=int(record.get("attempt") or 1),
            organization_urn=org,
            purge=purge,
            kept_for=connected,
            started_at=record.get("started_at") or now,
            attempt_started_at=now,
            error=None,
        )
        if purge:
            ensure_purge(self.store, self.sync_store, self.repo, account_id, org)
        logger.info(
            "deactivation began",
            extra={"account_id": account_id, "contract_id": contract_id, "purge": purge, "syncs_stopped": stopped},
        )
        return {"alreadyDone": False, "purge": purge, "settleSeconds": self.settle_seconds if stopped else 0}

    def _stop_syncs(self, account_id: str, contract_id: str, organization_urn: str | None) -> int:
        """Mark the contract's running syncs (and the organization's, when its data goes) STOPPED: planners stop
        at their next drain check, workers drop their pages."""
        stopped = 0
        for run in self.sync_store.list_runs(account_id):
            if run.get("status") != "RUNNING":
                continue
            _, run_contract, sync_id = str(run["sk"]).split("#", 2)
            if run_contract == contract_id or (organization_urn and run.get("organization_urn") == organization_urn):
                self.sync_store.update_run(RunKey(account_id, run_contract, sync_id), status="STOPPED")
                stopped += 1
        return stopped

    # -- purge ---------------------------------------------------------------------------------------------
    def purge(self, payload: dict[str, Any], execution_arn: str) -> dict[str, Any]:
        account_id, contract_id = str(payload["accountId"]), str(payload["contractId"])
        record = self.store.get(account_id, contract_id) or {}
        if not record.get("purge"):
            return {"done": True, "wait": 0}
        account = self.repo.get_account(account_id)
        if account is None or account.child_app is None:
            raise ContractNotFound(f"account {account_id} has no LinkedIn application")
        api = DeleteApi(self.linkedin, child_app_credentials(self.secrets, account.child_app.secret_name))
        purger = Purger(
            self.store,
            self.sync_store,
            self.repo,
            api,
            account.child_app.key,
            self.ats,
            self.limits,
            self.stall_seconds,
        )
        return purger.run(account_id, str(record["organization_urn"]), execution_arn, self.work_seconds)

    # -- configurations ------------------------------------------------------------------------------------
    def remove_configurations(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Remove CALLBACK_URL and the viewer settings we set at Partner ready (they are the organization's: only
        when its data went, i.e. no other contract of the organization stays connected)."""
        account_id, contract_id = str(payload["accountId"]), str(payload["contractId"])
        record = self.store.get(account_id, contract_id) or {}
        if not record.get("purge"):
            return {"removed": 0, "skipped": True}
        if record.get("configurations") is not None:
            return {"removed": len(record["configurations"].get("removed") or []), "skipped": False}
        account = self.repo.get_account(account_id)
        if account is None or account.child_app is None:
            raise ContractNotFound(f"account {account_id} has no LinkedIn application")
        day = datetime.fromtimestamp(time.time(), UTC).strftime("%Y-%m-%d")
        if not self.repo.consume_daily_calls(
            account.child_app.key, "atsIntegrations", day, len(CONFIGURATIONS), ATS_INTEGRATIONS_DAILY_LIMIT
        ):
            raise LinkedInError(429, "today's atsIntegrations budget for this customer is used up")
        api = DeleteApi(self.linkedin, child_app_credentials(self.secrets, account.child_app.secret_name))
        outcome: dict[str, Any] = {"removed": [], "gone": [], "failed": {}}
        for integration_type, names in CONFIGURATIONS:
            key = integration_key(integration_type, str(record["organization_urn"]))
            try:
                result = api.delete_configurations(key, names)
            except LinkedInError as exc:
                if exc.status != 404:  # 404: LinkedIn has no such integration for this application: nothing set
                    raise
                outcome["gone"] += names
                continue
            outcome["removed"] += result.deleted
            outcome["gone"] += result.gone
            outcome["failed"].update(result.failed)
        self.store.update(account_id, contract_id, configurations=outcome)
        return {"removed": len(outcome["removed"]), "skipped": False}

    # -- finish / fail ---------------------------------------------------------------------------------------
    def finish(self, payload: dict[str, Any]) -> dict[str, Any]:
        account_id, contract_id = str(payload["accountId"]), str(payload["contractId"])
        record = self.store.get(account_id, contract_id) or {}
        if record.get("status") == "SUCCEEDED":
            return {"emailed": False, "alreadyDone": True}
        contract = self.mark(self._contract(account_id, contract_id), ContractStatus.DEACTIVATED)
        if self.seats is not None:
            self.seats.forget_contract(account_id, contract_id)
        org = contract.organization_urn
        purge = self.store.get_purge(account_id, org) if record.get("purge") else None
        if record.get("purge"):
            release = getattr(self.repo, "release_history", None)
            if release is not None:  # the organization's history is gone: a later enablement syncs it again
                release(account_id, org)
        credentials_removed = self._remove_credentials_if_last(account_id)
        now = time.time()
        report = DeactivationReport(
            company=self._company(account_id),
            contract_id=contract_id,
            organization_urn=org,
            purged=bool(record.get("purge")),
            kept_for=list(record.get("kept_for") or []),
            purge=purge_view(purge),
            purge_is_earlier=bool(
                purge and purge.get("finished_at") and float(purge["finished_at"]) < float(record.get("started_at", 0))
            ),
            configurations=record.get("configurations"),
            credentials_removed=credentials_removed,
            duration_seconds=now - float(record.get("started_at") or now),
        )
        subject, text = success_email(report)
        self.mailer.send(self.admins(account_id), subject, text)
        self.store.update(account_id, contract_id, status="SUCCEEDED", finished_at=now, summary=report.summary())
        logger.info("contract deactivated", extra={"account_id": account_id, "contract_id": contract_id})
        return {"emailed": True, "credentialsRemoved": credentials_removed}

    def fail(self, payload: dict[str, Any]) -> dict[str, Any]:
        account_id, contract_id = str(payload["accountId"]), str(payload["contractId"])
        cause = step_error_cause(payload.get("error") or {})
        record = self.store.get(account_id, contract_id) or {}
        purge = self.store.get_purge(account_id, str(record["organization_urn"])) if record.get("purge") else None
        now = time.time()
        subject, text = failure_email(
            self._company(account_id),
            contract_id,
            cause,
            purge_view(purge),
            now - float(record.get("started_at") or now),
        )
        self.mailer.send(self.admins(account_id), subject, text)
        self.store.update(account_id, contract_id, status="FAILED", failed_at=now, error=cause[:500])
        return {"emailed": True}

    # -- helpers -------------------------------------------------------------------------------------------
    def _remove_credentials_if_last(self, account_id: str) -> bool:
        """The customer's child-app credentials go once no contract of the account is connected (every deletion
        confirmed); ACTIVATE finds the application again by its uniqueForeignId and stores them anew."""
        if any(c.status != ContractStatus.DEACTIVATED for c in self.repo.list_contracts(account_id)):
            return False
        account = self.repo.get_account(account_id)
        if account is None or account.child_app is None:
            return False
        self.secrets.delete(account.child_app.secret_name, SECRET_RECOVERY_DAYS)
        self.repo.save_account(account.model_copy(update={"child_app": None, "redirect_uri": None}))
        logger.info("customer application credentials removed", extra={"account_id": account_id})
        return True

    def _company(self, account_id: str) -> str:
        account = self.repo.get_account(account_id)
        return account.company_name if account and account.company_name else account_id

    def _contract(self, account_id: str, contract_id: str) -> Contract:
        contract = self.repo.get_contract(account_id, contract_id)
        if contract is None:
            raise ContractNotFound(f"contract {contract_id} of account {account_id} not found")
        return contract

    def mark(self, contract: Contract, status: ContractStatus) -> Contract:
        return mark(self.repo, contract, status)


def mark(repo: StateRepository, contract: Contract, status: ContractStatus) -> Contract:
    """Move a contract to DEACTIVATING (from any state but DEACTIVATED) or DEACTIVATED, and stop its poll."""
    allowed = (
        frozenset({ContractStatus.DEACTIVATING})
        if status == ContractStatus.DEACTIVATED
        else frozenset(ContractStatus) - {ContractStatus.DEACTIVATED}
    )
    for _ in range(8):
        current = repo.get_contract(contract.account_id, contract.contract_id) or contract
        if current.status == status and current.next_poll_at is None:
            return current
        if current.status not in allowed | {status}:
            raise StaleWrite(f"contract {current.contract_id} is {current.status.value}")
        with contextlib.suppress(StaleWrite):
            return repo.update_contract(
                current.model_copy(update={"status": status, "next_poll_at": None, "updated_at": time.time()}),
                allowed_from=frozenset({current.status}),
                expected_version=current.version,
            )
    raise StaleWrite(f"contract {contract.contract_id} keeps changing")


def handle(steps: DeactivationSteps, event: dict[str, Any]) -> dict[str, Any]:
    """The step function's dispatcher: {"action", "input", "executionArn"}."""
    action, payload = event.get("action"), dict(event.get("input") or {})
    execution_arn = str(event.get("executionArn", ""))
    if action == "begin":
        return steps.begin(payload, execution_arn)
    if action == "purge":
        return steps.purge(payload, execution_arn)
    if action == "remove_configurations":
        return steps.remove_configurations(payload)
    if action == "finish":
        return steps.finish(payload)
    if action == "fail":
        return steps.fail(payload)
    raise ValueError(f"unknown deactivation step {action!r}")


__all__ = ["DeactivationSteps", "PurgeStalled", "handle", "mark"]
