"""The state machine's Lambda steps: begin, wait for a phase to drain, settle job tasks, complete, fail.

Each step is idempotent (Step Functions retries them), reads and writes only DynamoDB, LinkedIn and SES, and
returns small JSON (execution history stays small: a loop over a cursor, not a state per page).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from rsc_connector.adapters.dynamodb import StaleWrite
from rsc_connector.domain import Contract, ContractStatus
from rsc_connector.errors import step_error_cause
from rsc_connector.linkedin.http import AppCredentials, LinkedInError, LinkedInHttp, child_app_credentials
from rsc_connector.linkedin.sync_api import TASK_DONE, SyncApi
from rsc_connector.observability import logger
from rsc_connector.ports import SecretStore, StateRepository
from rsc_connector.sync.mapping import PHASES
from rsc_connector.sync.report import SyncReport, build_report, failure_email, success_email
from rsc_connector.sync.store import PLAN_PREFIX, EntityProgress, RunKey, SyncStore

ALL_ENTITIES = [e.value for phase in PHASES for e in phase]
STALL_SECONDS_DEFAULT = 1800  # no page counted for 30 minutes while work remains: the sync fails (and emails)


class SyncStalled(Exception):
    """No progress for too long (LinkedIn down, budget exhausted for the day is NOT a stall: see below)."""


class SyncStopped(Exception):
    """The contract was disabled at LinkedIn while the sync ran."""


@dataclass
class Mailer:
    """SES (v2) sender; the port for tests is any object with send(to, subject, text)."""

    client: Any
    sender: str

    def send(self, to: list[str], subject: str, text: str) -> None:
        if not to:
            logger.warning("no admin email address to send to", extra={"subject": subject})
            return
        self.client.send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": to},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        )


@dataclass
class SyncSteps:
    store: SyncStore
    repo: StateRepository
    secrets: SecretStore
    linkedin: LinkedInHttp
    mailer: Any
    admins: Any  # callable(account_id) -> list[str] of Admin/Owner emails (the ATS export API's users)
    stall_seconds: float = STALL_SECONDS_DEFAULT
    job_availability: str = "PRIVATE_TO_ATS_INTEGRATION"
    apply_url: str = "https://jobs.example.com/{job_id}"
    seat_linking: Any = None  # callable() -> rsc_connector.seats.service.SeatLinking (built only when needed)

    # -- begin ----------------------------------------------------------------------------------------
    def begin(self, payload: dict[str, Any], execution_arn: str) -> dict[str, Any]:
        key = _key(payload)
        now = time.time()
        run = self.store.get_run(key)
        if run and run.get("status") == "SUCCEEDED":
            return {"phases": [], "alreadyDone": True}
        account = self.repo.get_account(key.account_id)
        availability = account.job_availability if account else self.job_availability
        if run is None:
            self.store.put_run(
                key,
                {
                    "status": "RUNNING",
                    "attempt": 1,
                    "contract_id": key.contract_id,
                    "sync_id": key.sync_id,
                    "organization_urn": payload["organizationUrn"],
                    "started_at": now,
                    "last_progress_at": now,
                    "execution_arn": execution_arn,
                    "job_availability": availability,
                    "apply_url": self.apply_url,
                },
            )
            self._note_changes(key, str(payload["organizationUrn"]), now)
        elif run.get("execution_arn") != execution_arn:
            # A resumed sync: plan every entity again; pages already counted are skipped, not resent.
            fields: dict[str, Any] = {PLAN_PREFIX + e: None for e in ALL_ENTITIES}
            fields.update(
                status="RUNNING",
                attempt=int(run.get("attempt", 1)) + 1,
                execution_arn=execution_arn,
                last_progress_at=now,
                error=None,
                finished_at=None,
            )
            self.store.update_run(key, **fields)
        self._contract_to(
            key,
            ContractStatus.SYNCING,
            {ContractStatus.ENABLED, ContractStatus.SYNC_FAILED, ContractStatus.SYNCED, ContractStatus.SYNCING},
        )
        return {"phases": [[e.value for e in phase] for phase in PHASES], "alreadyDone": False}

    def _note_changes(self, key: RunKey, organization: str, now: float) -> None:
        """Ongoing changes recorded before this run existed: list them on it, so its pages never overwrite them
        (the changes route lists later ones itself; docs/design.md "Ongoing changes")."""
        from rsc_connector.sync.changes import ChangeStore

        changes = ChangeStore(self.store.table_name, self.store.client)
        ids = changes.changed_ids(key.account_id, organization)
        if ids is None or ids:
            changes.flag_run(key, ids or {}, now, check_all=ids is None)

    # -- drain ----------------------------------------------------------------------------------------
    def check_drain(self, payload: dict[str, Any]) -> dict[str, Any]:
        key = _key(payload)
        entities = list(payload.get("entities") or ALL_ENTITIES)
        contract = self.repo.get_contract(key.account_id, key.contract_id)
        if contract is None or contract.status in (
            ContractStatus.DISABLED,
            ContractStatus.DEACTIVATING,
            ContractStatus.DEACTIVATED,
        ):
            self.store.update_run(key, status="STOPPED")
            raise SyncStopped("The integration was turned off at LinkedIn; the sync stopped.")
        run = self.store.get_run(key) or {}
        progress = self.store.progress(key, entities, run)
        done_pages = sum(p.pages_done for p in progress.values())
        now = time.time()
        if done_pages != int(run.get("progress_pages", -1)):
            self.store.update_run(key, progress_pages=done_pages, last_progress_at=now)
        elif now - float(run.get("last_progress_at", now)) > self.stall_seconds:
            raise SyncStalled(
                f"No records were accepted by LinkedIn for {_duration_words(self.stall_seconds)} "
                f"({done_pages} pages done); LinkedIn may be unavailable."
            )
        drained = all(p.drained for p in progress.values())
        remaining = sum(max(0, p.planned_pages - p.pages_done) for p in progress.values())
        return {"drained": drained, "wait": _wait_for(remaining), "remainingPages": remaining}

    # -- job tasks ------------------------------------------------------------------------------------
    def check_job_tasks(self, payload: dict[str, Any]) -> dict[str, Any]:
        key = _key(payload)
        pages = self.store.pending_job_pages(key)
        if not pages:
            return {"pending": 0, "wait": 5}
        credentials = self._credentials(key.account_id)
        api = SyncApi(self.linkedin, credentials)
        pending = 0
        for page in pages:
            tasks: dict[str, str] = dict(page.get("tasks_pending") or {})
            urns = list(tasks.values())
            statuses: dict[str, dict[str, Any]] = {}
            try:
                for start in range(0, len(urns), 100):
                    statuses.update(api.job_tasks(urns[start : start + 100]))
            except LinkedInError as exc:
                logger.warning("job task check failed", extra={"status": exc.status})
                return {"pending": len(urns), "wait": 30}
            settled: dict[str, tuple[bool, str]] = {}
            for job_id, urn in tasks.items():
                status = statuses.get(urn, {})
                if status.get("status") in TASK_DONE:
                    ok = status.get("status") in ("SUCCEEDED", "PROCESSED")
                    settled[job_id] = (ok, str(status.get("errorMessage") or "job posting failed"))
            if settled:
                self.store.settle_job_tasks(key, str(page["sk"]), settled)
            pending += len(tasks) - len(settled)
        return {"pending": pending, "wait": 10 if pending else 1}

    # -- seat linking ---------------------------------------------------------------------------------
    def link_seats(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Link ATS users to the contract's Recruiter seats by email; the outcome goes into the completion email.

        Never fails the sync: a problem is recorded and reported (the scheduled refresh links them later)."""
        from rsc_connector.errors import DomainError
        from rsc_connector.seats.service import summary_for_email

        key = _key(payload)
        run = self.store.get_run(key) or {}
        if run.get("seat_links") is not None:
            return {"linked": "already"}
        contract = self.repo.get_contract(key.account_id, key.contract_id)
        summary: dict[str, Any]
        if contract is None or not contract.contract_level:
            summary = {
                "skipped": "contract-level access is off, so users were not linked to seats. Ask your LinkedIn "
                "Recruiter admin to turn it on in Recruiter > Admin Settings > ATS; linking then runs by itself."
            }
        elif self.seat_linking is None:
            summary = {"skipped": "seat linking is not configured in this deployment."}
        else:
            try:
                result = self.seat_linking().auto_link(None, key.account_id, key.contract_id, max_age=0)
                summary = summary_for_email(result)
            except DomainError as exc:
                logger.warning("seat linking failed after the sync", extra={"code": exc.code})
                summary = {"error": exc.message[:300]}
            except LinkedInError as exc:
                logger.warning("seat linking failed after the sync", extra={"status": exc.status})
                summary = {"error": f"LinkedIn answered HTTP {exc.status}"}
        self.store.update_run(key, seat_links=summary)
        contracts = summary.get("contracts") or [{}]
        return {"linked": contracts[0].get("linked", 0), "seats": contracts[0].get("seats", 0)}

    # -- complete / fail -------------------------------------------------------------------------------
    def report(self, key: RunKey) -> SyncReport:
        run = self.store.get_run(key) or {}
        progress = self.store.progress(key, ALL_ENTITIES, run)
        samples = {entity: self.store.rejected_samples(key, entity) for entity, p in progress.items() if p.rejected}
        return build_report(key, run, progress, samples, time.time())

    def complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        key = _key(payload)
        run = self.store.get_run(key) or {}
        if run.get("status") == "SUCCEEDED":
            return {"emailed": False, "alreadyDone": True}
        report = self.report(key)
        subject, text = success_email(report, self._company(key.account_id))
        self.mailer.send(self.admins(key.account_id), subject, text)
        self.store.update_run(key, status="SUCCEEDED", finished_at=time.time(), summary=report.summary())
        self._contract_to(key, ContractStatus.SYNCED, {ContractStatus.SYNCING})
        return {"emailed": True, "accepted": report.total_accepted, "rejected": report.total_rejected}

    def fail(self, payload: dict[str, Any]) -> dict[str, Any]:
        key = _key(payload)
        error = payload.get("error") or {}
        cause = step_error_cause(error)
        run = self.store.get_run(key) or {}
        stopped = run.get("status") == "STOPPED" or "SyncStopped" in str(error.get("Error", ""))
        report = self.report(key)
        contract = self.repo.get_contract(key.account_id, key.contract_id)
        deactivating = contract is not None and contract.status in (
            ContractStatus.DEACTIVATING,
            ContractStatus.DEACTIVATED,
        )
        if not deactivating:  # a deactivation stopped it on purpose: its own email says what happened
            subject, text = failure_email(report, self._company(key.account_id), cause, stopped)
            self.mailer.send(self.admins(key.account_id), subject, text)
        self.store.update_run(
            key, status="STOPPED" if stopped else "FAILED", finished_at=time.time(), error=cause[:500]
        )
        if not stopped:
            self._contract_to(key, ContractStatus.SYNC_FAILED, {ContractStatus.SYNCING})
        return {"emailed": not deactivating, "stopped": stopped}

    # -- helpers --------------------------------------------------------------------------------------
    def _company(self, account_id: str) -> str:
        account = self.repo.get_account(account_id)
        return account.company_name if account and account.company_name else account_id

    def _credentials(self, account_id: str) -> AppCredentials:
        account = self.repo.get_account(account_id)
        if account is None or account.child_app is None:
            raise SyncStopped(f"account {account_id} has no LinkedIn application")
        return child_app_credentials(self.secrets, account.child_app.secret_name)

    def _contract_to(self, key: RunKey, status: ContractStatus, allowed: set[ContractStatus]) -> Contract | None:
        for _ in range(8):
            contract = self.repo.get_contract(key.account_id, key.contract_id)
            if contract is None or contract.status not in allowed or contract.sync_id != key.sync_id:
                return contract
            if contract.status == status:
                return contract
            try:
                return self.repo.update_contract(
                    contract.model_copy(update={"status": status, "updated_at": time.time()}),
                    allowed_from=frozenset({contract.status}),
                    expected_version=contract.version,
                )
            except StaleWrite:
                continue
        return None


