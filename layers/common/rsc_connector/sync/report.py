"""What the admins are told when the historical sync ends: counts per entity, rejected records (how many, why,
a sample of ids), duration, and what to do next. Plain text, readable in any mail client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rsc_connector.sync.store import EntityProgress, RunKey

LABELS = {
    "jobs": "Jobs",
    "candidates": "Candidates",
    "applications": "Applications",
    "candidate-notes": "Candidate notes",
    "application-notes": "Application notes",
    "stages": "Application stages",
    "interview-feedback": "Interview feedback",
}
REASONS = {
    "missing_first_name": "no first name",
    "invalid_email": "an email address LinkedIn does not accept",
    "modified_before_created": "last modified before it was created",
    "empty_stage": "an empty stage name",
    "title_too_long": "a job title over 200 characters",
    "missing_title": "no job title",
    "missing_description": "no job description",
    "missing_location": "no job location",
    "missing_timestamp": "no creation date",
    "bad_timestamp": "an invalid date",
    "missing_job": "no job",
    "missing_job_title": "a job without a title",
    "missing_parent": "no parent record",
    "missing_id": "no id",
    "linkedin_rejected": "refused by LinkedIn",
    "parent_not_synced": "a parent record (candidate or application) that was not synced",
}


@dataclass
class SyncReport:
    key: RunKey
    started_at: float | None
    finished_at: float
    entities: dict[str, EntityProgress]
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    attempt: int = 1
    seat_linking: dict[str, Any] | None = None

    @property
    def total_accepted(self) -> int:
        return sum(p.accepted for p in self.entities.values())

    @property
    def total_rejected(self) -> int:
        return sum(p.rejected for p in self.entities.values())

    @property
    def duration_seconds(self) -> float:
        return max(0.0, self.finished_at - (self.started_at or self.finished_at))

    def summary(self) -> dict[str, Any]:
        return {
            "durationSeconds": round(self.duration_seconds, 1),
            "accepted": self.total_accepted,
            "rejected": self.total_rejected,
            "entities": {
                e: {"accepted": p.accepted, "rejected": p.rejected, "reasons": p.reasons}
                for e, p in self.entities.items()
            },
        }


def build_report(
    key: RunKey,
    run: dict[str, Any],
    progress: dict[str, EntityProgress],
    samples: dict[str, list[dict[str, Any]]],
    now: float,
) -> SyncReport:
    started = run.get("started_at")
    return SyncReport(
        key=key,
        started_at=float(started) if started is not None else None,
        finished_at=now,
        entities=progress,
        samples=samples,
        attempt=int(run.get("attempt", 1)),
        seat_linking=run.get("seat_links"),
    )


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def _table(report: SyncReport) -> list[str]:
    lines = [f"  {'':22}{'synced':>10}{'rejected':>10}"]
    for entity, progress in report.entities.items():
        lines.append(f"  {LABELS.get(entity, entity):22}{progress.accepted:>10,}{progress.rejected:>10,}")
    lines.append(f"  {'Total':22}{report.total_accepted:>10,}{report.total_rejected:>10,}")
    return lines


def _rejections(report: SyncReport) -> list[str]:
    if not report.total_rejected:
        return ["Every record was accepted by LinkedIn."]
    lines = [
        f"{report.total_rejected:,} records were not synced because LinkedIn does not accept them as they are. "
        "Fix them in the ATS; the next update of each record will sync it.",
    ]
    for entity, progress in report.entities.items():
        if not progress.rejected:
            continue
        reasons = ", ".join(
            f"{n:,} with {REASONS.get(r, r.replace('_', ' '))}" for r, n in sorted(progress.reasons.items())
        )
        ids = ", ".join(str(s.get("id")) for s in report.samples.get(entity, [])[:10])
        lines.append(f"  - {LABELS.get(entity, entity)}: {reasons}. Examples (ATS ids): {ids}")
    return lines


def success_email(report: SyncReport, company: str) -> tuple[str, str]:
    subject = f"LinkedIn Recruiter: {company}'s history is synced"
    lines = [
        "Hello,",
        "",
        f"The one-time sync of {company}'s ATS history to LinkedIn Recruiter (contract {report.key.contract_id}) "
        f"finished in {_duration(report.duration_seconds)}.",
        "",
        *_table(report),
        "",
        *_rejections(report),
        "",
    ]
    lines += seat_lines(report.seat_linking)
    lines += [
        "What's next:",
        "  - Your jobs appear in Recruiter's One-Click Export job list; candidates show the In-ATS indicator.",
        "  - New and changed records keep syncing automatically.",
        "  - Check which ATS users are linked to Recruiter seats on the Users page.",
        "",
        "This email was sent to the account's Admins and Owners.",
    ]
    return subject, "\n".join(lines)


def failure_email(report: SyncReport, company: str, cause: str, stopped: bool) -> tuple[str, str]:
    if stopped:
        subject = f"LinkedIn Recruiter: {company}'s history sync stopped"
        what = (
            "The sync stopped because the integration was turned off in LinkedIn Recruiter "
            "(Admin Settings > ATS). Turn it on again and the sync resumes where it stopped."
        )
    else:
        subject = f"LinkedIn Recruiter: {company}'s history sync did not finish"
        what = (
            f"The sync could not finish: {cause}\n\nNothing is lost: {report.total_accepted:,} records are already at "
            "LinkedIn. Start the sync again from the LinkedIn integration page (or ask support): it resumes where "
            "it stopped and does not send those records again."
        )
    lines = [
        "Hello,",
        "",
        f"The one-time sync of {company}'s ATS history to LinkedIn Recruiter (contract {report.key.contract_id}) "
        f"ran for {_duration(report.duration_seconds)}.",
        "",
        what,
        "",
        "So far:",
        *_table(report),
        "",
        "This email was sent to the account's Admins and Owners.",
    ]
    return subject, "\n".join(lines)


def seat_lines(summary: dict[str, Any] | None) -> list[str]:
    """The seat-linking paragraph: linked x of y seats, then the seats and users left, with the likely reason."""
    if not summary:
        return []
    if summary.get("skipped"):
        return [f"Recruiter seats: {summary['skipped']}", ""]
    if summary.get("error"):
        return [
            f"Recruiter seats: automatic linking could not run ({summary['error']}). It runs again with the next "
            "seat refresh (every 6 hours), or an admin can start it from the integration page.",
            "",
        ]
    lines: list[str] = []
    for contract in summary.get("contracts", []):
        lines.append(
            f"Recruiter seats (contract {contract['contractId']}): {contract['linked']} of {contract['seats']} seats "
            f"are linked to ATS users ({contract['newlyLinked']} linked automatically by email now)."
        )
        seats_left = contract.get("unmatchedSeats", [])
        if seats_left:
            lines.append(f"  Seats not linked ({contract.get('unmatchedSeatCount', len(seats_left))}):")
            lines += [f"    - {s['name']} ({s.get('email') or 'no email'}): {s['reason']}" for s in seats_left]
        users_left = contract.get("unmatchedUsers", [])
        if users_left:
            lines.append(f"  ATS users not linked ({contract.get('unmatchedUserCount', len(users_left))}):")
            lines += [f"    - {u['name']} ({u['userId']}): {u['reason']}" for u in users_left]
        removed = contract.get("linksRemoved", [])
        if removed:
            lines.append("  Links removed because the seat changed at LinkedIn:")
            lines += [f"    - user {r['userId']}, seat {r['seatId']}: {r['reason']}" for r in removed]
        lines.append(
            "  Link the others by hand: Users > (user) > Edit > LinkedIn Recruiter seat. Automatic links never "
            "replace a link made by hand."
        )
        lines.append("")
    return lines
