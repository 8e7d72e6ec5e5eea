"""`make demo`: start the embedded local stack, play the story, stop."""

from __future__ import annotations

import logging
import os
import sys
import time


def main() -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the story's output, not the handlers' logs
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # nor their CloudWatch EMF lines
    logging.basicConfig(level=logging.WARNING)
    from rsc_demo.story import run_seat_story, run_story, run_sync_story, seed_ats, stack_config
    from rsc_local.stack import LocalStack

    started = time.monotonic()
    records = int(os.environ.get("DEMO_RECORDS", "3000"))
    print("Starting the embedded local stack (moto, LinkedIn emulator, fake ATS, API adapter)...", flush=True)
    with LocalStack(stack_config()) as stack:
        print(f"Local stack up in {time.monotonic() - started:.1f} s", flush=True)
        spec = seed_ats(stack, records)
        run_story(stack)
        result = run_sync_story(stack, spec)
        seats = run_seat_story(stack)
        if (
            not result["verify"].ok
            or result["sync"].get("status") != "SUCCEEDED"
            or seats["manual"].status != 200
            or not seats["autoLinked"]
        ):
            print("\nThe demo did not end as expected (see above).")
            return 1
    print(f"\nDemo finished in {time.monotonic() - started:.1f} s; the local stack is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
