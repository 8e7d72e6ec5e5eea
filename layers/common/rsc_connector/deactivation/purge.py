"""Deleting an organization's synced data from LinkedIn, page by page, driven by the synced-key ledger.

The ledger is the page markers of every sync run of the organization (``PAGE#{entity}#{index}``: the ATS ids
LinkedIn accepted, and for notes, stages and feedback their parent's id), then the ongoing changes' latest
states (``CHANGE#{account}#{org}#{resource}``, those whose latest action is an upsert). Each marker (or 100
change records) is one delete page of at most 100 records, so the plan is the ledger itself: the purge walks it
with a cursor (phase, source, last key) kept in the purge item and moved in the same write that adds the page's
counts.

Order (RSC-501..504): candidate notes, candidates, then application notes, stages, interview feedback,
applications; then jobs are closed (CLOSE; classic RSC has no job DELETE) and their tasks checked. Children whose
parent id is not in the ledger (markers written before parents were recorded) are left to LinkedIn's cascade:
deleting a candidate deletes its notes, an application its notes, stages and feedback (A15).

Faults: a re-delete answers 404, counted as "already gone". LinkedIn 429/5xx/no answer: the cursor stays, the
step returns a growing wait, and after ``stall_seconds`` without success it raises PurgeStalled (the state machine
fails, emails, and the route resumes it). 403 (A13: company-level access is off, LinkedIn refuses sync calls):
nothing more can be deleted by us, the purge ends BLOCKED and the email says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from boto3.dynamodb.conditions import Key

from rsc_connector.adapters.dynamodb import from_item
from rsc_connector.ats.client import AtsAuthError, AtsError
from rsc_connector.deactivation.store import DeactivationStore
from rsc_connector.domain import ContractStatus
from rsc_connector.linkedin import assumptions as A
from rsc_connector.linkedin.deletes import DeleteApi
from rsc_connector.linkedin.http import LinkedInError
from rsc_connector.linkedin.sync_api import TASK_DONE
from rsc_connector.observability import logger
from rsc_connector.ports import StateRepository
from rsc_connector.sync.changes import ChangeStore, parent_of
from rsc_connector.sync.mapping import Entity, JobAvailability, Rejected, map_job
from rsc_connector.sync.store import RunKey, SyncStore, run_pk
from rsc_connector.sync.worker import RateLimits

RECORD_PHASES = (
    Entity.CANDIDATE_NOTES,
    Entity.CANDIDATES,
    Entity.APPLICATION_NOTES,
    Entity.STAGES,
    Entity.INTERVIEW_FEEDBACK,
    Entity.APPLICATIONS,
)
CHILDREN = frozenset({Entity.CANDIDATE_NOTES, Entity.APPLICATION_NOTES, Entity.STAGES, Entity.INTERVIEW_FEEDBACK})
PHASES: tuple[str, ...] = (*(e.value for e in RECORD_PHASES), "jobs", "job-tasks", "done")
LEASE_SECONDS = 180  # > the step function's timeout: a dead invocation's lease expires, a live one is never taken
MAX_BUDGET_WAIT = 8.0  # seconds a step may sleep for its rate slot before answering "wait"
TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})
KINDS = ("deleted", "gone", "cascaded", "failed")
JOB_KINDS = ("closed", "gone", "failed", "not_in_ats", "seen", "sent")
NOT_CONNECTED = frozenset({ContractStatus.DEACTIVATED, ContractStatus.DEACTIVATING})


class PurgeStalled(Exception):
    """LinkedIn (or the ATS) failed for longer than the stall limit: the deactivation fails and can be resumed."""


def counter(entity: str, kind: str) -> str:
    return f"n_{entity.replace('-', '_')}_{kind}"


def ledger_runs(sync_store: SyncStore, repo: StateRepository, account_id: str, organization_urn: str) -> list[dict]:
    """The organization's sync runs not purged yet: [{"contract", "sync", "job_availability", "apply_url"}]."""
    contracts = {c.contract_id: c for c in repo.list_contracts(account_id)}
    runs = []
    for run in sync_store.list_runs(account_id):
        _, contract_id, sync_id = str(run["sk"]).split("#", 2)
        owner = contracts.get(contract_id)
        org = run.get("organization_urn") or (owner.organization_urn if owner else None)
        if org != organization_urn or run.get("purged_at"):
            continue
        runs.append(
            {
                "contract": contract_id,
                "sync": sync_id,
                "job_availability": run.get("job_availability") or JobAvailability.PRIVATE.value,
                "apply_url": run.get("apply_url") or "https://jobs.example.com/{job_id}",
            }
        )
    return sorted(runs, key=lambda r: (r["contract"], r["sync"]))


