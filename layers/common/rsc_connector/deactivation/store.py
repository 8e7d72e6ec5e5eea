"""DynamoDB items of deactivations (same table as the contracts):

  deactivation   pk=ACCOUNT#{account}            sk=DEACTIVATION#{contract}   status, attempt, execution, outcome
  purge          pk=ACCOUNT#{account}            sk=PURGE#{organization}      the deletion's cursor, counts, lease
  job tasks      pk=PURGE#{account}#{org}        sk=TASKS#{index:08d}         {ats job id: close task URN}

The purge item is written only under its lease (`lease_owner` = the execution holding it): its cursor moves in
the same write that adds a page's counts, so a crash redoes at most one page (whose re-deletes answer 404).
"""

from __future__ import annotations

import time
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from rsc_connector.adapters.dynamodb import TableStore, from_item, to_item

_serializer = TypeSerializer()


class LeaseLost(Exception):
    """Another execution holds the organization's purge now: this one stops writing."""


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in to_item(item).items()}


def _update_expression(fields: dict[str, Any], adds: dict[str, int]) -> tuple[str, dict[str, str], dict[str, Any]]:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets, removes, add_parts = [], [], []
    for i, (name, value) in enumerate(fields.items()):
        names[f"#f{i}"] = name
        if value is None:
            removes.append(f"#f{i}")
        else:
            values[f":f{i}"] = value
            sets.append(f"#f{i} = :f{i}")
    for i, (name, value) in enumerate(adds.items()):
        names[f"#a{i}"] = name
        values[f":a{i}"] = value
        add_parts.append(f"#a{i} :a{i}")
    expression = ""
    if sets:
        expression += "SET " + ", ".join(sets)
    if removes:
        expression += " REMOVE " + ", ".join(removes)
    if add_parts:
        expression += " ADD " + ", ".join(add_parts)
    return expression.strip(), names, to_item(values)


class DeactivationStore(TableStore):
    # -- one contract's deactivation -----------------------------------------------------------------------
    @staticmethod
    def deactivation_key(account_id: str, contract_id: str) -> dict[str, str]:
        return {"pk": f"ACCOUNT#{account_id}", "sk": f"DEACTIVATION#{contract_id}"}

    def get(self, account_id: str, contract_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=self.deactivation_key(account_id, contract_id), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def update(self, account_id: str, contract_id: str, **fields: Any) -> None:
        expression, names, values = _update_expression(fields, {})
        kwargs: dict[str, Any] = {
            "Key": self.deactivation_key(account_id, contract_id),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
        }
        if values:
            kwargs["ExpressionAttributeValues"] = values
        self.table.update_item(**kwargs)

    def list_for_account(self, account_id: str) -> list[dict[str, Any]]:
        resp = self.table.query(
            KeyConditionExpression=Key("pk").eq(f"ACCOUNT#{account_id}") & Key("sk").begins_with("DEACTIVATION#"),
            ConsistentRead=True,
        )
        return [from_item(i) for i in resp.get("Items", [])]

    # -- the organization's purge ---------------------------------------------------------------------------
    @staticmethod
    def purge_key(account_id: str, organization_urn: str) -> dict[str, str]:
        return {"pk": f"ACCOUNT#{account_id}", "sk": f"PURGE#{organization_urn}"}

    def get_purge(self, account_id: str, organization_urn: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=self.purge_key(account_id, organization_urn), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def put_purge(
        self, account_id: str, organization_urn: str, item: dict[str, Any], expected_status: str | None
    ) -> bool:
        """Create (expected_status None: only if absent) or restart (only if it still has that status) a purge."""
        condition = Attr("pk").not_exists() if expected_status is None else Attr("status").eq(expected_status)
        try:
            self.table.put_item(
                Item=to_item({**self.purge_key(account_id, organization_urn), "type": "purge", **item}),
                ConditionExpression=condition,
            )
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def acquire(self, account_id: str, organization_urn: str, owner: str, now: float, seconds: float) -> bool:
        """Take the purge's lease unless another execution holds an unexpired one."""
        try:
            self.table.update_item(
                Key=self.purge_key(account_id, organization_urn),
                UpdateExpression="SET lease_owner = :o, lease_until = :u",
                ConditionExpression=Attr("pk").exists()
                & (Attr("lease_owner").not_exists() | Attr("lease_owner").eq(owner) | Attr("lease_until").lt(int(now))),
                ExpressionAttributeValues={":o": owner, ":u": int(now + seconds)},
            )
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def release(self, account_id: str, organization_urn: str, owner: str) -> None:
        try:
            self.table.update_item(
                Key=self.purge_key(account_id, organization_urn),
                UpdateExpression="REMOVE lease_owner, lease_until",
                ConditionExpression=Attr("lease_owner").eq(owner),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _purge_update(
        self, account_id: str, organization_urn: str, owner: str, fields: dict[str, Any], adds: dict[str, int]
    ) -> dict[str, Any]:
        """One fenced update of the purge item, in the low-level client's shape (for transactions too)."""
        expression, names, values = _update_expression(fields, adds)
        names["#lo"] = "lease_owner"
        values[":owner"] = owner
        key = self.purge_key(account_id, organization_urn)
        return {
            "TableName": self.table_name,
            "Key": {k: {"S": v} for k, v in key.items()},
            "UpdateExpression": expression,
            "ConditionExpression": "#lo = :owner",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {k: _serializer.serialize(v) for k, v in values.items()},
        }

    def advance(
        self,
        account_id: str,
        organization_urn: str,
        owner: str,
        fields: dict[str, Any],
        adds: dict[str, int] | None = None,
        put: dict[str, Any] | None = None,
        delete: dict[str, str] | None = None,
    ) -> None:
        """Move the cursor and add counts in one write (with a job-task item put or deleted in the same
        transaction); raises LeaseLost if this execution no longer holds the lease."""
        update = self._purge_update(account_id, organization_urn, owner, fields, adds or {})
        try:
            if put is None and delete is None:
                self.client.update_item(**update)
                return
            items: list[dict[str, Any]] = [{"Update": update}]
            if put is not None:
                items.append({"Put": {"TableName": self.table_name, "Item": _serialize(put)}})
            if delete is not None:
                items.append(
                    {"Delete": {"TableName": self.table_name, "Key": {k: {"S": v} for k, v in delete.items()}}}
                )
            self.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if code == "ConditionalCheckFailedException" or (reasons and reasons[0] == "ConditionalCheckFailed"):
                raise LeaseLost("another execution holds this organization's purge") from None
            raise

    # -- job close tasks ------------------------------------------------------------------------------------
    @staticmethod
    def tasks_pk(account_id: str, organization_urn: str) -> str:
        return f"PURGE#{account_id}#{organization_urn}"

    def task_item(self, account_id: str, organization_urn: str, index: int, tasks: dict[str, str]) -> dict[str, Any]:
        return {
            "pk": self.tasks_pk(account_id, organization_urn),
            "sk": f"TASKS#{index:08d}",
            "type": "purge_job_tasks",
            "tasks": tasks,
            "submitted_at": time.time(),
            "ttl": int(time.time()) + 30 * 86400,
        }

    def next_task_item(self, account_id: str, organization_urn: str) -> dict[str, Any] | None:
        resp = self.table.query(
            KeyConditionExpression=Key("pk").eq(self.tasks_pk(account_id, organization_urn))
            & Key("sk").begins_with("TASKS#"),
            Limit=1,
            ConsistentRead=True,
        )
        items = resp.get("Items", [])
        return from_item(items[0]) if items else None
