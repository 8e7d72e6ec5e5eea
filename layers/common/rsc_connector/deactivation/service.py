"""The deactivation route: start the deactivation of one contract, or of every contract of the account.

Idempotent: a contract already DEACTIVATED is answered as it is (200), one whose deactivation runs is answered
with that run (202), and one whose last attempt failed is started again (attempt n+1, which resumes: the purge's
cursor and counts are kept). One execution per contract, named `{account}-{contract}-deactivate-{attempt}`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from rsc_connector.adapters.stepfunctions import StepFunctionsSyncStarter
from rsc_connector.auth.claims import Caller
from rsc_connector.deactivation.purge import purge_view
from rsc_connector.deactivation.steps import mark
from rsc_connector.deactivation.store import DeactivationStore
from rsc_connector.domain import Contract, ContractStatus
from rsc_connector.enablement import execution_name
from rsc_connector.errors import NotFound
from rsc_connector.ports import StateRepository, SyncStarter

STALE_SECONDS = 10  # an execution this call started began just now


class ExecutionStarter(StepFunctionsSyncStarter):
    """StartExecution by name, and whether the execution a name points at ended before a given time."""

    def ended_before(self, execution_arn: str, when: float) -> bool:
        try:
            execution = self.client.describe_execution(executionArn=execution_arn)
        except ClientError:
            return False
        started = execution.get("startDate")
        return execution.get("status") != "RUNNING" and started is not None and started.timestamp() < when


@dataclass
class Deactivation:
    repo: StateRepository
    store: DeactivationStore
    starter: SyncStarter  # any starter of a state machine execution by name

    def start(self, caller: Caller, account_id: str, contract_id: str | None) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body): 202 while any deactivation is starting or running, 200 when all are done."""
        caller.ensure_account(account_id)
        caller.require_admin("deactivate the LinkedIn integration")
        targets = self._targets(account_id, contract_id)
        # Every target leaves the connected set before any execution begins, so that contracts of one organization
        # deactivated together all see the organization as no longer connected, and its data is deleted once.
        for contract in targets:
            if contract.status != ContractStatus.DEACTIVATED:
                mark(self.repo, contract, ContractStatus.DEACTIVATING)
        views = [self._start_one(account_id, c.contract_id) for c in targets]
        running = any(v["status"] != ContractStatus.DEACTIVATED.value for v in views)
        return (202 if running else 200), {"accountId": account_id, "contracts": views}

    def view(self, caller: Caller, account_id: str) -> dict[str, Any]:
        """Each contract's deactivation, with the deletion's progress (any user of the account)."""
        caller.ensure_account(account_id)
        records = {str(r["sk"]).split("#", 1)[1]: r for r in self.store.list_for_account(account_id)}
        contracts = []
        for contract in sorted(self.repo.list_contracts(account_id), key=lambda c: c.created_at):
            record = records.get(contract.contract_id)
            if record is None and contract.status not in (ContractStatus.DEACTIVATING, ContractStatus.DEACTIVATED):
                continue
            contracts.append(self._view(contract, record))
        return {"accountId": account_id, "contracts": contracts}

    def _targets(self, account_id: str, contract_id: str | None) -> list[Contract]:
        if contract_id is not None:
            contract = self.repo.get_contract(account_id, contract_id)
            if contract is None:
                raise NotFound(f"contract {contract_id} not found", code="CONTRACT_NOT_FOUND")
            return [contract]
        contracts = sorted(self.repo.list_contracts(account_id), key=lambda c: c.created_at)
        if not contracts:
            raise NotFound(f"account {account_id} has no LinkedIn contract to deactivate", code="CONTRACT_NOT_FOUND")
        return contracts

    def _start_one(self, account_id: str, contract_id: str) -> dict[str, Any]:
        contract = self.repo.get_contract(account_id, contract_id)
        assert contract is not None
        record = self.store.get(account_id, contract_id) or {}
        if contract.status == ContractStatus.DEACTIVATED:
            return {**self._view(contract, record), "started": False}
        if record.get("status") in ("STARTING", "RUNNING"):  # started by an earlier call: that one goes on
            return {**self._view(contract, record), "started": False}
        attempt = int(record.get("attempt") or 0) + 1
        payload = {
            "accountId": account_id,
            "contractId": contract_id,
            "organizationUrn": contract.organization_urn,
            "contractUrn": contract.contract_urn,
        }
        for _ in range(10):
            name = execution_name(account_id, contract_id, f"deactivate-{attempt}")
            arn = self.starter.start(name, payload)
            stale = getattr(self.starter, "ended_before", None)
            if stale is None or not stale(arn, time.time() - STALE_SECONDS):
                break
            attempt += 1  # that name belongs to an execution that ended long ago (its record was lost): next one
        # A contract deactivated, re-activated and now deactivated again starts a new record (the attempt count
        # goes on, so execution names stay unique).
        fresh = (
            dict.fromkeys(("configurations", "summary", "started_at", "finished_at", "failed_at", "purge", "kept_for"))
            if record.get("status") == "SUCCEEDED"
            else {}
        )
        self.store.update(
            account_id,
            contract_id,
            **fresh,
            type="deactivation",
            status="STARTING",
            attempt=attempt,
            requested_execution=name,
            requested_execution_arn=arn,
            organization_urn=contract.organization_urn,
        )
        record = self.store.get(account_id, contract_id) or {}
        return {**self._view(contract, record), "started": True}

    def _view(self, contract: Contract, record: dict[str, Any] | None) -> dict[str, Any]:
        record = record or {}
        view: dict[str, Any] = {
            "contractId": contract.contract_id,
            "organizationUrn": contract.organization_urn,
            "status": contract.status.value,
            "deactivation": None,
        }
        if record:
            purge = None
            if record.get("purge") and record.get("organization_urn"):
                purge = self.store.get_purge(contract.account_id, str(record["organization_urn"]))
            view["deactivation"] = {
                "status": record.get("status"),
                "attempt": record.get("attempt"),
                "execution": record.get("requested_execution"),
                "executionArn": record.get("execution_arn") or record.get("requested_execution_arn"),
                "startedAt": record.get("started_at"),
                "finishedAt": record.get("finished_at"),
                "error": record.get("error"),
                "organizationDataDeleted": record.get("purge"),
                "organizationKeptFor": record.get("kept_for"),
                "progress": purge_view(purge),
            }
        return view
