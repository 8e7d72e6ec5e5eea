"""The fake ATS's request handling, independent of the HTTP server: the export API and the control API."""

from __future__ import annotations

import dataclasses
import hmac
import json
import random
import re
import sys
import threading
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from . import cursor
from .generator import REASONS, dataset, record_index
from .layout import h
from .spec import RESOURCES, DatasetSpec, SpecError

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_ACCOUNT_ID = 128
MAX_BODY = 1 << 20
FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})

    @classmethod
    def error(cls, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
        return cls.json(status, {"error": {"code": code, "message": message}}, headers)


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.response = Response.error(status, code, message, headers)


@dataclass
class Faults:
    """Injected trouble on the export API: a share of valid requests answered with one of ``statuses``
    (429 and 503 carry ``Retry-After: retry_after``), and a delay before every export response."""

    rate: float = 0.0
    statuses: tuple[int, ...] = (500, 503, 429)
    latency_ms: int = 0
    retry_after: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "statuses": list(self.statuses),
            "latencyMs": self.latency_ms,
            "retryAfter": self.retry_after,
        }

    def updated(self, body: Mapping[str, Any]) -> Faults:
        """A copy with the fields present in ``body`` (camelCase or snake_case) replaced, checked."""
        names = {"rate": "rate", "statuses": "statuses", "latencyMs": "latency_ms", "latency_ms": "latency_ms"}
        names |= {"retryAfter": "retry_after", "retry_after": "retry_after"}
        unknown = sorted(set(body) - set(names))
        if unknown:
            raise HttpError(400, "INVALID_FAULTS", f"unknown fault setting(s): {', '.join(unknown)}")
        values = {names[key]: value for key, value in body.items()}
        result = dataclasses.replace(self)
        if "rate" in values:
            rate = values["rate"]
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
                raise HttpError(400, "INVALID_FAULTS", "rate must be a number in 0..1")
            result.rate = float(rate)
        if "statuses" in values:
            statuses = values["statuses"]
            if (
                not isinstance(statuses, list)
                or not statuses
                or not all(isinstance(s, int) and not isinstance(s, bool) and s in FAULT_STATUSES for s in statuses)
            ):
                allowed = ", ".join(str(s) for s in sorted(FAULT_STATUSES))
                raise HttpError(400, "INVALID_FAULTS", f"statuses must be a non-empty list of {allowed}")
            result.statuses = tuple(statuses)
        if "latency_ms" in values:
            latency = values["latency_ms"]
            if isinstance(latency, bool) or not isinstance(latency, int) or not 0 <= latency <= 60_000:
                raise HttpError(400, "INVALID_FAULTS", "latencyMs must be an integer in 0..60000")
            result.latency_ms = latency
        if "retry_after" in values:
            retry_after = values["retry_after"]
            if isinstance(retry_after, bool) or not isinstance(retry_after, int) or not 0 <= retry_after <= 3600:
                raise HttpError(400, "INVALID_FAULTS", "retryAfter must be an integer number of seconds in 0..3600")
            result.retry_after = retry_after
        return result


