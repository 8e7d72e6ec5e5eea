"""What the ATS admin sees on the integration page: every contract, its status and the next step."""

from __future__ import annotations

from typing import Any

from rsc_connector.auth.claims import Caller
from rsc_connector.domain import Account, Contract, ContractStatus
from rsc_connector.ports import StateRepository

STATUS_LABELS = {
    ContractStatus.ACTIVATION_STARTED: "Activation started",
    ContractStatus.PARTNER_READY: "Partner ready",
    ContractStatus.ENABLED: "Enabled",
    ContractStatus.SYNCING: "Enabled - syncing history",
    ContractStatus.SYNCED: "Enabled - history synced",
    ContractStatus.SYNC_FAILED: "Enabled - history sync failed",
    ContractStatus.DISABLED: "Disabled at LinkedIn",
    ContractStatus.DEACTIVATING: "Deactivating",
    ContractStatus.DEACTIVATED: "Deactivated",
}

GONE = frozenset({ContractStatus.DEACTIVATING, ContractStatus.DEACTIVATED})
COMPANY_FEATURES = ["One-Click Export", "In-ATS Indicator", "Profile Widget"]
CONTRACT_FEATURES = ["Recruiter seats", "InMail history", "Notes history", "InMail stub profiles"]


def next_step(contract: Contract) -> str:
    status = contract.status
    if contract.last_error and status == ContractStatus.ACTIVATION_STARTED:
        return (
            "LinkedIn did not accept the setup last time. Click ACTIVATE again to retry; "
            f"LinkedIn said: {contract.last_error}"
        )
    if status == ContractStatus.ACTIVATION_STARTED:
        return "Finish signing in to LinkedIn and click Request for this contract."
    if status == ContractStatus.PARTNER_READY:
        return (
            "Ask your LinkedIn Recruiter admin to open Recruiter > Admin Settings > ATS and turn on this "
            "integration with both company-level and contract-level access."
        )
    if status == ContractStatus.DISABLED:
        return "The integration was turned off in Recruiter. Turn it on again in Recruiter > Admin Settings > ATS."
    if status == ContractStatus.DEACTIVATING:
        return (
            "Deleting the data synced to LinkedIn for this contract; the admins get an email when it is done. "
            "Then ask LinkedIn to delete the contract's data and turn the integration off in Recruiter."
        )
    if status == ContractStatus.DEACTIVATED:
        return "Click ACTIVATE to connect this contract again."
    missing = []
    if not contract.company_level:
        missing.append("company-level access")
    if not contract.contract_level:
        missing.append("contract-level access")
    if missing:
        return (
            f"Ask your LinkedIn Recruiter admin to also turn on {' and '.join(missing)} in Recruiter > "
            "Admin Settings > ATS."
        )
    return "Nothing to do."


def contract_view(contract: Contract) -> dict[str, Any]:
    company = contract.company_level and contract.status not in GONE
    contract_level = contract.contract_level and contract.status not in GONE
    return {
        "contractId": contract.contract_id,
        "contractUrn": contract.contract_urn,
        "organizationUrn": contract.organization_urn,
        "status": contract.status.value,
        "statusLabel": STATUS_LABELS[contract.status],
        # What LinkedIn last reported; a deactivated contract is no longer used whatever Recruiter still says.
        "accessLevels": {"companyLevel": company, "contractLevel": contract_level},
        "features": {
            "active": (COMPANY_FEATURES if company else []) + (CONTRACT_FEATURES if contract_level else []),
            "inactive": ([] if company else COMPANY_FEATURES) + ([] if contract_level else CONTRACT_FEATURES),
        },
        "lastLinkedInContactAt": contract.last_linkedin_contact_at,
        "lastLinkedInAnswerAt": contract.last_linkedin_answer_at,
        "lastPollAt": contract.last_poll_at,
        "lastPushAt": contract.last_push_at,
        "nextPollAt": contract.next_poll_at,
        "enabledAt": contract.enabled_at,
        "initialSync": (
            {
                "syncId": contract.sync_id,
                "executionArn": contract.sync_execution_arn,
                # The organization's history was synced once, by this other contract's sync (company-level data).
                "sharedWithContract": contract.history_contract_id,
            }
            if contract.sync_id
            else None
        ),
        "lastError": contract.last_error,
        "updatedAt": contract.updated_at,
        "nextStep": next_step(contract),
    }


def sync_view(contract: Contract, store: Any, now: float) -> dict[str, Any] | None:
    """The initial sync's progress: status, per-entity planned/sent/accepted/rejected, percent and ETA."""
    if not contract.sync_id or store is None:
        return None
    from rsc_connector.sync.steps import ALL_ENTITIES, progress_view
    from rsc_connector.sync.store import RunKey

    owner = contract.history_contract_id or contract.contract_id
    key = RunKey(contract.account_id, owner, contract.sync_id)
    shared = {"sharedWithContract": contract.history_contract_id} if contract.history_contract_id else {}
    run = store.get_run(key)
    if run is None:
        return {"syncId": contract.sync_id, "status": "STARTING", **shared}
    view = progress_view(store.progress(key, ALL_ENTITIES, run), run.get("started_at"), now)
    return {
        "syncId": contract.sync_id,
        "status": run.get("status"),
        "attempt": run.get("attempt", 1),
        "startedAt": run.get("started_at"),
        "finishedAt": run.get("finished_at"),
        "error": run.get("error"),
        **shared,
        **view,
    }


def seat_view(contract: Contract, seats: Any) -> dict[str, Any] | None:
    """The seat-link summary: how many of the contract's Recruiter seats are linked to ATS users."""
    if seats is None:
        return None
    if not contract.contract_level:
        return {"available": False, "why": "Recruiter seats need contract-level access."}
    meta = seats.meta.get(contract.contract_id) or {}
    return {
        "available": True,
        "seats": len(seats.seats.get(contract.contract_id, [])),
        "linked": len(seats.seat_links(contract.contract_id)),
        "readAt": meta.get("refreshed_at"),
    }


def account_status(
    caller: Caller, account_id: str, repo: StateRepository, sync_store: Any = None, seat_store: Any = None
) -> dict[str, Any]:
    import time

    caller.ensure_account(account_id)
    seats = seat_store.account(account_id) if seat_store is not None else None
    account: Account | None = repo.get_account(account_id)
    contracts = sorted(repo.list_contracts(account_id), key=lambda c: c.created_at)
    if account is None or account.child_app is None:
        next_step_text = "Click ACTIVATE to connect LinkedIn Recruiter (Admin or Owner, Enterprise plan)."
    elif not contracts:
        next_step_text = "Sign in to LinkedIn from the ACTIVATE dialog, choose your contract and click Request."
    else:
        next_step_text = "Click ACTIVATE again to connect another Recruiter contract."
    return {
        "accountId": account_id,
        "activated": bool(account and account.child_app),
        "contracts": [
            {**contract_view(c), "sync": sync_view(c, sync_store, time.time()), "seatLinks": seat_view(c, seats)}
            for c in contracts
        ],
        "nextStep": next_step_text,
    }
