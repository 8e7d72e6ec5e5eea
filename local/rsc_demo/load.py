"""`make load`: many customers enabled at once, each syncing its own ATS account within its own LinkedIn budget.

N customers (default 20) are onboarded through the public API exactly as the demo's Acme is (ACTIVATE, sign in
at LinkedIn, Request, Partner ready), each with its own generated ATS history and its own LinkedIn child
application. Then every customer's Recruiter admin turns both access levels on at the same moment (LinkedIn
pushes to each customer's callback), so N initial syncs start together and share the one queue, the one worker
pool and the one DynamoDB table.

What it checks, each figure counted at the LinkedIn emulator per child application (what LinkedIn meters):
  * every customer's records-per-minute ceiling was respected: max records in any 60 s <= the ceiling, no 429
    for the rate, no violation minute;
  * every customer's data is at LinkedIn as the ATS holds it (verify 0 missing / 0 extra / 0 differing);
  * the whole load finishes within 10% of the slowest customer's ideal time: customers do not slow each other
    down, because each has its own budget.

A customer's ideal time is its records at the fastest rate LinkedIn's ceiling allows for 100-record calls: the
budget's smooth rate (RateLimits: the ceiling less the burst, one call's records and a 2% jitter margin, since
any 60 s may hold the call paid for just before it). At LinkedIn's 10,000 records/min that is 94% of the
ceiling, and `make bench` measures one customer there. Twenty customers at 10,000/min would need 3,300 records/s
of one Python process, so the ceiling is scaled down (default 300/min); one call is then a third of a minute's
budget and the smooth rate 62% of the ceiling. Both ideals are printed: records at that rate, and records at the
ceiling itself.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from rsc_demo.ats import AtsBackend, AtsUser
from rsc_demo.linkedin_people import LinkedInPeople

SYNC_PATHS = ("/v2/simpleJobPostings", "/v2/atsCandidates", "/v2/atsApplications")  # its writes, not task reads


@dataclass(frozen=True)
class LoadPlan:
    customers: int = 20
    records: int = 2_000  # per customer
    ceiling: int = 300  # records/min per customer, at the emulator and in our budget
    latency_ms: float = 30.0
    seed: int = 11
    time_budget: float = 0.10  # the load may take this much longer than the slowest customer's ideal


@dataclass(frozen=True)
class Customer:
    index: int

    @property
    def account_id(self) -> str:
        return f"load-{self.index:02d}"

    @property
    def company(self) -> str:
        return f"Load Customer {self.index:02d}"

    @property
    def organization_id(self) -> str:
        return str(6000 + self.index)

    @property
    def contract_id(self) -> str:
        return str(8000 + self.index)

    @property
    def organization(self) -> str:
        return f"urn:li:organization:{self.organization_id}"

    @property
    def contract(self) -> str:
        return f"urn:li:contract:{self.contract_id}"

    @property
    def owner(self) -> AtsUser:
        return AtsUser(self.account_id, f"u-owner-{self.index}", f"Owner {self.index}", "owner", "enterprise")

    @property
    def member(self) -> str:
        return f"admin-{self.index}"


def onboard(ats: AtsBackend, people: LinkedInPeople, customer: Customer) -> str:
    """ACTIVATE -> sign in at LinkedIn -> Request -> our callback: the contract is Partner ready. Returns the
    customer's child application key."""
    people.add_member(
        customer.member,
        "Admin",
        str(customer.index),
        f"admin{customer.index}@load-{customer.index}.example",
        [
            {
                "contractId": customer.contract_id,
                "name": customer.company,
                "type": "RECRUITER_CORPORATE",
                "organizationId": customer.organization_id,
            }
        ],
    )
    activation = ats.activate(customer.owner, customer.company)
    if activation.status != 200:
        raise RuntimeError(f"{customer.account_id}: ACTIVATE answered {activation.status} {activation.body}")
    url = activation.body["authorizationUrl"]
    people.sign_in(url, customer.member)
    requested = people.request(url, customer.member, customer.contract)
    back = ats.http.get(str(requested.location), allow_redirects=False, timeout=30)
    if back.status_code >= 400:
        raise RuntimeError(f"{customer.account_id}: the OAuth callback answered {back.status_code}")
    contract = ats.status(customer.owner).body["contracts"][0]
    if contract["status"] != "PARTNER_READY":
        raise RuntimeError(f"{customer.account_id}: contract is {contract['status']}, not PARTNER_READY")
    return str(activation.body["childApplication"]["key"])


