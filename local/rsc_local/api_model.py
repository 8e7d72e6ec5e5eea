"""The template's REST APIs, read from the OpenAPI body samtranslator generated (what API Gateway imports).

Reading the translated body rather than the functions' ``Events`` gives exactly API Gateway's view: SAM's
default authorizer, per-route ``Auth: Authorizer: NONE``, implicit APIs, CORS preflight methods and gateway
responses are all already resolved into it. Supported: ``aws_proxy`` Lambda integrations, ``mock`` integrations
(CORS preflight) and Lambda TOKEN/REQUEST authorizers; anything else is a :class:`TemplateError` at start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rsc_local.errors import TemplateError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY_METHOD = "x-amazon-apigateway-any-method"
_FUNCTION_IN_URI = re.compile(r"functions/(arn:[^/]+)/invocations")


@dataclass(frozen=True)
class Authorizer:
    """A Lambda authorizer (``x-amazon-apigateway-authorizer``)."""

    name: str
    type: Literal["TOKEN", "REQUEST"]
    function: str
    identity_sources: tuple[str, ...]
    ttl_seconds: int
    validation_expression: str | None = None


@dataclass(frozen=True)
class MockIntegration:
    status_code: int
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Route:
    resource_path: str
    method: str
    """Upper-case HTTP method, or ``ANY``."""
    function: str | None
    """ARN of the proxied function (``aws_proxy`` integration)."""
    mock: MockIntegration | None
    authorizer: Authorizer | None
    segments: tuple[str, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(s for s in self.resource_path.split("/") if s))

    def match(self, segments: tuple[str, ...]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """Path parameters if the request path fits this resource, with a precedence key (lower wins):
        literal segments beat ``{param}``, which beats a greedy ``{name+}``."""
        params: dict[str, str] = {}
        rank: list[int] = []
        for index, pattern in enumerate(self.segments):
            if pattern.startswith("{") and pattern.endswith("+}"):
                rest = segments[index:]
                if not rest:
                    return None
                params[pattern[1:-2]] = "/".join(rest)
                rank.append(2)
                return tuple(rank), params
            if index >= len(segments):
                return None
            if pattern.startswith("{") and pattern.endswith("}"):
                params[pattern[1:-1]] = segments[index]
                rank.append(1)
            elif pattern == segments[index]:
                rank.append(0)
            else:
                return None
        if len(segments) != len(self.segments):
            return None
        return tuple(rank), params


@dataclass(frozen=True)
class GatewayResponse:
    status_code: int | None
    headers: Mapping[str, str]
    templates: Mapping[str, str]


@dataclass(frozen=True)
class RestApi:
    """One REST API stage the adapter serves at ``/{stage}``."""

    logical_id: str
    api_id: str
    stage: str
    stage_variables: Mapping[str, str]
    binary_media_types: tuple[str, ...]
    routes: tuple[Route, ...]
    gateway_responses: Mapping[str, GatewayResponse]


def rest_apis(
    apis: Mapping[str, Mapping[str, Any]],
    stages: Mapping[str, Mapping[str, Any]],
    resolve: Callable[[Any], Any],
    physical_id: Callable[[str], str],
) -> list[RestApi]:
    """Build the served APIs.

    Args:
        apis: ``AWS::ApiGateway::RestApi`` resources by logical id.
        stages: ``AWS::ApiGateway::Stage`` resources by logical id.
        resolve: Resolves intrinsics against the deployed stack.
        physical_id: Physical id (the REST API id) of a logical id.
    """
    served: list[RestApi] = []
    for logical_id, resource in apis.items():
        properties = resource.get("Properties", {})
        if "Body" not in properties:
            raise TemplateError(f"{logical_id}: only REST APIs defined by an OpenAPI body (SAM's) can be served")
        body = resolve(properties["Body"])
        routes = tuple(_routes(logical_id, body))
        binary = tuple(body.get("x-amazon-apigateway-binary-media-types") or properties.get("BinaryMediaTypes") or ())
        responses = {
            kind: GatewayResponse(
                status_code=int(spec["statusCode"]) if "statusCode" in spec else None,
                headers={
                    k.removeprefix("gatewayresponse.header."): _literal(v)
                    for k, v in (spec.get("responseParameters") or {}).items()
                    if k.startswith("gatewayresponse.header.")
                },
                templates=dict(spec.get("responseTemplates") or {}),
            )
            for kind, spec in (body.get("x-amazon-apigateway-gateway-responses") or {}).items()
        }
        api_id = physical_id(logical_id)
        api_stages = [
            properties
            for properties in (resolve(stage.get("Properties", {})) for stage in stages.values())
            if properties.get("RestApiId") == api_id
        ]
        for stage in api_stages:
            served.append(
                RestApi(
                    logical_id=logical_id,
                    api_id=api_id,
                    stage=str(stage["StageName"]),
                    stage_variables={k: str(v) for k, v in (stage.get("Variables") or {}).items()},
                    binary_media_types=binary,
                    routes=routes,
                    gateway_responses=responses,
                )
            )
    return served


def _routes(api: str, body: Mapping[str, Any]) -> list[Route]:
    schemes = dict(body.get("securityDefinitions") or (body.get("components") or {}).get("securitySchemes") or {})
    default_security = body.get("security")
    routes: list[Route] = []
    for path, operations in (body.get("paths") or {}).items():
        for key, operation in operations.items():
            if key not in HTTP_METHODS and key != ANY_METHOD:
                continue
            method = "ANY" if key == ANY_METHOD else key.upper()
            where = f"{api} {method} {path}"
            integration = operation.get("x-amazon-apigateway-integration") or {}
            kind = str(integration.get("type", "")).lower()
            function: str | None = None
            mock: MockIntegration | None = None
            if kind == "aws_proxy":
                found = _FUNCTION_IN_URI.search(str(integration.get("uri", "")))
                if not found:
                    raise TemplateError(
                        f"{where}: aws_proxy integration is not a Lambda function: {integration.get('uri')}"
                    )
                function = found.group(1)
            elif kind == "mock":
                mock = _mock(integration)
            else:
                raise TemplateError(f"{where}: integration type {kind or 'missing'!r} is not supported locally")
            security = operation.get("security", default_security) or []
            routes.append(
                Route(
                    resource_path=path,
                    method=method,
                    function=function,
                    mock=mock,
                    authorizer=_authorizer(where, security, schemes),
                )
            )
    return routes


def _authorizer(where: str, security: list[Mapping[str, Any]], schemes: Mapping[str, Any]) -> Authorizer | None:
    found: Authorizer | None = None
    for requirement in security:
        for name in requirement:
            if name == "NONE":
                continue
            scheme = schemes.get(name)
            if scheme is None:
                raise TemplateError(f"{where}: unknown security scheme {name!r}")
            spec = scheme.get("x-amazon-apigateway-authorizer")
            kind = str((spec or {}).get("type", "")).lower()
            if scheme.get("x-amazon-apigateway-authtype") != "custom" or kind not in ("token", "request"):
                raise TemplateError(
                    f"{where}: security scheme {name!r} is not a Lambda TOKEN/REQUEST authorizer "
                    "(IAM, Cognito and API keys are not emulated locally)"
                )
            assert spec is not None
            function = _FUNCTION_IN_URI.search(str(spec.get("authorizerUri", "")))
            if not function:
                raise TemplateError(f"{where}: authorizer {name!r} does not call a Lambda function")
            identity = str(spec.get("identitySource") or "")
            found = Authorizer(
                name=name,
                type="TOKEN" if kind == "token" else "REQUEST",
                function=function.group(1),
                identity_sources=tuple(s.strip() for s in identity.split(",") if s.strip()),
                ttl_seconds=int(spec.get("authorizerResultTtlInSeconds", 300)),
                validation_expression=spec.get("identityValidationExpression"),
            )
    return found


def _mock(integration: Mapping[str, Any]) -> MockIntegration:
    responses = integration.get("responses") or {}
    default: Mapping[str, Any] = responses.get("default") or next(iter(responses.values()), {})
    return MockIntegration(
        status_code=int(default.get("statusCode", 200)),
        headers={
            k.removeprefix("method.response.header."): _literal(v)
            for k, v in (default.get("responseParameters") or {}).items()
            if k.startswith("method.response.header.")
        },
    )


def _literal(value: Any) -> str:
    """Mapping values are quoted literals (``'text'``) in API Gateway."""
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text
