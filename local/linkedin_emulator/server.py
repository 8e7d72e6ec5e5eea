"""Routing, strictness common to every endpoint, the request log, and the threaded HTTP server."""

from __future__ import annotations

import contextlib
import math
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from rsc_connector.linkedin import assumptions as A

from . import applications, candidates, control, integrations, jobs, oauth, pages, provisioning, seats
from .context import Call, Context, Handler
from .faults import AFTER_APPLY, BEFORE_APPLY, FAULT_429, Fault, fault_response
from .model import AccessToken
from .restli import check_length, untunnel
from .syncstore import (
    APPLICATION_FEEDBACK,
    APPLICATION_NOTES,
    APPLICATION_STAGES,
    APPLICATIONS,
    CANDIDATE_NOTES,
    CANDIDATES,
    JOB_TASKS,
    JOBS,
    SYNC_FAMILIES,
)
from .wire import (
    FORM_CONTENT_TYPE,
    SERVICE_ERROR_NO_PERMISSION,
    ApiError,
    Headers,
    OAuthError,
    PageError,
    Request,
    Response,
)

SERVICE_ERROR_THROTTLED = A.THROTTLE_SERVICE_ERROR_CODE
API_PREFIX = "/v2/"
CONTROL_PREFIX = "/_control/"
REDACTED_FORM_FIELDS = ("client_secret",)
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    handlers: Mapping[str, Handler]
    access: str | None = None  # "partner" | "child" | "member" for /v2 resources; None: no bearer token
    family: str | None = None  # the rate-limit family of a /v2 resource
    name: str | None = None  # the resource named in "Not enough permissions" (default: the family)
    gate: Callable[[Context], ApiError | None] | None = None  # an error while the resource is made unavailable


def _route(
    pattern: str,
    handlers: Mapping[str, Handler],
    access: str | None = None,
    family: str | None = None,
    *,
    name: str | None = None,
    gate: Callable[[Context], ApiError | None] | None = None,
) -> Route:
    return Route(re.compile(pattern), handlers, access, family, name, gate)


_KEY = r"(?P<key>[^/]+)"
ROUTES: tuple[Route, ...] = (
    _route(r"^/oauth/v2/accessToken$", {"GET": oauth.access_token, "POST": oauth.access_token}),
    _route(r"^/oauth/v2/authorization$", {"GET": oauth.authorization, "POST": oauth.authorization}),
    _route(
        r"^/v2/provisionedApplications$",
        {"GET": provisioning.find, "POST": provisioning.create},
        "partner",
        "provisionedApplications",
    ),
    _route(
        rf"^/v2/provisionedApplications/{_KEY}$",
        {"POST": provisioning.partial_update},
        "partner",
        "provisionedApplications",
    ),
    _route(
        r"^/v2/atsIntegrations$",
        {"GET": integrations.get_collection, "POST": integrations.post_collection},
        "child",
        "atsIntegrations",
    ),
    _route(
        rf"^/v2/atsIntegrations/{_KEY}/configurations$",
        {
            "GET": integrations.get_configurations,
            "PUT": integrations.put_configurations,
            "DELETE": integrations.delete_configurations,
        },
        "child",
        "atsIntegrations",
    ),
    _route(r"^/v2/me$", {"GET": oauth.me}, "member", "me"),
    _route(r"^/v2/simpleJobPostings$", {"POST": jobs.post_collection}, "child", JOBS),
    _route(r"^/v2/simpleJobPostingTasks$", {"GET": jobs.get_tasks}, "child", JOB_TASKS),
    _route(
        r"^/v2/atsCandidates$",
        {
            "GET": candidates.get_collection,
            "PUT": candidates.put_collection,
            "POST": candidates.post_collection,
            "DELETE": candidates.delete_collection,
        },
        "child",
        CANDIDATES,
    ),
    _route(
        rf"^/v2/atsCandidates/{_KEY}/notes$",
        {"PUT": candidates.put_notes, "DELETE": candidates.delete_notes},
        "child",
        CANDIDATE_NOTES,
    ),
    _route(
        r"^/v2/atsApplications$",
        {"PUT": applications.put_collection, "DELETE": applications.delete_collection},
        "child",
        APPLICATIONS,
    ),
    _route(
        rf"^/v2/atsApplications/{_KEY}/notes$",
        {"PUT": applications.put_notes, "DELETE": applications.delete_notes},
        "child",
        APPLICATION_NOTES,
    ),
    _route(
        rf"^/v2/atsApplications/{_KEY}/stages$",
        {"PUT": applications.put_stages, "DELETE": applications.delete_stages},
        "child",
        APPLICATION_STAGES,
    ),
    _route(
        rf"^/v2/atsApplications/{_KEY}/interviewFeedback$",
        {"PUT": applications.put_feedback, "DELETE": applications.delete_feedback},
        "child",
        APPLICATION_FEEDBACK,
    ),
    _route(
        r"^/v2/seatsV2$",
        {"GET": seats.get_seats_v2},
        "child",
        A.PROSPECT_INTERACTIONS_FAMILY,
        name="seatsV2",
        gate=seats.seats_v2_unavailable,
    ),
    _route(
        r"^/v2/seats$",
        {"GET": seats.get_legacy_seats},
        "child",
        A.PROSPECT_INTERACTIONS_FAMILY,
        name="seats",
        gate=seats.legacy_seats_unavailable,
    ),
    _route(r"^/_control/members$", {"GET": control.members_route, "POST": control.members_route}),
    _route(r"^/_control/seats$", {"GET": control.seats_route, "POST": control.seats_route}),
    _route(r"^/_control/seats/(?P<seat_id>[^/]+)$", {"POST": control.seat_route, "DELETE": control.seat_route}),
    _route(r"^/_control/seat-settings$", {"GET": control.seat_settings_route, "POST": control.seat_settings_route}),
    _route(r"^/_control/widget-request$", {"POST": control.widget_request_route}),
    _route(r"^/_control/integrations/status$", {"POST": control.status_route}),
    _route(r"^/_control/push-settings$", {"GET": control.push_settings_route, "POST": control.push_settings_route}),
    _route(r"^/_control/pushes$", {"GET": control.pushes_route}),
    _route(r"^/_control/pushes/(?P<push_id>[^/]+)/redeliver$", {"POST": control.redeliver_route}),
    _route(r"^/_control/requests$", {"GET": control.requests_route, "DELETE": control.requests_route}),
    _route(r"^/_control/state$", {"GET": control.state_route}),
    _route(r"^/_control/usage$", {"GET": control.usage_route}),
    _route(r"^/_control/limits$", {"GET": control.limits_route, "POST": control.limits_route}),
    _route(r"^/_control/clock$", {"GET": control.clock_route, "POST": control.clock_route}),
    _route(r"^/_control/reset$", {"POST": control.reset_route}),
    _route(r"^/_control/apps$", {"GET": control.apps_route}),
    _route(r"^/_control/apps/(?P<client_id>[^/]+)$", {"POST": control.app_route}),
    _route(r"^/_control/data$", {"GET": control.data_route}),
    _route(r"^/_control/data/counts$", {"GET": control.data_counts_route}),
    _route(r"^/_control/job-tasks$", {"GET": control.job_tasks_route, "POST": control.job_tasks_route}),
    _route(r"^/_control/faults$", {"GET": control.faults_route, "POST": control.faults_route}),
    _route(r"^/_control/request-log$", {"GET": control.request_log_route, "POST": control.request_log_route}),
)


