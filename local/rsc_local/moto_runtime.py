"""moto in server mode, configured and patched to run the template's real handlers.

All of moto's state is process global, so only one :class:`MotoRuntime` can be active per process. What it
changes, and restores on :meth:`MotoRuntime.stop` (tooling-notes sections 1, 2 and 4):

- ``MOTO_PORT`` is set to the server's port: the Step Functions interpreter calls services at
  ``http://localhost:$MOTO_PORT``;
- moto's user config: ``stepfunctions.execute_state_machine`` (really run the ASL) and ``lambda.use_docker=False``
  (the simple Lambda backend, no containers);
- ``LambdaSimpleBackend.invoke`` dispatches to the real handlers (keeping moto's keyword names), with Lambda's
  error convention (``X-Amz-Function-Error: Unhandled`` and an ``errorType``/``errorMessage`` body); ``Event``
  invocations run on a background pool (no retries or destinations, unlike Lambda);
- CloudFormation creates state machines through ``moto.stepfunctions.models.stepfunctions_backends``, which is
  aliased to the executing backend so that stack-created state machines can run;
- StartExecution without a name gets a UUID name, as in AWS (moto's executing backend names it ``None``, so a
  second unnamed execution of a state machine fails with ExecutionAlreadyExists);
- DynamoDB TransactWriteItems is serialised and rolls back only the items it touches: moto deep-copies every
  table the transaction names before applying it, which is O(table size) per call and not thread safe
  ("dictionary changed size during iteration" while other requests write); DynamoDB's own semantics (all or
  nothing, conditions checked) are unchanged;
- with a time scale other than 1, Wait states and Retry intervals are shortened by that factor;
- moto's state is reset when the runtime starts and when it stops.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import moto.stepfunctions.models as sfn_models
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.config import default_user_config
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table as DynamoTable
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.models import StepFunctionsParserBackend, stepfunctions_parser_backends

from rsc_local.errors import LocalStackError
from rsc_local.functions import FunctionRegistry

log = logging.getLogger(__name__)

_active_lock = threading.Lock()
_active: MotoRuntime | None = None


class MotoRuntime:
    """Starts ThreadedMotoServer and installs the patches above; ``registry`` is set once functions exist."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, time_scale: float = 1.0) -> None:
        self.host = host
        self.requested_port = port
        self.time_scale = time_scale
        self.registry: FunctionRegistry | None = None
        self._server: ThreadedMotoServer | None = None
        self._port: int | None = None
        self._async_pool: ThreadPoolExecutor | None = None
        self._undo: list[Callable[[], None]] = []

    @property
    def port(self) -> int:
        if self._port is None:
            raise LocalStackError("moto is not running")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        global _active
        with _active_lock:
            if _active is not None:
                raise LocalStackError(
                    "a local stack is already running in this process (moto's state is process global)"
                )
            _active = self
        try:
            moto_api_backend.reset()  # a clean slate, whatever an earlier stack or mock left behind
            self._install()
            server = ThreadedMotoServer(ip_address=self.host, port=self.requested_port, verbose=False)
            server.start()
            self._server = server
            self._port = int(server.get_host_and_port()[1])
            self._set_env("MOTO_PORT", str(self._port))
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        global _active
        if self._server is not None:
            self._server.stop()
            self._server = None
            moto_api_backend.reset()
        if self._async_pool is not None:
            self._async_pool.shutdown(wait=True, cancel_futures=True)
            self._async_pool = None
        while self._undo:
            self._undo.pop()()
        self._port = None
        with _active_lock:
            if _active is self:
                _active = None

    def _install(self) -> None:
        config: dict[str, Any] = default_user_config  # type: ignore[assignment]  # a TypedDict in moto
        for service, settings in (
            ("stepfunctions", {"execute_state_machine": True}),
            ("lambda", {"use_docker": False}),
        ):
            previous = dict(config.get(service, {}))
            config[service] = {**previous, **settings}
            self._undo.append(functools.partial(config.__setitem__, service, previous))

        self._patch(sfn_models, "stepfunctions_backends", stepfunctions_parser_backends)
        self._patch(LambdaSimpleBackend, "invoke", _make_invoke(self))
        self._patch(StepFunctionsParserBackend, "start_execution", _make_start_execution())
        self._undo.append(patch_dynamodb_transactions())
        self._async_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="rsc-lambda-event")
        # Werkzeug logs every request moto serves at INFO; the handlers' own logs are what matters locally.
        werkzeug = logging.getLogger("werkzeug")
        level = werkzeug.level
        werkzeug.setLevel(logging.WARNING)
        self._undo.append(lambda: werkzeug.setLevel(level))
        # The ASL interpreter logs every task failure (even one a Retry/Catch handles) with the repr of the whole
        # state machine, tens of kilobytes per line; keep the error, shorten the repr.
        interpreter = logging.getLogger(_ASL_COMPONENT_LOGGER)
        interpreter.addFilter(_shorten_component_repr)
        self._undo.append(lambda: interpreter.removeFilter(_shorten_component_repr))

        if self.time_scale != 1:
            self._patch(WaitFunction, "_wait_interval", _make_scaled_wait(self.time_scale))
            self._patch(retrier_decl, "time", _ScaledTime(self.time_scale))

    def _patch(self, owner: Any, attribute: str, value: Any) -> None:
        original = owner.__dict__[attribute] if isinstance(owner, type) else getattr(owner, attribute)
        setattr(owner, attribute, value)
        self._undo.append(lambda: setattr(owner, attribute, original))

    def _set_env(self, name: str, value: str) -> None:
        previous = os.environ.get(name)
        os.environ[name] = value
        self._undo.append(lambda: _restore_env(name, previous))

    def submit_async(self, task: Callable[[], Any]) -> None:
        if self._async_pool is None:
            raise LocalStackError("moto is not running")
        self._async_pool.submit(task)


