"""SQS event sources behave like Lambda's: batch size, concurrency, partial failures, redelivery, DLQ, filters."""

from __future__ import annotations

import json
import time
import uuid
from types import ModuleType
from typing import Any

import pytest

from rsc_local.stack import LocalStack

pytestmark = pytest.mark.stack


def _send(stack: LocalStack, queue_output: str, bodies: list[dict[str, Any]], **extra: Any) -> None:
    sqs = stack.boto3_client("sqs")
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(body), **extra}
            for i, body in enumerate(bodies[start : start + 10])
        ]
        sqs.send_message_batch(QueueUrl=stack.outputs[queue_output], Entries=entries)


def _preload(stack: LocalStack, queue_output: str, bodies: list[dict[str, Any]], **extra: Any) -> None:
    """Fill the queue with the pollers stopped, so the batches the test sees are deterministic."""
    stack.stop_event_sources()
    try:
        _send(stack, queue_output, bodies, **extra)
    finally:
        stack.start_event_sources()


def _attempts(probe: ModuleType, message_id: str) -> list[dict[str, Any]]:
    return probe.records("message", id=message_id)


def test_batches_never_exceed_batch_size_and_concurrency_stays_bounded(stack: LocalStack, probe: ModuleType) -> None:
    # Given 30 slow messages waiting on the queue
    tag = uuid.uuid4().hex[:8]
    ids = [f"{tag}-{i}" for i in range(30)]
    probe.reset_max_in_flight("worker")
    _preload(stack, "JobQueueUrl", [{"id": i, "sleep": 0.05} for i in ids])

    # When the event source drains it
    stack.wait_until_idle(timeout=20)

    # Then every batch had at most BatchSize (5) records, each message was processed once
    batches = [b for b in probe.records("batch") if b["ids"][0].startswith(tag)]
    assert batches and max(b["size"] for b in batches) == 5
    assert sorted(i for b in batches for i in b["ids"]) == sorted(ids)
    # and no more than MaximumConcurrency (2) batches ran at once, measured inside the handler
    assert probe.max_in_flight("worker") == 2
    assert stack.event_source_counters()["WorkerFunctionJobs"].max_in_flight <= 2
    # and the context carried the function's remaining time (Timeout 10 s)
    assert 0 < batches[0]["remaining_ms"] <= 10_000


def test_record_shape_matches_lambda_sqs_event(stack: LocalStack, probe: ModuleType) -> None:
    message_id = f"shape-{uuid.uuid4().hex[:8]}"
    _preload(
        stack,
        "JobQueueUrl",
        [{"id": message_id}],
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "test"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    stack.wait_until_idle(timeout=10)

    (attempt,) = _attempts(probe, message_id)
    record = attempt["record"]
    queue_arn = stack.boto3_client("sqs").get_queue_attributes(
        QueueUrl=stack.outputs["JobQueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue_arn
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "test",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    assert len(record["md5OfBody"]) == 32 and record["receiptHandle"] and record["messageId"]


def test_partial_batch_failure_redelivers_only_the_failed_records(stack: LocalStack, probe: ModuleType) -> None:
    # Given one batch where two records fail on their first delivery
    tag = uuid.uuid4().hex[:8]
    failing = [f"{tag}-fail-{i}" for i in range(2)]
    passing = [f"{tag}-ok-{i}" for i in range(3)]
    _preload(stack, "JobQueueUrl", [{"id": i, "mode": "fail_once"} for i in failing] + [{"id": i} for i in passing])

    # When the batch is processed and the queue drains
    stack.wait_until_idle(timeout=20)

    # Then the successful records were deleted after the first delivery
    for message_id in passing:
        assert [a["attempt"] for a in _attempts(probe, message_id)] == [1]
    # and exactly the reported failures came back, after the queue's 1 s visibility timeout
    for message_id in failing:
        attempts = _attempts(probe, message_id)
        assert [a["attempt"] for a in attempts] == [1, 2]
        assert attempts[1]["at"] - attempts[0]["at"] >= 0.9


def test_handler_error_redelivers_the_whole_batch(stack: LocalStack, probe: ModuleType) -> None:
    tag = uuid.uuid4().hex[:8]
    ids = [f"{tag}-crash", f"{tag}-a", f"{tag}-b"]
    _preload(stack, "JobQueueUrl", [{"id": ids[0], "mode": "crash_once"}, {"id": ids[1]}, {"id": ids[2]}])
    stack.wait_until_idle(timeout=20)

    # The crash happens on the first record, so the others are seen on the second delivery only
    assert [a["attempt"] for a in _attempts(probe, ids[0])] == [1, 2]
    for message_id in ids[1:]:
        assert [a["attempt"] for a in _attempts(probe, message_id)] == [2]


def test_unknown_item_identifier_fails_the_whole_batch(stack: LocalStack, probe: ModuleType) -> None:
    tag = uuid.uuid4().hex[:8]
    ids = [f"{tag}-bogus", f"{tag}-a", f"{tag}-b"]
    _preload(stack, "JobQueueUrl", [{"id": ids[0], "mode": "bogus_id_once"}, {"id": ids[1]}, {"id": ids[2]}])
    stack.wait_until_idle(timeout=20)

    assert [a["attempt"] for a in _attempts(probe, ids[0])] == [1, 2]
    # the handler returned on the first record, so the others were first seen on the retry
    for message_id in ids[1:]:
        assert [a["attempt"] for a in _attempts(probe, message_id)] == [2]


def test_poison_message_moves_to_the_dead_letter_queue_after_max_receive_count(
    stack: LocalStack, probe: ModuleType
) -> None:
    # Given a message that always fails (RedrivePolicy maxReceiveCount 2)
    message_id = f"poison-{uuid.uuid4().hex[:8]}"
    _preload(stack, "JobQueueUrl", [{"id": message_id, "mode": "poison"}])

    # When the queue drains
    stack.wait_until_idle(timeout=20)

    # Then it was delivered exactly twice and now sits on the dead-letter queue (moto redrives on receive)
    assert [a["attempt"] for a in _attempts(probe, message_id)] == [1, 2]
    sqs = stack.boto3_client("sqs")
    deadline = time.monotonic() + 5
    dead: list[dict[str, Any]] = []
    while not dead and time.monotonic() < deadline:
        dead = sqs.receive_message(QueueUrl=stack.outputs["DeadLetterQueueUrl"], WaitTimeSeconds=1).get("Messages", [])
    assert [json.loads(m["Body"])["id"] for m in dead] == [message_id]
    sqs.delete_message(QueueUrl=stack.outputs["DeadLetterQueueUrl"], ReceiptHandle=dead[0]["ReceiptHandle"])


def test_filter_criteria_drop_unmatched_messages_without_invoking(stack: LocalStack, probe: ModuleType) -> None:
    tag = uuid.uuid4().hex[:8]
    kept, dropped = f"{tag}-keep", f"{tag}-drop"
    _preload(stack, "FilteredQueueUrl", [{"id": kept, "kind": "keep"}, {"id": dropped, "kind": "other"}])
    stack.wait_until_idle(timeout=10)

    assert len(_attempts(probe, kept)) == 1
    assert _attempts(probe, dropped) == []
    counters = stack.event_source_counters()["FilteredFunctionKept"]
    assert counters.filtered_records >= 1
