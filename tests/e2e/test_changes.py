"""Ongoing changes end to end on the local stack: after the historical sync, the ATS backend posts changes over
HTTP (real authorizer, the Changes function, the sync queue's event source, the workers) and LinkedIn (the
emulator) ends with the update and the deletion, the older update ignored."""

from __future__ import annotations

import io
import time
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from rsc_demo.ats import AtsBackend
from rsc_demo.changes_story import CHANGES_PATH, run_changes_story
from rsc_demo.story import ACCOUNT, OWNER, run_story

pytestmark = pytest.mark.stack
ORG = "urn:li:organization:5001"


def wait_synced(stack: Any, timeout: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    view: dict[str, Any] = {}
    while time.monotonic() < deadline:
        view = AtsBackend(stack.api_url).status(OWNER).body["contracts"][0].get("sync") or {}
        if view.get("status") in ("SUCCEEDED", "FAILED"):
            return view
        time.sleep(1)
    raise AssertionError(f"the sync did not finish: {view}")


def test_an_update_and_a_deletion_reach_linkedin_and_a_late_older_update_does_not(fresh_stack: Any) -> None:
    run_story(fresh_stack, io.StringIO())
    assert wait_synced(fresh_stack)["status"] == "SUCCEEDED"
    requests.delete(f"{fresh_stack.linkedin.base_url}/_control/requests", timeout=5)
    out = io.StringIO()
    result = run_changes_story(fresh_stack, out)

    assert result["reply"].status == 202, result["reply"].body
    sent = result["reply"].body
    assert sent["accepted"] >= 3 and sent["stale"] == [] and sent["queued"] == 1  # with the application's children
    stale = result["staleReply"].body
    assert result["staleReply"].status == 202 and stale["accepted"] == 0
    assert stale["stale"] == [
        {"resource": "candidates", "id": result["candidateId"], "version": stale["stale"][0]["version"]}
    ]
    assert result["applied"], out.getvalue()
    assert result["candidate"]["firstName"] == "Renamed" and result["application"] is None
    held = requests.get(
        f"{fresh_stack.linkedin.base_url}/_control/data", params={"organization": ORG}, timeout=10
    ).json()
    app = result["applicationId"]
    assert all(app not in held[k] for k in ("applicationNotes", "applicationStages", "applicationInterviewFeedback"))
    deletes = [
        unquote(r["path"])
        for r in requests.get(f"{fresh_stack.linkedin.base_url}/_control/requests", timeout=10).json()
        if r["method"] == "DELETE"
    ]
    # Module 5 order: the application's notes, stages and feedback, then the application
    assert deletes[-1] == "/v2/atsApplications" and len(deletes) >= 2, deletes
    suffixes = [d.rsplit("/", 1)[-1] for d in deletes[:-1]]
    assert suffixes == sorted(suffixes, key=["notes", "stages", "interviewFeedback"].index), deletes
    assert all(app in d for d in deletes[:-1])
    assert "Renamed" in out.getvalue() and "stale" in out.getvalue()


def test_bad_changes_are_refused_over_http(fresh_stack: Any) -> None:
    ats = AtsBackend(fresh_stack.api_url)
    reply = ats.call(
        OWNER, "POST", CHANGES_PATH, {"changes": [{"resource": "offers", "id": "o1", "action": "delete", "version": 1}]}
    )
    assert reply.status == 422 and reply.error["code"] == "INVALID_REQUEST"
    one = {"changes": [{"resource": "candidates", "id": "c1", "action": "delete", "version": 1}]}
    other = ats.call(OWNER, "POST", "/accounts/globex-77/linkedin/changes", one)
    assert other.status == 404 and other.error["code"] == "NOT_FOUND"
    # Before the organization is enabled there is nothing to apply changes to.
    early = ats.call(OWNER, "POST", CHANGES_PATH, one)
    assert early.status == 409 and early.error["code"] == "NOT_ENABLED"
    assert ACCOUNT in CHANGES_PATH
