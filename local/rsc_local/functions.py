"""The template's Lambda functions as in-process Python callables.

Each function's handler module is loaded once, lazily, from its CodeUri directory under a unique module name
(``rsc_fn_<LogicalId>``), and invoked with a Lambda-like context. Deviations from Lambda, by design:

- every function runs in this one process (threads, not sandboxes): module globals are shared between concurrent
  invocations of a function, ``os.environ`` is shared by all functions (hence :func:`union_environment`), and the
  working directory is not the code directory;
- the per-function runtime variables (``AWS_LAMBDA_FUNCTION_NAME`` ...) are not set, because they would differ
  between functions; the context object carries those values (Powertools reads them from the context, and
  its Tracer stays disabled outside Lambda, which is what we want locally);
- a timeout cannot stop a thread: with ``enforce_timeouts`` an invocation that outlives the function's Timeout is
  *reported* as ``Sandbox.Timedout`` (so retries and error paths behave as in AWS), after its side effects ran;
- events and results go through a JSON round trip, like the Lambda API; ``Decimal`` results are encoded as
  numbers, as the Python runtime's encoder does.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from rsc_local.errors import EnvironmentConflictError, FunctionError, TemplateError

log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class FunctionSpec:
    """One function of the deployed template, as the local runtime needs it."""

    logical_id: str
    name: str
    arn: str
    handler: str
    code_dir: Path | None
    timeout: int
    memory_size: int
    runtime: str
    environment: Mapping[str, str]


class LambdaContext:
    """The context object of the Python runtime (awslambdaric), for a local invocation.

    ``memory_limit_in_mb`` is a string, as in the real runtime (it is read from an environment variable there).
    """

    def __init__(self, spec: FunctionSpec, request_id: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = str(spec.memory_size)
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


@dataclass
class Invocation:
    """The outcome of one invocation, as Lambda's Invoke API would report it."""

    function: FunctionSpec
    request_id: str
    duration: float
    payload: Any = None
    error_type: str | None = None
    error_message: str | None = None
    stack_trace: list[str] = field(default_factory=list)
    exception: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error_type is None

    def error_payload(self) -> dict[str, Any]:
        """The JSON body Lambda returns with ``X-Amz-Function-Error: Unhandled``."""
        return {
            "errorMessage": self.error_message,
            "errorType": self.error_type,
            "requestId": self.request_id,
            "stackTrace": self.stack_trace,
        }

    def result(self) -> Any:
        """The payload, or :class:`FunctionError` (chained to the handler's exception) if the invocation failed."""
        if self.ok:
            return self.payload
        error = FunctionError(self.function.name, str(self.error_type), str(self.error_message))
        raise error from self.exception


@dataclass
class FunctionStats:
    invocations: int = 0
    errors: int = 0
    timeouts: int = 0
    total_seconds: float = 0.0


def union_environment(specs: Iterable[FunctionSpec]) -> dict[str, str]:
    """The one environment all functions share; a variable two functions see differently is an error."""
    merged: dict[str, str] = {}
    owners: dict[str, str] = {}
    conflicts: list[str] = []
    for spec in specs:
        for name, value in spec.environment.items():
            if name in merged and merged[name] != value:
                conflicts.append(f"{name}: {owners[name]}={merged[name]!r} but {spec.logical_id}={value!r}")
            else:
                merged.setdefault(name, value)
                owners.setdefault(name, spec.logical_id)
    if conflicts:
        raise EnvironmentConflictError(
            "functions resolve environment variables differently, but all handlers share one process "
            "environment; give every function the same Globals environment: " + "; ".join(conflicts)
        )
    return merged


