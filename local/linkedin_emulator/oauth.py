"""LinkedIn's OAuth endpoints: client-credentials and authorization-code tokens, the authorization pages,
and bearer-token authentication of API calls.

Token errors follow linkedin-rsc-api.md 1.1; API 401 bodies follow assumption A9. The sign-in / Request step
and the integration request in the code-exchange response are assumption A3.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from rsc_connector.linkedin import assumptions as A

from . import pages
from .context import Call, Context
from .model import CONTRACT_TYPES, AccessToken, Application, IntegrationEvent
from .state import APP_TOKEN_TTL_SECONDS, EmulatorState, Refusal
from .wire import FORM_CONTENT_TYPE, ApiError, OAuthError, PageError, Request, Response

AUTHORIZATION_PARAMS = ("response_type", "client_id", "redirect_uri", "state", "scope")
CANCEL_ERROR = "user_cancelled_authorize"
CANCEL_DESCRIPTION = "The user cancelled the authorization"


# -- token endpoint ---------------------------------------------------------------------------------------


def access_token(ctx: Context, call: Call) -> Response:
    """``POST /oauth/v2/accessToken`` (form body only)."""
    request = call.request
    if request.method == "GET":
        raise OAuthError(400, "invalid_request", "Access tokens must be requested with POST, never GET")
    if request.query:
        raise OAuthError(
            400, "invalid_request", "Parameters must be sent in the form-urlencoded body, never in the URL query"
        )
    if request.content_type != FORM_CONTENT_TYPE:
        raise OAuthError(400, "invalid_request", f"The request body must be {FORM_CONTENT_TYPE}")
    try:
        form = request.form()
    except ApiError as exc:
        raise OAuthError(400, "invalid_request", exc.message) from exc
    grant_type = form.get("grant_type")
    if not grant_type:
        raise _missing("grant_type")
    if grant_type == "client_credentials":
        app = _client(ctx.state, form, ("client_id", "client_secret"))
        if not app.allow_client_credentials:
            raise OAuthError(401, "access_denied", "This application is not allowed to create application tokens")
        token = ctx.state.issue_token(app.client_id, APP_TOKEN_TTL_SECONDS)
        return Response.json(200, {"access_token": token.value, "expires_in": APP_TOKEN_TTL_SECONDS})
    if grant_type == "authorization_code":
        app = _client(ctx.state, form, ("code", "redirect_uri", "client_id", "client_secret"))
        return _exchange_code(ctx, app, form["code"], form["redirect_uri"])
    raise OAuthError(400, "unsupported_grant_type", f"The grant_type {grant_type!r} is not supported")


def _missing(name: str) -> OAuthError:
    return OAuthError(400, "invalid_request", f'A required parameter "{name}" is missing')


def _client(state: EmulatorState, form: dict[str, str], required: tuple[str, ...]) -> Application:
    for name in required:
        if not form.get(name):
            raise _missing(name)
    client_id = form["client_id"]
    app = state.app(client_id)
    if app is None:
        raise OAuthError(400, "invalid_client_id", f'The passed in client_id is invalid "{client_id}"')
    if not hmac.compare_digest(app.client_secret.encode(), form["client_secret"].encode()):
        raise OAuthError(401, "invalid_client_id", "Client authentication failed")
    return app


def _exchange_code(ctx: Context, app: Application, code_value: str, redirect_uri: str) -> Response:
    state = ctx.state
    with state.lock:
        code = state.codes.get(code_value)
        if code is None:
            raise OAuthError(400, "invalid_grant", "The authorization code is invalid")
        if code.used:
            raise OAuthError(400, "invalid_grant", "The authorization code has already been used")
        if ctx.clock.now() >= code.expires_at:
            raise OAuthError(400, "invalid_grant", "The authorization code has expired")
        if code.client_id != app.client_id or code.redirect_uri != redirect_uri:
            raise OAuthError(
                400, "invalid_request", "Unable to retrieve access token: appid/redirect uri does not match the code"
            )
        code.used = True
        event = state.events[code.request_id]
        token = state.issue_token(app.client_id, A.MEMBER_TOKEN_TTL_SECONDS, member_id=code.member_id, scope=code.scope)
    return Response.json(
        200,
        {
            "access_token": token.value,
            "expires_in": A.MEMBER_TOKEN_TTL_SECONDS,
            "scope": token.scope,
            A.TOKEN_RESPONSE_INTEGRATION_REQUEST_FIELD: integration_request_payload(event),
        },
    )


def integration_request_payload(event: IntegrationEvent, *, bundled: bool = False) -> dict[str, Any]:
    """The integration request as the widget's onintegrate receives it (assumption A4).

    ``bundled`` reports the widget's bundle types (company / contract) instead of the concrete types.
    """
    if bundled:
        contexts = {key.integration_context: key for key in event.keys}
        integrations = [
            {
                "integrationContext": context,
                "integrationType": A.WIDGET_CONTRACT_BUNDLE
                if key.integration_type in CONTRACT_TYPES
                else A.WIDGET_COMPANY_BUNDLE,
                "tenantType": key.tenant_type,
            }
            for context, key in contexts.items()
        ]
    else:
        integrations = [
            {
                "integrationContext": key.integration_context,
                "integrationType": key.integration_type,
                "tenantType": key.tenant_type,
            }
            for key in event.keys
        ]
    return {"requestId": event.request_id, "integrations": integrations}


# -- bearer authentication --------------------------------------------------------------------------------


def bearer_value(request: Request) -> str | None:
    header = request.header("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(ctx: Context, request: Request) -> AccessToken:
    """The caller's live token, or the 401 LinkedIn gives (assumption A9 service error codes)."""
    header = request.header("Authorization")
    if header is None or not header.strip():
        raise ApiError(401, "Empty oauth2_access_token", 401)
    value = bearer_value(request)
    token = ctx.state.token(value) if value else None
    if token is None:
        raise ApiError(401, "Invalid access token", A.SERVICE_ERROR_INVALID_TOKEN)
    if ctx.clock.now() >= token.expires_at:
        raise ApiError(401, "The token used in the request has expired", A.SERVICE_ERROR_EXPIRED_TOKEN)
    return token


