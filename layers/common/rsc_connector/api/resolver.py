"""The API resolver every handler uses: validation, one error shape, and no 500 for bad input.

Errors are always {"error": {"code", "message", "details"}} (architecture section 3).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import BaseModel

from rsc_connector.auth.claims import Caller
from rsc_connector.errors import ConfigurationError, DomainError
from rsc_connector.observability import logger

MAX_BODY_BYTES = 64 * 1024
# Deeper bodies are refused before anything walks them: Python's json and pydantic recurse, and DynamoDB refuses
# documents nested deeper than 32 levels (a RecursionError or ValidationException there would be a 500).
MAX_BODY_DEPTH = 32
BodyT = TypeVar("BodyT", bound="BaseModel")


def error_response(status: int, code: str, message: str, details: Any = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps({"error": {"code": code, "message": message, "details": details}}),
    )


def _validation_details(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors or []:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        out.append({"field": ".".join(loc) or "body", "problem": str(err.get("msg", "invalid"))[:200]})
    return out[:20]


def build_resolver(*registrations: Callable[[APIGatewayRestResolver], None]) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[str]:
        return error_response(int(exc.status), exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[str]:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return error_response(HTTPStatus.BAD_REQUEST, "INVALID_JSON", "The body is not valid JSON.")
        try:
            json_body(app)  # a body of the wrong kind (array, text/plain, too large) says so first
        except DomainError as body_error:
            return _domain(body_error)
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "INVALID_REQUEST",
            "The request is not valid.",
            _validation_details(exc.errors()),
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def _content_type(_: RequestUnsupportedContentType) -> Response[str]:
        return error_response(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_CONTENT_TYPE", "Send the body as application/json."
        )

    @app.exception_handler([RecursionError, UnicodeDecodeError])
    def _undecodable(exc: Exception) -> Response[str]:
        # Powertools' request validation parses the body before _body_guard runs: "[[[[..." and a base64-encoded
        # body that is not UTF-8 end up here.
        try:
            json_body(app)
        except DomainError as body_error:
            return _domain(body_error)
        return _unexpected(exc)  # not the body's fault: a bug of ours

    @app.exception_handler(ConfigurationError)
    def _config(exc: ConfigurationError) -> Response[str]:
        logger.error("configuration error", extra={"problem": str(exc)})
        return error_response(HTTPStatus.SERVICE_UNAVAILABLE, "SERVICE_MISCONFIGURED", "The service is not configured.")

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return error_response(HTTPStatus.NOT_FOUND, "NOT_FOUND", "No such route.")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "Something went wrong on our side.")

    app.use(middlewares=[_body_guard])
    for register in registrations:
        register(app)
    return app


def _body_guard(app: APIGatewayRestResolver, next_middleware: Any) -> Any:
    """Every body is a JSON object of bounded size and depth (no 500 on odd input). Powertools runs its request
    validation before this middleware: its errors reach _invalid and _undecodable, which call json_body too."""
    json_body(app)
    return next_middleware(app)


def caller_of(app: APIGatewayRestResolver) -> Caller:
    """The authenticated ATS user (from the Lambda authorizer's context)."""
    return Caller.from_authorizer_context(app.current_event.request_context.authorizer.raw_event)


def public_base_url(app: APIGatewayRestResolver, configured: str) -> str:
    """Our public URL: the configured one, else https://{domain}/{stage} of the request (API Gateway)."""
    if configured:
        return configured.rstrip("/")
    ctx = app.current_event.request_context
    return f"https://{ctx.domain_name}/{ctx.stage}"


def json_body(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The JSON object body, or a 4xx: wrong content type, too large, not JSON, not an object."""
    from rsc_connector.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

    event = app.current_event
    content_type = (event.headers or {}).get("content-type") or (event.headers or {}).get("Content-Type") or ""
    data = (event.body or "").encode()
    if event.is_base64_encoded and data:  # API Gateway passes a body that is not UTF-8 (or binary) in base64
        try:
            data = base64.b64decode(data, validate=True)
        except ValueError:
            raise BadRequest("The body is not valid JSON.", code="INVALID_JSON") from None
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if not data:
        return {}
    if "json" not in content_type.lower():
        raise UnsupportedMediaType("Send the body as application/json.")
    try:
        body = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; RecursionError: "[[[[..."
        raise BadRequest("The body is not valid JSON.", code="INVALID_JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.", code="INVALID_JSON")
    if _depth_exceeds(body, MAX_BODY_DEPTH):
        raise BadRequest(f"The body is nested deeper than {MAX_BODY_DEPTH} levels.", code="INVALID_JSON")
    return body


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True if objects/arrays nest deeper than ``limit`` (iterative: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
