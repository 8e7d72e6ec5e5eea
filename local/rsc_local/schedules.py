"""The template's schedules (SAM ``Schedule`` -> ``AWS::Events::Rule``, ``ScheduleV2`` -> ``AWS::Scheduler::Schedule``).

moto never fires EventBridge schedules, so :meth:`Schedules.fire` delivers one occurrence on demand and
:class:`Scheduler` fires them in the background on a clock that runs ``time_scale`` times faster than real time
(``rate(5 minutes)`` with a scale of 60 fires every 5 s). Targets: Lambda functions (invoked synchronously by
``fire``, like a test would want; the background scheduler invokes on a worker pool, without EventBridge's
asynchronous-invocation retries), Step Functions state machines and SQS queues.

The payload is the rule's ``Input`` when set, else the EventBridge "Scheduled Event" (rules), or ``{}``
(EventBridge Scheduler without ``Input``). ``InputPath`` supports ``$`` and dotted paths; ``InputTransformer`` is not
supported.
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rsc_local.errors import LocalStackError, TemplateError
from rsc_local.intrinsics import ACCOUNT_ID

log = logging.getLogger(__name__)

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


@dataclass(frozen=True)
class Schedule:
    """One schedule target: ``name`` is the rule's logical id (``Rule.TargetId`` if the rule has several targets)."""

    name: str
    expression: str
    target_kind: str
    """``lambda``, ``states`` or ``sqs``."""
    target: str
    """Function ARN, state machine ARN or queue URL."""
    rule_arn: str
    enabled: bool = True
    input: str | None = None
    input_path: str | None = None
    scheduled_event: bool = True
    """False for EventBridge Scheduler, which sends ``{}`` rather than a Scheduled Event without Input."""
    timezone: str = "UTC"

    def payload(self, region: str, at: datetime) -> Any:
        if self.input is not None:
            return json.loads(self.input)
        if not self.scheduled_event:
            return {}
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": [self.rule_arn],
            "detail": {},
        }
        if self.input_path:
            return _json_path(event, self.input_path)
        return event


def _json_path(document: Any, path: str) -> Any:
    if path == "$":
        return document
    if not path.startswith("$."):
        raise TemplateError(f"InputPath {path!r} is not supported locally (use $ or $.a.b)")
    for part in path[2:].split("."):
        document = document.get(part) if isinstance(document, dict) else None
    return document


def schedules_from_template(
    rules: Mapping[str, Mapping[str, Any]],
    scheduler_schedules: Mapping[str, Mapping[str, Any]],
    resolve: Callable[[Any], Any],
    rule_arn: Callable[[str], str],
    queue_url_for_arn: Callable[[str], str],
) -> dict[str, Schedule]:
    """Schedules by name, from ``AWS::Events::Rule`` resources with a ScheduleExpression and from
    ``AWS::Scheduler::Schedule`` resources."""
    found: dict[str, Schedule] = {}
    for logical_id, resource in rules.items():
        properties = resolve(resource.get("Properties", {})) or {}
        if "ScheduleExpression" not in properties:
            continue
        targets = properties.get("Targets") or []
        for target in targets:
            if "InputTransformer" in target:
                raise TemplateError(f"{logical_id}: InputTransformer is not supported locally")
            name = logical_id if len(targets) == 1 else f"{logical_id}.{target['Id']}"
            kind, address = _target(name, str(target["Arn"]), queue_url_for_arn)
            found[name] = Schedule(
                name=name,
                expression=str(properties["ScheduleExpression"]),
                target_kind=kind,
                target=address,
                rule_arn=rule_arn(logical_id),
                enabled=str(properties.get("State", "ENABLED")).upper() == "ENABLED",
                input=target.get("Input"),
                input_path=target.get("InputPath"),
            )
    for logical_id, resource in scheduler_schedules.items():
        properties = resolve(resource.get("Properties", {})) or {}
        target = properties.get("Target") or {}
        kind, address = _target(logical_id, str(target.get("Arn", "")), queue_url_for_arn)
        name = str(properties.get("Name", logical_id))
        found[logical_id] = Schedule(
            name=logical_id,
            expression=str(properties["ScheduleExpression"]),
            target_kind=kind,
            target=address,
            rule_arn=f"arn:aws:scheduler:{ACCOUNT_ID}:schedule/default/{name}",
            enabled=str(properties.get("State", "ENABLED")).upper() == "ENABLED",
            input=target.get("Input"),
            scheduled_event=False,
            timezone=str(properties.get("ScheduleExpressionTimezone", "UTC")),
        )
    for schedule in found.values():
        next_fire(schedule.expression, datetime.now(UTC), schedule.timezone)  # validate the expression
    return found


