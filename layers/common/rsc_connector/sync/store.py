"""DynamoDB state of a sync run: the run, its planning cursors, per-page markers (the synced-key ledger),
sharded progress counters, and the per-customer LinkedIn rate budget shared by every worker.

Keys (one table, beside the onboarding items):
  run            pk=ACCOUNT#{account}                 sk=SYNC#{contract}#{syncId}
  page marker    pk=SYNCRUN#{account}#{contract}#{syncId}  sk=PAGE#{entity}#{index:08d}
  counters       pk=SYNCRUN#{account}#{contract}#{syncId}  sk=COUNTER#{entity}#{shard}
  page attempts  pk=SYNCRUN#{account}#{contract}#{syncId}  sk=ATTEMPT#{entity}#{index:08d}  (ttl)
  rate budget    pk=RATE#{child app key}              sk=SYNC  (tat: the send ledger; planned: the planning ledger)

A page is counted exactly once: its marker is created in the same transaction that adds its counts, under the
condition that the marker does not exist yet. Duplicate deliveries and retried pages therefore never double
count, and a worker that dies before the transaction leaves nothing half counted.

A page that LinkedIn refused in part (a sub-resource page makes one call per parent, and some failed) keeps what
was answered in its attempt item: the retry sends only the rest, and the count adds both. The item also says how
many attempts in a row settled nothing, which sets the page's backoff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from rsc_connector.adapters.dynamodb import TableStore, from_item, to_item

COUNTER_SHARDS = 4
PLAN_PREFIX = "plan_"  # one top-level attribute per entity, so parallel planners never overwrite each other
COUNTER_FIELDS = ("pages_done", "sent", "accepted", "rejected", "calls", "superseded")
MAX_SAMPLE_REJECTS = 20


def run_pk(account_id: str, contract_id: str, sync_id: str) -> str:
    return f"SYNCRUN#{account_id}#{contract_id}#{sync_id}"


@dataclass(frozen=True)
class Reservation:
    """A customer's rate-budget reservation: whether a slot was reserved, and how long until it (or until the
    nearest slot, when none was reserved)."""

    reserved: bool
    wait: float


@dataclass(frozen=True)
class RunKey:
    account_id: str
    contract_id: str
    sync_id: str

    @property
    def pk(self) -> str:
        return run_pk(self.account_id, self.contract_id, self.sync_id)

    def as_dict(self) -> dict[str, str]:
        return {"accountId": self.account_id, "contractId": self.contract_id, "syncId": self.sync_id}


@dataclass
class PageResult:
    """What one page contributed: counted once, atomically with its marker."""

    entity: str
    index: int
    sent: int
    accepted: list[str]
    rejected: dict[str, tuple[str, str]]  # ats id -> (reason code, message)
    calls: int
    job_tasks: dict[str, str] = field(default_factory=dict)
    superseded: list[str] = field(default_factory=list)  # deleted in the ATS since the page was read: not sent
    # Sub-resources: child ats id -> its parent's ats id, so a deactivation can delete children before parents.
    parents: dict[str, str] = field(default_factory=dict)


@dataclass
class PageAttempts:
    """What earlier attempts of a page settled at LinkedIn, and how many attempts in a row settled nothing."""

    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, tuple[str, str]] = field(default_factory=dict)
    calls: int = 0
    stalled: int = 0
    stored: bool = False  # the item exists (and is removed once the page is counted)

    @property
    def settled(self) -> set[str]:
        return {*self.accepted, *self.rejected}

    def after_attempt(
        self, accepted: list[str], rejected: dict[str, tuple[str, str]], calls: int, refused: bool
    ) -> PageAttempts:
        """This unfinished attempt's answers added. `stalled` restarts when the attempt settled something, and
        grows when LinkedIn refused it everything (not when the worker merely ran out of time)."""
        progressed = bool(accepted or rejected)
        return PageAttempts(
            accepted=[*self.accepted, *(a for a in accepted if a not in self.settled)],
            rejected={**self.rejected, **rejected},
            calls=self.calls + calls,
            stalled=0 if progressed else self.stalled + int(refused),
            stored=True,
        )


ATTEMPTS_TTL_SECONDS = 14 * 86400


@dataclass
class EntityProgress:
    entity: str
    records_total: int | None = None
    planned_pages: int = 0
    planned_records: int = 0
    planning_done: bool = False
    pages_done: int = 0
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    calls: int = 0
    superseded: int = 0  # records the ATS deleted after the page was read (ongoing changes): not sent
    tasks_pending: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def drained(self) -> bool:
        return self.planning_done and self.pages_done >= self.planned_pages


def _conflict(exc: ClientError) -> bool:
    code = exc.response["Error"]["Code"]
    if code == "TransactionCanceledException":
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        return "TransactionConflict" in reasons or "ThrottlingError" in reasons
    return code in ("TransactionConflictException", "ProvisionedThroughputExceededException", "ThrottlingException")


def _already_counted(exc: ClientError) -> bool:
    if exc.response["Error"]["Code"] != "TransactionCanceledException":
        return False
    reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
    return bool(reasons) and reasons[0] == "ConditionalCheckFailed"


class SyncStore(TableStore):
    # -- the run -----------------------------------------------------------------------------------
    def run_key(self, key: RunKey) -> dict[str, str]:
        return {"pk": f"ACCOUNT#{key.account_id}", "sk": f"SYNC#{key.contract_id}#{key.sync_id}"}

    def get_run(self, key: RunKey) -> dict[str, Any] | None:
        item = self.table.get_item(Key=self.run_key(key), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def put_run(self, key: RunKey, run: dict[str, Any]) -> None:
        self.table.put_item(Item=to_item({**self.run_key(key), "type": "sync_run", **run}))

    def update_run(self, key: RunKey, **fields: Any) -> None:
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = to_item({f":v{i}": value for i, value in enumerate(fields.values())})
        sets = [f"#f{i} = :v{i}" for i in range(len(fields)) if f":v{i}" in values]
        removes = [f"#f{i}" for i in range(len(fields)) if f":v{i}" not in values]
        expression = ("SET " + ", ".join(sets) if sets else "") + (" REMOVE " + ", ".join(removes) if removes else "")
        kwargs: dict[str, Any] = {"Key": self.run_key(key), "UpdateExpression": expression.strip()}
        kwargs["ExpressionAttributeNames"] = names
        if values:
            kwargs["ExpressionAttributeValues"] = values
        self.table.update_item(**kwargs)

    def list_runs(self, account_id: str) -> list[dict[str, Any]]:
        resp = self.table.query(
            KeyConditionExpression=Key("pk").eq(f"ACCOUNT#{account_id}") & Key("sk").begins_with("SYNC#"),
            ConsistentRead=True,
        )
        return [from_item(i) for i in resp.get("Items", [])]

    def scan_runs(self, limit: int = 200) -> list[dict[str, Any]]:
        """Every run (operators' view; a scan, fine for an operator CLI)."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "FilterExpression": "#t = :t",
            "ExpressionAttributeNames": {"#t": "type"},
            "ExpressionAttributeValues": {":t": "sync_run"},
        }
        while len(items) < limit:
            page = self.table.scan(**kwargs)
            items.extend(from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return items[:limit]

    # -- pages -------------------------------------------------------------------------------------
    @staticmethod
    def page_sk(entity: str, index: int) -> str:
        return f"PAGE#{entity}#{index:08d}"

    def pages_done(self, key: RunKey, entity: str, indexes: list[int]) -> set[int]:
        """Which of these pages are already counted (BatchGetItem, 100 at a time)."""
        done: set[int] = set()
        for start in range(0, len(indexes), 100):
            chunk = indexes[start : start + 100]
            request = {
                self.table_name: {
                    "Keys": [{"pk": {"S": key.pk}, "sk": {"S": self.page_sk(entity, i)}} for i in chunk],
                    "ProjectionExpression": "sk",
                }
            }
            while request:
                resp = self.client.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self.table_name, []):
                    done.add(int(item["sk"]["S"].rsplit("#", 1)[1]))
                request = resp.get("UnprocessedKeys") or {}
        return done

    def page_is_done(self, key: RunKey, entity: str, index: int) -> bool:
        resp = self.table.get_item(Key={"pk": key.pk, "sk": self.page_sk(entity, index)}, ProjectionExpression="sk")
        return "Item" in resp

    def record_page(self, key: RunKey, result: PageResult) -> bool:
        """Count a page once: marker + counters in one transaction. False if it was already counted."""
        shard = result.index % COUNTER_SHARDS
        reasons: dict[str, int] = {}
        for reason, _ in result.rejected.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        marker = {
            "pk": key.pk,
            "sk": self.page_sk(result.entity, result.index),
            "type": "sync_page",
            "entity": result.entity,
            "accepted": result.accepted,
            "rejected": [{"id": i, "reason": r, "message": m[:200]} for i, (r, m) in list(result.rejected.items())],
            "finished_at": time.time(),
        }
        if result.job_tasks:
            marker["tasks_pending"] = result.job_tasks
        if result.superseded:
            marker["superseded"] = result.superseded
        if result.parents:
            marker["parents"] = result.parents
        adds = {
            "pages_done": 1,
            "sent": result.sent,
            "accepted": len(result.accepted),
            "rejected": len(result.rejected),
            "calls": result.calls,
            "tasks_pending": len(result.job_tasks),
            **{f"reason_{r}": n for r, n in reasons.items()},
        }
        if result.superseded:
            adds["superseded"] = len(result.superseded)
        update = {
            "Key": {"pk": {"S": key.pk}, "sk": {"S": f"COUNTER#{result.entity}#{shard}"}},
            "TableName": self.table_name,
            "UpdateExpression": "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds))),
            "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(adds)},
            "ExpressionAttributeValues": {f":a{i}": {"N": str(v)} for i, v in enumerate(adds.values())},
        }
        from boto3.dynamodb.types import TypeSerializer

        serializer = TypeSerializer()
        put = {
            "TableName": self.table_name,
            "Item": {k: serializer.serialize(v) for k, v in to_item(marker).items()},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        for attempt in range(8):
            try:
                self.client.transact_write_items(TransactItems=[{"Put": put}, {"Update": update}])
                return True
            except ClientError as exc:
                if _already_counted(exc):
                    return False
                if not _conflict(exc) or attempt == 7:
                    raise
                time.sleep(0.02 * (2**attempt) * (0.5 + random.random()))  # noqa: S311 - jitter
        return False

    def page_attempts(self, key: RunKey, entity: str, index: int) -> PageAttempts:
        item = self.table.get_item(Key={"pk": key.pk, "sk": f"ATTEMPT#{entity}#{index:08d}"}, ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return PageAttempts()
        data = from_item(item)
        return PageAttempts(
            accepted=[str(a) for a in data.get("accepted") or []],
            rejected={str(k): (str(v[0]), str(v[1])) for k, v in (data.get("rejected") or {}).items()},
            calls=int(data.get("calls", 0)),
            stalled=int(data.get("stalled", 0)),
            stored=True,
        )

    def save_page_attempts(self, key: RunKey, entity: str, index: int, attempts: PageAttempts) -> None:
        """Overwrite the page's attempt item. Two deliveries of a page never run at once (idempotency), and a
        lost write only means some records are sent again (full-record upserts)."""
        self.table.put_item(
            Item=to_item(
                {
                    "pk": key.pk,
                    "sk": f"ATTEMPT#{entity}#{index:08d}",
                    "type": "sync_page_attempts",
                    "accepted": attempts.accepted,
                    "rejected": {k: list(v) for k, v in attempts.rejected.items()},
                    "calls": attempts.calls,
                    "stalled": attempts.stalled,
                    "ttl": int(time.time()) + ATTEMPTS_TTL_SECONDS,
                }
            )
        )

    def forget_page_attempts(self, key: RunKey, entity: str, index: int) -> None:
        self.table.delete_item(Key={"pk": key.pk, "sk": f"ATTEMPT#{entity}#{index:08d}"})

    def pending_job_pages(self, key: RunKey) -> list[dict[str, Any]]:
        items = self._query_pages(key, "jobs", projection="sk, tasks_pending")
        return [i for i in items if i.get("tasks_pending")]

    def settle_job_tasks(self, key: RunKey, page_sk: str, settled: dict[str, tuple[bool, str]]) -> bool:
        """Move finished job tasks of one page into its accepted/rejected lists and the counters, once."""
        index = int(page_sk.rsplit("#", 1)[1])
        shard = index % COUNTER_SHARDS
        accepted = [job for job, (ok, _) in settled.items() if ok]
        rejected = {job: msg for job, (ok, msg) in settled.items() if not ok}
        from boto3.dynamodb.types import TypeSerializer

        serializer = TypeSerializer()
        removes = ", ".join(f"tasks_pending.#j{i}" for i in range(len(settled)))
        names = {f"#j{i}": job for i, job in enumerate(settled)}
        conditions = " AND ".join(f"attribute_exists(tasks_pending.#j{i})" for i in range(len(settled)))
        page_update = {
            "TableName": self.table_name,
            "Key": {"pk": {"S": key.pk}, "sk": {"S": page_sk}},
            "UpdateExpression": f"REMOVE {removes} SET accepted = list_append(if_not_exists(accepted, :e), :acc), "
            "rejected = list_append(if_not_exists(rejected, :e), :rej)",
            "ConditionExpression": conditions,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {
                ":e": {"L": []},
                ":acc": serializer.serialize(accepted),
                ":rej": serializer.serialize(
                    [{"id": j, "reason": "linkedin_rejected", "message": m[:200]} for j, m in rejected.items()]
                ),
            },
        }
        counter_update = {
            "TableName": self.table_name,
            "Key": {"pk": {"S": key.pk}, "sk": {"S": f"COUNTER#jobs#{shard}"}},
            "UpdateExpression": "ADD accepted :a, rejected :r, tasks_pending :p, reason_linkedin_rejected :r",
            "ExpressionAttributeValues": {
                ":a": {"N": str(len(accepted))},
                ":r": {"N": str(len(rejected))},
                ":p": {"N": str(-len(settled))},
            },
        }
        try:
            self.client.transact_write_items(TransactItems=[{"Update": page_update}, {"Update": counter_update}])
            return True
        except ClientError as exc:
            if _already_counted(exc):
                return False
            raise

    def _query_pages(self, key: RunKey, entity: str, projection: str | None = None) -> list[dict[str, Any]]:
        return list(self._iter_pages(key, entity, projection))

    def _iter_pages(
        self, key: RunKey, entity: str, projection: str | None = None, first_request: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The entity's page markers in page order, one Query at a time. With `first_request`, the first Query
        reads that many markers and each next one twice as many: a caller that stops early reads little, and
        one that reads everything makes few requests."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(key.pk) & Key("sk").begins_with(f"PAGE#{entity}#"),
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
        limit = first_request
        while True:
            if limit is not None:
                kwargs["Limit"] = limit
                limit *= 2
            page = self.table.query(**kwargs)
            yield from (from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def pages(self, key: RunKey, entity: str) -> list[dict[str, Any]]:
        return self._query_pages(key, entity)

    def rejected_samples(self, key: RunKey, entity: str, limit: int = MAX_SAMPLE_REJECTS) -> list[dict[str, Any]]:
        """The first `limit` rejected records of the entity, for the completion email: reads the page markers only
        until it has them (reading all of them, about a second per 100,000 records in the local stack, held up
        the completion email at the end of make bench)."""
        samples: list[dict[str, Any]] = []
        for page in self._iter_pages(key, entity, projection="rejected", first_request=10):
            samples.extend(page.get("rejected") or [])
            if len(samples) >= limit:
                break
        return samples[:limit]

    # -- counters ------------------------------------------------------------------------------------
    def progress(
        self, key: RunKey, entities: list[str], run: dict[str, Any] | None = None
    ) -> dict[str, EntityProgress]:
        run = run if run is not None else (self.get_run(key) or {})
        planning = {name[len(PLAN_PREFIX) :]: value for name, value in run.items() if name.startswith(PLAN_PREFIX)}
        out = {e: EntityProgress(entity=e) for e in entities}
        for entity, state in planning.items():
            if entity in out:
                out[entity].planned_pages = int(state.get("pages", 0))
                out[entity].planned_records = int(state.get("records", 0))
                out[entity].planning_done = bool(state.get("done"))
                total = state.get("total_estimate")
                out[entity].records_total = int(total) if total is not None else None
        resp = self.table.query(
            KeyConditionExpression=Key("pk").eq(key.pk) & Key("sk").begins_with("COUNTER#"), ConsistentRead=True
        )
        for raw in resp.get("Items", []):
            item = from_item(raw)
            entity = str(item["sk"]).split("#")[1]
            if entity not in out:
                continue
            progress = out[entity]
            for name in (*COUNTER_FIELDS, "tasks_pending"):
                setattr(progress, name, getattr(progress, name) + int(item.get(name, 0)))
            for name, value in item.items():
                if name.startswith("reason_"):
                    reason = name[len("reason_") :]
                    progress.reasons[reason] = progress.reasons.get(reason, 0) + int(value)
        return out

    # -- the per-customer LinkedIn rate budget ----------------------------------------------------------
    def reserved_ahead(self, app_key: str, now: float) -> float:
        """How far ahead of `now` the customer's budget is reserved (0 when it is free)."""
        item = self.table.get_item(Key={"pk": f"RATE#{app_key}", "sk": "SYNC"}, ConsistentRead=True).get("Item")
        return max(0.0, float(item["tat"]) - now) if item and "tat" in item else 0.0

    def reserve_records(
        self,
        app_key: str,
        records: int,
        per_minute: int,
        burst: int,
        now: float,
        max_wait: float,
        ahead: float | None = None,
    ) -> Reservation:
        """GCRA over records: reserve a slot for `records`; the reservation says how long to wait for it.

        The records' turn starts where the previous reservation's ends (or now, when the budget is idle): a page
        goes at the start of its turn, less the burst tolerance, and moves the turn on by its records. So after
        an idle spell the first page goes at once, and any 60 s holds at most the records released in it, the
        burst, and the one page whose turn runs past the window (RateLimits leaves room for that page).

        A slot at most `max_wait` away is reserved; with `ahead`, so is one up to `ahead` seconds away (the
        caller comes back for it later). A slot further away is not reserved: ``reserved`` is False and ``wait``
        says how far it is. All workers of a customer share this one item, so the customer's rate holds across
        the fleet: over any 60 s, at most per_minute - burst records are released plus at most `burst` in one go.
        """
        interval = 60.0 / per_minute  # seconds per record
        tolerance = burst * interval
        limit = max(max_wait, ahead or 0.0)
        cost = records * interval
        start, ledger = self._take_turn(app_key, "tat", cost, now, now + limit + tolerance)
        if start is not None:
            return Reservation(True, max(0.0, start - tolerance - now))
        if ledger is not None:  # reserved too far ahead: the nearest slot is at the ledger's end
            return Reservation(False, ledger - tolerance - now)
        return Reservation(False, 0.0)  # too many workers at once: try again shortly

    def claim_planning(self, app_key: str, records: int, per_minute: float, now: float, horizon: float) -> Reservation:
        """Room in the customer's planning horizon for a page of `records`: pages planned at the budget's rate
        may run at most `horizon` seconds ahead of now. The planners of a phase's entities run side by side and
        all claim from this one ledger (attribute `planned` of the rate item), so together they enqueue one
        horizon of pages, not one each. Refused: ``wait`` says how far ahead the customer's pages are planned."""
        cost = records * 60.0 / per_minute
        start, ledger = self._take_turn(app_key, "planned", cost, now, now + horizon)
        if start is not None:
            return Reservation(True, 0.0)
        return Reservation(False, (ledger if ledger is not None else now) - now)

    def release_planning(self, app_key: str, records: int, per_minute: float) -> None:
        """Give back planning turns (or parts of them) claimed for records that are not enqueued: pages already
        counted, which a resumed sync walks past, and the empty rest of an entity's last page."""
        try:
            self.table.update_item(
                Key={"pk": f"RATE#{app_key}", "sk": "SYNC"},
                UpdateExpression="SET planned = planned - :cost",
                ConditionExpression="attribute_exists(planned)",
                ExpressionAttributeValues=to_item({":cost": records * 60.0 / per_minute}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _take_turn(
        self, app_key: str, name: str, cost: float, now: float, latest: float
    ) -> tuple[float | None, float | None]:
        """One step of a GCRA ledger: attribute `name` of the customer's rate item holds where the next turn
        starts (epoch seconds). A turn starts at max(ledger, now) and moves the ledger on by `cost`, unless it
        would start after `latest`. Returns (the turn's start, or None when refused; the ledger when refused,
        None when other writers kept winning).

        One conditional update, no read: the busy ledger moves on by `cost` unless its turn is too far
        (ledger > latest) or the ledger went idle (ledger < now). All of a customer's pages reserving at once
        then cost one write each, instead of read-then-write races that retried (found by make bench: with a
        batch's pages side by side, a hundred of them raced for one item)."""
        item_key = {"pk": f"RATE#{app_key}", "sk": "SYNC"}
        names = {"#ledger": name}
        for _ in range(4):
            try:
                reply = self.table.update_item(
                    Key=item_key,
                    UpdateExpression="SET #ledger = #ledger + :cost",
                    ConditionExpression="#ledger >= :now AND #ledger <= :latest",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=to_item({":cost": cost, ":now": now, ":latest": latest}),
                    ReturnValues="UPDATED_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return float(reply["Attributes"][name]) - cost, None
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                old: dict[str, Any] = dict(exc.response.get("Item") or {})  # type: ignore[call-overload]
                ledger = float(old[name]["N"]) if name in old else None
            if ledger is not None and ledger >= now:  # its turn is further than `latest`
                return None, ledger
            try:  # idle (or never used): the turn starts now
                self.table.update_item(
                    Key=item_key,
                    UpdateExpression="SET #ledger = :ledger",
                    ConditionExpression="attribute_not_exists(#ledger) OR #ledger < :now",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=to_item({":ledger": now + cost, ":now": now}),
                )
                return now, None
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                # another writer moved it first: the ledger is busy now, try that way again
        return None, None
