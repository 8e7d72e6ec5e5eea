"""Cold start, not timed: what each handler's module loads on import, in a fresh Lambda-like interpreter.

Handlers outside the sync (the API's, the authorizer, the enablement poll, any new function) must not load
the sync's code nor build an X-Ray recorder on import with tracing off. `python -m devtools.coldstart`
prints the times; here only its shape is checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from devtools import coldstart
from tests.helpers import ROOT

CHECKED = sorted(d.name for d in coldstart.function_dirs() if d.name not in coldstart.SYNC_FUNCTIONS)
SYNC = sorted(d.name for d in coldstart.function_dirs() if d.name in coldstart.SYNC_FUNCTIONS)

_PROBE = r"""
import importlib, json, sys
sys.path[:0] = sys.argv[2:]
importlib.import_module(sys.argv[1])
tracer = sys.modules.get("aws_lambda_powertools.tracing.tracer")
built = bool(tracer is not None and tracer.Tracer._config.get("provider") is not None)
print(json.dumps({"modules": sorted(sys.modules), "tracer_built": built}))
"""


def _import_in_fresh_interpreter(function: str) -> dict[str, Any]:
    directory = ROOT / "functions" / function
    result = subprocess.run(
        [sys.executable, "-I", "-c", _PROBE, "app", str(directory), str(coldstart.LAYER)],
        env=coldstart.lambda_env(function),
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_every_known_non_sync_handler_is_checked() -> None:
    assert {"authorizer", "kickoff", "oauth_callback", "status", "linkedin_webhook", "enablement_poll"} <= set(CHECKED)
    assert sorted(coldstart.SYNC_FUNCTIONS) == SYNC, "a sync function was renamed: update SYNC_FUNCTIONS"


def test_the_sync_only_modules_exist() -> None:
    """A renamed module would make the check below pass vacuously."""
    import importlib.util

    for module in coldstart.SYNC_ONLY_MODULES:
        assert importlib.util.find_spec(module) is not None, module


@pytest.mark.parametrize("function", CHECKED)
def test_handler_imports_no_sync_code_and_builds_no_xray_recorder(function: str) -> None:
    probe = _import_in_fresh_interpreter(function)
    loaded = set(probe["modules"])
    sync_only = sorted(m for m in coldstart.SYNC_ONLY_MODULES if m in loaded)
    assert not sync_only, f"{function} imports sync-only modules on import: {sync_only}"
    xray = sorted(m for m in loaded if m.split(".")[0] == coldstart.XRAY_PACKAGE)
    assert not xray, f"{function} loads the X-Ray SDK on import with tracing off: {xray[:5]}"
    assert not probe["tracer_built"], f"{function} builds a Powertools Tracer on import"


def test_the_probe_sees_sync_code_where_it_belongs() -> None:
    """Positive control: the sync worker does load its worker and Powertools' batch utility."""
    loaded = set(_import_in_fresh_interpreter("sync_worker")["modules"])
    assert {"rsc_connector.sync.worker", "aws_lambda_powertools.utilities.batch"} <= loaded


def test_coldstart_command_reports_every_handler_beside_boto3() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devtools.coldstart", "--runs", "1", "--json", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert [r["handler"] for r in rows] == [coldstart.BASELINE, *(d.name for d in coldstart.function_dirs())]
    assert rows[0]["kind"] == "baseline" and rows[0]["ratio_to_boto3"] == 1.0
    for row in rows:
        assert row["median_ms"] > 0 and row["min_ms"] <= row["median_ms"] <= row["max_ms"]
        assert row["modules_loaded"] == len(row["modules"]) > 0
        assert row["violations"] == []
