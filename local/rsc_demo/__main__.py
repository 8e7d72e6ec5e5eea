"""`make demo`: start the embedded local stack, play the story, stop."""

from __future__ import annotations

import logging
import os
import sys
import time


def main() -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the story's output, not the handlers' logs
    logging.basicConfig(level=logging.WARNING)
    from rsc_demo.ats import jwt_secret_value
    from rsc_demo.story import run_story
    from rsc_local.config import LocalStackConfig
    from rsc_local.stack import LocalStack

    started = time.monotonic()
    config = LocalStackConfig(
        stack_name="rsc-demo",
        parameters={"LogLevel": "WARNING"},
        secrets={"rsc-connector/dev/ats-jwt": jwt_secret_value()},
    )
    print("Starting the embedded local stack (moto, LinkedIn emulator, API adapter)...", flush=True)
    with LocalStack(config) as stack:
        print(f"Local stack up in {time.monotonic() - started:.1f} s", flush=True)
        run_story(stack)
    print(f"\nDemo finished in {time.monotonic() - started:.1f} s; the local stack is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
