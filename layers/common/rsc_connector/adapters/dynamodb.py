"""The single DynamoDB table (architecture section 5) behind the StateRepository port.

Keys:
  account        pk=ACCOUNT#{accountId}        sk=#ACCOUNT
  contract       pk=ACCOUNT#{accountId}        sk=CONTRACT#{contractId}
  OAuth state    pk=OAUTH_STATE#{sha256(state)} sk=#STATE     (ttl; the state itself is never stored)
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from rsc_connector.adapters import aws
from rsc_connector.domain import Account, Contract, ContractStatus
from rsc_connector.errors import InvalidOAuthState


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
