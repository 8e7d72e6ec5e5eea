"""``/v2/provisionedApplications`` (partner token): CREATE, PARTIAL_UPDATE and the foreign-id FINDER.

linkedin-rsc-api.md 1.2; success status and conflict status are assumptions A1 and A2.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from .context import Call, Context
from .model import APPLICATION_URN_PREFIX
from .restli import restli_method
from .state import Refusal
from .validation import validate_app_fields
from .wire import JSON_CONTENT_TYPE, ApiError, Request, Response

FINDER = "credentialsByUniqueForeignId"
DEFAULT_PAGE_SIZE = 10


def create(ctx: Context, call: Call) -> Response:
    request = call.request
    _expect_method(request, "create")
    body = _json_object(request)
    if request.query:
        raise ApiError(400, "CREATE takes no query parameters")
    fields = validate_app_fields(body, creating=True)
    try:
        app = ctx.state.create_app(fields)
    except Refusal as refusal:
        raise ApiError(refusal.status, refusal.message) from refusal
    return Response.json(
        201,
        {"key": app.key, "credentials": {"client_id": app.client_id, "client_secret": app.client_secret}},
        {"X-RestLi-Id": app.key},
    )


def partial_update(ctx: Context, call: Call) -> Response:
    request = call.request
    _expect_method(request, "partial_update")
    key = unquote(call.params["key"])
    if not key.startswith(APPLICATION_URN_PREFIX) or not key[len(APPLICATION_URN_PREFIX) :].isdigit():
        raise ApiError(400, f"{key!r} is not a developer application URN ({APPLICATION_URN_PREFIX}<id>)")
    body = _json_object(request)
    if request.query:
        raise ApiError(400, "PARTIAL_UPDATE takes no query parameters")
    patch = body.get("patch")
    if set(body) != {"patch"} or not isinstance(patch, dict):
        raise ApiError(400, 'A partial update body must be {"patch": {"$set": {...}}}')
    unknown = set(patch) - {"$set"}
    if unknown:
        raise ApiError(400, f"Unsupported patch operation {sorted(unknown)[0]!r}; only $set is supported")
    changes = patch.get("$set", {})
    if not isinstance(changes, dict):
        raise ApiError(400, '"$set" must be an object')
    fields = validate_app_fields(changes, creating=False)
    try:
        ctx.state.update_app(key, fields)
    except Refusal as refusal:
        raise ApiError(refusal.status, refusal.message) from refusal
    return Response.empty(204)


def find(ctx: Context, call: Call) -> Response:
    params = single_valued(call.request)
    q = params.get("q")
    if q is None:
        raise ApiError(400, f'The query parameter "q" is required (finder "{FINDER}")')
    if q != FINDER:
        raise ApiError(400, f'Unknown finder "{q}"; the only finder is "{FINDER}"')
    unknown = set(params) - {"q", "uniqueForeignId", "start", "count"}
    if unknown:
        raise ApiError(400, f'Unexpected query parameter "{sorted(unknown)[0]}"')
    foreign_id = params.get("uniqueForeignId")
    if not foreign_id:
        raise ApiError(400, 'The query parameter "uniqueForeignId" is required')
    start, count = paging(params)
    elements = [app.provisioning_view() for app in ctx.state.apps_by_foreign_id(foreign_id)]
    return Response.json(200, finder_page(elements, start, count))


def _expect_method(request: Request, expected: str) -> None:
    actual = restli_method(request)
    if actual is not None and actual != expected:
        raise ApiError(400, f"X-RestLi-Method {actual!r} does not match this request ({expected!r})")


def _json_object(request: Request) -> dict[str, Any]:
    require_json(request)
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def require_json(request: Request) -> None:
    """415 unless the body is declared ``application/json`` (linkedin-rsc-api.md 1.2, 5.1)."""
    if request.content_type != JSON_CONTENT_TYPE:
        shown = request.header("Content-Type") or "none"
        raise ApiError(415, f"Unsupported Content-Type {shown!r}; send {JSON_CONTENT_TYPE}")


def single_valued(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in request.query_pairs():
        if name in params:
            raise ApiError(400, f'The query parameter "{name}" is repeated')
        params[name] = value
    return params


def paging(params: dict[str, str]) -> tuple[int, int]:
    values = []
    for name, default in (("start", 0), ("count", DEFAULT_PAGE_SIZE)):
        raw = params.get(name)
        if raw is None:
            values.append(default)
        elif raw.isdigit():
            values.append(int(raw))
        else:
            raise ApiError(400, f'The query parameter "{name}" must be a non-negative integer')
    return values[0], values[1]


def finder_page(elements: list[dict[str, Any]], start: int, count: int) -> dict[str, Any]:
    return {
        "elements": elements[start : start + count],
        "paging": {"start": start, "count": count, "links": [], "total": len(elements)},
    }
