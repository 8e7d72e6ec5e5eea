"""Cold start: each handler's import time in a fresh interpreter, beside `import boto3` measured the same way.

    python -m devtools.coldstart [--runs N] [--json] [--check]

For every functions/*/ directory (and for `import boto3` alone, the baseline), spawns a fresh interpreter
N times (default 7, after one discarded warm-up run that fills __pycache__) with a Lambda-like environment:
the variables template.yaml's Globals set (parameter defaults, dummy values for resource references),
tracing off (POWERTOOLS_TRACE_DISABLED=true), dummy credentials, AWS_DEFAULT_REGION=us-east-1, the function
directory then the layer on sys.path, and every endpoint and proxy pointed at a closed local port (no network).
The child times importlib.import_module("app") with time.perf_counter and reports the modules it loaded.

Handlers other than the sync's (SYNC_FUNCTIONS) must not import a sync-only module nor build an X-Ray
recorder on import; --check exits 1 when one does. Times are the machine's they run on (this venv's Python,
not Lambda's python3.13/arm64): compare the ratios to boto3, not the milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
LAYER = ROOT / "layers" / "common"
TEMPLATE = ROOT / "template.yaml"
BASELINE = "import boto3"

# The sync's own handlers: they may load the sync's code. Every other handler (the API's, the authorizer,
# the enablement poll, any new one) is checked.
SYNC_FUNCTIONS = frozenset({"sync_planner", "sync_steps", "sync_worker"})

# Code only the sync runs: its worker, planner, steps, Lambda glue and mapping, the LinkedIn sync API,
# and the Powertools utilities only the sync's handlers use (batch processing, idempotency).
SYNC_ONLY_MODULES = (
    "rsc_connector.sync.worker",
    "rsc_connector.sync.change_worker",
    "rsc_connector.sync.planner",
    "rsc_connector.sync.steps",
    "rsc_connector.sync.lambdas",
    "rsc_connector.sync.mapping",
    "rsc_connector.linkedin.sync_api",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.idempotency",
)
XRAY_PACKAGE = "aws_xray_sdk"  # importing aws_xray_sdk.core builds its global recorder

_CLOSED_PORT = "http://127.0.0.1:9"
_PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}

# Runs in the fresh interpreter: argv = [target module, sys.path entries...]; prints one JSON object.
_CHILD = r"""
import importlib, json, sys, time
target, paths = sys.argv[1], sys.argv[2:]
sys.path[:0] = paths
before = set(sys.modules)
start = time.perf_counter()
importlib.import_module(target)
elapsed = time.perf_counter() - start
loaded = sorted(set(sys.modules) - before)
tracer = sys.modules.get("aws_lambda_powertools.tracing.tracer")
tracer_built = bool(tracer is not None and tracer.Tracer._config.get("provider") is not None)
print(json.dumps({"ms": elapsed * 1000, "loaded": loaded, "all": sorted(sys.modules), "tracer_built": tracer_built}))
"""


@dataclass
class Row:
    handler: str
    kind: str  # "baseline" | "checked" | "sync"
    median_ms: float
    min_ms: float
    max_ms: float
    ratio_to_boto3: float
    modules_loaded: int
    sync_only_modules: list[str]
    xray_modules: list[str]
    tracer_built: bool
    violations: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)

    @property
    def xray(self) -> bool:
        return bool(self.xray_modules) or self.tracer_built


def function_dirs() -> list[Path]:
    return sorted(p for p in FUNCTIONS.iterdir() if (p / "app.py").is_file())


def _resolve(value: Any, params: dict[str, str]) -> str:
    """A Globals value as a string: parameter defaults for Ref/Sub, a dummy for anything a deploy creates."""
    if isinstance(value, str | int | float | bool):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        return params.get(name, _PSEUDO.get(name, f"dummy-{name}"))
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, local = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
        names = {**_PSEUDO, **params, **{k: _resolve(v, params) for k, v in local.items()}}
        out, rest = "", text
        while "${" in rest:
            head, _, tail = rest.partition("${")
            name, _, rest = tail.partition("}")
            out += head + names.get(name, f"dummy-{name.replace('.', '-')}")
        return out + rest
    return "dummy"


def lambda_env(function: str | None = None) -> dict[str, str]:
    """The environment a handler's container starts with, as far as its import can tell (no inherited env)."""
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse(TEMPLATE.read_text())
    params = {
        name: _resolve(spec.get("Default", f"dummy-{name}"), {})
        for name, spec in (template.get("Parameters") or {}).items()
    }
    variables = template["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    env = {name: _resolve(value, params) for name, value in variables.items()}
    env.update(
        {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "coldstart",
            "AWS_SECRET_ACCESS_KEY": "coldstart",  # a dummy: nothing is called
            "AWS_SESSION_TOKEN": "coldstart",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_LAMBDA_FUNCTION_NAME": function or "coldstart-baseline",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "POWERTOOLS_TRACE_DISABLED": "true",
            # no network: anything that tries to call out at import fails fast instead of waiting
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": _CLOSED_PORT,
            "HTTP_PROXY": _CLOSED_PORT,
            "HTTPS_PROXY": _CLOSED_PORT,
            "NO_PROXY": "",
        }
    )
    return env


def import_once(target: str, paths: list[Path], env: dict[str, str]) -> dict[str, Any]:
    """Import `target` in a fresh, isolated interpreter (-I: no PYTHONPATH, no cwd on sys.path)."""
    result = subprocess.run(
        [sys.executable, "-I", "-c", _CHILD, target, *map(str, paths)],
        env=env,
        cwd=str(paths[0]) if paths else str(ROOT),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"importing {target} failed:\n{result.stderr.strip()}")
    reply: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return reply


def measure(name: str, kind: str, target: str, paths: list[Path], runs: int) -> Row:
    env = lambda_env(None if kind == "baseline" else name)
    import_once(target, paths, env)  # warm-up, discarded: compiles __pycache__ as a built layer would ship it
    samples = [import_once(target, paths, env) for _ in range(runs)]
    times = [s["ms"] for s in samples]
    last = samples[-1]
    loaded = set(last["all"])
    sync_only = sorted(m for m in SYNC_ONLY_MODULES if m in loaded)
    xray = sorted(m for m in loaded if m == XRAY_PACKAGE or m.startswith(XRAY_PACKAGE + "."))
    row = Row(
        handler=name,
        kind=kind,
        median_ms=round(statistics.median(times), 1),
        min_ms=round(min(times), 1),
        max_ms=round(max(times), 1),
        ratio_to_boto3=1.0,
        modules_loaded=len(last["loaded"]),
        sync_only_modules=sync_only,
        xray_modules=xray,
        tracer_built=bool(last["tracer_built"]),
        modules=last["loaded"],
    )
    if kind == "checked":
        if sync_only:
            row.violations.append(f"{name}: imports sync-only modules {', '.join(sync_only)}")
        if row.xray:
            row.violations.append(f"{name}: builds an X-Ray recorder on import with tracing off")
    return row


def measure_all(runs: int) -> list[Row]:
    rows = [measure(BASELINE, "baseline", "boto3", [LAYER], runs)]
    for directory in function_dirs():
        kind = "sync" if directory.name in SYNC_FUNCTIONS else "checked"
        rows.append(measure(directory.name, kind, "app", [directory, LAYER], runs))
    baseline = rows[0].median_ms or 1.0
    for row in rows:
        row.ratio_to_boto3 = round(row.median_ms / baseline, 2)
    return rows


def _flags(row: Row) -> str:
    if row.kind == "baseline":
        return ""
    flags = []
    if row.sync_only_modules:
        flags.append("imports sync-only modules" + (" (sync: expected)" if row.kind == "sync" else ""))
    if row.xray:
        flags.append("X-Ray recorder built")
    return "; ".join(flags) or "ok"


def table(rows: list[Row], runs: int) -> str:
    lines = [
        f"Cold start: module import time, fresh interpreter per run, median of {runs} "
        f"(Python {platform.python_version()} {platform.machine()}, tracing off)",
        f"{'handler':<18}{'median ms':>10}{'min':>9}{'max':>9}{'x boto3':>9}{'modules':>9}  flags",
    ]
    for row in rows:
        lines.append(
            f"{row.handler:<18}{row.median_ms:>10.1f}{row.min_ms:>9.1f}{row.max_ms:>9.1f}"
            f"{row.ratio_to_boto3:>8.2f}x{row.modules_loaded:>9}  {_flags(row)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.coldstart", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs per handler (median; default 7)")
    parser.add_argument("--json", action="store_true", help="print JSON (rows with their loaded modules)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a non-sync handler imports sync-only code")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    rows = measure_all(args.runs)
    violations = [v for row in rows for v in row.violations]
    if args.json:
        out = [{**asdict(row), "xray": row.xray, "flags": _flags(row)} for row in rows]
        print(json.dumps({"runs": args.runs, "python": platform.python_version(), "rows": out}, indent=2))
    else:
        print(table(rows, args.runs))
    for violation in violations:
        print(f"cold start: {violation}", file=sys.stderr)
    return 1 if args.check and violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