def run(plan: LoadPlan, out: Any = sys.stdout) -> dict[str, Any]:
    import requests

    import fake_ats
    from rsc_demo.story import stack_config
    from rsc_demo.verify import verify
    from rsc_local.stack import LocalStack

    config = stack_config(
        "rsc-load", parameters={"LogLevel": "ERROR", "LinkedInSyncRecordsPerMinute": str(plan.ceiling)}
    )
    customers = [Customer(i) for i in range(1, plan.customers + 1)]
    with LocalStack(config) as stack:
        assert stack.linkedin is not None and stack.ats is not None
        linkedin = stack.linkedin.base_url
        # The request log keeps each call's time and application (no bodies): the idle stretches per customer
        requests.post(
            f"{linkedin}/_control/request-log", json={"enabled": True, "maxBodyBytes": 0}, timeout=10
        ).raise_for_status()
        requests.post(
            f"{linkedin}/_control/limits", json={"syncRecordsPerMinute": plan.ceiling}, timeout=10
        ).raise_for_status()
        requests.post(
            f"{linkedin}/_control/faults",
            json={"seed": plan.seed, "latencyMs": plan.latency_ms, "latencyJitterMs": plan.latency_ms / 3},
            timeout=10,
        ).raise_for_status()
        ats, people = AtsBackend(stack.api_url), LinkedInPeople(linkedin)
        out.write(
            f"Load: {plan.customers} customers x {plan.records:,} records, each at its own ceiling of "
            f"{plan.ceiling:,} records/min (ideal {plan.records / _paced(plan.ceiling) * 60:.0f} s each)\n"
        )
        specs: dict[str, Any] = {}
        apps: dict[str, str] = {}
        for customer in customers:
            spec = fake_ats.dataset_from_total(plan.records, seed=plan.seed + customer.index, company=customer.company)
            requests.post(
                f"{stack.ats.base_url}/_control/accounts/{customer.account_id}", json=spec.to_dict(), timeout=60
            ).raise_for_status()
            specs[customer.account_id] = spec
            apps[customer.account_id] = onboard(ats, people, customer)
        out.write(f"  {plan.customers} customers onboarded: every contract Partner ready\n")

        # Every customer's Recruiter admin turns the integration on at the same moment.
        def enable(customer: Customer) -> None:
            people_of_customer = LinkedInPeople(linkedin)
            people_of_customer.recruiter_admin_sets(customer.organization, customer.contract, True, True)

        with ThreadPoolExecutor(max_workers=plan.customers) as pool:
            list(pool.map(enable, customers))
        sfn = stack.boto3_client("stepfunctions")
        machine = stack.outputs["InitialSyncStateMachineArn"]
        # A push LinkedIn gave up on (its 5 s timeout, with 20 customers' pushes arriving at once) may still be
        # in our webhook; a lost one is found by the every-minute enablement poll. Wait for every sync to start.
        deadline = time.monotonic() + 180
        executions = _all_executions(sfn, machine)
        polls = 0
        while len(executions) < plan.customers and time.monotonic() < deadline:
            time.sleep(1.0)
            if time.monotonic() > deadline - 180 + 30 * (polls + 1):  # the schedule's run, every 30 s here
                stack.fire_schedule("EnablementPollFunction")
                polls += 1
            executions = _all_executions(sfn, machine)
        out.write(
            f"  {len(executions)} initial syncs started (by LinkedIn's pushes"
            + (f", and {polls} runs of the enablement poll" if polls else "")
            + ")\n"
        )
        timeout = max(900.0, plan.records / plan.ceiling * 60 * 3)
        described = _wait_all(sfn, [e["executionArn"] for e in executions], timeout, out)
        usage = requests.get(f"{linkedin}/_control/usage", timeout=30).json()
        request_log = requests.get(f"{linkedin}/_control/requests", timeout=120).json()
        app_list = requests.get(f"{linkedin}/_control/apps", timeout=30).json()
        reports = {c.account_id: verify(specs[c.account_id], c.account_id, c.organization, linkedin) for c in customers}
        statuses = {c.account_id: (ats.status(c.owner).body["contracts"][0].get("sync") or {}) for c in customers}
        emails = stack.read_emails()

    client_of_key = {a["key"]: a["clientId"] for a in app_list}
    sends = _sync_sends(request_log)
    sync_usage = usage.get("sync") or {}
    starts = [d["startDate"].timestamp() for d in described.values()]
    stops = [d.get("stopDate", d["startDate"]).timestamp() for d in described.values()]
    per_customer: list[dict[str, Any]] = []
    for customer in customers:
        account = customer.account_id
        execution = next((d for d in described.values() if account in d["executionArn"]), None)
        meter = sync_usage.get(client_of_key.get(apps[account], ""), {})
        throttled = meter.get("throttled") or {}
        report = reports[account]
        wall = (execution["stopDate"] - execution["startDate"]).total_seconds() if execution else None
        per_customer.append(
            {
                "account": account,
                "execution_status": execution["status"] if execution else "NOT STARTED",
                "records": plan.records,
                "records_at_linkedin": int(meter.get("records", 0)),
                "wall_seconds": round(wall, 1) if wall is not None else None,
                "ideal_seconds": round(plan.records / _paced(plan.ceiling) * 60, 1),
                "ideal_at_ceiling_seconds": round(plan.records / plan.ceiling * 60, 1),
                "max_records_in_any_minute": int(meter.get("maxRecordsPerMinute", 0)),
                "rate_429s": int(throttled.get("recordsPerMinute", 0)),
                "violations": int(meter.get("violations", 0)),
                "longest_idle_seconds": _longest_idle(sends.get(client_of_key.get(apps[account], ""), [])),
                "verify": {"missing": report.missing, "extra": report.extra, "differing": report.differing},
                "sync_status": statuses[account].get("status"),
                "completion_email": any(customer.company in (e.body or "") for e in emails),
            }
        )
    slowest_ideal = max(plan.records / _paced(plan.ceiling) * 60 for _ in customers)
    at_ceiling = max(plan.records / plan.ceiling * 60 for _ in customers)
    total = max(stops) - min(starts) if starts else math.inf
    figures = {
        "customers": plan.customers,
        "records_per_customer": plan.records,
        "ceiling_records_per_minute": plan.ceiling,
        "emulator_latency_ms": plan.latency_ms,
        "executions_started": len(described),
        "start_spread_seconds": round(max(starts) - min(starts), 1) if starts else None,
        "total_seconds": round(total, 1),
        "paced_records_per_minute": _paced(plan.ceiling),
        "slowest_customer_ideal_seconds": round(slowest_ideal, 1),
        "total_over_slowest_ideal": round(total / slowest_ideal - 1, 3),
        "slowest_customer_ideal_at_ceiling_seconds": round(at_ceiling, 1),
        "total_over_ideal_at_ceiling": round(total / at_ceiling - 1, 3),
        "time_budget": plan.time_budget,
        "aggregate_records_per_minute": round(plan.customers * plan.records / (total / 60), 1),
        "budget_respected_by_all": all(
            c["max_records_in_any_minute"] <= plan.ceiling and c["rate_429s"] == 0 and c["violations"] == 0
            for c in per_customer
        ),
        "all_verified": all(c["verify"] == {"missing": 0, "extra": 0, "differing": 0} for c in per_customer),
        "all_succeeded": all(c["execution_status"] == "SUCCEEDED" for c in per_customer),
        "per_customer": per_customer,
    }
    _print(out, figures)
    return figures


