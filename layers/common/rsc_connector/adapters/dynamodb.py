"""The single DynamoDB table (architecture section 5) behind the StateRepository port.

Keys:
  account        pk=ACCOUNT#{accountId}        sk=#ACCOUNT
  contract       pk=ACCOUNT#{accountId}        sk=CONTRACT#{contractId}
  OAuth state    pk=OAUTH_STATE#{sha256(state)} sk=#STATE     (ttl; the state itself is never stored)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from rsc_connector.adapters import aws
from rsc_connector.domain import Account, Contract, ContractStatus
from rsc_connector.errors import InvalidOAuthState

POLL_INDEX_PK = "POLL"
T = TypeVar("T")
BATCH_GET_KEYS = 100  # BatchGetItem's limit per request
TRANSACTION_ITEMS = 100  # TransactWriteItems' limit per request


class StaleWrite(Exception):
    """A conditional write lost: the item moved on (another writer, or a stale view)."""


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-able dict -> DynamoDB item (floats as Decimal, None values dropped)."""
    cleaned = {k: v for k, v in data.items() if v is not None}
    return json.loads(json.dumps(cleaned), parse_float=Decimal)  # type: ignore[no-any-return,unused-ignore]


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return {k: plain(v) for k, v in item.items()}


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _cancellation_codes(exc: ClientError, size: int) -> list[str] | None:
    """Per item of a cancelled transaction, why (``None`` for an item that was fine); None if not a cancellation."""
    if exc.response["Error"]["Code"] != "TransactionCanceledException":
        return None
    reasons = exc.response.get("CancellationReasons") or []
    codes = [str((reason or {}).get("Code") or "None") for reason in reasons]
    return codes if len(codes) == size else ["Unknown"] * size


class TableStore:
    """The single table, through the resource API (``table``) and the low-level client (``client``, for
    transactions); both built lazily so a handler pays for them on first use. Tests pass their own."""

    def __init__(self, table_name: str, table: Any | None = None, client: Any | None = None) -> None:
        self.table_name = table_name
        self._table = table
        self._client = client

    @property
    def table(self) -> Any:
        return self._table or aws.dynamodb_table(self.table_name)

    @property
    def client(self) -> Any:
        return self._client or aws.client("dynamodb")