class Router:
    """Turns a Request into a Response: injected faults, 414, tunneling, 404/405, authentication, daily limits,
    permissions."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def handle(self, wire: Request) -> Response:
        is_control = wire.path.startswith(CONTROL_PREFIX)
        fault = None if is_control else self._fault(wire)
        if fault is not None and fault.kind in BEFORE_APPLY:
            response = fault_response(fault.kind)
        else:
            response = self._respond(wire, is_control)
        if wire.path.startswith(API_PREFIX):
            response.headers.setdefault("X-RestLi-Protocol-Version", "1.0.0")
        if fault is not None and fault.kind in AFTER_APPLY:
            applied = response.status
            response = fault_response(fault.kind)
            response.headers.setdefault("X-RestLi-Protocol-Version", "1.0.0")
        else:
            applied = None
        if not is_control:
            self._record(wire, response, fault, applied)
        return response

    def _fault(self, wire: Request) -> Fault | None:
        """Draw this request's injected latency / fault and wait out the latency (outside every lock)."""
        faults = self.ctx.state.faults
        if not faults.settings.active:
            return None
        value = oauth.bearer_value(wire)
        token = self.ctx.state.token(value) if value else None
        fault = faults.decide(wire.path, token.client_id if token is not None else None)
        if fault is None:
            return None
        if fault.kind == FAULT_429 and token is not None:
            self.ctx.state.sync.note_injected_429(token.client_id)
        if fault.delay_seconds > 0:
            time.sleep(fault.delay_seconds)
        return fault

    def _respond(self, wire: Request, is_control: bool) -> Response:
        try:
            return self._dispatch(wire, is_control)
        except ApiError as error:
            return error.to_response()
        except OAuthError as error:
            return error.to_response()
        except PageError as error:
            return Response.html(error.status, pages.error_page(error.title, error.detail))
        except Exception as error:  # a bug in the emulator: say so, loudly
            traceback.print_exc(file=sys.stderr)
            return ApiError(500, f"Internal emulator error: {type(error).__name__}: {error}").to_response()

    def _dispatch(self, wire: Request, is_control: bool) -> Response:
        if not is_control:
            check_length(f"{wire.path}?{wire.query}" if wire.query else wire.path, wire.query)
        request = untunnel(wire) if wire.path.startswith(API_PREFIX) else wire
        for route in ROUTES:
            match = route.pattern.match(request.path)
            if match is None:
                continue
            unavailable = route.gate(self.ctx) if route.gate is not None else None
            if unavailable is not None:
                raise unavailable
            handler = route.handlers.get(request.method)
            if handler is None:
                allowed = ", ".join(sorted(route.handlers))
                raise ApiError(
                    405, f"Method {request.method} is not allowed here; allowed: {allowed}", None, {"Allow": allowed}
                )
            token = self._admit(route, request) if route.access is not None else None
            return handler(self.ctx, Call(request, match.groupdict(), token))
        raise ApiError(404, f"No resource at {request.path}")

    def _admit(self, route: Route, request: Request) -> AccessToken:
        """Authenticate, count the call against the daily limit, then check the token may use the resource."""
        assert route.family is not None
        token = oauth.authenticate(self.ctx, request)
        count, limit = self.ctx.state.count_call(token.client_id, route.family)
        if limit is not None and count > limit:
            if route.family in SYNC_FAMILIES:
                self.ctx.state.sync.note_daily_throttle(token.client_id, route.family)
            raise ApiError(
                A.THROTTLE_STATUS,
                "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
                SERVICE_ERROR_THROTTLED,
                {A.RETRY_AFTER_HEADER: str(self._seconds_to_utc_midnight())},
            )
        app = self.ctx.state.app(token.client_id)
        member_token = token.member_id is not None
        allowed = {
            "partner": app is not None and app.is_partner and not member_token,
            "child": app is not None and not app.is_partner and not member_token,
            "member": member_token,
        }[route.access or ""]
        if not allowed:
            raise ApiError(
                403,
                f"Not enough permissions to access: {request.method} /{route.name or route.family}",
                SERVICE_ERROR_NO_PERMISSION,
            )
        return token

    def _seconds_to_utc_midnight(self) -> int:
        now = self.ctx.clock.now()
        return max(1, math.ceil((math.floor(now / SECONDS_PER_DAY) + 1) * SECONDS_PER_DAY - now))

    def _record(self, wire: Request, response: Response, fault: Fault | None, applied: int | None) -> None:
        state = self.ctx.state
        settings = state.request_log_settings
        if not settings.enabled:
            state.skip_request()
            return
        value = oauth.bearer_value(wire)
        token = state.token(value) if value else None
        owner = token.client_id if token is not None else None
        headers = wire.headers.as_dict()
        for name in list(headers):
            if name.lower() == "authorization":
                headers[name] = f"Bearer <redacted:{owner or 'unknown'}>"
        entry: dict[str, Any] = {
            "method": wire.method,
            "path": wire.path,
            "query": wire.query,
            "headers": headers,
            "body": _redacted_body(wire, settings.max_body_bytes),
            "status": None if response.drop else response.status,
            "at": self.ctx.clock.now_ms(),
            "app": owner,
        }
        if fault is not None and fault.kind is not None:
            entry["fault"] = fault.kind
            if applied is not None:
                entry["appliedStatus"] = applied
        state.record_request(entry)