class Stats:
    """Counters of the export API (the control API is not counted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.faults = 0
        self.records_served = 0
        self.by_status: Counter[int] = Counter()
        self.faults_by_status: Counter[int] = Counter()
        self.by_resource: Counter[str] = Counter()

    def count(self, status: int, resource: str | None, records: int = 0, fault: bool = False) -> None:
        with self._lock:
            self.requests += 1
            self.by_status[status] += 1
            self.records_served += records
            if resource is not None:
                self.by_resource[resource] += 1
            if fault:
                self.faults += 1
                self.faults_by_status[status] += 1

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "faults": self.faults,
                "recordsServed": self.records_served,
                "byStatus": {str(k): v for k, v in sorted(self.by_status.items())},
                "faultsByStatus": {str(k): v for k, v in sorted(self.faults_by_status.items())},
                "byResource": dict(sorted(self.by_resource.items())),
            }


def spec_from(value: DatasetSpec | Mapping[str, Any]) -> DatasetSpec:
    return value if isinstance(value, DatasetSpec) else DatasetSpec.from_dict(value)


def summary(account_id: str, spec: DatasetSpec) -> dict[str, Any]:
    """What ``GET /_control/accounts/{accountId}`` returns."""
    generator = dataset(spec)
    return {
        "accountId": account_id,
        "spec": spec.to_dict(),
        "company": generator.company,
        "emailDomain": generator.domain,
        "counts": dict(generator.counts),
        "expectedRejections": dict(generator.invalid_counts),
        "totalRecords": spec.total_records(),
    }


_EXPORT = re.compile(r"^/accounts/(?P<account>[^/]+)/(?P<resource>[^/]+)/?$")
_USER = re.compile(r"^/accounts/(?P<account>[^/]+)/users/(?P<user>[^/]+)/?$")
_CONTROL_ACCOUNT = re.compile(r"^/_control/accounts/(?P<account>[^/]+)(?P<sub>/rejections|/seats)?/?$")


class FakeAtsApp:
    """Turns (method, path, query, headers, body) into a Response. Thread-safe."""

    def __init__(
        self,
        token: str,
        datasets: Mapping[str, DatasetSpec | Mapping[str, Any]] | None = None,
        *,
        faults: Faults | None = None,
        seed: int = 0,
        default_dataset: DatasetSpec | Mapping[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise ValueError("token must not be empty")
        self.token = token
        self.seed = seed
        self._initial_datasets = {_account(a): spec_from(s) for a, s in (datasets or {}).items()}
        self._initial_faults = faults or Faults()
        self.default_dataset = spec_from(default_dataset) if default_dataset is not None else None
        self._sleep = sleep
        self._lock = threading.Lock()
        self.datasets: dict[str, DatasetSpec] = dict(self._initial_datasets)
        self.faults = self._initial_faults
        self.stats = Stats()
        self._fault_rng = random.Random(seed)

    # -- state ----------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the constructor's datasets and faults, counters at zero, fault sequence restarted."""
        with self._lock:
            self.datasets = dict(self._initial_datasets)
            self.faults = self._initial_faults
            self.stats = Stats()
            self._fault_rng = random.Random(self.seed)

    def put_dataset(self, account_id: str, spec: DatasetSpec | Mapping[str, Any]) -> DatasetSpec:
        resolved = spec_from(spec)
        with self._lock:
            self.datasets[_account(account_id)] = resolved
        return resolved

    def remove_dataset(self, account_id: str) -> bool:
        with self._lock:
            return self.datasets.pop(account_id, None) is not None

    def dataset_for(self, account_id: str) -> DatasetSpec | None:
        """The account's spec: registered, else derived from ``default_dataset`` (its seed mixed with the
        account id, so accounts differ), else None (unknown account)."""
        with self._lock:
            spec = self.datasets.get(account_id)
        if spec is None and self.default_dataset is not None:
            seed = h(self.default_dataset.seed, zlib.crc32(account_id.encode()), len(account_id)) % (2**63)
            spec = dataclasses.replace(self.default_dataset, seed=seed)
        return spec

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults

    # -- dispatch -------------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Response:
        try:
            if path.startswith("/_control/"):
                return self._control(method, path, query, body)
            match = _EXPORT.match(path)
            if match is None:
                user = _USER.match(path)
                if user is not None:
                    return self._export(method, user, query, headers)
                raise HttpError(404, "NOT_FOUND", f"no resource at {path}")
            return self._export(method, match, query, headers)
        except HttpError as error:
            return error.response
        except Exception as error:  # a bug in the fake: say so, loudly, as JSON
            traceback.print_exc(file=sys.stderr)
            return Response.error(500, "FAKE_ATS_BUG", f"internal fake ATS error: {type(error).__name__}")

    def _export(self, method: str, match: re.Match[str], query: str, headers: Mapping[str, str]) -> Response:
        one_user = "user" in match.groupdict()
        resource = "users" if one_user else unquote(match["resource"])
        known = resource if resource in RESOURCES else None
        try:
            if one_user:
                response, records, fault = self._export_user(method, match, query, headers)
            else:
                response, records, fault = self._export_page(method, match, resource, query, headers)
        except HttpError as error:
            self.stats.count(error.response.status, known)
            return error.response
        self.stats.count(response.status, known, records, fault=fault)
        return response

    def _export_page(
        self, method: str, match: re.Match[str], resource: str, query: str, headers: Mapping[str, str]
    ) -> tuple[Response, int, bool]:
        """The page, how many records it holds, and whether it is an injected fault."""
        if method not in ("GET", "HEAD"):
            raise HttpError(405, "METHOD_NOT_ALLOWED", "the export API is read-only: use GET", {"Allow": "GET"})
        self._authenticate(headers)
        account_id = unquote(match["account"])
        spec = self.dataset_for(account_id)
        if spec is None:
            raise HttpError(404, "UNKNOWN_ACCOUNT", "no such account")
        if resource not in RESOURCES:
            raise HttpError(404, "UNKNOWN_RESOURCE", f"unknown resource; expected one of {', '.join(RESOURCES)}")
        params = _query(query)
        limit = _limit(params.get("limit"))
        generator = dataset(spec)
        total = generator.counts[resource]
        offset = 0
        if params.get("cursor"):
            try:
                offset = cursor.decode(params["cursor"], generator.fingerprint, account_id, resource)
            except cursor.CursorError as exc:
                raise HttpError(400, "INVALID_CURSOR", str(exc)) from None
            if offset > total:
                raise HttpError(400, "INVALID_CURSOR", "cursor points past the end of the resource")
        faults = self.faults
        if faults.latency_ms:
            self._sleep(faults.latency_ms / 1000)
        fault = self._draw_fault(faults)
        if fault is not None:
            return fault, 0, True
        items = generator.slice(resource, offset, limit)
        end = offset + len(items)
        next_cursor = cursor.encode(generator.fingerprint, account_id, resource, end) if end < total else None
        page = {"items": items, "next_cursor": next_cursor, "total_estimate": total}
        return Response.json(200, page), len(items), False

    def _export_user(
        self, method: str, match: re.Match[str], query: str, headers: Mapping[str, str]
    ) -> tuple[Response, int, bool]:
        """``GET /accounts/{accountId}/users/{userId}``: the one user record the list serves, or 404 UNKNOWN_USER."""
        if method not in ("GET", "HEAD"):
            raise HttpError(405, "METHOD_NOT_ALLOWED", "the export API is read-only: use GET", {"Allow": "GET"})
        self._authenticate(headers)
        spec = self.dataset_for(unquote(match["account"]))
        if spec is None:
            raise HttpError(404, "UNKNOWN_ACCOUNT", "no such account")
        _query(query, allowed=())
        generator = dataset(spec)
        try:
            index = record_index("users", unquote(match["user"]))
        except ValueError:
            index = -1
        if not 0 <= index < generator.counts["users"]:
            raise HttpError(404, "UNKNOWN_USER", "no such user")
        faults = self.faults
        if faults.latency_ms:
            self._sleep(faults.latency_ms / 1000)
        fault = self._draw_fault(faults)
        if fault is not None:
            return fault, 0, True
        return Response.json(200, generator.record("users", index)), 1, False

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, credential = value.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(credential.strip().encode(), self.token.encode()):
            raise HttpError(
                401,
                "UNAUTHENTICATED",
                "missing or invalid bearer token",
                {"WWW-Authenticate": 'Bearer realm="ats-export"'},
            )

    def _draw_fault(self, faults: Faults) -> Response | None:
        if faults.rate <= 0:
            return None
        with self._lock:
            if self._fault_rng.random() >= faults.rate:
                return None
            status = self._fault_rng.choice(faults.statuses)
        headers = {"Retry-After": str(faults.retry_after)} if status in (429, 503) else {}
        code = "RATE_LIMITED" if status == 429 else "INJECTED_FAULT"
        return Response.error(status, code, f"injected fault (HTTP {status})", headers)

    # -- control API ----------------------------------------------------------------------------------------

    def _control(self, method: str, path: str, query: str, body: bytes) -> Response:
        if path == "/_control/accounts":
            _allow(method, ("GET",))
            with self._lock:
                accounts = dict(self.datasets)
            return Response.json(200, {"accounts": [summary(a, s) for a, s in sorted(accounts.items())]})
        match = _CONTROL_ACCOUNT.match(path)
        if match is not None:
            return self._control_account(method, unquote(match["account"]), match["sub"], query, body)
        if path == "/_control/faults":
            _allow(method, ("GET", "POST"))
            if method == "POST":
                self.set_faults(self.faults.updated(_json_object(body)))
            return Response.json(200, self.faults.to_json())
        if path == "/_control/stats":
            _allow(method, ("GET",))
            return Response.json(200, self.stats.to_json())
        if path == "/_control/reset":
            _allow(method, ("POST",))
            self.reset()
            return Response(204)
        raise HttpError(404, "NOT_FOUND", f"no control resource at {path}")

    def _control_account(self, method: str, account_id: str, sub: str | None, query: str, body: bytes) -> Response:
        if sub is None:
            _allow(method, ("GET", "POST", "DELETE"))
            if method == "POST":
                try:
                    created = self.put_dataset(account_id, _json_object(body))
                except SpecError as exc:
                    raise HttpError(400, "INVALID_DATASET", str(exc)) from None
                return Response.json(200, summary(account_id, created))
            if method == "DELETE":
                if not self.remove_dataset(account_id):
                    raise HttpError(404, "UNKNOWN_ACCOUNT", "no such account")
                return Response(204)
        else:
            _allow(method, ("GET",))
        spec = self.dataset_for(account_id)
        if spec is None:
            raise HttpError(404, "UNKNOWN_ACCOUNT", "no such account")
        if sub is None:
            return Response.json(200, summary(account_id, spec))
        generator = dataset(spec)
        if sub == "/seats":
            seats = [dataclasses.asdict(seat) for seat in generator.seat_holders]
            users = [dataclasses.asdict(user) for user in generator.user_profiles]
            return Response.json(200, {"seatHolders": seats, "users": users})
        wanted = _query(query, allowed=("resource",)).get("resource")
        if wanted is not None and wanted not in RESOURCES:
            raise HttpError(400, "INVALID_PARAMETER", "unknown resource")
        rejections = [
            {"resource": r.resource, "index": r.index, "id": r.id, "reason": r.reason, "detail": REASONS[r.reason]}
            for r in generator.expected_rejections()
            if wanted is None or r.resource == wanted
        ]
        return Response.json(200, {"rejections": rejections})


