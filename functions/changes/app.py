"""Ongoing changes: POST /accounts/{accountId}/linkedin/changes (the ATS reports created, updated, deleted records)."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector.api.resolver import build_resolver
from rsc_connector.api.routes import changes_routes
from rsc_connector.observability import logger

app = build_resolver(changes_routes)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
