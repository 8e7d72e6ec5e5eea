"""The ATS's users through the export API (the ``users`` resource), as seat linking reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rsc_connector.ats.client import AtsError, AtsExportClient
from rsc_connector.errors import AtsUnavailable, BadRequest
from rsc_connector.seats.matching import UserRecord


def user_record(raw: dict[str, Any]) -> UserRecord | None:
    """An export-API user as a UserRecord; None for an item without an id (it cannot be linked)."""
    user_id = raw.get("id")
    if user_id is None or str(user_id) == "":
        return None
    emails = tuple(e for e in raw.get("emails") or [] if isinstance(e, str) and e.strip())
    return UserRecord(
        user_id=str(user_id),
        first_name=str(raw.get("first_name") or ""),
        last_name=str(raw.get("last_name") or ""),
        emails=emails,
        role=str(raw.get("role") or ""),
        active=raw.get("active") is True,
    )


class AtsUserDirectory:
    """Built before it is needed (the client is made on first use: a refused request never reads a secret)."""

    def __init__(self, client: AtsExportClient | Callable[[], AtsExportClient]) -> None:
        self._client = client

    @property
    def client(self) -> AtsExportClient:
        if callable(self._client) and not isinstance(self._client, AtsExportClient):
            self._client = self._client()
        return self._client

    def page(self, account_id: str, cursor: str | None, limit: int) -> tuple[list[UserRecord], str | None]:
        try:
            page = self.client.page(account_id, "users", cursor, limit)
        except AtsError as exc:
            if cursor is not None and exc.status == 400:
                # The caller's cursor carried an ATS cursor the ATS does not accept: the caller's mistake.
                raise BadRequest("cursor is not one this API returned", code="INVALID_CURSOR") from None
            raise AtsUnavailable(f"The ATS did not list its users: {exc.message}") from None
        users = [u for u in (user_record(item) for item in page.items) if u is not None]
        return users, page.next_cursor

    def get(self, account_id: str, user_id: str) -> UserRecord | None:
        try:
            raw = self.client.user(account_id, user_id)
        except AtsError as exc:
            raise AtsUnavailable(f"The ATS did not answer for user {user_id}: {exc.message}") from None
        return user_record(raw) if raw is not None else None
