"""Domain errors. Logic raises these; the API layer maps each to one HTTP status (rsc_connector.api.errors)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class DomainError(Exception):
    """Base of every error an API caller can see. `code` is stable and machine-readable."""

    status: HTTPStatus = HTTPStatus.BAD_REQUEST
    code: str = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class BadRequest(DomainError):
    status = HTTPStatus.BAD_REQUEST
    code = "BAD_REQUEST"


class UnsupportedMediaType(DomainError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    code = "UNSUPPORTED_CONTENT_TYPE"


class PayloadTooLarge(DomainError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "BODY_TOO_LARGE"


class InvalidOAuthState(DomainError):
    """The OAuth `state` is unknown, expired, already used, or belongs to another account or user."""

    status = HTTPStatus.BAD_REQUEST
    code = "INVALID_OAUTH_STATE"


class Unauthenticated(DomainError):
    status = HTTPStatus.UNAUTHORIZED
    code = "UNAUTHENTICATED"


class RequirementNotMet(DomainError):
    """A requirement of the seed: Enterprise plan, Admin/Owner role, contract-level access..."""

    status = HTTPStatus.FORBIDDEN
    code = "REQUIREMENT_NOT_MET"


class NotFound(DomainError):
    status = HTTPStatus.NOT_FOUND
    code = "NOT_FOUND"


class Conflict(DomainError):
    status = HTTPStatus.CONFLICT
    code = "CONFLICT"


class LinkedInUnavailable(DomainError):
    """LinkedIn failed or refused a call we needed; nothing on our side was left half written."""

    status = HTTPStatus.BAD_GATEWAY
    code = "LINKEDIN_UNAVAILABLE"


class TooManyRequests(DomainError):
    """A budget we keep for the customer (LinkedIn's daily call limits) is used up for now."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "TOO_MANY_REQUESTS"


class AtsUnavailable(DomainError):
    """The ATS export API failed or refused a call we needed."""

    status = HTTPStatus.BAD_GATEWAY
    code = "ATS_UNAVAILABLE"


class ConfigurationError(Exception):
    """The deployment is misconfigured (missing secret, bad parameter). Not an API caller's fault."""


def step_error_cause(error: dict[str, Any]) -> str:
    """The readable cause of a Step Functions Catch payload ``{"Error", "Cause"}`` (a Lambda's errorMessage)."""
    import json

    cause = error.get("Cause") or error.get("Error") or "unknown error"
    try:
        parsed = json.loads(cause) if isinstance(cause, str) else cause
        if isinstance(parsed, dict):
            return str(parsed.get("errorMessage") or parsed.get("errorType") or cause)
    except ValueError:
        pass
    return str(cause)