def _target(name: str, arn: str, queue_url_for_arn: Callable[[str], str]) -> tuple[str, str]:
    if ":lambda:" in arn and ":function:" in arn:
        return "lambda", arn
    if arn.startswith("arn:aws:states:") and ":stateMachine:" in arn:
        return "states", arn
    if arn.startswith("arn:aws:sqs:"):
        return "sqs", queue_url_for_arn(arn)
    raise TemplateError(f"{name}: schedule target {arn!r} is not emulated locally (Lambda, Step Functions, SQS are)")


def next_fire(expression: str, after: datetime, timezone: str = "UTC") -> datetime:
    """The first occurrence strictly after ``after`` (rate: one period later)."""
    rate = _RATE.fullmatch(expression.strip())
    if rate:
        unit = rate.group(2).rstrip("s")
        return after + timedelta(seconds=int(rate.group(1)) * _UNITS[unit])
    if expression.startswith("cron(") and expression.endswith(")"):
        return CronExpression(expression[5:-1]).next_after(after, ZoneInfo(timezone))
    if expression.startswith("at(") and expression.endswith(")"):
        moment = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=ZoneInfo(timezone))
        return moment if moment > after else datetime.max.replace(tzinfo=UTC)
    raise TemplateError(f"unsupported schedule expression {expression!r}")


