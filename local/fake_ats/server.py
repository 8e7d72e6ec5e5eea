"""FakeAts: the export API and its control API over HTTP on 127.0.0.1 (docs/fake-ats.md)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from .app import MAX_BODY, FakeAtsApp, Faults, Response, summary
from .spec import DatasetSpec

DEFAULT_TOKEN = "local-ats-token"


class FakeAts:
    """A deterministic ATS serving the export API (docs/ats-export-api.yaml) for the local stack and tests.

    Args:
        host, port: Where to listen; ``port=0`` picks a free port at the first ``start`` (later starts reuse it).
        token: The bearer token the export API accepts.
        datasets: Account id -> DatasetSpec (or its JSON form); other accounts are 404 unless ``default_dataset``.
        latency_ms: Delay before every export response.
        fault_rate: Share of valid export requests answered with one of ``fault_statuses`` instead.
        seed: Seeds the fault sequence (datasets have their own seeds).
        fault_statuses: Statuses injected faults use (429/500/502/503/504); 429 and 503 carry Retry-After.
        retry_after: Seconds announced in Retry-After.
        default_dataset: Serve unknown accounts too, each with this spec and a seed derived from the account id.
        verbose: Log every request to stderr.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        datasets: Mapping[str, DatasetSpec | Mapping[str, Any]] | None = None,
        latency_ms: int = 0,
        fault_rate: float = 0.0,
        seed: int = 0,
        *,
        fault_statuses: tuple[int, ...] | list[int] = (500, 503, 429),
        retry_after: int = 1,
        default_dataset: DatasetSpec | Mapping[str, Any] | None = None,
        verbose: bool = False,
    ) -> None:
        faults = Faults().updated(
            {"rate": fault_rate, "statuses": list(fault_statuses), "latencyMs": latency_ms, "retryAfter": retry_after}
        )
        self.app = FakeAtsApp(token, datasets, faults=faults, seed=seed, default_dataset=default_dataset)
        self._host = host
        self._port = port
        self._verbose = verbose
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()

    # -- lifecycle (the local stack's LocalService protocol) --------------------------------------------------

    def start(self) -> None:
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("the fake ATS is already running")
            server = _Server((self._host, self._port), self.app, verbose=self._verbose)
            self._port = server.server_address[1]
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-ats", daemon=True
            )
            thread.start()
            self._server, self._thread = server, thread

    def stop(self) -> None:
        """Stop serving and close open connections; ``start`` may be called again."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            if server is None or thread is None:
                return
            server.shutdown()
            server.close_connections()
            server.server_close()
            thread.join()
            self._server = self._thread = None

    def reset(self) -> None:
        """Back to the constructor's datasets and faults; counters at zero."""
        self.app.reset()

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> FakeAts:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """The export API root: pages are at ``{base_url}/accounts/{accountId}/{resource}``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_control"

    @property
    def token(self) -> str:
        return self.app.token

    # -- in-process control (same rules as /_control) ---------------------------------------------------------

    def put_dataset(self, account_id: str, spec: DatasetSpec | Mapping[str, Any]) -> DatasetSpec:
        """Create or replace an account's dataset (cursors of the old one stop working)."""
        return self.app.put_dataset(account_id, spec)

    def remove_dataset(self, account_id: str) -> bool:
        return self.app.remove_dataset(account_id)

    def dataset(self, account_id: str) -> DatasetSpec | None:
        """The spec this account is served from (feed it to ``fake_ats.records`` to get what was served)."""
        return self.app.dataset_for(account_id)

    def account_summary(self, account_id: str) -> dict[str, Any] | None:
        spec = self.app.dataset_for(account_id)
        return summary(account_id, spec) if spec is not None else None

    def set_faults(
        self,
        *,
        rate: float | None = None,
        statuses: list[int] | tuple[int, ...] | None = None,
        latency_ms: int | None = None,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        """Change the given fault settings (the others keep their values); returns them all."""
        changes: dict[str, Any] = {}
        if rate is not None:
            changes["rate"] = rate
        if statuses is not None:
            changes["statuses"] = list(statuses)
        if latency_ms is not None:
            changes["latencyMs"] = latency_ms
        if retry_after is not None:
            changes["retryAfter"] = retry_after
        self.app.set_faults(self.app.faults.updated(changes))
        return self.app.faults.to_json()

    def stats(self) -> dict[str, Any]:
        return self.app.stats.to_json()


def service(**options: Any) -> FakeAts:
    """The local stack's factory (``ats.service = "fake_ats:service"``): ``FakeAts(**options)``.

    ``datasets`` and ``default_dataset`` may be JSON (a config file): DatasetSpec fields, or
    ``{"total_records": N, "seed": S}``.
    """
    return FakeAts(**options)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: FakeAtsApp, *, verbose: bool) -> None:
        self.app = app
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server: _Server

    def _handle(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if self.headers.get("Transfer-Encoding") or length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._send(Response.error(400, "BAD_REQUEST", "send a Content-Length of at most 1 MiB, not chunked"))
            return
        body = self.rfile.read(length) if length else b""
        target = self.path
        if "://" in target.split("?", 1)[0]:  # absolute-form request target
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        path, _, query = target.partition("?")
        self._send(self.server.app.handle(self.command, path or "/", query, dict(self.headers.items()), body))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, huge headers) as JSON too."""
        self.close_connection = True
        self._send(Response.error(code, "BAD_REQUEST", message or self.responses.get(code, ("Error", ""))[0]))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if getattr(self, "command", None) != "HEAD" and response.status != 204:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)
