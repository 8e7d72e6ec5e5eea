"""LinkedIn's push notifications to a customer's CALLBACK_URL (linkedin-rsc-api.md 1.8, assumption A7)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from rsc_connector.clock import Clock
from rsc_connector.enablement import Enablement
from rsc_connector.errors import BadRequest, Unauthenticated
from rsc_connector.linkedin import assumptions as A
from rsc_connector.observability import logger
from rsc_connector.ports import SecretStore, StateRepository

MAX_PUSH_BYTES = 16 * 1024
NOT_VERIFIED = "The notification's signature is missing or not valid."


def signature(body: bytes, secret: str) -> str:
    return A.PUSH_SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, header: str | None, secret: str) -> bool:
    """Constant-time comparison of X-LI-Signature with our own HMAC-SHA256 of the raw body."""
    if not header or not secret:
        return False
    return hmac.compare_digest(header.strip().lower().encode(), signature(body, secret).encode())


@dataclass
class PushReceiver:
    repo: StateRepository
    secrets: SecretStore
    enablement: Enablement
    clock: Clock

    def receive(self, account_id: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        """Verify, deduplicate and handle one push. Raises Unauthenticated (401) before touching anything."""
        account = self.repo.get_account(account_id)
        if account is None or account.child_app is None or len(body) > MAX_PUSH_BYTES:
            # Unknown account: nothing to verify against; answer exactly as for a bad signature.
            raise Unauthenticated(NOT_VERIFIED, code="INVALID_SIGNATURE")
        secret = str(self.secrets.get_json(account.child_app.secret_name).get("client_secret", ""))
        header = next((v for k, v in headers.items() if k.lower() == A.PUSH_SIGNATURE_HEADER.lower()), None)
        if not signature_matches(body, header, secret):
            logger.warning("push refused: bad signature", extra={"account_id": account_id})
            raise Unauthenticated(NOT_VERIFIED, code="INVALID_SIGNATURE")
        try:
            payload = json.loads(body)
        except ValueError:
            raise BadRequest("The notification is not JSON.", code="INVALID_JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("id"), str) or not payload["id"]:
            raise BadRequest("The notification has no id.", code="INVALID_NOTIFICATION")
        notification_id, event_type = payload["id"][:200], str(payload.get("type", ""))[:100]
        if self.repo.notification_seen(account_id, notification_id):
            logger.info("push already handled", extra={"account_id": account_id, "notification_id": notification_id})
            return {"status": "duplicate", "id": notification_id}
        if event_type == A.PUSH_EVENT_INTEGRATION_STATUS_CHANGE:
            contracts = self.enablement.integration_status_changed(account, notification_id)
            outcome = {"status": "processed", "contracts": {c.contract_id: c.status.value for c in contracts}}
        else:
            logger.info("push of a type we do not handle", extra={"account_id": account_id, "type": event_type})
            outcome = {"status": "ignored", "type": event_type}
        # Recorded after handling: a crash before this line means LinkedIn's retry is handled again, which
        # is safe (transitions are conditional, the sync start is idempotent by name).
        self.repo.record_notification(account_id, notification_id, event_type, self.clock.now())
        return {**outcome, "id": notification_id}
