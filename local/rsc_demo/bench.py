"""`make bench`: sync a generated account through the local stack and print what it cost and how fast it was.

The emulator's per-customer ceiling is scaled (default: 50,000 records/min for 100,000 records, so the ideal
sync takes two minutes) and our budget parameter is set to the same ceiling; emulator latency is on. The sync
is timed from the execution's start to the completion email. Every AWS API call made by the handlers, the
state machine and the event-source pollers is counted on the way into moto, and priced with PRICES below.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading
from collections import Counter
from typing import Any

# Published on-demand prices, us-east-1, as of 2026-11 (aws.amazon.com/<service>/pricing). Per unit shown.
PRICES = {
    "lambda_request": 0.20 / 1_000_000,
    "lambda_gb_second_arm64": 0.0000133334,
    "sfn_standard_transition": 0.025 / 1000,
    "sqs_request": 0.40 / 1_000_000,  # per 64 KB chunk of payload
    # On-demand WRU (1 KB; transactions cost 2 per KB) and RRU (4 KB strongly consistent): halved on
    # 2024-11-01 from $1.25 and $0.25 per million (this table held the old prices until 2026-12-06)
    "dynamodb_write_unit": 0.625 / 1_000_000,
    "dynamodb_read_unit": 0.125 / 1_000_000,
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
    "ses_email": 0.10 / 1000,
    "secrets_manager_call": 0.05 / 10_000,
}
DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
DDB_READS = {"GetItem", "Query", "Scan", "BatchGetItem"}


class ApiCounter:
    """Counts botocore calls (service, operation) and their payload size, in this process."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.bytes: Counter[tuple[str, str]] = Counter()
        self.ddb_write_units = 0.0
        self.ddb_read_units = 0.0
        self.lock = threading.Lock()
        self._original: Any = None

    def install(self) -> None:
        from botocore.client import BaseClient

        self._original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - botocore's private dispatch
        counter = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            size = len(json.dumps(params, default=str))
            with counter.lock:
                counter.calls[(service, operation)] += 1
                counter.bytes[(service, operation)] += size
                if service == "dynamodb":
                    kb = max(1.0, size / 1024)
                    if operation in DDB_WRITES:
                        counter.ddb_write_units += kb
                    elif operation == "TransactWriteItems":
                        counter.ddb_write_units += 2 * max(len(params.get("TransactItems", [])), kb)
                    elif operation == "BatchWriteItem":
                        counter.ddb_write_units += kb
                    elif operation in DDB_READS:
                        counter.ddb_read_units += 1
            return counter._original(client, operation, params)

        setattr(BaseClient, "_make_api_call", counted)  # noqa: B010

    def uninstall(self) -> None:
        from botocore.client import BaseClient

        if self._original is not None:
            setattr(BaseClient, "_make_api_call", self._original)  # noqa: B010

    def of(self, service: str, *operations: str) -> int:
        return sum(n for (s, o), n in self.calls.items() if s == service and (not operations or o in operations))

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": Counter(self.calls),
                "bytes": Counter(self.bytes),
                "ddb_write_units": self.ddb_write_units,
                "ddb_read_units": self.ddb_read_units,
            }