def _account(account_id: str) -> str:
    if not isinstance(account_id, str) or not account_id or len(account_id) > MAX_ACCOUNT_ID:
        raise SpecError(f"an account id is a non-empty string of at most {MAX_ACCOUNT_ID} characters")
    return account_id


def _allow(method: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if method not in allowed:
        raise HttpError(405, "METHOD_NOT_ALLOWED", f"use {' or '.join(allowed)}", {"Allow": ", ".join(allowed)})


def _query(query: str, allowed: tuple[str, ...] = ("cursor", "limit")) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise HttpError(400, "INVALID_QUERY", "malformed query string") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            raise HttpError(
                400, "UNKNOWN_PARAMETER", f"unknown query parameter {name!r}; allowed: {', '.join(allowed) or 'none'}"
            )
        if name in params:
            raise HttpError(400, "DUPLICATE_PARAMETER", f"query parameter {name!r} given more than once")
        params[name] = value
    return params


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise HttpError(400, "INVALID_LIMIT", f"limit must be an integer in 1..{MAX_LIMIT}")
    return int(value)


def _json_object(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY:
        raise HttpError(413, "BODY_TOO_LARGE", "request body too large")
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "INVALID_JSON", "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise HttpError(400, "INVALID_JSON", "the body must be a JSON object")
    return payload
