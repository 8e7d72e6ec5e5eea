"""Routes, grouped by the function that serves them (template.yaml). Each handler registers its group."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from rsc_connector.api.models import ActivationRequest, IntegrationRequestBody
from rsc_connector.api.resolver import caller_of, parse_body, public_base_url
from rsc_connector.errors import BadRequest

AccountId = str


def kickoff_routes(app: APIGatewayRestResolver) -> None:
    @app.post("/accounts/<accountId>/linkedin/activation")
    def activate(accountId: str) -> Response[Any]:
        from rsc_connector import services

        onboarding = services.onboarding()
        body = parse_body(app, ActivationRequest)
        result = onboarding.activate(
            caller_of(app),
            accountId,
            body.companyName,
            public_base_url(app, onboarding.settings.PUBLIC_BASE_URL),
        )
        return Response(status_code=200, content_type="application/json", body=result)


def oauth_callback_routes(app: APIGatewayRestResolver) -> None:
    @app.get("/oauth/linkedin/callback")
    def callback() -> Response[str]:
        from rsc_connector import services

        onboarding = services.onboarding()
        params = {k: v for k, v in (app.current_event.query_string_parameters or {}).items() if isinstance(v, str)}
        location = onboarding.oauth_callback(params, public_base_url(app, onboarding.settings.PUBLIC_BASE_URL))
        return Response(status_code=302, headers={"Location": location}, body="")

    @app.post("/accounts/<accountId>/linkedin/integration-requests")
    def integration_request(accountId: str) -> Response[Any]:
        from rsc_connector import services
        from rsc_connector.linkedin.api import integration_request_from_widget
        from rsc_connector.status import contract_view

        onboarding = services.onboarding()
        body = parse_body(app, IntegrationRequestBody)
        try:
            request = integration_request_from_widget([i.model_dump() for i in body.integrations], body.requestId)
        except ValueError as exc:
            raise BadRequest(str(exc), code="INVALID_INTEGRATION_REQUEST") from None
        contract = onboarding.widget_request(
            caller_of(app),
            accountId,
            body.state,
            request,
            public_base_url(app, onboarding.settings.PUBLIC_BASE_URL),
        )
        return Response(status_code=200, content_type="application/json", body=contract_view(contract))


def status_routes(app: APIGatewayRestResolver) -> None:
    @app.get("/accounts/<accountId>/linkedin")
    def status(accountId: str) -> Response[Any]:
        from rsc_connector import services
        from rsc_connector.status import account_status

        return Response(
            status_code=200,
            content_type="application/json",
            body=account_status(caller_of(app), accountId, services.state_repository()),
        )
