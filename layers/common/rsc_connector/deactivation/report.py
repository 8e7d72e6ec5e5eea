"""What the admins are told when a deactivation ends: what was deleted from LinkedIn (counts), what we removed,
and what is left to do on LinkedIn's side. Plain text, like the sync's emails (rsc_connector.sync.report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rsc_connector.sync.report import LABELS

ORDER = ("candidate-notes", "candidates", "application-notes", "stages", "interview-feedback", "applications")
CONFIGURATION_OWNERS = {
    "CALLBACK_URL": "One-Click Export",
    "JOB_POSTING_VIEWERS": "One-Click Export",
    "APPLICATION_VIEWERS": "In-ATS Indicator",
}


@dataclass
class DeactivationReport:
    company: str
    contract_id: str
    organization_urn: str
    purged: bool  # False: another contract of the organization stays connected, its data stays
    kept_for: list[str] = field(default_factory=list)
    purge: dict[str, Any] | None = None  # rsc_connector.deactivation.purge.purge_view
    purge_is_earlier: bool = False  # the organization's data was deleted by an earlier deactivation
    configurations: dict[str, Any] | None = None
    credentials_removed: bool = False
    duration_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "purged": self.purged,
            "keptFor": self.kept_for,
            "purge": self.purge,
            "configurations": self.configurations,
            "credentialsRemoved": self.credentials_removed,
            "durationSeconds": round(self.duration_seconds, 1),
        }


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def deletion_table(purge: dict[str, Any]) -> list[str]:
    entities = purge.get("entities") or {}
    lines = [f"  {'':22}{'deleted':>10}{'already gone':>14}{'with parent':>13}{'failed':>8}"]
    totals = dict.fromkeys(("deleted", "gone", "cascaded", "failed"), 0)
    for entity in ORDER:
        row = entities.get(entity) or {}
        for kind in totals:
            totals[kind] += int(row.get(kind, 0))
        lines.append(
            f"  {LABELS.get(entity, entity):22}{row.get('deleted', 0):>10,}{row.get('gone', 0):>14,}"
            f"{row.get('cascaded', 0):>13,}{row.get('failed', 0):>8,}"
        )
    lines.append(
        f"  {'Total':22}{totals['deleted']:>10,}{totals['gone']:>14,}{totals['cascaded']:>13,}{totals['failed']:>8,}"
    )
    jobs = purge.get("jobs") or {}
    line = f"  Jobs: {jobs.get('closed', 0):,} closed"
    extras = []
    if jobs.get("gone"):
        extras.append(f"{jobs['gone']:,} were not at LinkedIn")
    if jobs.get("failed"):
        extras.append(f"{jobs['failed']:,} could not be closed")
    if jobs.get("not_in_ats"):
        extras.append(f"{jobs['not_in_ats']:,} are no longer in the ATS and could not be closed")
    if extras:
        line += " (" + "; ".join(extras) + ")"
    lines.append(line + ". RSC has no job deletion: closed jobs leave Recruiter's job lists but stay at LinkedIn.")
    return lines


def _failures(purge: dict[str, Any]) -> list[str]:
    sample = purge.get("failedSample") or {}
    if not sample:
        return []
    lines = ["Some records could not be deleted; LinkedIn said (examples, entity:ATS id):"]
    lines += [f"  - {key}: {message}" for key, message in list(sample.items())[:10]]
    return [*lines, ""]


def remaining_steps(contract_id: str, purged: bool) -> list[str]:
    lines = ["What is left to do on LinkedIn's side:"]
    if purged:
        lines.append(
            f"  1. Ask LinkedIn to delete the contract's data: send a contract data deletion request for contract "
            f"{contract_id} to your LinkedIn account team (or LinkedIn support). It covers what LinkedIn keeps "
            "beyond the records above (closed jobs, One-Click exports, activity)."
        )
        lines.append(
            "  2. Turn the integration off in LinkedIn Recruiter: Admin Settings > ATS, switch off company-level "
            "and contract-level access for this ATS."
        )
    else:
        lines.append(
            f"  1. Turn off contract-level access for contract {contract_id} in LinkedIn Recruiter (Admin Settings > "
            "ATS). Leave company-level access on: the other contract still uses it."
        )
        lines.append(
            f"  2. If LinkedIn should also forget this contract, send a contract data deletion request for contract "
            f"{contract_id} to your LinkedIn account team."
        )
    return lines


def success_email(report: DeactivationReport) -> tuple[str, str]:
    subject = f"LinkedIn Recruiter: {report.company}'s contract {report.contract_id} is deactivated"
    lines = [
        "Hello,",
        "",
        f"{report.company}'s LinkedIn Recruiter contract {report.contract_id} is deactivated (in "
        f"{_duration(report.duration_seconds)}). We no longer sync records to LinkedIn or check the contract.",
        "",
    ]
    purge = report.purge or {}
    if not report.purged:
        others = ", ".join(report.kept_for)
        lines += [
            f"The records synced for your organization ({report.organization_urn}) stay at LinkedIn because contract "
            f"{others} of the same organization is still connected; they are deleted when the last contract is "
            "deactivated. The integration's settings at LinkedIn stay for the same reason.",
            "",
        ]
    elif report.purge_is_earlier:
        lines += [
            "Nothing was synced for your organization since its data was deleted by the previous deactivation:",
            *deletion_table(purge),
            "",
        ]
    else:
        lines += [
            f"What we deleted from LinkedIn (organization {report.organization_urn}):",
            *deletion_table(purge),
            "",
        ]
        lines += [
            "'Already gone' were no longer at LinkedIn (deleted before); 'with parent' were deleted by LinkedIn "
            "together with their candidate or application.",
            "",
        ]
        if purge.get("status") == "BLOCKED":
            lines += [
                f"Not everything could be deleted: {purge.get('blocked')}. Ask LinkedIn to delete the contract's data "
                "(below), or turn company-level access on again and deactivate again to finish.",
                "",
            ]
        lines += _failures(purge)
    removed = []
    configurations = report.configurations or {}
    names = list(configurations.get("removed") or []) + list(configurations.get("gone") or [])
    if names:
        removed.append(
            "the integration settings we had set at LinkedIn: "
            + ", ".join(f"{n} ({CONFIGURATION_OWNERS.get(n, 'integration')})" for n in names)
        )
    removed.append("the links between ATS users and this contract's Recruiter seats")
    if report.credentials_removed:
        removed.append("the LinkedIn application credentials we held for your account (no contract is connected now)")
    lines += ["We also removed:", *[f"  - {r}" for r in removed], ""]
    lines += remaining_steps(report.contract_id, report.purged)
    lines += [
        "",
        "To connect LinkedIn Recruiter again later, click ACTIVATE: it starts cleanly, with a new history sync.",
        "",
        "This email was sent to the account's Admins and Owners.",
    ]
    return subject, "\n".join(lines)


def failure_email(
    company: str, contract_id: str, cause: str, purge: dict[str, Any] | None, duration: float
) -> tuple[str, str]:
    subject = f"LinkedIn Recruiter: deactivating {company}'s contract {contract_id} did not finish"
    deleted = int((purge or {}).get("deleted", 0))
    lines = [
        "Hello,",
        "",
        f"Deactivating {company}'s LinkedIn Recruiter contract {contract_id} stopped after {_duration(duration)}: "
        f"{cause}",
        "",
        f"Nothing is lost: {deleted:,} records are already deleted from LinkedIn, and we no longer sync or check "
        "the contract (it stays 'Deactivating'). Click Deactivate again (or ask support): it resumes where it "
        "stopped and does not delete those records again.",
        "",
    ]
    if purge:
        lines += ["So far:", *deletion_table(purge), ""]
    lines.append("This email was sent to the account's Admins and Owners.")
    return subject, "\n".join(lines)