def _sync_sends(request_log: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Per child application (client id), the times (s) of its sync writes LinkedIn received."""
    sends: dict[str, list[float]] = {}
    for entry in request_log:
        if entry.get("app") and entry.get("method") != "GET" and entry.get("path", "").startswith(SYNC_PATHS):
            sends.setdefault(entry["app"], []).append(entry["at"] / 1000)
    return sends


def _longest_idle(times: list[float]) -> float:
    """The longest stretch without a sync write between a customer's first and last: budget left unused (at the
    smooth rate the gap between two full calls is 100 records / rate)."""
    ordered = sorted(times)
    return round(max((b - a for a, b in itertools.pairwise(ordered)), default=0.0), 1)


def _paced(ceiling: int) -> int:
    """Records per minute the budget releases at this ceiling (the shared package's own figure)."""
    from rsc_connector.sync.worker import RateLimits

    return RateLimits(records_per_minute=ceiling).smooth_rate


def _all_executions(sfn: Any, machine: str) -> list[dict[str, Any]]:
    executions: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"stateMachineArn": machine}
    while True:
        page = sfn.list_executions(**kwargs)
        executions.extend(page["executions"])
        if not page.get("nextToken"):
            return executions
        kwargs["nextToken"] = page["nextToken"]


def _wait_all(sfn: Any, arns: list[str], timeout: float, out: Any) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    described: dict[str, dict[str, Any]] = {}
    last = -1
    while True:
        for arn in arns:
            if arn not in described:
                d = sfn.describe_execution(executionArn=arn)
                if d["status"] != "RUNNING":
                    described[arn] = d
        if len(described) != last:
            last = len(described)
            out.write(f"  {time.strftime('%H:%M:%S')}  {last} of {len(arns)} syncs finished\n")
            out.flush()
        if len(described) == len(arns):
            return described
        if time.monotonic() > deadline:
            for arn in arns:
                described.setdefault(arn, sfn.describe_execution(executionArn=arn))
            return described
        time.sleep(2.0)


