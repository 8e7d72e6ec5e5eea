"""``python -m linkedin_emulator`` / ``linkedin-emulator``: run the emulator until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from rsc_connector.linkedin import assumptions as A

from .emulator import LinkedInEmulator
from .syncstore import DEFAULT_JOB_TASK_DELAY_SECONDS


def _limit(text: str) -> tuple[str, int]:
    family, sep, value = text.partition("=")
    if not sep or not family or not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected FAMILY=N, e.g. atsIntegrations=5000, not {text!r}")
    return family, int(value)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="linkedin-emulator", description="Local LinkedIn RSC partner-API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--partner-client-id", default="partner-id")
    parser.add_argument("--partner-client-secret", default="partner-secret")
    parser.add_argument(
        "--strict-callbacks",
        action="store_true",
        help="require HTTPS CALLBACK_URLs on port 443/80, as LinkedIn does (default: allow http for local use)",
    )
    parser.add_argument(
        "--limit",
        action="append",
        type=_limit,
        default=[],
        metavar="FAMILY=N",
        help="daily call limit per application for a resource family (default atsIntegrations=5000)",
    )
    parser.add_argument(
        "--sync-records-per-minute",
        type=int,
        default=A.SYNC_RECORDS_PER_MINUTE,
        metavar="N",
        help="records per minute per application and sync resource (default %(default)s)",
    )
    parser.add_argument(
        "--sync-calls-per-day",
        type=int,
        default=A.SYNC_CALLS_PER_DAY,
        metavar="N",
        help="calls per UTC day per application and sync resource (default %(default)s)",
    )
    parser.add_argument(
        "--job-task-delay",
        type=float,
        default=DEFAULT_JOB_TASK_DELAY_SECONDS,
        metavar="SECONDS",
        help="how long a job posting task stays IN_PROGRESS, on the emulator clock (default %(default)s)",
    )
    parser.add_argument("--no-request-log", action="store_true", help="count requests but keep none of them")
    parser.add_argument(
        "--request-log-max", type=int, default=None, metavar="N", help="keep only the newest N requests"
    )
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    emulator = LinkedInEmulator(
        host=args.host,
        port=args.port,
        partner_client_id=args.partner_client_id,
        partner_client_secret=args.partner_client_secret,
        allow_insecure_callbacks=not args.strict_callbacks,
        daily_limits=dict(args.limit) if args.limit else None,
        verbose=args.verbose,
        sync_records_per_minute=args.sync_records_per_minute,
        sync_calls_per_day=args.sync_calls_per_day,
        job_task_delay_seconds=args.job_task_delay,
        request_log=not args.no_request_log,
        request_log_max_entries=args.request_log_max,
    )
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    emulator.start()
    print(f"LinkedIn emulator listening on {emulator.base_url} (API {emulator.api_base_url})", flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
