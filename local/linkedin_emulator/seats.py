"""Recruiter seat holders (child token, contract-level access): ``/v2/seatsV2?q=attributes`` and the legacy
``/v2/seats?q=seatsByAttributes`` FINDERs.

linkedin-rsc-api.md 3.2 and 7. Reply shape, ``id``/``email``, page size: A19; CSA_API required: A20; an
unavailable endpoint: A21; the shared prospect-interactions day limit: A22 (counted by the router).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rsc_connector.linkedin import assumptions as A

from .context import Call, Context
from .model import CONTRACT_URN
from .restli import restli_method
from .seatstore import STATE_ACTIVE, Seat
from .wire import SERVICE_ERROR_NO_PERMISSION, ApiError, Request, Response

SEATS_V2_FINDER = "attributes"
LEGACY_FINDER = "seatsByAttributes"
LEGACY_FIELDS = ("firstName", "lastName", "contractId", "member", "active", "admin", "id", "email")


# -- availability (A21): checked by the router before authentication, like an unknown resource -----------------


def seats_v2_unavailable(ctx: Context) -> ApiError | None:
    with ctx.state.lock:
        if ctx.state.seats.settings.seats_v2_available:
            return None
    return ApiError(A.SEATS_V2_UNAVAILABLE_STATUS, "No resource at /v2/seatsV2")


def legacy_seats_unavailable(ctx: Context) -> ApiError | None:
    with ctx.state.lock:
        if ctx.state.seats.settings.legacy_seats_available:
            return None
    return ApiError(A.LEGACY_SEATS_RETIRED_STATUS, "This resource is no longer available: /v2/seats; use /v2/seatsV2")


# -- query parameters ---------------------------------------------------------------------------------------------


class _Query:
    """The finder's parameters: repeatable ones as lists, the others single-valued; anything else is a 400."""

    def __init__(self, request: Request, repeatable: frozenset[str], single: frozenset[str]) -> None:
        method = restli_method(request)
        if method not in (None, "finder"):
            raise ApiError(400, f"X-RestLi-Method {method!r} does not match a FINDER")
        self.lists: dict[str, list[str]] = {name: [] for name in repeatable}
        self.values: dict[str, str] = {}
        for name, value in request.query_pairs():
            if name in repeatable:
                self.lists[name].append(value)
            elif name in single:
                if name in self.values:
                    raise ApiError(400, f'The query parameter "{name}" is repeated')
                self.values[name] = value
            else:
                raise ApiError(400, f'Unexpected query parameter "{name}"')

    def finder(self, expected: str) -> None:
        q = self.values.get("q")
        if q is None:
            raise ApiError(400, f'The query parameter "q" is required (finder "{expected}")')
        if q != expected:
            raise ApiError(400, f'Unknown finder "{q}"; the finder is "{expected}"')

    def integer(self, name: str, default: int | None) -> int:
        raw = self.values.get(name)
        if raw is None:
            if default is None:
                raise ApiError(400, f'The query parameter "{name}" is required')
            return default
        if not raw.isascii() or not raw.isdigit():
            raise ApiError(400, f'The query parameter "{name}" must be a non-negative integer, not {raw!r}')
        return int(raw)

    def paging(self, *, start_required: bool) -> tuple[int, int]:
        start = self.integer("start", None if start_required else 0)
        count = self.integer("count", A.SEATS_DEFAULT_COUNT)
        if count > A.SEATS_MAX_COUNT:
            raise ApiError(400, f'The query parameter "count" must be at most {A.SEATS_MAX_COUNT}, not {count}')
        return start, count

    def contracts(self) -> list[str]:
        contracts = self.lists["contracts"]
        if not contracts:
            raise ApiError(400, 'The query parameter "contracts" is required (one or more contract URNs)')
        for contract in contracts:
            if not CONTRACT_URN.match(contract):
                raise ApiError(400, f'"contracts" must be contract URNs (urn:li:contract:<id>), not {contract!r}')
        return list(dict.fromkeys(contracts))


def _page(elements: list[dict[str, Any]], start: int, count: int) -> dict[str, Any]:
    return {
        "elements": elements[start : start + count],
        "paging": {"start": start, "count": count, "total": len(elements), "links": []},
    }


def _readable(ctx: Context, call: Call, contracts: list[str]) -> None:
    """403 for the whole call unless every contract has this application's CSA_API ENABLED (A20)."""
    for contract in contracts:
        blocker = ctx.state.seats_blocker(call.client_id, contract)
        if blocker is not None:
            raise ApiError(A.SEATS_NOT_ENABLED_STATUS, blocker, SERVICE_ERROR_NO_PERMISSION)


def _find(
    ctx: Context,
    call: Call,
    contracts: list[str],
    keep: Callable[[Seat], bool],
    element: Callable[[Seat], dict[str, Any]],
    start: int,
    count: int,
) -> Response:
    with ctx.state.lock:
        _readable(ctx, call, contracts)
        seats = [seat for seat in ctx.state.seats.of_contracts(set(contracts)) if keep(seat)]
        return Response.json(200, _page([element(seat) for seat in seats], start, count))


# -- the finders --------------------------------------------------------------------------------------------------


def get_seats_v2(ctx: Context, call: Call) -> Response:
    """``GET /v2/seatsV2?q=attributes&contracts=...&states=...&start=N&count=M`` (``start`` mandatory)."""
    query = _Query(call.request, frozenset({"contracts", "states"}), frozenset({"q", "start", "count"}))
    query.finder(SEATS_V2_FINDER)
    start, count = query.paging(start_required=True)
    contracts = query.contracts()
    states = query.lists["states"]
    for state in states:
        if state not in A.SEAT_STATES:
            raise ApiError(400, f'"states" must be among {", ".join(A.SEAT_STATES)}, not {state!r}')
    wanted = set(states) or set(A.SEAT_STATES)
    with ctx.state.lock:
        with_email = ctx.state.seats.settings.seats_v2_emails
    return _find(
        ctx,
        call,
        contracts,
        lambda seat: seat.state in wanted,
        lambda seat: seat.v2_element(with_email=with_email),
        start,
        count,
    )


def get_legacy_seats(ctx: Context, call: Call) -> Response:
    """``GET /v2/seats?q=seatsByAttributes&contracts=...[&active=true|false][&start&count][&fields=id,...]``."""
    query = _Query(call.request, frozenset({"contracts"}), frozenset({"q", "active", "start", "count", "fields"}))
    query.finder(LEGACY_FINDER)
    start, count = query.paging(start_required=False)
    contracts = query.contracts()
    active_raw = query.values.get("active")
    if active_raw not in (None, "true", "false"):
        raise ApiError(400, f'The query parameter "active" must be true or false, not {active_raw!r}')
    active = None if active_raw is None else active_raw == "true"
    fields = _projection(query.values.get("fields"))

    def element(seat: Seat) -> dict[str, Any]:
        full = seat.legacy_element()
        return full if fields is None else {name: full[name] for name in full if name in fields}

    return _find(
        ctx,
        call,
        contracts,
        lambda seat: active is None or (seat.state == STATE_ACTIVE) == active,
        element,
        start,
        count,
    )


def _projection(raw: str | None) -> frozenset[str] | None:
    """``fields=id`` or ``fields=id,email``: the top-level fields kept; an unknown name is a 400."""
    if raw is None:
        return None
    names = [name.strip() for name in raw.split(",")]
    for name in names:
        if name not in LEGACY_FIELDS:
            raise ApiError(400, f'Unknown field "{name}" in "fields"; known: {", ".join(LEGACY_FIELDS)}')
    return frozenset(names)
