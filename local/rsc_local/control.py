"""A small JSON control API on 127.0.0.1, so other processes can drive a running stack (``rsc-local up``).

Endpoints (all JSON):

- ``GET /state``: URLs, ids, outputs, functions, routes, schedules (what ``state.json`` holds);
- ``POST /functions/{name}/invoke`` (body: the event): ``{"ok": true, "payload": ...}`` or
  ``{"ok": false, "errorType": ..., "errorMessage": ...}``;
- ``POST /schedules/{name}/fire``: ``{"ok": ..., "result": ..., "error": ...}``;
- ``GET /counters``: event-source counters and per-function statistics;
- ``GET /emails``: the emails sent so far;
- ``POST /reset``: :meth:`LocalStack.reset_data`;
- ``POST /wait-idle?timeout=30``: returns when the event sources are idle (408 on timeout).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from rsc_local.stack import LocalStack

log = logging.getLogger(__name__)


class ControlServer:
    def __init__(self, stack: LocalStack, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.stack = stack
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="rsc-control", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stack: LocalStack


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        stack = self.server.stack
        split = urlsplit(self.path)
        parts = [unquote(p) for p in split.path.split("/") if p]
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null") if length else None
        try:
            status, payload = self._route(stack, method, parts, body, parse_qs(split.query))
        except KeyError as exc:
            status, payload = 404, {"error": str(exc)}
        except Exception as exc:
            log.exception("control request %s %s failed", method, self.path)
            status, payload = 500, {"error": f"{type(exc).__name__}: {exc}"}
        data = json.dumps(payload, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    @staticmethod
    def _route(
        stack: LocalStack, method: str, parts: list[str], body: Any, query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        if method == "GET" and parts == ["state"]:
            return 200, stack.state()
        if method == "GET" and parts == ["counters"]:
            return 200, {
                "event_sources": {k: dataclasses.asdict(v) for k, v in stack.event_source_counters().items()},
                "functions": {k: dataclasses.asdict(v) for k, v in stack.function_stats().items()},
            }
        if method == "GET" and parts == ["emails"]:
            return 200, [email.to_dict() for email in stack.read_emails()]
        if method == "POST" and len(parts) == 3 and parts[0] == "functions" and parts[2] == "invoke":
            invocation = stack.registry.invoke(parts[1], body if body is not None else {})
            if invocation.ok:
                return 200, {"ok": True, "payload": invocation.payload}
            return 200, {"ok": False, "errorType": invocation.error_type, "errorMessage": invocation.error_message}
        if method == "POST" and len(parts) == 3 and parts[0] == "schedules" and parts[2] == "fire":
            outcome = stack.fire_schedule(parts[1])
            return 200, {
                "ok": outcome.ok,
                "result": outcome.result,
                "error": outcome.error,
                "at": outcome.at.isoformat(),
            }
        if method == "POST" and parts == ["reset"]:
            stack.reset_data()
            return 200, {}
        if method == "POST" and parts == ["wait-idle"]:
            try:
                stack.wait_until_idle(timeout=float(query.get("timeout", ["30"])[0]))
            except TimeoutError as exc:
                return 408, {"error": str(exc)}
            return 200, {}
        return 404, {"error": f"no such endpoint: {method} /{'/'.join(parts)}"}

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("control %s - %s", self.address_string(), format % args)
