"""The SQS message of one page (<= 100 ATS records), with an S3 claim check for pages too large for SQS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rsc_connector.sync.store import RunKey

INLINE_LIMIT_BYTES = 200 * 1024  # SQS takes 256 KiB per message (and per batch); leave room for the envelope


@dataclass(frozen=True)
class PageMessage:
    key: RunKey
    entity: str
    index: int
    organization_urn: str
    records: list[dict[str, Any]] | None = None
    claim: str | None = None  # S3 key holding {"records": [...]} when the page is too large to send inline
    # When the page's slot in the customer's LinkedIn budget is reserved ahead (epoch seconds): the page was
    # deferred to that time and is sent then without a second reservation (worker.py, "Pacing").
    slot_at: float | None = None

    @property
    def page_id(self) -> str:
        return f"{self.key.pk}#{self.entity}#{self.index}"

    def to_json(self) -> str:
        body: dict[str, Any] = {
            "v": 1,
            **self.key.as_dict(),
            "entity": self.entity,
            "index": self.index,
            "organizationUrn": self.organization_urn,
        }
        if self.claim is not None:
            body["claim"] = self.claim
        else:
            body["records"] = self.records or []
        if self.slot_at is not None:
            body["slotAt"] = round(self.slot_at, 3)
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> PageMessage:
        body = json.loads(text)
        if not isinstance(body, dict) or body.get("v") != 1:
            raise ValueError("not a sync page message")
        return cls(
            key=RunKey(str(body["accountId"]), str(body["contractId"]), str(body["syncId"])),
            entity=str(body["entity"]),
            index=int(body["index"]),
            organization_urn=str(body["organizationUrn"]),
            records=body.get("records"),
            claim=body.get("claim"),
            slot_at=float(body["slotAt"]) if body.get("slotAt") is not None else None,
        )


ChangeRef = tuple[str, str]  # (resource, ATS id)


@dataclass(frozen=True)
class ChangeMessage:
    """References to changed records of one account and organization (docs/design.md "Ongoing changes").

    Only references travel: the worker reads each record's latest state when it applies it. `force` sends the
    latest state even when it is recorded as applied (an initial-sync page may have overwritten it since).
    """

    account_id: str
    organization_urn: str
    refs: list[ChangeRef]
    force: bool = False
    nonce: str = ""

    @property
    def page_id(self) -> str:
        """Unique per message (idempotency only keeps two deliveries of one message from running at once)."""
        return f"CHANGES#{self.account_id}#{self.nonce}"

    def to_json(self) -> str:
        body = {
            "v": 1,
            "kind": "changes",
            "entity": "changes",
            "accountId": self.account_id,
            "organizationUrn": self.organization_urn,
            "refs": [list(ref) for ref in self.refs],
            "force": self.force,
            "nonce": self.nonce,
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ChangeMessage:
        return cls(
            account_id=str(body["accountId"]),
            organization_urn=str(body["organizationUrn"]),
            refs=[(str(ref[0]), str(ref[1])) for ref in body["refs"]],
            force=bool(body.get("force")),
            nonce=str(body.get("nonce") or ""),
        )


def parse_message(text: str) -> PageMessage | ChangeMessage:
    """A sync queue message: a page of the initial sync, or references to changed records."""
    body = json.loads(text)
    if isinstance(body, dict) and body.get("v") == 1 and body.get("kind") == "changes":
        return ChangeMessage.from_body(body)
    return PageMessage.from_json(text)
