"""Lambda authorizers, evaluated the way API Gateway (REST) evaluates them.

- Identity sources first: a missing or empty one (REQUEST), a missing token or one that fails
  ``identityValidationExpression`` (TOKEN) is 401 ``Unauthorized`` without calling the function.
- The function raising with the message ``Unauthorized`` is 401; any other error is 500 ``{"message": null}``
  (API Gateway's AUTHORIZER_FAILURE); a response without ``principalId``/``policyDocument``, or a ``context``
  value that is an object or array, is 500 ``{"message": null}`` (AUTHORIZER_CONFIGURATION_ERROR).
- The policy is evaluated against the method ARN: an explicit Deny is 403 ``User is not authorized to access this
  resource with an explicit deny``; no matching Allow is 403 ``User is not authorized to access this resource``.
- Results are cached per identity-source values for ``authorizerResultTtlInSeconds`` and the cached policy is
  re-evaluated for each method ARN (so a policy scoped to one method denies others while cached, as in AWS).
- ``context`` reaches the integration as ``requestContext.authorizer`` with ``principalId`` and
  ``integrationLatency``; values are strings there (numbers and booleans are stringified, as in REST APIs).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rsc_local.api_model import Authorizer
from rsc_local.functions import Invocation

EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
IMPLICIT_DENY = "User is not authorized to access this resource"


@dataclass(frozen=True)
class AuthDecision:
    """Allowed with the ``requestContext.authorizer`` value, or a gateway error (type, status, message)."""

    authorizer_context: dict[str, Any] | None = None
    error_type: str | None = None
    status: int = 200
    message: str | None = None

    @property
    def allowed(self) -> bool:
        return self.error_type is None


def _deny(error_type: str, status: int, message: str | None) -> AuthDecision:
    return AuthDecision(error_type=error_type, status=status, message=message)


UNAUTHORIZED = _deny("UNAUTHORIZED", 401, "Unauthorized")
AUTHORIZER_FAILURE = _deny("AUTHORIZER_FAILURE", 500, None)
AUTHORIZER_CONFIGURATION_ERROR = _deny("AUTHORIZER_CONFIGURATION_ERROR", 500, None)


@dataclass(frozen=True)
class AuthRequest:
    """What an authorizer may look at; header lookups are case-insensitive."""

    method_arn: str
    resource: str
    path: str
    http_method: str
    headers: Mapping[str, str]
    multi_value_headers: Mapping[str, list[str]]
    query: Mapping[str, str]
    multi_value_query: Mapping[str, list[str]]
    path_parameters: Mapping[str, str]
    stage_variables: Mapping[str, str]
    request_context: Mapping[str, Any]

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


class AuthorizerRunner:
    """Runs authorizers through ``invoke`` and caches their results."""

    def __init__(self, invoke: Callable[[str, Any], Invocation]) -> None:
        self._invoke = invoke
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def authorize(self, authorizer: Authorizer, request: AuthRequest) -> AuthDecision:
        identity = self._identity(authorizer, request)
        if identity is None:
            return UNAUTHORIZED
        key = (authorizer.name, identity)
        started = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached[0] > started:
            response = cached[1]
        else:
            invocation = self._invoke(authorizer.function, _event(authorizer, request))
            if not invocation.ok:
                return UNAUTHORIZED if invocation.error_message == "Unauthorized" else AUTHORIZER_FAILURE
            response = invocation.payload
            if not _valid_response(response):
                return AUTHORIZER_CONFIGURATION_ERROR
            if authorizer.ttl_seconds > 0 and authorizer.identity_sources:
                with self._lock:
                    self._cache[key] = (started + authorizer.ttl_seconds, response)
        latency = int((time.monotonic() - started) * 1000)
        verdict = evaluate_policy(response["policyDocument"], request.method_arn)
        if verdict == "Deny":
            return _deny("ACCESS_DENIED", 403, EXPLICIT_DENY)
        if verdict is None:
            return _deny("ACCESS_DENIED", 403, IMPLICIT_DENY)
        context = {k: _stringify(v) for k, v in (response.get("context") or {}).items()}
        return AuthDecision(
            authorizer_context={**context, "principalId": response["principalId"], "integrationLatency": latency}
        )

    @staticmethod
    def _identity(authorizer: Authorizer, request: AuthRequest) -> tuple[str, ...] | None:
        """The identity-source values, or None when one is missing (API Gateway answers 401 itself)."""
        values: list[str] = []
        for source in authorizer.identity_sources:
            value = _identity_value(source, request)
            if value is None or value == "":
                return None
            values.append(value)
        if authorizer.type == "TOKEN":
            if not values:
                return None
            if authorizer.validation_expression and not re.fullmatch(authorizer.validation_expression, values[0]):
                return None
        return tuple(values)


def _identity_value(source: str, request: AuthRequest) -> str | None:
    if source.startswith("method.request.header."):
        return request.header(source.removeprefix("method.request.header."))
    if source.startswith("method.request.querystring."):
        return request.query.get(source.removeprefix("method.request.querystring."))
    if source.startswith("stageVariables."):
        return request.stage_variables.get(source.removeprefix("stageVariables."))
    if source.startswith("context."):
        value: Any = request.request_context
        for part in source.removeprefix("context.").split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return None if value is None else str(value)
    return None


def _event(authorizer: Authorizer, request: AuthRequest) -> dict[str, Any]:
    if authorizer.type == "TOKEN":
        token = _identity_value(authorizer.identity_sources[0], request)
        return {"type": "TOKEN", "authorizationToken": token, "methodArn": request.method_arn}
    return {
        "type": "REQUEST",
        "methodArn": request.method_arn,
        "resource": request.resource,
        "path": request.path,
        "httpMethod": request.http_method,
        "headers": dict(request.headers),
        "multiValueHeaders": {k: list(v) for k, v in request.multi_value_headers.items()},
        "queryStringParameters": dict(request.query),
        "multiValueQueryStringParameters": {k: list(v) for k, v in request.multi_value_query.items()},
        "pathParameters": dict(request.path_parameters),
        "stageVariables": dict(request.stage_variables),
        "requestContext": dict(request.request_context),
    }


def _valid_response(response: Any) -> bool:
    if not isinstance(response, dict) or "principalId" not in response:
        return False
    policy = response.get("policyDocument")
    if not isinstance(policy, dict) or "Statement" not in policy:
        return False
    context = response.get("context") or {}
    return isinstance(context, dict) and all(not isinstance(v, dict | list) for v in context.values())


def evaluate_policy(policy: Mapping[str, Any], method_arn: str) -> str | None:
    """``"Deny"`` if a statement explicitly denies ``execute-api:Invoke`` on the ARN, ``"Allow"`` if one allows
    it (and none denies), None otherwise."""
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not _covers(statement.get("Action", []), "execute-api:Invoke", ignore_case=True):
            continue
        if not _covers(statement.get("Resource", []), method_arn, ignore_case=False):
            continue
        effect = str(statement.get("Effect", ""))
        if effect == "Deny":
            return "Deny"
        allowed = allowed or effect == "Allow"
    return "Allow" if allowed else None


def _covers(patterns: Any, value: str, *, ignore_case: bool) -> bool:
    for pattern in [patterns] if isinstance(patterns, str) else list(patterns):
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in str(pattern))
        if re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0):
            return True
    return False


def _stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
