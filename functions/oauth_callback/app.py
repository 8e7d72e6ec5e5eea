"""LinkedIn's OAuth redirect (GET /oauth/linkedin/callback) and the widget's integration request."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector.api.resolver import build_resolver
from rsc_connector.api.routes import oauth_callback_routes
from rsc_connector.observability import logger

app = build_resolver(oauth_callback_routes)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
