"""Deactivation: POST (start, idempotent) and GET (progress) /accounts/{accountId}/linkedin/deactivation."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector.api.resolver import build_resolver
from rsc_connector.api.routes import deactivation_routes
from rsc_connector.observability import logger

app = build_resolver(deactivation_routes)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