def ensure_purge(
    store: DeactivationStore, sync_store: SyncStore, repo: StateRepository, account_id: str, organization_urn: str
) -> dict[str, Any]:
    """The organization's purge, created if there is none, restarted if the last one ended and runs were synced
    since (a re-activation), resumed if it was BLOCKED (access turned back on). Safe to call again."""
    for _ in range(5):
        item = store.get_purge(account_id, organization_urn)
        status = item.get("status") if item else None
        if item is not None and status == "RUNNING":
            return item
        now = time.time()
        if item is not None and status == "BLOCKED":
            kept = {k: v for k, v in item.items() if k not in ("pk", "sk", "type", "lease_owner", "lease_until")}
            fresh = {**kept, "status": "RUNNING", "blocked": None, "failing_since": None, "failures": None}
            if store.put_purge(account_id, organization_urn, fresh, expected_status="BLOCKED"):
                return fresh
            continue
        runs = ledger_runs(sync_store, repo, account_id, organization_urn)
        if item is not None and status == "DONE" and not runs:
            return item
        fresh = {
            "status": "RUNNING",
            "organization_urn": organization_urn,
            "runs": runs,
            "phase": 0,
            "run": 0,
            "after": None,
            "started_at": now,
            "last_progress_at": now,
        }
        if store.put_purge(account_id, organization_urn, fresh, expected_status=status):
            logger.info(
                "purge planned", extra={"account_id": account_id, "organization": organization_urn, "runs": len(runs)}
            )
            return fresh
    raise RuntimeError("the organization's purge changed concurrently; try again")


