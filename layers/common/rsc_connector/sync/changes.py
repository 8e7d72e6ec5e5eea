"""Ongoing changes (issue 6): the ATS reports created, updated and deleted records; we keep each record's latest
version and apply it at LinkedIn through the initial sync's queue, workers and rate budget.

This module is the intake side and the state both sides share (the worker side is sync/change_worker.py).
Keys, in the state table (org = the organization URN's numeric id):

  latest state    pk=CHANGE#{account}#{org}#{resource}   sk={ATS id}
                  version, action (upsert|delete), record (compact JSON), parent_id, received_at,
                  applied_version, applied_at, result
  known children  pk=CHANGEKIDS#{account}#{org}#{parent resource}   sk={parent id}
                  children: string set of "{resource}#{id}" (what a parent's delete removes first)
  on a sync run   changes_at (first change seen while it could still send pages), changed_{entity} (string sets
                  of ids that have a change), changes_check_all (too many ids to list: look every page up)

Order per record: the latest state is written only if its version is newer than the stored one (a conditional
UpdateItem), so an older version never replaces a newer one, whatever order the ATS's calls arrive in. The
queue carries only references; a worker reads the latest state when it applies it (see change_worker.py for
why concurrent workers converge to the newest version).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from rsc_connector.adapters import aws
from rsc_connector.auth.claims import Caller
from rsc_connector.domain import ORG_URN, Contract, ContractStatus
from rsc_connector.errors import Conflict
from rsc_connector.ports import StateRepository
from rsc_connector.sync.messages import ChangeMessage, ChangeRef
from rsc_connector.sync.store import RunKey

RESOURCES = (
    "jobs",
    "candidates",
    "applications",
    "candidate-notes",
    "application-notes",
    "stages",
    "interview-feedback",
)
# Sub-resource -> (its parent's resource, the field of the export record naming the parent).
PARENTS = {
    "candidate-notes": ("candidates", "candidate_id"),
    "application-notes": ("applications", "application_id"),
    "stages": ("applications", "application_id"),
    "interview-feedback": ("applications", "application_id"),
}
# Written only over an older version, or again over the same version while it is not applied (a retried call).
NEWER = "attribute_not_exists(sk) OR version < :v OR (version = :v AND applied_version < :v)"
MAX_CHANGES_PER_CALL = 100  # one call = at most one SQS message per organization
MAX_IDS_ON_RUN = 500  # per entity; above it the run says "look every page up" (changes_check_all)
ACTIVE = frozenset({ContractStatus.ENABLED, ContractStatus.SYNCING, ContractStatus.SYNCED, ContractStatus.SYNC_FAILED})
WRITERS = 8


def org_id(organization_urn: str) -> str:
    match = ORG_URN.match(organization_urn)
    return match.group(1) if match else organization_urn


def parent_of(resource: str, record: dict[str, Any] | None, parent_id: str | None) -> str | None:
    """The parent id of a sub-resource change: parentId, else the record's candidate_id / application_id."""
    if resource not in PARENTS:
        return None
    if parent_id:
        return parent_id
    value = (record or {}).get(PARENTS[resource][1])
    return str(value) if value not in (None, "") else None


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class ChangeStore:
    """The latest state of each changed record, per account and organization (DynamoDB, low-level client)."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or aws.client("dynamodb")

    @staticmethod
    def pk(account_id: str, organization_urn: str, resource: str) -> str:
        return f"CHANGE#{account_id}#{org_id(organization_urn)}#{resource}"

    # -- intake ------------------------------------------------------------------------------------
    def record(self, account_id: str, organization_urn: str, change: dict[str, Any], now: float) -> bool:
        """Store one change as the record's latest state unless a newer version is stored. False: stale.

        An equal version is written again (and so queued again) only while it is not applied yet: the ATS
        retrying a call whose reply it lost must not leave that change unqueued.
        """
        values: dict[str, Any] = {
            ":v": {"N": str(int(change["version"]))},
            ":a": {"S": change["action"]},
            ":now": {"N": repr(now)},
            ":zero": {"N": "0"},
        }
        sets = ["version = :v", "#action = :a", "received_at = :now"]
        sets.append("applied_version = if_not_exists(applied_version, :zero)")
        removes = ["#result"]
        if change.get("record") is not None:
            values[":r"] = {"S": json.dumps(change["record"], separators=(",", ":"), ensure_ascii=False)}
            sets.append("#record = :r")
        else:
            removes.append("#record")
        if change.get("parent_id"):
            values[":p"] = {"S": str(change["parent_id"])}
            sets.append("parent_id = :p")
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": self.pk(account_id, organization_urn, change["resource"])}, "sk": {"S": change["id"]}},
                UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
                ConditionExpression=NEWER,
                ExpressionAttributeNames={"#action": "action", "#record": "record", "#result": "result"},
                ExpressionAttributeValues=values,
            )
            return True
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise

    def add_children(self, account_id: str, organization_urn: str, parent: str, parent_id: str, refs: set[str]) -> None:
        self.client.update_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"CHANGEKIDS#{account_id}#{org_id(organization_urn)}#{parent}"}, "sk": {"S": parent_id}},
            UpdateExpression="ADD children :c",
            ExpressionAttributeValues={":c": {"SS": sorted(refs)}},
        )

    def children(self, account_id: str, organization_urn: str, parent: str, parent_id: str) -> list[ChangeRef]:
        """The sub-resources we know a parent has (those the ATS reported changes for)."""
        item = self.client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"CHANGEKIDS#{account_id}#{org_id(organization_urn)}#{parent}"}, "sk": {"S": parent_id}},
            ConsistentRead=True,
        ).get("Item")
        refs: list[ChangeRef] = []
        for text in sorted((item or {}).get("children", {}).get("SS", [])):
            resource, _, child_id = text.partition("#")
            refs.append((resource, child_id))
        return refs

    def flag_run(self, key: RunKey, ids: dict[str, set[str]], now: float, check_all: bool = False) -> None:
        """Tell a sync run that may still send pages which of its records have changes (before they are queued).

        Nothing happens for a run that does not exist (SyncSteps.begin copies the changes when it creates it) or
        has succeeded (it sends no more pages)."""
        run_key = {"pk": {"S": f"ACCOUNT#{key.account_id}"}, "sk": {"S": f"SYNC#{key.contract_id}#{key.sync_id}"}}
        names: dict[str, str] = {"#st": "status"}
        values: dict[str, Any] = {":now": {"N": repr(now)}, ":done": {"S": "SUCCEEDED"}}
        base = "attribute_exists(pk) AND (attribute_not_exists(#st) OR #st <> :done)"
        adds, fits = [], []
        for i, (entity, entity_ids) in enumerate(sorted(ids.items())):
            if not entity_ids:
                continue
            names[f"#c{i}"] = f"changed_{entity}"
            values[f":c{i}"] = {"SS": sorted(entity_ids)}
            values[f":m{i}"] = {"N": str(MAX_IDS_ON_RUN - len(entity_ids))}
            adds.append(f"#c{i} :c{i}")
            fits.append(f"(attribute_not_exists(#c{i}) OR size(#c{i}) <= :m{i})")
        if not check_all:
            try:
                self.client.update_item(
                    TableName=self.table_name,
                    Key=run_key,
                    UpdateExpression="SET changes_at = if_not_exists(changes_at, :now)"
                    + (" ADD " + ", ".join(adds) if adds else ""),
                    ConditionExpression=" AND ".join([base, *fits]),
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
                return
            except ClientError as exc:
                if not _conditional_failed(exc):
                    raise
        try:  # too many ids to list on the run (or it is gone / done): look every page up instead
            self.client.update_item(
                TableName=self.table_name,
                Key=run_key,
                UpdateExpression="SET changes_at = if_not_exists(changes_at, :now), changes_check_all = :t",
                ConditionExpression=base,
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":now": values[":now"], ":done": values[":done"], ":t": {"BOOL": True}},
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def changed_ids(
        self, account_id: str, organization_urn: str, limit: int = MAX_IDS_ON_RUN
    ) -> dict[str, set[str]] | None:
        """Every record of the organization with a change, per entity; None when one entity has more than limit."""
        out: dict[str, set[str]] = {}
        for resource in RESOURCES:
            ids: set[str] = set()
            kwargs: dict[str, Any] = {
                "TableName": self.table_name,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": self.pk(account_id, organization_urn, resource)}},
                "ProjectionExpression": "sk",
                "ConsistentRead": True,
            }
            while True:
                page = self.client.query(**kwargs)
                ids.update(item["sk"]["S"] for item in page.get("Items", []))
                if len(ids) > limit:
                    return None
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            if ids:
                out[resource] = ids
        return out

    # -- apply ----------------------------------------------------------------------------------------
    def latest(
        self, account_id: str, organization_urn: str, refs: Iterable[ChangeRef], consistent: bool = True
    ) -> dict[ChangeRef, dict[str, Any]]:
        """The latest state of these records (BatchGetItem, 100 keys at a time); records without one are absent."""
        wanted = list(dict.fromkeys(refs))
        found: dict[ChangeRef, dict[str, Any]] = {}
        by_pk = {self.pk(account_id, organization_urn, r): r for r in RESOURCES}
        for start in range(0, len(wanted), 100):
            keys = [
                {"pk": {"S": self.pk(account_id, organization_urn, resource)}, "sk": {"S": ats_id}}
                for resource, ats_id in wanted[start : start + 100]
            ]
            request: dict[str, Any] = {self.table_name: {"Keys": keys, "ConsistentRead": consistent}}
            while request:
                resp = self.client.batch_get_item(RequestItems=request)
                for raw in resp.get("Responses", {}).get(self.table_name, []):
                    item = _deserialize(raw)
                    found[(by_pk[item["pk"]], str(item["sk"]))] = item
                request = resp.get("UnprocessedKeys") or {}
                if request:
                    time.sleep(0.05)
        return found

    def mark_applied(
        self, account_id: str, organization_urn: str, ref: ChangeRef, version: int, result: str, now: float
    ) -> bool:
        """Record that `version` of the record is at LinkedIn (or was refused: `result`); never moves backwards."""
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": self.pk(account_id, organization_urn, ref[0])}, "sk": {"S": ref[1]}},
                UpdateExpression="SET applied_version = :v, applied_at = :now, #result = :r",
                ConditionExpression="attribute_exists(sk) AND applied_version < :v",
                ExpressionAttributeNames={"#result": "result"},
                ExpressionAttributeValues={
                    ":v": {"N": str(version)},
                    ":now": {"N": repr(now)},
                    ":r": {"S": result[:300]},
                },
            )
            return True
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise


def _deserialize(raw: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    item = {k: _plain(deserializer.deserialize(v)) for k, v in raw.items()}
    if isinstance(item.get("record"), str):
        item["record"] = json.loads(item["record"])
    return item


@dataclass
class ChangeFeed:
    """The change state plus the queue its references go to (the initial sync's queue)."""

    store: ChangeStore
    sqs: Any
    queue_url: str

    def enqueue(self, account_id: str, organization_urn: str, refs: list[ChangeRef], force: bool = False) -> int:
        """Queue references (at most 100 per message); returns the number of messages."""
        refs = list(dict.fromkeys(refs))
        sent = 0
        for start in range(0, len(refs), MAX_CHANGES_PER_CALL):
            message = ChangeMessage(
                account_id, organization_urn, refs[start : start + MAX_CHANGES_PER_CALL], force, uuid.uuid4().hex
            )
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=message.to_json())
            sent += 1
        return sent


