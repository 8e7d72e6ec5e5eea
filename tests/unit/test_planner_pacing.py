"""The planner keeps pace with the customer's budget: it enqueues what fits in the customer's planning horizon
(PLAN_AHEAD_SECONDS at the budget's rate, shared by the entities planned side by side) and then asks the state
machine to wait, instead of filling the queue with the whole history."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.sync import planner as planner_module
from rsc_connector.sync.planner import PLAN_AHEAD_SECONDS, Planner
from rsc_connector.sync.store import Reservation, RunKey

KEY = RunKey("acct-1", "7001", "initial-1")
FIT = -(-int(PLAN_AHEAD_SECONDS * 185 / 60) // 100)  # pages of 100 records in the horizon at 185 records/min


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    total_estimate: int | None = None


@dataclass
class Ats:
    pages: int
    last_page: int = 100  # records on the last page

    def page(self, account_id: str, resource: str, cursor: str | None = None, limit: int = 100) -> Page:
        index = int(cursor or 0)
        nxt = str(index + 1) if index + 1 < self.pages else None
        return Page([{"id": f"{index}-{i}"} for i in range(limit if nxt else self.last_page)], nxt)


@dataclass
class Store:
    ahead: float = 0.0
    run: dict[str, Any] = field(default_factory=dict)
    planned: float = 0.0  # the planning ledger (SyncStore.claim_planning), frozen clock: 0 is now
    done: set[int] = field(default_factory=set)  # pages already counted (a resumed sync)

    def reserved_ahead(self, app_key: str, now: float) -> float:
        return self.ahead

    def claim_planning(self, app_key: str, records: int, per_minute: float, now: float, horizon: float) -> Reservation:
        start = max(self.planned, 0.0)
        if start > horizon:
            return Reservation(False, start)
        self.planned = start + records * 60 / per_minute
        return Reservation(True, 0.0)

    def release_planning(self, app_key: str, records: int, per_minute: float) -> None:
        self.planned -= records * 60 / per_minute

    def get_run(self, key: RunKey) -> dict[str, Any]:
        return self.run

    def update_run(self, key: RunKey, **fields: Any) -> None:
        self.run.update(fields)

    def pages_done(self, key: RunKey, entity: str, indexes: list[int]) -> set[int]:
        return self.done & set(indexes)


@dataclass
class Sqs:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.sent.extend(json.loads(e["MessageBody"]) for e in Entries)
        return {"Successful": Entries}


def planner(store: Store, sqs: Sqs, paced: bool = True, ats: Ats | None = None) -> Planner:
    return Planner(
        store,  # type: ignore[arg-type]
        ats or Ats(pages=50),
        sqs,
        None,
        "q",
        "b",
        budget_key=(lambda account: "app-1") if paced else None,
        records_per_minute=185,
    )


def test_a_free_budget_gets_the_pages_that_fit_below_the_plan_ahead_window_then_a_wait() -> None:
    store, sqs = Store(), Sqs()
    result = planner(store, sqs).plan(KEY, "candidates", "urn:li:organization:1", 60)
    assert len(sqs.sent) == FIT and FIT < 50
    assert result["done"] is False and result["wait"] == int(FIT * 100 * 60 / 185 - PLAN_AHEAD_SECONDS / 2)
    # the next call, once the horizon has room again, carries on from the saved cursor
    store.planned = 0.0
    planner(store, sqs).plan(KEY, "candidates", "urn:li:organization:1", 60)
    assert len(sqs.sent) == 2 * FIT
    assert [m["index"] for m in sqs.sent] == list(range(len(sqs.sent)))


def test_entities_planned_side_by_side_share_one_horizon() -> None:
    """The last phase plans four entities at once: together they enqueue one horizon of pages, not four."""
    store, sqs = Store(), Sqs()
    results = [
        planner(store, sqs).plan(KEY, entity, "urn:li:organization:1", 60)
        for entity in ("candidate-notes", "application-notes", "stages", "interview-feedback")
    ]
    assert len(sqs.sent) == FIT
    assert all(r["done"] is False and r["wait"] >= 10 for r in results)


def test_reservations_beyond_the_window_plan_nothing_and_wait_for_them() -> None:
    store, sqs = Store(ahead=PLAN_AHEAD_SECONDS + 100), Sqs()
    result = planner(store, sqs).plan(KEY, "candidates", "urn:li:organization:1", 60)
    assert sqs.sent == [] and result["done"] is False
    assert result["wait"] == int(PLAN_AHEAD_SECONDS + 100 - PLAN_AHEAD_SECONDS / 2)


def test_without_a_budget_to_follow_it_plans_to_the_end() -> None:
    store, sqs = Store(), Sqs()
    result = planner(store, sqs, paced=False).plan(KEY, "candidates", "urn:li:organization:1", 60)
    assert result == {"entity": "candidates", "done": True, "pages": 50, "wait": 0}
    assert len(sqs.sent) == 50
    assert planner_module.PAGE_SIZE == 100


def test_a_resumed_sync_walks_past_its_counted_pages_without_waiting_for_them() -> None:
    """Pages counted before the resume are not enqueued, and the planning turns they took are given back."""
    store, sqs = Store(done=set(range(40))), Sqs()
    result = planner(store, sqs).plan(KEY, "candidates", "urn:li:organization:1", 60)
    assert [m["index"] for m in sqs.sent] == list(range(40, 40 + FIT))
    assert result["done"] is False and result["pages"] == 40 + FIT  # no page is read before it has its turn


def test_a_short_last_page_takes_only_its_records_turn() -> None:
    """An entity's last page is rarely full: the turn it claimed for 100 records is cut to its own, or the horizon
    would stay taken by records that never exist (at 185/min, 60 s of idle budget in make load's last phase)."""
    store, sqs = Store(), Sqs()
    result = planner(store, sqs, ats=Ats(pages=2, last_page=25)).plan(
        KEY, "candidate-notes", "urn:li:organization:1", 60
    )
    assert result["done"] is True and len(sqs.sent) == 2
    assert abs(store.planned - 125 * 60 / 185) < 1e-9