def _print(out: Any, f: dict[str, Any]) -> None:
    out.write(
        f"\nLoad: {f['customers']} customers enabled at once, {f['records_per_customer']:,} records each, "
        f"ceiling {f['ceiling_records_per_minute']:,} records/min per customer\n\n"
    )
    out.write(
        f"  {'customer':10}{'status':>11}{'wall s':>9}{'ideal s':>9}{'max/60s':>9}{'429s':>6}{'viol.':>7}"
        f"{'idle s':>8}{'at LinkedIn':>13}  verify\n"
    )
    for c in f["per_customer"]:
        v = c["verify"]
        out.write(
            f"  {c['account']:10}{c['execution_status']:>11}{c['wall_seconds']!s:>9}{c['ideal_seconds']:>9}"
            f"{c['max_records_in_any_minute']:>9}{c['rate_429s']:>6}{c['violations']:>7}"
            f"{c['longest_idle_seconds']:>8}{c['records_at_linkedin']:>13}  "
            f"{v['missing']}/{v['extra']}/{v['differing']}\n"
        )
    out.write(
        f"\n  syncs started within {f['start_spread_seconds']} s of each other; all done in {f['total_seconds']} s = "
        f"{f['total_over_slowest_ideal']:+.1%} over the slowest customer's ideal of "
        f"{f['slowest_customer_ideal_seconds']} s at {f['paced_records_per_minute']} records/min (budget "
        f"+{f['time_budget']:.0%}); {f['total_over_ideal_at_ceiling']:+.1%} over its records at the ceiling itself\n"
    )
    out.write(
        f"  aggregate {f['aggregate_records_per_minute']:,} records/min; every customer within its own budget: "
        f"{f['budget_respected_by_all']}; verify 0/0/0 for all: {f['all_verified']}\n"
    )


def passed(figures: dict[str, Any], check_time: bool = True) -> bool:
    ok = bool(
        figures["all_succeeded"]
        and figures["all_verified"]
        and figures["budget_respected_by_all"]
        and figures["executions_started"] == figures["customers"]
    )
    if check_time:
        ok = ok and figures["total_over_slowest_ideal"] <= figures["time_budget"]
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rsc_demo.load", description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=int(os.environ.get("LOAD_CUSTOMERS", "20")))
    parser.add_argument("--records", type=int, default=int(os.environ.get("LOAD_RECORDS", "2000")))
    parser.add_argument("--ceiling", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    import logging
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    logging.basicConfig(level=logging.CRITICAL)  # budget deferrals and pushes timing out under load are expected
    logging.getLogger("rsc_local").setLevel(logging.CRITICAL)
    plan = LoadPlan(customers=args.customers, records=args.records, ceiling=args.ceiling, seed=args.seed)
    figures = run(plan, sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0 if passed(figures) else 1


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Customer", "LoadPlan", "onboard", "passed", "run"]
