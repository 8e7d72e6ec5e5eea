"""The control API (``/_control/...``, JSON, no auth): plays the customer's people and exposes the emulator.

Each operation is a function ``(ctx, body) -> payload`` raising ApiError; the HTTP routes and the in-process
methods of LinkedInEmulator both call them, so the two behave the same.
"""

from __future__ import annotations

import re
from typing import Any

from rsc_connector.linkedin import assumptions as A

from .context import Call, Context
from .faults import parse_settings
from .model import CONTRACT_URN, ORGANIZATION_URN, PUSH_MODES, Contract, Member
from .oauth import integration_request_payload
from .seatstore import ADMIN_SEAT, DEFAULT_ROLES, Seat
from .state import Refusal
from .wire import ApiError, Request, Response

CONTRACT_TYPES_KNOWN = A.CONTRACT_TYPES_ELIGIBLE | {A.CONTRACT_TYPE_LITE}
MEMBER_FIELDS = frozenset({"memberId", "firstName", "lastName", "email", "contracts"})
CONTRACT_FIELDS = frozenset({"contractId", "name", "type", "organizationId"})
SYNC_KNOBS = ("syncRecordsPerMinute", "syncCallsPerDay")
REQUEST_LOG_FIELDS = frozenset({"enabled", "maxEntries", "maxBodyBytes"})
SEAT_CHANGE_FIELDS = frozenset({"memberId", "firstName", "lastName", "email", "state", "roles", "admin"})
SEAT_FIELDS = SEAT_CHANGE_FIELDS | {"seatId"}
SEAT_SETTINGS = {
    "seatsV2Emails": "seats_v2_emails",
    "seatsV2Available": "seats_v2_available",
    "legacySeatsAvailable": "legacy_seats_available",
}
PERSON_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ROLE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _body(request: Request) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "The control API takes a JSON object")
    return body


def _refused(refusal: Refusal) -> ApiError:
    return ApiError(refusal.status, refusal.message)


def _string(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f'"{name}" must be a non-empty string')
    return value


def _flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise ApiError(400, f'"{name}" must be true, false or null')
    return value


def _number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ApiError(400, f'"{name}" must be a number')
    return None if value is None else float(value)


def _digits(value: Any, name: str) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isdigit():
        raise ApiError(400, f'"{name}" must be a numeric id')
    return text


def _only(body: dict[str, Any], allowed: frozenset[str] | set[str], what: str) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, f'Unknown field "{unknown[0]}" in {what}; allowed: {", ".join(sorted(allowed))}')


# -- members ---------------------------------------------------------------------------------------------------


def parse_member(body: dict[str, Any]) -> Member:
    _only(body, MEMBER_FIELDS, "a member")
    contracts_raw = body.get("contracts", [])
    if not isinstance(contracts_raw, list):
        raise ApiError(400, '"contracts" must be an array')
    contracts: list[Contract] = []
    for raw in contracts_raw:
        if not isinstance(raw, dict):
            raise ApiError(400, "Each contract must be an object")
        _only(raw, CONTRACT_FIELDS, "a contract")
        contract_type = raw.get("type")
        if contract_type not in CONTRACT_TYPES_KNOWN:
            raise ApiError(400, f'Contract "type" must be one of {", ".join(sorted(CONTRACT_TYPES_KNOWN))}')
        contract_id = _digits(raw.get("contractId"), "contractId")
        if any(c.contract_id == contract_id for c in contracts):
            raise ApiError(400, f"Contract {contract_id} is listed twice")
        contracts.append(
            Contract(
                contract_id=contract_id,
                name=_string(raw, "name") or "",
                type=contract_type,
                organization_id=_digits(raw.get("organizationId"), "organizationId"),
            )
        )
    email = _string(body, "email", required=False)
    if email is not None and "@" not in email:
        raise ApiError(400, '"email" must be an email address')
    return Member(
        member_id=_string(body, "memberId") or "",
        first_name=_string(body, "firstName", required=False) or "",
        last_name=_string(body, "lastName", required=False) or "",
        email=email,
        contracts=contracts,
    )


