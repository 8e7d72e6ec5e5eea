"""The worker side of ongoing changes: apply queued change references at LinkedIn, and keep the initial sync's
pages from overwriting a change (docs/design.md "Ongoing changes").

Why the newest version wins, whatever the order of deliveries and workers:
  * intake: a record's state is only ever replaced by a newer version (conditional write, changes.py);
  * a worker reads the LATEST state when it applies a reference (consistent read), sends it, and after
    LinkedIn answered reads the state again: if a newer version was recorded meanwhile, it queues that record
    again, forced. Take the call that lands last at LinkedIn for a record, sending version v. Its worker's
    re-read comes after that landing, so it sees every version recorded before; if one is newer than v, a new
    send of the latest follows. A version recorded after the re-read is queued after it, read after it, so its
    own call lands later still. Either way the last call to land carries the newest version.
  * the initial sync: a page whose run knows of changes to some of its records sends the latest change's record
    instead of its own (or nothing, for a deletion), and after its call re-reads the run; a record that got a
    change since (or a newer one than the page sent) is queued forced. The intake lists the records on the
    run BEFORE queueing them, so a page worker that did not see them there sent its call before any of them
    was applied.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rsc_connector.linkedin.deletes import DeleteApi, DeleteOutcome
from rsc_connector.linkedin.http import LinkedInError
from rsc_connector.linkedin.sync_api import SyncApi, UpsertOutcome
from rsc_connector.observability import logger
from rsc_connector.sync.changes import ACTIVE, PARENTS, ChangeFeed
from rsc_connector.sync.mapping import PHASES, Entity, JobAvailability, Mapped, MappingOptions, Rejected, map_record
from rsc_connector.sync.messages import ChangeMessage, ChangeRef, PageMessage
from rsc_connector.sync.store import RunKey, SyncStore

if TYPE_CHECKING:
    from rsc_connector.sync.worker import PageOutcome, Worker

UPSERT_ORDER = [entity for phase in PHASES for entity in phase]  # parents first
CHILD_DELETE_ORDER = [Entity.CANDIDATE_NOTES, Entity.APPLICATION_NOTES, Entity.STAGES, Entity.INTERVIEW_FEEDBACK]
BATCH = 100


@dataclass
class _Call:
    """One LinkedIn call of a change message's plan."""

    kind: str  # upsert | delete | delete_children | close
    entity: Entity
    refs: list[ChangeRef]
    mapped: list[Mapped] = field(default_factory=list)
    parent_id: str = ""

    @property
    def calls(self) -> int:
        if self.kind == "upsert" and self.entity in PARENTS_OF:
            return len({tuple(sorted((m.parent_key or {}).items())) for m in self.mapped})
        return 1


PARENTS_OF = {Entity(child): Entity(parent) for child, (parent, _) in PARENTS.items()}


def apply_changes(worker: Worker, message: ChangeMessage, receive_count: int = 1) -> PageOutcome:
    """Apply the latest state of each referenced record at LinkedIn, in dependency order, within the budget."""
    from rsc_connector.sync.worker import PageOutcome, RetryLater, _backoff

    feed = _feed(worker)
    account_id, organization = message.account_id, message.organization_urn
    items = feed.store.latest(account_id, organization, message.refs)
    todo = {
        ref: item
        for ref, item in items.items()
        if message.force or int(item.get("applied_version", 0)) < int(item["version"])
    }
    if not todo:
        return PageOutcome("duplicate")
    if not _organization_enabled(worker, account_id, organization):
        # Disabled or deactivated: nothing more goes to LinkedIn. A new enablement's initial sync sends the
        # records as they are then (with the changes' records, see PageChanges).
        return PageOutcome("stopped")
    account, credentials = worker._account(account_id)
    assert account.child_app is not None
    options = MappingOptions(organization, JobAvailability(account.job_availability or JobAvailability.PRIVATE.value))
    results: dict[ChangeRef, str] = {}
    plan = _plan(feed, account_id, organization, todo, options, results)
    api = SyncApi(worker.linkedin, credentials)
    deletes = DeleteApi(worker.linkedin, credentials)
    made = 0
    for window in _windows(plan):
        # The customer's shared budget, reserved like a page's: at most 100 records per reservation.
        worker._take_budget(
            account.child_app.key, sum(len(c.refs) for c in window), sum(c.calls for c in window), message.to_json()
        )
        for call in window:
            try:
                outcome = _execute(api, deletes, call, organization)
                error = outcome.error if isinstance(outcome, UpsertOutcome) else None
            except LinkedInError as exc:
                outcome, error = None, exc
            if outcome is not None:
                made += outcome.calls
                _read_outcome(call, outcome, results)
            if error is not None:
                # What LinkedIn answered so far is recorded as applied: the message comes back for the rest.
                _mark_applied(feed, account_id, organization, todo, results)
                delay = _backoff(receive_count, error.status)
                raise RetryLater(delay, f"LinkedIn {error.status}: {error.message}")
    _mark_applied(feed, account_id, organization, todo, results)
    # Converge: a newer version recorded while we were sending is sent again, forced (module docstring).
    after = feed.store.latest(account_id, organization, list(todo))
    newer = [ref for ref, item in after.items() if int(item["version"]) > int(todo[ref]["version"])]
    if newer:
        feed.enqueue(account_id, organization, newer, force=True)
    rejected = sum(1 for r in results.values() if r.startswith("rejected"))
    logger.info(
        "changes applied",
        extra={"records": len(todo), "rejected": rejected, "calls": made, "resent": len(newer), "force": message.force},
    )
    return PageOutcome("counted", len(results) - rejected, rejected, made)