_ASL_COMPONENT_LOGGER = "moto.stepfunctions.parser.asl.component.eval_component"
_MAX_COMPONENT_REPR = 300


def _shorten_component_repr(record: logging.LogRecord) -> bool:
    if isinstance(record.args, tuple) and record.args:
        record.args = tuple(
            f"{arg[:_MAX_COMPONENT_REPR]}... ({len(arg)} characters)"
            if isinstance(arg, str) and len(arg) > _MAX_COMPONENT_REPR
            else arg
            for arg in record.args
        )
    return True


def _restore_env(name: str, previous: str | None) -> None:
    if previous is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = previous


def _make_invoke(runtime: MotoRuntime) -> Callable[..., str | bytes | None]:
    original = LambdaSimpleBackend.invoke

    def invoke(
        self: LambdaSimpleBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> str | bytes | None:
        registry = runtime.registry
        spec = registry.find(function_name) if registry is not None else None
        if registry is None or spec is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        text = body.decode() if isinstance(body, bytes) else (body or "")
        try:
            event = json.loads(text) if text else {}
        except ValueError:
            event = text
        invocation_type = (headers or {}).get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":

            def run_async() -> None:
                invocation = registry.invoke(spec.logical_id, event)
                if not invocation.ok:
                    log.error("async invocation of %s failed: %s", spec.logical_id, invocation.error_message)

            runtime.submit_async(run_async)
            return b""
        invocation = registry.invoke(spec.logical_id, event)
        if invocation.ok:
            return json.dumps(invocation.payload).encode()
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(invocation.error_payload()).encode()

    return invoke


def _make_start_execution() -> Callable[..., Any]:
    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: StepFunctionsParserBackend,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: Any = None,
        trace_header: Any = None,
    ) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)

    return start_execution


class _NoTableCopy:
    """Stands in for the `copy` module inside moto's transact_write_items: tables are not copied (the wrapper
    below snapshots the touched items instead); anything else is deep-copied as before."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, DynamoTable):
            return value
        return self._real.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


_TRANSACTION_LOCK = threading.RLock()


def patch_dynamodb_transactions() -> Callable[[], None]:
    """Make moto's DynamoDB writes atomic, as DynamoDB's are, and TransactWriteItems O(items touched); returns
    the undo.

    Also used by the in-process (mock_aws) test fixtures: moto's own rollback restores a whole-table copy
    taken before the transaction, which silently discards what concurrent requests wrote meanwhile; and moto
    checks a single write's condition and then writes without a lock, so two conditional updates of one item
    from two threads could both pass their condition (a rate budget's reservations, found by a test of forty
    at once). Every write now holds one lock shared with transactions.
    """
    originals = {name: DynamoDBBackend.__dict__[name] for name in (*_SINGLE_WRITES, "transact_write_items")}
    DynamoDBBackend.transact_write_items = _make_transact_write_items()  # type: ignore[method-assign]
    for name in _SINGLE_WRITES:
        setattr(DynamoDBBackend, name, _atomic(originals[name]))

    def undo() -> None:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)

    return undo


_SINGLE_WRITES = ("put_item", "update_item", "delete_item")


def _atomic(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _TRANSACTION_LOCK:
            return write(*args, **kwargs)

    return locked


def _make_transact_write_items() -> Callable[..., Any]:
    import copy as copy_module

    import moto.dynamodb.models as ddb_models

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Any:
        with _TRANSACTION_LOCK:
            snapshot: list[tuple[Any, Any, Any, Any]] = []
            for entry in transact_items:
                _, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName", ""))
                if table is None:
                    continue
                key = op.get("Key") or op.get("Item") or {}
                hash_value = DynamoType(key[table.hash_key_attr]) if table.hash_key_attr in key else None
                range_value = (
                    DynamoType(key[table.range_key_attr])
                    if table.range_key_attr and table.range_key_attr in key
                    else None
                )
                if hash_value is None:
                    continue
                current = table.get_item(hash_value, range_value)
                snapshot.append((table, hash_value, range_value, copy_module.deepcopy(current)))
            setattr(ddb_models, "copy", _NoTableCopy(copy_module))  # noqa: B010 - swap moto's module reference
            try:
                return original(self, transact_items)
            except Exception:
                for table, hash_value, range_value, item in reversed(snapshot):
                    if range_value is None:
                        table.items.pop(hash_value, None)
                        if item is not None:
                            table.items[hash_value] = item
                    else:
                        table.items[hash_value].pop(range_value, None)
                        if item is not None:
                            table.items[hash_value][range_value] = item
                raise
            finally:
                setattr(ddb_models, "copy", copy_module)  # noqa: B010

    return transact_write_items


def _make_scaled_wait(scale: float) -> Callable[[Any, Any, float], None]:
    def wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds / scale
        remaining = deadline - time.monotonic()
        while remaining > 0 and env.is_running():
            env.program_state_event.wait(remaining)
            remaining = deadline - time.monotonic()

    return wait_interval


class _ScaledTime:
    """Stands in for the ``time`` module inside moto's retrier: ``sleep`` is shortened, the rest delegates."""

    def __init__(self, scale: float, module: ModuleType = time) -> None:
        self._scale = scale
        self._module = module

    def sleep(self, seconds: float) -> None:
        self._module.sleep(seconds / self._scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)
