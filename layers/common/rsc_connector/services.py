"""Default wiring of the use cases to AWS and LinkedIn, built once per container (tests pass their own)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from rsc_connector.clock import SystemClock
from rsc_connector.errors import ConfigurationError
from rsc_connector.settings import Settings, get_settings

# Each factory imports what it builds: a handler pays at cold start only for what it uses (the authorizer,
# which runs before every API call's first request, needs just Secrets Manager).
if TYPE_CHECKING:
    from rsc_connector.adapters.dynamodb import DynamoStateRepository
    from rsc_connector.adapters.secrets import SecretsManagerStore
    from rsc_connector.enablement import Enablement
    from rsc_connector.linkedin.http import LinkedInHttp
    from rsc_connector.onboarding import Onboarding
    from rsc_connector.push import PushReceiver
    from rsc_connector.seats.service import SeatLinking
    from rsc_connector.seats.store import SeatStore
    from rsc_connector.sync.changes import ChangeFeed, ChangeIntake
    from rsc_connector.sync.planner import Planner
    from rsc_connector.sync.steps import SyncSteps
    from rsc_connector.sync.store import SyncStore
    from rsc_connector.sync.worker import Worker


@functools.cache
def state_repository() -> DynamoStateRepository:
    from rsc_connector.adapters.dynamodb import DynamoStateRepository

    return DynamoStateRepository(get_settings().TABLE_NAME)


@functools.cache
def secret_store() -> SecretsManagerStore:
    from rsc_connector.adapters.secrets import SecretsManagerStore

    return SecretsManagerStore()


@functools.cache
def linkedin_http() -> LinkedInHttp:
    from rsc_connector.linkedin.http import LinkedInHttp

    settings = get_settings()
    return LinkedInHttp(settings.LINKEDIN_API_BASE_URL, settings.LINKEDIN_OAUTH_BASE_URL)


@functools.cache
def onboarding() -> Onboarding:
    from rsc_connector.onboarding import Onboarding

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
    from rsc_connector.enablement import Enablement

    settings = get_settings()
    if not settings.INITIAL_SYNC_STATE_MACHINE_ARN:
        raise ConfigurationError("INITIAL_SYNC_STATE_MACHINE_ARN is not set")
    return Enablement(
        repo=state_repository(),
        secrets=secret_store(),
        linkedin=linkedin_http(),
        sync=StepFunctionsSyncStarter(settings.INITIAL_SYNC_STATE_MACHINE_ARN),
        clock=SystemClock(),
        seats=seat_store(),
    )


@functools.cache
def push_receiver() -> PushReceiver:
    from rsc_connector.push import PushReceiver

    return PushReceiver(repo=state_repository(), secrets=secret_store(), enablement=enablement(), clock=SystemClock())


def settings() -> Settings:
    return get_settings()


def aws_client(service: str) -> Any:
    from rsc_connector.adapters import aws

    return aws.client(service)


@functools.cache
def sync_store() -> SyncStore:
    from rsc_connector.sync.store import SyncStore

    return SyncStore(get_settings().TABLE_NAME)


@functools.cache
def ats_export() -> Any:
    from rsc_connector.ats.client import AtsExportClient

    s = get_settings()
    if not s.ATS_BASE_URL or not s.ATS_API_SECRET_NAME:
        raise ConfigurationError("ATS_BASE_URL and ATS_API_SECRET_NAME must be set")
    token = str(secret_store().get_json(s.ATS_API_SECRET_NAME).get("token", ""))
    return AtsExportClient(s.ATS_BASE_URL, token)


@functools.cache
def planner() -> Planner:
    from rsc_connector.sync.planner import Planner

    s = get_settings()
    repo = state_repository()

    def budget_key(account_id: str) -> str | None:
        account = repo.get_account(account_id)
        return account.child_app.key if account is not None and account.child_app is not None else None

    from rsc_connector.sync.worker import RateLimits

    return Planner(
        sync_store(),
        ats_export(),
        aws_client("sqs"),
        aws_client("s3"),
        s.SYNC_QUEUE_URL,
        s.SYNC_BUCKET,
        budget_key,
        RateLimits(s.LINKEDIN_SYNC_RECORDS_PER_MINUTE).smooth_rate,
    )


@functools.cache
def sync_worker() -> Worker:
    from rsc_connector.linkedin.http import LinkedInHttp
    from rsc_connector.sync.worker import RateLimits, Worker

    s = get_settings()
    # One quick retry inside the worker; longer outages send the page back to the queue with a delay.
    http = LinkedInHttp(s.LINKEDIN_API_BASE_URL, s.LINKEDIN_OAUTH_BASE_URL, max_attempts=2, backoff_base=0.5)
    return Worker(
        sync_store(),
        state_repository(),
        secret_store(),
        http,
        aws_client("s3"),
        s.SYNC_BUCKET,
        RateLimits(s.LINKEDIN_SYNC_RECORDS_PER_MINUTE, s.LINKEDIN_SYNC_CALLS_PER_DAY),
        changes=change_feed(),
    )


@functools.cache
def change_feed() -> ChangeFeed:
    """Ongoing changes' state and the queue their references go to (the sync queue)."""
    from rsc_connector.sync.changes import ChangeFeed, ChangeStore

    s = get_settings()
    return ChangeFeed(ChangeStore(s.TABLE_NAME), aws_client("sqs"), s.SYNC_QUEUE_URL)


