"""After the main demo: Acme's Owner deactivates the LinkedIn integration. Prints the route's reply, the progress
of the deletion, the email the admins get, and what LinkedIn (the emulator) still holds per organization."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from rsc_demo.ats import AtsBackend
from rsc_demo.story import ACCOUNT, OWNER, RECRUITER, Printer, contract_table

PATH = f"/accounts/{ACCOUNT}/linkedin/deactivation"
LABELS = {
    "candidate-notes": "candidate notes",
    "candidates": "candidates",
    "application-notes": "application notes",
    "stages": "stages",
    "interview-feedback": "interview feedback",
    "applications": "applications",
}


def progress_line(contract: dict[str, Any]) -> str:
    deactivation = contract.get("deactivation") or {}
    progress = deactivation.get("progress") or {}
    entities = progress.get("entities") or {}
    deleted = ", ".join(
        f"{LABELS[e]} {row['deleted'] + row['gone'] + row['cascaded']:,}"
        for e, row in entities.items()
        if row["deleted"] + row["gone"] + row["cascaded"]
    )
    jobs = progress.get("jobs") or {}
    phase = progress.get("phase") or "-"
    return (
        f"contract {contract['contractId']}: {contract['status']} ({deactivation.get('status')}), "
        f"phase {phase}; deleted: {deleted or 'nothing yet'}; jobs closed {jobs.get('closed', 0):,}"
    )


def remaining_at_linkedin(stack: Any) -> dict[str, dict[str, Any]]:
    """Per organization, what the emulator holds (counts)."""
    import requests

    state = requests.get(f"{stack.linkedin.base_url}/_control/state", timeout=30).json()
    return dict(state["sync"]["organizations"])


def run_deactivation_story(stack: Any, out: TextIO = sys.stdout, first_step: int = 20, timeout: float = 300.0) -> dict:
    p = Printer(out)
    p.step_no = first_step - 1
    ats = AtsBackend(stack.api_url)
    p.title("Deactivation: Acme stops using LinkedIn Recruiter System Connect")

    p.step(f"{RECRUITER.name} clicks Deactivate")
    refused = ats.call(RECRUITER, "POST", PATH, {})
    p.line(f"HTTP {refused.status} {refused.error.get('code')}: {refused.error.get('message')}")

    p.step(f"{OWNER.name} clicks Deactivate (every contract of the account)")
    reply = ats.call(OWNER, "POST", PATH, {})
    p.line(f"HTTP {reply.status}")
    for contract in reply.body.get("contracts", []):
        deactivation = contract.get("deactivation") or {}
        p.line(
            f"contract {contract['contractId']}: {contract['status']}, execution {deactivation.get('execution')} "
            f"(started: {contract.get('started')})",
            6,
        )
    again = ats.call(OWNER, "POST", PATH, {})
    p.line(f"A second click while it runs: HTTP {again.status}, no new execution (the running one is returned)")

    p.step("Progress, as the integration page shows it (GET .../linkedin/deactivation)")
    deadline = time.monotonic() + timeout
    last = ""
    view: dict[str, Any] = {}
    while time.monotonic() < deadline:
        view = ats.call(OWNER, "GET", PATH).body
        lines = [progress_line(c) for c in view.get("contracts", [])]
        text = "\n".join(lines)
        if text != last:
            for line in lines:
                p.line(line)
            last = text
        states = [(c.get("deactivation") or {}).get("status") for c in view.get("contracts", [])]
        if states and all(s in ("SUCCEEDED", "FAILED") for s in states):
            break
        time.sleep(1)

    p.step("The email the account's Admins and Owners receive")
    emails = [e for e in stack.read_emails() if "deactivat" in e.subject.lower()]
    email = emails[-1] if emails else None
    if email is not None:
        p.line(f"To: {', '.join(email.to)}", 4)
        p.line(f"Subject: {email.subject}", 4)
        out.write("\n" + "\n".join("      " + line for line in email.body.splitlines()) + "\n")

    p.step("What LinkedIn still holds, per organization (the emulator's data)")
    remaining = remaining_at_linkedin(stack)
    for organization, counts in remaining.items():
        records = {k: v for k, v in counts.items() if isinstance(v, int) and k not in ("jobs", "jobsListed")}
        held = {k: v for k, v in records.items() if v and k != "jobsClosed"}
        p.line(
            f"{organization}: {counts.get('jobsClosed', 0)} closed jobs, {counts.get('jobsListed', 0)} listed jobs; "
            + (
                ", ".join(f"{k} {v}" for k, v in held.items())
                if held
                else "no candidates, applications, notes, stages or feedback"
            ),
            6,
        )

    p.step("The ATS integration page")
    status = ats.status(OWNER).body
    contract_table(p, status)
    done = [c for c in view.get("contracts", []) if c["status"] == "DEACTIVATED"]
    p.title(f"Done: {len(done)} contract(s) deactivated; LinkedIn keeps only closed jobs of Acme's organization.")
    return {"refused": refused, "reply": reply, "again": again, "view": view, "email": email, "remaining": remaining}
