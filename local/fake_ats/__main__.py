"""``python -m fake_ats``: serve the fake ATS until interrupted (e.g. for a benchmark in another process)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .server import DEFAULT_TOKEN, FakeAts
from .spec import DatasetSpec, SpecError, dataset_from_total


def _account(text: str) -> tuple[str, int]:
    account, sep, total = text.partition("=")
    if not sep or not account or not total.isdigit():
        raise argparse.ArgumentTypeError(f"expected ACCOUNT=TOTAL_RECORDS, e.g. acme=100000, not {text!r}")
    return account, int(total)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fake_ats", description="Deterministic fake ATS export API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--account",
        action="append",
        type=_account,
        default=[],
        metavar="ID=TOTAL",
        help="serve account ID with about TOTAL records over the synced resources (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (each account adds its position)")
    parser.add_argument("--invalid-share", type=float, default=0.02)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        datasets: dict[str, DatasetSpec] = {
            account: dataset_from_total(total, seed=args.seed + n, invalid_share=args.invalid_share)
            for n, (account, total) in enumerate(args.account)
        }
        ats = FakeAts(
            host=args.host,
            port=args.port,
            token=args.token,
            datasets=datasets,
            latency_ms=args.latency_ms,
            fault_rate=args.fault_rate,
            verbose=args.verbose,
        )
    except (SpecError, ValueError) as exc:
        print(f"fake_ats: {exc}", file=sys.stderr)
        return 2
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    ats.start()
    print(f"fake ATS at {ats.base_url} (control API at {ats.control_url})", flush=True)
    for account in datasets:
        print(json.dumps(ats.account_summary(account), ensure_ascii=False), flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        ats.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
