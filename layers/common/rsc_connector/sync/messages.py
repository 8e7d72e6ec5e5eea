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
        )
