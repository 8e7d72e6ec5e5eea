"""Seats and seat links in the single table, with the one-seat-one-user guard.

Keys (all of an account's seat data in one partition, read with one query):
  seat        pk=SEATS#{account}  sk=SEAT#{contract}#{seatId}               the last seat list read from LinkedIn
  seat list   pk=SEATS#{account}  sk=META#{contract}                        when read, from which finder; gsi1
                                                                            (SEAT_REFRESH, due time) for the schedule
  link        pk=SEATS#{account}  sk=LINK#{contract}#SEAT#{seatId}          -> user
              pk=SEATS#{account}  sk=LINK#{contract}#USER#{userId}          -> seat
  unlinked    pk=SEATS#{account}  sk=BLOCK#{contract}#{seatId}#{userId}     an admin unlinked this pair by hand

A link is the two LINK items, written or removed together in one DynamoDB transaction whose conditions say
what the writer saw: two admins assigning the same seat at once cannot both win (the loser gets 409).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from rsc_connector.adapters.dynamodb import TableStore, from_item, to_item
from rsc_connector.linkedin.seats import Seat

REFRESH_INDEX_PK = "SEAT_REFRESH"
_serializer = TypeSerializer()


class LinkChanged(Exception):
    """A link write lost: the seat or the user was linked or unlinked by someone else meanwhile."""


@dataclass(frozen=True)
class Link:
    contract_id: str
    seat_id: str
    user_id: str
    method: str  # "auto" | "manual"
    linked_at: float
    linked_by: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "contractId": self.contract_id,
            "seatId": self.seat_id,
            "userId": self.user_id,
            "method": self.method,
            "linkedAt": self.linked_at,
            "linkedBy": self.linked_by,
        }


@dataclass
class AccountSeats:
    """Everything seat-related of one account, as one consistent read."""

    seats: dict[str, list[Seat]]  # contract id -> seats, by seat id
    meta: dict[str, dict[str, Any]]  # contract id -> {"refreshed_at", "source", ...}
    links: list[Link]
    blocked: set[tuple[str, str, str]]  # (contract id, seat id, user id)

    def seat_links(self, contract_id: str) -> dict[str, str]:
        return {link.seat_id: link.user_id for link in self.links if link.contract_id == contract_id}

    def user_links(self, contract_id: str) -> dict[str, str]:
        return {link.user_id: link.seat_id for link in self.links if link.contract_id == contract_id}

    def link_of_seat(self, contract_id: str, seat_id: str) -> Link | None:
        return next((li for li in self.links if li.contract_id == contract_id and li.seat_id == seat_id), None)

    def link_of_user(self, contract_id: str, user_id: str) -> Link | None:
        return next((li for li in self.links if li.contract_id == contract_id and li.user_id == user_id), None)

    def blocked_pairs(self, contract_id: str) -> set[tuple[str, str]]:
        return {(seat, user) for contract, seat, user in self.blocked if contract == contract_id}


class SeatStore(TableStore):
    # -- reading ------------------------------------------------------------------------------------
    def account(self, account_id: str) -> AccountSeats:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(_pk(account_id)), "ConsistentRead": True}
        while True:
            page = self.table.query(**kwargs)
            items.extend(from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        result = AccountSeats(seats={}, meta={}, links=[], blocked=set())
        for item in items:
            sk = str(item["sk"])
            if sk.startswith("SEAT#"):
                result.seats.setdefault(str(item["contract_id"]), []).append(_seat_from(item))
            elif sk.startswith("META#"):
                result.meta[str(item["contract_id"])] = item
            elif sk.startswith("LINK#") and "#SEAT#" in sk:
                result.links.append(
                    Link(
                        contract_id=str(item["contract_id"]),
                        seat_id=str(item["seat_id"]),
                        user_id=str(item["user_id"]),
                        method=str(item.get("method", "auto")),
                        linked_at=float(item.get("linked_at", 0)),
                        linked_by=item.get("linked_by"),
                    )
                )
            elif sk.startswith("BLOCK#"):
                result.blocked.add((str(item["contract_id"]), str(item["seat_id"]), str(item["user_id"])))
        for seats in result.seats.values():
            seats.sort(key=lambda s: (len(s.seat_id), s.seat_id))
        return result

    def contracts_due_for_refresh(self, now: float, limit: int) -> list[tuple[str, str]]:
        """(account id, contract id) whose seat list is due to be read again, most overdue first."""
        found: list[tuple[str, str]] = []
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(REFRESH_INDEX_PK) & Key("gsi1sk").lte(f"{now:017.3f}#~"),
            "Limit": min(limit, 1000),
        }
        while len(found) < limit:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                found.append((str(item["account_id"]), str(item["contract_id"])))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found[:limit]

    # -- the seat list ------------------------------------------------------------------------------
    def replace_seats(
        self,
        account_id: str,
        contract_id: str,
        seats: list[Seat],
        previous: list[Seat],
        meta: dict[str, Any],
        next_refresh_at: float | None,
    ) -> None:
        """Store the seat list just read: new or changed seats written, vanished ones deleted, meta updated."""
        old = {s.seat_id: s for s in previous}
        new = {s.seat_id: s for s in seats}
        with self.table.batch_writer() as batch:
            for seat_id, seat in new.items():
                if old.get(seat_id) != seat:
                    batch.put_item(Item=to_item(_seat_item(account_id, contract_id, seat)))
            for seat_id in old.keys() - new.keys():
                batch.delete_item(Key={"pk": _pk(account_id), "sk": _seat_sk(contract_id, seat_id)})
        item = {
            "pk": _pk(account_id),
            "sk": f"META#{contract_id}",
            "type": "seat_list",
            "account_id": account_id,
            "contract_id": contract_id,
            **meta,
        }
        if next_refresh_at is not None:
            item["gsi1pk"] = REFRESH_INDEX_PK
            item["gsi1sk"] = f"{next_refresh_at:017.3f}#{account_id}#{contract_id}"
        self.table.put_item(Item=to_item(item))

    def postpone_refresh(self, account_id: str, contract_id: str, next_refresh_at: float, why: str) -> None:
        self.table.update_item(
            Key={"pk": _pk(account_id), "sk": f"META#{contract_id}"},
            UpdateExpression="SET account_id = :a, contract_id = :c, gsi1pk = :p, gsi1sk = :s, last_problem = :w",
            ExpressionAttributeValues={
                ":a": account_id,
                ":c": contract_id,
                ":p": REFRESH_INDEX_PK,
                ":s": f"{next_refresh_at:017.3f}#{account_id}#{contract_id}",
                ":w": why[:300],
            },
        )

    def forget_contract(self, account_id: str, contract_id: str) -> None:
        """Remove a contract's seats, links and refresh schedule (contract-level access gone, or deactivated)."""
        data = self.account(account_id)
        keys = [_seat_sk(contract_id, s.seat_id) for s in data.seats.get(contract_id, [])]
        keys += [f"META#{contract_id}"] if contract_id in data.meta else []
        for link in data.links:
            if link.contract_id == contract_id:
                keys += [_link_seat_sk(contract_id, link.seat_id), _link_user_sk(contract_id, link.user_id)]
        keys += [f"BLOCK#{c}#{s}#{u}" for c, s, u in data.blocked if c == contract_id]
        with self.table.batch_writer() as batch:
            for sk in keys:
                batch.delete_item(Key={"pk": _pk(account_id), "sk": sk})

    # -- links --------------------------------------------------------------------------------------
    def link(
        self,
        account_id: str,
        contract_id: str,
        seat: Seat,
        user_id: str,
        *,
        method: str,
        by: str | None,
        seat_was: str | None,
        user_was: str | None,
    ) -> Link:
        """Link ``seat`` to ``user_id`` iff the seat is still linked to ``seat_was`` (a user id or None) and the
        user still to ``user_was`` (a seat id or None). The seat's previous user and the user's previous seat
        are unlinked in the same transaction (a move). Raises LinkChanged when someone else got there first."""
        now = time.time()
        link = Link(contract_id, seat.seat_id, user_id, method, now, by)
        common = {
            "type": "seat_link",
            "account_id": account_id,
            "contract_id": contract_id,
            "seat_id": seat.seat_id,
            "user_id": user_id,
            "member_urn": seat.member_urn,
            "method": method,
            "linked_at": now,
            "linked_by": by,
        }
        items: list[dict[str, Any]] = [
            self._put(
                {"pk": _pk(account_id), "sk": _link_seat_sk(contract_id, seat.seat_id), **common},
                _expect("user_id", seat_was),
            ),
            self._put(
                {"pk": _pk(account_id), "sk": _link_user_sk(contract_id, user_id), **common},
                _expect("seat_id", user_was),
            ),
        ]
        if seat_was is not None and seat_was != user_id:
            items.append(self._delete(account_id, _link_user_sk(contract_id, seat_was), ("seat_id", seat.seat_id)))
        if user_was is not None and user_was != seat.seat_id:
            items.append(self._delete(account_id, _link_seat_sk(contract_id, user_was), ("user_id", user_id)))
        if method == "manual":
            items.append(self._delete(account_id, f"BLOCK#{contract_id}#{seat.seat_id}#{user_id}", None))
        self._transact(items)
        return link

    def unlink(self, account_id: str, link: Link, *, block: bool) -> None:
        """Remove a link iff it is still the same; ``block`` remembers an admin's unlink for auto-linking."""
        items = [
            self._delete(account_id, _link_seat_sk(link.contract_id, link.seat_id), ("user_id", link.user_id)),
            self._delete(account_id, _link_user_sk(link.contract_id, link.user_id), ("seat_id", link.seat_id)),
        ]
        if block:
            items.append(
                self._put(
                    {
                        "pk": _pk(account_id),
                        "sk": f"BLOCK#{link.contract_id}#{link.seat_id}#{link.user_id}",
                        "type": "seat_unlinked",
                        "contract_id": link.contract_id,
                        "seat_id": link.seat_id,
                        "user_id": link.user_id,
                        "unlinked_at": time.time(),
                    },
                    None,
                )
            )
        self._transact(items)

    # -- helpers ------------------------------------------------------------------------------------
    def _put(self, item: dict[str, Any], condition: tuple[str, dict[str, Any], dict[str, Any]] | None) -> dict:
        put: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": {k: _serializer.serialize(v) for k, v in to_item(item).items()},
        }
        if condition is not None:
            expression, names, values = condition
            put["ConditionExpression"] = expression
            if names:
                put["ExpressionAttributeNames"] = names
            if values:
                put["ExpressionAttributeValues"] = values
        return {"Put": put}

    def _delete(self, account_id: str, sk: str, expected: tuple[str, str] | None) -> dict:
        delete: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": {"pk": {"S": _pk(account_id)}, "sk": {"S": sk}},
        }
        if expected is not None:
            delete["ConditionExpression"] = "#f = :v"
            delete["ExpressionAttributeNames"] = {"#f": expected[0]}
            delete["ExpressionAttributeValues"] = {":v": {"S": expected[1]}}
        return {"Delete": delete}

    def _transact(self, items: list[dict[str, Any]]) -> None:
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("TransactionCanceledException", "TransactionConflictException"):
                raise LinkChanged("the seat or the user was linked or unlinked meanwhile") from None
            raise


