"""Routes, grouped by the function that serves them (template.yaml). Each handler registers its group.

Request bodies are pydantic models (validated by Powertools, 422 on bad input) so the OpenAPI document in
docs/openapi.json is generated from these signatures (`make openapi`).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from rsc_connector.api.models import (
    ActivationRequest,
    AutoLinkRequest,
    ChangesRequest,
    DeactivationRequest,
    IntegrationRequestBody,
    SeatAssignment,
    SeatRefreshRequest,
)
from rsc_connector.api.resolver import caller_of, public_base_url
from rsc_connector.errors import BadRequest


def _json(body: Any, status: int = 200) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=body)


def kickoff_routes(app: APIGatewayRestResolver) -> None:
    @app.post(
        "/accounts/<accountId>/linkedin/activation",
        summary="ACTIVATE: provision or find the customer's LinkedIn app and start the sign-in",
        tags=["onboarding"],
    )
    def activate(accountId: str, body: Annotated[ActivationRequest, Body()]) -> Response[Any]:
        from rsc_connector import services

        onboarding = services.onboarding()
        base = public_base_url(app, onboarding.settings.PUBLIC_BASE_URL)
        return _json(onboarding.activate(caller_of(app), accountId, body.companyName, base, body.jobAvailability))

    @app.post(
        "/accounts/<accountId>/linkedin/contracts/<contractId>/renotify",
        summary="Re-send the partner-side setup of a contract stuck in Partner ready, and check it again soon",
        tags=["onboarding"],
    )
    def renotify(accountId: str, contractId: str) -> Response[Any]:
        from rsc_connector import services
        from rsc_connector.status import contract_view

        onboarding = services.onboarding()
        base = public_base_url(app, onboarding.settings.PUBLIC_BASE_URL)
        return _json(contract_view(onboarding.renotify(caller_of(app), accountId, contractId, base)))


def oauth_callback_routes(app: APIGatewayRestResolver) -> None:
    @app.get(
        "/oauth/linkedin/callback",
        summary="LinkedIn's OAuth redirect after the customer clicked Request (no ATS token: the state is bound)",
        tags=["onboarding"],
    )
    def callback() -> Response[str]:
        from rsc_connector import services

        onboarding = services.onboarding()
        query = app.current_event.query_string_parameters or {}
        params = {k: v for k, v in query.items() if isinstance(v, str)}
        location = onboarding.oauth_callback(params, public_base_url(app, onboarding.settings.PUBLIC_BASE_URL))
        return Response(status_code=302, headers={"Location": location}, body="")

    @app.post(
        "/accounts/<accountId>/linkedin/integration-requests",
        summary="The configuration widget's onintegrate payload, forwarded by the ATS front end",
        tags=["onboarding"],
    )
    def integration_request(
        accountId: str,
        body: Annotated[IntegrationRequestBody, Body()],
    ) -> Response[Any]:
        from rsc_connector import services
        from rsc_connector.linkedin.api import integration_request_from_widget
        from rsc_connector.status import contract_view

        onboarding = services.onboarding()
        caller = caller_of(app)
        caller.ensure_account(accountId)  # who may ask comes before what they sent (no 400 to an outsider)
        caller.require_admin("connect a LinkedIn Recruiter contract")
        try:
            request = integration_request_from_widget([i.model_dump() for i in body.integrations], body.requestId)
        except ValueError as exc:
            raise BadRequest(str(exc), code="INVALID_INTEGRATION_REQUEST") from None
        base = public_base_url(app, onboarding.settings.PUBLIC_BASE_URL)
        contract = onboarding.widget_request(caller, accountId, body.state, request, base)
        return _json(contract_view(contract))


def status_routes(app: APIGatewayRestResolver) -> None:
    @app.get(
        "/accounts/<accountId>/linkedin",
        summary="Every contract of the account: status, access levels, features and the admin's next step",
        tags=["status"],
    )
    def status(accountId: str) -> Response[Any]:
        from rsc_connector import services
        from rsc_connector.status import account_status

        return _json(
            account_status(
                caller_of(app), accountId, services.state_repository(), services.sync_store(), services.seat_store()
            )
        )


def webhook_routes(app: APIGatewayRestResolver) -> None:
    @app.post(
        "/linkedin/notifications/<accountId>",
        summary="LinkedIn's push to the customer's CALLBACK_URL (X-LI-Signature verified; no ATS token)",
        tags=["linkedin"],
    )
    def notification(accountId: str) -> Response[Any]:
        from rsc_connector import services

        event = app.current_event
        raw = event.decoded_body or ""
        headers = {k: v for k, v in (event.headers or {}).items() if isinstance(v, str)}
        return _json(services.push_receiver().receive(accountId, headers, raw.encode()))


def sync_routes(app: APIGatewayRestResolver) -> None:
    @app.post(
        "/accounts/<accountId>/linkedin/contracts/<contractId>/syncs",
        summary="Start the historical sync again; resumes an interrupted one, idempotent while one runs",
        tags=["sync"],
    )
    def resync(accountId: str, contractId: str) -> Response[Any]:
        from rsc_connector import services

        return _json(services.resync().start(caller_of(app), accountId, contractId), status=202)


def changes_routes(app: APIGatewayRestResolver) -> None:
    @app.post(
        "/accounts/<accountId>/linkedin/changes",
        summary="Records the ATS created, updated or deleted, applied at LinkedIn in order per record (version); "
        "at most 100 per call and 64 KB: send bigger batches in several calls",
        tags=["sync"],
    )
    def changes(accountId: str, body: Annotated[ChangesRequest, Body()]) -> Response[Any]:
        from rsc_connector import services

        accepted = services.change_intake().accept(caller_of(app), accountId, [c.as_change() for c in body.changes])
        return _json(accepted, status=202)


QueryId = Annotated[str | None, Query(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]
QueryText = Annotated[str | None, Query(max_length=200)]
QueryCursor = Annotated[str | None, Query(min_length=1, max_length=2000)]
QueryLimit = Annotated[int, Query(ge=1, le=200)]
QueryFlag = Annotated[bool | None, Query()]


def seat_linking_routes(app: APIGatewayRestResolver) -> None:
    @app.get(
        "/accounts/<accountId>/linkedin/seats",
        summary="Recruiter seats of the contracts with contract-level access, each with its linked ATS user",
        tags=["seats"],
    )
    def seats(
        accountId: str,
        contractId: QueryId = None,
        linked: QueryFlag = None,
        q: QueryText = None,
        cursor: QueryCursor = None,
        limit: QueryLimit = 50,
    ) -> Response[Any]:
        from rsc_connector import services

        return _json(
            services.seat_linking().list_seats(caller_of(app), accountId, contractId, linked, q, cursor, limit)
        )

    @app.post(
        "/accounts/<accountId>/linkedin/seats/auto-link",
        summary="Link users to seats by email (exactly one match on each side); dryRun shows the proposals",
        tags=["seats"],
    )
    def auto_link(accountId: str, body: Annotated[AutoLinkRequest, Body()]) -> Response[Any]:
        from rsc_connector import services

        return _json(services.seat_linking().auto_link(caller_of(app), accountId, body.contractId, dry_run=body.dryRun))

    @app.post(
        "/accounts/<accountId>/linkedin/seats/refresh",
        summary="Read the seats from LinkedIn again now; links to seats gone or reassigned are removed",
        tags=["seats"],
    )
    def refresh(accountId: str, body: Annotated[SeatRefreshRequest, Body()]) -> Response[Any]:
        from rsc_connector import services

        return _json(services.seat_linking().refresh_now(caller_of(app), accountId, body.contractId))

    @app.get(
        "/accounts/<accountId>/users",
        summary="The ATS's users, each with their Recruiter seat (the users page's LinkedIn icon)",
        tags=["seats"],
    )
    def users(
        accountId: str,
        linked: QueryFlag = None,
        q: QueryText = None,
        cursor: QueryCursor = None,
        limit: QueryLimit = 50,
    ) -> Response[Any]:
        from rsc_connector import services

        return _json(services.seat_linking().list_users(caller_of(app), accountId, linked, q, cursor, limit))

    @app.put(
        "/accounts/<accountId>/users/<userId>/linkedin-seat",
        summary="Link a user to a Recruiter seat by hand (Admin/Owner); one seat per user, one user per seat",
        tags=["seats"],
    )
    def assign(accountId: str, userId: str, body: Annotated[SeatAssignment, Body()]) -> Response[Any]:
        from rsc_connector import services

        return _json(
            services.seat_linking().assign(
                caller_of(app), accountId, userId, body.seatId, body.contractId, replace=body.replace
            )
        )

    @app.delete(
        "/accounts/<accountId>/users/<userId>/linkedin-seat",
        summary="Unlink a user from their Recruiter seat (Admin/Owner); automatic linking will not relink them",
        tags=["seats"],
    )
    def unassign(accountId: str, userId: str, contractId: QueryId = None) -> Response[Any]:
        from rsc_connector import services

        return _json(services.seat_linking().unassign(caller_of(app), accountId, userId, contractId))


def deactivation_routes(app: APIGatewayRestResolver) -> None:
    @app.post(
        "/accounts/<accountId>/linkedin/deactivation",
        summary="Deactivate one contract (or every contract): stop, delete the synced data from LinkedIn, report",
        tags=["deactivation"],
    )
    def deactivate(accountId: str, body: Annotated[DeactivationRequest | None, Body()] = None) -> Response[Any]:
        from rsc_connector import services

        contract_id = body.contractId if body is not None else None
        status, reply = services.deactivation().start(caller_of(app), accountId, contract_id)
        return _json(reply, status=status)

    @app.get(
        "/accounts/<accountId>/linkedin/deactivation",
        summary="Each contract's deactivation: status, what was deleted so far, errors",
        tags=["deactivation"],
    )
    def deactivation(accountId: str) -> Response[Any]:
        from rsc_connector import services

        return _json(services.deactivation().view(caller_of(app), accountId))