def _duration_words(seconds: float) -> str:
    return f"{int(seconds // 60)} minutes" if seconds >= 120 else f"{int(seconds)} seconds"


def _key(payload: dict[str, Any]) -> RunKey:
    return RunKey(str(payload["accountId"]), str(payload["contractId"]), str(payload["syncId"]))


def _wait_for(remaining_pages: int) -> int:
    """Seconds until the next drain check: short near the end, longer for a big backlog (fewer transitions)."""
    if remaining_pages <= 2:  # the phase's last pages: the next phase waits on this check
        return 2
    return int(min(120, max(5, remaining_pages // 20)))


def progress_view(progress: dict[str, EntityProgress], started_at: float | None, now: float) -> dict[str, Any]:
    """Per-entity planned/sent/accepted/rejected, percent and ETA, for the status route and the CLI."""
    entities = {}
    total = done = 0
    for entity, p in progress.items():
        expected = p.records_total if p.records_total is not None else p.planned_records
        finished = p.accepted + p.rejected + p.superseded
        entities[entity] = {
            "planned": expected,
            "sent": p.sent,
            "accepted": p.accepted,
            "rejected": p.rejected,
            "superseded": p.superseded,  # deleted in the ATS while the sync ran (ongoing changes): not sent
            "percent": round(100.0 * finished / expected, 1) if expected else (100.0 if p.drained else 0.0),
        }
        total += expected or 0
        done += finished
    percent = round(100.0 * done / total, 1) if total else 0.0
    eta = None
    if started_at and done and total > done:
        rate = done / max(1.0, now - started_at)
        eta = int((total - done) / rate)
    return {"entities": entities, "percent": percent, "recordsDone": done, "recordsTotal": total, "etaSeconds": eta}


__all__ = ["ALL_ENTITIES", "Mailer", "SyncStalled", "SyncSteps", "SyncStopped", "progress_view"]
