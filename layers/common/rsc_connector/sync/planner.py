"""The planner: walks one entity's ATS cursor and enqueues one SQS message per page of <= 100 records.

One invocation plans as many pages as fit in its time budget and returns {"done": false} so the state machine
calls it again; its cursor is saved after every batch of messages, so a crash re-plans at most one batch (the
workers skip pages already counted). A resumed sync plans from the start again and enqueues only the pages that
were never counted.

Planning keeps pace with the customer's budget: each page takes its turn in the customer's planning horizon
(SyncStore.claim_planning: a ledger moved on by the page's records at the budget's rate), and an invocation stops
once the next turn would start more than PLAN_AHEAD_SECONDS ahead, or plans nothing while the customer's pages
hold budget slots further ahead than that. It then returns {"done": false, "wait": s}, and the state machine waits
s seconds and calls it again. The entities of one phase are planned side by side and share the one horizon: at
the start of the last phase four planners once enqueued a horizon each, 560 pages at once, and the workers spent
a minute deferring them while LinkedIn's budget went unused (make bench, 2026-12-06).
An entity's last page, rarely full, gives back the part of its turn it does not use.
The queue then holds a few minutes of each customer's pages, not its whole history: customers share the queue
fairly, no page has to wait beyond its reservation window, and a stopped sync leaves few reservations.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from rsc_connector.observability import logger
from rsc_connector.sync.messages import INLINE_LIMIT_BYTES, PageMessage
from rsc_connector.sync.store import PLAN_PREFIX, Reservation, RunKey, SyncStore

PAGE_SIZE = 100  # LinkedIn's batch maximum: one page = one message = one (or per-parent) LinkedIn call
SQS_BATCH = 10
SQS_BATCH_BYTES = 240 * 1024
PLAN_AHEAD_SECONDS = 120.0  # plan while the customer's budget is reserved less than this far ahead


class AtsPageLike(Protocol):
    items: list[dict[str, Any]]
    next_cursor: str | None
    total_estimate: int | None


class AtsExport(Protocol):
    def page(self, account_id: str, resource: str, cursor: str | None = None, limit: int = 100) -> AtsPageLike: ...


@dataclass
class Planner:
    store: SyncStore
    ats: AtsExport
    sqs: Any
    s3: Any
    queue_url: str
    bucket: str
    budget_key: Callable[[str], str | None] | None = None  # account id -> the LinkedIn app whose budget paces it
    records_per_minute: float = 9_400.0  # the budget's smooth rate (RateLimits.smooth_rate)

    def plan(self, key: RunKey, entity: str, organization_urn: str, seconds: float) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        run = self.store.get_run(key) or {}
        state = dict(run.get(PLAN_PREFIX + entity) or {"cursor": None, "pages": 0, "records": 0, "done": False})
        if state.get("done"):
            return {"entity": entity, "done": True, "pages": state["pages"], "wait": 0}
        counts = [0, 0]  # enqueued, skipped as already counted
        pending: list[PageMessage] = []

        def flush() -> None:  # enqueue what was read and save the cursor past it
            sent, already = self._enqueue(key, entity, pending, app_key)
            counts[0], counts[1] = counts[0] + sent, counts[1] + already
            pending.clear()
            self.store.update_run(key, **{PLAN_PREFIX + entity: state})

        app_key = self.budget_key(key.account_id) if self.budget_key is not None else None
        wait = 0
        if app_key is not None:
            ahead = self.store.reserved_ahead(app_key, time.time())
            if ahead >= PLAN_AHEAD_SECONDS:  # the sending lags: plan more once about half of that has been sent
                return self._planned(entity, state, 0, 0, _wait_for_room(ahead))
        while time.monotonic() < deadline:
            if app_key is not None:  # each page takes its turn in the planning horizon it shares (module doc)
                claim = self._claim(app_key)
                if not claim.reserved and pending:  # the turns of pages already counted come back on enqueueing
                    flush()
                    claim = self._claim(app_key)
                if not claim.reserved:
                    wait = _wait_for_room(claim.wait)
                    break
            page = self.ats.page(key.account_id, entity, state.get("cursor"), PAGE_SIZE)
            if app_key is not None and len(page.items) < PAGE_SIZE:  # an entity's last page: give back the rest
                self.store.release_planning(app_key, PAGE_SIZE - len(page.items), self.records_per_minute)
            if page.total_estimate is not None:
                state["total_estimate"] = page.total_estimate
            if page.items:
                pending.append(PageMessage(key, entity, int(state["pages"]), organization_urn, page.items))
                state["pages"] = int(state["pages"]) + 1
                state["records"] = int(state["records"]) + len(page.items)
            state["cursor"] = page.next_cursor
            state["done"] = page.next_cursor is None
            if len(pending) >= SQS_BATCH or state["done"]:
                flush()
            if state["done"]:
                break
        if pending:
            flush()
        enqueued, skipped = counts
        return self._planned(entity, state, enqueued, skipped, wait)

    def _claim(self, app_key: str) -> Reservation:
        return self.store.claim_planning(app_key, PAGE_SIZE, self.records_per_minute, time.time(), PLAN_AHEAD_SECONDS)

    @staticmethod
    def _planned(entity: str, state: dict[str, Any], enqueued: int, skipped: int, wait: int) -> dict[str, Any]:
        logger.info(
            "planned pages",
            extra={
                "entity": entity,
                "enqueued": enqueued,
                "skipped_done": skipped,
                "done": state["done"],
                "wait_for_budget": wait,
            },
        )
        done = bool(state["done"])
        return {"entity": entity, "done": done, "pages": state["pages"], "wait": 0 if done else wait}

    def _enqueue(self, key: RunKey, entity: str, pages: list[PageMessage], app_key: str | None) -> tuple[int, int]:
        """Send the pages not counted yet; returns (sent, skipped as already counted). The planning turns of the
        skipped pages are given back: a resumed sync walks past its counted pages without waiting for them."""
        if not pages:
            return 0, 0
        done = self.store.pages_done(key, entity, [p.index for p in pages])
        if done and app_key is not None:
            self.store.release_planning(app_key, len(done) * PAGE_SIZE, self.records_per_minute)
        bodies = [self._body(p) for p in pages if p.index not in done]
        batch: list[dict[str, str]] = []
        size = 0
        for index, body in enumerate(bodies):
            if batch and (len(batch) == SQS_BATCH or size + len(body.encode()) > SQS_BATCH_BYTES):
                self._send(batch)
                batch, size = [], 0
            batch.append({"Id": str(index), "MessageBody": body})
            size += len(body.encode())
        if batch:
            self._send(batch)
        return len(bodies), len(done)

    def _body(self, page: PageMessage) -> str:
        body = page.to_json()
        if len(body.encode()) <= INLINE_LIMIT_BYTES:
            return body
        claim = f"claims/{page.key.pk.replace('#', '/')}/{page.entity}/{page.index:08d}.json"
        self.s3.put_object(
            Bucket=self.bucket,
            Key=claim,
            Body=json.dumps({"records": page.records}, ensure_ascii=False).encode(),
            ContentType="application/json",
        )
        return PageMessage(page.key, page.entity, page.index, page.organization_urn, claim=claim).to_json()

    def _send(self, entries: list[dict[str, str]]) -> None:
        for _ in range(5):
            resp = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = {f["Id"] for f in resp.get("Failed", [])}
            if not failed:
                return
            entries = [e for e in entries if e["Id"] in failed]
            time.sleep(0.2)
        raise RuntimeError(f"SQS refused {len(entries)} page messages")


def _wait_for_room(ahead: float) -> int:
    """Seconds until the planner looks again, when the customer's pages run `ahead` seconds ahead: once about half
    of the horizon has been sent."""
    return int(min(240, max(10, ahead - PLAN_AHEAD_SECONDS / 2)))
