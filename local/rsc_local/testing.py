"""Starting a local stack from tests.

In-process (``local_stack``) is the default: handlers run in the test process, so a test can also look at
in-process state. moto's state is process global, which has two consequences:

- one stack per process at a time: use a session- or module-scoped fixture, not one per test;
- ``moto.mock_aws`` resets *all* of moto's state when it starts and stops, including the stack's. Tests that use
  ``mock_aws`` must not run while an in-process stack is up: keep them in other pytest processes (e.g. the stack
  tests selected with ``-m stack``) or use ``detached_local_stack``, which runs the stack in a child process.

Example (tests/conftest.py)::

    @pytest.fixture(scope="session")
    def stack():
        with local_stack(testing_config(linkedin=LinkedInSettings(mode="emulator"))) as running:
            yield running
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rsc_local.client import StackClient
from rsc_local.config import LocalStackConfig
from rsc_local.errors import LocalStackError
from rsc_local.stack import LocalStack

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The repository root (this file is local/rsc_local/testing.py)."""


def testing_config(template: Path | str | None = None, **overrides: Any) -> LocalStackConfig:
    """A configuration for tests: the project's template, free ports, no background scheduler, no control API,
    timeouts enforced. Keyword arguments override :class:`LocalStackConfig` fields."""
    fields: dict[str, Any] = {
        "template": Path(template) if template is not None else PROJECT_ROOT / "template.yaml",
        "stack_name": "rsc-local-test",
        "scheduler": False,
        "control_port": None,
    }
    fields.update(overrides)
    return LocalStackConfig(**fields)


testing_config.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test (pytest collects test*)


@contextmanager
def local_stack(config: LocalStackConfig | None = None) -> Iterator[LocalStack]:
    """Start a :class:`LocalStack` in this process for the duration of the block."""
    with LocalStack(config or testing_config()) as stack:
        yield stack


@contextmanager
def detached_local_stack(config: LocalStackConfig | None = None, *, timeout: float = 120.0) -> Iterator[StackClient]:
    """Run the stack in a child process (``python -m rsc_local.cli up``) and drive it over its control API.

    Isolated from this process's moto state; handlers run in the child.
    """
    config = config or testing_config()
    if config.control_port is None:
        config.control_port = 0
    with tempfile.TemporaryDirectory(prefix="rsc-local-") as directory:
        state_dir = Path(directory)
        config_file = state_dir / "config.json"
        data = config.to_dict()
        data["template"] = str(Path(data["template"]).resolve())
        config_file.write_text(json.dumps(data))
        log_path = state_dir / "stack.log"
        with log_path.open("w") as log_file:
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "rsc_local.cli",
                    "--state-dir",
                    str(state_dir),
                    "up",
                    "--config",
                    str(config_file),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env={k: v for k, v in os.environ.items() if not k.startswith("RSC_LOCAL_")},
            )
        try:
            yield _wait_for_child(child, state_dir / "state.json", log_path, timeout)
        finally:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_for_child(child: subprocess.Popen[bytes], state_file: Path, log_path: Path, timeout: float) -> StackClient:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if state_file.exists():
            try:
                state = json.loads(state_file.read_text())
            except ValueError:
                state = None
            if state and state.get("pid") == child.pid:
                return StackClient(state)
        if child.poll() is not None:
            raise LocalStackError(f"the stack process exited with {child.returncode}:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.1)
    raise LocalStackError(f"the stack process did not come up in {timeout} s:\n{log_path.read_text()[-4000:]}")