class FunctionRegistry:
    """Looks functions up by logical id, name or ARN, loads their handlers and invokes them."""

    def __init__(self, specs: Iterable[FunctionSpec], *, enforce_timeouts: bool = True) -> None:
        self._specs = {spec.logical_id: spec for spec in specs}
        self._by_name = {spec.name: spec for spec in self._specs.values()}
        self._enforce_timeouts = enforce_timeouts
        self._handlers: dict[str, Handler] = {}
        self._load_locks = {logical_id: threading.Lock() for logical_id in self._specs}
        self._stats = {logical_id: FunctionStats() for logical_id in self._specs}
        self._stats_lock = threading.Lock()
        self._sibling_modules: dict[str, Path] = {}

    @property
    def specs(self) -> Mapping[str, FunctionSpec]:
        return self._specs

    def find(self, reference: str) -> FunctionSpec | None:
        """A function by logical id, function name, or (partial/qualified) function ARN."""
        if reference in self._specs:
            return self._specs[reference]
        name = reference
        if ":function:" in reference:
            name = reference.split(":function:", 1)[1].split(":", 1)[0]
        return self._by_name.get(name)

    def get(self, reference: str) -> FunctionSpec:
        spec = self.find(reference)
        if spec is None:
            raise KeyError(f"no function {reference!r} in the template (known: {sorted(self._specs)})")
        return spec

    def stats(self) -> dict[str, FunctionStats]:
        with self._stats_lock:
            return {k: FunctionStats(**vars(v)) for k, v in self._stats.items()}

    def unload(self) -> None:
        """Forget loaded handler modules: the next invocation of each function is a cold start."""
        for logical_id in list(self._handlers):
            sys.modules.pop(_module_name(logical_id), None)
        self._handlers.clear()

    def invoke(self, reference: str, event: Any, *, request_id: str | None = None) -> Invocation:
        """Invoke a function synchronously in the calling thread."""
        spec = self.get(reference)
        request_id = request_id or str(uuid.uuid4())
        started = time.time()
        invocation = Invocation(function=spec, request_id=request_id, duration=0.0)
        try:
            handler = self._handler(spec)
        except _InitError as exc:
            invocation.error_type, invocation.error_message = exc.error_type, str(exc)
            invocation.exception = exc.__cause__
        else:
            context = LambdaContext(spec, request_id, deadline=started + spec.timeout)
            try:
                result = handler(json.loads(json.dumps(event)), context)
            except Exception as exc:
                invocation.error_type, invocation.error_message = type(exc).__name__, str(exc)
                # Lambda reports the handler's frames only, without the runtime's (here: this method's)
                invocation.stack_trace = traceback.format_tb(exc.__traceback__.tb_next if exc.__traceback__ else None)
                invocation.exception = exc
                log.error("%s raised %s: %s (request %s)", spec.logical_id, invocation.error_type, exc, request_id)
            else:
                try:
                    invocation.payload = json.loads(json.dumps(result, default=_encode_decimal))
                except (TypeError, ValueError) as exc:
                    invocation.error_type = "Runtime.MarshalError"
                    invocation.error_message = f"Unable to marshal response: {exc}"
                    invocation.exception = exc
        invocation.duration = time.time() - started
        timed_out = self._enforce_timeouts and invocation.duration > spec.timeout
        if timed_out:
            log.error(
                "%s ran %.2f s, longer than its Timeout of %d s", spec.logical_id, invocation.duration, spec.timeout
            )
            invocation.payload = None
            invocation.error_type = "Sandbox.Timedout"
            invocation.error_message = f"RequestId: {request_id} Error: Task timed out after {spec.timeout:.2f} seconds"
        with self._stats_lock:
            stats = self._stats[spec.logical_id]
            stats.invocations += 1
            stats.errors += 0 if invocation.ok else 1
            stats.timeouts += 1 if timed_out else 0
            stats.total_seconds += invocation.duration
        return invocation

    def _handler(self, spec: FunctionSpec) -> Handler:
        handler = self._handlers.get(spec.logical_id)
        if handler is not None:
            return handler
        with self._load_locks[spec.logical_id]:
            if spec.logical_id not in self._handlers:
                self._handlers[spec.logical_id] = self._load(spec)
            return self._handlers[spec.logical_id]

    def _load(self, spec: FunctionSpec) -> Handler:
        if spec.code_dir is None:
            raise _InitError(
                "Runtime.ImportModuleError", f"{spec.logical_id} has no local code (CodeUri is not a local directory)"
            )
        module_path, _, attribute = spec.handler.rpartition(".")
        if not module_path:
            raise _InitError(
                "Runtime.MalformedHandlerName", f"Bad handler '{spec.handler}': not enough values to unpack"
            )
        file = spec.code_dir / (module_path.replace(".", "/") + ".py")
        if not file.is_file():
            raise _InitError(
                "Runtime.ImportModuleError", f"Unable to import module '{module_path}': No module named '{module_path}'"
            )
        module = self._exec_module(spec, file)
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise _InitError("Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_path}'")
        return handler

    _import_lock = threading.Lock()

    def _exec_module(self, spec: FunctionSpec, file: Path) -> ModuleType:
        """Execute the handler file with its code directory importable (as /var/task is), checking that no two
        functions ship top-level modules of the same name (one process can import only one of them)."""
        assert spec.code_dir is not None
        code_dir = spec.code_dir
        name = _module_name(spec.logical_id)
        module_spec = importlib.util.spec_from_file_location(name, file)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        with FunctionRegistry._import_lock:
            self._check_siblings(spec.logical_id, code_dir, file)
            before = set(sys.modules)
            sys.modules[name] = module
            sys.path.insert(0, str(code_dir))
            try:
                module_spec.loader.exec_module(module)
            except Exception as exc:
                sys.modules.pop(name, None)
                raise _InitError(
                    "Runtime.ImportModuleError", f"Unable to import module '{file.stem}': {type(exc).__name__}: {exc}"
                ) from exc
            finally:
                sys.path.remove(str(code_dir))
            for new in set(sys.modules) - before - {name}:
                origin = getattr(sys.modules[new], "__file__", None)
                if origin and Path(origin).resolve().is_relative_to(code_dir):
                    self._sibling_modules.setdefault(new.split(".")[0], code_dir)
        return module

    def _check_siblings(self, logical_id: str, code_dir: Path, handler_file: Path) -> None:
        local = {p.stem for p in code_dir.glob("*.py") if p != handler_file} | {
            p.parent.name for p in code_dir.glob("*/__init__.py")
        }
        for module in local:
            owner = self._sibling_modules.get(module)
            if owner is not None and owner != code_dir:
                raise _InitError(
                    "Runtime.ImportModuleError",
                    f"{logical_id} ships a top-level module {module!r} that {owner} also ships; in the local stack "
                    "all functions share one interpreter, so rename one (or move shared code to the layer)",
                )


class _InitError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _module_name(logical_id: str) -> str:
    return f"rsc_fn_{logical_id}"


def _environment_string(value: Any) -> str:
    """Lambda environment values are strings; CloudFormation stringifies numbers and booleans (moto keeps them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _encode_decimal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def spec_from_configuration(logical_id: str, configuration: Mapping[str, Any], code_dir: Path | None) -> FunctionSpec:
    """A :class:`FunctionSpec` from Lambda's GetFunctionConfiguration response (values moto resolved)."""
    if configuration.get("PackageType", "Zip") != "Zip":
        raise TemplateError(f"{logical_id}: container-image functions cannot run in the local stack")
    return FunctionSpec(
        logical_id=logical_id,
        name=configuration["FunctionName"],
        arn=configuration["FunctionArn"],
        handler=configuration.get("Handler", ""),
        code_dir=code_dir,
        timeout=int(configuration.get("Timeout", 3)),
        memory_size=int(configuration.get("MemorySize", 128)),
        runtime=configuration.get("Runtime", ""),
        environment={
            name: _environment_string(value)
            for name, value in ((configuration.get("Environment") or {}).get("Variables") or {}).items()
        },
    )
