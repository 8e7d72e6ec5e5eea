"""The fault suite at CI size (`make faults` runs it at 3,000 records, `make proof` at 20,000): a sync under
LinkedIn faults, worker kills that leave idempotency records in progress, and duplicate SQS deliveries ends
with nothing lost, nothing extra, the DLQ empty and the counters equal to what LinkedIn holds."""

from __future__ import annotations

import io

from rsc_demo.faults import FaultPlan, run


def test_a_sync_under_every_fault_loses_nothing_and_counts_the_truth() -> None:
    out = io.StringIO()
    figures = run(FaultPlan(records=500, seed=3), out)
    table = out.getvalue()
    assert figures["execution_status"] == "SUCCEEDED", table
    injected = figures["injected"]
    assert injected["workerKilled"] >= 2 and injected["sqsDuplicate"] >= 2, table
    assert sum(injected[k] for k in ("429", "500", "504", "drop", "applyThenFail", "applyThenDrop")) > 0, table
    assert figures["records_lost"] == 0, table
    assert figures["verify"] == {"missing": 0, "extra": 0, "differing": 0}, table
    assert figures["rejections_exactly_the_invalid_ones"], table
    assert figures["dlq_messages"] == 0, table
    assert figures["counters_equal_truth"], table
