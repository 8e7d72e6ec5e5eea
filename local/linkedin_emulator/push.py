"""Push notifications to the partner's CALLBACK_URL (assumption A7), delivered on background threads."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
from urllib.parse import urlsplit

from rsc_connector.linkedin import assumptions as A

from .model import IntegrationEvent, PushAttempt, PushRecord
from .state import EmulatorState

DELIVERY_TIMEOUT_SECONDS = 5.0


def sign(secret: str, body: bytes) -> str:
    """``hmacsha256=<hex HMAC-SHA256(secret, body)>``, the X-LI-Signature value."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"{A.PUSH_SIGNATURE_PREFIX}{digest}"


class PushDispatcher:
    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._stopping = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._threads_lock = threading.Lock()
        self._sequence = 0

    def start(self) -> None:
        self._stopping.clear()

    def stop(self, timeout: float = DELIVERY_TIMEOUT_SECONDS + 1) -> None:
        """Cancel delayed pushes and wait for deliveries in flight."""
        self._stopping.set()
        with self._threads_lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def publish(self, event: IntegrationEvent, organization: str | None, *, wait: bool = False) -> PushRecord:
        """Record the push for ``event`` and deliver it per the push settings (in the background)."""
        state = self._state
        with state.lock:
            app = state.apps[event.client_id]
            body = json.dumps(
                {"id": event.request_id, "type": event.type, "expiresAt": int(event.expires_at * 1000)},
                separators=(",", ":"),
            ).encode("utf-8")
            self._sequence += 1
            record = PushRecord(
                push_id=f"push-{self._sequence}",
                request_id=event.request_id,
                client_id=event.client_id,
                event_type=event.type,
                url=state.callback_url(event.client_id, organization),
                body=body,
                signature=sign(app.client_secret, body),
                created_at=state.clock.now(),
            )
            state.pushes.append(record)
            settings = state.push_settings
            if record.url is None:
                record.state = "no_callback_url"
                return record
            if settings.mode == "drop":
                record.state = "dropped"
                return record
            delay = settings.delay_seconds if settings.mode == "delay" else 0.0
        thread = threading.Thread(target=self._deliver_later, args=(record, delay), daemon=True, name=record.push_id)
        with self._threads_lock:
            self._threads.add(thread)
        thread.start()
        if wait:
            thread.join()
        return record

    def redeliver(self, push_id: str) -> PushRecord:
        """Send the same body and signature again, now (a duplicate delivery, e.g. for replay tests)."""
        with self._state.lock:
            record = next((push for push in self._state.pushes if push.push_id == push_id), None)
        if record is None:
            raise KeyError(push_id)
        if record.url is not None:
            self._send(record)
        return record

    def _deliver_later(self, record: PushRecord, delay: float) -> None:
        try:
            if delay > 0 and self._stopping.wait(delay):
                with self._state.lock:
                    record.state = "cancelled"
                return
            self._send(record)
        finally:
            with self._threads_lock:
                self._threads.discard(threading.current_thread())

    def _send(self, record: PushRecord) -> None:
        assert record.url is not None
        status: int | None = None
        error: str | None = None
        try:
            status = _post(record.url, record.body, record.signature)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._state.lock:
            record.attempts.append(PushAttempt(self._state.clock.now(), status, error))
            record.state = "delivered" if status is not None and 200 <= status < 300 else "failed"


def _post(url: str, body: bytes, signature: str) -> int:
    parts = urlsplit(url)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.hostname or "", parts.port, timeout=DELIVERY_TIMEOUT_SECONDS)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={"Content-Type": "application/json", A.PUSH_SIGNATURE_HEADER: signature},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
