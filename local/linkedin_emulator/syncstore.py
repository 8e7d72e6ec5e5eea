"""What the customers' ATSs synced (jobs, candidates, applications and their children), per organization, plus
the asynchronous job tasks and the per-application sync throttles.

Everything here is guarded by the emulator state's lock (``EmulatorState.lock``, re-entrant); handlers hold it
around the check-throttle-apply sequence of a call so that a batch is applied whole or not at all. Every
operation is O(size of the batch): no scans over the stored data, except in the control API's dumps.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rsc_connector.linkedin import assumptions as A

from .clock import Clock

# Rate-limit families of the sync resources (linkedin-rsc-api.md 5.4: each sync page states its own limits).
JOBS = "simpleJobPostings"
JOB_TASKS = "simpleJobPostingTasks"
CANDIDATES = "atsCandidates"
CANDIDATE_NOTES = "atsCandidateNotes"
APPLICATIONS = "atsApplications"
APPLICATION_NOTES = "atsApplicationNotes"
APPLICATION_STAGES = "atsApplicationStages"
APPLICATION_FEEDBACK = "atsApplicationInterviewFeedback"
SYNC_FAMILIES = frozenset(
    {
        JOBS,
        JOB_TASKS,
        CANDIDATES,
        CANDIDATE_NOTES,
        APPLICATIONS,
        APPLICATION_NOTES,
        APPLICATION_STAGES,
        APPLICATION_FEEDBACK,
    }
)

# Application sub-resources (path suffix) and the dump's name for them.
NOTES = "notes"
STAGES = "stages"
INTERVIEW_FEEDBACK = "interviewFeedback"
APPLICATION_CHILDREN = (NOTES, STAGES, INTERVIEW_FEEDBACK)
APPLICATION_CHILD_DUMP_NAMES = {
    NOTES: "applicationNotes",
    STAGES: "applicationStages",
    INTERVIEW_FEEDBACK: "applicationInterviewFeedback",
}

JOB_TASK_TTL_SECONDS = 24 * 3600  # documented: task ids are valid 24 h (linkedin-rsc-api.md 2.2)
DEFAULT_JOB_TASK_DELAY_SECONDS = 0.2
TASK_URN_PREFIX = "urn:li:simpleJobPostingTask:"
JOB_POSTING_URN_PREFIX = "urn:li:jobPosting:"
FIRST_JOB_POSTING_ID = 3_900_000_001
MINUTES_KEPT = 24 * 60  # per-minute history kept per (application, family)

STATE_LISTED, STATE_CLOSED = "LISTED", "CLOSED"
OP_CREATE, OP_UPDATE, OP_CLOSE, OP_RENEW = "CREATE", "UPDATE", "CLOSE", "RENEW"


def minute_label(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, tz=UTC).strftime("%Y-%m-%dT%H:%MZ")


# -- stored data ------------------------------------------------------------------------------------------------


@dataclass
class OrgData:
    """One organization's synced records, keyed by their ATS ids, exactly as stored (full replacement)."""

    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)
    candidate_notes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    application_children: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(
        default_factory=lambda: {kind: {} for kind in APPLICATION_CHILDREN}
    )


@dataclass
class JobTask:
    """One element of a simpleJobPostings batch_create: processed when due, in submission order (A14)."""

    urn: str
    client_id: str
    organization: str
    external_id: str
    operation: str  # LISTED | CLOSED (state) or CREATE | UPDATE | CLOSE | RENEW (jobPostingOperationType)
    job: dict[str, Any]  # the element, normalized (every JOB field, omitted ones null)
    submitted_at: float
    due_at: float
    status: str = A.JOB_TASK_IN_PROGRESS
    job_posting: str | None = None
    error_message: str | None = None

    def view(self) -> dict[str, Any]:
        """The simpleJobPostingTasks entity (linkedin-rsc-api.md 2.2); absent values are left out."""
        body: dict[str, Any] = {"id": self.urn, "status": self.status, "externalJobPostingId": self.external_id}
        if self.job_posting is not None:
            body["jobPosting"] = self.job_posting
        if self.job.get("location") is not None:
            body["location"] = self.job["location"]
        if self.error_message is not None:
            body["errorMessage"] = self.error_message
        return body


# -- throttles --------------------------------------------------------------------------------------------------