def _mark_applied(
    feed: ChangeFeed,
    account_id: str,
    organization: str,
    todo: dict[ChangeRef, dict[str, Any]],
    results: dict[ChangeRef, str],
) -> None:
    now = time.time()
    for ref, item in todo.items():
        if ref in results:
            feed.store.mark_applied(account_id, organization, ref, int(item["version"]), results[ref], now)


def _windows(plan: list[_Call]) -> list[list[_Call]]:
    """Consecutive calls grouped up to 100 records (a call holds at most 100)."""
    windows: list[list[_Call]] = []
    for call in plan:
        if windows and sum(len(c.refs) for c in windows[-1]) + len(call.refs) <= BATCH:
            windows[-1].append(call)
        else:
            windows.append([call])
    return windows


def _feed(worker: Worker) -> ChangeFeed:
    feed = worker.changes
    if feed is None:
        raise RuntimeError("the worker has no change feed (services.change_feed)")
    assert isinstance(feed, ChangeFeed)
    return feed


def _organization_enabled(worker: Worker, account_id: str, organization: str) -> bool:
    return any(
        c.organization_urn == organization and c.company_level and c.status in ACTIVE
        for c in worker.repo.list_contracts(account_id)
    )


def _plan(
    feed: ChangeFeed,
    account_id: str,
    organization: str,
    todo: dict[ChangeRef, dict[str, Any]],
    options: MappingOptions,
    results: dict[ChangeRef, str],
) -> list[_Call]:
    """The calls, in order: upserts parents first; then deletes children first (the known children of a deleted
    candidate or application before it: RSC-501/503), applications, candidates; jobs closed last."""
    upserts: dict[Entity, list[tuple[ChangeRef, Mapped]]] = defaultdict(list)
    deletes: dict[Entity, list[ChangeRef]] = defaultdict(list)
    closes: list[tuple[ChangeRef, Mapped]] = []
    children: dict[tuple[Entity, str], list[ChangeRef]] = defaultdict(list)  # (child entity, parent id) -> refs
    for ref, item in todo.items():
        entity = Entity(ref[0])
        record = dict(item.get("record") or {})
        if item.get("action") == "upsert" or entity == Entity.JOBS:
            record.setdefault("id", ref[1])
            try:
                mapped = map_record(entity, record, options)
            except Rejected as exc:
                results[ref] = f"rejected:{exc.reason}:{exc.message}"
                continue
            if item.get("action") == "upsert":
                upserts[entity].append((ref, mapped))
            else:  # LinkedIn has no job delete: the job is closed (re-posted CLOSED with its full body)
                closes.append((ref, Mapped(mapped.ats_id, {**mapped.body, "state": "CLOSED"})))
        elif entity in PARENTS_OF:
            parent_id = str(item.get("parent_id") or "")
            if not parent_id:
                results[ref] = "rejected:missing_parent:the change names no parent"
                continue
            children[(entity, parent_id)].append(ref)
        else:
            deletes[entity].append(ref)
    for parent in (Entity.APPLICATIONS, Entity.CANDIDATES):
        for _, parent_id in deletes[parent]:
            for child_resource, child_id in feed.store.children(account_id, organization, parent.value, parent_id):
                group = children[(Entity(child_resource), parent_id)]
                if (child_resource, child_id) not in group:
                    group.append((child_resource, child_id))
    plan: list[_Call] = []
    for entity in UPSERT_ORDER:
        pairs = upserts.get(entity, [])
        for start in range(0, len(pairs), BATCH):
            chunk = pairs[start : start + BATCH]
            plan.append(_Call("upsert", entity, [r for r, _ in chunk], [m for _, m in chunk]))
    for entity in CHILD_DELETE_ORDER:
        for (child_entity, parent_id), refs in sorted(children.items()):
            if child_entity != entity:
                continue
            for start in range(0, len(refs), BATCH):
                plan.append(_Call("delete_children", entity, refs[start : start + BATCH], parent_id=parent_id))
    for entity in (Entity.APPLICATIONS, Entity.CANDIDATES):
        refs = deletes.get(entity, [])
        for start in range(0, len(refs), BATCH):
            plan.append(_Call("delete", entity, refs[start : start + BATCH]))
    for start in range(0, len(closes), BATCH):
        chunk = closes[start : start + BATCH]
        plan.append(_Call("close", Entity.JOBS, [r for r, _ in chunk], [m for _, m in chunk]))
    return plan


