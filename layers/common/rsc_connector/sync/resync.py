"""Re-sync: start the historical sync of a contract again, resuming where the last run stopped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rsc_connector.auth.claims import Caller
from rsc_connector.domain import ContractStatus
from rsc_connector.enablement import execution_name
from rsc_connector.errors import Conflict, NotFound
from rsc_connector.ports import StateRepository, SyncStarter
from rsc_connector.sync.store import RunKey, SyncStore

RESYNCABLE = frozenset(
    {ContractStatus.ENABLED, ContractStatus.SYNC_FAILED, ContractStatus.SYNCED, ContractStatus.SYNCING}
)


@dataclass
class Resync:
    repo: StateRepository
    store: SyncStore
    starter: SyncStarter

    def start(self, caller: Caller | None, account_id: str, contract_id: str) -> dict[str, Any]:
        """Idempotent while a run is going: returns it instead of starting another."""
        if caller is not None:
            caller.ensure_account(account_id)
            caller.require_admin("start a LinkedIn re-sync")
        contract = self.repo.get_contract(account_id, contract_id)
        if contract is None:
            raise NotFound(f"contract {contract_id} not found")
        if contract.history_contract_id:
            # The organization's history is one sync, run by another contract: re-sync that one.
            owner = self.repo.get_contract(account_id, contract.history_contract_id)
            if owner is not None and owner.sync_id == contract.sync_id:
                contract, contract_id = owner, owner.contract_id
        if contract.status not in RESYNCABLE or not contract.sync_id:
            raise Conflict(
                f"Contract {contract_id} is {contract.status.value}; a sync runs once the integration is Enabled.",
                code="NOT_ENABLED",
            )
        key = RunKey(account_id, contract_id, contract.sync_id)
        run = self.store.get_run(key) or {}
        if run.get("status") == "RUNNING":
            return {"started": False, "status": "RUNNING", "executionArn": run.get("execution_arn")}
        attempt = int(run.get("attempt", 0)) + 1
        name = execution_name(account_id, contract_id, f"{contract.sync_id}-r{attempt}")
        if run.get("requested_execution") == name:
            # Asked again before the new run began: the same execution (Step Functions names are unique).
            return {"started": False, "status": "STARTING", "execution": name, "attempt": attempt}
        arn = self.starter.start(
            name,
            {
                "accountId": account_id,
                "contractId": contract_id,
                "syncId": contract.sync_id,
                "organizationUrn": contract.organization_urn,
                "contractUrn": contract.contract_urn,
            },
        )
        self.store.update_run(key, requested_execution=name)
        return {"started": True, "status": "STARTING", "executionArn": arn, "attempt": attempt}