@dataclass
class Meter:
    """Accepted records of one application (and family) in a sliding 60-s window, totals and per-minute history."""

    window: deque[tuple[float, int]] = field(default_factory=deque)
    in_window: int = 0
    records: int = 0
    calls: int = 0
    max_per_minute: int = 0
    throttled_minute: int = 0
    throttled_day: int = 0
    minutes: dict[int, list[int]] = field(default_factory=dict)  # minute -> [records, refused records, refused calls]

    def slide(self, now: float) -> None:
        horizon = now - A.SYNC_RECORDS_WINDOW_SECONDS
        window = self.window
        while window and window[0][0] <= horizon:
            self.in_window -= window.popleft()[1]

    def retry_after(self, now: float, records: int, limit: int) -> int | None:
        """Seconds until ``records`` more fit under ``limit``, or None when they fit now."""
        self.slide(now)
        if self.in_window + records <= limit:
            return None
        if records > limit:
            return A.SYNC_RECORDS_WINDOW_SECONDS
        need = self.in_window + records - limit
        freed = 0
        for at, count in self.window:
            freed += count
            if freed >= need:
                return max(1, math.ceil(at + A.SYNC_RECORDS_WINDOW_SECONDS - now))
        return A.SYNC_RECORDS_WINDOW_SECONDS

    def accept(self, now: float, records: int) -> None:
        self.slide(now)
        self.window.append((now, records))
        self.in_window += records
        self.records += records
        self.calls += 1
        self.max_per_minute = max(self.max_per_minute, self.in_window)
        self._minute(now)[0] += records

    def refuse(self, now: float, records: int) -> None:
        self.throttled_minute += 1
        bucket = self._minute(now)
        bucket[1] += records
        bucket[2] += 1

    def _minute(self, now: float) -> list[int]:
        minute = int(now // 60)
        bucket = self.minutes.get(minute)
        if bucket is None:
            if len(self.minutes) >= MINUTES_KEPT:
                del self.minutes[next(iter(self.minutes))]
            bucket = self.minutes[minute] = [0, 0, 0]
        return bucket

    def violations(self) -> list[dict[str, Any]]:
        """Minutes in which records were refused for the records-per-minute limit."""
        return [
            {"minute": minute_label(minute), "refusedRecords": refused, "refusedCalls": calls}
            for minute, (_, refused, calls) in self.minutes.items()
            if calls
        ]

    def view(self) -> dict[str, Any]:
        return {
            "writeCalls": self.calls,
            "records": self.records,
            "recordsInWindow": self.in_window,
            "maxRecordsPerMinute": self.max_per_minute,
            "throttled": {"recordsPerMinute": self.throttled_minute, "callsPerDay": self.throttled_day},
            "minutes": {
                minute_label(minute): {"records": records, "refusedRecords": refused, "refusedCalls": calls}
                for minute, (records, refused, calls) in self.minutes.items()
            },
            "violations": self.violations(),
        }


# -- the store --------------------------------------------------------------------------------------------------


class SyncStore:
    def __init__(
        self,
        clock: Clock,
        lock: threading.RLock,
        *,
        records_per_minute: int = A.SYNC_RECORDS_PER_MINUTE,
        calls_per_day: int = A.SYNC_CALLS_PER_DAY,
        job_task_delay_seconds: float = DEFAULT_JOB_TASK_DELAY_SECONDS,
    ) -> None:
        self.clock = clock
        self.lock = lock
        self._defaults = (records_per_minute, calls_per_day, job_task_delay_seconds)
        self.records_per_minute = records_per_minute
        self.calls_per_day = calls_per_day
        self.job_task_delay_seconds = job_task_delay_seconds
        self.orgs: dict[str, OrgData] = {}
        self.tasks: dict[str, JobTask] = {}
        self.pending: deque[JobTask] = deque()
        self.task_history: deque[JobTask] = deque()
        self.meters: dict[tuple[str, str], Meter] = {}
        self.app_meters: dict[str, Meter] = {}
        self.injected_429: dict[str, int] = {}
        self._job_sequence = FIRST_JOB_POSTING_ID - 1
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.records_per_minute, self.calls_per_day, self.job_task_delay_seconds = self._defaults
            self.orgs = {}
            self.tasks = {}
            self.pending = deque()
            self.task_history = deque()
            self.meters = {}
            self.app_meters = {}
            self.injected_429 = {}
            self._job_sequence = FIRST_JOB_POSTING_ID - 1

    def org(self, organization: str) -> OrgData:
        with self.lock:
            data = self.orgs.get(organization)
            if data is None:
                data = self.orgs[organization] = OrgData()
            return data

    # -- throttles ------------------------------------------------------------------------------------------

    def charge(self, client_id: str, family: str, records: int) -> int | None:
        """Count ``records`` against the records-per-minute limit: None when accepted, else Retry-After seconds.

        A refused call is not counted as accepted records (nothing of it is applied, A16).
        """
        with self.lock:
            now = self.clock.now()
            meter = self.meters.get((client_id, family))
            if meter is None:
                meter = self.meters[(client_id, family)] = Meter()
            retry = meter.retry_after(now, records, self.records_per_minute)
            if retry is not None:
                meter.refuse(now, records)
                return retry
            meter.accept(now, records)
            total = self.app_meters.get(client_id)
            if total is None:
                total = self.app_meters[client_id] = Meter()
            total.accept(now, records)
            return None

    def note_daily_throttle(self, client_id: str, family: str) -> None:
        with self.lock:
            meter = self.meters.get((client_id, family))
            if meter is None:
                meter = self.meters[(client_id, family)] = Meter()
            meter.throttled_day += 1

    def note_injected_429(self, client_id: str) -> None:
        with self.lock:
            self.injected_429[client_id] = self.injected_429.get(client_id, 0) + 1

    def set_limits(
        self, records_per_minute: int | None = None, calls_per_day: int | None = None, restore: tuple[str, ...] = ()
    ) -> dict[str, int]:
        """Set the knobs; names in ``restore`` go back to the emulator's configured defaults."""
        with self.lock:
            if "syncRecordsPerMinute" in restore:
                self.records_per_minute = self._defaults[0]
            if "syncCallsPerDay" in restore:
                self.calls_per_day = self._defaults[1]
            if records_per_minute is not None:
                self.records_per_minute = records_per_minute
            if calls_per_day is not None:
                self.calls_per_day = calls_per_day
            return self.limits_view()

    def limits_view(self) -> dict[str, int]:
        with self.lock:
            return {"syncRecordsPerMinute": self.records_per_minute, "syncCallsPerDay": self.calls_per_day}

    def usage_view(self) -> dict[str, Any]:
        """Per application: totals, the max records in any 60 s, 429s and the minutes with refused records."""
        with self.lock:
            now = self.clock.now()
            view: dict[str, Any] = {}
            clients = sorted({client for client, _ in self.meters} | set(self.injected_429))
            for client in clients:
                families = {family: meter for (owner, family), meter in sorted(self.meters.items()) if owner == client}
                for meter in families.values():
                    meter.slide(now)
                total = self.app_meters.get(client, Meter())
                total.slide(now)
                violations = [
                    {"family": family, **violation}
                    for family, meter in families.items()
                    for violation in meter.violations()
                ]
                view[client] = {
                    "records": total.records,
                    "writeCalls": total.calls,
                    "recordsInWindow": total.in_window,
                    "maxRecordsPerMinute": total.max_per_minute,
                    "throttled": {
                        "recordsPerMinute": sum(m.throttled_minute for m in families.values()),
                        "callsPerDay": sum(m.throttled_day for m in families.values()),
                        "injected": self.injected_429.get(client, 0),
                    },
                    "violations": len(violations),
                    "violationMinutes": violations,
                    "families": {family: meter.view() for family, meter in families.items()},
                }
            return view

    # -- job tasks (A14) ------------------------------------------------------------------------------------

    def submit_job(self, client_id: str, job: dict[str, Any]) -> JobTask:
        """Queue one validated, normalized job element; it is applied when due (``process_due``)."""
        with self.lock:
            now = self.clock.now()
            operation = job["jobPostingOperationType"] or job["state"]
            task = JobTask(
                urn=f"{TASK_URN_PREFIX}{uuid.uuid4()}",
                client_id=client_id,
                organization=job["integrationContext"],
                external_id=job["externalJobPostingId"],
                operation=operation,
                job=job,
                submitted_at=now,
                due_at=now + self.job_task_delay_seconds,
            )
            self.tasks[task.urn] = task
            self.pending.append(task)
            self.task_history.append(task)
            return task

    def process_due(self, *, everything: bool = False) -> int:
        """Apply the queued jobs that are due (all of them with ``everything``), oldest first; forget tasks
        older than 24 h. Returns how many were applied."""
        with self.lock:
            now = self.clock.now()
            done = 0
            pending = self.pending
            while pending and (everything or pending[0].due_at <= now):
                self._apply(pending.popleft())
                done += 1
            history = self.task_history
            while history and history[0].submitted_at + JOB_TASK_TTL_SECONDS <= now:
                expired = history.popleft()
                if expired.status != A.JOB_TASK_IN_PROGRESS:
                    self.tasks.pop(expired.urn, None)
                else:  # still queued (a frozen clock can keep it there): keep it findable until it runs
                    history.appendleft(expired)
                    break
            return done

    def task(self, client_id: str, urn: str) -> JobTask | None:
        """The caller's task, if it is known and younger than 24 h."""
        with self.lock:
            self.process_due()
            task = self.tasks.get(urn)
            if task is None or task.client_id != client_id:
                return None
            if task.submitted_at + JOB_TASK_TTL_SECONDS <= self.clock.now():
                return None
            return task

    def set_job_task_delay(self, seconds: float) -> None:
        with self.lock:
            self.job_task_delay_seconds = seconds

    def job_tasks_view(self) -> dict[str, Any]:
        with self.lock:
            self.process_due()
            statuses: dict[str, int] = {}
            for task in self.tasks.values():
                statuses[task.status] = statuses.get(task.status, 0) + 1
            return {
                "delaySeconds": self.job_task_delay_seconds,
                "pending": len(self.pending),
                "statuses": statuses,
            }

    def _apply(self, task: JobTask) -> None:
        jobs = self.org(task.organization).jobs
        existing = jobs.get(task.external_id)
        operation = task.operation
        failure: str | None = None
        new_state = STATE_LISTED
        if operation in (STATE_LISTED, STATE_CLOSED):
            new_state = operation
        elif operation == OP_CREATE and existing is not None:
            failure = "already exists; send UPDATE (or RENEW a closed job)"
        elif operation in (OP_UPDATE, OP_CLOSE, OP_RENEW) and existing is None:
            failure = f"does not exist; {operation} needs a job created before"
        elif operation == OP_UPDATE and existing is not None and existing["state"] == STATE_CLOSED:
            failure = "is closed; RENEW it to list it again"
        elif operation == OP_CLOSE:
            new_state = STATE_CLOSED
        if failure is not None:
            task.status = A.JOB_TASK_FAILED
            task.error_message = (
                f"Job posting with externalJobPostingId {task.external_id!r} in {task.organization} {failure}"
            )
            return
        if existing is not None:
            job_posting = existing["jobPosting"]
        else:
            self._job_sequence += 1
            job_posting = f"{JOB_POSTING_URN_PREFIX}{self._job_sequence}"
        jobs[task.external_id] = {**task.job, "state": new_state, "jobPosting": job_posting}
        task.status = A.JOB_TASK_SUCCEEDED
        task.job_posting = job_posting

    # -- dumps ----------------------------------------------------------------------------------------------

    def data_view(self, organization: str) -> dict[str, Any]:
        """Everything held for ``organization``, keyed by ATS ids (records shared, maps copied)."""
        with self.lock:
            self.process_due()
            data = self.orgs.get(organization) or OrgData()
            view: dict[str, Any] = {
                "organization": organization,
                "jobs": dict(data.jobs),
                "candidates": dict(data.candidates),
                "candidateNotes": {parent: dict(notes) for parent, notes in data.candidate_notes.items()},
                "applications": dict(data.applications),
            }
            for kind in APPLICATION_CHILDREN:
                view[APPLICATION_CHILD_DUMP_NAMES[kind]] = {
                    parent: dict(children) for parent, children in data.application_children[kind].items()
                }
            view["pendingJobTasks"] = sum(1 for task in self.pending if task.organization == organization)
            return view

    def counts(self, organization: str) -> dict[str, Any]:
        with self.lock:
            self.process_due()
            data = self.orgs.get(organization) or OrgData()
            listed = sum(1 for job in data.jobs.values() if job["state"] == STATE_LISTED)
            counts: dict[str, Any] = {
                "organization": organization,
                "jobs": len(data.jobs),
                "jobsListed": listed,
                "jobsClosed": len(data.jobs) - listed,
                "candidates": len(data.candidates),
                "candidateNotes": sum(len(notes) for notes in data.candidate_notes.values()),
                "applications": len(data.applications),
            }
            for kind in APPLICATION_CHILDREN:
                children = data.application_children[kind]
                counts[APPLICATION_CHILD_DUMP_NAMES[kind]] = sum(len(items) for items in children.values())
            counts["pendingJobTasks"] = sum(1 for task in self.pending if task.organization == organization)
            return counts

    def organizations(self) -> list[str]:
        with self.lock:
            return sorted(self.orgs)