def _diff(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    return {
        "calls": after["calls"] - before["calls"],
        "bytes": after["bytes"] - before["bytes"],
        "ddb_write_units": after["ddb_write_units"] - before["ddb_write_units"],
        "ddb_read_units": after["ddb_read_units"] - before["ddb_read_units"],
    }


def run(records: int, ceiling: int, latency_ms: float, seed: int, out: Any) -> dict[str, Any]:
    import requests

    from rsc_demo.story import ACCOUNT, run_story, seed_ats, stack_config
    from rsc_demo.verify import verify
    from rsc_local.stack import LocalStack

    counter = ApiCounter()
    counter.install()
    config = stack_config(
        "rsc-bench",
        parameters={"LogLevel": "WARNING", "LinkedInSyncRecordsPerMinute": str(ceiling)},
    )
    try:
        with LocalStack(config) as stack:
            assert stack.linkedin is not None, "the benchmark needs the LinkedIn emulator"
            linkedin = stack.linkedin.base_url
            requests.post(f"{linkedin}/_control/request-log", json={"enabled": False}, timeout=10)
            requests.post(
                f"{linkedin}/_control/limits", json={"syncRecordsPerMinute": ceiling}, timeout=10
            ).raise_for_status()
            requests.post(
                f"{linkedin}/_control/faults",
                json={"seed": seed, "latencyMs": latency_ms, "latencyJitterMs": latency_ms / 3},
                timeout=10,
            ).raise_for_status()
            spec = seed_ats(stack, records, seed=seed)
            out.write(f"Benchmark: {records:,} records, ceiling {ceiling:,} records/min, latency {latency_ms} ms\n")
            before_stats = {k: (v.invocations, v.total_seconds) for k, v in stack.function_stats().items()}
            before = counter.snapshot()
            story = run_story(stack, io.StringIO())
            sfn = stack.boto3_client("stepfunctions")
            execution = story["executions"][0]["executionArn"]
            described = stack.wait_for_execution(execution, timeout=max(600.0, records / ceiling * 60 * 4))
            emails = stack.read_emails()
            after = _diff(counter.snapshot(), before)
            stats = stack.function_stats()
            history: list[dict[str, Any]] = []
            kwargs: dict[str, Any] = {"executionArn": execution, "maxResults": 1000}
            while True:
                page = sfn.get_execution_history(**kwargs)
                history.extend(page["events"])
                if not page.get("nextToken"):
                    break
                kwargs["nextToken"] = page["nextToken"]
            usage = requests.get(f"{linkedin}/_control/usage", timeout=30).json()
            report = verify(spec, ACCOUNT, "urn:li:organization:5001", linkedin)
            memory = {k: int(v.memory_size) for k, v in stack.functions.items()}
    finally:
        counter.uninstall()
    started = described["startDate"].timestamp()
    finished = described.get("stopDate", described["startDate"]).timestamp()
    wall = finished - started
    transitions = sum(1 for e in history if e["type"].endswith("StateEntered"))
    invocations = {k: v.invocations - before_stats.get(k, (0, 0.0))[0] for k, v in stats.items()}
    seconds = {k: v.total_seconds - before_stats.get(k, (0, 0.0))[1] for k, v in stats.items()}
    gb_seconds = sum(seconds[k] * memory.get(k, 512) / 1024 for k in seconds)
    sqs_requests = after["calls"] and sum(
        max(1, -(-after["bytes"][key] // max(1, n) // 65536)) * n
        for key, n in after["calls"].items()
        if key[0] == "sqs"
    )
    sync_usage = _sync_usage(usage)
    linkedin_calls = int(sync_usage.get("writeCalls", 0))
    synced = sum(e.expected for e in report.entities.values())
    ideal_minutes = records / ceiling
    cost = {
        "lambda": sum(invocations.values()) * PRICES["lambda_request"] + gb_seconds * PRICES["lambda_gb_second_arm64"],
        "step_functions": transitions * PRICES["sfn_standard_transition"],
        "sqs": sqs_requests * PRICES["sqs_request"],
        "dynamodb": after["ddb_write_units"] * PRICES["dynamodb_write_unit"]
        + after["ddb_read_units"] * PRICES["dynamodb_read_unit"],
        "s3": counter.of("s3", "PutObject") * PRICES["s3_put"] + counter.of("s3", "GetObject") * PRICES["s3_get"],
        "ses": len(emails) * PRICES["ses_email"],
        "secrets_manager": after["calls"]
        and sum(n for (s, _), n in after["calls"].items() if s == "secretsmanager") * PRICES["secrets_manager_call"],
    }
    total_cost = sum(cost.values())
    figures = {
        "records": records,
        "records_synced": synced,
        "execution_status": described["status"],
        "wall_seconds": round(wall, 1),
        "ceiling_records_per_minute": ceiling,
        "ideal_seconds": round(ideal_minutes * 60, 1),
        "achieved_records_per_minute": round(records / (wall / 60), 1) if wall else None,
        "share_of_ceiling": round(records / (wall / 60) / ceiling, 3) if wall else None,
        "linkedin_calls": linkedin_calls,
        "linkedin_calls_per_record": round(linkedin_calls / records, 3),
        "linkedin_429s": sync_usage.get("throttled"),
        "budget_violations": sync_usage.get("violations"),
        "max_records_in_any_minute": sync_usage.get("maxRecordsPerMinute"),
        "step_functions_history_events": len(history),
        "state_transitions": transitions,
        "sqs_requests": sqs_requests,
        "lambda_invocations": invocations,
        "lambda_gb_seconds": round(gb_seconds, 1),
        "dynamodb_write_requests": sum(
            n for (s, o), n in after["calls"].items() if s == "dynamodb" and (o in DDB_WRITES or "Write" in o)
        ),
        "dynamodb_write_units": round(after["ddb_write_units"], 1),
        "aws_cost_usd": {k: round(v, 5) for k, v in cost.items()},
        "aws_cost_per_100k_records_usd": round(total_cost / records * 100_000, 4),
        "verify": {"missing": report.missing, "extra": report.extra, "differing": report.differing},
        "completion_email_sent": bool(emails),
    }
    return figures


def _sync_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """The customer's child app's sync figures from the emulator's /_control/usage (the busiest app)."""
    apps = (usage.get("sync") or {}) if isinstance(usage, dict) else {}
    if not apps:
        return {}
    busiest = max(apps.values(), key=lambda a: a.get("records", 0))
    throttled = busiest.get("throttled", {})
    return {
        "writeCalls": busiest.get("writeCalls", 0),
        "records": busiest.get("records", 0),
        "maxRecordsPerMinute": busiest.get("maxRecordsPerMinute", 0),
        "throttled": sum(int(v) for v in throttled.values()),
        "violations": busiest.get("violations", 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rsc-bench", description=__doc__)
    parser.add_argument("--records", type=int, default=int(os.environ.get("BENCH_RECORDS", "100000")))
    parser.add_argument("--ceiling", type=int, default=10_000, help="records/min at the emulator and in our budget")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # stdout carries the JSON figures only
    ceiling = args.ceiling
    figures = run(args.records, ceiling, args.latency_ms, args.seed, sys.stderr)
    print(json.dumps(figures, indent=2))
    ok = (
        figures["execution_status"] == "SUCCEEDED"
        and figures["verify"] == {"missing": 0, "extra": 0, "differing": 0}
        and not figures["budget_violations"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
