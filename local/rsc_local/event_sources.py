"""SQS event sources that behave like Lambda's event source mappings.

moto's own mapping invokes the function inside SendMessage, one record at a time, and ignores partial batch
responses, so the template's ``AWS::Lambda::EventSourceMapping`` resources are not created in moto; each SQS one
becomes a :class:`SqsPoller` here:

- it receives up to ``BatchSize`` messages (at most 10 per ReceiveMessage, repeated to fill the batch while
  ``MaximumBatchingWindowInSeconds`` lasts), keeps the payload under Lambda's 6 MB, and invokes the function
  with the SQS event shape Lambda builds;
- success deletes the batch; an error deletes nothing; with ``ReportBatchItemFailures`` everything except the
  reported ``itemIdentifier``\\s is deleted, and a malformed response (unknown, empty or missing identifier, not an
  object) fails the whole batch, as documented for Lambda;
- ``FilterCriteria`` are applied with moto's EventBridge pattern matcher; messages that match no filter are
  deleted without an invocation, as Lambda does;
- failed messages reappear after the queue's VisibilityTimeout and moto moves a message to the dead-letter queue
  when a receive finds it at ``maxReceiveCount`` (both are moto's SQS behaviour, which the tests verify);
- at most ``ScalingConfig.MaximumConcurrency`` batches run at once (default: the configured
  ``default_max_concurrency``, see :class:`~rsc_local.config.LocalStackConfig`; Lambda's real bound without the
  setting is the account's concurrency), using a thread pool.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from moto.events.models import EventPattern

from rsc_local.errors import TemplateError
from rsc_local.functions import FunctionRegistry

log = logging.getLogger(__name__)

MAX_RECEIVE = 10
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
_SYSTEM_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


@dataclass(frozen=True)
class SqsEventSource:
    """One SQS event source mapping of the template, resolved against the deployed stack."""

    logical_id: str
    function: str
    queue_arn: str
    queue_url: str
    batch_size: int = 10
    batching_window: float = 0.0
    report_batch_item_failures: bool = False
    max_concurrency: int = 5
    enabled: bool = True
    filters: tuple[Mapping[str, Any], ...] = ()


@dataclass
class EventSourceCounters:
    """Activity of one event source since start (a snapshot when read through :meth:`SqsPoller.counters`)."""

    batches: int = 0
    records: int = 0
    invocations: int = 0
    invocation_errors: int = 0
    failed_records: int = 0
    deleted_records: int = 0
    filtered_records: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    largest_batch: int = 0
    batch_sizes: list[int] = field(default_factory=list)


class SqsPoller:
    """Polls one queue and invokes one function, like a Lambda event source mapping."""

    def __init__(
        self,
        source: SqsEventSource,
        registry: FunctionRegistry,
        sqs_client: Any,
        *,
        region: str,
        wait_seconds: int = 1,
    ) -> None:
        self.source = source
        self._registry = registry
        self._sqs = sqs_client
        self._region = region
        self._wait_seconds = wait_seconds
        self._patterns = [EventPattern.load(json.dumps(f)) for f in source.filters]
        self._stop = threading.Event()
        self._slots = threading.Semaphore(source.max_concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._counters = EventSourceCounters()

    def start(self) -> None:
        if self._thread is not None or not self.source.enabled:
            return
        self._stop.clear()
        self._pool = ThreadPoolExecutor(
            max_workers=self.source.max_concurrency, thread_name_prefix=f"rsc-sqs-{self.source.logical_id}"
        )
        self._thread = threading.Thread(target=self._run, name=f"rsc-poll-{self.source.logical_id}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Stop receiving (returns at once; :meth:`stop` waits)."""
        self._stop.set()

    def stop(self) -> None:
        """Stop receiving, then wait for the receive in progress and the batches in flight to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def counters(self) -> EventSourceCounters:
        with self._lock:
            return replace(self._counters, batch_sizes=list(self._counters.batch_sizes))

    def idle(self) -> bool:
        with self._lock:
            return self._counters.in_flight == 0

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=0.2):
                continue
            try:
                batch = self._collect()
            except Exception as exc:
                self._slots.release()
                log.warning("%s: receiving from %s failed: %s", self.source.logical_id, self.source.queue_url, exc)
                self._stop.wait(1.0)
                continue
            if not batch:
                self._slots.release()
                continue
            with self._lock:
                self._counters.in_flight += 1
                self._counters.max_in_flight = max(self._counters.max_in_flight, self._counters.in_flight)
            assert self._pool is not None
            self._pool.submit(self._process, batch)

    def _receive(self, count: int, wait_seconds: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _collect(self) -> list[dict[str, Any]]:
        """One batch: up to BatchSize messages gathered within the batching window, under 6 MB."""
        size = self.source.batch_size
        batch = self._receive(min(MAX_RECEIVE, size), self._wait_seconds)
        if not batch:
            return []
        deadline = time.monotonic() + self.source.batching_window
        last_count = len(batch)
        while len(batch) < size and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            wanted = min(MAX_RECEIVE, size - len(batch))
            if self.source.batching_window == 0:
                if last_count < MAX_RECEIVE:
                    break  # no window: only keep receiving while the queue hands out full pages
                more = self._receive(wanted, 0)
            elif remaining <= 0:
                break
            else:
                more = self._receive(wanted, min(int(remaining), self._wait_seconds))
                if not more:
                    self._stop.wait(min(0.05, max(remaining, 0)))
            last_count = len(more)
            batch.extend(more)
        return self._within_payload_limit(batch)

    def _within_payload_limit(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept: list[dict[str, Any]] = []
        total = 0
        for index, message in enumerate(batch):
            total += len(message.get("Body", "").encode()) + 1024  # envelope allowance per record
            if total > MAX_PAYLOAD_BYTES and kept:
                self._release(batch[index:])
                break
            kept.append(message)
        return kept

    def _release(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self._sqs.change_message_visibility(
                QueueUrl=self.source.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    def _process(self, batch: list[dict[str, Any]]) -> None:
        try:
            self._process_batch(batch)
        except Exception:
            log.exception("%s: processing a batch failed", self.source.logical_id)
        finally:
            with self._lock:
                self._counters.in_flight -= 1
            self._slots.release()

    def _process_batch(self, batch: list[dict[str, Any]]) -> None:
        records = [self._record(message) for message in batch]
        matched = [r for r in records if self._matches(r)]
        unmatched = [r for r in records if r not in matched]
        if unmatched:
            self._delete(unmatched)
            with self._lock:
                self._counters.filtered_records += len(unmatched)
        if not matched:
            return
        invocation = self._registry.invoke(self.source.function, {"Records": matched})
        failed = self._failed_records(matched, invocation.payload) if invocation.ok else matched
        succeeded = [r for r in matched if r not in failed]
        if succeeded:
            self._delete(succeeded)
        with self._lock:
            counters = self._counters
            counters.batches += 1
            counters.records += len(matched)
            counters.invocations += 1
            counters.invocation_errors += 0 if invocation.ok else 1
            counters.failed_records += len(failed)
            counters.deleted_records += len(succeeded) + len(unmatched)
            counters.largest_batch = max(counters.largest_batch, len(matched))
            counters.batch_sizes.append(len(matched))

    def _failed_records(self, records: list[dict[str, Any]], response: Any) -> list[dict[str, Any]]:
        """The records to leave on the queue, per Lambda's partial batch response rules."""
        if not self.source.report_batch_item_failures or response is None:
            return []
        if not isinstance(response, dict):
            return records
        failures = response.get("batchItemFailures")
        if not failures:
            return []
        if not isinstance(failures, list):
            return records
        by_id = {r["messageId"]: r for r in records}
        failed: list[dict[str, Any]] = []
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not isinstance(identifier, str) or identifier not in by_id:
                log.warning(
                    "%s: invalid batchItemFailures entry %r; the whole batch failed", self.source.logical_id, failure
                )
                return records
            if by_id[identifier] not in failed:
                failed.append(by_id[identifier])
        return failed

    def _delete(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), MAX_RECEIVE):
            chunk = records[start : start + MAX_RECEIVE]
            self._sqs.delete_message_batch(
                QueueUrl=self.source.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
            )

    def _matches(self, record: Mapping[str, Any]) -> bool:
        if not self._patterns:
            return True
        filterable: dict[str, Any] = dict(record)
        with contextlib.suppress(ValueError):  # a body that is not JSON is matched as a string
            filterable["body"] = json.loads(record["body"])
        # moto types the argument as an EventBridge event; Lambda filters match the record the same way
        return any(pattern.matches_event(filterable) for pattern in self._patterns)  # type: ignore[arg-type]

    def _record(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """The record shape of Lambda's SQS event."""
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": {k: v for k, v in message.get("Attributes", {}).items() if k in _SYSTEM_ATTRIBUTES},
            "messageAttributes": {
                name: _lambda_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.source.queue_arn,
            "awsRegion": self._region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record


def _lambda_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    def b64(data: Any) -> str:
        return base64.b64encode(data).decode() if isinstance(data, bytes | bytearray) else str(data)

    converted: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [b64(v) for v in value.get("BinaryListValues", [])],
        "dataType": value.get("DataType"),
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = b64(value["BinaryValue"])
    return converted


def sqs_event_sources(
    mappings: Mapping[str, Mapping[str, Any]],
    resolve: Callable[[Any], Any],
    queue_url_for_arn: Callable[[str], str],
    *,
    default_max_concurrency: int,
) -> list[SqsEventSource]:
    """The SQS event sources among the template's ``AWS::Lambda::EventSourceMapping`` resources.

    Args:
        mappings: The mapping resources by logical id (as translated from the SAM events).
        resolve: Resolves intrinsics against the deployed stack.
        queue_url_for_arn: Queue URL lookup (the mapping names the queue by ARN).
        default_max_concurrency: Bound for mappings without ``ScalingConfig.MaximumConcurrency``.
    """
    sources: list[SqsEventSource] = []
    for logical_id, resource in mappings.items():
        properties = resolve(resource.get("Properties", {})) or {}
        arn = str(properties.get("EventSourceArn", ""))
        if not arn.startswith("arn:aws:sqs:"):
            raise TemplateError(f"{logical_id}: only SQS event sources are emulated locally, not {arn!r}")
        batch_size = int(properties.get("BatchSize", 10))
        window = float(properties.get("MaximumBatchingWindowInSeconds", 0))
        if batch_size > MAX_RECEIVE and window < 1:
            raise TemplateError(
                f"{logical_id}: BatchSize above 10 needs MaximumBatchingWindowInSeconds >= 1 (as in AWS)"
            )
        scaling = properties.get("ScalingConfig") or {}
        filters = tuple(
            json.loads(f["Pattern"]) if isinstance(f.get("Pattern"), str) else f.get("Pattern", {})
            for f in (properties.get("FilterCriteria") or {}).get("Filters", [])
        )
        sources.append(
            SqsEventSource(
                logical_id=logical_id,
                function=str(properties["FunctionName"]),
                queue_arn=arn,
                queue_url=queue_url_for_arn(arn),
                batch_size=batch_size,
                batching_window=window,
                report_batch_item_failures="ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or []),
                max_concurrency=int(scaling.get("MaximumConcurrency", default_max_concurrency)),
                enabled=str(properties.get("Enabled", True)).lower() != "false",
                filters=filters,
            )
        )
    return sources