def _expect(field: str, value: str | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    if value is None:
        return "attribute_not_exists(pk)", {}, {}
    return "#f = :v", {"#f": field}, {":v": {"S": value}}


def _pk(account_id: str) -> str:
    return f"SEATS#{account_id}"


def _seat_sk(contract_id: str, seat_id: str) -> str:
    return f"SEAT#{contract_id}#{seat_id}"


def _link_seat_sk(contract_id: str, seat_id: str) -> str:
    return f"LINK#{contract_id}#SEAT#{seat_id}"


def _link_user_sk(contract_id: str, user_id: str) -> str:
    return f"LINK#{contract_id}#USER#{user_id}"


def _seat_item(account_id: str, contract_id: str, seat: Seat) -> dict[str, Any]:
    return {
        "pk": _pk(account_id),
        "sk": _seat_sk(contract_id, seat.seat_id),
        "type": "seat",
        "contract_id": contract_id,
        "seat_id": seat.seat_id,
        "contract_urn": seat.contract_urn,
        "member_urn": seat.member_urn,
        "first_name": seat.first_name,
        "last_name": seat.last_name,
        "email": seat.email,
        "admin": seat.admin,
    }


def _seat_from(item: dict[str, Any]) -> Seat:
    return Seat(
        seat_id=str(item["seat_id"]),
        contract_urn=str(item.get("contract_urn", "")),
        member_urn=str(item.get("member_urn", "")),
        first_name=str(item.get("first_name", "")),
        last_name=str(item.get("last_name", "")),
        email=item.get("email"),
        admin=bool(item.get("admin", False)),
    )