def _redacted_body(request: Request, max_bytes: int | None = None) -> str:
    text = request.body.decode("utf-8", errors="replace")
    if request.content_type == FORM_CONTENT_TYPE and any(f in text for f in REDACTED_FORM_FIELDS):
        pairs = [
            (name, "<redacted>" if name in REDACTED_FORM_FIELDS else value)
            for name, value in parse_qsl(text, keep_blank_values=True)
        ]
        text = urlencode(pairs)
    if max_bytes is not None and len(text) > max_bytes:
        return f"{text[:max_bytes]}...<{len(text) - max_bytes} more characters>"
    return text


# -- the HTTP server ---------------------------------------------------------------------------------------------


class EmulatorHTTPServer(ThreadingHTTPServer):
    """One thread per connection; remembers open connections so ``stop`` can close keep-alive ones."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # listen backlog: the enablement poll opens 32 connections at once (5 reset some)

    def __init__(self, address: tuple[str, int], router: Router, *, verbose: bool = False) -> None:
        self.router = router
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

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


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40-ms delayed-ACK stalls on keep-alive connections
    server: EmulatorHTTPServer

    def _handle(self) -> None:
        if self.headers.get("Transfer-Encoding"):
            self._send(ApiError(411, "Length Required: send a Content-Length, not a chunked body").to_response())
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                raise ValueError(length)
        except ValueError:
            self._send(ApiError(400, "Invalid Content-Length").to_response())
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        target = self.path
        if "://" in target.split("?", 1)[0]:  # absolute-form request target
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        path, _, query = target.partition("?")
        request = Request(self.command, path or "/", query, Headers(list(self.headers.items())), body)
        self._send(self.server.router.handle(request))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unsupported method, huge headers) as JSON too."""
        self.close_connection = True
        default = self.responses.get(code, ("Error", ""))[0]
        self._send(ApiError(code, message or default).to_response())

    def _send(self, response: Response) -> None:
        if response.drop:  # an injected fault: close the connection without a reply
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if getattr(self, "command", None) != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)
