"""The worker: one SQS message = one page. Map, check the shared rate budget, upsert at LinkedIn, count once.

Faults delay work, never lose or double it:
  * a page already counted (duplicate delivery, re-planned page) is acknowledged without any call;
  * 429, 5xx, timeouts and an exhausted budget raise RetryLater: the message goes back to the queue with its
    visibility set to the delay (partial batch failure), and after maxReceiveCount to the DLQ, from where
    `rsc-ops dlq redrive` or a re-sync brings it back;
  * a worker killed mid-page leaves no marker: the redelivered page is sent again (upserts carry the full
    record, so that is safe) and counted once.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rsc_connector.domain import Account
from rsc_connector.linkedin.http import AppCredentials, LinkedInError, LinkedInHttp, child_app_credentials
from rsc_connector.linkedin.sync_api import SyncApi
from rsc_connector.observability import logger
from rsc_connector.ports import SecretStore, StateRepository
from rsc_connector.sync.mapping import Entity, JobAvailability, MappingOptions, Rejected, map_record
from rsc_connector.sync.messages import PageMessage
from rsc_connector.sync.store import PageResult, SyncStore

MAX_WAIT_IN_WORKER = 8.0  # seconds a worker may sleep for its rate slot; longer -> the page goes back to SQS
RUN_STATES_THAT_STOP = frozenset({"STOPPED"})


class RetryLater(Exception):
    """The page must come back later (LinkedIn busy or down, budget exhausted). Nothing was counted."""

    def __init__(self, delay_seconds: int, reason: str) -> None:
        super().__init__(reason)
        self.delay_seconds = max(1, min(int(delay_seconds), 43_200))
        self.reason = reason


@dataclass(frozen=True)
class RateLimits:
    records_per_minute: int = 10_000
    calls_per_day: int = 100_000
    # Released smoothly: 94% of the ceiling, plus a burst of 3%. Any 60 s then holds at most 97% of the ceiling
    # by construction; the 3% left absorbs the jitter between reserving a slot and LinkedIn counting the call.
    smooth_share: float = 0.94
    burst_share: float = 0.03

    @property
    def smooth_rate(self) -> int:
        return max(1, int(self.records_per_minute * self.smooth_share))

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

    def process(self, message: PageMessage, receive_count: int = 1) -> PageOutcome:
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
        calls = len({json.dumps(m.parent_key, sort_keys=True) for m in mapped}) if entity in _SUB else 1
        if mapped:
            self._take_budget(account.child_app.key, len(mapped), calls, receive_count)
            try:
                outcome = SyncApi(self.linkedin, credentials).upsert(entity, mapped, message.organization_urn)
            except LinkedInError as exc:
                raise RetryLater(_backoff(receive_count, exc.status), f"LinkedIn {exc.status}: {exc.message}") from None
        else:
            from rsc_connector.linkedin.sync_api import UpsertOutcome

            outcome = UpsertOutcome()
        rejected.update(outcome.rejected)
        if page_changes is not None:
            page_changes.after(self.changes, self.store, key, message, [m.ats_id for m in mapped], receive_count)
        counted = self.store.record_page(
            key,
            PageResult(
                entity=message.entity,
                index=message.index,
                sent=len(mapped),
                accepted=outcome.accepted,
                rejected=rejected,
                calls=outcome.calls,
                job_tasks=outcome.job_tasks,
                parents=_parents(entity, mapped, outcome.accepted),
                superseded=page_changes.superseded if page_changes is not None else [],
            ),
        )
        if counted and message.claim:
            self.s3.delete_object(Bucket=self.bucket, Key=message.claim)
        return PageOutcome("counted" if counted else "duplicate", len(outcome.accepted), len(rejected), outcome.calls)

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

    def _take_budget(self, app_key: str, records: int, calls: int, receive_count: int) -> None:
        """The customer's LinkedIn ceiling, shared by every worker: records per minute and calls per day."""
        now = time.time()
        wait = self.store.reserve_records(
            app_key, records, self.limits.smooth_rate, self.limits.burst, now, MAX_WAIT_IN_WORKER
        )
        if wait < 0:
            raise RetryLater(5 + receive_count, "the customer's LinkedIn records-per-minute budget is in use")
        day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        if not self.repo.consume_daily_calls(app_key, "sync", day, calls, self.limits.calls_per_day):
            tomorrow = (int(now // 86400) + 1) * 86400
            raise RetryLater(int(tomorrow - now) + 60, "the customer's LinkedIn calls-per-day budget is used up")
        if wait > 0:
            time.sleep(wait)


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


def _backoff(receive_count: int, status: int) -> int:
    """Seconds before a page LinkedIn refused comes back: grows with each delivery, capped at 15 minutes."""
    base = 30 if status == 429 else 10
    return int(min(900, base * (2 ** max(0, receive_count - 1))))


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
