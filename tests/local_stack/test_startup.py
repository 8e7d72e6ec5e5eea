"""Starting and stopping: refusing an inconsistent environment, cleaning up, and the rsc-local CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from rsc_local import moto_runtime
from rsc_local.client import StackClient
from rsc_local.config import LinkedInSettings
from rsc_local.errors import EnvironmentConflictError
from rsc_local.stack import LocalStack
from rsc_local.testing import testing_config

from .conftest import FIXTURES, fixture_config

pytestmark = pytest.mark.stack


def test_conflicting_function_environments_refuse_to_start_and_clean_up() -> None:
    before = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "MOTO_PORT", "AWS_ACCESS_KEY_ID")}
    stack = LocalStack(
        testing_config(FIXTURES / "conflict" / "template.yaml", linkedin=LinkedInSettings(mode="external"))
    )

    with pytest.raises(EnvironmentConflictError, match="MODE: First='fast' but Second='slow'"):
        stack.start()

    assert not stack.running
    assert moto_runtime._active is None  # moto was stopped; another stack can start in this process
    assert {k: os.environ.get(k) for k in before} == before


def _cli(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RSC_LOCAL_")}
    return subprocess.run(
        [sys.executable, "-m", "rsc_local.cli", "--state-dir", str(state_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )


def test_cli_up_detach_status_down(tmp_path: Path) -> None:
    # Given a configuration file for the test template
    config = fixture_config().to_dict()
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    state_dir = tmp_path / "state"

    # When the stack is started in the background
    up = _cli(state_dir, "up", "--detach", "--config", str(config_file))
    assert up.returncode == 0, up.stderr
    try:
        assert "rsc-local stack is up" in up.stdout
        state = json.loads((state_dir / "state.json").read_text())

        # Then status reports it, and another process can drive it
        status = _cli(state_dir, "status")
        assert status.returncode == 0 and "responding" in status.stdout
        client = StackClient.from_state_file(state_dir / "state.json")
        assert requests.get(f"{client.api_url}/health", timeout=10).status_code == 200
        assert client.invoke("StepFunction", {"op": "double", "value": 2}) == {"value": 4}
        assert client.fire_schedule("ScheduledFunctionNightly")["ok"] is True
        assert "WorkerFunctionJobs" in client.counters()["event_sources"]
        assert client.boto3_client("dynamodb").list_tables()["TableNames"] == [client.physical_id("DataTable")]
        assert _cli(state_dir, "up", "--detach", "--config", str(config_file)).returncode == 2  # already running
    finally:
        # And down stops it
        down = _cli(state_dir, "down")
    assert down.returncode == 0, down.stderr
    assert not (state_dir / "state.json").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(state["pid"], 0)
    assert _cli(state_dir, "status").returncode == 1
