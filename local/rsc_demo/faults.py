"""`make faults`: the historical sync under fire, seeded so that a failure reproduces.

One account is synced through the local stack while
  * LinkedIn (the emulator) answers a share of calls with 429, 500 or 504, answers slowly, drops connections,
    or applies a batch and then fails or drops the reply (the client cannot tell it was applied);
  * worker invocations are killed mid-batch: a page's LinkedIn call went through but the worker dies before
    counting it (an exception Lambda's runtime would report as Runtime.ExitError). The Powertools idempotency
    record of that page is left IN PROGRESS, as a killed Lambda leaves it;
  * SQS delivers some page messages twice (the planner's SendMessageBatch carries duplicates).
The run must end with verify at 0 missing / 0 extra / 0 differing, the rejected records exactly the invalid
ones, the DLQ empty and the sync's counters equal to what LinkedIn holds. It prints a table of what was
injected, the retries it caused, the time lost and the records lost (must be 0).

Killed batches come back after the queue's visibility timeout; the harness shortens it (the template's 360 s is
6 x the worker's 60 s timeout) so that a run takes minutes, and says so.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

SYNC_PATHS = ("/v2/simpleJobPostings", "/v2/simpleJobPostingTasks", "/v2/atsCandidates", "/v2/atsApplications")
LINKEDIN_RATES = {
    "429": 0.04,
    "500": 0.03,
    "504": 0.02,
    "slow": 0.02,
    "drop": 0.02,
    "applyThenFail": 0.01,
    "applyThenDrop": 0.01,
}


class WorkerKilled(BaseException):
    """The worker process died mid-batch (not an Exception: nothing in the handler catches it)."""


@dataclass
class FaultPlan:
    records: int = 3_000
    ceiling: int = 3_000  # records/min at the emulator and in our budget (scaled down: a run takes minutes)
    seed: int = 7
    linkedin_rates: dict[str, float] = field(default_factory=lambda: dict(LINKEDIN_RATES))
    kill_rate: float = 0.04  # of pages about to be counted
    duplicate_rate: float = 0.05  # of page messages sent
    at_least: int = 2  # kills and duplicates each, whatever the draws (the first ones are forced), so that a
    # small run proves them too
    visibility_seconds: int = 20  # the sync queue's visibility timeout for this run


@dataclass
class Chaos:
    """Worker kills and duplicate deliveries, drawn from a seeded RNG, installed in this process."""

    plan: FaultPlan
    kills: int = 0
    duplicates: int = 0
    page_delays: int = 0
    page_deferrals: int = 0
    http_retries: int = 0
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _undo: list[Any] = field(default_factory=list)

    def _draw(self, rate: float) -> bool:
        with self._lock:
            return self._rng.random() < rate

    def install(self, sync_queue_url: str) -> None:
        from botocore.client import BaseClient

        from rsc_connector.linkedin.http import LinkedInHttp
        from rsc_connector.sync import lambdas
        from rsc_connector.sync.store import SyncStore
        from rsc_local.functions import FunctionRegistry

        self._rng.seed(self.plan.seed)
        chaos = self

        original_record = SyncStore.record_page

        def record_page(store: Any, key: Any, result: Any) -> bool:
            with chaos._lock:
                kill = chaos.kills < chaos.plan.at_least or chaos._rng.random() < chaos.plan.kill_rate
                chaos.kills += kill
            if kill:
                raise WorkerKilled(f"worker killed before counting {result.entity} page {result.index}")
            return original_record(store, key, result)

        original_call = getattr(BaseClient, "_make_api_call")  # noqa: B009 - botocore's private dispatch

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if operation == "SendMessageBatch" and params.get("QueueUrl") == sync_queue_url:
                entries = list(params.get("Entries", []))
                extra: list[dict[str, Any]] = []
                for entry in entries:
                    forced = chaos.duplicates + len(extra) < chaos.plan.at_least
                    if len(entries) + len(extra) < 10 and (forced or chaos._draw(chaos.plan.duplicate_rate)):
                        extra.append({**entry, "Id": f"{entry['Id']}-dup"})
                if extra:
                    with chaos._lock:
                        chaos.duplicates += len(extra)
                    params = {**params, "Entries": entries + extra}
            return original_call(client, operation, params)

        original_invoke = FunctionRegistry.invoke

        def invoke(registry: Any, reference: str, event: Any, *, request_id: str | None = None) -> Any:
            try:
                return original_invoke(registry, reference, event, request_id=request_id)
            except WorkerKilled as killed:
                # What Lambda reports when the runtime process exits mid-invocation: the batch failed as a whole.
                from rsc_local.functions import Invocation

                invocation = Invocation(function=registry.get(reference), request_id=request_id or "", duration=0.0)
                invocation.error_type, invocation.error_message = "Runtime.ExitError", str(killed)
                return invocation

        original_delay = lambdas._delay

        def delay(services: Any, record: Any, seconds: int) -> None:
            with chaos._lock:
                chaos.page_delays += 1
            original_delay(services, record, seconds)

        original_defer = lambdas._defer

        def defer(services: Any, body: str, seconds: int) -> bool:
            with chaos._lock:
                chaos.page_deferrals += 1
            return original_defer(services, body, seconds)

        original_backoff = LinkedInHttp._backoff

        def backoff(http: Any, attempt: int, retry_after: str | None) -> None:
            with chaos._lock:
                chaos.http_retries += 1
            original_backoff(http, attempt, retry_after)

        patches = [
            (SyncStore, "record_page", record_page),
            (BaseClient, "_make_api_call", make_api_call),
            (FunctionRegistry, "invoke", invoke),
            (lambdas, "_delay", delay),
            (lambdas, "_defer", defer),
            (LinkedInHttp, "_backoff", backoff),
        ]
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        self._undo = [
            (SyncStore, "record_page", original_record),
            (BaseClient, "_make_api_call", original_call),
            (FunctionRegistry, "invoke", original_invoke),
            (lambdas, "_delay", original_delay),
            (lambdas, "_defer", original_defer),
            (LinkedInHttp, "_backoff", original_backoff),
        ]

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo = []


def run(plan: FaultPlan, out: Any = sys.stdout) -> dict[str, Any]:
    import requests

    from rsc_demo.ats import AtsBackend
    from rsc_demo.story import ACCOUNT, ORG, OWNER, run_story, seed_ats, stack_config
    from rsc_demo.verify import verify
    from rsc_local.stack import LocalStack

    config = stack_config(
        "rsc-faults", parameters={"LogLevel": "ERROR", "LinkedInSyncRecordsPerMinute": str(plan.ceiling)}
    )
    chaos = Chaos(plan)
    with LocalStack(config) as stack:
        assert stack.linkedin is not None
        linkedin = stack.linkedin.base_url
        queue_url = stack.outputs["SyncQueueUrl"]
        dlq_url = stack.outputs["SyncDeadLetterQueueUrl"]
        sqs = stack.boto3_client("sqs")
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": str(plan.visibility_seconds)})
        requests.post(f"{linkedin}/_control/request-log", json={"enabled": False}, timeout=10).raise_for_status()
        requests.post(
            f"{linkedin}/_control/limits", json={"syncRecordsPerMinute": plan.ceiling}, timeout=10
        ).raise_for_status()
        spec = seed_ats(stack, plan.records, seed=plan.seed, invalid_share=0.03)
        # Faults on the sync's LinkedIn calls only: onboarding and enablement are the story's, not the sync's.
        requests.post(
            f"{linkedin}/_control/faults",
            json={"seed": plan.seed, "rates": plan.linkedin_rates, "slowMs": 1500, "paths": list(SYNC_PATHS)},
            timeout=10,
        ).raise_for_status()
        chaos.install(queue_url)
        try:
            story = run_story(stack, io.StringIO())
            execution = story["executions"][0]["executionArn"]
            try:
                described = stack.wait_for_execution(
                    execution, timeout=max(900.0, plan.records / plan.ceiling * 60 * 8)
                )
            except TimeoutError:  # report where the run stands (still RUNNING): what is missing, where the pages are
                described = stack.boto3_client("stepfunctions").describe_execution(executionArn=execution)
        finally:
            chaos.uninstall()
        injected = requests.get(f"{linkedin}/_control/faults", timeout=10).json()["injected"]
        requests.post(f"{linkedin}/_control/faults", json={}, timeout=10).raise_for_status()
        report = verify(spec, ACCOUNT, ORG, linkedin)
        sync = AtsBackend(stack.api_url).status(OWNER).body["contracts"][0]["sync"] or {}
        queue = sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        dlq = int(
            sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
    started = described["startDate"].timestamp()
    wall = described.get("stopDate", described["startDate"]).timestamp() - started
    ideal = plan.records / plan.ceiling * 60
    counters_ok = True
    counter_rows = []
    for entity, check in report.entities.items():
        row = (sync.get("entities") or {}).get(entity, {})
        accepted, rejected = int(row.get("accepted", -1)), int(row.get("rejected", -1))
        truth_rejected = len(check.expected_rejected | check.cascaded)
        ok = accepted == check.held and rejected == truth_rejected
        counters_ok &= ok
        counter_rows.append((entity, accepted, check.held, rejected, truth_rejected, ok))
    figures = {
        "records": plan.records,
        "seed": plan.seed,
        "execution_status": described["status"],
        "injected": {
            **{k: int(v) for k, v in injected.items()},
            "workerKilled": chaos.kills,
            "sqsDuplicate": chaos.duplicates,
        },
        "idempotency_records_left_in_progress": chaos.kills,
        "sync_queue_at_the_end": {name.removeprefix("ApproximateNumberOf"): int(n) for name, n in queue.items()},
        "sync_status_at_the_end": sync.get("status"),
        "retries": {
            "linkedinCallRetries": chaos.http_retries,
            "pagesSentBack": chaos.page_delays,
            "pagesDeferredToBudget": chaos.page_deferrals,
            "batchesRedelivered": chaos.kills,
        },
        "wall_seconds": round(wall, 1),
        "ideal_seconds": round(ideal, 1),
        "time_over_ideal_seconds": round(max(0.0, wall - ideal), 1),
        "records_lost": report.missing,
        "verify": {"missing": report.missing, "extra": report.extra, "differing": report.differing},
        "rejections_exactly_the_invalid_ones": all(e.rejections_match for e in report.entities.values()),
        "dlq_messages": dlq,
        "counters_equal_truth": counters_ok,
    }
    _print(out, figures, counter_rows)
    return figures


def _print(out: Any, f: dict[str, Any], counter_rows: list[tuple[Any, ...]]) -> None:
    out.write(f"\nFault suite: {f['records']:,} records, seed {f['seed']}: execution {f['execution_status']}\n\n")
    out.write(f"  {'fault injected':28}{'count':>8}\n")
    for kind, n in f["injected"].items():
        out.write(f"  {kind:28}{n:>8}\n")
    out.write(f"  {'idempotency left IN PROGRESS':28}{f['idempotency_records_left_in_progress']:>8}\n\n")
    for kind, n in f["retries"].items():
        out.write(f"  retries: {kind:19}{n:>8}\n")
    out.write(
        f"\n  wall {f['wall_seconds']} s (execution start to completion email), ideal {f['ideal_seconds']} s at the "
        f"ceiling: {f['time_over_ideal_seconds']} s over it\n"
    )
    out.write(f"  records lost: {f['records_lost']}   DLQ: {f['dlq_messages']}   verify: {f['verify']}\n")
    out.write(f"  sync queue at the end: {f['sync_queue_at_the_end']}; sync status {f['sync_status_at_the_end']}\n")
    out.write(f"  rejected records exactly the invalid ones: {f['rejections_exactly_the_invalid_ones']}\n")
    out.write(f"  {'counters vs LinkedIn':20}{'accepted':>10}{'held':>8}{'rejected':>10}{'invalid':>9}\n")
    for entity, accepted, held, rejected, truth, ok in counter_rows:
        out.write(f"  {entity:20}{accepted:>10}{held:>8}{rejected:>10}{truth:>9}  {'ok' if ok else 'MISMATCH'}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rsc_demo.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=int(os.environ.get("FAULT_RECORDS", "3000")))
    parser.add_argument("--ceiling", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    import logging
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")  # a killed worker's flush
    logging.basicConfig(level=logging.CRITICAL)  # the injected failures would flood the output
    logging.getLogger("rsc_local").setLevel(logging.CRITICAL)
    figures = run(FaultPlan(records=args.records, ceiling=args.ceiling, seed=args.seed))
    if args.json:
        print(json.dumps(figures, indent=2))
    ok = (
        figures["execution_status"] == "SUCCEEDED"
        and figures["records_lost"] == 0
        and figures["verify"] == {"missing": 0, "extra": 0, "differing": 0}
        and figures["rejections_exactly_the_invalid_ones"]
        and figures["dlq_messages"] == 0
        and figures["counters_equal_truth"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
