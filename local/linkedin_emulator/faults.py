"""Injected latency and faults, drawn from a seeded RNG so that a run reproduces.

Each API request whose path starts with one of the configured prefixes draws exactly two numbers, under a lock:
one picks the fault (by the cumulative ``rates``, in ``FAULT_KINDS`` order), one the latency jitter. The n-th
eligible request therefore always gets the same decision for the same seed; with concurrent callers, which
request is the n-th depends on scheduling.

Faults other than ``applyThenFail`` / ``applyThenDrop`` are injected before the request is looked at: a faulted
call changes nothing (it is not authenticated, counted or applied). ``applyThenFail`` / ``applyThenDrop`` apply
the request normally and then answer 500 / close the connection: the case that tests a client's idempotency.
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.linkedin import assumptions as A

from .wire import ApiError, Response

FAULT_429 = "429"
FAULT_500 = "500"
FAULT_504 = "504"
FAULT_SLOW = "slow"
FAULT_DROP = "drop"
FAULT_APPLY_THEN_FAIL = "applyThenFail"
FAULT_APPLY_THEN_DROP = "applyThenDrop"
FAULT_KINDS = (
    FAULT_429,
    FAULT_500,
    FAULT_504,
    FAULT_SLOW,
    FAULT_DROP,
    FAULT_APPLY_THEN_FAIL,
    FAULT_APPLY_THEN_DROP,
)
BEFORE_APPLY = frozenset({FAULT_429, FAULT_500, FAULT_504, FAULT_DROP})
AFTER_APPLY = frozenset({FAULT_APPLY_THEN_FAIL, FAULT_APPLY_THEN_DROP})
DEFAULT_PATHS = ("/v2/",)
DEFAULT_SLOW_MS = 3000.0
INJECTED_RETRY_AFTER_SECONDS = 1
SETTINGS_FIELDS = frozenset({"seed", "latencyMs", "latencyJitterMs", "rates", "slowMs", "paths"})


@dataclass(frozen=True)
class FaultSettings:
    seed: int | None = None
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)
    slow_ms: float = DEFAULT_SLOW_MS
    paths: tuple[str, ...] = DEFAULT_PATHS

    @property
    def active(self) -> bool:
        return self.latency_ms > 0 or self.latency_jitter_ms > 0 or any(rate > 0 for rate in self.rates.values())

    def view(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "latencyMs": self.latency_ms,
            "latencyJitterMs": self.latency_jitter_ms,
            "rates": {kind: self.rates.get(kind, 0.0) for kind in FAULT_KINDS},
            "slowMs": self.slow_ms,
            "paths": list(self.paths),
        }


def parse_settings(body: dict[str, Any]) -> FaultSettings:
    """``{"seed", "latencyMs", "latencyJitterMs", "rates": {kind: p}, "slowMs", "paths"}``; omitted -> default."""
    unknown = sorted(set(body) - SETTINGS_FIELDS)
    if unknown:
        raise ApiError(
            400, f'Unknown field "{unknown[0]}" in fault settings; allowed: {", ".join(sorted(SETTINGS_FIELDS))}'
        )
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ApiError(400, '"seed" must be an integer or null')
    numbers = {}
    for name, default in (("latencyMs", 0.0), ("latencyJitterMs", 0.0), ("slowMs", DEFAULT_SLOW_MS)):
        value = body.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ApiError(400, f'"{name}" must be a non-negative number')
        numbers[name] = float(value)
    rates_raw = body.get("rates", {})
    if not isinstance(rates_raw, dict):
        raise ApiError(400, '"rates" must be an object of fault kind -> probability')
    rates: dict[str, float] = {}
    for kind, rate in rates_raw.items():
        if kind not in FAULT_KINDS:
            raise ApiError(400, f'Unknown fault kind "{kind}"; known: {", ".join(FAULT_KINDS)}')
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ApiError(400, f'The rate of "{kind}" must be a number from 0 to 1')
        rates[kind] = float(rate)
    if sum(rates.values()) > 1:
        raise ApiError(400, "The fault rates add up to more than 1")
    paths = body.get("paths", list(DEFAULT_PATHS))
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
        raise ApiError(400, '"paths" must be a non-empty array of path prefixes starting with "/"')
    return FaultSettings(
        seed=seed,
        latency_ms=numbers["latencyMs"],
        latency_jitter_ms=numbers["latencyJitterMs"],
        rates=rates,
        slow_ms=numbers["slowMs"],
        paths=tuple(paths),
    )


@dataclass(frozen=True)
class Fault:
    """The decision for one request: a fault kind (or None) and how long to wait before answering."""

    kind: str | None
    delay_seconds: float


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.settings = FaultSettings()
        self._rng = random.Random()
        self.decisions = 0
        self.counts: dict[str, int] = {}
        self.by_app: dict[str, dict[str, int]] = {}
        self.configure(FaultSettings())

    def configure(self, settings: FaultSettings) -> dict[str, Any]:
        """Replace the settings, reseed the RNG and zero the counters."""
        with self._lock:
            self.settings = settings
            self._rng = random.Random(settings.seed)
            self.decisions = 0
            self.counts = dict.fromkeys(FAULT_KINDS, 0)
            self.by_app = {}
        return self.view()

    def decide(self, path: str, client_id: str | None) -> Fault | None:
        """The fault and latency for a request to ``path`` (None: the injector is off or the path is not chosen)."""
        settings = self.settings
        if not settings.active or not path.startswith(settings.paths):
            return None
        with self._lock:
            pick, jitter = self._rng.random(), self._rng.random()
            self.decisions += 1
            kind: str | None = None
            threshold = 0.0
            for candidate in FAULT_KINDS:
                threshold += settings.rates.get(candidate, 0.0)
                if pick < threshold:
                    kind = candidate
                    break
            if kind is not None:
                self.counts[kind] += 1
                if client_id is not None:
                    mine = self.by_app.setdefault(client_id, {})
                    mine[kind] = mine.get(kind, 0) + 1
        delay_ms = max(0.0, settings.latency_ms + (2 * jitter - 1) * settings.latency_jitter_ms)
        if kind == FAULT_SLOW:
            delay_ms += settings.slow_ms
        return Fault(kind, delay_ms / 1000)

    def view(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.settings.view(),
                "decisions": self.decisions,
                "injected": dict(self.counts),
                "byApp": {client: dict(kinds) for client, kinds in self.by_app.items()},
            }


def fault_response(kind: str) -> Response:
    """The reply of an injected fault (drops carry no reply at all)."""
    if kind in (FAULT_DROP, FAULT_APPLY_THEN_DROP):
        return Response(0, drop=True)
    if kind == FAULT_429:
        return ApiError(
            A.THROTTLE_STATUS,
            "Resource level throttle limit for calls to this resource is reached.",
            A.THROTTLE_SERVICE_ERROR_CODE,
            {A.RETRY_AFTER_HEADER: str(INJECTED_RETRY_AFTER_SECONDS)},
        ).to_response()
    if kind == FAULT_504:
        return ApiError(504, "Gateway Timeout", None, {"X-LI-UUID": str(uuid.uuid4())}).to_response()
    return ApiError(500, "Internal Server Error", None, {"X-LI-UUID": str(uuid.uuid4())}).to_response()
