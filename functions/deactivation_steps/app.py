"""Deactivation, state machine steps: begin, purge (loop), remove configurations, finish, fail."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector.observability import logger


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    from rsc_connector import services
    from rsc_connector.deactivation.steps import handle

    return handle(services.deactivation_steps(), event)
