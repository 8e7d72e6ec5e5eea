"""``rsc-local up | down | status``: run the local stack in the foreground or as a background process.

``up`` writes ``<state-dir>/state.json`` (URLs, ports, pid; default state dir ``.local-stack``) and prints it;
``up --detach`` starts the same command as a background process (log in ``<state-dir>/stack.log``) and returns
once the stack is up; ``down`` stops the background stack; ``status`` says whether one is running. Configuration
comes from ``--config FILE`` / ``RSC_LOCAL_CONFIG``, ``RSC_LOCAL_*`` variables and the flags below (flags win).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from rsc_local.client import StackClient
from rsc_local.config import LocalStackConfig
from rsc_local.errors import LocalStackError

STATE_FILE = "state.json"
LOG_FILE = "stack.log"
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 30.0
_LOG_ENV = "RSC_LOCAL_DETACHED_LOG"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_dir = Path(args.state_dir)
    try:
        if args.command == "up":
            if args.detach:
                return _up_detached(args, state_dir, argv if argv is not None else sys.argv[1:])
            return _up(args, state_dir)
        if args.command == "down":
            return _down(state_dir)
        return _status(state_dir, as_json=args.json)
    except LocalStackError as exc:
        print(f"rsc-local: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rsc-local",
        description="Run the embedded local stack: moto with template.yaml's resources, the real handlers, "
        "the API adapter, the LinkedIn emulator and the fake ATS.",
    )
    parser.add_argument("--state-dir", default=".local-stack", help="where state.json and stack.log live")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the local stack")
    up.add_argument("--detach", "-d", action="store_true", help="run in the background")
    up.add_argument("--config", type=Path, help="JSON configuration file (as RSC_LOCAL_CONFIG)")
    up.add_argument("--template", type=Path)
    up.add_argument("--stage")
    up.add_argument("--api-port", type=int)
    up.add_argument("--moto-port", type=int)
    up.add_argument("--control-port", type=int)
    up.add_argument("--linkedin", choices=["emulator", "external"], help="LinkedIn emulator or external LinkedIn")
    up.add_argument("--scheduler", action="store_true", help="fire the template's schedules in the background")
    up.add_argument("--time-scale", type=float, help="local time runs this many times faster (schedules, waits)")
    commands.add_parser("down", help="stop the background stack")
    status = commands.add_parser("status", help="is a stack running, and where")
    status.add_argument("--json", action="store_true", help="print state.json")
    return parser


def _config(args: argparse.Namespace) -> LocalStackConfig:
    base = LocalStackConfig.from_file(args.config) if args.config else None
    config = LocalStackConfig.load(base=base)
    for field_name, value in (
        ("template", args.template),
        ("stage", args.stage),
        ("api_port", args.api_port),
        ("moto_port", args.moto_port),
        ("control_port", args.control_port),
        ("time_scale", args.time_scale),
    ):
        if value is not None:
            setattr(config, field_name, value)
    if args.linkedin:
        config.linkedin.mode = args.linkedin
    if args.scheduler:
        config.scheduler = True
    if config.control_port is None:
        config.control_port = 0
    config.template = config.template.resolve()
    config.__post_init__()
    return config


def _up(args: argparse.Namespace, state_dir: Path) -> int:
    from rsc_local.stack import LocalStack

    _refuse_if_running(state_dir)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stack = LocalStack(_config(args))
    stack.start()
    state_file = state_dir / STATE_FILE
    try:
        state = {**stack.state(), "log": os.environ.get(_LOG_ENV)}
        _write_state(state_file, state)
        print(_summary(state), flush=True)
        stop.wait()
    finally:
        stack.stop()
        state_file.unlink(missing_ok=True)
    # Everything is stopped; skip the interpreter's slow teardown of moto's module graph (seconds).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _up_detached(args: argparse.Namespace, state_dir: Path, argv: list[str]) -> int:
    _refuse_if_running(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / LOG_FILE
    child_argv = [a for a in argv if a not in ("--detach", "-d")]
    with log_path.open("w") as log_file:
        child = subprocess.Popen(
            [sys.executable, "-m", "rsc_local.cli", *child_argv],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, _LOG_ENV: str(log_path.resolve())},
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    state_file = state_dir / STATE_FILE
    while time.monotonic() < deadline:
        state = _read_state(state_file)
        if state is not None and state.get("pid") == child.pid:
            print(_summary(state))
            return 0
        if child.poll() is not None:
            print(f"rsc-local: the stack exited with {child.returncode}; log {log_path}:", file=sys.stderr)
            print("".join(log_path.read_text().splitlines(keepends=True)[-30:]), file=sys.stderr)
            return 1
        time.sleep(0.1)
    print(
        f"rsc-local: the stack did not come up in {START_TIMEOUT_SECONDS:.0f} s (pid {child.pid}); see {log_path}",
        file=sys.stderr,
    )
    return 1


def _down(state_dir: Path) -> int:
    state_file = state_dir / STATE_FILE
    state = _read_state(state_file)
    if state is None or not _alive(int(state["pid"])):
        state_file.unlink(missing_ok=True)
        print("rsc-local: no stack is running")
        return 0
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(pid):
        if time.monotonic() > deadline:
            print(f"rsc-local: stack pid {pid} did not stop in {STOP_TIMEOUT_SECONDS:.0f} s", file=sys.stderr)
            return 1
        time.sleep(0.1)
    state_file.unlink(missing_ok=True)
    print(f"rsc-local: stopped (pid {pid})")
    return 0


def _status(state_dir: Path, *, as_json: bool) -> int:
    state = _read_state(state_dir / STATE_FILE)
    if state is None or not _alive(int(state["pid"])):
        print("rsc-local: not running")
        return 1
    try:
        StackClient.connect(str(state["control_url"]))
        health = "responding"
    except LocalStackError as exc:
        health = f"not responding ({exc})"
    print(json.dumps(state, indent=2) if as_json else f"{_summary(state)}\n  status:   {health}")
    return 0


def _refuse_if_running(state_dir: Path) -> None:
    state = _read_state(state_dir / STATE_FILE)
    if state is not None and _alive(int(state["pid"])):
        raise LocalStackError(f"a stack is already running (pid {state['pid']}); run 'rsc-local down' first")


def _summary(state: dict[str, Any]) -> str:
    linkedin = state.get("linkedin") or {}
    lines = [
        "rsc-local stack is up",
        f"  API:      {state.get('api_url')}",
        f"  moto:     {state.get('moto_url')}",
        f"  control:  {state.get('control_url')}",
        f"  LinkedIn: {linkedin.get('base_url') or linkedin.get('api_base_url') or 'template default'}",
        f"  ATS:      {state.get('ats_base_url') or 'template default'}",
        f"  pid:      {state.get('pid')}",
    ]
    if state.get("log"):
        lines.append(f"  log:      {state['log']}")
    return "\n".join(lines)


def _write_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2, default=str))
    os.replace(temporary, path)


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and "pid" in state else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(main())