def _execute(api: SyncApi, deletes: DeleteApi, call: _Call, organization: str) -> UpsertOutcome | DeleteOutcome:
    ids = [ats_id for _, ats_id in call.refs]
    if call.kind in ("upsert", "close"):
        # A close is an upsert with state CLOSED (A14): it also stores a job LinkedIn never had, closed, where a
        # CLOSE operation would fail its task.
        return api.upsert(call.entity, call.mapped, organization)
    if call.kind == "delete_children":
        return deletes.delete_children(call.entity, {call.parent_id: ids}, organization)
    return deletes.delete_records(call.entity, ids, organization)


def _read_outcome(call: _Call, outcome: UpsertOutcome | DeleteOutcome, results: dict[ChangeRef, str]) -> None:
    by_id = {ats_id: (resource, ats_id) for resource, ats_id in call.refs}
    if isinstance(outcome, UpsertOutcome):
        done = "closed" if call.kind == "close" else "accepted"
        for ats_id in [*outcome.accepted, *outcome.job_tasks]:
            if ats_id in by_id:
                results[by_id[ats_id]] = done
    else:
        for ats_id in outcome.deleted:
            if ats_id in by_id:
                results[by_id[ats_id]] = "deleted"
        for ats_id in outcome.gone:
            if ats_id in by_id:
                results[by_id[ats_id]] = "deleted (was not at LinkedIn)"
        for ats_id, text in outcome.failed.items():
            if ats_id in by_id:
                results[by_id[ats_id]] = f"rejected:linkedin_rejected:{text}"
        return
    for ats_id, (reason, text) in outcome.rejected.items():
        if ats_id in by_id:
            results[by_id[ats_id]] = f"rejected:{reason}:{text}"


# -- the initial sync's pages ------------------------------------------------------------------------------------
@dataclass
class PageChanges:
    """What a page of the initial sync sends when its records have changes (the run lists them)."""

    records: list[dict[str, Any]]
    superseded: list[str] = field(default_factory=list)  # deleted in the ATS since: not sent
    sent_versions: dict[str, int] = field(default_factory=dict)  # ids sent with a change's record, its version

    @classmethod
    def before(
        cls, feed: ChangeFeed, run: dict[str, Any], message: PageMessage, records: list[dict[str, Any]]
    ) -> PageChanges:
        if not run.get("changes_at"):
            return cls(records)
        ids = [str(r.get("id")) for r in records]
        checked = _changed(run, message.entity, ids)
        if not checked:
            return cls(records)
        # Eventually consistent is enough here: the check after the call reads consistently and resends.
        latest = feed.store.latest(
            message.key.account_id, message.organization_urn, [(message.entity, i) for i in checked], consistent=False
        )
        out = cls([])
        for record in records:
            ats_id = str(record.get("id"))
            item = latest.get((message.entity, ats_id))
            if item is None:
                out.records.append(record)
            elif item.get("action") == "delete":
                out.superseded.append(ats_id)
            else:
                out.records.append(dict(item.get("record") or record))
                out.sent_versions[ats_id] = int(item["version"])
        return out

    def after(
        self, feed: ChangeFeed, store: SyncStore, key: RunKey, message: PageMessage, sent: list[str], receive_count: int
    ) -> int:
        """After LinkedIn answered: records changed since we looked (or newer than what we sent) are queued forced.

        On a redelivery the deleted ones are too: an earlier attempt may have sent them after their deletion."""
        run = store.get_run(key) or {}
        if not run.get("changes_at"):
            return 0
        candidates = list(dict.fromkeys([*sent, *(self.superseded if receive_count > 1 else [])]))
        checked = _changed(run, message.entity, candidates)
        if not checked:
            return 0
        latest = feed.store.latest(key.account_id, message.organization_urn, [(message.entity, i) for i in checked])
        force: list[ChangeRef] = []
        for (resource, ats_id), item in latest.items():
            if ats_id in self.superseded or int(item["version"]) > self.sent_versions.get(ats_id, -1):
                force.append((resource, ats_id))
        if force:
            feed.enqueue(key.account_id, message.organization_urn, force, force=True)
        return len(force)


def _changed(run: dict[str, Any], entity: str, ids: list[str]) -> list[str]:
    if run.get("changes_check_all"):
        return ids
    listed = run.get(f"changed_{entity}") or set()
    return [i for i in ids if i in listed]
