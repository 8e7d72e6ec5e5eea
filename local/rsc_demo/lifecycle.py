"""`make demo-lifecycle`: the integration over time, after the main story on the embedded local stack.

The main demo (ACTIVATE -> Partner ready -> Enabled -> history synced -> seats linked) on a small account, then:
a second contract connected (its own Request and enablement, the organization's history shared, its own seats),
ongoing ATS changes (an update, a deletion with its children, a late older update refused as stale), one
contract deactivated while the other stays, and the account deactivated: LinkedIn keeps nothing of the
organization but closed jobs, and the admins get the summary email.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import time
from typing import Any


def deactivate_one_contract(stack: Any, contract_id: str, out: Any, first_step: int, timeout: float = 120.0) -> dict:
    from rsc_demo.ats import AtsBackend
    from rsc_demo.deactivation_story import PATH, remaining_at_linkedin
    from rsc_demo.story import OWNER, Printer, contract_table

    p = Printer(out)
    p.step_no = first_step - 1
    ats = AtsBackend(stack.api_url)
    p.step(f"{OWNER.name} deactivates contract {contract_id} only; the other contract stays connected")
    reply = ats.call(OWNER, "POST", PATH, {"contractId": contract_id})
    p.line(f"HTTP {reply.status}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        contract = next(c for c in ats.status(OWNER).body["contracts"] if c["contractId"] == contract_id)
        if contract["status"] == "DEACTIVATED":
            break
        time.sleep(1)
    contract_table(p, ats.status(OWNER).body)
    held = remaining_at_linkedin(stack)
    for org, counts in held.items():
        p.line(f"LinkedIn still holds for {org}: {counts}", 6)
    return {"status": ats.status(OWNER).body, "held": held}


def main() -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    logging.basicConfig(level=logging.WARNING)
    from rsc_demo.changes_story import run_changes_story
    from rsc_demo.deactivation_story import run_deactivation_story
    from rsc_demo.second_contract import run_second_contract_story
    from rsc_demo.story import run_seat_story, run_story, run_sync_story, seed_ats, stack_config
    from rsc_local.stack import LocalStack

    started = time.monotonic()
    records = int(os.environ.get("DEMO_RECORDS", "1000"))
    print("Starting the embedded local stack (moto, LinkedIn emulator, fake ATS, API adapter)...", flush=True)
    with LocalStack(stack_config("rsc-lifecycle")) as stack:
        spec = seed_ats(stack, records)
        print(f"The main story ({records:,} records) runs first; its output is summarized.", flush=True)
        quiet = io.StringIO()
        run_story(stack, quiet)
        synced = run_sync_story(stack, spec, quiet)
        run_seat_story(stack, quiet)
        print(
            f"  history sync {synced['sync'].get('status')}, verify {synced['verify'].missing} missing / "
            f"{synced['verify'].extra} extra / {synced['verify'].differing} differing",
            flush=True,
        )
        second = run_second_contract_story(stack, first_step=0)
        changes = run_changes_story(stack, first_step=4)
        one = deactivate_one_contract(stack, "7003", sys.stdout, first_step=9)
        everything = run_deactivation_story(stack, first_step=10)
    ok = (
        second["executions"] == 1
        and second["sharedWith"] == "7001"
        and bool(changes)
        and any(c["contractId"] == "7001" and c["status"] != "DEACTIVATED" for c in one["status"]["contracts"])
        and bool(everything)
    )
    print(f"\nLifecycle demo finished in {time.monotonic() - started:.1f} s; the local stack is stopped.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