@dataclass
class ChangeIntake:
    """POST /accounts/{accountId}/linkedin/changes: record each change's latest version, then queue it."""

    repo: StateRepository
    feed: ChangeFeed

    def accept(self, caller: Caller, account_id: str, changes: list[dict[str, Any]]) -> dict[str, Any]:
        caller.ensure_account(account_id)
        contracts = self.repo.list_contracts(account_id)
        active = [c for c in contracts if c.company_level and c.status in ACTIVE]
        if not active:
            raise Conflict(_why_not_enabled(contracts), code="NOT_ENABLED", details={"contracts": _states(contracts)})
        now = time.time()
        organizations = sorted({c.organization_urn for c in active})
        # One record twice in a batch: only its newest version is written (the others are stale), so the reply
        # does not depend on the order of the parallel writes below.
        newest: dict[ChangeRef, int] = {}
        for i, change in enumerate(changes):
            j = newest.get((change["resource"], change["id"]))
            if j is None or change["version"] >= changes[j]["version"]:
                newest[(change["resource"], change["id"])] = i
        writes = [(i, changes[i]) for i in sorted(newest.values())]
        accepted: set[int] = set()
        stale_everywhere = set(range(len(changes))) - {i for i, _ in writes}
        stale_in_all = {i for i, _ in writes}
        queued = 0
        store = self.feed.store
        for organization in organizations:

            def write(item: tuple[int, dict[str, Any]], org: str = organization) -> tuple[int, bool]:
                return item[0], store.record(account_id, org, item[1], now)

            with ThreadPoolExecutor(max_workers=min(WRITERS, len(writes))) as pool:
                written = dict(pool.map(write, writes))
            fresh = [i for i, ok in written.items() if ok]
            accepted.update(fresh)
            stale_in_all &= {i for i, ok in written.items() if not ok}
            if not fresh:
                continue
            kids: dict[tuple[str, str], set[str]] = {}
            by_entity: dict[str, set[str]] = {}
            for i in fresh:
                change = changes[i]
                by_entity.setdefault(change["resource"], set()).add(change["id"])
                if change.get("parent_id"):
                    parent_ref = (PARENTS[change["resource"]][0], str(change["parent_id"]))
                    kids.setdefault(parent_ref, set()).add(f"{change['resource']}#{change['id']}")
            for (parent, parent_id), children in kids.items():
                store.add_children(account_id, organization, parent, parent_id, children)
            # The runs that may still send pages learn about these records BEFORE they are queued: a page worker
            # that did not see them there can only have sent its call before any of them was applied.
            for key in _runs_of(active, organization):
                store.flag_run(key, by_entity, now)
            refs: list[ChangeRef] = [(changes[i]["resource"], changes[i]["id"]) for i in sorted(fresh)]
            queued += self.feed.enqueue(account_id, organization, refs)
        stale_everywhere |= stale_in_all
        return {
            "accepted": len(accepted),
            "stale": [
                {"resource": changes[i]["resource"], "id": changes[i]["id"], "version": changes[i]["version"]}
                for i in sorted(stale_everywhere)
            ],
            "queued": queued,
            "organizations": organizations,
        }