def purge_view(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """Counts per entity and the current phase (route replies, emails)."""
    if item is None:
        return None
    entities = {e.value: {k: int(item.get(counter(e.value, k), 0)) for k in KINDS} for e in RECORD_PHASES}
    jobs = {k: int(item.get(counter("jobs", k), 0)) for k in JOB_KINDS}
    phase = PHASES[min(int(item.get("phase", 0)), len(PHASES) - 1)]
    return {
        "status": item.get("status"),
        "phase": phase,
        "entities": entities,
        "jobs": jobs,
        "deleted": sum(v["deleted"] for v in entities.values()),
        "failedSample": item.get("failed_sample") or {},
        "blocked": item.get("blocked"),
        "lastError": item.get("last_error"),
        "startedAt": item.get("started_at"),
        "finishedAt": item.get("finished_at"),
    }


@dataclass
class Purger:
    store: DeactivationStore
    sync_store: SyncStore
    repo: StateRepository
    api: DeleteApi
    app_key: str
    ats: Callable[[], Any]  # the ATS export client (jobs are re-read to close them)
    limits: RateLimits = field(default_factory=RateLimits)
    stall_seconds: float = 1800.0
    sleep: Callable[[float], None] = time.sleep

    def run(self, account_id: str, organization_urn: str, owner: str, seconds: float) -> dict[str, Any]:
        """Delete pages for up to `seconds`; {"done": True} when the purge has ended (DONE or BLOCKED)."""
        item = self.store.get_purge(account_id, organization_urn)
        if item is None or item.get("status") in ("DONE", "BLOCKED"):
            return {"done": True, "wait": 0}
        if not self.store.acquire(account_id, organization_urn, owner, time.time(), LEASE_SECONDS):
            return {"done": False, "wait": 15}  # another deactivation of this organization is deleting right now
        deadline = time.monotonic() + seconds
        ctx = _Context(account_id, organization_urn, owner)
        try:
            while time.monotonic() < deadline:
                item = self.store.get_purge(account_id, organization_urn) or {}
                if item.get("status") != "RUNNING":
                    return {"done": True, "wait": 0}
                wait = self._step(ctx, item)
                if wait is not None:
                    return {"done": wait < 0, "wait": max(wait, 0)}
            return {"done": False, "wait": 1}
        finally:
            self.store.release(account_id, organization_urn, owner)

    # -- one step: a page of one phase -------------------------------------------------------------------
    def _step(self, ctx: _Context, item: dict[str, Any]) -> int | None:
        """Do one page. None: carry on; >= 0: wait that long; -1: the purge has ended."""
        phase = PHASES[int(item.get("phase", 0))]
        try:
            if phase == "done":
                self._finish(ctx, item)
                return -1
            if phase == "jobs":
                return self._close_jobs(ctx, item)
            if phase == "job-tasks":
                return self._settle_jobs(ctx, item)
            return self._delete_page(ctx, item, Entity(phase))
        except LinkedInError as exc:
            if exc.status == A.SYNC_NOT_ENABLED_STATUS:
                return self._blocked(ctx, exc.message)
            if exc.status in TRANSIENT:
                return self._failing(ctx, item, f"LinkedIn HTTP {exc.status}: {exc.message}")
            raise
        except requests.RequestException as exc:
            return self._failing(ctx, item, f"LinkedIn did not answer ({type(exc).__name__})")
        except AtsAuthError:
            raise
        except AtsError as exc:
            if exc.retryable:
                return self._failing(ctx, item, f"the ATS export API failed: {exc.message}")
            raise

    def _next_phase(self, ctx: _Context, item: dict[str, Any], **fields: Any) -> None:
        self._advance(ctx, {"phase": int(item.get("phase", 0)) + 1, "run": 0, "after": None, **fields})

    def _advance(self, ctx: _Context, fields: dict[str, Any], adds: dict[str, int] | None = None, **extra: Any) -> None:
        now = time.time()
        fields = {
            "last_progress_at": now,
            "failing_since": None,
            "failures": None,
            "lease_until": int(now) + LEASE_SECONDS,
            **fields,
        }
        self.store.advance(ctx.account_id, ctx.organization_urn, ctx.owner, fields, adds, **extra)

    # -- candidates, applications and their children --------------------------------------------------------
    def _delete_page(self, ctx: _Context, item: dict[str, Any], entity: Entity) -> int | None:
        """One page of one source: each run's markers in turn, then the ongoing changes' records."""
        runs = item.get("runs") or []
        index = int(item.get("run", 0))
        if index > len(runs):
            self._next_phase(ctx, item)
            return None
        if index < len(runs):
            run = runs[index]
            key = RunKey(ctx.account_id, run["contract"], run["sync"])
            marker = self._next_marker(key, entity.value, item.get("after"))
        else:
            marker = self._next_changes(ctx, entity.value, item.get("after"))
        if marker is None:
            self._advance(ctx, {"run": index + 1, "after": None})
            return None
        ids = [str(i) for i in marker.get("accepted") or []]
        adds: dict[str, int] = {}
        failed: dict[str, str] = {}
        if entity in CHILDREN:
            parents = marker.get("parents") or {}
            by_parent: dict[str, list[str]] = {}
            for child in ids:
                parent = parents.get(child)
                if parent:
                    by_parent.setdefault(str(parent), []).append(child)
            cascaded = len(ids) - sum(len(v) for v in by_parent.values())
            if cascaded:
                adds[counter(entity, "cascaded")] = cascaded
            sending, calls = sum(len(v) for v in by_parent.values()), len(by_parent)
        else:
            by_parent, sending, calls = {}, len(ids), 1 if ids else 0
        if sending:
            wait = self._take_budget(sending, calls)
            if wait is not None:
                return wait
            if entity in CHILDREN:
                outcome = self.api.delete_children(entity, by_parent, ctx.organization_urn)
            else:
                outcome = self.api.delete_records(entity, ids, ctx.organization_urn)
            adds[counter(entity, "deleted")] = len(outcome.deleted)
            adds[counter(entity, "gone")] = len(outcome.gone)
            if outcome.failed:
                adds[counter(entity, "failed")] = len(outcome.failed)
                failed = {f"{entity.value}:{k}": v for k, v in outcome.failed.items()}
        fields: dict[str, Any] = {"after": marker["sk"]}
        if failed:
            fields["failed_sample"] = _sample(item, failed)
        self._advance(ctx, fields, {k: v for k, v in adds.items() if v})
        return None

    def _next_marker(self, key: RunKey, entity: str, after: str | None) -> dict[str, Any] | None:
        pk = run_pk(key.account_id, key.contract_id, key.sync_id)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pk) & Key("sk").begins_with(f"PAGE#{entity}#"),
            "ProjectionExpression": "#sk, #acc, #par, #tp",
            "ExpressionAttributeNames": {"#sk": "sk", "#acc": "accepted", "#par": "parents", "#tp": "tasks_pending"},
            "Limit": 1,
            "ConsistentRead": True,
        }
        if after:
            kwargs["ExclusiveStartKey"] = {"pk": pk, "sk": after}
        items = self.sync_store.table.query(**kwargs).get("Items", [])
        return from_item(items[0]) if items else None

    def _next_changes(self, ctx: _Context, resource: str, after: str | None) -> dict[str, Any] | None:
        """Up to 100 records the ongoing changes sent (their latest state is an upsert), as a marker-like page:
        {"sk": last key read, "accepted": ids, "parents": child -> parent}."""
        pk = ChangeStore.pk(ctx.account_id, ctx.organization_urn, resource)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pk),
            "ProjectionExpression": "#sk, #action, #parent, #record",
            "ExpressionAttributeNames": {"#sk": "sk", "#action": "action", "#parent": "parent_id", "#record": "record"},
            "Limit": 100,
            "ConsistentRead": True,
        }
        if after:
            kwargs["ExclusiveStartKey"] = {"pk": pk, "sk": after}
        items = [from_item(i) for i in self.sync_store.table.query(**kwargs).get("Items", [])]
        if not items:
            return None
        accepted: list[str] = []
        parents: dict[str, str] = {}
        for change in items:
            if change.get("action") != "upsert":
                continue  # a deletion: already deleted (or closed) at LinkedIn by the change worker
            ats_id = str(change["sk"])
            accepted.append(ats_id)
            record = change.get("record")
            parsed = json.loads(record) if isinstance(record, str) else record
            parent = parent_of(resource, parsed if isinstance(parsed, dict) else None, change.get("parent_id"))
            if parent:
                parents[ats_id] = parent
        return {"sk": str(items[-1]["sk"]), "accepted": accepted, "parents": parents}

    # -- jobs: close every job of the ledger, re-read from the ATS (a CLOSE carries the whole job) --------------
    def _ledger_jobs(self, ctx: _Context, runs: list[dict[str, Any]]) -> set[str]:
        if ctx.ledger_jobs is None:
            ids: set[str] = set()
            for run in runs:
                after: str | None = None
                while True:
                    marker = self._next_marker(RunKey(ctx.account_id, run["contract"], run["sync"]), "jobs", after)
                    if marker is None:
                        break
                    ids.update(str(i) for i in marker.get("accepted") or [])
                    ids.update(str(i) for i in (marker.get("tasks_pending") or {}))  # sent, never settled
                    after = str(marker["sk"])
            after = None
            while True:  # jobs the ongoing changes created or updated
                page = self._next_changes(ctx, "jobs", after)
                if page is None:
                    break
                ids.update(page["accepted"])
                after = page["sk"]
            ctx.ledger_jobs = ids
        return ctx.ledger_jobs

    def _close_jobs(self, ctx: _Context, item: dict[str, Any]) -> int | None:
        runs = item.get("runs") or []
        ledger = self._ledger_jobs(ctx, runs)
        if not ledger:
            self._next_phase(ctx, item)
            return None
        page = self.ats().page(ctx.account_id, "jobs", item.get("after"), 100)
        availability = JobAvailability(runs[0]["job_availability"]) if runs else JobAvailability.PRIVATE
        apply_url = str(runs[0]["apply_url"]) if runs else "https://jobs.example.com/{job_id}"
        bodies: dict[str, dict[str, Any]] = {}
        failed: dict[str, str] = {}
        seen = 0
        for record in page.items:
            ats_id = str(record.get("id", ""))
            if ats_id not in ledger:
                continue
            seen += 1
            try:
                bodies[ats_id] = map_job(record, ctx.organization_urn, availability, apply_url).body
            except Rejected as exc:  # changed in the ATS since the sync into something LinkedIn refuses
                failed[ats_id] = f"cannot be closed as the ATS holds it now: {exc.message}"
        tasks: dict[str, str] = {}
        if bodies:
            wait = self._take_budget(len(bodies), 1)
            if wait is not None:
                return wait
            tasks, refused = self.api.close_jobs(bodies)
            failed.update(refused)
        adds = {
            counter("jobs", "seen"): seen,
            counter("jobs", "sent"): len(tasks),
            counter("jobs", "failed"): len(failed),
        }
        fields: dict[str, Any] = {
            "after": page.next_cursor,
            "task_pages": int(item.get("task_pages", 0)) + (1 if tasks else 0),
        }
        if failed:
            fields["failed_sample"] = _sample(item, {f"jobs:{k}": v for k, v in failed.items()})
        if page.next_cursor is None:
            missing = len(ledger) - int(item.get(counter("jobs", "seen"), 0)) - seen
            adds[counter("jobs", "not_in_ats")] = max(0, missing)
            fields.update(phase=int(item.get("phase", 0)) + 1, run=0, after=None)
        put = None
        if tasks:
            put = self.store.task_item(ctx.account_id, ctx.organization_urn, int(item.get("task_pages", 0)), tasks)
        self._advance(ctx, fields, {k: v for k, v in adds.items() if v}, put=put)
        return None

    def _settle_jobs(self, ctx: _Context, item: dict[str, Any]) -> int | None:
        pending = self.store.next_task_item(ctx.account_id, ctx.organization_urn)
        if pending is None:
            self._next_phase(ctx, item)
            return None
        tasks: dict[str, str] = dict(pending.get("tasks") or {})
        wait = self._take_budget(0, 1)
        if wait is not None:
            return wait
        statuses = self.api.job_tasks(list(tasks.values()))
        closed = gone = 0
        failed: dict[str, str] = {}
        remaining: dict[str, str] = {}
        for job_id, urn in tasks.items():
            status = statuses.get(urn, {})
            if status.get("status") not in TASK_DONE:
                remaining[job_id] = urn
            elif status.get("status") in A.JOB_TASK_SUCCESS_STATUSES:
                closed += 1
            elif "not exist" in str(status.get("errorMessage", "")).lower():
                gone += 1  # LinkedIn holds no such job: nothing to close
            else:
                failed[f"jobs:{job_id}"] = str(status.get("errorMessage") or "the close task failed")[:200]
        if len(remaining) == len(tasks):
            return 5  # LinkedIn has not processed them yet
        adds = {
            counter("jobs", "closed"): closed,
            counter("jobs", "gone"): gone,
            counter("jobs", "failed"): len(failed),
        }
        fields: dict[str, Any] = {}
        if failed:
            fields["failed_sample"] = _sample(item, failed)
        key = {"pk": str(pending["pk"]), "sk": str(pending["sk"])}
        if remaining:
            self._advance(ctx, fields, {k: v for k, v in adds.items() if v}, put={**pending, "tasks": remaining})
        else:
            self._advance(ctx, fields, {k: v for k, v in adds.items() if v}, delete=key)
        return None

    # -- end ---------------------------------------------------------------------------------------------
    def _finish(self, ctx: _Context, item: dict[str, Any]) -> None:
        now = time.time()
        for run in item.get("runs") or []:
            self.sync_store.update_run(RunKey(ctx.account_id, run["contract"], run["sync"]), purged_at=now)
        self._advance(ctx, {"status": "DONE", "finished_at": now})
        logger.info("purge done", extra={"account_id": ctx.account_id, "organization": ctx.organization_urn})

    def _blocked(self, ctx: _Context, message: str) -> int:
        why = (
            "LinkedIn refused the deletes because company-level access is off in Recruiter "
            f"(LinkedIn said: {message[:200]})"
        )
        self._advance(ctx, {"status": "BLOCKED", "blocked": why, "finished_at": time.time()})
        logger.warning("purge blocked", extra={"account_id": ctx.account_id, "organization": ctx.organization_urn})
        return -1

    def _failing(self, ctx: _Context, item: dict[str, Any], message: str) -> int:
        now = time.time()
        since = float(item.get("failing_since") or now)
        failures = int(item.get("failures", 0)) + 1
        fields = {"failing_since": since, "failures": failures, "last_error": message[:300]}
        self.store.advance(ctx.account_id, ctx.organization_urn, ctx.owner, fields)
        logger.warning(
            "purge call failed", extra={"account_id": ctx.account_id, "failures": failures, "problem": message[:200]}
        )
        if now - since >= self.stall_seconds:
            raise PurgeStalled(
                f"LinkedIn failed for {int(now - since)} s while deleting ({message[:200]}); nothing was lost: "
                "deactivate again to resume where it stopped."
            )
        return int(min(60, 2 * 2 ** min(failures - 1, 5)))

    # -- the customer's shared LinkedIn budget (the sync workers use the same items) -----------------------
    def _take_budget(self, records: int, calls: int) -> int | None:
        now = time.time()
        wait = 0.0
        if records:
            reservation = self.sync_store.reserve_records(
                self.app_key, records, self.limits.smooth_rate, self.limits.burst, now, MAX_BUDGET_WAIT
            )
            if not reservation.reserved:  # come back when the slot is near (sync pages may hold slots ahead)
                return int(min(120, max(5, reservation.wait - MAX_BUDGET_WAIT)))
            wait = reservation.wait
        day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        if calls and not self.repo.consume_daily_calls(self.app_key, "sync", day, calls, self.limits.calls_per_day):
            return int((int(now // 86400) + 1) * 86400 - now) + 60
        if wait > 0:
            self.sleep(wait)
        return None


@dataclass
class _Context:
    account_id: str
    organization_urn: str
    owner: str
    ledger_jobs: set[str] | None = None


def _sample(item: dict[str, Any], failed: dict[str, str], limit: int = 10) -> dict[str, str]:
    sample = dict(item.get("failed_sample") or {})
    for key, message in failed.items():
        if len(sample) >= limit:
            break
        sample[key] = message[:200]
    return sample
