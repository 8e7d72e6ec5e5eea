"""An HTTP server on 127.0.0.1 that plays API Gateway (REST API, Lambda proxy integration) for the template.

moto does not proxy API Gateway to Lambda, so this adapter serves each API stage at ``/{StageName}/...`` (like the
path of an execute-api URL), builds the REST proxy event, runs the route's authorizer (:mod:`rsc_local.api_auth`)
and invokes the real handler. API Gateway's answers are reproduced where the handlers or a client can see them:

- unknown stage: 403 ``{"message": "Forbidden"}``; unknown path or method: 403 ``Missing Authentication Token``;
- handler error or malformed proxy response: 502 ``{"message": "Internal server error"}``; a handler that runs past
  API Gateway's 29 s integration timeout: 504 ``{"message": "Endpoint request timed out"}`` (after it finished);
- a body whose Content-Type matches the API's binary media types reaches the handler base64-encoded; a response
  with ``isBase64Encoded`` is decoded only if the request's Accept header matches them (otherwise the base64 text is
  returned, as API Gateway does);
- ``path`` keeps the request's percent-encoding, ``pathParameters`` and query parameters are decoded; headers
  X-Forwarded-For/-Port/-Proto are added; absent maps are ``null``; ``x-amazon-apigateway-gateway-responses``
  (status, headers, ``application/json`` template) customise the errors above.

Deviations: a request body that is not UTF-8 and not a binary media type is passed base64-encoded (API Gateway would
mangle it); no throttling, usage plans, request validation or mapping templates.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from rsc_local.api_auth import AuthorizerRunner, AuthRequest
from rsc_local.api_model import RestApi, Route
from rsc_local.errors import LocalStackError, TemplateError
from rsc_local.functions import FunctionRegistry
from rsc_local.intrinsics import ACCOUNT_ID

log = logging.getLogger(__name__)

INTEGRATION_TIMEOUT_SECONDS = 29
_ERROR_TYPES = {
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "UNAUTHORIZED": "UnauthorizedException",
    "ACCESS_DENIED": "AccessDeniedException",
    "AUTHORIZER_FAILURE": "AuthorizerFailureException",
    "AUTHORIZER_CONFIGURATION_ERROR": "AuthorizerConfigurationException",
    "INTEGRATION_FAILURE": "InternalServerErrorException",
    "INTEGRATION_TIMEOUT": "InternalServerErrorException",
    "FORBIDDEN": "ForbiddenException",
}


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str
    """The request target as sent (path and query, percent-encoded)."""
    headers: list[tuple[str, str]]
    body: bytes
    client_ip: str
    server_port: int


class Gateway:
    """Routes requests to the configured APIs (no I/O: :class:`ApiAdapter` feeds it)."""

    def __init__(self, apis: Iterable[RestApi], registry: FunctionRegistry, region: str) -> None:
        self._registry = registry
        self._region = region
        self._auth = AuthorizerRunner(registry.invoke)
        self._by_stage: dict[str, list[RestApi]] = {}
        for api in apis:
            self._by_stage.setdefault(api.stage, []).append(api)
        self._check_unique_routes()
        for api in self.apis:
            for route in api.routes:
                for function in (route.function, route.authorizer.function if route.authorizer else None):
                    if function is not None and registry.find(function) is None:
                        raise TemplateError(
                            f"{api.logical_id} {route.method} {route.resource_path}: no function {function}"
                        )

    @property
    def apis(self) -> list[RestApi]:
        return [api for apis in self._by_stage.values() for api in apis]

    def clear_authorizer_cache(self) -> None:
        self._auth.clear_cache()

    def _check_unique_routes(self) -> None:
        for stage, apis in self._by_stage.items():
            seen: dict[tuple[str, str], str] = {}
            for api in apis:
                for route in api.routes:
                    key = (route.method, route.resource_path)
                    if key in seen and seen[key] != api.logical_id:
                        raise TemplateError(
                            f"{seen[key]} and {api.logical_id} both serve {route.method} "
                            f"/{stage}{route.resource_path}; the local adapter serves all APIs on one port"
                        )
                    seen[key] = api.logical_id

    def handle(self, request: HttpRequest) -> HttpResponse:
        split = urlsplit(request.target)
        raw_segments = [s for s in split.path.split("/") if s]
        apis = self._by_stage.get(unquote(raw_segments[0])) if raw_segments else None
        if not apis:
            return _error(None, "FORBIDDEN", 403, "Forbidden")
        stage = apis[0].stage
        resource_path = "/" + "/".join(raw_segments[1:])
        found = self._route(apis, request.method, tuple(unquote(s) for s in raw_segments[1:]))
        if found is None:
            return _error(apis[0], "MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token")
        api, route, path_parameters = found

        headers, multi_headers = _headers(request)
        query, multi_query = _query(split.query)
        request_id = str(uuid.uuid4())
        context = self._request_context(api, route, request, headers, request_id, split.path)
        if route.authorizer is not None:
            decision = self._auth.authorize(
                route.authorizer,
                AuthRequest(
                    method_arn=f"arn:aws:execute-api:{self._region}:{ACCOUNT_ID}:{api.api_id}/{stage}/"
                    f"{request.method}{resource_path}",
                    resource=route.resource_path,
                    path=resource_path,
                    http_method=request.method,
                    headers=headers,
                    multi_value_headers=multi_headers,
                    query=query,
                    multi_value_query=multi_query,
                    path_parameters=path_parameters,
                    stage_variables=api.stage_variables,
                    request_context=context,
                ),
            )
            if not decision.allowed:
                return _error(api, str(decision.error_type), decision.status, decision.message)
            context["authorizer"] = decision.authorizer_context
        if route.mock is not None:
            return HttpResponse(
                route.mock.status_code, list(route.mock.headers.items()) + _standard_headers(request_id)
            )

        body, is_base64 = _request_body(request, headers, api.binary_media_types)
        event = {
            "resource": route.resource_path,
            "path": resource_path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": dict(api.stage_variables) or None,
            "requestContext": context,
            "body": body,
            "isBase64Encoded": is_base64,
        }
        assert route.function is not None
        invocation = self._registry.invoke(route.function, event)
        if invocation.duration > INTEGRATION_TIMEOUT_SECONDS:
            return _error(api, "INTEGRATION_TIMEOUT", 504, "Endpoint request timed out")
        if not invocation.ok:
            return _error(api, "INTEGRATION_FAILURE", 502, "Internal server error")
        response = _proxy_response(invocation.payload, headers, api.binary_media_types)
        if response is None:
            log.error("%s returned a malformed Lambda proxy response: %r", route.function, invocation.payload)
            return _error(api, "INTEGRATION_FAILURE", 502, "Internal server error")
        response.headers.extend(_standard_headers(request_id))
        return response

    @staticmethod
    def _route(
        apis: list[RestApi], method: str, segments: tuple[str, ...]
    ) -> tuple[RestApi, Route, dict[str, str]] | None:
        best: tuple[tuple[tuple[int, ...], int], RestApi, Route, dict[str, str]] | None = None
        for api in apis:
            for route in api.routes:
                if route.method not in (method, "ANY"):
                    continue
                matched = route.match(segments)
                if matched is None:
                    continue
                rank = (matched[0], 0 if route.method == method else 1)
                if best is None or rank < best[0]:
                    best = (rank, api, route, matched[1])
        return None if best is None else (best[1], best[2], best[3])

    def _request_context(
        self,
        api: RestApi,
        route: Route,
        request: HttpRequest,
        headers: Mapping[str, str],
        request_id: str,
        full_path: str,
    ) -> dict[str, Any]:
        host = next((v for k, v in headers.items() if k.lower() == "host"), f"127.0.0.1:{request.server_port}")
        now = time.time()
        return {
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, api.api_id + route.resource_path).hex[:6],
            "resourcePath": route.resource_path,
            "httpMethod": request.method,
            "extendedRequestId": base64.b32encode(uuid.UUID(request_id).bytes[:10]).decode().rstrip("="),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "path": full_path,
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": api.stage,
            "domainPrefix": host.split(".")[0].split(":")[0],
            "domainName": host,
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.client_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": next((v for k, v in headers.items() if k.lower() == "user-agent"), None),
                "user": None,
            },
            "apiId": api.api_id,
        }


def _headers(request: HttpRequest) -> tuple[dict[str, str], dict[str, list[str]]]:
    pairs = list(request.headers)
    forwarded = [v for k, v in pairs if k.lower() == "x-forwarded-for"]
    pairs = [(k, v) for k, v in pairs if k.lower() not in ("x-forwarded-for", "x-forwarded-port", "x-forwarded-proto")]
    pairs += [
        ("X-Forwarded-For", ", ".join([*forwarded, request.client_ip])),
        ("X-Forwarded-Port", str(request.server_port)),
        ("X-Forwarded-Proto", "http"),
    ]
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in pairs:
        key = names.setdefault(name.lower(), name)
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def _query(query: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def _is_binary(media_type: str, binary_media_types: Iterable[str]) -> bool:
    return bool(media_type) and any(fnmatch.fnmatchcase(media_type, p.lower()) for p in binary_media_types)


def _request_body(
    request: HttpRequest, headers: Mapping[str, str], binary_media_types: tuple[str, ...]
) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    content_type = _media_type(next((v for k, v in headers.items() if k.lower() == "content-type"), None))
    if _is_binary(content_type, binary_media_types):
        return base64.b64encode(request.body).decode(), True
    try:
        return request.body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(request.body).decode(), True


def _proxy_response(
    payload: Any, request_headers: Mapping[str, str], binary_media_types: tuple[str, ...]
) -> HttpResponse | None:
    """The HTTP response for a Lambda proxy result, or None if it is malformed."""
    if not isinstance(payload, dict):
        return None
    try:
        status = int(payload.get("statusCode"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (payload.get("headers") or {}).items()]
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        if not isinstance(values, list):
            return None
        known = {k.lower() for k, _ in headers}
        if name.lower() in known:
            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
        headers += [(str(name), str(v)) for v in values]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = payload.get("body")
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    data = text.encode()
    if payload.get("isBase64Encoded"):
        accepts = [
            _media_type(a)
            for a in next((v for k, v in request_headers.items() if k.lower() == "accept"), "").split(",")
        ]
        if any(_is_binary(a, binary_media_types) for a in accepts):
            try:
                data = base64.b64decode(text, validate=True)
            except ValueError:
                return None
    return HttpResponse(status, headers, data)


def _standard_headers(request_id: str) -> list[tuple[str, str]]:
    return [("x-amzn-RequestId", request_id), ("Date", formatdate(usegmt=True))]


def _error(api: RestApi | None, kind: str, status: int, message: str | None) -> HttpResponse:
    body = json.dumps({"message": message})
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", _ERROR_TYPES.get(kind, kind))]
    custom = None
    if api is not None:
        custom = api.gateway_responses.get(kind) or api.gateway_responses.get(
            "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        )
    if custom is not None:
        status = custom.status_code or status
        headers += list(custom.headers.items())
        template = custom.templates.get("application/json")
        if template is not None:
            body = template.replace("$context.error.messageString", json.dumps(message)).replace(
                "$context.error.message", message or ""
            )
    return HttpResponse(status, headers + _standard_headers(str(uuid.uuid4())), body.encode())


class ApiAdapter:
    """Binds its socket on construction (so the URL is known before the template is deployed), serves once
    :meth:`configure` and :meth:`start` have been called."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.gateway = None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_for_stage(self, stage: str) -> str:
        return f"{self.base_url}/{stage}"

    @property
    def gateway(self) -> Gateway:
        if self._server.gateway is None:
            raise LocalStackError("the API adapter is not configured")
        return self._server.gateway

    def configure(self, gateway: Gateway) -> None:
        self._server.gateway = gateway

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="rsc-api-adapter", daemon=True
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
    gateway: Gateway | None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        gateway = self.server.gateway
        body = self._read_body()
        if gateway is None:
            response = HttpResponse(503, [("Content-Type", "application/json")], b'{"message": "starting"}')
        else:
            try:
                response = gateway.handle(
                    HttpRequest(
                        method=self.command,
                        target=self.path,
                        headers=list(self.headers.items()),
                        body=body,
                        client_ip=self.client_address[0],
                        server_port=self.server.server_address[1],
                    )
                )
            except Exception:
                log.exception("the API adapter failed on %s %s", self.command, self.path)
                response = HttpResponse(
                    500, [("Content-Type", "application/json")], b'{"message": "Internal server error"}'
                )
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The caller gave up before the answer (e.g. LinkedIn's push timeout); the request itself was handled.
            log.info("the caller of %s %s left before the answer was written", self.command, self.path)
            self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve
