"""Seat linking: the seats and users routes, manual and automatic linking, and the scheduled seat refresh."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector.api.resolver import build_resolver
from rsc_connector.api.routes import seat_linking_routes
from rsc_connector.observability import logger

app = build_resolver(seat_linking_routes)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if event.get("source") == "aws.events":  # the EventBridge schedule: re-read seats that are due
        from rsc_connector import services

        return services.seat_linking().refresh_due()
    return app.resolve(event, context)
