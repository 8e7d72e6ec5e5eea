"""The planner keeps pace with the customer's budget: it enqueues what fits below PLAN_AHEAD_SECONDS of
reservations and then asks the state machine to wait, instead of filling the queue with the whole history."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.sync import planner as planner_module
from rsc_connector.sync.planner import PLAN_AHEAD_SECONDS, Planner
from rsc_connector.sync.store import RunKey

KEY = RunKey("acct-1", "7001", "initial-1")


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    total_estimate: int | None = None


@dataclass
class Ats:
    pages: int

    def page(self, account_id: str, resource: str, cursor: str | None = None, limit: int = 100) -> Page:
        index = int(cursor or 0)
        nxt = str(index + 1) if index + 1 < self.pages else None
        return Page([{"id": f"{index}-{i}"} for i in range(limit)], nxt)


@dataclass
class Store:
    ahead: float = 0.0
    run: dict[str, Any] = field(default_factory=dict)

    def reserved_ahead(self, app_key: str, now: float) -> float:
        return self.ahead

    def get_run(self, key: RunKey) -> dict[str, Any]:
        return self.run

    def update_run(self, key: RunKey, **fields: Any) -> None:
        self.run.update(fields)

    def pages_done(self, key: RunKey, entity: str, indexes: list[int]) -> set[int]:
        return set()


@dataclass
class Sqs:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.sent.extend(json.loads(e["MessageBody"]) for e in Entries)
        return {"Successful": Entries}


def planner(store: Store, sqs: Sqs, paced: bool = True) -> Planner:
    return Planner(
        store,  # type: ignore[arg-type]
        Ats(pages=50),
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
    fit = -(-int(PLAN_AHEAD_SECONDS * 185 / 60) // 100)  # pages of 100 records at 185 records/min
    assert len(sqs.sent) == fit and fit < 50
    assert result["done"] is False and result["wait"] == PLAN_AHEAD_SECONDS / 2
    # the next call carries on from the saved cursor
    store.ahead = 10.0
    planner(store, sqs).plan(KEY, "candidates", "urn:li:organization:1", 60)
    assert [m["index"] for m in sqs.sent] == list(range(len(sqs.sent)))


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