def _runs_of(contracts: list[Contract], organization: str) -> list[RunKey]:
    """The initial-sync runs of an organization (a contract sharing another's history points at its run)."""
    keys = []
    for contract in contracts:
        if contract.organization_urn == organization and contract.sync_id:
            owner = getattr(contract, "history_contract_id", None) or contract.contract_id
            keys.append(RunKey(contract.account_id, owner, contract.sync_id))
    return list(dict.fromkeys(keys))


def _states(contracts: list[Contract]) -> list[dict[str, Any]]:
    return [{"contractId": c.contract_id, "status": c.status.value, "companyLevel": c.company_level} for c in contracts]


def _why_not_enabled(contracts: list[Contract]) -> str:
    if not contracts:
        return "No LinkedIn Recruiter contract is connected to this account yet: an Admin clicks ACTIVATE first."
    reasons = []
    for c in contracts:
        if c.status not in ACTIVE:
            reasons.append(f"contract {c.contract_id} is {c.status.value.replace('_', ' ').lower()}")
        elif not c.company_level:
            reasons.append(
                f"company-level access is off for contract {c.contract_id} (Recruiter > Admin Settings > ATS)"
            )
    return (
        "Changes are synced once an organization is enabled with company-level access; "
        + "; ".join(reasons)
        + ". Nothing was recorded: the initial sync sends the records as they are once it is enabled."
    )
