"""The control API (``/_control/...``, JSON, no auth): plays the customer's people and exposes the emulator.

Each operation is a function ``(ctx, body) -> payload`` raising ApiError; the HTTP routes and the in-process
methods of LinkedInEmulator both call them, so the two behave the same.
"""

from __future__ import annotations

from typing import Any

from rsc_connector.linkedin import assumptions as A

from .context import Call, Context
from .faults import parse_settings
from .model import CONTRACT_URN, ORGANIZATION_URN, PUSH_MODES, Contract, Member
from .oauth import integration_request_payload
from .state import Refusal
from .wire import ApiError, Request, Response

CONTRACT_TYPES_KNOWN = A.CONTRACT_TYPES_ELIGIBLE | {A.CONTRACT_TYPE_LITE}
MEMBER_FIELDS = frozenset({"memberId", "firstName", "lastName", "email", "contracts"})
CONTRACT_FIELDS = frozenset({"contractId", "name", "type", "organizationId"})
SYNC_KNOBS = ("syncRecordsPerMinute", "syncCallsPerDay")
REQUEST_LOG_FIELDS = frozenset({"enabled", "maxEntries", "maxBodyBytes"})


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