class CronExpression:
    """EventBridge cron: minutes hours day-of-month month day-of-week year, with ``? L W #`` (1 = Sunday)."""

    def __init__(self, text: str) -> None:
        fields = text.split()
        if len(fields) != 6:
            raise TemplateError(f"cron({text}) needs 6 fields")
        self.text = text
        self.minutes = _values(fields[0], 0, 59, {})
        self.hours = _values(fields[1], 0, 23, {})
        self.day_of_month = fields[2].upper()
        self.months = _values(fields[3], 1, 12, _MONTHS)
        self.day_of_week = fields[4].upper()
        self.years = _values(fields[5], 1970, 2199, {})
        if (self.day_of_month == "?") == (self.day_of_week == "?"):
            raise TemplateError(f"cron({text}): exactly one of day-of-month and day-of-week must be '?'")
        self._dom = (
            None
            if self.day_of_month in ("?", "L", "LW") or "W" in self.day_of_month
            else _values(self.day_of_month, 1, 31, {})
        )
        self._dow = (
            None
            if self.day_of_week == "?" or "L" in self.day_of_week or "#" in self.day_of_week
            else _values(self.day_of_week, 1, 7, _DAYS)
        )

    def next_after(self, after: datetime, zone: ZoneInfo) -> datetime:
        local = after.astimezone(zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = local.date()
        for _ in range(366 * 5):
            if day.year in self.years and day.month in self.months and self._day_matches(day.year, day.month, day.day):
                start = (local.hour, local.minute) if day == local.date() else (0, 0)
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        if (hour, minute) >= start:
                            return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
            day += timedelta(days=1)
        raise TemplateError(f"cron({self.text}) never fires in the next five years")

    def _day_matches(self, year: int, month: int, day: int) -> bool:
        last = calendar.monthrange(year, month)[1]
        weekday = (calendar.weekday(year, month, day) + 1) % 7 + 1  # Monday=0 -> 2 ... Sunday=6 -> 1
        if self.day_of_month != "?":
            spec = self.day_of_month
            if spec == "L":
                return day == last
            if spec == "LW":
                return day == _nearest_weekday(year, month, last, last)
            if spec.endswith("W"):
                return day == _nearest_weekday(year, month, min(int(spec[:-1]), last), last)
            return self._dom is not None and day in self._dom
        spec = self.day_of_week
        if "#" in spec:
            weekday_name, nth = spec.split("#")
            target = _DAYS.get(weekday_name) or int(weekday_name)
            return weekday == target and (day - 1) // 7 + 1 == int(nth)
        if spec.endswith("L"):
            target = _DAYS.get(spec[:-1]) or int(spec[:-1] or 7)
            return weekday == target and day + 7 > last
        return self._dow is not None and weekday in self._dow


def _nearest_weekday(year: int, month: int, day: int, last: int) -> int:
    weekday = calendar.weekday(year, month, day)
    if weekday == 5:  # Saturday -> Friday, unless that leaves the month
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday -> Monday, unless that leaves the month
        return day + 1 if day < last else day - 2
    return day


def _values(spec: str, low: int, high: int, names: Mapping[str, int]) -> set[int]:
    values: set[int] = set()
    for part in spec.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            first, second = part.split("-")
            start, end = _number(first, names), _number(second, names)
        else:
            start = _number(part, names)
            end = high if step != 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise TemplateError(f"cron field {spec!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _number(text: str, names: Mapping[str, int]) -> int:
    return names[text] if text in names else int(text)


@dataclass
class FireResult:
    schedule: str
    at: datetime
    ok: bool
    result: Any = None
    error: str | None = None


class Schedules:
    """Delivers schedule occurrences to their targets."""

    def __init__(
        self,
        schedules: Mapping[str, Schedule],
        *,
        region: str,
        invoke_function: Callable[[str, Any], Any],
        clients: Callable[[str], Any],
        function_logical_id: Callable[[str], str | None],
    ) -> None:
        self.schedules = dict(schedules)
        self._region = region
        self._invoke_function = invoke_function
        self._clients = clients
        self._function_logical_id = function_logical_id
        self._history: list[FireResult] = []
        self._lock = threading.Lock()

    def resolve_name(self, name: str) -> Schedule:
        """A schedule by its name, or by the logical id of a function that has exactly one schedule."""
        if name in self.schedules:
            return self.schedules[name]
        owned = [
            s
            for s in self.schedules.values()
            if s.target_kind == "lambda" and self._function_logical_id(s.target) == name
        ]
        if len(owned) == 1:
            return owned[0]
        if owned:
            raise LocalStackError(f"{name} has several schedules; name one of {sorted(s.name for s in owned)}")
        raise LocalStackError(f"no schedule {name!r} (known: {sorted(self.schedules)})")

    def fire(self, name: str, at: datetime | None = None) -> FireResult:
        schedule = self.resolve_name(name)
        moment = at or datetime.now(UTC)
        payload = schedule.payload(self._region, moment)
        try:
            if schedule.target_kind == "lambda":
                result = self._invoke_function(schedule.target, payload)
            elif schedule.target_kind == "states":
                result = self._clients("stepfunctions").start_execution(
                    stateMachineArn=schedule.target, input=json.dumps(payload)
                )["executionArn"]
            else:
                result = self._clients("sqs").send_message(QueueUrl=schedule.target, MessageBody=json.dumps(payload))[
                    "MessageId"
                ]
            outcome = FireResult(schedule.name, moment, True, result)
        except Exception as exc:
            outcome = FireResult(schedule.name, moment, False, error=f"{type(exc).__name__}: {exc}")
        with self._lock:
            self._history.append(outcome)
        return outcome

    def history(self) -> list[FireResult]:
        with self._lock:
            return list(self._history)


class Scheduler:
    """Fires enabled schedules in the background on a clock running ``time_scale`` times faster than real time."""

    def __init__(self, schedules: Schedules, *, time_scale: float = 1.0, max_workers: int = 4) -> None:
        self._schedules = schedules
        self._scale = time_scale
        self._max_workers = max_workers
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._pool = ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="rsc-schedule")
        self._thread = threading.Thread(target=self._run, name="rsc-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        real_start, simulated_start = time.monotonic(), datetime.now(UTC)

        def now() -> datetime:
            return simulated_start + timedelta(seconds=(time.monotonic() - real_start) * self._scale)

        due = {
            s.name: next_fire(s.expression, simulated_start, s.timezone)
            for s in self._schedules.schedules.values()
            if s.enabled
        }
        while due and not self._stop.is_set():
            name, moment = min(due.items(), key=lambda item: item[1])
            delay = (moment - now()).total_seconds() / self._scale
            if delay > 0 and self._stop.wait(min(delay, 1.0)):
                break
            if delay > 1.0:
                continue
            assert self._pool is not None
            self._pool.submit(self._fire, name, moment)
            schedule = self._schedules.schedules[name]
            following = next_fire(schedule.expression, moment, schedule.timezone)
            while following <= now():  # the loop fell behind the (scaled) clock: skip, do not burst
                log.warning("schedule %s skipped its %s occurrence", name, following.isoformat())
                following = next_fire(schedule.expression, following, schedule.timezone)
            due[name] = following

    def _fire(self, name: str, moment: datetime) -> None:
        outcome = self._schedules.fire(name, at=moment)
        if not outcome.ok:
            log.error("schedule %s failed: %s", name, outcome.error)
