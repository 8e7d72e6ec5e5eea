"""Opaque, stable page cursors: the next offset, bound to the account, the resource and the dataset.

A cursor is ``base64url("<offset>.<mac>")`` where the MAC covers (dataset fingerprint, account, resource,
offset). It needs no server state, so it stays valid across restarts for as long as the account's dataset is
the same; a cursor of another account, resource or dataset, or an edited one, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


class CursorError(ValueError):
    """The cursor was not issued for this account, resource and dataset."""


def _mac(fingerprint: str, account_id: str, resource: str, offset: int) -> str:
    message = f"{account_id}\x1f{resource}\x1f{offset}".encode()
    return hmac.new(fingerprint.encode(), message, hashlib.sha256).hexdigest()[:20]


def encode(fingerprint: str, account_id: str, resource: str, offset: int) -> str:
    raw = f"{offset}.{_mac(fingerprint, account_id, resource, offset)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, fingerprint: str, account_id: str, resource: str) -> int:
    """The offset a cursor stands for; CursorError if it is not one of ours for this account/resource/dataset."""
    if not cursor or len(cursor) > 200:
        raise CursorError("malformed cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError("malformed cursor") from None
    offset_text, _, mac = raw.partition(".")
    if not offset_text.isdigit() or not offset_text.isascii() or len(offset_text) > 12:
        raise CursorError("malformed cursor")
    offset = int(offset_text)
    if not hmac.compare_digest(mac, _mac(fingerprint, account_id, resource, offset)):
        raise CursorError("cursor was not issued for this account, resource and dataset")
    return offset