@functools.cache
def change_intake() -> ChangeIntake:
    from rsc_connector.sync.changes import ChangeIntake

    return ChangeIntake(state_repository(), change_feed())


def account_admin_emails(account_id: str) -> list[str]:
    """The ATS account's active Admins and Owners (their primary email), from the export API's users."""
    emails: list[str] = []
    for page in ats_export().iterate(account_id, "users"):
        for user in page.items:
            if user.get("active") and str(user.get("role", "")).lower() in ("admin", "owner"):
                addresses = [e for e in user.get("emails") or [] if isinstance(e, str) and "@" in e]
                if addresses and addresses[0] not in emails:
                    emails.append(addresses[0])
    return emails


@functools.cache
def sync_steps() -> SyncSteps:
    from rsc_connector.sync.steps import Mailer, SyncSteps

    s = get_settings()
    return SyncSteps(
        store=sync_store(),
        repo=state_repository(),
        secrets=secret_store(),
        linkedin=linkedin_http(),
        mailer=Mailer(aws_client("sesv2"), s.SENDER_EMAIL),
        admins=account_admin_emails,
        stall_seconds=s.SYNC_STALL_SECONDS,
        seat_linking=seat_linking,
    )


@functools.cache
def resync() -> Any:
    from rsc_connector.adapters.stepfunctions import StepFunctionsSyncStarter
    from rsc_connector.sync.resync import Resync

    s = get_settings()
    if not s.INITIAL_SYNC_STATE_MACHINE_ARN:
        raise ConfigurationError("INITIAL_SYNC_STATE_MACHINE_ARN is not set")
    return Resync(state_repository(), sync_store(), StepFunctionsSyncStarter(s.INITIAL_SYNC_STATE_MACHINE_ARN))


@functools.cache
def deactivation() -> Any:
    from rsc_connector.deactivation.service import Deactivation, ExecutionStarter
    from rsc_connector.deactivation.store import DeactivationStore

    s = get_settings()
    if not s.DEACTIVATION_STATE_MACHINE_ARN:
        raise ConfigurationError("DEACTIVATION_STATE_MACHINE_ARN is not set")
    return Deactivation(
        state_repository(), DeactivationStore(s.TABLE_NAME), ExecutionStarter(s.DEACTIVATION_STATE_MACHINE_ARN)
    )


@functools.cache
def deactivation_steps() -> Any:
    from rsc_connector.deactivation.steps import DeactivationSteps
    from rsc_connector.deactivation.store import DeactivationStore
    from rsc_connector.linkedin.http import LinkedInHttp
    from rsc_connector.sync.steps import Mailer
    from rsc_connector.sync.worker import RateLimits

    s = get_settings()
    # One quick retry per call: longer outages are waited out by the state machine's loop (and its stall limit).
    http = LinkedInHttp(s.LINKEDIN_API_BASE_URL, s.LINKEDIN_OAUTH_BASE_URL, max_attempts=2, backoff_base=0.5)
    return DeactivationSteps(
        repo=state_repository(),
        sync_store=sync_store(),
        store=DeactivationStore(s.TABLE_NAME),
        secrets=secret_store(),
        linkedin=http,
        mailer=Mailer(aws_client("sesv2"), s.SENDER_EMAIL),
        admins=account_admin_emails,
        ats=ats_export,
        seats=seat_store(),
        limits=RateLimits(s.LINKEDIN_SYNC_RECORDS_PER_MINUTE, s.LINKEDIN_SYNC_CALLS_PER_DAY),
        stall_seconds=s.SYNC_STALL_SECONDS,
    )


@functools.cache
def seat_store() -> SeatStore:
    from rsc_connector.seats.store import SeatStore

    return SeatStore(get_settings().TABLE_NAME)


@functools.cache
def seat_linking() -> SeatLinking:
    from rsc_connector.seats.service import SeatLinking
    from rsc_connector.seats.users import AtsUserDirectory

    return SeatLinking(
        repo=state_repository(),
        store=seat_store(),
        secrets=secret_store(),
        linkedin=linkedin_http(),
        users=AtsUserDirectory(ats_export),
    )


def clear_caches() -> None:
    """Forget every cached object (tests; never needed in Lambda)."""
    from rsc_connector.adapters import aws

    for factory in (
        state_repository,
        secret_store,
        linkedin_http,
        onboarding,
        enablement,
        push_receiver,
        sync_store,
        ats_export,
        planner,
        sync_worker,
        change_feed,
        change_intake,
        sync_steps,
        resync,
        seat_store,
        seat_linking,
        deactivation,
        deactivation_steps,
    ):
        factory.cache_clear()
    get_settings.cache_clear()
    aws.clear_caches()
    import sys

    lambdas = sys.modules.get("rsc_connector.sync.lambdas")
    if lambdas is not None:  # its idempotency layer holds a DynamoDB client too
        lambdas._idempotent_process.cache_clear()
