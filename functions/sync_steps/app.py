"""Initial sync, state machine steps: begin, drain check, job tasks, complete, fail."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector.observability import logger
from rsc_connector.sync import lambdas


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return lambdas.step(event)
