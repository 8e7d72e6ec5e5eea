"""Default wiring of the use cases to AWS and LinkedIn, built once per container (tests pass their own)."""

from __future__ import annotations

import functools

from rsc_connector.adapters.dynamodb import DynamoStateRepository
from rsc_connector.adapters.secrets import SecretsManagerStore
from rsc_connector.clock import SystemClock
from rsc_connector.enablement import Enablement
from rsc_connector.linkedin.http import LinkedInHttp
from rsc_connector.onboarding import Onboarding
from rsc_connector.push import PushReceiver
from rsc_connector.settings import get_settings


@functools.cache
def state_repository() -> DynamoStateRepository:
    return DynamoStateRepository(get_settings().TABLE_NAME)


@functools.cache
def secret_store() -> SecretsManagerStore:
    return SecretsManagerStore()


@functools.cache
def linkedin_http() -> LinkedInHttp:
    settings = get_settings()
    return LinkedInHttp(settings.LINKEDIN_API_BASE_URL, settings.LINKEDIN_OAUTH_BASE_URL)


@functools.cache
def onboarding() -> Onboarding:
    return Onboarding(
        settings=get_settings(),
        repo=state_repository(),
        secrets=secret_store(),
        linkedin=linkedin_http(),
        clock=SystemClock(),
    )


@functools.cache
def enablement() -> Enablement:
    from rsc_connector.adapters.stepfunctions import StepFunctionsSyncStarter
    from rsc_connector.errors import ConfigurationError

    settings = get_settings()
    if not settings.INITIAL_SYNC_STATE_MACHINE_ARN:
        raise ConfigurationError("INITIAL_SYNC_STATE_MACHINE_ARN is not set")
    return Enablement(
        repo=state_repository(),
        secrets=secret_store(),
        linkedin=linkedin_http(),
        sync=StepFunctionsSyncStarter(settings.INITIAL_SYNC_STATE_MACHINE_ARN),
        clock=SystemClock(),
    )


@functools.cache
def push_receiver() -> PushReceiver:
    return PushReceiver(repo=state_repository(), secrets=secret_store(), enablement=enablement(), clock=SystemClock())


def clear_caches() -> None:
    """Forget every cached object (tests; never needed in Lambda)."""
    from rsc_connector.adapters import aws

    for factory in (state_repository, secret_store, linkedin_http, onboarding, enablement, push_receiver):
        factory.cache_clear()
    get_settings.cache_clear()
    aws.clear_caches()
