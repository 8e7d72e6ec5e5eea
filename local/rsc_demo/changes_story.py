"""Ongoing changes after the historical sync: the ATS reports an update, a deletion and a late, older update, and
LinkedIn (the emulator) ends with the newest state of each record. Run after the main story (`make demo`)."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import requests

from rsc_demo.ats import AtsBackend
from rsc_demo.story import ACCOUNT, ORG, RECRUITER, Printer, wait_for

CHANGES_PATH = f"/accounts/{ACCOUNT}/linkedin/changes"


def linkedin_data(stack: Any) -> dict[str, Any]:
    resp = requests.get(f"{stack.linkedin.base_url}/_control/data", params={"organization": ORG}, timeout=30)
    resp.raise_for_status()
    data: dict[str, Any] = resp.json()
    return data


def ats_records(stack: Any, resource: str, limit: int = 100) -> list[dict[str, Any]]:
    """The ATS's records as its export API serves them (the shape the changes route takes)."""
    from rsc_connector.ats.client import AtsExportClient

    client = AtsExportClient(stack.ats.base_url, getattr(stack.ats, "token", "local-ats-token"))
    return client.page(ACCOUNT, resource, None, limit).items


def pick(stack: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A candidate LinkedIn holds, and an application LinkedIn holds with the most children."""
    held = linkedin_data(stack)
    candidate = next(c for c in ats_records(stack, "candidates") if c["id"] in held["candidates"])

    def children(app_id: str) -> int:
        return sum(
            len(held[name].get(app_id, {}))
            for name in ("applicationNotes", "applicationStages", "applicationInterviewFeedback")
        )

    applications = [a for a in ats_records(stack, "applications") if a["id"] in held["applications"]]
    application = max(applications, key=lambda a: children(str(a["id"])))
    return candidate, application


def describe(held: dict[str, Any], candidate_id: str, application_id: str) -> list[str]:
    person = held["candidates"].get(candidate_id)
    lines = [
        f"candidate {candidate_id}: "
        + (f"{person.get('firstName')} {person.get('lastName') or ''}".strip() if person else "not at LinkedIn")
    ]
    app = held["applications"].get(application_id)
    kids = {
        name: len(held[key].get(application_id, {}))
        for name, key in (
            ("notes", "applicationNotes"),
            ("stages", "applicationStages"),
            ("feedback", "applicationInterviewFeedback"),
        )
    }
    lines.append(
        f"application {application_id}: "
        + (f"for {app.get('atsJobPostingName')}" if app else "not at LinkedIn")
        + f" ({kids['notes']} notes, {kids['stages']} stages, {kids['feedback']} interview feedback)"
    )
    return lines


CHILD_DUMPS = (
    ("application-notes", "applicationNotes"),
    ("stages", "applicationStages"),
    ("interview-feedback", "applicationInterviewFeedback"),
)


def _call_name(call: dict[str, Any]) -> str:
    """ "DELETE atsApplications/{id}/stages" from a logged call (the parent key shortened to its id)."""
    from urllib.parse import unquote

    parts = unquote(call["path"]).removeprefix("/v2/").split("/")
    if len(parts) == 3:
        parts[1] = parts[1].split("&")[0].split("=", 1)[-1]
    return f"{call['method']} {'/'.join(parts)}"


def run_changes_story(stack: Any, out: TextIO = sys.stdout, first_step: int = 20) -> dict[str, Any]:
    """Send a small batch of ATS changes and show what LinkedIn holds before and after."""
    p = Printer(out)
    p.step_no = first_step
    ats = AtsBackend(stack.api_url)
    candidate, application = pick(stack)
    cid, aid = str(candidate["id"]), str(application["id"])
    p.step("Ongoing changes: what LinkedIn holds for two records the history sync sent")
    for line in describe(linkedin_data(stack), cid, aid):
        p.line(line, 6)

    held = linkedin_data(stack)
    children = [
        {"resource": resource, "id": child_id, "action": "delete", "version": 0, "parentId": aid}
        for resource, dump in CHILD_DUMPS
        for child_id in held[dump].get(aid, {})
    ]
    log_mark = len(requests.get(f"{stack.linkedin.base_url}/_control/requests", timeout=30).json())
    now_ms = int(time.time() * 1000)
    for child in children:
        child["version"] = now_ms
    renamed = {**candidate, "first_name": "Renamed", "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    batch = {
        "changes": [
            {"resource": "candidates", "id": cid, "action": "upsert", "version": now_ms, "record": renamed},
            {"resource": "applications", "id": aid, "action": "delete", "version": now_ms},
            *children,  # the ATS deleted the application's notes, stages and feedback with it
        ]
    }
    p.step(
        f"The ATS backend reports: candidate {cid} renamed to 'Renamed', application {aid} deleted with its "
        f"{len(children)} notes, stages and feedback (POST {CHANGES_PATH}, as {RECRUITER.name}'s session)"
    )
    reply = ats.call(RECRUITER, "POST", CHANGES_PATH, batch)
    p.line(f"HTTP {reply.status}: {reply.body}")

    late = {**candidate, "first_name": "Outdated"}
    stale_batch = {
        "changes": [
            {"resource": "candidates", "id": cid, "action": "upsert", "version": now_ms - 60_000, "record": late}
        ]
    }
    p.step("An older update of the same candidate arrives late (a retried webhook from a minute earlier)")
    stale = ats.call(RECRUITER, "POST", CHANGES_PATH, stale_batch)
    p.line(f"HTTP {stale.status}: {stale.body}")

    def applied() -> bool:
        held = linkedin_data(stack)
        person = held["candidates"].get(cid) or {}
        return person.get("firstName") == "Renamed" and aid not in held["applications"]

    done = wait_for(applied, timeout=60)
    held = linkedin_data(stack)
    p.step(
        "What LinkedIn holds now (applied by the sync workers within the same rate budget)"
        if done
        else "LinkedIn did not show the changes within a minute; it holds:"
    )
    for line in describe(held, cid, aid):
        p.line(line, 6)
    calls = requests.get(f"{stack.linkedin.base_url}/_control/requests", timeout=30).json()[log_mark:]
    order = [_call_name(c) for c in calls if c["method"] in ("PUT", "DELETE") and "/ats" in c["path"]]
    p.line("LinkedIn's calls, in order (Module 5: children before their application):", 6)
    for name in order:
        p.line(name, 8)
    p.title(
        "Ongoing changes: "
        + (
            "the update and the deletion are at LinkedIn; the older update was ignored as stale."
            if done
            else "NOT applied."
        )
    )
    return {
        "candidateId": cid,
        "applicationId": aid,
        "reply": reply,
        "staleReply": stale,
        "applied": done,
        "candidate": held["candidates"].get(cid),
        "application": held["applications"].get(aid),
    }