# -- authorization pages (assumption A3) --------------------------------------------------------------


def authorization(ctx: Context, call: Call) -> Response:
    """``GET`` shows the sign-in form; ``POST`` signs in, requests or cancels."""
    request = call.request
    if request.method == "GET":
        params = _single_valued(request.query_pairs())
        app, forwarded = _validated(ctx, params)
        return Response.html(200, pages.sign_in_page(app.name, forwarded))
    if request.content_type != FORM_CONTENT_TYPE:
        raise PageError(400, "Bad request", f"The form must be posted as {FORM_CONTENT_TYPE}")
    if request.query:
        raise PageError(400, "Bad request", "Post the parameters in the form body, not in the URL")
    try:
        form = request.form()
    except ApiError as exc:
        raise PageError(400, "Bad request", exc.message) from exc
    app, forwarded = _validated(ctx, form)
    action = form.get("action")
    if action == "cancel":
        return Response.redirect(
            _with_query(
                forwarded["redirect_uri"],
                {"error": CANCEL_ERROR, "error_description": CANCEL_DESCRIPTION, "state": forwarded["state"]},
            )
        )
    if action not in ("signin", "request"):
        raise PageError(400, "Bad request", 'The form field "action" must be "signin", "request" or "cancel"')
    identifier = form.get("member", "").strip()
    if not identifier:
        raise PageError(400, "Bad request", "Sign in with a member id or email")
    member = ctx.state.find_member(identifier)
    if member is None:
        raise PageError(401, "Sign-in failed", f"No LinkedIn member {identifier!r}")
    if action == "signin":
        return Response.html(200, pages.contract_page(app.name, forwarded, member, member.contracts))
    try:
        event = ctx.state.request_integrations(app.client_id, member, form.get("contract") or None)
    except Refusal as refusal:
        if refusal.options:
            return Response.html(
                refusal.status, pages.contract_page(app.name, forwarded, member, refusal.options, refusal.message)
            )
        raise PageError(refusal.status, "Request refused", refusal.message) from refusal
    code = ctx.state.issue_code(app.client_id, forwarded["redirect_uri"], member, forwarded.get("scope", ""), event)
    return Response.redirect(_with_query(forwarded["redirect_uri"], {"code": code.code, "state": forwarded["state"]}))


def _single_valued(pairs: list[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise PageError(400, "Bad request", f'The parameter "{name}" is repeated')
        params[name] = value
    return params


def _validated(ctx: Context, params: dict[str, str]) -> tuple[Application, dict[str, str]]:
    """Check the OAuth parameters; errors are pages, never redirects (the redirect_uri may be hostile)."""
    client_id = params.get("client_id", "")
    app = ctx.state.child_app(client_id) if client_id else None
    if app is None:
        raise PageError(400, "Bad request", f"The client_id {client_id!r} is not a provisioned application")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app.oauth2_authorized_callback_urls:
        raise PageError(400, "Bad request", f"The redirect_uri {redirect_uri!r} is not registered for this application")
    if params.get("response_type") != "code":
        raise PageError(400, "Bad request", 'The parameter "response_type" must be "code"')
    if not params.get("state"):
        raise PageError(400, "Bad request", 'The parameter "state" is required')
    forwarded = {name: params[name] for name in AUTHORIZATION_PARAMS if name in params}
    return app, forwarded


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(extra)) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


# -- the 3-legged profile call ------------------------------------------------------------------------------


def me(ctx: Context, call: Call) -> Response:
    """``GET /v2/me``: the signed-in member (member tokens only; linkedin-rsc-api.md 1.1, 3-legged flow)."""
    assert call.token is not None and call.token.member_id is not None, "the router admits member tokens only"
    member = ctx.state.find_member(call.token.member_id)
    if member is None:
        raise ApiError(404, f"Member {call.token.member_id} no longer exists")
    return Response.json(
        200,
        {"id": member.member_id, "localizedFirstName": member.first_name, "localizedLastName": member.last_name},
    )