def add_member(ctx: Context, body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    member = parse_member(body)
    try:
        created = ctx.state.upsert_member(member)
    except Refusal as refusal:
        raise _refused(refusal) from refusal
    return created, member.view()


# -- Recruiter seats (linkedin-rsc-api.md 3.2, 7) ----------------------------------------------------------------


def _seat_number(value: Any, name: str = "seatId") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiError(400, f'"{name}" must be a positive integer')
    return value


def _person_id(body: dict[str, Any]) -> str | None:
    value = body.get("memberId")
    if value is None:
        return None
    if not isinstance(value, str) or not PERSON_ID.match(value):
        raise ApiError(400, '"memberId" must be 1-64 letters, digits, "-" or "_" (the id of urn:li:person:<id>)')
    return value


def _seat_email(body: dict[str, Any]) -> str | None:
    value = body.get("email")
    if value is not None and (not isinstance(value, str) or "@" not in value or value != value.strip()):
        raise ApiError(400, '"email" must be an email address or null')
    return value


def _seat_state(body: dict[str, Any]) -> str | None:
    value = body.get("state")
    if value is not None and value not in A.SEAT_STATES:
        raise ApiError(400, f'"state" must be one of {", ".join(A.SEAT_STATES)}')
    return value


def _seat_roles(body: dict[str, Any], current: list[str] | None) -> list[str] | None:
    """The roles ``body`` asks for (``roles`` and/or ``admin``), None when it changes neither."""
    raw = body.get("roles")
    admin = _flag(body, "admin")
    if raw is None and admin is None:
        return None
    if raw is not None:
        if not isinstance(raw, list) or not raw or not all(isinstance(r, str) and ROLE_NAME.match(r) for r in raw):
            raise ApiError(400, '"roles" must be a non-empty array of role names such as "ADMIN_SEAT"')
        if len(set(raw)) != len(raw):
            raise ApiError(400, '"roles" lists a role twice')
        if admin is False and ADMIN_SEAT in raw:
            raise ApiError(400, f'"admin": false contradicts "{ADMIN_SEAT}" in "roles"')
    roles = list(raw if raw is not None else current if current is not None else DEFAULT_ROLES)
    if admin is True and ADMIN_SEAT not in roles:
        roles.insert(0, ADMIN_SEAT)
    if admin is False:
        roles = [role for role in roles if role != ADMIN_SEAT] or list(DEFAULT_ROLES)
    return roles


def _seat_name(body: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f'"{name}" must be a non-empty string')
    return value


def _parse_new_seat(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ApiError(400, "Each seat must be an object")
    _only(raw, SEAT_FIELDS, "a seat")
    return {
        "seat_id": None if raw.get("seatId") is None else _seat_number(raw["seatId"]),
        "member_id": _person_id(raw),
        "first_name": _seat_name(raw, "firstName", required=True),
        "last_name": _seat_name(raw, "lastName", required=True),
        "email": _seat_email(raw),
        "state": _seat_state(raw) or "ACTIVE",
        "roles": _seat_roles(raw, None) or list(DEFAULT_ROLES),
    }


def _seat_conflict(ctx: Context, contract: str, member_id: str, seat_id: int, replaced: set[int]) -> None:
    holder = ctx.state.seats.holder(contract, member_id)
    if holder is not None and holder.seat_id != seat_id and holder.seat_id not in replaced:
        raise ApiError(409, f"Member {member_id} already holds seat {holder.seat_id} on {contract}")


def _seat_view(ctx: Context, seat: Seat) -> dict[str, Any]:
    return seat.view(ctx.state.contract_organization(seat.contract))


def add_seats(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """Add seats to a contract, or replace seats by ``seatId``; all or nothing.

    The contract is one a member holds, or any contract URN given with its ``organization``.
    """
    _only(body, {"contract", "organization", "seats"}, "a seat list")
    contract = _string(body, "contract") or ""
    if not CONTRACT_URN.match(contract):
        raise ApiError(400, '"contract" must be a contract URN (urn:li:contract:<id>)')
    organization = _string(body, "organization", required=False)
    if organization is not None and not ORGANIZATION_URN.match(organization):
        raise ApiError(400, '"organization" must be an organization URN (urn:li:organization:<id>)')
    raw_seats = body.get("seats")
    if not isinstance(raw_seats, list):
        raise ApiError(400, '"seats" must be an array of seats')
    specs = [_parse_new_seat(raw) for raw in raw_seats]
    given_ids = [spec["seat_id"] for spec in specs if spec["seat_id"] is not None]
    if len(set(given_ids)) != len(given_ids):
        raise ApiError(400, "A seatId is listed twice")
    given_members = [spec["member_id"] for spec in specs if spec["member_id"] is not None]
    if len(set(given_members)) != len(given_members):
        raise ApiError(400, "A memberId is listed twice: a person holds at most one seat per contract")
    store = ctx.state.seats
    with ctx.state.lock:
        known = ctx.state.contract_organization(contract)
        if known is None and organization is None:
            raise ApiError(
                404, f'No member holds {contract}; give its "organization" to add seats to an unknown contract'
            )
        if known is not None and organization is not None and organization != known:
            raise ApiError(409, f"Contract {contract} belongs to {known}, not {organization}")
        for seat_id in given_ids:
            existing = store.get(seat_id)
            if existing is not None and existing.contract != contract:
                raise ApiError(409, f"Seat {seat_id} belongs to {existing.contract}, not {contract}")
        replaced = set(given_ids)
        taken_ids = set(given_ids)
        taken_members = set(given_members)
        seats: list[Seat] = []
        for spec in specs:
            seat_id = spec["seat_id"]
            if seat_id is None:
                seat_id = store.next_seat_id(taken_ids)
                taken_ids.add(seat_id)
            member_id = spec["member_id"]
            if member_id is None:
                member_id = store.new_member_id(seat_id, taken_members)
                taken_members.add(member_id)
            _seat_conflict(ctx, contract, member_id, seat_id, replaced)
            previous = store.get(seat_id)
            seats.append(
                Seat(
                    seat_id=seat_id,
                    contract=contract,
                    member_id=member_id,
                    first_name=spec["first_name"],
                    last_name=spec["last_name"],
                    email=spec["email"],
                    state=spec["state"],
                    roles=spec["roles"],
                    from_member=previous is not None and previous.from_member and previous.member_id == member_id,
                )
            )
        if known is None and organization is not None:
            store.contract_organizations[contract] = organization
        for seat in seats:
            store.put(seat)
        return {
            "contract": contract,
            "organization": known or organization,
            "seats": [_seat_view(ctx, seat) for seat in seats],
        }


def seat_list(ctx: Context, contract: str | None) -> dict[str, Any]:
    """Every seat of ``contract`` (all states, by seat id), or every seat."""
    if contract is not None and not CONTRACT_URN.match(contract):
        raise ApiError(400, '"contract" must be a contract URN (urn:li:contract:<id>)')
    with ctx.state.lock:
        store = ctx.state.seats
        seats = store.of_contracts({contract}) if contract is not None else store.all()
        return {"seats": [_seat_view(ctx, seat) for seat in seats]}


def _seat_path_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ApiError(400, f"{text!r} is not a seat id (a positive integer)")
    return int(text)


def update_seat(ctx: Context, seat_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Change a seat: its holder (``memberId`` plus names and email), state or roles."""
    _only(body, SEAT_CHANGE_FIELDS, "a seat change")
    if not body:
        raise ApiError(400, f"Nothing to change: give any of {', '.join(sorted(SEAT_CHANGE_FIELDS))}")
    member_id = _person_id(body)
    first_name = _seat_name(body, "firstName", required=False)
    last_name = _seat_name(body, "lastName", required=False)
    email = _seat_email(body)
    state = _seat_state(body)
    with ctx.state.lock:
        seat = ctx.state.seats.get(seat_id)
        if seat is None:
            raise ApiError(404, f"No seat {seat_id}")
        roles = _seat_roles(body, seat.roles)
        if member_id is not None and member_id != seat.member_id:
            _seat_conflict(ctx, seat.contract, member_id, seat_id, set())
            seat.member_id = member_id
            seat.from_member = False
        seat.first_name = first_name or seat.first_name
        seat.last_name = last_name or seat.last_name
        if "email" in body:
            seat.email = email
        seat.state = state or seat.state
        seat.roles = roles if roles is not None else seat.roles
        return _seat_view(ctx, seat)


def remove_seat(ctx: Context, seat_id: int) -> dict[str, Any]:
    with ctx.state.lock:
        seat = ctx.state.seats.remove(seat_id)
        if seat is None:
            raise ApiError(404, f"No seat {seat_id}")
        return {"deleted": _seat_view(ctx, seat)}


def set_seat_settings(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """``{"seatsV2Emails": bool, "seatsV2Available": bool, "legacySeatsAvailable": bool}``; each optional."""
    _only(body, set(SEAT_SETTINGS), "seat settings")
    values = {name: _flag(body, name) for name in SEAT_SETTINGS}
    with ctx.state.lock:
        settings = ctx.state.seats.settings
        for name, value in values.items():
            if value is not None:
                setattr(settings, SEAT_SETTINGS[name], value)
        return settings.view()


# -- the customer's Request and the Recruiter admin's switch -----------------------------------------------


def widget_request(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """The configuration widget's Request (A4): same bookkeeping and refusals as the authorization page."""
    _only(body, {"clientId", "member", "contract", "bundled"}, "a widget request")
    client_id = _string(body, "clientId") or ""
    identifier = _string(body, "member") or ""
    contract = _string(body, "contract", required=False)
    bundled = _flag(body, "bundled") or False
    if ctx.state.child_app(client_id) is None:
        raise ApiError(404, f"No provisioned application with client_id {client_id!r}")
    member = ctx.state.find_member(identifier)
    if member is None:
        raise ApiError(401, f"No LinkedIn member {identifier!r}")
    try:
        event = ctx.state.request_integrations(client_id, member, contract)
    except Refusal as refusal:
        raise _refused(refusal) from refusal
    return integration_request_payload(event, bundled=bundled)


def change_status(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """Recruiter Admin Settings -> ATS: turn company-level / contract-level access on or off, then push (A7)."""
    _only(body, {"organization", "contract", "companyLevel", "contractLevel", "clientId", "wait"}, "a status change")
    organization = _string(body, "organization", required=False)
    contract = _string(body, "contract", required=False)
    company_level = _flag(body, "companyLevel")
    contract_level = _flag(body, "contractLevel")
    client_id = _string(body, "clientId", required=False)
    wait = _flag(body, "wait") or False
    if organization is not None and not ORGANIZATION_URN.match(organization):
        raise ApiError(400, '"organization" must be an organization URN (urn:li:organization:<id>)')
    if contract is not None and not CONTRACT_URN.match(contract):
        raise ApiError(400, '"contract" must be a contract URN (urn:li:contract:<id>)')
    if company_level is None and contract_level is None:
        raise ApiError(400, 'Nothing to change: set "companyLevel" and/or "contractLevel" to true or false')
    if company_level is not None and organization is None:
        raise ApiError(400, '"companyLevel" needs "organization"')
    if contract_level is not None and contract is None:
        raise ApiError(400, '"contractLevel" needs "contract"')
    if organization is None and contract is not None:
        known = ctx.state.contract(contract)
        organization = known.organization_urn if known is not None else None
    try:
        changes = ctx.state.change_status(organization, contract, company_level, contract_level, client_id)
    except Refusal as refusal:
        raise _refused(refusal) from refusal
    records = [ctx.pushes.publish(change.event, organization, wait=wait) for change in changes]
    with ctx.state.lock:
        return {
            "changes": [
                {
                    "clientId": change.event.client_id,
                    "requestId": change.event.request_id,
                    "integrations": [integration.entity() for integration in change.integrations],
                    "push": record.view(),
                }
                for change, record in zip(changes, records, strict=True)
            ]
        }


# -- pushes, limits, clock -------------------------------------------------------------------------------------


def set_push_settings(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    _only(body, {"mode", "delaySeconds"}, "push settings")
    mode = body.get("mode")
    delay = _number(body, "delaySeconds")
    if mode is not None and mode not in PUSH_MODES:
        raise ApiError(400, f'"mode" must be one of {", ".join(PUSH_MODES)}')
    if delay is not None and delay < 0:
        raise ApiError(400, '"delaySeconds" must not be negative')
    with ctx.state.lock:
        settings = ctx.state.push_settings
        settings.mode = mode or settings.mode
        settings.delay_seconds = settings.delay_seconds if delay is None else delay
        return settings.view()


def pushes(ctx: Context) -> list[dict[str, Any]]:
    with ctx.state.lock:
        return [push.view() for push in ctx.state.pushes]


def redeliver(ctx: Context, push_id: str) -> dict[str, Any]:
    try:
        record = ctx.pushes.redeliver(push_id)
    except KeyError as exc:
        raise ApiError(404, f"No push {push_id!r}") from exc
    with ctx.state.lock:
        if record.url is None:
            raise ApiError(409, f"Push {push_id} has no CALLBACK_URL to deliver to")
        return record.view()


def set_limits(ctx: Context, body: dict[str, Any]) -> dict[str, int]:
    """Daily limits per family (``null`` removes one) and the sync knobs (``null`` restores the default).

    The reply shows the daily limits plus the sync knobs this call set.
    """
    knobs = {name: body[name] for name in SYNC_KNOBS if name in body}
    families = {name: limit for name, limit in body.items() if name not in SYNC_KNOBS}
    for family, limit in families.items():
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ApiError(400, f'The limit of "{family}" must be a non-negative integer or null')
    for name, value in knobs.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ApiError(400, f'"{name}" must be a positive integer or null')
    with ctx.state.lock:
        sync_limits = ctx.state.sync.set_limits(
            records_per_minute=knobs.get("syncRecordsPerMinute"),
            calls_per_day=knobs.get("syncCallsPerDay"),
            restore=tuple(name for name, value in knobs.items() if value is None),
        )
        daily = ctx.state.set_limits(families)
    return {**daily, **{name: sync_limits[name] for name in knobs}}


def usage(ctx: Context) -> dict[str, Any]:
    with ctx.state.lock:
        return {
            "usage": ctx.state.usage_view(),
            "limits": dict(ctx.state.daily_limits),
            "sync": ctx.state.sync.usage_view(),
            "syncLimits": ctx.state.sync.limits_view(),
        }


# -- sync data, job tasks, faults, request log ----------------------------------------------------------------


def _organization(value: str | None) -> str:
    if not value or not ORGANIZATION_URN.match(value):
        raise ApiError(400, '"organization" must be an organization URN (urn:li:organization:<id>)')
    return value


def data(ctx: Context, organization: str | None) -> dict[str, Any]:
    """Everything synced for an organization (keyed by ATS ids), or, without one, the counts per organization."""
    if organization is None:
        with ctx.state.lock:
            return {"organizations": {org: ctx.state.sync.counts(org) for org in ctx.state.sync.organizations()}}
    return ctx.state.sync.data_view(_organization(organization))


def data_counts(ctx: Context, organization: str | None) -> dict[str, Any]:
    return ctx.state.sync.counts(_organization(organization))


def set_job_tasks(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """``{"delaySeconds": s}`` sets the processing delay; ``{"completeNow": true}`` applies every queued job."""
    _only(body, {"delaySeconds", "completeNow"}, "a job-task change")
    delay = _number(body, "delaySeconds")
    complete = _flag(body, "completeNow") or False
    if delay is not None and delay < 0:
        raise ApiError(400, '"delaySeconds" must not be negative')
    sync = ctx.state.sync
    with ctx.state.lock:
        if delay is not None:
            sync.set_job_task_delay(delay)
        completed = sync.process_due(everything=complete)
        return {**sync.job_tasks_view(), "completed": completed}


def set_faults(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the fault settings (omitted fields take their defaults; ``{}`` turns faults off)."""
    return ctx.state.faults.configure(parse_settings(body))


def set_request_log(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """``{"enabled": bool, "maxEntries": n|null, "maxBodyBytes": n|null}``; counters are kept regardless."""
    _only(body, REQUEST_LOG_FIELDS, "request-log settings")
    enabled = _flag(body, "enabled")
    caps: dict[str, int | None] = {}
    for name, minimum in (("maxEntries", 1), ("maxBodyBytes", 0)):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
            raise ApiError(400, f'"{name}" must be an integer of at least {minimum}, or null')
        caps[name] = value
    unset = [name for name in caps if name in body and body[name] is None]
    return ctx.state.configure_request_log(enabled, caps["maxEntries"], caps["maxBodyBytes"], unset=unset)


def clock_view(ctx: Context) -> dict[str, Any]:
    now = ctx.clock.now()
    return {"now": now, "nowMs": int(now * 1000), "utcDay": ctx.clock.utc_day(), "frozen": ctx.clock.frozen}


def set_clock(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    _only(body, {"advanceSeconds", "set", "frozen"}, "a clock change")
    advance = _number(body, "advanceSeconds")
    epoch = _number(body, "set")
    frozen = _flag(body, "frozen")
    if advance is None and epoch is None and frozen is None:
        raise ApiError(400, 'Give "advanceSeconds", "set" and/or "frozen"')
    if epoch is not None:
        ctx.clock.set(epoch)
    if advance is not None:
        ctx.clock.advance(advance)
    if frozen is not None:
        ctx.clock.freeze(frozen)
    return clock_view(ctx)


def set_app(ctx: Context, client_id: str, body: dict[str, Any]) -> dict[str, Any]:
    _only(body, {"allowClientCredentials"}, "an application change")
    allowed = _flag(body, "allowClientCredentials")
    if allowed is None:
        raise ApiError(400, '"allowClientCredentials" must be true or false')
    try:
        return ctx.state.set_client_credentials_allowed(client_id, allowed).public_view()
    except Refusal as refusal:
        raise _refused(refusal) from refusal


# -- HTTP routes -------------------------------------------------------------------------------------------------


def members_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        with ctx.state.lock:
            return Response.json(200, [member.view() for member in ctx.state.members.values()])
    created, view = add_member(ctx, _body(call.request))
    return Response.json(201 if created else 200, view)


def seats_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        return Response.json(200, seat_list(ctx, _query_value(call, "contract")))
    return Response.json(200, add_seats(ctx, _body(call.request)))


def seat_route(ctx: Context, call: Call) -> Response:
    seat_id = _seat_path_id(call.params["seat_id"])
    if call.request.method == "DELETE":
        return Response.json(200, remove_seat(ctx, seat_id))
    return Response.json(200, update_seat(ctx, seat_id, _body(call.request)))


def seat_settings_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        with ctx.state.lock:
            return Response.json(200, ctx.state.seats.settings.view())
    return Response.json(200, set_seat_settings(ctx, _body(call.request)))


def widget_request_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, widget_request(ctx, _body(call.request)))


def status_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, change_status(ctx, _body(call.request)))


def push_settings_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        with ctx.state.lock:
            return Response.json(200, ctx.state.push_settings.view())
    return Response.json(200, set_push_settings(ctx, _body(call.request)))


def pushes_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, pushes(ctx))


def redeliver_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, redeliver(ctx, call.params["push_id"]))


def requests_route(ctx: Context, call: Call) -> Response:
    with ctx.state.lock:
        if call.request.method == "DELETE":
            cleared = len(ctx.state.request_log)
            ctx.state.request_log.clear()
            return Response.json(200, {"cleared": cleared})
        return Response.json(200, list(ctx.state.request_log))


def state_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, ctx.state.snapshot())


def usage_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, usage(ctx))


def limits_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        with ctx.state.lock:
            return Response.json(200, dict(ctx.state.daily_limits))
    return Response.json(200, set_limits(ctx, _body(call.request)))


def clock_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        return Response.json(200, clock_view(ctx))
    return Response.json(200, set_clock(ctx, _body(call.request)))


def reset_route(ctx: Context, call: Call) -> Response:
    ctx.state.reset()
    return Response.json(200, {"reset": True})


def apps_route(ctx: Context, call: Call) -> Response:
    with ctx.state.lock:
        return Response.json(200, [app.public_view() for app in ctx.state.apps.values()])


def app_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, set_app(ctx, call.params["client_id"], _body(call.request)))


def _query_value(call: Call, name: str) -> str | None:
    values = [value for key, value in call.request.query_pairs() if key == name]
    unknown = sorted({key for key, _ in call.request.query_pairs()} - {name})
    if unknown:
        raise ApiError(400, f'Unexpected query parameter "{unknown[0]}"')
    if len(values) > 1:
        raise ApiError(400, f'The query parameter "{name}" is repeated')
    return values[0] if values else None


def data_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, data(ctx, _query_value(call, "organization")))


def data_counts_route(ctx: Context, call: Call) -> Response:
    return Response.json(200, data_counts(ctx, _query_value(call, "organization")))


def job_tasks_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        return Response.json(200, ctx.state.sync.job_tasks_view())
    return Response.json(200, set_job_tasks(ctx, _body(call.request)))


def faults_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        return Response.json(200, ctx.state.faults.view())
    return Response.json(200, set_faults(ctx, _body(call.request)))


def request_log_route(ctx: Context, call: Call) -> Response:
    if call.request.method == "GET":
        return Response.json(200, ctx.state.request_log_view())
    return Response.json(200, set_request_log(ctx, _body(call.request)))
