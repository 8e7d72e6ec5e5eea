"""Initial sync, worker: SQS batches of pages -> LinkedIn, with partial batch failures."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector.observability import logger
from rsc_connector.sync import lambdas


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return lambdas.work(event, context)
