"""API Gateway REQUEST authorizer: the ATS's short-lived JWT -> account, user, role, plan."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from rsc_connector import services
from rsc_connector.auth.authorizer import authorize
from rsc_connector.clock import SystemClock
from rsc_connector.observability import logger
from rsc_connector.settings import get_settings


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return authorize(event, services.secret_store(), get_settings().ATS_JWT_SECRET_NAME, SystemClock())
