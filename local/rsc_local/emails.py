"""Emails the handlers sent through SES (v1 or v2), read back from moto's SES backend in this process.

moto keeps every sent message instead of delivering it. SESv2 ``SendEmail`` lands in the same backend; with both
HTML and text parts moto keeps only the HTML body, and templated sends are stored without rendering.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rsc_local.intrinsics import ACCOUNT_ID


@dataclass(frozen=True)
class SentEmail:
    message_id: str
    source: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str | None = None
    body: str | None = None
    raw: str | None = None
    template: str | None = None
    template_data: str | None = None

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sent_emails(region: str) -> list[SentEmail]:
    """Every message sent so far, oldest first."""
    from moto.ses.models import ses_backends

    return [_convert(message) for message in list(ses_backends[ACCOUNT_ID][region].sent_messages)]


def clear_sent_emails(region: str) -> None:
    from moto.ses.models import ses_backends

    ses_backends[ACCOUNT_ID][region].sent_messages.clear()


def _convert(message: Any) -> SentEmail:
    destinations = getattr(message, "destinations", None)
    if isinstance(destinations, dict):
        to = list(destinations.get("ToAddresses", []))
        cc = list(destinations.get("CcAddresses", []))
        bcc = list(destinations.get("BccAddresses", []))
    else:
        to, cc, bcc = list(destinations or []), [], []
    message_id = getattr(message, "id", None) or ",".join(getattr(message, "ids", []))
    return SentEmail(
        message_id=str(message_id),
        source=str(getattr(message, "source", "")),
        to=to,
        cc=cc,
        bcc=bcc,
        subject=getattr(message, "subject", None),
        body=getattr(message, "body", None),
        raw=getattr(message, "raw_data", None),
        template=getattr(message, "template", None),
        template_data=getattr(message, "template_data", None),
    )
