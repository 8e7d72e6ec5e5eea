"""The worker: one SQS message = one page. Map, check the shared rate budget, upsert at LinkedIn, count once.

Pacing: every customer has its own LinkedIn ceiling, and all customers share one queue and one pool of workers.
A page whose slot in its customer's budget is near (<= MAX_WAIT_IN_WORKER) waits for it in the worker. A page
whose slot is further away reserves it anyway, up to RESERVE_AHEAD_SECONDS ahead, and is deferred: sent again
as a new message delayed until just before its slot (carrying the slot), and acknowledged. It then goes without a
second reservation. A page whose customer has reserved further ahead than that is deferred without a slot and
tries again later. Deferrals are new messages, so they never count toward the queue's maxReceiveCount: a
customer's backlog waits for its budget without ever reaching the DLQ, and without holding workers that other
customers' pages need.

Faults delay work, never lose or double it:
  * a page already counted (duplicate delivery, re-planned page) is acknowledged without any call;
  * 429, 5xx and timeouts raise RetryLater: the message goes back to the queue with its visibility set to a
    backoff (partial batch failure), and after maxReceiveCount to the DLQ, from where `rsc-ops dlq redrive` or a
    re-sync brings it back; so does a used-up calls-per-day budget (until the next UTC day);
  * a page of sub-resources makes one call per parent (up to 100): the calls LinkedIn answered are kept in the
    page's attempt item (SyncStore.page_attempts), so each retry sends only what is still unsent and every
    attempt that gets anything through brings the page closer. The backoff doubles only with attempts in a row
    that settled nothing, not with deliveries (which also count crashes and waits for another worker);
  * a deferred page may exist twice for a moment (the new message was sent, the old one not yet deleted): both
    copies carry the same page id, and the page is counted once;
  * a worker killed mid-page leaves no marker: the redelivered page is sent again (upserts carry the full
    record, so that is safe) and counted once.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from rsc_connector.domain import Account
from rsc_connector.linkedin.http import AppCredentials, LinkedInError, LinkedInHttp, child_app_credentials
from rsc_connector.linkedin.sync_api import SyncApi, UpsertOutcome
from rsc_connector.observability import logger
from rsc_connector.ports import SecretStore, StateRepository
from rsc_connector.sync.mapping import Entity, JobAvailability, MappingOptions, Rejected, map_record
from rsc_connector.sync.messages import PageMessage
from rsc_connector.sync.store import PageResult, SyncStore

MAX_WAIT_IN_WORKER = 8.0  # seconds a worker may sleep for its rate slot; longer -> the page is deferred
RESERVE_AHEAD_SECONDS = 900.0  # how far ahead a page may reserve its slot: SQS's longest delay, so a page is
# deferred once. The planner keeps a customer's reservations within about 5 minutes (planner.PLAN_AHEAD_SECONDS)
COME_BACK_EARLY = 4.0  # a deferred page comes back this long before its slot and waits for it in the worker: time
# for its delivery and its preparation (reads, mapping) first. At 2 s, pages that arrived on time but took a loaded
# worker 3-5 s to prepare missed their slots at the start of the last phase (make bench, 2026-12-06)
LATE_GRACE = 1.0  # a page back later than this after its slot reserves a new one (its old slot has passed)
SQS_MAX_DELAY = 900
RUN_STATES_THAT_STOP = frozenset({"STOPPED"})


class RetryLater(Exception):
    """The page must come back later (LinkedIn busy or down, budget exhausted). Nothing was counted.

    With `defer`, the message body to send again as a new message, delayed (at most SQS's 15 minutes), while
    this delivery is acknowledged: waiting for the rate budget then costs no delivery attempt. Without it, the
    delivery fails and comes back after `delay_seconds` (a receive, toward the DLQ).

    With `at` (epoch seconds), the page must be back by then: the delay is counted when SQS is asked
    (`seconds_from_now`), so the time the worker spends before asking does not make the page late for its slot.
    """

    def __init__(self, delay_seconds: float, reason: str, defer: str | None = None, at: float | None = None) -> None:
        super().__init__(reason)
        self.limit = SQS_MAX_DELAY if defer is not None else 43_200
        self.delay_seconds = max(1, min(int(delay_seconds), self.limit))
        self.reason = reason
        self.defer = defer
        self.at = at

    def seconds_from_now(self) -> int:
        if self.at is None:
            return self.delay_seconds
        return max(0, min(int(self.at - time.time()), self.limit))


MAX_RECORDS_PER_CALL = 100  # LinkedIn's batch maximum: the most records one page sends


@dataclass(frozen=True)
class RateLimits:
    """The customer's LinkedIn ceiling and the smooth rate that keeps every 60 s under it.

    A page goes at the start of its records' turn in the budget (SyncStore.reserve_records), so a 60-s window
    can hold one page more than the records released in it: the one whose turn runs past the window's end.
    Hence smooth rate = ceiling - burst - one call's records - a jitter margin (between reserving a slot and
    LinkedIn counting the call). At LinkedIn's 10,000 that is 9,400/min (94%); at a scaled-down ceiling of 300 it is
    185 (62%): one call is then a third of a minute's budget.
    """

    records_per_minute: int = 10_000
    calls_per_day: int = 100_000
    burst_share: float = 0.03
    jitter_share: float = 0.02

    @property
    def smooth_rate(self) -> int:
        jitter = int(self.records_per_minute * self.jitter_share)
        released = self.records_per_minute - self.burst - jitter - MAX_RECORDS_PER_CALL
        return max(1, released)

    @property
    def burst(self) -> int:
        return max(1, int(self.records_per_minute * self.burst_share))


@dataclass
class PageOutcome:
    status: str  # counted | duplicate | stopped
    accepted: int = 0
    rejected: int = 0
    calls: int = 0


@dataclass
class Worker:
    store: SyncStore
    repo: StateRepository
    secrets: SecretStore
    linkedin: LinkedInHttp
    s3: Any
    bucket: str
    limits: RateLimits = field(default_factory=RateLimits)
    changes: Any = None  # rsc_connector.sync.changes.ChangeFeed: pages never overwrite ongoing changes
    _accounts: dict[str, tuple[float, Account, AppCredentials]] = field(default_factory=dict)

    def process(self, message: PageMessage, receive_count: int = 1, deadline: float | None = None) -> PageOutcome:
        """`deadline` (time.monotonic()): after it no new LinkedIn call starts (the invocation's time is nearly
        up); what is left is kept for the page's next delivery, which comes back at once."""
        key = message.key
        if self.store.page_is_done(key, message.entity, message.index):
            return PageOutcome("duplicate")
        run = self.store.get_run(key) or {}
        if run.get("status") in RUN_STATES_THAT_STOP:
            # The contract was disabled at LinkedIn: drop the page; a later re-sync plans it again.
            return PageOutcome("stopped")
        account, credentials = self._account(key.account_id)
        assert account.child_app is not None
        records = self._records(message)
        page_changes = None
        if self.changes is not None:
            from rsc_connector.sync.change_worker import PageChanges

            page_changes = PageChanges.before(self.changes, run, message, records)
            records = page_changes.records
        options = MappingOptions(
            organization_urn=message.organization_urn,
            job_availability=JobAvailability(run.get("job_availability") or JobAvailability.PRIVATE.value),
            apply_url=str(run.get("apply_url") or "https://jobs.example.com/{job_id}"),
        )
        entity = Entity(message.entity)
        mapped, rejected = [], {}
        for record in records:
            try:
                mapped.append(map_record(entity, record, options))
            except Rejected as exc:
                rejected[str(record.get("id", "?"))] = (exc.reason, exc.message)
        # What earlier attempts settled (some of a sub-resource page's calls were answered) is not sent again.
        attempts = self.store.page_attempts(key, message.entity, message.index)
        todo = [m for m in mapped if m.ats_id not in attempts.settled]
        if todo:
            calls = len({json.dumps(m.parent_key, sort_keys=True) for m in todo}) if entity in _SUB else 1
            self._pace(account.child_app.key, message, len(todo), calls)
            try:
                api = SyncApi(self.linkedin, credentials)
                outcome = api.upsert(entity, todo, message.organization_urn, deadline)
            except LinkedInError as exc:
                outcome = UpsertOutcome(unsent=[m.ats_id for m in todo], error=exc)
            if outcome.unsent:
                refused = outcome.error is not None
                attempts = attempts.after_attempt(outcome.accepted, outcome.rejected, outcome.calls, refused)
                self.store.save_page_attempts(key, message.entity, message.index, attempts)
                unsent = f"{len(outcome.unsent)} of {len(todo)} records unsent"
                error = outcome.error
                if error is None:  # out of time, not refused: straight back
                    raise RetryLater(1, f"the worker's time was up ({unsent})")
                raise RetryLater(
                    _backoff(attempts.stalled, error.status), f"LinkedIn {error.status}: {error.message} ({unsent})"
                )
        else:
            outcome = UpsertOutcome()
        accepted = [*attempts.accepted, *outcome.accepted]
        rejected.update(attempts.rejected)
        rejected.update(outcome.rejected)
        if page_changes is not None:
            # Records settled by an earlier attempt were sent as they were then: check them against any change.
            for ats_id in attempts.settled:
                page_changes.sent_versions.pop(ats_id, None)
            page_changes.after(self.changes, self.store, key, message, [m.ats_id for m in mapped], receive_count)
        counted = self.store.record_page(
            key,
            PageResult(
                entity=message.entity,
                index=message.index,
                sent=len(mapped),
                accepted=accepted,
                rejected=rejected,
                calls=attempts.calls + outcome.calls,
                job_tasks=outcome.job_tasks,
                parents=_parents(entity, mapped, accepted),
                superseded=page_changes.superseded if page_changes is not None else [],
            ),
        )
        if attempts.stored:
            self.store.forget_page_attempts(key, message.entity, message.index)
        if counted and message.claim:
            self.s3.delete_object(Bucket=self.bucket, Key=message.claim)
        return PageOutcome(
            "counted" if counted else "duplicate", len(accepted), len(rejected), attempts.calls + outcome.calls
        )

    def _records(self, message: PageMessage) -> list[dict[str, Any]]:
        if message.records is not None:
            return message.records
        body = self.s3.get_object(Bucket=self.bucket, Key=message.claim)["Body"].read()
        return list(json.loads(body)["records"])

    def _account(self, account_id: str) -> tuple[Account, AppCredentials]:
        cached = self._accounts.get(account_id)
        if cached and time.monotonic() - cached[0] < 300:
            return cached[1], cached[2]
        account = self.repo.get_account(account_id)
        if account is None or account.child_app is None:
            raise RetryLater(300, f"account {account_id} has no LinkedIn application")
        credentials = child_app_credentials(self.secrets, account.child_app.secret_name)
        self._accounts[account_id] = (time.monotonic(), account, credentials)
        return account, credentials

    def _pace(self, app_key: str, message: PageMessage, records: int, calls: int) -> None:
        """Wait for the page's slot in the customer's budget, or defer the page to it (module docstring)."""
        now = time.time()
        slot = message.slot_at
        if slot is not None and now < slot - MAX_WAIT_IN_WORKER:  # back early: SQS delays at most 15 minutes
            back = slot - COME_BACK_EARLY
            raise RetryLater(back - now, "waiting for its reserved budget slot", message.to_json(), at=back)
        if slot is not None and now <= slot + LATE_GRACE:
            wait = max(0.0, slot - now)  # the slot reserved for this page
        else:
            if slot is not None:  # its slot passed unused (the page came back late): the budget lost it
                logger.info("page missed its budget slot", extra={"late_seconds": round(now - slot, 1)})
            reservation = self.store.reserve_records(
                app_key,
                records,
                self.limits.smooth_rate,
                self.limits.burst,
                now,
                MAX_WAIT_IN_WORKER,
                ahead=RESERVE_AHEAD_SECONDS,
            )
            unslotted = replace(message, slot_at=None).to_json()
            if not reservation.reserved:
                delay = _retry_reservation_in(reservation.wait)
                raise RetryLater(delay, "the customer's budget is reserved further ahead", unslotted)
            wait = reservation.wait
            if wait > MAX_WAIT_IN_WORKER:
                slotted = replace(message, slot_at=now + wait).to_json()
                back = now + wait - COME_BACK_EARLY
                raise RetryLater(back - now, "deferred to its reserved budget slot", slotted, at=back)
        self._take_daily_calls(app_key, calls, now)
        if wait > 0:
            time.sleep(wait)

    def _take_budget(self, app_key: str, records: int, calls: int, defer: str) -> None:
        """The customer's budget for a message that cannot hold a slot (ongoing changes): reserve within
        MAX_WAIT_IN_WORKER, or defer the message (`defer`: its body) to try again later."""
        now = time.time()
        reservation = self.store.reserve_records(
            app_key, records, self.limits.smooth_rate, self.limits.burst, now, MAX_WAIT_IN_WORKER
        )
        if not reservation.reserved:
            raise RetryLater(_retry_budget_in(reservation.wait), "the customer's budget is in use", defer)
        self._take_daily_calls(app_key, calls, now)
        if reservation.wait > 0:
            time.sleep(reservation.wait)

    def _take_daily_calls(self, app_key: str, calls: int, now: float) -> None:
        day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        if not self.repo.consume_daily_calls(app_key, "sync", day, calls, self.limits.calls_per_day):
            tomorrow = (int(now // 86400) + 1) * 86400
            raise RetryLater(int(tomorrow - now) + 60, "the customer's LinkedIn calls-per-day budget is used up")


def _retry_reservation_in(wait: float) -> float:
    """When a page that could not reserve tries again: once the reservations ahead of it leave room (spread
    over a minute), or shortly when it lost a race with another worker."""
    if wait <= RESERVE_AHEAD_SECONDS:
        return random.uniform(1, 5)  # noqa: S311 - jitter, not security
    return min(SQS_MAX_DELAY, wait - RESERVE_AHEAD_SECONDS + random.uniform(5, 60))  # noqa: S311


def _retry_budget_in(wait: float) -> float:
    """When a message that cannot hold a slot (ongoing changes) tries again: when its slot would be near."""
    return min(SQS_MAX_DELAY, max(1.0, wait - MAX_WAIT_IN_WORKER) + random.uniform(0, 5))  # noqa: S311


_SUB = {Entity.CANDIDATE_NOTES, Entity.APPLICATION_NOTES, Entity.STAGES, Entity.INTERVIEW_FEEDBACK}


def _parents(entity: Entity, mapped: list[Any], accepted: list[str]) -> dict[str, str]:
    """Accepted sub-resources -> their parent's ATS id (kept in the page marker: the deletion ledger)."""
    if entity not in _SUB:
        return {}
    done = set(accepted)
    out: dict[str, str] = {}
    for m in mapped:
        key = m.parent_key or {}
        parent = key.get("atsCandidateId") or key.get("atsJobApplicationId")
        if m.ats_id in done and parent:
            out[m.ats_id] = parent
    return out


def _backoff(failures: int, status: int) -> int:
    """Seconds before a page LinkedIn refused comes back: doubles with each attempt in a row that LinkedIn let
    settle nothing (for a page: PageAttempts.stalled; an attempt that settled some calls starts again from the
    base), capped at 5 minutes so that one page never idles for long."""
    base = 30 if status == 429 else 10
    return int(min(300, base * (2 ** max(0, failures - 1))))


def log_outcome(message: PageMessage, outcome: PageOutcome) -> None:
    logger.info(
        "page processed",
        extra={
            "entity": message.entity,
            "page": message.index,
            "status": outcome.status,
            "accepted": outcome.accepted,
            "rejected": outcome.rejected,
            "calls": outcome.calls,
        },
    )
