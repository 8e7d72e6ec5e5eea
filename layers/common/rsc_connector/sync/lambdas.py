"""Lambda entry logic of the sync functions (the handlers in functions/ only call these)."""

from __future__ import annotations

import functools
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from rsc_connector.observability import logger
from rsc_connector.sync.messages import ChangeMessage, parse_message
from rsc_connector.sync.store import RunKey
from rsc_connector.sync.worker import PageOutcome, RetryLater, log_outcome

metrics = Metrics()  # namespace and service from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME


# -- planner -----------------------------------------------------------------------------------------
def plan(event: dict[str, Any], remaining_ms: int) -> dict[str, Any]:
    from rsc_connector import services

    key = RunKey(str(event["accountId"]), str(event["contractId"]), str(event["syncId"]))
    seconds = max(5.0, min(240.0, remaining_ms / 1000 - 30))  # leave time to save the cursor
    return services.planner().plan(key, str(event["entity"]), str(event["organizationUrn"]), seconds)


# -- steps --------------------------------------------------------------------------------------------
def step(event: dict[str, Any]) -> dict[str, Any]:
    from rsc_connector import services

    steps = services.sync_steps()
    action, payload = event.get("action"), dict(event.get("input") or {})
    if action == "begin":
        return steps.begin(payload, str(event.get("executionArn", "")))
    if action == "check_drain":
        return steps.check_drain(payload)
    if action == "check_job_tasks":
        return steps.check_job_tasks(payload)
    if action == "link_seats":
        return steps.link_seats(payload)
    if action == "complete":
        return steps.complete(payload)
    if action == "fail":
        return steps.fail(payload)
    raise ValueError(f"unknown sync step {action!r}")


# -- worker -------------------------------------------------------------------------------------------
@functools.cache
def _idempotent_process() -> Any:
    """The page processor, made idempotent on the page id with Powertools (DynamoDB persistence)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from rsc_connector import services
    from rsc_connector.settings import get_settings

    config = IdempotencyConfig(event_key_jmespath="page_id", expires_after_seconds=7 * 24 * 3600)
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().IDEMPOTENCY_TABLE_NAME)

    @idempotent_function(data_keyword_argument="page", config=config, persistence_store=persistence)
    def process(page: dict[str, Any]) -> dict[str, Any]:
        message = parse_message(page["body"])
        if isinstance(message, ChangeMessage):  # ongoing changes share the queue, workers and budget
            from rsc_connector.sync.change_worker import apply_changes

            outcome = apply_changes(services.sync_worker(), message, int(page.get("receive_count", 1)))
        else:
            deadline = page.get("deadline")
            outcome = services.sync_worker().process(message, int(page.get("receive_count", 1)), deadline)
            log_outcome(message, outcome)
        metrics.add_metric(
            name="PagesSynced" if outcome.status == "counted" else "PagesSkipped", unit=MetricUnit.Count, value=1
        )
        metrics.add_metric(name="RecordsAccepted", unit=MetricUnit.Count, value=outcome.accepted)
        metrics.add_metric(name="RecordsRejected", unit=MetricUnit.Count, value=outcome.rejected)
        metrics.add_metric(name="LinkedInCalls", unit=MetricUnit.Count, value=outcome.calls)
        return outcome.__dict__

    return process, config


CALLS_STOP_BEFORE_TIMEOUT_SECONDS = 25.0  # no LinkedIn call starts later than this before the invocation's end:
# one call takes at most 2 attempts of LinkedInHttp's read timeout, and the page's bookkeeping must fit after it


def _record_handler(record: SQSRecord, lambda_context: Any = None) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    from rsc_connector import services

    process, _ = _idempotent_process()
    receive_count = int(record.attributes.approximate_receive_count or 1)
    deadline = None
    if lambda_context is not None:
        remaining = lambda_context.get_remaining_time_in_millis() / 1000
        deadline = time.monotonic() + remaining - CALLS_STOP_BEFORE_TIMEOUT_SECONDS
    try:
        message = parse_message(record.body)
        result: dict[str, Any] = process(
            page={"page_id": message.page_id, "body": record.body, "receive_count": receive_count, "deadline": deadline}
        )
        return result
    except RetryLater as exc:
        delay = exc.seconds_from_now()
        if exc.defer is not None and _defer(services, exc.defer, delay):
            # Sent again as a new, delayed message: this delivery is done (and does not count toward the DLQ).
            metrics.add_metric(name="PagesDeferred", unit=MetricUnit.Count, value=1)
            logger.debug("page deferred", extra={"reason": exc.reason, "delay": delay})
            return {"status": "deferred", "delay": delay}
        metrics.add_metric(name="PagesDelayed", unit=MetricUnit.Count, value=1)
        _delay(services, record, max(1, delay))
        logger.info("page delayed", extra={"reason": exc.reason, "delay": delay})
        raise
    except IdempotencyAlreadyInProgressError:
        _delay(services, record, 30)  # another worker holds this page right now
        raise


def _defer(services: Any, body: str, seconds: int) -> bool:
    """Send the page again as a new message, delayed; False if SQS refused (then its delivery is retried)."""
    try:
        services.aws_client("sqs").send_message(
            QueueUrl=services.settings().SYNC_QUEUE_URL, MessageBody=body, DelaySeconds=max(0, min(900, seconds))
        )
    except Exception as exc:
        logger.warning("could not defer page", extra={"error": type(exc).__name__})
        return False
    return True


def _delay(services: Any, record: SQSRecord, seconds: int) -> None:
    try:
        services.aws_client("sqs").change_message_visibility(
            QueueUrl=services.settings().SYNC_QUEUE_URL, ReceiptHandle=record.receipt_handle, VisibilityTimeout=seconds
        )
    except Exception as exc:
        logger.warning("could not delay page", extra={"error": type(exc).__name__})


class _PagesSideBySide(BatchProcessor):
    """A batch's pages processed at once, one thread each. A page may wait for its budget slot and then makes up
    to one call per parent, so one after the other a batch of ten ran past the function's Timeout at LinkedIn's
    full rate; side by side an invocation lasts as long as its longest page. Each page reports to this processor
    alone (list appends), and the partial batch response is built once all are done."""

    def process(self) -> list[tuple[Any, ...]]:
        if len(self.records) < 2:
            return super().process()
        with ThreadPoolExecutor(max_workers=len(self.records), thread_name_prefix="page") as pool:
            return list(pool.map(self._process_record, self.records))


def work(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _, config = _idempotent_process()
    config.register_lambda_context(context)
    # One processor per invocation: a BatchProcessor holds the batch's successes and failures, and one shared
    # between concurrent invocations (threads of one process, as in the local stack) can report another
    # batch's outcome, so that a page sent back for later is deleted from the queue instead.
    processor = _PagesSideBySide(event_type=EventType.SQS)
    try:
        response = process_partial_response(
            event=event, record_handler=_record_handler, processor=processor, context=context
        )
    finally:
        # Flush once per invocation (EMF to stdout), and always start the next one empty: with metrics
        # disabled (local runs) Powertools keeps the values and prints them on its own after 100.
        metrics.flush_metrics()
        metrics.clear_metrics()
    return dict(response)


__all__ = ["PageOutcome", "plan", "step", "work"]
