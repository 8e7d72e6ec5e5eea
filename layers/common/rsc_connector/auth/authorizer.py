"""The API Gateway Lambda authorizer: verifies the ATS's JWT and hands its claims to the handlers."""

from __future__ import annotations

from typing import Any

from rsc_connector.auth import jwt
from rsc_connector.auth.claims import Caller
from rsc_connector.clock import Clock
from rsc_connector.errors import Unauthenticated
from rsc_connector.observability import logger
from rsc_connector.ports import SecretStore


def _policy(principal: str, effect: str, method_arn: str, context: dict[str, str] | None = None) -> dict[str, Any]:
    # Allow every route of this API stage: the decision depends on the token only, so a cached answer
    # (ReauthorizeEvery > 0) stays right for every route; handlers check account and role themselves.
    parts = method_arn.split("/")
    resource = "/".join(parts[:2]) + "/*/*" if len(parts) >= 2 else method_arn
    policy: dict[str, Any] = {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context:
        policy["context"] = context
    return policy


def authorize(event: dict[str, Any], secrets: SecretStore, secret_name: str, clock: Clock) -> dict[str, Any]:
    """Return an Allow policy with the caller's claims, or raise "Unauthorized" (API Gateway's 401)."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    header = headers.get("authorization") or event.get("authorizationToken") or ""
    scheme, _, token = str(header).partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Exception("Unauthorized")
    key = secrets.get_json(secret_name)
    try:
        claims = jwt.decode(
            token.strip(),
            str(key["signing_key"]),
            issuer=str(key.get("issuer", "ats")),
            audience=str(key.get("audience", "rsc-connector")),
            now=clock.now(),
        )
        caller = Caller.from_jwt_claims(claims)
    except (jwt.InvalidToken, Unauthenticated) as exc:
        logger.info("token refused", extra={"reason": str(exc)})
        raise Exception("Unauthorized") from None
    return _policy(caller.user_id, "Allow", str(event.get("methodArn", "")), caller.to_authorizer_context())
