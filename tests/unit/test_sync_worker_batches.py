"""The worker's partial batch response names exactly its own batch's failed pages, even when invocations overlap.

Found by the fault suite: with one BatchProcessor shared by concurrent invocations (threads of the local
stack), a batch could report another batch's outcome, and a page sent back for later was deleted from the
queue instead: lost. Each invocation now has its own processor.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from rsc_connector.sync import lambdas


class _Config:
    def register_lambda_context(self, context: Any) -> None:
        pass


def _event(batch: int, size: int) -> dict[str, Any]:
    records = []
    for i in range(size):
        records.append(
            {
                "messageId": f"b{batch}-m{i}",
                "receiptHandle": f"rh-{batch}-{i}",
                "body": "fail" if i % 3 == 0 else "ok",
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:pages",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_overlapping_invocations_each_report_their_own_failed_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    def record_handler(record: Any) -> dict[str, Any]:
        time.sleep(0.002)  # let the invocations interleave
        if record.body == "fail":
            raise lambdas.RetryLater(30, "LinkedIn 429")
        return {"status": "counted"}

    monkeypatch.setattr(lambdas, "_idempotent_process", lambda: (None, _Config()))
    monkeypatch.setattr(lambdas, "_record_handler", record_handler)

    batches, size = 8, 10
    responses: dict[int, dict[str, Any]] = {}
    start = threading.Barrier(batches)

    def invoke(batch: int) -> None:
        start.wait()
        for _ in range(5):
            response = lambdas.work(_event(batch, size), None)
            expected = {f"b{batch}-m{i}" for i in range(size) if i % 3 == 0}
            if {f["itemIdentifier"] for f in response.get("batchItemFailures", [])} != expected:
                responses[batch] = response
                return

    threads = [threading.Thread(target=invoke, args=(b,)) for b in range(batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert responses == {}, f"batches that reported another batch's outcome: {responses}"


class _Sqs:
    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.sent: list[dict[str, Any]] = []
        self.visibility: list[dict[str, Any]] = []

    def send_message(self, **kwargs: Any) -> dict[str, Any]:
        if self.refuse:
            raise RuntimeError("SQS is unavailable")
        self.sent.append(kwargs)
        return {"MessageId": "new"}

    def change_message_visibility(self, **kwargs: Any) -> None:
        self.visibility.append(kwargs)


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize("sqs_refuses", [False, True])
def test_a_deferred_page_is_sent_again_delayed_and_its_delivery_acknowledged(
    monkeypatch: pytest.MonkeyPatch, sqs_refuses: bool
) -> None:
    """Waiting for the customer's budget costs no delivery attempt (it never walks a page to the DLQ); if SQS
    refuses the new message, the delivery itself is retried instead, so the page is never dropped."""
    from types import SimpleNamespace

    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    import rsc_connector.services as services

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    sqs = _Sqs(refuse=sqs_refuses)
    monkeypatch.setattr(services, "aws_client", lambda name: sqs)
    monkeypatch.setattr(services, "settings", lambda: SimpleNamespace(SYNC_QUEUE_URL="https://sqs/pages"))

    def process(page: dict[str, Any]) -> dict[str, Any]:
        raise lambdas.RetryLater(120, "deferred to its reserved budget slot", defer='{"slotAt": 1}')

    monkeypatch.setattr(lambdas, "_idempotent_process", lambda: (process, _Config()))
    monkeypatch.setattr(lambdas, "parse_message", lambda body: SimpleNamespace(page_id="p-1"))
    if not sqs_refuses:
        response = lambdas.work(_event(0, 2), None)
        assert response["batchItemFailures"] == []
        assert [(m["MessageBody"], m["DelaySeconds"]) for m in sqs.sent] == [('{"slotAt": 1}', 120)] * 2
        assert sqs.visibility == []
    else:
        with pytest.raises(BatchProcessingError):  # every record failed: the batch fails and is delivered again
            lambdas.work(_event(0, 2), None)
        assert sqs.sent == [] and [v["VisibilityTimeout"] for v in sqs.visibility] == [120, 120]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_a_batchs_pages_are_processed_side_by_side_and_each_is_told_the_invocations_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page may wait for its budget slot and make up to 100 calls: one after the other, a batch of ten ran past
    the function's Timeout (make bench, 42 invocations). Side by side, each page also gets the time by which it
    must stop starting calls."""
    from types import SimpleNamespace

    event = _event(0, 4)
    together = threading.Barrier(4, timeout=10)  # breaks (and fails the pages) if they run one at a time
    deadlines: list[float] = []

    def process(page: dict[str, Any]) -> dict[str, Any]:
        together.wait()
        deadlines.append(page["deadline"])
        return {"status": "counted"}

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 60_000

    monkeypatch.setattr(lambdas, "_idempotent_process", lambda: (process, _Config()))
    monkeypatch.setattr(lambdas, "parse_message", lambda body: SimpleNamespace(page_id=body))
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    before = time.monotonic()
    assert lambdas.work(event, Context())["batchItemFailures"] == []
    assert len(deadlines) == 4
    stop = 60 - lambdas.CALLS_STOP_BEFORE_TIMEOUT_SECONDS
    assert all(before + stop - 1 < d <= time.monotonic() + stop for d in deadlines)


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_a_page_deferred_to_its_slot_is_delayed_from_when_sqs_is_asked_not_from_its_reservation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the load suite: under load, a worker took 9-17 s between reserving a page's slot and sending it
    back, and the page, delayed by the full wait, came back after its slot and lost it."""
    from types import SimpleNamespace

    import rsc_connector.services as services

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    sqs = _Sqs()
    monkeypatch.setattr(services, "aws_client", lambda name: sqs)
    monkeypatch.setattr(services, "settings", lambda: SimpleNamespace(SYNC_QUEUE_URL="https://sqs/pages"))
    reserved_at = time.time() - 30  # the slot was reserved 30 s ago, 120 s ahead

    def process(page: dict[str, Any]) -> dict[str, Any]:
        raise lambdas.RetryLater(120, "deferred to its reserved budget slot", defer="{}", at=reserved_at + 120)

    monkeypatch.setattr(lambdas, "_idempotent_process", lambda: (process, _Config()))
    monkeypatch.setattr(lambdas, "parse_message", lambda body: SimpleNamespace(page_id="p-1"))
    assert lambdas.work(_event(0, 1), None)["batchItemFailures"] == []
    assert [m["DelaySeconds"] for m in sqs.sent] in ([89], [90])
