"""The scheduled enablement poll: BATCH_GET the atsIntegrations of every contract that is due."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector import services
from rsc_connector.observability import logger


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    report = services.enablement().poll()
    return {
        "contractsDue": report.contracts_due,
        "contractsPolled": report.contracts_polled,
        "linkedinCalls": report.linkedin_calls,
        "skippedForBudget": report.skipped_for_budget,
        "errors": report.errors,
        "transitions": report.transitions,
    }
