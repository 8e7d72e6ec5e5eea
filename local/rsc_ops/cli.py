"""rsc-ops: the operator's view of syncs, for the local stack or a real deployment.

  rsc-ops syncs [--account A] [--all]      running and recent syncs with progress bars
  rsc-ops history EXECUTION                one sync's Step Functions history as a readable timeline
  rsc-ops dlq list [--account A]           pages that gave up (dead-letter queue)
  rsc-ops dlq redrive [--account A]        move them back to the sync queue (optionally one account's)

Where it looks: `--stack NAME [--profile P] [--region R]` reads a deployed stack's outputs through
CloudFormation; without it, the local stack started with `make stack-up` (.local-stack/state.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BAR = 30


@dataclass
class Target:
    session: Any
    endpoint: str | None
    table: str
    queue_url: str
    dlq_url: str
    state_machine_arn: str

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)


def connect(args: argparse.Namespace) -> Target:
    import boto3

    if args.stack:
        session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
        stack = session.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        endpoint = args.endpoint
    else:
        state_file = Path(args.state_dir) / "state.json"
        if not state_file.exists():
            raise SystemExit(f"No local stack found ({state_file}); start one with `make stack-up` or pass --stack.")
        state = json.loads(state_file.read_text())
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=state.get("region", "us-east-1")
        )
        outputs, endpoint = state["outputs"], args.endpoint or state["moto_url"]
    return Target(
        session=session,
        endpoint=endpoint,
        table=outputs["StateTableName"],
        queue_url=outputs["SyncQueueUrl"],
        dlq_url=outputs["SyncDeadLetterQueueUrl"],
        state_machine_arn=outputs["InitialSyncStateMachineArn"],
    )


def bar(fraction: float) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * BAR)
    return "[" + "#" * filled + "." * (BAR - filled) + "]"


def _when(epoch: Any) -> str:
    if not epoch:
        return "-"
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S")


def cmd_syncs(target: Target, args: argparse.Namespace, out: Any = sys.stdout) -> int:
    import boto3

    from rsc_connector.sync.steps import ALL_ENTITIES, progress_view
    from rsc_connector.sync.store import RunKey, SyncStore

    table = target.session.resource("dynamodb", endpoint_url=target.endpoint).Table(target.table)
    store = SyncStore(target.table, table=table, client=target.client("dynamodb"))
    _ = boto3  # the session above is boto3's
    runs = store.list_runs(args.account) if args.account else store.scan_runs()
    runs = [r for r in runs if args.all or r.get("status") == "RUNNING" or _recent(r)]
    if not runs:
        out.write("No running or recent syncs.\n")
        return 0
    now = time.time()
    for run in sorted(runs, key=lambda r: float(r.get("started_at") or 0), reverse=True):
        account = str(run["pk"]).split("#", 1)[1]
        key = RunKey(account, str(run["contract_id"]), str(run["sync_id"]))
        view = progress_view(store.progress(key, ALL_ENTITIES, run), run.get("started_at"), now)
        eta = f", ETA {view['etaSeconds'] // 60} min {view['etaSeconds'] % 60} s" if view["etaSeconds"] else ""
        out.write(
            f"\n{account} / contract {key.contract_id} / {key.sync_id}  {run.get('status')} "
            f"(attempt {run.get('attempt', 1)}, started {_when(run.get('started_at'))})\n"
            f"  {bar(view['percent'] / 100)} {view['percent']:5.1f}%  "
            f"{view['recordsDone']:,} of {view['recordsTotal']:,} records{eta}\n"
        )
        for entity, row in view["entities"].items():
            planned = row["planned"] or 0
            out.write(
                f"    {entity:20} {bar((row['accepted'] + row['rejected']) / planned if planned else 0)} "
                f"{row['accepted']:>9,} ok {row['rejected']:>6,} rejected of {planned:,}\n"
            )
        if run.get("error"):
            out.write(f"  error: {run['error']}\n")
    return 0


def _recent(run: dict[str, Any]) -> bool:
    finished = run.get("finished_at") or run.get("started_at") or 0
    return time.time() - float(finished) < 7 * 86400


def cmd_history(target: Target, args: argparse.Namespace, out: Any = sys.stdout) -> int:
    sfn = target.client("stepfunctions")
    arn = args.execution
    if not arn.startswith("arn:"):
        arn = target.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + arn
    described = sfn.describe_execution(executionArn=arn)
    out.write(f"{described['name']}: {described['status']}\n")
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    start = events[0]["timestamp"] if events else None
    for event in events:
        kind = event["type"]
        if not (kind.endswith("StateEntered") or kind.endswith("Failed") or kind.startswith("Execution")):
            continue
        details = event.get("stateEnteredEventDetails") or {}
        name = details.get("name", "")
        offset = (event["timestamp"] - start).total_seconds() if start else 0.0
        extra = ""
        for failure_key in (
            "executionFailedEventDetails",
            "taskFailedEventDetails",
            "lambdaFunctionFailedEventDetails",
        ):
            if failure_key in event:
                extra = f"  {event[failure_key].get('error', '')}: {str(event[failure_key].get('cause', ''))[:120]}"
        out.write(f"  +{offset:8.1f}s  {kind:28} {name}{extra}\n")
    out.write(f"{len(events)} history events\n")
    return 0


def _dlq_messages(sqs: Any, url: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(50):
        resp = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, AttributeNames=["All"], WaitTimeSeconds=0
        )
        messages = resp.get("Messages", [])
        if not messages:
            break
        for message in messages:
            seen[message["MessageId"]] = message
    return list(seen.values())


def _page_of(message: dict[str, Any]) -> dict[str, Any]:
    try:
        body = json.loads(message["Body"])
        return {k: body.get(k) for k in ("accountId", "contractId", "syncId", "entity", "index")}
    except (ValueError, AttributeError):
        return {"accountId": None, "entity": "(not a page message)"}


def cmd_dlq(target: Target, args: argparse.Namespace, out: Any = sys.stdout) -> int:
    sqs = target.client("sqs")
    messages = [
        m for m in _dlq_messages(sqs, target.dlq_url) if not args.account or _page_of(m)["accountId"] == args.account
    ]
    if args.action == "list":
        out.write(f"{len(messages)} page(s) in the dead-letter queue\n")
        for m in messages:
            page = _page_of(m)
            out.write(
                f"  {page.get('accountId')} / {page.get('contractId')} / {page.get('syncId')} "
                f"{page.get('entity')} page {page.get('index')}  "
                f"(received {m.get('Attributes', {}).get('ApproximateReceiveCount', '?')} times)\n"
            )
        return 0
    moved = 0
    for m in messages:
        sqs.send_message(QueueUrl=target.queue_url, MessageBody=m["Body"])
        sqs.delete_message(QueueUrl=target.dlq_url, ReceiptHandle=m["ReceiptHandle"])
        moved += 1
    out.write(f"Redrove {moved} page(s) to the sync queue; pages already counted are skipped by the workers.\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rsc-ops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--stack", help="a deployed stack's name (reads its outputs); default: the local stack")
    p.add_argument("--profile")
    p.add_argument("--region")
    p.add_argument("--endpoint", help="AWS endpoint URL override")
    p.add_argument("--state-dir", default=".local-stack")
    commands = p.add_subparsers(dest="command", required=True)
    syncs = commands.add_parser("syncs", help="running and recent syncs with progress bars")
    syncs.add_argument("--account")
    syncs.add_argument("--all", action="store_true", help="include syncs older than a week")
    history = commands.add_parser("history", help="one sync's Step Functions history as a timeline")
    history.add_argument("execution", help="execution ARN or name (account-contract-syncId)")
    dlq = commands.add_parser("dlq", help="inspect or redrive the dead-letter queue")
    dlq.add_argument("action", choices=["list", "redrive"])
    dlq.add_argument("--account")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    target = connect(args)
    handlers = {"syncs": cmd_syncs, "history": cmd_history, "dlq": cmd_dlq}
    return handlers[args.command](target, args)


if __name__ == "__main__":
    sys.exit(main())
