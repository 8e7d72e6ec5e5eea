"""The API resolver every handler uses: validation, one error shape, and no 500 for bad input.

Errors are always {"error": {"code", "message", "details"}} (architecture section 3).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel

from rsc_connector.auth.claims import Caller
from rsc_connector.errors import ConfigurationError, DomainError
from rsc_connector.observability import logger

MAX_BODY_BYTES = 64 * 1024
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
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "INVALID_REQUEST",
            "The request is not valid.",
            _validation_details(exc.errors()),
        )

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

    for register in registrations:
        register(app)
    return app


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
    from rsc_connector.errors import BadRequest

    event = app.current_event
    content_type = (event.headers or {}).get("content-type") or (event.headers or {}).get("Content-Type") or ""
    raw = event.body or ""
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise BadRequest("The request body is too large.", code="BODY_TOO_LARGE")
    if not raw:
        return {}
    if "json" not in content_type.lower():
        raise BadRequest("Send the body as application/json.", code="UNSUPPORTED_CONTENT_TYPE")
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest("The body is not valid JSON.", code="INVALID_JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.", code="INVALID_JSON")
    return body


def parse_body(app: APIGatewayRestResolver, model: type[BodyT]) -> BodyT:
    """Validate the JSON body against a pydantic model; a 422 with the fields at fault otherwise."""
    from pydantic import ValidationError

    from rsc_connector.errors import DomainError as _DomainError

    try:
        return model.model_validate(json_body(app))
    except ValidationError as exc:
        error = _DomainError(
            "The request is not valid.", code="INVALID_REQUEST", details=_validation_details(exc.errors())
        )
        error.status = HTTPStatus.UNPROCESSABLE_ENTITY
        raise error from None
