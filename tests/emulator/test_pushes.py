"""The Recruiter admin's switch (control API) -> signed INTEGRATION_STATUS_CHANGE pushes (assumption A7)."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.emulator.support import CONTRACT, ORG, Child, LinkedIn


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny partner endpoint that records every push and answers ``status``."""

    url: str
    inbox: queue.Queue[Received] = field(default_factory=queue.Queue)
    status: int = 200

    def next(self, timeout: float = 5.0) -> Received:
        return self.inbox.get(timeout=timeout)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            box.inbox.put(Received(self.path, dict(self.headers.items()), body))
            self.send_response(box.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/linkedin/push/acme"
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def ready(li: LinkedIn, onboarded: Child, receiver: Receiver) -> Child:
    """Onboarded, named (PARTNER_READY) and with the receiver as CALLBACK_URL."""
    assert li.name_all(onboarded).status_code == 200
    resp = li.put_config(onboarded, "CALLBACK_URL", {"string": receiver.url})
    assert resp.json()["errors"] == {}, resp.text
    return onboarded


def verify(received: Received, secret: str) -> dict[str, Any]:
    expected = "hmacsha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(received.headers["X-LI-Signature"], expected)
    assert received.headers["Content-Type"] == "application/json"
    return dict(json.loads(received.body))


def find(li: LinkedIn, child: Child, request_id: str) -> requests.Response:
    return requests.get(
        f"{li.api}/atsIntegrations", params={"q": "request", "requestId": request_id}, headers=child.auth, timeout=5
    )


def test_enabling_company_level_pushes_a_signed_event(li: LinkedIn, ready: Child, receiver: Receiver) -> None:
    resp = li.status(organization=ORG, contract=CONTRACT, companyLevel=True, contractLevel=None)
    assert resp.status_code == 200
    (change,) = resp.json()["changes"]
    received = receiver.next()
    assert received.path == "/linkedin/push/acme"
    body = verify(received, ready.client_secret)
    assert body == {
        "id": change["requestId"],
        "type": "INTEGRATION_STATUS_CHANGE",
        "expiresAt": 1_750_000_000_000 + 24 * 3600 * 1000,
    }
    elements = find(li, ready, body["id"]).json()["elements"]
    assert {(e["integrationType"], e["status"]) for e in elements} == {
        ("ONE_CLICK_EXPORT", "ENABLED"),
        ("IN_ATS_INDICATOR", "ENABLED"),
        ("PROFILE_PLUGIN", "ENABLED"),
    }
    assert all(e["enabledAt"] == 1_750_000_000_000 for e in elements)
    deadline = time.monotonic() + 5
    while li.control("GET", "pushes").json()[0]["state"] != "delivered" and time.monotonic() < deadline:
        time.sleep(0.02)
    (push,) = li.control("GET", "pushes").json()
    assert push["state"] == "delivered" and push["attempts"][0]["status"] == 200 and push["url"] == receiver.url


def test_contract_level_and_disable(li: LinkedIn, ready: Child, receiver: Receiver) -> None:
    li.status(contract=CONTRACT, contractLevel=True, wait=True)
    enabled = verify(receiver.next(), ready.client_secret)
    (csa,) = find(li, ready, enabled["id"]).json()["elements"]
    assert (csa["integrationType"], csa["status"]) == ("CSA_API", "ENABLED")
    li.emu.clock.advance(60)
    li.status(contract=CONTRACT, contractLevel=False, wait=True)
    disabled = verify(receiver.next(), ready.client_secret)
    assert disabled["id"] != enabled["id"]
    (csa,) = find(li, ready, disabled["id"]).json()["elements"]
    assert csa["status"] == "DISABLED" and "enabledAt" not in csa and csa["lastModifiedAt"] == 1_750_000_060_000


def test_unchanged_status_creates_no_event(li: LinkedIn, ready: Child, receiver: Receiver) -> None:
    li.status(organization=ORG, companyLevel=True, wait=True)
    receiver.next()
    again = li.status(organization=ORG, companyLevel=True, wait=True)
    assert again.json()["changes"] == []
    assert receiver.inbox.empty()


def test_requested_integrations_cannot_be_enabled(li: LinkedIn, onboarded: Child, receiver: Receiver) -> None:
    resp = li.status(organization=ORG, companyLevel=True)
    assert resp.status_code == 409
    assert "not set up the integration yet" in resp.json()["message"]
    assert li.control("GET", "pushes").json() == []
    unknown = li.status(organization="urn:li:organization:1", companyLevel=True)
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"organization": ORG},
        {"companyLevel": True},
        {"contractLevel": True, "organization": ORG},
        {"organization": "456", "companyLevel": True},
        {"organization": ORG, "companyLevel": "yes"},
    ],
)
def test_status_control_validates_its_input(li: LinkedIn, ready: Child, body: dict[str, Any]) -> None:
    assert li.status(**body).status_code == 400


def test_drop_mode_then_redeliver_duplicates(li: LinkedIn, ready: Child, receiver: Receiver) -> None:
    assert li.control("POST", "push-settings", json={"mode": "drop"}).json()["mode"] == "drop"
    li.status(organization=ORG, companyLevel=True, wait=True)
    (push,) = li.control("GET", "pushes").json()
    assert push["state"] == "dropped" and push["attempts"] == []
    assert receiver.inbox.empty()
    first = li.control("POST", f"pushes/{push['id']}/redeliver").json()
    second = li.control("POST", f"pushes/{push['id']}/redeliver").json()
    assert first["state"] == "delivered" and len(second["attempts"]) == 2
    one, two = receiver.next(), receiver.next()
    assert one.body == two.body and one.headers["X-LI-Signature"] == two.headers["X-LI-Signature"]
    verify(one, ready.client_secret)
    assert li.control("POST", "pushes/push-999/redeliver").status_code == 404


def test_delay_mode_delivers_later_without_blocking(li: LinkedIn, ready: Child, receiver: Receiver) -> None:
    li.control("POST", "push-settings", json={"mode": "delay", "delaySeconds": 0.5})
    started = time.monotonic()
    resp = li.status(organization=ORG, companyLevel=True)
    assert resp.json()["changes"][0]["push"]["state"] == "pending"
    assert receiver.inbox.empty()
    verify(receiver.next(timeout=5), ready.client_secret)
    assert time.monotonic() - started >= 0.5


def test_failed_delivery_is_recorded(li: LinkedIn, ready: Child, receiver: Receiver) -> None:
    receiver.status = 500
    resp = li.status(organization=ORG, companyLevel=True, wait=True)
    push = resp.json()["changes"][0]["push"]
    assert push["state"] == "failed" and push["attempts"][0]["status"] == 500
    receiver.next()


def test_unreachable_callback_is_recorded_as_an_error(li: LinkedIn, onboarded: Child) -> None:
    li.name_all(onboarded)
    li.put_config(onboarded, "CALLBACK_URL", {"string": "http://127.0.0.1:9/nobody-listens"})
    push = li.status(organization=ORG, companyLevel=True, wait=True).json()["changes"][0]["push"]
    assert push["state"] == "failed" and push["attempts"][0]["status"] is None and push["attempts"][0]["error"]


def test_without_callback_url_the_event_is_still_findable(li: LinkedIn, onboarded: Child) -> None:
    li.name_all(onboarded)
    change = li.status(organization=ORG, companyLevel=True).json()["changes"][0]
    assert change["push"]["state"] == "no_callback_url"
    assert find(li, onboarded, change["requestId"]).status_code == 200