class DynamoStateRepository:
    def __init__(self, table_name: str, table: Any | None = None) -> None:
        self.table_name = table_name
        self._table = table

    @property
    def table(self) -> Any:
        return self._table or aws.dynamodb_table(self.table_name)

    # -- accounts --------------------------------------------------------------------------------
    def get_account(self, account_id: str) -> Account | None:
        item = self.table.get_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": "#ACCOUNT"}, ConsistentRead=True)
        if "Item" not in item:
            return None
        return Account.model_validate(from_item(item["Item"]))

    def get_accounts(self, account_ids: Iterable[str]) -> dict[str, Account]:
        """Several accounts by id, strongly consistent, 100 per BatchGetItem (unknown ids are left out).

        The batch operations go through the table resource's client (``table.meta.client``), which takes and returns
        plain values, as the resource API does."""
        wanted = list(dict.fromkeys(account_ids))
        found: dict[str, Account] = {}
        client = self.table.meta.client
        for start in range(0, len(wanted), BATCH_GET_KEYS):
            keys = [
                {"pk": f"ACCOUNT#{account_id}", "sk": "#ACCOUNT"}
                for account_id in wanted[start : start + BATCH_GET_KEYS]
            ]
            request: dict[str, Any] = {self.table.name: {"Keys": keys, "ConsistentRead": True}}
            for attempt in range(6):
                page = client.batch_get_item(RequestItems=request)
                for item in page.get("Responses", {}).get(self.table.name, []):
                    account = Account.model_validate(from_item(item))
                    found[account.account_id] = account
                request = page.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(1.0, 0.05 * 2**attempt))  # throttled keys come back unprocessed: back off, ask again
            for key in (request.get(self.table.name) or {}).get("Keys", []):  # still unprocessed: one by one
                account_id = str(key["pk"]).removeprefix("ACCOUNT#")
                single = self.get_account(account_id)
                if single is not None:
                    found[account_id] = single
        return found

    def save_account(self, account: Account) -> None:
        item = {"pk": f"ACCOUNT#{account.account_id}", "sk": "#ACCOUNT", "type": "account"}
        item.update(account.model_dump(mode="json"))
        self.table.put_item(Item=to_item(item))

    # -- OAuth states ----------------------------------------------------------------------------
    def put_oauth_state(self, state_hash: str, account_id: str, user_id: str, expires_at: float) -> None:
        self.table.put_item(
            Item=to_item(
                {
                    "pk": f"OAUTH_STATE#{state_hash}",
                    "sk": "#STATE",
                    "type": "oauth_state",
                    "account_id": account_id,
                    "user_id": user_id,
                    "expires_at": expires_at,
                    "ttl": int(expires_at) + 3600,  # DynamoDB TTL sweeps lazily; expires_at is what we enforce
                }
            ),
            ConditionExpression=Attr("pk").not_exists(),
        )

    def consume_oauth_state(
        self, state_hash: str, now: float, account_id: str | None = None, user_id: str | None = None
    ) -> dict[str, Any]:
        condition = Attr("pk").exists() & Attr("expires_at").gt(Decimal(str(now)))
        if account_id is not None:
            condition = condition & Attr("account_id").eq(account_id)
        if user_id is not None:
            condition = condition & Attr("user_id").eq(user_id)
        try:
            old = self.table.delete_item(
                Key={"pk": f"OAUTH_STATE#{state_hash}", "sk": "#STATE"},
                ConditionExpression=condition,
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                raise InvalidOAuthState(self._why_state_refused(state_hash, now, account_id, user_id)) from None
            raise
        return from_item(old["Attributes"])

    def _why_state_refused(self, state_hash: str, now: float, account_id: str | None, user_id: str | None) -> str:
        item = self.table.get_item(Key={"pk": f"OAUTH_STATE#{state_hash}", "sk": "#STATE"}, ConsistentRead=True)
        stored = from_item(item.get("Item") or {})
        if not stored:
            return "This LinkedIn sign-in link is not valid or was already used. Start again from ACTIVATE."
        if stored.get("expires_at", 0) <= now:
            return "This LinkedIn sign-in link has expired (10 minutes). Start again from ACTIVATE."
        if account_id is not None and stored.get("account_id") != account_id:
            return "This LinkedIn sign-in link belongs to another account."
        return "This LinkedIn sign-in link was started by another user. Start again from ACTIVATE."

    # -- contracts -------------------------------------------------------------------------------
    def _contract_item(self, contract: Contract) -> dict[str, Any]:
        item = {
            "pk": f"ACCOUNT#{contract.account_id}",
            "sk": f"CONTRACT#{contract.contract_id}",
            "type": "contract",
        }
        item.update(contract.model_dump(mode="json"))
        if contract.next_poll_at is not None:
            # Sparse index of contracts the enablement poll must look at, ordered by when they are due.
            item["gsi1pk"] = POLL_INDEX_PK
            item["gsi1sk"] = f"{contract.next_poll_at:017.3f}#{contract.account_id}#{contract.contract_id}"
        return to_item(item)

    def get_contract(self, account_id: str, contract_id: str) -> Contract | None:
        item = self.table.get_item(
            Key={"pk": f"ACCOUNT#{account_id}", "sk": f"CONTRACT#{contract_id}"}, ConsistentRead=True
        )
        return Contract.model_validate(from_item(item["Item"])) if "Item" in item else None

    def list_contracts(self, account_id: str) -> list[Contract]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(f"ACCOUNT#{account_id}") & Key("sk").begins_with("CONTRACT#"),
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [Contract.model_validate(from_item(i)) for i in items]

    def create_contract_if_absent(self, contract: Contract) -> Contract:
        try:
            self.table.put_item(Item=self._contract_item(contract), ConditionExpression=Attr("pk").not_exists())
            return contract
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
        existing = self.get_contract(contract.account_id, contract.contract_id)
        assert existing is not None
        return existing

    def update_contract(
        self, contract: Contract, *, allowed_from: frozenset[ContractStatus], expected_version: int
    ) -> Contract:
        new = contract.model_copy(update={"version": expected_version + 1})
        condition = Attr("version").eq(expected_version) & Attr("status").is_in([s.value for s in allowed_from])
        try:
            self.table.put_item(Item=self._contract_item(new), ConditionExpression=condition)
        except ClientError as exc:
            if _conditional_failed(exc):
                raise StaleWrite(f"contract {contract.contract_id} changed concurrently") from None
            raise
        return new

    def update_contracts(
        self, writes: Sequence[tuple[Contract, frozenset[ContractStatus], int]]
    ) -> list[Contract | None]:
        """Several ``update_contract`` writes (contract, allowed_from, expected_version), each with its own
        condition, grouped into transactions of up to 100 (each contract at most once). Per write, the saved
        contract, or None where ``update_contract`` would have raised StaleWrite (nothing was written for it)."""
        news = [contract.model_copy(update={"version": version + 1}) for contract, _, version in writes]

        def put(i: int) -> dict[str, Any]:  # as update_contract writes it
            allowed_from, expected_version = writes[i][1], writes[i][2]
            return {
                "Put": {
                    "TableName": self.table.name,
                    "Item": self._contract_item(news[i]),
                    "ConditionExpression": "#version = :version AND #status IN ("
                    + ", ".join(f":s{n}" for n in range(len(allowed_from)))
                    + ")",
                    "ExpressionAttributeNames": {"#version": "version", "#status": "status"},
                    "ExpressionAttributeValues": {
                        ":version": expected_version,
                        **{f":s{n}": status.value for n, status in enumerate(sorted(allowed_from))},
                    },
                }
            }

        results: list[Contract | None] = [None] * len(writes)
        for start in range(0, len(writes), TRANSACTION_ITEMS):
            written, cancelled = self._transact(list(range(start, min(start + TRANSACTION_ITEMS, len(writes)))), put)
            for i in written:
                results[i] = news[i]
            for i in cancelled:  # still cancelled (e.g. conflicts with other transactions): one by one
                contract, allowed_from, expected_version = writes[i]
                try:
                    results[i] = self.update_contract(
                        contract, allowed_from=allowed_from, expected_version=expected_version
                    )
                except StaleWrite:
                    results[i] = None
        return results

    def _transact(self, entries: list[T], item: Callable[[T], dict[str, Any]]) -> tuple[list[T], list[T]]:
        """One transaction of the entries' items, tried up to 3 times. An entry whose condition failed is dropped
        (a stale write, an exhausted budget: nothing is written for it); the others, cancelled with it, are tried
        again. Returns (written, still cancelled after the tries)."""
        pending = entries
        for _ in range(3):
            if not pending:
                break
            try:
                self.table.meta.client.transact_write_items(TransactItems=[item(entry) for entry in pending])
            except ClientError as exc:
                codes = _cancellation_codes(exc, len(pending))
                if codes is None:
                    raise
                pending = [e for e, code in zip(pending, codes, strict=True) if code != "ConditionalCheckFailed"]
                continue
            return pending, []
        return [], pending

    def contracts_due_for_poll(self, now: float, limit: int) -> list[Contract]:
        """Contracts whose next poll time has come, most overdue first (gsi1, eventually consistent)."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(POLL_INDEX_PK) & Key("gsi1sk").lte(f"{now:017.3f}#~"),
            "Limit": min(limit, 1000),
        }
        while len(items) < limit:
            page = self.table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [Contract.model_validate(from_item(i)) for i in items[:limit]]

    # -- the organization's history (synced once per organization) --------------------------------
    def claim_history(
        self, account_id: str, organization_urn: str, contract_id: str, sync_id: str, replace: tuple[str, str] | None
    ) -> tuple[str, str]:
        """Make (contract, sync) the owner of the organization's initial sync unless one is recorded; return the
        owner. ``replace``: take over from this recorded owner (it is gone), conditionally."""
        key = {"pk": f"ACCOUNT#{account_id}", "sk": f"HISTORY#{organization_urn}"}
        item = {**key, "type": "org_history", "contract_id": contract_id, "sync_id": sync_id}
        condition = (
            Attr("pk").not_exists()
            if replace is None
            else Attr("contract_id").eq(replace[0]) & Attr("sync_id").eq(replace[1])
        )
        try:
            self.table.put_item(Item=to_item(item), ConditionExpression=condition)
            return contract_id, sync_id
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
        current = self.table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
        return str(current.get("contract_id", contract_id)), str(current.get("sync_id", sync_id))

    def release_history(self, account_id: str, organization_urn: str) -> None:
        """Forget the organization's history owner (its data was deleted from LinkedIn: deactivation)."""
        self.table.delete_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"HISTORY#{organization_urn}"})

    # -- LinkedIn call budgets -------------------------------------------------------------------
    def consume_daily_calls(self, app_key: str, resource: str, day: str, calls: int, limit: int) -> bool:
        """Atomically count `calls` against an app's daily budget; False (and nothing counted) if over."""
        if calls > limit:
            return False
        try:
            self.table.update_item(
                Key={"pk": f"BUDGET#{app_key}#{resource}", "sk": day},
                UpdateExpression="ADD calls :n SET #ttl = if_not_exists(#ttl, :ttl)",
                ConditionExpression=Attr("calls").not_exists() | Attr("calls").lte(limit - calls),
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={":n": calls, ":ttl": _day_ttl(day)},
            )
            return True
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise

    def consume_daily_calls_many(self, calls: Mapping[str, int], resource: str, day: str, limit: int) -> set[str]:
        """``consume_daily_calls`` for several applications ({app_key: calls}) in transactions of up to 100:
        returns the app keys whose calls were counted; nothing is counted for the others (over their budget)."""

        def spend(entry: tuple[str, int]) -> dict[str, Any]:
            app_key, n = entry
            return {
                "Update": {
                    "TableName": self.table.name,
                    "Key": {"pk": f"BUDGET#{app_key}#{resource}", "sk": day},
                    "UpdateExpression": "ADD #calls :n SET #ttl = if_not_exists(#ttl, :ttl)",
                    "ConditionExpression": "attribute_not_exists(#calls) OR #calls <= :most",
                    "ExpressionAttributeNames": {"#calls": "calls", "#ttl": "ttl"},
                    "ExpressionAttributeValues": {":n": n, ":most": limit - n, ":ttl": _day_ttl(day)},
                }
            }

        granted: set[str] = set()
        pending = [(app_key, n) for app_key, n in calls.items() if n <= limit]
        for start in range(0, len(pending), TRANSACTION_ITEMS):
            written, cancelled = self._transact(pending[start : start + TRANSACTION_ITEMS], spend)
            granted.update(app_key for app_key, _ in written)
            granted.update(  # still cancelled (e.g. conflicts with other transactions): one by one
                app_key for app_key, n in cancelled if self.consume_daily_calls(app_key, resource, day, n, limit)
            )
        return granted

    def daily_calls(self, app_key: str, resource: str, day: str) -> int:
        item = self.table.get_item(Key={"pk": f"BUDGET#{app_key}#{resource}", "sk": day}).get("Item") or {}
        return int(item.get("calls", 0))

    # -- push notifications ----------------------------------------------------------------------
    def notification_seen(self, account_id: str, notification_id: str) -> bool:
        key = {"pk": f"PUSH#{account_id}", "sk": notification_id}
        return "Item" in self.table.get_item(Key=key, ConsistentRead=True)

    def record_notification(self, account_id: str, notification_id: str, event_type: str, now: float) -> bool:
        """Remember a processed push for 7 days; False if it was already recorded."""
        try:
            self.table.put_item(
                Item=to_item(
                    {
                        "pk": f"PUSH#{account_id}",
                        "sk": notification_id,
                        "type": "push",
                        "event_type": event_type,
                        "received_at": now,
                        "ttl": int(now) + 7 * 86400,
                    }
                ),
                ConditionExpression=Attr("pk").not_exists(),
            )
            return True
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise


def _day_ttl(day: str) -> int:
    from datetime import UTC, datetime

    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()) + 3 * 86400
