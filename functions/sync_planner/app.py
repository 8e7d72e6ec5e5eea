"""Initial sync, planner step: enqueue the next pages of one entity from the ATS cursor."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector.observability import logger
from rsc_connector.sync import lambdas


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return lambdas.plan(event, context.get_remaining_time_in_millis())
